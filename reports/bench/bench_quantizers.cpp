// Benchmarks of the quantizer family (spec/quantizers.md): fast LSQ forward+backward and int32 ->
// int8 requantization per scheme, in cache (16 Ki elements) and on 1 Mi elements, one core; the
// exact reference for scale. Throughput is reported as items (elements) per second.
#include <benchmark/benchmark.h>

#include <cstdint>
#include <random>
#include <vector>

#include "impls/fast/quantizers/lsq.hpp"
#include "impls/fast/quantizers/requantize.hpp"
#include "reference/quantizers/lsq.hpp"

namespace {

std::vector<float> random_floats(size_t n, float spread) {
  std::mt19937 random(42);
  std::normal_distribution<float> normal(0.0f, spread);
  std::vector<float> v(n);
  for (float& x : v) x = normal(random);
  return v;
}

void lsq_fast(benchmark::State& state, lpc::LsqVariant variant) {
  const size_t n = static_cast<size_t>(state.range(0));
  lpc::LsqParams p;
  p.variant = variant;
  p.qmin = -8;
  p.qmax = 7;
  p.scale = 0.0123f;
  p.grad_scale = 0.001f;
  const std::vector<float> x = random_floats(n, 0.05f), dy = random_floats(n, 1.0f);
  std::vector<float> y(n), dx(n), ds(n);
  for (auto _ : state) {
    benchmark::DoNotOptimize(lpc::fast::lsq_forward_backward(p, x, dy, y, dx, ds));
    benchmark::ClobberMemory();
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * n));
}
BENCHMARK_CAPTURE(lsq_fast, paper, lpc::LsqVariant::Paper)->Arg(16384)->Arg(1 << 20);
BENCHMARK_CAPTURE(lsq_fast, torch, lpc::LsqVariant::Torch)->Arg(16384)->Arg(1 << 20);

void lsq_reference(benchmark::State& state) {
  lpc::LsqParams p;
  p.qmin = -8;
  p.qmax = 7;
  p.scale = 0.0123f;
  const std::vector<float> x = random_floats(1024, 0.05f);
  size_t i = 0;
  for (auto _ : state) benchmark::DoNotOptimize(lpc::ref::lsq(p, x[i++ & 1023], 1.0f));
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations()));
}
BENCHMARK(lsq_reference);

void requantize_int8(benchmark::State& state, lpc::RequantScheme scheme) {
  const size_t n = static_cast<size_t>(state.range(0));
  lpc::RequantParams p;
  p.scheme = scheme;
  p.multipliers = {1518500250};
  p.shifts = {scheme == lpc::RequantScheme::TosaSingleRound ? 40 : 41};
  p.scales = {0x1.6a09e6p-10f};
  std::mt19937 random(7);
  std::uniform_int_distribution<int32_t> acc(-300000, 300000);
  std::vector<int32_t> in(n);
  for (int32_t& v : in) v = acc(random);
  std::vector<int8_t> out(n);
  for (auto _ : state) {
    benchmark::DoNotOptimize(lpc::fast::requantize_to_int8(p, in, out));
    benchmark::ClobberMemory();
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * n));
}
BENCHMARK_CAPTURE(requantize_int8, tosa_single, lpc::RequantScheme::TosaSingleRound)->Arg(16384)->Arg(1 << 20);
BENCHMARK_CAPTURE(requantize_int8, tosa_double, lpc::RequantScheme::TosaDoubleRound)->Arg(16384)->Arg(1 << 20);
BENCHMARK_CAPTURE(requantize_int8, gemmlowp, lpc::RequantScheme::Gemmlowp)->Arg(16384)->Arg(1 << 20);
BENCHMARK_CAPTURE(requantize_int8, xnnpack_fp32, lpc::RequantScheme::XnnpackFp32)->Arg(16384)->Arg(1 << 20);
BENCHMARK_CAPTURE(requantize_int8, xnnpack_rndnu, lpc::RequantScheme::XnnpackRndnu)->Arg(16384)->Arg(1 << 20);

}  // namespace
