// lpconform fast — the AVX-512 GEMM kernels (gemm_kernels.hpp), compiled with -mavx512{f,bw,vl,
// vnni}; gemm.cpp enters them only after checking the CPU.
//   int8: VPDPBUSD multiplies 4 unsigned bytes of A by 4 signed bytes of B and adds the 4 products
//     to an int32 lane, wrapping. A is signed, so it enters as a + 128 (a XOR 0x80) and each
//     column's 128·Σ_k b[k][n] is subtracted at the end: Σ (a+128)·b - 128·Σ b = Σ a·b (mod 2^32).
//     The intermediate products (a+128)·b lie in [-32640, 32385]: no saturation inside the
//     instruction. Register block: 6 rows × 4 vectors of 16 columns = 24 accumulators.
//   float32: a lane per output column, FMA along ascending k (exact products, gemm_kernels.hpp),
//     3 rows × 4 vectors: 12 fold partials and 12 outputs in registers.
#include <immintrin.h>

#include <algorithm>
#include <cstring>

#include "impls/fast/gemm/gemm_kernels.hpp"
#include "impls/fast/gemm/gemm_narrow_float.hpp"

namespace lpc::fast::detail {
namespace {

constexpr int kIntRows = 6, kFloatRows = 3, kMaxVectors = 4;

// B layout: [column vector j][k4][lane 0..15][t 0..3] holds b[4·k4 + t][16·j + lane] (0 beyond K, N).
struct Int8Layout {
  uint64_t k4, lda;  // k4 = ceil(K/4) dword steps; lda = 4·k4 bytes per row of A
  uint64_t vector_stride() const { return k4 * 64; }
};

template <int MR, int NV>
void int8_block(const Int8Prepared& p, const Int8Layout& lay, uint64_t i0, uint64_t j0, int32_t* c) {
  __m512i acc[MR][NV];
  for (int r = 0; r < MR; ++r)
    for (int v = 0; v < NV; ++v) acc[r][v] = _mm512_setzero_si512();
  const uint8_t* a = p.a.data() + i0 * lay.lda;
  const uint8_t* b = p.b.data() + j0 * lay.vector_stride();
  for (uint64_t q = 0; q < lay.k4; ++q) {
    __m512i bv[NV];
    for (int v = 0; v < NV; ++v) bv[v] = _mm512_loadu_si512(b + v * lay.vector_stride() + q * 64);
    for (int r = 0; r < MR; ++r) {
      int32_t quad;
      std::memcpy(&quad, a + r * lay.lda + q * 4, 4);
      const __m512i av = _mm512_set1_epi32(quad);
      for (int v = 0; v < NV; ++v) acc[r][v] = _mm512_dpbusd_epi32(acc[r][v], av, bv[v]);
    }
  }
  for (int v = 0; v < NV; ++v) {
    const __m512i correction = _mm512_loadu_si512(p.column_correction.data() + (j0 + v) * 16);
    for (int r = 0; r < MR; ++r)
      _mm512_storeu_si512(c + (i0 + r) * p.n_padded + (j0 + v) * 16, _mm512_sub_epi32(acc[r][v], correction));
  }
}

template <int MR, int NV>
void f32_block(const F32Operands& p, uint64_t i0, uint64_t j0, float* c) {
  __m512 out[MR][NV], part[MR][NV];
  for (int r = 0; r < MR; ++r)
    for (int v = 0; v < NV; ++v) out[r][v] = _mm512_setzero_ps();
  for (uint64_t k0 = 0; k0 < p.k; k0 += p.fold) {
    for (int r = 0; r < MR; ++r)
      for (int v = 0; v < NV; ++v) part[r][v] = _mm512_setzero_ps();
    const uint64_t k_end = std::min(p.k, k0 + p.fold);
    for (uint64_t kk = k0; kk < k_end; ++kk) {
      __m512 bv[NV];
      for (int v = 0; v < NV; ++v) bv[v] = _mm512_loadu_ps(p.b + kk * p.n_padded + (j0 + v) * 16);
      for (int r = 0; r < MR; ++r) {
        const __m512 av = _mm512_set1_ps(p.a[(i0 + r) * p.k + kk]);
        for (int v = 0; v < NV; ++v) part[r][v] = _mm512_fmadd_ps(av, bv[v], part[r][v]);
      }
    }
    for (int r = 0; r < MR; ++r)
      for (int v = 0; v < NV; ++v) out[r][v] = _mm512_add_ps(out[r][v], part[r][v]);
  }
  for (int r = 0; r < MR; ++r)
    for (int v = 0; v < NV; ++v) _mm512_storeu_ps(c + (i0 + r) * p.n_padded + (j0 + v) * 16, out[r][v]);
}

// Calls Block<mr, nv>::run(args...) for run-time mr in 1..MaxRows, nv in 1..4.
template <template <int, int> class Block, int MR, typename... Args>
void dispatch_vectors(int nv, Args&&... args) {
  switch (nv) {
    case 1: Block<MR, 1>::run(args...); break;
    case 2: Block<MR, 2>::run(args...); break;
    case 3: Block<MR, 3>::run(args...); break;
    default: Block<MR, 4>::run(args...); break;
  }
}
template <template <int, int> class Block, typename... Args>
void dispatch(int mr, int nv, Args&&... args) {
  switch (mr) {
    case 1: dispatch_vectors<Block, 1>(nv, args...); break;
    case 2: dispatch_vectors<Block, 2>(nv, args...); break;
    case 3: dispatch_vectors<Block, 3>(nv, args...); break;
    case 4: dispatch_vectors<Block, 4>(nv, args...); break;
    case 5: dispatch_vectors<Block, 5>(nv, args...); break;
    default: dispatch_vectors<Block, 6>(nv, args...); break;
  }
}
template <int MR, int NV>
struct Int8Block {
  static void run(const Int8Prepared& p, const Int8Layout& lay, uint64_t i0, uint64_t j0, int32_t* c) { int8_block<MR, NV>(p, lay, i0, j0, c); }
};
template <int MR, int NV>
struct F32Block {
  static void run(const F32Operands& p, uint64_t i0, uint64_t j0, float* c) {
    if constexpr (MR <= kFloatRows) f32_block<MR, NV>(p, i0, j0, c);
  }
};

}  // namespace

Int8Prepared prepare_int8_avx512(const int8_t* a, const int8_t* b, uint64_t m, uint64_t n, uint64_t k) {
  Int8Prepared p{m, n, k, padded_columns(n), {}, {}, {}};
  const Int8Layout lay{(k + 3) / 4, (k + 3) / 4 * 4};
  p.a.assign(m * lay.lda, 0);
  for (uint64_t i = 0; i < m; ++i)
    for (uint64_t kk = 0; kk < k; ++kk) p.a[i * lay.lda + kk] = static_cast<uint8_t>(a[i * k + kk]) ^ 0x80u;
  p.b.assign(p.n_padded / 16 * lay.vector_stride(), 0);
  std::vector<uint32_t> column_sum(p.n_padded, 0);
  for (uint64_t kk = 0; kk < k; ++kk)
    for (uint64_t j = 0; j < n; ++j) {
      p.b[(j / 16) * lay.vector_stride() + (kk / 4) * 64 + (j % 16) * 4 + kk % 4] = static_cast<uint8_t>(b[kk * n + j]);
      column_sum[j] += static_cast<uint32_t>(b[kk * n + j]);
    }
  p.column_correction.resize(p.n_padded);
  for (uint64_t j = 0; j < p.n_padded; ++j) p.column_correction[j] = static_cast<int32_t>(column_sum[j] * 128u);
  return p;
}

void run_int8_avx512(const Int8Prepared& p, uint64_t m_begin, uint64_t m_end, int32_t* c) {
  const Int8Layout lay{(p.k + 3) / 4, (p.k + 3) / 4 * 4};
  const uint64_t vectors = p.n_padded / 16;
  for (uint64_t j0 = 0; j0 < vectors; j0 += kMaxVectors)
    for (uint64_t i0 = m_begin; i0 < m_end; i0 += kIntRows)
      dispatch<Int8Block>(static_cast<int>(std::min<uint64_t>(kIntRows, m_end - i0)),
                          static_cast<int>(std::min<uint64_t>(kMaxVectors, vectors - j0)), p, lay, i0, j0, c);
}

void run_f32_rne_avx512(const F32Operands& p, uint64_t m_begin, uint64_t m_end, float* c) {
  const uint64_t vectors = p.n_padded / 16;
  for (uint64_t j0 = 0; j0 < vectors; j0 += kMaxVectors)
    for (uint64_t i0 = m_begin; i0 < m_end; i0 += kFloatRows)
      dispatch<F32Block>(static_cast<int>(std::min<uint64_t>(kFloatRows, m_end - i0)),
                         static_cast<int>(std::min<uint64_t>(kMaxVectors, vectors - j0)), p, i0, j0, c);
}

void run_f32_narrow_avx512(const F32Operands& p, const NarrowFloat& accumulator, uint64_t m_begin, uint64_t m_end, float* c) {
  narrow::run<16, 4>(p, accumulator, m_begin, m_end, c);  // 16 lanes: this file's only instantiation
}

}  // namespace lpc::fast::detail
