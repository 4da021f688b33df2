// Benchmarks of the ULQ quantizers (spec/quantizers.md §5): the fast exact ternary support search
// (radix sort + bounded double estimates + exact fixed-point settlement) on 1 Mi float32 weights,
// TWN, power-of-two levels and the activation β search, one core; the exact reference for scale.
// Throughput is reported as items (weights) per second.
#include <benchmark/benchmark.h>

#include <random>
#include <vector>

#include "impls/fast/quantizers/ulq.hpp"
#include "reference/quantizers/ulq.hpp"

namespace {

std::vector<float> normal_weights(size_t n) {
  std::mt19937 random(42);
  std::normal_distribution<float> normal(0.0f, 0.05f);
  std::vector<float> v(n);
  for (float& x : v) x = normal(random);
  return v;
}

void ulq_fast(benchmark::State& state, lpc::UlqMethod method) {
  const size_t n = static_cast<size_t>(state.range(0));
  lpc::UlqParams p;
  p.method = method;
  p.bits = method == lpc::UlqMethod::Activation ? 4 : 5;
  p.betas = {0.05, 0.075, 0.1, 0.125, 0.15, 0.175, 0.2, 0.25};
  for (double& b : p.betas) b = static_cast<float>(b);
  const std::vector<float> w = normal_weights(n);
  for (auto _ : state) {
    lpc::UlqOutcome out = lpc::fast::ulq_quantize(p, std::span<const float>(w), {}, {});
    benchmark::DoNotOptimize(out.result.scale);
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * n));
}
BENCHMARK_CAPTURE(ulq_fast, ternary, lpc::UlqMethod::Ternary)->Arg(16384)->Arg(1 << 20)->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(ulq_fast, ternary_twn, lpc::UlqMethod::TernaryTwn)->Arg(1 << 20)->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(ulq_fast, binary, lpc::UlqMethod::Binary)->Arg(1 << 20)->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(ulq_fast, pow2, lpc::UlqMethod::Pow2)->Arg(1 << 20)->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(ulq_fast, activation_8_betas, lpc::UlqMethod::Activation)->Arg(1 << 20)->Unit(benchmark::kMillisecond);

void ulq_reference_ternary(benchmark::State& state) {
  const size_t n = static_cast<size_t>(state.range(0));
  lpc::UlqParams p;
  p.method = lpc::UlqMethod::Ternary;
  const std::vector<float> wf = normal_weights(n);
  const std::vector<double> w(wf.begin(), wf.end());
  for (auto _ : state) benchmark::DoNotOptimize(lpc::ref::ulq_quantize(p, w, {}, {}).result.scale);
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * n));
}
BENCHMARK(ulq_reference_ternary)->Arg(4096)->Unit(benchmark::kMillisecond);

}  // namespace
