// lpconform fast — the float32 -> code kernel, written once over a lane type `L` (one lane, AVX2,
// AVX-512; see simd_kernels_*.cpp) so every instruction set runs the same arithmetic.
// Included only by the per-ISA translation units, each compiled with its own target flags.
#pragma once

#include <cstdint>
#include <cstring>
#include <type_traits>

#include "impls/fast/formats/simd_kernels.hpp"

namespace lpc::fast::detail {

// Encodes the first n - n % L::kLanes elements; returns how many it did.
template <class L, Rounding kRounding, bool kInteger, class Code>
size_t encode_f32_lanes(const KernelPlan& p, const float* in, size_t n, Code* out) {
  using V = typename L::V;
  using F = typename L::F;
  const V zero = L::set1(0), one = L::set1(1);
  const V abs_mask = L::set1(0x7FFFFFFF), inf_bits = L::set1(0x7F800000);
  const int shift = p.quantum_shift;
  const V offset = L::set1(p.exponent_offset), min_normal_bits = L::set1(p.min_normal_bits);
  const V half = L::set1(shift > 0 ? 1 << (shift - 1) : 0), half_minus_one = L::set1(shift > 0 ? (1 << (shift - 1)) - 1 : 0);
  const F scale = L::set1f(p.subnormal_scale), integer_clamp = L::set1f(0x1p30f), point_five = L::set1f(0.5f);
  const V max_pos = L::set1(p.max_magnitude[0]), max_neg = L::set1(p.max_magnitude[1]);
  const V overflow_pos = L::set1(p.overflow_code[0]), overflow_neg = L::set1(p.overflow_code[1]);
  const V inf_pos = L::set1(p.inf_code[0]), inf_neg = L::set1(p.inf_code[1]);
  const V nan_pos = L::set1(p.nan_code[0]), nan_neg = L::set1(p.nan_code[1]);
  const V sign_bit = L::set1(p.sign_bit), code_mask = L::set1(p.code_mask);
  const bool inf_is_overflow = p.inf_code[0] == p.overflow_code[0] && p.inf_code[1] == p.overflow_code[1];
  const size_t whole = n - n % L::kLanes;
  for (size_t i = 0; i < whole; i += L::kLanes) {
    const V x = L::load(in + i);
    const auto negative = L::less(x, zero);
    const V magnitude_bits = L::bit_and(x, abs_mask);
    // 1. Subnormal binade (every lane for integers): |x| * 2^(M - emin) is exact; round it to an
    //    integer with the mode's explicit rounding.
    F scaled = L::mul(L::as_float(magnitude_bits), scale);
    if constexpr (kInteger) scaled = L::minf(scaled, integer_clamp);  // anything this large overflows
    V code;
    if constexpr (kRounding == Rounding::Rne) {
      code = L::to_int_truncating(L::round_nearest_even(scaled));
    } else if constexpr (kRounding == Rounding::Rtz) {
      code = L::to_int_truncating(scaled);
    } else {  // ties away: the fraction left by truncation is exact, so compare it with 1/2
      const F truncated = L::round_toward_zero(scaled);
      code = L::add_if(L::greater_equal(L::subf(scaled, truncated), point_five), L::to_int_truncating(truncated), one);
    }
    if constexpr (!kInteger) {
      // 2. Normal binades: add the increment below bit s, shift, rebase the exponent (§5.1: a
      //    carry out of the fraction is the step to the next binade's first code). Ties to even
      //    look at the parity of the unrounded code, (bits >> s) - offset.
      V increment = zero;
      if constexpr (kRounding == Rounding::Rne)
        increment = L::add(half_minus_one, L::bit_and(L::bit_xor(L::shift_right(magnitude_bits, shift), offset), one));
      else if constexpr (kRounding == Rounding::Rna)
        increment = half;
      const V normal_code = L::sub(L::shift_right(L::add(magnitude_bits, increment), shift), offset);
      code = L::select(L::less(magnitude_bits, min_normal_bits), normal_code, code);
    }
    // 3. Overflow is decided on the rounded magnitude (§5.2); Inf and NaN inputs land above too.
    const auto overflow = L::greater(code, kInteger ? L::select(negative, max_pos, max_neg) : max_pos);
    if constexpr (kInteger) {
      code = L::bit_and(L::select(negative, code, L::sub(zero, code)), code_mask);
    } else {  // the sign goes on unless the magnitude is 0 and the format has no -0 (§5.3)
      const auto signed_result =
          L::mask_and(negative, L::mask_or(L::greater(code, zero), L::mask_constant(p.keep_negative_zero)));
      code = L::select(signed_result, code, L::bit_or(code, sign_bit));
    }
    // 4. Special results, per sign, exactly as the general path gives them (see make_kernel_plan).
    code = L::select(overflow, code, L::select(negative, overflow_pos, overflow_neg));
    if (!inf_is_overflow)
      code = L::select(L::equal(magnitude_bits, inf_bits), code, L::select(negative, inf_pos, inf_neg));
    code = L::select(L::greater(magnitude_bits, inf_bits), code, L::select(negative, nan_pos, nan_neg));
    if (p.negative_is_nan)
      code = L::select(L::mask_and(negative, L::greater(magnitude_bits, zero)), code, nan_neg);
    L::store(out + i, code);
  }
  return whole;
}

// Runs the instantiation for (plan.rounding, plan.integer, out_bytes); the tail goes through the
// one-lane instantiation of the same kernel.
template <class L, class OneLane>
void encode_f32_dispatch(const KernelPlan& p, const float* in, size_t n, void* out, int out_bytes) {
  auto run = [&](auto* codes) {
    auto go = [&](auto rounding_tag, auto integer_tag) {
      constexpr Rounding kRounding = decltype(rounding_tag)::value;
      constexpr bool kInteger = decltype(integer_tag)::value;
      const size_t done = encode_f32_lanes<L, kRounding, kInteger>(p, in, n, codes);
      if constexpr (!std::is_same_v<L, OneLane>)
        encode_f32_lanes<OneLane, kRounding, kInteger>(p, in + done, n - done, codes + done);
    };
    using Yes = std::true_type;
    using No = std::false_type;
    using Rne = std::integral_constant<Rounding, Rounding::Rne>;
    using Rna = std::integral_constant<Rounding, Rounding::Rna>;
    using Rtz = std::integral_constant<Rounding, Rounding::Rtz>;
    switch (p.rounding) {
      case Rounding::Rne: return p.integer ? go(Rne{}, Yes{}) : go(Rne{}, No{});
      case Rounding::Rna: return p.integer ? go(Rna{}, Yes{}) : go(Rna{}, No{});
      default: return p.integer ? go(Rtz{}, Yes{}) : go(Rtz{}, No{});
    }
  };
  switch (out_bytes) {
    case 1: return run(static_cast<uint8_t*>(out));
    case 2: return run(static_cast<uint16_t*>(out));
    default: return run(static_cast<uint32_t*>(out));
  }
}

// One lane: the same kernel on plain scalars (the portable path and every SIMD path's tail). Its
// float operations are exact and independent of the floating-point environment, like the SIMD
// ones (which pass explicit rounding modes).
struct OneLane {
  using V = int32_t;
  using F = float;
  using M = bool;
  static constexpr size_t kLanes = 1;
  static V load(const float* p) { V v; std::memcpy(&v, p, 4); return v; }
  static V set1(int32_t x) { return x; }
  static F set1f(float x) { return x; }
  static V bit_and(V a, V b) { return a & b; }
  static V bit_or(V a, V b) { return a | b; }
  static V bit_xor(V a, V b) { return a ^ b; }
  static V add(V a, V b) { return int32_t(uint32_t(a) + uint32_t(b)); }
  static V sub(V a, V b) { return int32_t(uint32_t(a) - uint32_t(b)); }
  static V add_if(M m, V a, V b) { return m ? add(a, b) : a; }
  static V shift_right(V a, int n) { return int32_t(uint32_t(a) >> n); }
  static M less(V a, V b) { return a < b; }
  static M greater(V a, V b) { return a > b; }
  static M equal(V a, V b) { return a == b; }
  static M mask_and(M a, M b) { return a && b; }
  static M mask_or(M a, M b) { return a || b; }
  static M mask_constant(bool b) { return b; }
  static V select(M m, V if_false, V if_true) { return m ? if_true : if_false; }
  static F as_float(V a) { F f; std::memcpy(&f, &a, 4); return f; }
  static F mul(F a, F b) { return a * b; }  // by a power of two: exact for the lanes that use it
  static F subf(F a, F b) { return a - b; }
  static F minf(F a, F b) { return a < b ? a : b; }
  static M greater_equal(F a, F b) { return a >= b; }
  // a >= 0 (a magnitude). The integer part by a truncating conversion (exact below 2^31); the
  // fraction a - t is then exact, so the ties test is exact. NaN and larger values pass through.
  static F round_toward_zero(F a) { return (a >= 0 && a < 0x1p31f) ? F(int32_t(a)) : a; }
  static F round_nearest_even(F a) {
    if (!(a >= 0 && a < 0x1p31f)) return a;
    const int32_t truncated = int32_t(a);
    const F fraction = a - F(truncated);
    return F(truncated + ((fraction > 0.5f || (fraction == 0.5f && (truncated & 1))) ? 1 : 0));
  }
  // x86's convention: NaN and out-of-range give INT32_MIN (such lanes are replaced later).
  static V to_int_truncating(F a) { return (a >= 0 && a < 0x1p31f) ? V(a) : INT32_MIN; }
  template <class Code>
  static void store(Code* p, V v) { *p = Code(v); }
};

}  // namespace lpc::fast::detail
