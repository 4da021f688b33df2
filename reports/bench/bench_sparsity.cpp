// Benchmarks of N:M fine-grained sparsity (spec/sparsity.md), one core: 2:4 compress and
// decompress of int16 and int8 matrices (dense elements per second; issue 17 asks >= 2 G/s per
// core) beside memcpy of the same dense bytes; the general N:M path (1:4, 2:8); prune; the
// canonical decomposition; the exact reference for scale; the chip's sparse systolic matmul (values
// and its cycle counts against the dense run, as counters).
//
//   lpconform_bench --benchmark_filter='sparsity/'
#include <benchmark/benchmark.h>

#include <cstdint>
#include <cstring>
#include <random>
#include <vector>

#include "impls/chip/sparse/sparse_matmul.hpp"
#include "impls/fast/sparsity/nm_sparse.hpp"
#include "reference/sparsity/nm_sparse.hpp"

namespace {

constexpr size_t kRows = 64, kK = 4096;  // 256 Ki elements: 512 KiB of int16, in L2

// A matrix that conforms to `p`: random values, then pruned (half the groups below N nonzeros).
template <class T>
std::vector<T> conforming(lpc::NmPattern p) {
  std::mt19937_64 rng(17);
  std::vector<T> a(kRows * kK), out(a.size());
  for (T& v : a) v = rng() % 4 == 0 ? T{0} : static_cast<T>(static_cast<int>(rng() % 201) - 100);
  lpc::fast::nm_prune<T>(p, kRows, kK, a, out);
  return out;
}

template <class T>
void compress(benchmark::State& state, lpc::NmPattern p) {
  const lpc::NmLayout l{p, kRows, kK};
  const std::vector<T> a = conforming<T>(p);
  std::vector<T> values(l.values());
  std::vector<uint32_t> meta(l.meta_words());
  for (auto _ : state) {
    if (lpc::fast::nm_compress<T>(p, kRows, kK, a, values, meta)) return state.SkipWithError("compress failed");
    benchmark::DoNotOptimize(values.data());
    benchmark::DoNotOptimize(meta.data());
    benchmark::ClobberMemory();
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * l.elements()));
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * l.elements() * sizeof(T)));
}

template <class T>
void decompress(benchmark::State& state, lpc::NmPattern p) {
  const lpc::NmLayout l{p, kRows, kK};
  const std::vector<T> a = conforming<T>(p);
  std::vector<T> values(l.values()), out(l.elements());
  std::vector<uint32_t> meta(l.meta_words());
  if (lpc::fast::nm_compress<T>(p, kRows, kK, a, values, meta)) return state.SkipWithError("compress failed");
  for (auto _ : state) {
    if (lpc::fast::nm_decompress<T>(p, kRows, kK, values, meta, out)) return state.SkipWithError("decompress failed");
    benchmark::DoNotOptimize(out.data());
    benchmark::ClobberMemory();
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * l.elements()));
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * l.elements() * sizeof(T)));
}

// The peer: memcpy of the same dense bytes (items: elements of T).
template <class T>
void dense_memcpy(benchmark::State& state) {
  std::vector<T> in(kRows * kK, 1), out(kRows * kK);
  for (auto _ : state) {
    std::memcpy(out.data(), in.data(), in.size() * sizeof(T));
    benchmark::DoNotOptimize(out.data());
    benchmark::ClobberMemory();
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * in.size()));
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * in.size() * sizeof(T)));
}

void prune(benchmark::State& state) {
  std::mt19937_64 rng(5);
  std::vector<int16_t> a(kRows * kK), out(a.size());
  for (int16_t& v : a) v = static_cast<int16_t>(rng());
  for (auto _ : state) {
    lpc::fast::nm_prune<int16_t>({2, 4}, kRows, kK, a, out);
    benchmark::DoNotOptimize(out.data());
    benchmark::ClobberMemory();
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * a.size()));
}
BENCHMARK(prune)->Name("sparsity/prune/2:4/int16");

void decompose(benchmark::State& state) {
  std::mt19937_64 rng(6);
  std::vector<int16_t> w(kRows * kK), parts(2 * w.size());
  for (int16_t& v : w) v = rng() % 3 ? static_cast<int16_t>(rng()) : int16_t{0};
  for (auto _ : state) {
    benchmark::DoNotOptimize(lpc::fast::nm_decompose<int16_t>({2, 4}, kRows, kK, w, parts));
    benchmark::ClobberMemory();
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * w.size()));
}
BENCHMARK(decompose)->Name("sparsity/decompose/2:4/int16");

