// lpconform — the draws the quantizer op modules (conformance/ops) share when they build their
// cases: magnitudes, signs, float32 neighbours, stochastic rounding's random words, and
// requantize's input domain. Random choices come from std::mt19937_64 seeded with the item's seed
// (runner.hpp item_seed).
#pragma once

#include <cstdint>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include "conformance/ops/op.hpp"
#include "spec/quantizers/params.hpp"

namespace lpc::quantizer_cases {

// The integer formats of spec/formats.csv whose codes make an LSQ grid (spec/quantizers.md §1.1
// ranges), in the CSV's order; with signed_only, only the signed ones.
std::vector<std::string> integer_grid_names(bool signed_only = false);
// The item parameter "grid" of the ops that quantize to one of those grids (lsq, lsq-init,
// sr-fixed): a choice of integer_grid_names(), read from a profile's format column, int8 by default.
ops::ParamSpec grid_param(std::string doc, std::string clause);

// A float32 with a uniformly random 24-bit significand and an exponent in [lo, hi].
float random_float(std::mt19937_64& rng, int lo, int hi);

// v or -v, by a coin of rng.
float random_sign(std::mt19937_64& rng, float v);

// Appends the bits of x and of its float32 neighbours 1 to `ulps` ulps away on both sides (finite ones).
void add_with_neighbours(std::vector<uint64_t>& out, float x, int ulps = 2);

// The random words of `n` elements for a rounding that reads R from the low `sr_bits` (0..24) bits:
// R cycles through its decision points 0, 2^(N-1) - 1, 2^(N-1), 2^N - 1 (against the dyadic
// fractions 0, 1/4, 1/2, 3/4 the inputs hold) and random values; the high bits are random (an
// implementation must ignore them).
std::vector<uint32_t> random_words(int sr_bits, size_t n, std::mt19937_64& rng);

// The inputs a requantization accepts (spec/quantizers.md §2.2 REQUIRE, §2.4): the closed range of
// input values that no channel rejects. Throws std::invalid_argument when it is empty.
std::pair<int64_t, int64_t> domain(const RequantParams& params);

}  // namespace lpc::quantizer_cases
