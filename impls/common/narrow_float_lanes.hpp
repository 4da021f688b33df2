// lpconform impls — one float accumulator addition, acc <- round(acc + p), for a declared
// accumulator with E <= 8 exponent bits and M <= 21 (RNE) or M <= 22 (truncation) fraction bits
// (spec/chip.md §3.3), on float32 lanes (GCC/clang vector extensions): TwoSum, round to odd at
// float32, then the rounding on the bit pattern. The one primitive impls/fast/gemm and
// impls/chip/values share (spec/chip.md §3.5); each builds its own loops, operands and products.
//
// Every function has internal linkage (static, always inlined): a translation unit compiled for
// one instruction set never links another's copy.
//
// Why one step is exact. emin = 2 - 2^(E-1) >= -126, emax = 2^(E-1) - 1 <= 127. The caller
// guarantees that acc is a value of the accumulator (so a float32) and p an exact float32 (a
// product exact in float32, or a fold's partial sum).
//  1. s = fl32(acc + p) and e = (acc - (s - p')) + (p - p'), p' = s - acc (Knuth's TwoSum, six
//     RN operations): when s is finite, s + e = acc + p exactly. A contraction of an exact
//     product p = a·b into an FMA anywhere here computes the same values.
//  2. Round to odd at float32 precision: when e != 0 and the last bit of s is 0, s moves one
//     float32 step toward e (the bit pattern ± 1; adjacent floats differ by one in the pattern,
//     across binades too). s = RN(x) with x = acc + p, so x lies strictly between s and that
//     neighbour, and the odd one of the two is RO(x), round-to-odd at 24 bits (or on the fixed
//     2^-149 grid of float32 subnormals). e != 0 implies s != 0.
//  3. Boldo & Melquiond ("When double rounding is odd", 2005; "Emulation of FMA and correctly
//     rounded sums: proved algorithms using rounding to odd", IEEE TC 2008): if a grid G' refines
//     a grid G so that every point of G and every midpoint of two neighbours of G is an even point
//     of G', then RN_G(RO_G'(x)) = RN_G(x) and RZ_G(RO_G'(x)) = RZ_G(x) (RZ needs only the points
//     of G to be even in G'). Here G' is float32 and G the accumulator: at |x| in [2^t, 2^(t+1))
//     the quanta are 2^(max(t, -126) - 23) and 2^(max(t, emin) - M); with emin >= -126 their
//     ratio is at least 2^(23 - M) >= 4 (RNE) or >= 2 (truncation), and at |x| < 2^-126 the
//     accumulator quantum is 2^(emin - M) >= 2^-147 (RNE) or 2^-148 (truncation) against 2^-149.
//     Points of G are multiples of its quantum, midpoints multiples of half of it, so both are
//     multiples of twice the float32 quantum there: even points. Zeros and the boundary 2^t
//     (significand 0) are even too. So step 4 applied to RO(x) gives the correctly rounded x.
//  4. Rounding the float32 r = RO(x) (sign kept apart, magnitude bits |r|):
//     - |r| >= 2^emin (a normal of the accumulator): both layouts are exponent-then-fraction, so
//       dropping the d = 23 - M low fraction bits is truncation; RNE first adds half a unit
//       less one plus the kept last bit (ties to even), a carry moving into the exponent field:
//       the next binade, with an unbounded exponent (spec/chip.md §3.3).
//     - |r| < 2^emin (subnormal or zero): the accumulator quantum is Q = 2^(emin - M); with
//       C = 2^(emin - M + 23), |r| + C lies in [C, 2C) whose float32 spacing is Q, so
//       fl32(|r| + C) - C is |r| rounded to a multiple of Q, ties to even (the last bit of
//       fl32(|r| + C) is the parity of the multiple); the subtraction is exact (Sterbenz). For
//       truncation that RNE value, when above |r|, is one Q too high (|RNE - r| <= Q/2).
//       A rounding up to 2^emin is the smallest normal, in both layouts.
//     - above the largest finite value (pattern > max's): RNE gives inf, truncation max.
//     - specials: NaN in, NaN out (float32 arithmetic); inf ± finite = inf, inf - inf = NaN.
//       A float32 overflow of two finite addends (only possible when |x| >= 2^128 - 2^103, far
//       past the accumulator's range) is inf under RNE and max under truncation, as above.
//     - zeros: an exact zero sum is IEEE's (+0, or -0 for -0 + -0), as float32 gives it; a
//       non-zero sum keeps its sign through the rounding (spec/chip.md §3.3).
#pragma once

#include <bit>
#include <cmath>
#include <cstdint>

