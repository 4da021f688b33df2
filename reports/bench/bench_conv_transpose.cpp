// Benchmarks of the transposed convolution (spec/convolution.md §2, issue 19): the chip's values
// (the rotated-kernel dataflow of US20210097375A1 on the int8-inference array) plus its timing for
// a decoder layer — 4x4 kernel, stride 2, PyTorch padding 1, 256 -> 128 channels, 32x32 input,
// 64x64 output, 520 M useful MACs — against the forward conv of about the same MACs on the same
// chip (64x64x128 input, 4x4, stride 2, padding 1, 256 filters: 537 M MACs, its im2col GEMM);
// target: the transposed layer within 2x of the forward one. Also the direct fast implementation
// and the peer memcpy of the layer's bytes (input, weight, int32 output). items_per_second: MACs.
#include <benchmark/benchmark.h>

#include <cstring>
#include <random>
#include <vector>

#include "impls/chip/timing/conv_timing.hpp"
#include "impls/chip/values/conv_transpose.hpp"
#include "impls/chip/values/values.hpp"
#include "impls/fast/convolution/conv_transpose.hpp"
#include "spec/chip/config.hpp"

namespace {

lpc::conv::TransposedConvShape decoder_layer() {
  lpc::conv::TransposedConvShape s;
  s.in_h = s.in_w = 32, s.in_channels = 256, s.out_channels = 128, s.kernel_h = s.kernel_w = 4, s.stride_h = s.stride_w = 2;
  return lpc::conv::from_pytorch(s, 1, 1, 0, 0);
}

uint64_t useful_macs(const lpc::conv::TransposedConvShape& s) {
  return lpc::chip::conv_transpose_timing(s, {32, 32}).rotated.useful_macs;
}

std::vector<uint8_t> random_codes(size_t n, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::vector<uint8_t> v(n);
  for (uint8_t& x : v) x = static_cast<uint8_t>(rng());
  return v;
}

lpc::chip::ChipConfig int8_array() {
  lpc::chip::ChipConfig config = lpc::chip::chip_preset("int8-inference");
  config.bias = false;
  return config;
}

void chip_conv_transpose_decoder(benchmark::State& state) {
  const lpc::chip::ChipConfig config = int8_array();
  const lpc::conv::TransposedConvShape s = decoder_layer();
  const std::vector<uint8_t> x = random_codes(s.input_size(), 1), w = random_codes(s.weight_size(), 2);
  for (auto _ : state) {
    const lpc::chip::ChipTensor y = lpc::chip::values::conv_transpose2d(config, s, x, w);
    const lpc::chip::TransposedConvTiming t = lpc::chip::conv_transpose_timing(s, config.array);
    benchmark::DoNotOptimize(y);
    benchmark::DoNotOptimize(t);
  }
  const lpc::chip::TransposedConvTiming t = lpc::chip::conv_transpose_timing(s, config.array);
  state.counters["rotated_cycles"] = static_cast<double>(t.rotated.total_cycles);
  state.counters["upsampled_cycles"] = static_cast<double>(t.upsampled.total_cycles);
  state.counters["rotated_util"] = t.rotated.overall_util;
  state.counters["upsampled_util"] = t.upsampled.overall_util;
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * useful_macs(s)));
}

void chip_conv2d_same_macs(benchmark::State& state) {
  const lpc::chip::ChipConfig config = int8_array();
  lpc::chip::ConvShape conv{64, 64, 4, 4, 128, 256, 2};
  conv.pad_top = conv.pad_bottom = conv.pad_left = conv.pad_right = 1;
  const lpc::chip::Layer layer = lpc::chip::conv_layer(conv);
  const std::vector<uint8_t> x = random_codes(uint64_t{64} * 64 * 128, 1), w = random_codes(layer.gemm.k * layer.gemm.n, 2);
  for (auto _ : state) {
    const lpc::chip::ChipValues v = lpc::chip::values::run_layer(config, layer, x, w, {});
    const lpc::chip::TimingReport t = lpc::chip::conv_timing(layer, config.array, config.dataflow);
    benchmark::DoNotOptimize(v);
    benchmark::DoNotOptimize(t);
  }
  state.counters["cycles"] = static_cast<double>(lpc::chip::conv_timing(layer, config.array, config.dataflow).total_cycles);
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * layer.gemm.m * layer.gemm.n * layer.gemm.k));
}

void fast_conv_transpose_decoder(benchmark::State& state) {
  const lpc::conv::TransposedConvShape s = decoder_layer();
  std::vector<int64_t> x(s.input_size()), w(s.weight_size()), y(s.output_size());
  std::mt19937_64 rng(3);
  for (int64_t& v : x) v = static_cast<int8_t>(rng());
  for (int64_t& v : w) v = static_cast<int8_t>(rng());
  for (auto _ : state) {
    lpc::fast::conv_transpose2d(s, x, w, y);
    benchmark::DoNotOptimize(y.data());
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * useful_macs(s)));
}

void memcpy_decoder_bytes(benchmark::State& state) {
  const lpc::conv::TransposedConvShape s = decoder_layer();
  const size_t bytes = s.input_size() + s.weight_size() + 4 * s.output_size();
  std::vector<char> from(bytes, 1), to(bytes);
  for (auto _ : state) {
    std::memcpy(to.data(), from.data(), bytes);
    benchmark::DoNotOptimize(to.data());
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * bytes));
}

BENCHMARK(chip_conv_transpose_decoder)->Unit(benchmark::kMillisecond);
BENCHMARK(chip_conv2d_same_macs)->Unit(benchmark::kMillisecond);
BENCHMARK(fast_conv_transpose_decoder)->Unit(benchmark::kMillisecond);
BENCHMARK(memcpy_decoder_bytes)->Unit(benchmark::kMicrosecond);

}  // namespace
