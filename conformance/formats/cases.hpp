// lpconform — input generators for the formats family: exhaustive source patterns, TestFloat-style
// boundary inputs taken from the reference's exact rounding breakpoints, and seeded random inputs
// that reach every binade.
//
// Random inputs come from std::mt19937_64 seeded with the value the caller passes (the runner
// derives it from the run's --seed and the item's signature, so a result never depends on thread
// scheduling or on which other items ran).
#pragma once

#include <cstdint>
#include <vector>

#include "spec/formats/format.hpp"
#include "spec/formats/modes.hpp"

namespace lpc::cases {

// Every bit pattern of a 16-bit source type (bfloat16, float16), ascending: 65536 values.
// Throws std::invalid_argument for float32/float64.
std::vector<uint64_t> all_source_patterns(Source source);

// Every code of `format` (at most 16 bits), ascending.
std::vector<uint64_t> all_codes(const Format& format);

// Boundary inputs of `source` (float32 or float64) for encoding to `format` under `params`:
//   1. every breakpoint of the reference's RoundingMap (spec/formats.md §5.1 decision boundaries:
//      grid points, rounding thresholds, the overflow threshold), taken as the nearest source
//      value, with its neighbours 1 and 2 ulps below and above;
//   2. for stochastic roundings, the breakpoints for R = 0, 2^(N-1) and 2^N - 1;
//   3. the source type's specials: +-0, +-inf, quiet and signalling NaNs of both signs with
//      several payloads, the smallest and largest subnormal, the smallest normal, the largest
//      finite, +-1.
// Sorted and without duplicates. `format` must have at most 16 bits.
std::vector<uint64_t> boundary_inputs(const Format& format, const EncodeParams& params, Source source);

// `count` seeded random inputs of `source` (float32 or float64). Half take a uniformly random
// exponent field (every binade of the source: zero/subnormals, normals, inf/NaN); half take a
// binade within three of the format's range (from just below its smallest subnormal to just above
// its largest value), so most of them exercise rounding rather than overflow or underflow. The
// significand is uniformly random 3 times in 4, else a TestFloat-style pattern (0, all ones, one
// bit, walking one or zero, a run of leading ones). The sign is uniform.
std::vector<uint64_t> random_inputs(const Format& format, Source source, size_t count, uint64_t seed);

// `count` seeded random words for the stochastic roundings (all 32 bits random).
std::vector<uint32_t> random_words(size_t count, uint64_t seed);

}  // namespace lpc::cases
