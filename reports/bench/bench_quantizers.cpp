// Benchmarks of the quantizer family (spec/quantizers.md): fast LSQ forward+backward and int32 ->
// int8 requantization per scheme, in cache (16 Ki elements) and on 1 Mi elements, one core; the
// exact reference for scale. Throughput is reported as items (elements) per second.
#include <benchmark/benchmark.h>

#include <cstdint>
#include <random>
#include <vector>

#include "impls/fast/quantizers/lsq.hpp"
#include "impls/fast/quantizers/mx.hpp"
#include "impls/fast/quantizers/requantize.hpp"
#include "impls/fast/quantizers/stochastic.hpp"
#include "impls/fast/quantizers/two_phase.hpp"
#include "impls/fast/quantizers/dynamic_bits.hpp"
#include "reference/quantizers/lsq.hpp"
#include "reference/quantizers/mx.hpp"

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

// ---- MX block scaling (spec/quantizers.md §4) -------------------------------------------------------
// float32 -> MX (E8M0 scales + one element code per byte), blocks of 32, OCP scale rule, RNE; the
// ISA argument pins the path (Avx512: the fused kernel for float elements; Scalar: the general
// route through the portable format converter). Items are input elements.
void mx_quantize_fast(benchmark::State& state, const char* element, lpc::fast::Isa isa) {
  if (!lpc::fast::isa_available(isa)) {
    state.SkipWithError("instruction set not available");
    return;
  }
  const size_t n = static_cast<size_t>(state.range(0));
  const lpc::MxParams p{&lpc::format_by_name(element), 32, lpc::MxScaleRule::Ocp, lpc::Rounding::Rne};
  const lpc::fast::MxQuantizer quantizer(p, lpc::fast::Variant{isa, 1, 0});
  const std::vector<float> x = random_floats(n, 1.0f);
  std::vector<uint8_t> scales(n / 32), codes(n);
  for (auto _ : state) {
    quantizer.quantize(x, scales, codes);
    benchmark::ClobberMemory();
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * n));
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * n * sizeof(float)));
}
BENCHMARK_CAPTURE(mx_quantize_fast, e2m1_avx512, "float4_e2m1fn", lpc::fast::Isa::Avx512)->Arg(16384)->Arg(1 << 20);
BENCHMARK_CAPTURE(mx_quantize_fast, e2m1_scalar, "float4_e2m1fn", lpc::fast::Isa::Scalar)->Arg(1 << 20);
BENCHMARK_CAPTURE(mx_quantize_fast, e2m1_avx2_general, "float4_e2m1fn", lpc::fast::Isa::Avx2)->Arg(1 << 20);
BENCHMARK_CAPTURE(mx_quantize_fast, e4m3_avx512, "float8_e4m3fn", lpc::fast::Isa::Avx512)->Arg(1 << 20);
BENCHMARK_CAPTURE(mx_quantize_fast, e5m2_avx512, "float8_e5m2", lpc::fast::Isa::Avx512)->Arg(1 << 20);
BENCHMARK_CAPTURE(mx_quantize_fast, e2m3_avx512, "float6_e2m3fn", lpc::fast::Isa::Avx512)->Arg(1 << 20);
BENCHMARK_CAPTURE(mx_quantize_fast, e3m2_avx512, "float6_e3m2fn", lpc::fast::Isa::Avx512)->Arg(1 << 20);
BENCHMARK_CAPTURE(mx_quantize_fast, int8_auto, "int8", lpc::fast::Isa::Auto)->Arg(1 << 20);

void mx_quantize_reference(benchmark::State& state) {
  const size_t n = 1024;
  const lpc::MxParams p{&lpc::format_by_name("float4_e2m1fn"), 32, lpc::MxScaleRule::Ocp, lpc::Rounding::Rne};
  const std::vector<float> x = random_floats(n, 1.0f);
  std::vector<uint8_t> scales(n / 32), codes(n);
  for (auto _ : state) {
    lpc::ref::mx_quantize(p, x, scales, codes);
    benchmark::ClobberMemory();
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * n));
}
BENCHMARK(mx_quantize_reference);

