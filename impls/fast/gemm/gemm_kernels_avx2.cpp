// lpconform fast — the AVX2 GEMM kernels (gemm_kernels.hpp), compiled with -mavx2 -mfma; gemm.cpp
// enters them only after checking the CPU.
//   int8: values widened to int16; VPMADDWD multiplies pairs and adds each pair into an int32 lane
//     (|a·b + a'·b'| <= 2^15 fits), and VPADDD accumulates mod 2^32. Register block: 4 rows × 2
//     vectors of 8 columns.
//   float32: a lane per output column, FMA along ascending k (exact products, gemm_kernels.hpp),
//     3 rows × 2 vectors: 6 fold partials and 6 outputs in the 16 registers.
#include <immintrin.h>

#include <algorithm>
#include <cstring>

#include "impls/fast/gemm/gemm_kernels.hpp"
#include "impls/fast/gemm/gemm_narrow_float.hpp"

namespace lpc::fast::detail {
namespace {

constexpr int kIntRows = 4, kFloatRows = 3, kVectors = 2;  // 2 vectors of 8 = kColumnPad columns

// A: M rows of k2·2 int16 (zero pad). B: [column vector j (8 columns)][k2][lane 0..7][t 0..1]
// int16 holding b[2·k2 + t][8·j + lane] (0 beyond K, N).
struct Int16Layout {
  uint64_t k2;
  uint64_t lda() const { return k2 * 2; }            // int16 per row of A
  uint64_t vector_stride() const { return k2 * 16; }  // int16 per column vector of B
};

template <int MR>
void int8_block(const Int8Prepared& p, const Int16Layout& lay, uint64_t i0, uint64_t j0, int32_t* c) {
  const auto* a = reinterpret_cast<const int16_t*>(p.a.data()) + i0 * lay.lda();
  const auto* b = reinterpret_cast<const int16_t*>(p.b.data()) + j0 * lay.vector_stride();
  __m256i acc[MR][kVectors];
  for (int r = 0; r < MR; ++r)
    for (int v = 0; v < kVectors; ++v) acc[r][v] = _mm256_setzero_si256();
  for (uint64_t q = 0; q < lay.k2; ++q) {
    __m256i bv[kVectors];
    for (int v = 0; v < kVectors; ++v)
      bv[v] = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(b + v * lay.vector_stride() + q * 16));
    for (int r = 0; r < MR; ++r) {
      int32_t pair;
      std::memcpy(&pair, a + r * lay.lda() + q * 2, 4);
      const __m256i av = _mm256_set1_epi32(pair);
      for (int v = 0; v < kVectors; ++v) acc[r][v] = _mm256_add_epi32(acc[r][v], _mm256_madd_epi16(av, bv[v]));
    }
  }
  for (int r = 0; r < MR; ++r)
    for (int v = 0; v < kVectors; ++v)
      _mm256_storeu_si256(reinterpret_cast<__m256i*>(c + (i0 + r) * p.n_padded + (j0 + v) * 8), acc[r][v]);
}

template <int MR>
void f32_block(const F32Operands& p, uint64_t i0, uint64_t j0, float* c) {
  __m256 out[MR][kVectors], part[MR][kVectors];
  for (int r = 0; r < MR; ++r)
    for (int v = 0; v < kVectors; ++v) out[r][v] = _mm256_setzero_ps();
  for (uint64_t k0 = 0; k0 < p.k; k0 += p.fold) {
    for (int r = 0; r < MR; ++r)
      for (int v = 0; v < kVectors; ++v) part[r][v] = _mm256_setzero_ps();
    const uint64_t k_end = std::min(p.k, k0 + p.fold);
    for (uint64_t kk = k0; kk < k_end; ++kk) {
      __m256 bv[kVectors];
      for (int v = 0; v < kVectors; ++v) bv[v] = _mm256_loadu_ps(p.b + kk * p.n_padded + (j0 + v) * 8);
      for (int r = 0; r < MR; ++r) {
        const __m256 av = _mm256_set1_ps(p.a[(i0 + r) * p.k + kk]);
        for (int v = 0; v < kVectors; ++v) part[r][v] = _mm256_fmadd_ps(av, bv[v], part[r][v]);
      }
    }
    for (int r = 0; r < MR; ++r)
      for (int v = 0; v < kVectors; ++v) out[r][v] = _mm256_add_ps(out[r][v], part[r][v]);
  }
  for (int r = 0; r < MR; ++r)
    for (int v = 0; v < kVectors; ++v) _mm256_storeu_ps(c + (i0 + r) * p.n_padded + (j0 + v) * 8, out[r][v]);
}

}  // namespace

Int8Prepared prepare_int8_avx2(const int8_t* a, const int8_t* b, uint64_t m, uint64_t n, uint64_t k) {
  Int8Prepared p{m, n, k, padded_columns(n), {}, {}, {}};
  const Int16Layout lay{(k + 1) / 2};
  std::vector<int16_t> a16(m * lay.lda(), 0), b16(p.n_padded / 8 * lay.vector_stride(), 0);
  for (uint64_t i = 0; i < m; ++i)
    for (uint64_t kk = 0; kk < k; ++kk) a16[i * lay.lda() + kk] = a[i * k + kk];
  for (uint64_t kk = 0; kk < k; ++kk)
    for (uint64_t j = 0; j < n; ++j) b16[(j / 8) * lay.vector_stride() + (kk / 2) * 16 + (j % 8) * 2 + kk % 2] = b[kk * n + j];
  p.a.resize(a16.size() * 2);
  p.b.resize(b16.size() * 2);
  std::memcpy(p.a.data(), a16.data(), p.a.size());
  std::memcpy(p.b.data(), b16.data(), p.b.size());
  p.column_correction.assign(p.n_padded, 0);
  return p;
}

void run_int8_avx2(const Int8Prepared& p, uint64_t m_begin, uint64_t m_end, int32_t* c) {
  const Int16Layout lay{(p.k + 1) / 2};
  for (uint64_t j0 = 0; j0 < p.n_padded / 8; j0 += kVectors)
    for (uint64_t i0 = m_begin; i0 < m_end; i0 += kIntRows) {
      switch (std::min<uint64_t>(kIntRows, m_end - i0)) {
        case 1: int8_block<1>(p, lay, i0, j0, c); break;
        case 2: int8_block<2>(p, lay, i0, j0, c); break;
        case 3: int8_block<3>(p, lay, i0, j0, c); break;
        default: int8_block<4>(p, lay, i0, j0, c); break;
      }
    }
}

void run_f32_rne_avx2(const F32Operands& p, uint64_t m_begin, uint64_t m_end, float* c) {
  for (uint64_t j0 = 0; j0 < p.n_padded / 8; j0 += kVectors)
    for (uint64_t i0 = m_begin; i0 < m_end; i0 += kFloatRows) {
      switch (std::min<uint64_t>(kFloatRows, m_end - i0)) {
        case 1: f32_block<1>(p, i0, j0, c); break;
        case 2: f32_block<2>(p, i0, j0, c); break;
        default: f32_block<3>(p, i0, j0, c); break;
      }
    }
}

void run_f32_narrow_avx2(const F32Operands& p, const NarrowFloat& accumulator, uint64_t m_begin, uint64_t m_end, float* c) {
  narrow::run<8, 2>(p, accumulator, m_begin, m_end, c);  // 8 lanes: this file's only instantiation
}

}  // namespace lpc::fast::detail
