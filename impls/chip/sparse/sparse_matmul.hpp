// lpconform chip — the sparse systolic matmul (spec/sparsity.md §6; US11500962B1, with the
// per-weight sparsity information as a multiplexer select of US11803736): Y = W·X with W split into
// r constrained fine-grained N:M matrices (the canonical split of §5.1, made by the chip's own
// compiler), each compressed into the logical format (§2: values + metadata words) and run as one
// weight-stationary pass on the R x C array, every PE selecting its activation among the M of its
// group by the index its metadata field holds. Values: int8 × int8 products in the int32
// two's-complement accumulator (spec/chip.md §3.2, wrap), the r passes accumulating into the same
// registers. Timing: each pass is the weight-stationary GEMM of spec/chip_timing.md with the
// compressed reduction length K·N/M; the dense run is the same GEMM with K.
//
// An implementation under test like any vendor's: it never includes reference/ nor impls/fast.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "impls/chip/timing/timing.hpp"
#include "spec/chip/layer.hpp"
#include "spec/sparsity/nm_format.hpp"

namespace lpc::chip::sparse {

struct SparseTiming {
  uint32_t passes = 0;            // r
  TimingReport pass;              // one pass: the GEMM {M = cols, N = rows, K = K·N/M} (zero when r = 0)
  TimingReport dense;             // the dense run: the GEMM {cols, rows, K}
  uint64_t sparse_cycles = 0;     // r · pass.total_cycles
  int64_t saved_cycles = 0;       // dense.total_cycles − sparse_cycles (negative: the split costs more)
  uint64_t sparse_macs = 0;       // r · rows · (K·N/M) · cols issued by the array
  uint64_t dense_macs = 0;        // rows · K · cols
};

// §6.2 for a W of rows x k whose split needs `passes` matrices, times X's `cols` columns, on
// `array` (weight-stationary). Throws std::invalid_argument for a zero dimension or k not a
// multiple of M.
SparseTiming sparse_matmul_timing(NmPattern p, ArrayShape array, uint64_t rows, uint64_t k, uint64_t cols, uint32_t passes);

struct SparseMatmulResult {
  std::vector<int32_t> y;  // rows x cols, row-major
  SparseTiming timing;
};

// §6.1: Y = W·X on the array. w: rows x k int8 (row-major), x: k x cols int8 (row-major).
// Throws std::invalid_argument for a pattern or shape spec/sparsity.md rejects or wrong span sizes.
SparseMatmulResult sparse_matmul(NmPattern p, ArrayShape array, size_t rows, size_t k, size_t cols, std::span<const int8_t> w, std::span<const int8_t> x);

}  // namespace lpc::chip::sparse
