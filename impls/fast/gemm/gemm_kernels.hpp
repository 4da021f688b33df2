// lpconform fast — the GEMM kernels, one translation unit per instruction set
// (gemm_kernels_{scalar,avx2,avx512}.cpp, each compiled with its own flags), chosen at run time by
// gemm.cpp. Two kernels, both exact by construction:
//   int8 dot products mod 2^32: C[m][n] = Σ_k a[m][k]·b[k][n] mod 2^32 (any order: wrapping is a
//     ring homomorphism Z -> Z/2^32, so every grouping gives the same residue);
//   float32 RNE systolic sums: per output, per fold of R consecutive k, part = +0 then part <-
//     fl(part + a·b) in ascending k, and out <- fl(out + part) fold by fold. Every product a·b is
//     exact in float32 (gemm.cpp checks that for the formats), so fl(a·b + part) of a fused
//     multiply-add equals fl(fl(a·b) + part): one rounding per addition, as declared;
//   narrower float systolic sums: the same order, each addition rounded into a declared
//     accumulator with E <= 8, M <= 21 (RNE) or M <= 22 (truncation) by TwoSum, round-to-odd at
//     float32 and a rounding on the bit pattern (impls/common/narrow_float_lanes.hpp has the proof).
#pragma once

#include <cstdint>
#include <vector>

#include "impls/common/narrow_float_lanes.hpp"

namespace lpc::fast::detail {

// Columns of B and C are padded with zeros to a multiple of this (one AVX-512 vector of int32 or
// float32), so no kernel has a column tail.
constexpr uint64_t kColumnPad = 16;
inline uint64_t padded_columns(uint64_t n) { return (n + kColumnPad - 1) / kColumnPad * kColumnPad; }

// int8 operands in a kernel's own layout (prepare_int8_*), shared read-only by the row threads.
struct Int8Prepared {
  uint64_t m = 0, n = 0, k = 0, n_padded = 0;
  std::vector<uint8_t> a;                // the ISA's A layout
  std::vector<uint8_t> b;                // the ISA's B layout
  std::vector<int32_t> column_correction;  // per column, subtracted from the raw sums (mod 2^32)
};

// a: M×K, b: K×N int8 values, row-major.
Int8Prepared prepare_int8_scalar(const int8_t* a, const int8_t* b, uint64_t m, uint64_t n, uint64_t k);
Int8Prepared prepare_int8_avx2(const int8_t* a, const int8_t* b, uint64_t m, uint64_t n, uint64_t k);
Int8Prepared prepare_int8_avx512(const int8_t* a, const int8_t* b, uint64_t m, uint64_t n, uint64_t k);

// Rows [m_begin, m_end) of C mod 2^32 into c (row stride n_padded; padded columns get garbage).
void run_int8_scalar(const Int8Prepared& p, uint64_t m_begin, uint64_t m_end, int32_t* c);
void run_int8_avx2(const Int8Prepared& p, uint64_t m_begin, uint64_t m_end, int32_t* c);
void run_int8_avx512(const Int8Prepared& p, uint64_t m_begin, uint64_t m_end, int32_t* c);

// float32 systolic sums. a: M×K row-major; b: K×n_padded row-major (zero columns beyond N);
// fold: R (1..K). Rows [m_begin, m_end) of C into c (row stride n_padded).
struct F32Operands {
  const float* a = nullptr;
  const float* b = nullptr;
  uint64_t k = 0, n_padded = 0, fold = 0;
};
void run_f32_rne_scalar(const F32Operands& p, uint64_t m_begin, uint64_t m_end, float* c);
void run_f32_rne_avx2(const F32Operands& p, uint64_t m_begin, uint64_t m_end, float* c);
void run_f32_rne_avx512(const F32Operands& p, uint64_t m_begin, uint64_t m_end, float* c);

// A declared float accumulator (E <= 8; M <= 21 with RNE, M <= 22 with truncation) as float32 bit
// constants (impls/common/narrow_float_lanes.hpp).
using common::NarrowFloat;
// The float32 systolic sums of run_f32_rne_*, every addition rounded into `accumulator`; the
// values in c are accumulator values (float32 holds them exactly).
void run_f32_narrow_scalar(const F32Operands& p, const NarrowFloat& accumulator, uint64_t m_begin, uint64_t m_end, float* c);
void run_f32_narrow_avx2(const F32Operands& p, const NarrowFloat& accumulator, uint64_t m_begin, uint64_t m_end, float* c);
void run_f32_narrow_avx512(const F32Operands& p, const NarrowFloat& accumulator, uint64_t m_begin, uint64_t m_end, float* c);

}  // namespace lpc::fast::detail
