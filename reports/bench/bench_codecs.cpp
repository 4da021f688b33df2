// Benchmarks of the codec family (spec/codecs.md), one core: AdaComp compress (one layer, one step
// of §1.2 with the message of §1.4, the next residue and the dense update all written, on a layer
// in the steady state of training) in gradient elements per second, beside memcpy of the same
// bytes (the residue and gradient read, 8 bytes per element, copied); decode of its messages
// (elements of the dense update per second) beside memcpy of the update's bytes; the exact
// reference for scale; EF-SignSGD compress (§1.7) likewise. Layers of 64 Ki elements (1 MiB of
// residue, gradient, next residue and update: in L2) and 4 Mi (64 MiB: from memory).
//
//   lpconform_bench --benchmark_filter='codecs/'
#include <benchmark/benchmark.h>

#include <cmath>
#include <cstdlib>
#include <cstdint>
#include <cstring>
#include <random>
#include <vector>

#include "impls/fast/codecs/adacomp.hpp"
#include "impls/fast/codecs/ef_signsgd.hpp"
#include "reference/codecs/adacomp.hpp"

namespace {

// A layer in the steady state of training: 30 steps of AdaComp (L_T = 50, index32) on fresh
// gradients (normal, scaled 2^-10; seeded, fixed) from a zero residue, then the next gradient.
struct Layer {
  std::vector<float> residue, gradient;
};
Layer make_layer(size_t n) {
  std::mt19937_64 rng(20261707);
  std::normal_distribution<float> normal(0.0f, 1.0f);
  Layer l{std::vector<float>(n, 0.0f), std::vector<float>(n)};
  std::vector<float> next(n), update(n);
  std::vector<uint8_t> message;
  for (int step = 0; step <= 30; ++step) {
    for (float& g : l.gradient) g = std::ldexp(normal(rng), -10);
    if (step == 30) break;
    if (lpc::fast::adacomp_compress({50, lpc::AdacompLayout::Index32}, l.residue, l.gradient, next, update, message)) std::abort();
    l.residue.swap(next);
  }
  return l;
}

void adacomp_compress(benchmark::State& state, lpc::AdacompLayout layout) {
  const size_t n = static_cast<size_t>(state.range(0));
  const lpc::AdacompParams p{static_cast<uint32_t>(state.range(1)), layout};
  const Layer l = make_layer(n);
  std::vector<float> next(n), update(n);
  std::vector<uint8_t> message;
  lpc::fast::AdacompSummary summary;
  for (auto _ : state) {
    if (lpc::fast::adacomp_compress(p, l.residue, l.gradient, next, update, message, &summary)) return state.SkipWithError("compress failed");
    benchmark::DoNotOptimize(message.data());
    benchmark::ClobberMemory();
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * n));
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * n * 8));
  state.counters["selected"] = summary.count;
  state.counters["ratio"] = 32.0 * static_cast<double>(n) / (8.0 * static_cast<double>(message.size()));
}
BENCHMARK_CAPTURE(adacomp_compress, codecs/adacomp_compress/index32, lpc::AdacompLayout::Index32)
    ->Args({1 << 16, 50})->Args({1 << 16, 500})->Args({1 << 22, 50});
BENCHMARK_CAPTURE(adacomp_compress, codecs/adacomp_compress/binned, lpc::AdacompLayout::Binned)
    ->Args({1 << 16, 50})->Args({1 << 16, 500})->Args({1 << 22, 50});

// The peer: memcpy of the same bytes, range(1) per element — what compress reads (residue and
// gradient, 8) or what decode writes (the update, 4).
void memcpy_peer(benchmark::State& state) {
  const size_t n = static_cast<size_t>(state.range(0)), bytes = n * static_cast<size_t>(state.range(1));
  std::vector<uint8_t> in(bytes, 1), out(bytes);
  for (auto _ : state) {
    std::memcpy(out.data(), in.data(), bytes);
    benchmark::DoNotOptimize(out.data());
    benchmark::ClobberMemory();
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * n));
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * bytes));
}
BENCHMARK(memcpy_peer)->Name("codecs/adacomp_compress/memcpy")->Args({1 << 16, 8})->Args({1 << 22, 8});

void adacomp_decode(benchmark::State& state, lpc::AdacompLayout layout) {
  const size_t n = static_cast<size_t>(state.range(0));
  const lpc::AdacompParams p{static_cast<uint32_t>(state.range(1)), layout};
  const Layer l = make_layer(n);
  std::vector<float> next(n), update(n);
  std::vector<uint8_t> message;
  if (lpc::fast::adacomp_compress(p, l.residue, l.gradient, next, update, message)) return state.SkipWithError("compress failed");
  for (auto _ : state) {
    if (lpc::fast::adacomp_decode(p, message, update)) return state.SkipWithError("decode failed");
    benchmark::DoNotOptimize(update.data());
    benchmark::ClobberMemory();
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * n));
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * n * 4));
  state.counters["message_bytes"] = static_cast<double>(message.size());
}
BENCHMARK_CAPTURE(adacomp_decode, codecs/adacomp_decode/index32, lpc::AdacompLayout::Index32)->Args({1 << 16, 50})->Args({1 << 16, 500});
BENCHMARK_CAPTURE(adacomp_decode, codecs/adacomp_decode/binned, lpc::AdacompLayout::Binned)->Args({1 << 16, 50})->Args({1 << 16, 500});

BENCHMARK(memcpy_peer)->Name("codecs/adacomp_decode/memcpy")->Args({1 << 16, 4});

// EF-SignSGD (§1.7) on the same steady-state layer: elements per second, beside the same memcpy.
void ef_signsgd_compress(benchmark::State& state) {
  const size_t n = static_cast<size_t>(state.range(0));
  const Layer l = make_layer(n);
  std::vector<float> next(n), update(n);
  std::vector<uint8_t> message;
  for (auto _ : state) {
    if (lpc::fast::ef_signsgd_compress(l.residue, l.gradient, next, update, message)) return state.SkipWithError("compress failed");
    benchmark::DoNotOptimize(message.data());
    benchmark::ClobberMemory();
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * n));
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * n * 8));
}
BENCHMARK(ef_signsgd_compress)->Name("codecs/ef_signsgd_compress")->Arg(1 << 16)->Arg(1 << 22);

// The exact reference, for scale (4 Ki elements, L_T = 50).
void adacomp_reference(benchmark::State& state) {
  const size_t n = 1 << 12;
  const Layer l = make_layer(n);
  for (auto _ : state) {
    const auto r = lpc::ref::adacomp_compress({50, lpc::AdacompLayout::Index32}, l.residue, l.gradient);
    benchmark::DoNotOptimize(r.message.data());
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * n));
}
BENCHMARK(adacomp_reference)->Name("codecs/adacomp_compress/reference");

}  // namespace
