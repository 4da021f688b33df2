// lpconform fuzz — the exact reference, memoized so a format target runs at >= 100k inputs/s.
//
// Exact arithmetic per input costs microseconds; the fuzz targets instead ask the reference's own
// precomputed forms, which the quick tier proves equal to the exact routes (ref::RoundingMap ==
// ref::encode for every 16-bit input, ref::decode of every code): a RoundingMap per (format,
// params) for formats of at most 16 bits under a deterministic rounding, and a table of decoded
// values per format of at most 16 bits. Everything else goes to ref::encode / ref::decode
// directly. Nothing here computes anything itself, so the fuzz oracle is the reference.
#pragma once

#include <cstddef>
#include <cstdint>

#include "reference/formats/codec.hpp"

namespace lpc::fuzz {

// The reference's result for encoding x to all_formats()[format_index] under `params`, through a
// cached RoundingMap when the format has at most 16 bits and the rounding is deterministic, else
// through ref::encode. Precondition: ref::supports(format, params). `used_map` tells which route.
ref::EncodeResult reference_encode(size_t format_index, const EncodeParams& params, const ref::ExactValue& x,
                                   uint32_t random, bool& used_map);

// The reference's value of `code` (bits above the format width must be 0) as a float64, cached
// per format of at most 16 bits. Every value of every format is exactly a float64.
double reference_value(size_t format_index, uint32_t code);

}  // namespace lpc::fuzz