namespace lpc::common {

// Whether add_rounded covers the accumulator (E exponent bits, M fraction bits).
constexpr bool narrow_float_covers(int exp_bits, int man_bits, bool truncate) {
  return exp_bits >= 2 && exp_bits <= 8 && man_bits >= 1 && man_bits <= (truncate ? 22 : 21);
}

// The accumulator as float32 bit constants (precondition: narrow_float_covers).
struct NarrowFloat {
  int drop_bits = 0;              // 23 - M: float32 fraction bits below the accumulator's quantum
  uint32_t min_normal_bits = 0;   // float32 pattern of 2^emin
  uint32_t max_bits = 0;          // float32 pattern of the largest finite value (2 - 2^-M)·2^emax
  float subnormal_magic = 0;      // 2^(emin - M + 23): float32 spacing 2^(emin - M) above it
  float subnormal_quantum = 0;    // 2^(emin - M)
  bool truncate = false;
};

inline NarrowFloat narrow_float(int exp_bits, int man_bits, bool truncate) {
  const int emin = 2 - (1 << (exp_bits - 1)), emax = (1 << (exp_bits - 1)) - 1;
  const auto power = [](int e) { return std::ldexp(1.0f, e); };  // exact: e in -148..22
  const float max_finite = std::ldexp(static_cast<float>((uint32_t{1} << (man_bits + 1)) - 1), emax - man_bits);
  return {23 - man_bits, std::bit_cast<uint32_t>(power(emin)), std::bit_cast<uint32_t>(max_finite),
          power(emin - man_bits + 23), power(emin - man_bits), truncate};
}

namespace lanes {

template <int Lanes>
struct Vec {
  typedef float F __attribute__((vector_size(4 * Lanes)));
  typedef uint32_t U __attribute__((vector_size(4 * Lanes)));
  typedef int32_t I __attribute__((vector_size(4 * Lanes)));
};

// x in every lane: x - (+0) is x for every x, -0 included (a broadcast; +0 + x would turn -0 into +0).
template <class V, class S>
static inline __attribute__((always_inline)) V splat(S x) {
  return x - V{};
}

// mask ? a : b, mask lanes all ones or all zeros.
template <class U>
static inline __attribute__((always_inline)) U select(U mask, U a, U b) {
  return (a & mask) | (b & ~mask);
}

// The accumulator's constants as vectors.
template <int Lanes>
struct Constants {
  typename Vec<Lanes>::U keep_mask, half_minus_one, min_normal_bits, max_bits, overflow_bits;
  typename Vec<Lanes>::F subnormal_magic, subnormal_quantum;
  int drop_bits;
};

template <int Lanes>
static inline __attribute__((always_inline)) Constants<Lanes> constants(const NarrowFloat& a) {
  using F = typename Vec<Lanes>::F;
  using U = typename Vec<Lanes>::U;
  return {splat<U>(~((uint32_t{1} << a.drop_bits) - 1)), splat<U>((uint32_t{1} << (a.drop_bits - 1)) - 1), splat<U>(a.min_normal_bits),
          splat<U>(a.max_bits), splat<U>(a.truncate ? a.max_bits : 0x7F800000u), splat<F>(a.subnormal_magic), splat<F>(a.subnormal_quantum),
          a.drop_bits};
}

// round_acc(acc + p), steps 1-4 of the header comment, lane by lane.
template <int Lanes, bool Truncate>
static inline __attribute__((always_inline)) typename Vec<Lanes>::F add_rounded(typename Vec<Lanes>::F acc, typename Vec<Lanes>::F p,
                                                                                const Constants<Lanes>& k) {
  using F = typename Vec<Lanes>::F;
  using U = typename Vec<Lanes>::U;
  using I = typename Vec<Lanes>::I;
  // 1. TwoSum.
  const F s = acc + p;
  const F p_part = s - acc;
  const F e = (acc - (s - p_part)) + (p - p_part);
  const U bits = reinterpret_cast<U>(s), e_bits = reinterpret_cast<U>(e);
  const U sign = bits & 0x80000000u;
  U magnitude = bits & 0x7FFFFFFFu;
  const U finite = reinterpret_cast<U>(reinterpret_cast<I>(magnitude) < 0x7F800000);
  // 2. Round to odd: an inexact sum with an even last bit steps one float32 toward e (+1 on the
  //    magnitude when e has the sign of s, -1 otherwise).
  const U inexact_even = finite & reinterpret_cast<U>(e != 0.0f) & ((bits & 1u) - 1u);
  const U toward_e = 1u | reinterpret_cast<U>(reinterpret_cast<I>(e_bits ^ bits) >> 31);
  magnitude += toward_e & inexact_even;
  // 4. Normal: drop d bits (RNE: add half a unit less one plus the kept last bit first).
  U rounded = magnitude;
  if constexpr (!Truncate) rounded += k.half_minus_one + ((magnitude >> k.drop_bits) & 1u);
  rounded &= k.keep_mask;
  //    Subnormal: the float32 addition of C rounds to the quantum; truncation steps back down.
  F magnitude_f = reinterpret_cast<F>(magnitude);
  F small = (magnitude_f + k.subnormal_magic) - k.subnormal_magic;
  if constexpr (Truncate) small -= reinterpret_cast<F>(reinterpret_cast<U>(small > magnitude_f) & reinterpret_cast<U>(k.subnormal_quantum));
  const I magnitude_i = reinterpret_cast<I>(magnitude);
  rounded = select(reinterpret_cast<U>(magnitude_i < reinterpret_cast<I>(k.min_normal_bits)), reinterpret_cast<U>(small), rounded);
  //    Overflow: inf (RNE) or the largest finite value (truncation).
  rounded = select(reinterpret_cast<U>(reinterpret_cast<I>(rounded) > reinterpret_cast<I>(k.max_bits)), k.overflow_bits, rounded);
  //    Specials pass through, except a truncating float32 overflow of two finite addends.
  U special = magnitude;
  if constexpr (Truncate) {
    const U finite_addends = reinterpret_cast<U>(reinterpret_cast<I>(reinterpret_cast<U>(acc) & 0x7F800000u) != 0x7F800000) &
                             reinterpret_cast<U>(reinterpret_cast<I>(reinterpret_cast<U>(p) & 0x7F800000u) != 0x7F800000);
    special = select(finite_addends, k.max_bits, magnitude);
  }
  const U result = select(finite, rounded, special) | sign;
  return reinterpret_cast<F>(result);
}

}  // namespace lanes
}  // namespace lpc::common