// The exact reference on one 64 x 256 matrix (elements per second).
void reference_compress(benchmark::State& state) {
  const std::vector<int16_t> a16 = conforming<int16_t>({2, 4});
  const std::vector<int64_t> a(a16.begin(), a16.begin() + 64 * 256);
  for (auto _ : state) benchmark::DoNotOptimize(lpc::ref::nm_compress({2, 4}, 64, 256, a));
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * a.size()));
}
BENCHMARK(reference_compress)->Name("sparsity/reference/compress/2:4");

// The chip (spec/sparsity.md §6): W 256 x 1024 int8 against X 1024 x 64 on the 32x32 array, W
// pruned to N:M (one pass) or dense (split into ceil(M/N) passes). Counters: the passes, the
// cycles of the sparse run and of the dense run, and what the split saves.
void chip_sparse_matmul(benchmark::State& state, lpc::NmPattern p, bool prune_first) {
  const size_t rows = 256, k = 1024, cols = 64;
  std::mt19937_64 rng(9);
  std::vector<int8_t> w(rows * k), x(k * cols), pruned(w.size());
  for (int8_t& v : w) v = static_cast<int8_t>(rng() | 1);
  for (int8_t& v : x) v = static_cast<int8_t>(rng());
  if (prune_first) {
    lpc::fast::nm_prune<int8_t>(p, rows, k, w, pruned);
    w = pruned;
  }
  lpc::chip::sparse::SparseTiming t;
  for (auto _ : state) {
    const auto r = lpc::chip::sparse::sparse_matmul(p, {32, 32}, rows, k, cols, w, x);
    benchmark::DoNotOptimize(r.y.data());
    t = r.timing;
  }
  state.counters["passes"] = t.passes;
  state.counters["sparse_cycles"] = static_cast<double>(t.sparse_cycles);
  state.counters["dense_cycles"] = static_cast<double>(t.dense.total_cycles);
  state.counters["saved_cycles"] = static_cast<double>(t.saved_cycles);
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * t.sparse_macs));
}

// Registered at start-up: the templates by element type (one name each).
const bool kRegistered = [] {
    benchmark::RegisterBenchmark("sparsity/compress/2:4/int16", compress<int16_t>, lpc::NmPattern{2, 4});
    benchmark::RegisterBenchmark("sparsity/compress/2:4/int8", compress<int8_t>, lpc::NmPattern{2, 4});
    benchmark::RegisterBenchmark("sparsity/compress/2:4/int32", compress<int32_t>, lpc::NmPattern{2, 4});
    benchmark::RegisterBenchmark("sparsity/compress/1:4/int16", compress<int16_t>, lpc::NmPattern{1, 4});
    benchmark::RegisterBenchmark("sparsity/compress/2:8/int16", compress<int16_t>, lpc::NmPattern{2, 8});
    benchmark::RegisterBenchmark("sparsity/decompress/2:4/int16", decompress<int16_t>, lpc::NmPattern{2, 4});
    benchmark::RegisterBenchmark("sparsity/decompress/2:4/int8", decompress<int8_t>, lpc::NmPattern{2, 4});
    benchmark::RegisterBenchmark("sparsity/decompress/2:4/int32", decompress<int32_t>, lpc::NmPattern{2, 4});
    benchmark::RegisterBenchmark("sparsity/decompress/1:4/int16", decompress<int16_t>, lpc::NmPattern{1, 4});
    benchmark::RegisterBenchmark("sparsity/decompress/2:8/int16", decompress<int16_t>, lpc::NmPattern{2, 8});
    benchmark::RegisterBenchmark("sparsity/memcpy/int16", dense_memcpy<int16_t>);
    benchmark::RegisterBenchmark("sparsity/memcpy/int8", dense_memcpy<int8_t>);
    benchmark::RegisterBenchmark("sparsity/memcpy/int32", dense_memcpy<int32_t>);
    benchmark::RegisterBenchmark("sparsity/chip/2:4/pruned", chip_sparse_matmul, lpc::NmPattern{2, 4}, true);
    benchmark::RegisterBenchmark("sparsity/chip/2:4/dense", chip_sparse_matmul, lpc::NmPattern{2, 4}, false);
    benchmark::RegisterBenchmark("sparsity/chip/1:4/pruned", chip_sparse_matmul, lpc::NmPattern{1, 4}, true);
    benchmark::RegisterBenchmark("sparsity/chip/2:8/pruned", chip_sparse_matmul, lpc::NmPattern{2, 8}, true);
    return true;
}();

}  // namespace
