// lpconform fast — the portable GEMM kernels (gemm_kernels.hpp): row by row, the inner loop over
// columns of C so the compiler may vectorize across outputs; never across k.
#include <algorithm>
#include <vector>

#include "impls/fast/gemm/gemm_kernels.hpp"
#include "impls/fast/gemm/gemm_narrow_float.hpp"

namespace lpc::fast::detail {

Int8Prepared prepare_int8_scalar(const int8_t* a, const int8_t* b, uint64_t m, uint64_t n, uint64_t k) {
  Int8Prepared p{m, n, k, padded_columns(n), {}, {}, {}};
  p.a.assign(reinterpret_cast<const uint8_t*>(a), reinterpret_cast<const uint8_t*>(a) + m * k);
  p.b.assign(reinterpret_cast<const uint8_t*>(b), reinterpret_cast<const uint8_t*>(b) + k * n);
  p.column_correction.assign(p.n_padded, 0);
  return p;
}

void run_int8_scalar(const Int8Prepared& p, uint64_t m_begin, uint64_t m_end, int32_t* c) {
  std::vector<uint32_t> row(p.n);
  for (uint64_t i = m_begin; i < m_end; ++i) {
    std::fill(row.begin(), row.end(), 0u);
    for (uint64_t kk = 0; kk < p.k; ++kk) {
      // Unsigned arithmetic: the sum mod 2^32 without signed overflow.
      const uint32_t a = static_cast<uint32_t>(static_cast<int8_t>(p.a[i * p.k + kk]));
      const uint8_t* b = &p.b[kk * p.n];
      for (uint64_t j = 0; j < p.n; ++j) row[j] += a * static_cast<uint32_t>(static_cast<int8_t>(b[j]));
    }
    for (uint64_t j = 0; j < p.n; ++j) c[i * p.n_padded + j] = static_cast<int32_t>(row[j]);
  }
}

void run_f32_rne_scalar(const F32Operands& p, uint64_t m_begin, uint64_t m_end, float* c) {
  std::vector<float> part(p.n_padded);
  for (uint64_t i = m_begin; i < m_end; ++i) {
    float* out = c + i * p.n_padded;
    std::fill(out, out + p.n_padded, 0.0f);
    for (uint64_t k0 = 0; k0 < p.k; k0 += p.fold) {
      std::fill(part.begin(), part.end(), 0.0f);
      for (uint64_t kk = k0; kk < std::min(p.k, k0 + p.fold); ++kk) {
        const float a = p.a[i * p.k + kk];
        const float* b = p.b + kk * p.n_padded;
        for (uint64_t j = 0; j < p.n_padded; ++j) part[j] += a * b[j];  // a·b exact: one rounding
      }
      for (uint64_t j = 0; j < p.n_padded; ++j) out[j] += part[j];
    }
  }
}

void run_f32_narrow_scalar(const F32Operands& p, const NarrowFloat& accumulator, uint64_t m_begin, uint64_t m_end, float* c) {
  narrow::run<4, 2>(p, accumulator, m_begin, m_end, c);  // 4 lanes: this file's only instantiation
}

}  // namespace lpc::fast::detail
