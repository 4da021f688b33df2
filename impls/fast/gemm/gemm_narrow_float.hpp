// lpconform fast — float32 systolic sums rounded into a narrower declared float accumulator
// (spec/chip.md §3.1, §3.3): the kernel body shared by gemm_kernels_{scalar,avx2,avx512}.cpp,
// written once with GCC/clang vector extensions and instantiated with 4, 8 or 16 lanes, each
// lane count in exactly one of those translation units (so each instantiation is compiled with
// its own ISA flags and no inline definition is shared between them).
//
// Each lane is one output column; it adds its products in ascending k, fold by fold, exactly as
// the scalar declared order (vectorized across outputs, never reassociated along k).
//
// The addition itself (TwoSum, round to odd at float32, the rounding on the bit pattern, and the
// proof that it is the declared rounding) is impls/common/narrow_float_lanes.hpp, which the chip
// model includes too; gemm.cpp enters this kernel only when every product of the two formats is
// exact in float32 (e.g. FP8 pairs need at most 4 + 4 bits, e5m2 subnormal² = 2^-32 and max² =
// 57344² < 2^32; FP4 × INT4 products are |v|·4^(e-7) with |v| <= 8, e in 1..7: 4 bits, 2^-12..2^3).
#pragma once

#include <algorithm>
#include <cstdint>
#include <cstring>

#include "impls/common/narrow_float_lanes.hpp"
#include "impls/fast/gemm/gemm_kernels.hpp"

namespace lpc::fast::detail::narrow {

using common::NarrowFloat;
using common::lanes::add_rounded;
using common::lanes::Constants;
using common::lanes::splat;
template <int Lanes>
using Vec = common::lanes::Vec<Lanes>;

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
  const Constants<Lanes> k = common::lanes::constants<Lanes>(accumulator);
  if (accumulator.truncate) run_rounding<Lanes, Rows, true>(p, k, m_begin, m_end, c);
  else run_rounding<Lanes, Rows, false>(p, k, m_begin, m_end, c);
}

}  // namespace lpc::fast::detail::narrow