void mx_dequantize_fast(benchmark::State& state) {
  const size_t n = 1 << 20;
  const lpc::Format& element = lpc::format_by_name("float4_e2m1fn");
  std::vector<uint8_t> scales(n / 32), codes(n);
  std::mt19937 random(1);
  for (auto& s : scales) s = static_cast<uint8_t>(100 + random() % 50);
  for (auto& c : codes) c = static_cast<uint8_t>(random() % 16);
  std::vector<double> out(n);
  for (auto _ : state) {
    lpc::fast::mx_dequantize(element, 32, scales, codes, out);
    benchmark::ClobberMemory();
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * n));
}
BENCHMARK(mx_dequantize_fast);

void mx_dot_fast(benchmark::State& state) {
  const size_t n = 1 << 20;
  const lpc::Format& element = lpc::format_by_name("float8_e4m3fn");
  std::vector<uint8_t> scales(n / 32), codes_a(n), codes_b(n);
  std::mt19937 random(2);
  for (auto& s : scales) s = static_cast<uint8_t>(110 + random() % 30);
  for (auto& c : codes_a) c = static_cast<uint8_t>(random() % 0x7F);
  for (auto& c : codes_b) c = static_cast<uint8_t>(random() % 0x7F);
  for (auto _ : state) benchmark::DoNotOptimize(lpc::fast::mx_dot(element, scales, codes_a, element, scales, codes_b, 32));
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * n));
}
BENCHMARK(mx_dot_fast);

// §3 and §6: the fixed-point stochastic quantizer, two-phase rounding (GradScale + quantize; rne
// has a vectorized kernel, the stochastic modes go through the format converter), dynamic bit width.
void sr_fixed_fast(benchmark::State& state) {
  const size_t n = 1 << 20;
  const lpc::SrFixedParams p{lpc::SrSign::Floor, 0.0123f, -128, 127, 8};
  const std::vector<float> x = random_floats(n, 0.5f);
  std::vector<uint32_t> random(n);
  std::mt19937 words(3);
  for (uint32_t& r : random) r = words();
  std::vector<int32_t> code(n);
  std::vector<float> y(n);
  for (auto _ : state) benchmark::DoNotOptimize(lpc::fast::sr_fixed(p, x, random, code, y));
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * n));
}
BENCHMARK(sr_fixed_fast);

void tpr_fast(benchmark::State& state, lpc::Rounding rounding) {
  const size_t n = 1 << 20;
  const lpc::TprParams p{lpc::TprPhase::Odd, rounding, rounding == lpc::Rounding::Rne ? 0 : 8};
  const std::vector<float> g = random_floats(n, 0.01f);
  std::vector<uint32_t> random(n);
  std::mt19937 words(4);
  for (uint32_t& r : random) r = words();
  std::vector<uint8_t> codes(n);
  std::vector<float> y(n);
  for (auto _ : state) {
    lpc::fast::tpr_quantize(p, lpc::fast::tpr_grad_scale(g).scale_exp, g, random, codes, y);
    benchmark::ClobberMemory();
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * n));
}
BENCHMARK_CAPTURE(tpr_fast, rne, lpc::Rounding::Rne);
BENCHMARK_CAPTURE(tpr_fast, sr_a, lpc::Rounding::SrA);

void dynbits_fast(benchmark::State& state) {
  lpc::DynBitsParams p;
  p.shape = {64, 128, 128};
  p.block = {16, 8, 8};
  p.group = {2, 2};
  p.thresholds = {30.0f};
  p.budget_256 = 6 * 256;
  std::vector<int32_t> x(static_cast<size_t>(p.element_count())), y(x.size());
  std::mt19937 values(5);
  for (int32_t& v : x) v = static_cast<int32_t>(values() % 256) - 128;
  std::vector<uint8_t> low(x.size());
  std::vector<int64_t> block_bits(static_cast<size_t>(p.block_count()));
  for (auto _ : state) benchmark::DoNotOptimize(lpc::fast::dynbits(p, x, y, low, block_bits));
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * x.size()));
}
BENCHMARK(dynbits_fast);

}  // namespace
