// Benchmarks of the fast GEMM with the chip's declared semantics (impls/fast/gemm), one thread:
// int8 × int8 and int4 × int4 with int32 wrapping accumulation, FP8 e4m3fn and radix-4 FP4 × INT4
// with float32 RNE accumulation, folded for a 32-row weight-stationary array, on ResNet-50 conv1's
// im2col GEMM (M = 112·112, K = 7·7·3, N = 64; 118 M MACs) and on a square 512³. Each iteration
// includes the decode and packing of the operands; a float16 accumulator shows the round-to-odd kernel
// (every addition rounded into float16), a float32 truncating one the scalar path. Counter MAC/s = multiply-accumulates per second.
#include <benchmark/benchmark.h>

#include <cstdint>
#include <random>
#include <vector>

#include "impls/fast/gemm/gemm.hpp"
#include "spec/chip/layer.hpp"

namespace {

using lpc::fast::Accumulator;
using lpc::fast::IntegerOverflow;

constexpr lpc::chip::GemmShape kConv1{112 * 112, 64, 7 * 7 * 3};
constexpr lpc::chip::GemmShape kSquare512{512, 512, 512};
constexpr uint32_t kArrayRows = 32;

// Random codes of a format, NaN codes excluded (e4m3fn: 0x7F, 0xFF).
std::vector<uint8_t> random_codes(size_t count, const lpc::Format& format, uint64_t seed) {
  std::mt19937_64 random(seed);
  std::vector<uint8_t> codes(count);
  for (auto& c : codes) {
    do c = static_cast<uint8_t>(random() & format.code_mask());
    while (format.name == "float8_e4m3fn" && (c & 0x7F) == 0x7F);
  }
  return codes;
}

void gemm(benchmark::State& state, const char* a_name, const char* b_name, Accumulator accumulator, lpc::chip::GemmShape shape) {
  const lpc::Format& a_format = lpc::format_by_name(a_name);
  const lpc::Format& b_format = lpc::format_by_name(b_name);
  const lpc::fast::GemmParams params{&a_format, &b_format, accumulator, kArrayRows, lpc::fast::GemmIsa::Auto, 1};
  const std::vector<uint8_t> a = random_codes(shape.m * shape.k, a_format, 1), b = random_codes(shape.k * shape.n, b_format, 2);
  std::vector<int64_t> c_int(accumulator.is_float ? 0 : shape.m * shape.n);
  std::vector<double> c_float(accumulator.is_float ? shape.m * shape.n : 0);
  for (auto _ : state) {
    if (accumulator.is_float)
      lpc::fast::gemm_float(params, shape, a, b, c_float);
    else
      lpc::fast::gemm_integer(params, shape, a, b, c_int);
    benchmark::ClobberMemory();
  }
  state.counters["MAC/s"] = benchmark::Counter(static_cast<double>(state.iterations() * shape.m * shape.n * shape.k), benchmark::Counter::kIsRate);
}

const Accumulator kInt32Wrap = Accumulator::integer(32, IntegerOverflow::Wrap);
BENCHMARK_CAPTURE(gemm, conv1/int8/int32_wrap, "int8", "int8", kInt32Wrap, kConv1)->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(gemm, conv1/int4/int32_wrap, "int4", "int4", kInt32Wrap, kConv1)->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(gemm, conv1/fp8_e4m3fn/float32_rne, "float8_e4m3fn", "float8_e4m3fn", Accumulator::float32(), kConv1)->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(gemm, conv1/fp4_radix4_x_int4/float32_rne, "float4_e3m0_radix4", "int4", Accumulator::float32(), kConv1)->Unit(benchmark::kMillisecond);
// A float16 accumulator: TwoSum, round to odd, rounding on the bit pattern (gemm_narrow_float.hpp).
BENCHMARK_CAPTURE(gemm, conv1/fp8_e4m3fn/float16_rne, "float8_e4m3fn", "float8_e4m3fn", Accumulator::float16(), kConv1)->Unit(benchmark::kMillisecond);
// The scalar path (float32 truncation: every addition rounded on integer significands), for scale.
BENCHMARK_CAPTURE(gemm, conv1/fp8_e4m3fn/float32_rtz, "float8_e4m3fn", "float8_e4m3fn", Accumulator::float32(lpc::fast::FloatRounding::Truncate), kConv1)->Unit(benchmark::kMillisecond)->Iterations(1);
BENCHMARK_CAPTURE(gemm, square512/int8/int32_wrap, "int8", "int8", kInt32Wrap, kSquare512)->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(gemm, square512/int4/int32_wrap, "int4", "int4", kInt32Wrap, kSquare512)->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(gemm, square512/fp8_e4m3fn/float32_rne, "float8_e4m3fn", "float8_e4m3fn", Accumulator::float32(), kSquare512)->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(gemm, square512/fp4_radix4_x_int4/float32_rne, "float4_e3m0_radix4", "int4", Accumulator::float32(), kSquare512)->Unit(benchmark::kMillisecond);

}  // namespace
