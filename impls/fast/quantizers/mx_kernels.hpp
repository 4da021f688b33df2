// lpconform fast — internals of MX block scaling shared by mx.cpp and the per-ISA kernel
// (mx_kernel_avx512.cpp, compiled with AVX-512 flags and entered only after a CPU check).
#pragma once

#include <algorithm>
#include <bit>
#include <cstddef>
#include <cstdint>

#include "spec/quantizers/mx_params.hpp"

namespace lpc::fast::detail {

// What the scale rule needs to know about the element format (spec/quantizers.md §4.2).
struct MxScalePlan {
  MxScaleRule rule = MxScaleRule::Ocp;
  Rounding rounding = Rounding::Rne;
  bool tosa_uses_ceil = false;   // TOSA's E4M3 branch
  int emax = 0;                  // floor(log2 max_elem)
  uint32_t max_significand = 0;  // max_elem / 2^emax as a 24-bit integer 1.f · 2^23
  int top_fraction_bits = 0;     // fraction bits of the element's top binade (MXINT8: 6)
};

// Whether a magnitude with 24-bit significand `significand` (in [2^23, 2^24)), placed in the
// element's top binade, rounds past max_elem under plan.rounding (a positive value).
inline bool rounds_past_max(const MxScalePlan& plan, uint32_t significand) {
  const int s = 23 - plan.top_fraction_bits;
  const uint32_t kept = significand >> s, rest = significand & ((1u << s) - 1), half = 1u << (s - 1);
  uint32_t rounded = kept;
  switch (plan.rounding) {
    case Rounding::Rne:
      rounded += (rest > half || (rest == half && (kept & 1))) ? 1 : 0;
      break;
    case Rounding::Rna:
      rounded += rest >= half ? 1 : 0;
      break;
    case Rounding::Rup:
      rounded += rest != 0 ? 1 : 0;
      break;
    case Rounding::Rto:
      rounded |= rest != 0 ? 1 : 0;
      break;
    default:
      break;  // rtz, rdn: a positive magnitude is truncated
  }
  return (uint64_t{rounded} << s) > plan.max_significand;
}

// The E8M0 code of a block whose largest float32 magnitude has bits `max_bits` (sign cleared):
// 0xFF for Inf/NaN (§4.4), 0x00 for an all-zero block (§4.3), else the rule's exponent clamped to
// [-127, 127] plus the bias (§4.2-4.3).
inline uint8_t mx_scale_code(const MxScalePlan& plan, uint32_t max_bits) {
  if (max_bits >= 0x7F800000u) return kMxScaleNan;
  if (max_bits == 0) return 0;
  // 1. amax = significand · 2^(t - 23) with the significand normalized to [2^23, 2^24): the
  //    exponent field gives t for normals; a subnormal's top bit gives it otherwise.
  int t;
  uint32_t significand;
  if (max_bits >> 23) {
    t = static_cast<int>(max_bits >> 23) - 127;
    significand = (max_bits & 0x7FFFFFu) | 0x800000u;
  } else {
    const int width = std::bit_width(max_bits);
    t = width - 150;
    significand = max_bits << (24 - width);
  }
  // 2. floor(log2 amax) = t; log2(amax / max_elem) lies in (t - emax - 1, t - emax + 1) and
  //    crosses t - emax exactly where the significand passes max_elem's.
  int e = t - plan.emax;
  switch (plan.rule) {
    case MxScaleRule::Ocp:
      break;
    case MxScaleRule::Ceil:
      e += significand > plan.max_significand;
      break;
    case MxScaleRule::Tosa:
      e += plan.tosa_uses_ceil ? significand > plan.max_significand : significand >= plan.max_significand;
      break;
    case MxScaleRule::NoSat:
      e += rounds_past_max(plan, significand);
      break;
  }
  return static_cast<uint8_t>(std::clamp(e, -kMxScaleBias, kMxScaleBias) + kMxScaleBias);
}

// 1 / X = 2^(127 - scale) as a float32, for a scale code other than NaN: exponent field 254 - scale,
// except 2^-127 (scale 254), the subnormal with only fraction bit 22 set.
inline float mx_inverse_scale(uint8_t scale) { return std::bit_cast<float>(scale == 254 ? 0x00400000u : static_cast<uint32_t>(254 - scale) << 23); }

// Lane constants of the fused AVX-512 kernel for a float element under RNE (the formats kernel's
// two routes, impls/fast/formats/simd_kernels.hpp: exponent-field arithmetic in normal binades, an
// exact integer rounding in the subnormal one), followed by saturation at the largest code.
struct MxFloatKernelPlan {
  MxScalePlan scale;
  int32_t quantum_shift = 0;       // 23 - M
  int32_t exponent_offset = 0;     // (127 - B) << M
  int32_t min_normal_bits = 0;     // float32 bits of 2^(1 - B)
  float subnormal_scale = 1.0f;    // 2^(M - (1 - B))
  int32_t max_magnitude_code = 0;  // saturation
  int32_t sign_bit = 0;
};

// Quantizes `blocks` whole blocks of `block` elements (a multiple of 16) of x.
void mx_quantize_f32_avx512(const MxFloatKernelPlan& plan, const float* x, size_t blocks, int block, uint8_t* scales, uint8_t* codes);

}  // namespace lpc::fast::detail
