// lpconform chip — the sparse systolic matmul (sparse_matmul.hpp): the compiler's split and
// compression, the array's weight load (metadata fields into per-PE mux selects) and the passes.
#include "impls/chip/sparse/sparse_matmul.hpp"

#include <stdexcept>
#include <string>

namespace lpc::chip::sparse {

namespace {

// One compiled pass: S_j in the logical compressed format (spec/sparsity.md §2).
struct CompressedPass {
  std::vector<int8_t> values;  // rows x (k/M)·N
  std::vector<uint32_t> meta;  // rows x words_per_row
};

// A row's metadata as the chip's weight memory holds it: a bit stream of 32-bit words, written
// and read one bit at a time (the load path is a shift register).
void put_bits(std::vector<uint32_t>& words, size_t row_base, size_t bit, uint32_t value, uint32_t count) {
  for (uint32_t i = 0; i < count; ++i, ++bit)
    if (value >> i & 1) words[row_base + bit / 32] |= uint32_t{1} << (bit % 32);
}
uint32_t get_bits(const std::vector<uint32_t>& words, size_t row_base, size_t bit, uint32_t count) {
  uint32_t value = 0;
  for (uint32_t i = 0; i < count; ++i, ++bit) value |= (words[row_base + bit / 32] >> (bit % 32) & 1) << i;
  return value;
}

// The compiler (§5.1, §2.4): the nonzeros of each group in increasing position, chunk j of N to
// pass j; each pass's group keeps its chunk and fills up with the lowest free positions.
std::vector<CompressedPass> compile(NmPattern p, size_t rows, size_t k, std::span<const int8_t> w) {
  const size_t groups = k / p.m, words = (groups * nm_field_bits(p) + 31) / 32;
  const uint32_t b = nm_index_bits(p);
  uint32_t r = 0;
  for (size_t i = 0; i < rows; ++i)
    for (size_t g = 0; g < groups; ++g) {
      uint32_t count = 0;
      for (uint32_t t = 0; t < p.m; ++t) count += w[i * k + g * p.m + t] != 0;
      if ((count + p.n - 1) / p.n > r) r = (count + p.n - 1) / p.n;
    }
  std::vector<CompressedPass> passes(r);
  for (uint32_t j = 0; j < r; ++j) {
    CompressedPass& pass = passes[j];
    pass.values.assign(rows * groups * p.n, 0);
    pass.meta.assign(rows * words, 0);
    for (size_t i = 0; i < rows; ++i)
      for (size_t g = 0; g < groups; ++g) {
        const int8_t* group = w.data() + i * k + g * p.m;
        bool keep[kMaxNmGroup] = {};
        uint32_t seen = 0, kept = 0;
        for (uint32_t t = 0; t < p.m; ++t)
          if (group[t] != 0 && seen++ / p.n == j) keep[t] = true, ++kept;
        for (uint32_t t = 0; t < p.m && kept < p.n; ++t)
          if (!keep[t]) keep[t] = true, ++kept;
        uint32_t slot = 0;
        for (uint32_t t = 0; t < p.m; ++t) {
          if (!keep[t]) continue;
          // A filler position holds a nonzero of another pass: its value here is 0.
          uint32_t rank = 0;
          for (uint32_t s = 0; s < t; ++s) rank += group[s] != 0;
          pass.values[(i * groups + g) * p.n + slot] = group[t] != 0 && rank / p.n == j ? group[t] : int8_t{0};
          put_bits(pass.meta, i * words, (g * p.n + slot) * b, t, b);
          ++slot;
        }
      }
  }
  return passes;
}

}  // namespace

SparseTiming sparse_matmul_timing(NmPattern p, ArrayShape array, uint64_t rows, uint64_t k, uint64_t cols, uint32_t passes) {
  if (auto e = nm_pattern_error(p)) throw std::invalid_argument(*e);
  if (auto e = nm_shape_error(p, k)) throw std::invalid_argument(*e);
  if (!rows || !k || !cols) throw std::invalid_argument("sparse matmul: rows, K and cols must be positive");
  SparseTiming t;
  t.passes = passes;
  Layer dense;
  dense.gemm = {cols, rows, k};
  t.dense = scalesim_timing(dense, array, Dataflow::WeightStationary);
  const uint64_t kc = k / p.m * p.n;
  if (passes) {
    Layer pass;
    pass.gemm = {cols, rows, kc};
    t.pass = scalesim_timing(pass, array, Dataflow::WeightStationary);
  }
  t.sparse_cycles = passes * t.pass.total_cycles;
  t.saved_cycles = static_cast<int64_t>(t.dense.total_cycles) - static_cast<int64_t>(t.sparse_cycles);
  t.sparse_macs = passes * rows * kc * cols;
  t.dense_macs = rows * k * cols;
  return t;
}

SparseMatmulResult sparse_matmul(NmPattern p, ArrayShape array, size_t rows, size_t k, size_t cols, std::span<const int8_t> w, std::span<const int8_t> x) {
  if (auto e = nm_pattern_error(p)) throw std::invalid_argument(*e);
  if (auto e = nm_shape_error(p, k)) throw std::invalid_argument(*e);
  if (w.size() != rows * k || x.size() != k * cols) throw std::invalid_argument("sparse matmul: W must hold rows·K and X K·cols elements");
  if (!array.rows || !array.cols) throw std::invalid_argument("sparse matmul: the array needs rows and columns");
  const std::vector<CompressedPass> passes = compile(p, rows, k, w);
  const size_t kc = k / p.m * p.n, words = (k / p.m * nm_field_bits(p) + 31) / 32;
  const uint32_t b = nm_index_bits(p);
  std::vector<uint32_t> acc(rows * cols, 0);  // the int32 accumulators, wrapping (two's complement)
  std::vector<uint32_t> select(rows * kc);
  for (const CompressedPass& pass : passes) {
    // Weight load: each PE's mux select is its field's index (the metadata as mux select).
    for (size_t i = 0; i < rows; ++i)
      for (size_t s = 0; s < kc; ++s) select[i * kc + s] = get_bits(pass.meta, i * words, s * b, b);
    // Folds: array rows take compressed K slots, array columns rows of W; X's columns stream.
    for (size_t kr0 = 0; kr0 < kc; kr0 += array.rows)
      for (size_t c0 = 0; c0 < rows; c0 += array.cols)
        for (size_t c = 0; c < cols; ++c)
          for (size_t col = 0; col < array.cols && c0 + col < rows; ++col) {
            const size_t i = c0 + col;
            uint32_t psum = 0;  // flows down the array column
            for (size_t row = 0; row < array.rows && kr0 + row < kc; ++row) {
              const size_t s = kr0 + row, group = s / p.n;
              // The row's bus carries X[group·M .. group·M + M-1][c]; the mux picks one.
              const int32_t activation = x[(group * p.m + select[i * kc + s]) * cols + c];
              psum += static_cast<uint32_t>(int32_t{pass.values[i * kc + s]} * activation);
            }
            acc[i * cols + c] += psum;
          }
  }
  SparseMatmulResult out;
  out.y.reserve(acc.size());
  for (uint32_t v : acc) out.y.push_back(static_cast<int32_t>(v));
  out.timing = sparse_matmul_timing(p, array, rows, k, cols, static_cast<uint32_t>(passes.size()));
  return out;
}

}  // namespace lpc::chip::sparse
