// Benchmarks of the gradient exchange (spec/grad_exchange.md), one core: the bit-exact gradient
// comparison of §5.3 (fast::first_bit_difference over two equal float32 buffers, the case that
// reads everything) in elements per second, beside memcmp of the same bytes; the reduction of 4
// ranks unit by unit in rank order (§5.2); and the plan of a 50-layer network with its timing model
// and its completeness check (§2-§5.4), fast and reference. Buffers of 1 Mi elements (4 MiB each,
// L2/L3) and 64 Mi (256 MiB: from memory).
//
//   lpconform_bench --benchmark_filter='grad_exchange/'
#include <benchmark/benchmark.h>

#include <cstring>
#include <optional>
#include <random>
#include <span>
#include <string>
#include <vector>

#include "impls/fast/distributed/grad_exchange.hpp"
#include "reference/distributed/grad_exchange.hpp"

namespace {

std::vector<float> gradients(size_t n, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::normal_distribution<float> normal(0.0f, 1.0f);
  std::vector<float> g(n);
  for (float& x : g) x = normal(rng);
  return g;
}

void compare_fast(benchmark::State& state) {
  const size_t n = static_cast<size_t>(state.range(0));
  const std::vector<float> a = gradients(n, 1), b = a;
  for (auto _ : state) {
    auto d = lpc::fast::first_bit_difference(a, b);
    benchmark::DoNotOptimize(d);
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations()) * static_cast<int64_t>(n));
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations()) * static_cast<int64_t>(n) * 8);
}
BENCHMARK(compare_fast)->Name("grad_exchange/compare/fast")->Arg(1 << 20)->Arg(1 << 26)->Unit(benchmark::kMicrosecond);

void compare_memcmp(benchmark::State& state) {
  const size_t n = static_cast<size_t>(state.range(0));
  const std::vector<float> a = gradients(n, 1), b = a;
  for (auto _ : state) {
    int d = std::memcmp(a.data(), b.data(), n * sizeof(float));
    benchmark::DoNotOptimize(d);
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations()) * static_cast<int64_t>(n));
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations()) * static_cast<int64_t>(n) * 8);
}
BENCHMARK(compare_memcmp)->Name("grad_exchange/compare/memcmp")->Arg(1 << 20)->Arg(1 << 26)->Unit(benchmark::kMicrosecond);

lpc::ExchangeConfig fifty_layers() {
  lpc::ExchangeConfig c;
  for (int l = 0; l < 50; ++l) c.layer_elements.push_back(4096 + 1000 * static_cast<uint64_t>(l % 7));
  c.portion_elements = 1024;
  c.compute_ps_per_element = 100;
  c.latency_ps = 20000;
  c.ps_per_byte = 10;
  return c;
}

void reduce_rank_order(benchmark::State& state) {
  lpc::ExchangeConfig c = fifty_layers();
  const lpc::ExchangeSchedule s = lpc::fast::plan_exchange(c);
  size_t n = 0;
  for (uint64_t e : c.layer_elements) n += e;
  const std::vector<float> g = gradients(4 * n, 2);
  std::vector<float> out(n);
  for (auto _ : state) {
    lpc::fast::reduce_float32(c.layer_elements, s.segments, g, 4, lpc::ReductionOrder::RankOrder, out);
    benchmark::DoNotOptimize(out.data());
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations()) * static_cast<int64_t>(n));
}
BENCHMARK(reduce_rank_order)->Name("grad_exchange/reduce/fast_4ranks_50layers")->Unit(benchmark::kMicrosecond);

// Plan + check of the 50-layer network by one implementation (fast:: or ref::).
template <lpc::ExchangeSchedule (*Plan)(const lpc::ExchangeConfig&),
          std::optional<std::string> (*Check)(std::span<const uint64_t>, std::span<const lpc::ExchangeSegment>)>
void plan_and_check(benchmark::State& state) {
  const lpc::ExchangeConfig c = fifty_layers();
  for (auto _ : state) {
    const lpc::ExchangeSchedule s = Plan(c);
    auto e = Check(c.layer_elements, s.segments);
    benchmark::DoNotOptimize(e);
  }
}
BENCHMARK(plan_and_check<lpc::fast::plan_exchange, lpc::fast::plan_error>)->Name("grad_exchange/plan_and_check/fast_50layers")->Unit(benchmark::kMicrosecond);
BENCHMARK(plan_and_check<lpc::ref::plan_exchange, lpc::ref::plan_error>)->Name("grad_exchange/plan_and_check/reference_50layers")->Unit(benchmark::kMicrosecond);

}  // namespace
