// lpconform fast — float32 systolic sums rounded into a narrower declared float accumulator
// (spec/chip.md §3.1, §3.3): the kernel body shared by gemm_kernels_{scalar,avx2,avx512}.cpp,
// written once with GCC/clang vector extensions and instantiated with 4, 8 or 16 lanes, each
// lane count in exactly one of those translation units (so each instantiation is compiled with
// its own ISA flags and no inline definition is shared between them).
//
// Each lane is one output column; it adds its products in ascending k, fold by fold, exactly as
// the scalar declared order (vectorized across outputs, never reassociated along k).
//
// Why one step is exact. The accumulator has E <= 8 exponent bits and M fraction bits, M <= 21
// (RNE) or M <= 22 (truncation); emin = 2 - 2^(E-1) >= -126, emax = 2^(E-1) - 1 <= 127.
// gemm.cpp enters this kernel only when every product of the two formats is exact in float32
// (significand bits, lowest and highest exponent checked over the tables; e.g. FP8 pairs need at
// most 4 + 4 bits, e5m2 subnormal² = 2^-32 and max² = 57344² < 2^32; FP4 × INT4 products are
// |v|·4^(e-7) with |v| <= 8, e in 1..7: 4 bits, 2^-12..2^3). The step acc' = round_acc(acc + p), acc a
// value of the accumulator (so a float32) and p an exact product (or a fold's partial sum):
//  1. s = fl32(acc + p) and e = (acc - (s - p')) + (p - p'), p' = s - acc (Knuth's TwoSum, six
//     RN operations): when s is finite, s + e = acc + p exactly. Products are exact, so a
//     contraction of p = a·b into an FMA anywhere here computes the same values.
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

#include <algorithm>
#include <cstdint>
#include <cstring>

#include "impls/fast/gemm/gemm_kernels.hpp"

namespace lpc::fast::detail::narrow {

template <int Lanes>
struct Vec {
  typedef float F __attribute__((vector_size(4 * Lanes)));
  typedef uint32_t U __attribute__((vector_size(4 * Lanes)));
  typedef int32_t I __attribute__((vector_size(4 * Lanes)));
};

// x in every lane: x - (+0) is x for every x, -0 included (a broadcast; +0 + x would turn -0 into +0).
template <class V, class S>
inline V splat(S x) {
  return x - V{};
}

// mask ? a : b, mask lanes all ones or all zeros.
template <class U>
inline U select(U mask, U a, U b) {
  return (a & mask) | (b & ~mask);
}

// The accumulator's constants as vectors (NarrowFloat, gemm_kernels.hpp).
template <int Lanes>
struct Constants {
  using F = typename Vec<Lanes>::F;
  using U = typename Vec<Lanes>::U;
  U keep_mask, half_minus_one, min_normal_bits, max_bits, overflow_bits;
  F subnormal_magic, subnormal_quantum;
  int drop_bits;
  explicit Constants(const NarrowFloat& a)
      : keep_mask(splat<U>(~((uint32_t{1} << a.drop_bits) - 1))), half_minus_one(splat<U>((uint32_t{1} << (a.drop_bits - 1)) - 1)),
        min_normal_bits(splat<U>(a.min_normal_bits)), max_bits(splat<U>(a.max_bits)),
        overflow_bits(splat<U>(a.truncate ? a.max_bits : 0x7F800000u)), subnormal_magic(splat<F>(a.subnormal_magic)),
        subnormal_quantum(splat<F>(a.subnormal_quantum)), drop_bits(a.drop_bits) {}
};

// round_acc(acc + p), steps 1-4 of the header comment, lane by lane.
template <int Lanes, bool Truncate>
inline __attribute__((always_inline)) typename Vec<Lanes>::F add_rounded(typename Vec<Lanes>::F acc, typename Vec<Lanes>::F p,
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

// Rows [i0, i0 + Rows) and columns [16·j0, 16·j0 + 16) of C: 16 / Lanes vectors per row.
template <int Lanes, int Rows, bool Truncate>
void block(const F32Operands& p, const Constants<Lanes>& k, uint64_t i0, uint64_t j0, float* c) {
  using F = typename Vec<Lanes>::F;
  constexpr int kVectors = 16 / Lanes;
  F out[Rows][kVectors], part[Rows][kVectors];
#pragma GCC unroll 8
  for (int r = 0; r < Rows; ++r)
#pragma GCC unroll 4
    for (int v = 0; v < kVectors; ++v) out[r][v] = F{};
  for (uint64_t k0 = 0; k0 < p.k; k0 += p.fold) {
#pragma GCC unroll 8
    for (int r = 0; r < Rows; ++r)
#pragma GCC unroll 4
      for (int v = 0; v < kVectors; ++v) part[r][v] = F{};
    const uint64_t k_end = std::min(p.k, k0 + p.fold);
    for (uint64_t kk = k0; kk < k_end; ++kk) {
      F bv[kVectors];
#pragma GCC unroll 4
      for (int v = 0; v < kVectors; ++v) std::memcpy(&bv[v], p.b + kk * p.n_padded + j0 * 16 + v * Lanes, sizeof(F));
#pragma GCC unroll 8
      for (int r = 0; r < Rows; ++r) {
        const F av = splat<F>(p.a[(i0 + r) * p.k + kk]);
#pragma GCC unroll 4
        for (int v = 0; v < kVectors; ++v) part[r][v] = add_rounded<Lanes, Truncate>(part[r][v], av * bv[v], k);  // exact product
      }
    }
#pragma GCC unroll 8
    for (int r = 0; r < Rows; ++r)
#pragma GCC unroll 4
      for (int v = 0; v < kVectors; ++v) out[r][v] = add_rounded<Lanes, Truncate>(out[r][v], part[r][v], k);
  }
#pragma GCC unroll 8
  for (int r = 0; r < Rows; ++r)
#pragma GCC unroll 4
    for (int v = 0; v < kVectors; ++v) std::memcpy(c + (i0 + r) * p.n_padded + j0 * 16 + v * Lanes, &out[r][v], sizeof(F));
}

// Rows [m_begin, m_end) of C into c (row stride n_padded), blocks of Rows rows then single rows.
template <int Lanes, int Rows, bool Truncate>
void run_rounding(const F32Operands& p, const Constants<Lanes>& k, uint64_t m_begin, uint64_t m_end, float* c) {
  for (uint64_t j0 = 0; j0 < p.n_padded / 16; ++j0) {
    uint64_t i = m_begin;
    for (; i + Rows <= m_end; i += Rows) block<Lanes, Rows, Truncate>(p, k, i, j0, c);
    for (; i < m_end; ++i) block<Lanes, 1, Truncate>(p, k, i, j0, c);
  }
}

template <int Lanes, int Rows>
void run(const F32Operands& p, const NarrowFloat& accumulator, uint64_t m_begin, uint64_t m_end, float* c) {
  const Constants<Lanes> k(accumulator);
  if (accumulator.truncate) run_rounding<Lanes, Rows, true>(p, k, m_begin, m_end, c);
  else run_rounding<Lanes, Rows, false>(p, k, m_begin, m_end, c);
}

}  // namespace lpc::fast::detail::narrow
