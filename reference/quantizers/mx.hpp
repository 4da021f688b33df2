// lpconform reference — OCP MX block scaling, exactly (spec/quantizers.md §4).
//
// Scales are chosen from the exact block maximum with exact logarithms of rationals; elements are
// the exact quotients V_i / X encoded by the reference codec (reference/formats/codec.hpp); the dot
// product's float32 steps are each the exact result rounded once (Boost cpp_rational in the .cpp
// only). Nothing here is shared with impls/.
#pragma once

#include <cstdint>
#include <span>
#include <string>

#include "reference/formats/exact_value.hpp"
#include "spec/quantizers/mx_params.hpp"

namespace lpc::ref {

// §4.2-4.4: quantizes x in blocks of p.block consecutive elements (the last block may be shorter):
// scales[b] is the E8M0 code of block b, codes[i] the element code of x[i] (one code per byte,
// low bits). Where the scale is NaN (0xFF) the element codes are 0 (§4.4: any code is permitted).
// Preconditions: mx_params_error(p) == nullopt, scales.size() == ceil(n / block), codes.size() == n.
void mx_quantize(const MxParams& p, std::span<const float> x, std::span<uint8_t> scales, std::span<uint8_t> codes);

// §4.5: the exact value X · P of element `code` under E8M0 `scale` (MXINT8: X · code · 2^-6). NaN
// when the scale is NaN or the element is a NaN code; ±inf for an E5M2 infinity.
ExactValue mx_value(const Format& element, uint8_t scale, uint8_t code);

// The E8M0 exponent of a block under `p.scale_rule`, before anything else is decided: the largest
// finite magnitude of the element format and its binade (emax_elem), derived from the codec.
struct MxElementRange {
  ExactValue max;  // largest finite value (MXINT8: 127 · 2^-6)
  int emax = 0;    // floor(log2 max)
};
MxElementRange mx_element_range(const Format& element);

// One MX vector: its element format, block size, scale codes and element codes.
struct MxVector {
  const Format* element = nullptr;
  int block = 32;
  std::span<const uint8_t> scales, codes;
};

// §4.6: the dot product in the declared float32 order (TOSA MATMUL_T_BLOCK_SCALED): per block a
// float32 sum, in index order from +0, of the float32 products of element values; that sum times
// fl32(X_a · X_b); the block results summed in block order from +0. Each step rounds once (RNE).
// Precondition: a and b have the same block size and length.
float mx_dot(const MxVector& a, const MxVector& b);

// §4.6: the exact dot product Σ_b X_a,b X_b,b Σ_i P_a,i P_b,i and whether `got` lies within the
// declared bound of it. `applicable` is false when a NaN scale, a NaN or an infinite element makes
// the exact value undefined or infinite (then `got` is checked by mx_dot alone).
struct MxDotCheck {
  bool applicable = false;
  bool within_bound = false;
  std::string exact;  // exact decimal of the exact dot product ("nan"/"inf" when not applicable)
  std::string bound;  // the bound, as a decimal with 9 significant digits
};
MxDotCheck mx_dot_check(const MxVector& a, const MxVector& b, float got);

}  // namespace lpc::ref
