// Benchmarks of the whole chip model on one layer (issue 5 §7): the value model (impls/chip/values,
// every MAC through the declared datapath) and the timing model (impls/chip/timing) fed the same
// layer, as `lpconform chip run` runs them, on a 32x32 weight-stationary array. Target: ResNet-50
// conv1 (224x224x3, 7x7, 64 filters, stride 2, no padding: 109x109 outputs, 111.8 M MACs) in at
// most 0.1 s on one core. items_per_second is MACs of the value model per second. The operands
// are one seeded random draw (the data do not change the work of the integer and float paths).
#include <benchmark/benchmark.h>

#include <random>
#include <vector>

#include "impls/chip/timing/timing.hpp"
#include "impls/chip/values/values.hpp"
#include "reference/formats/codec.hpp"
#include "spec/chip/config.hpp"

namespace {

void chip_layer(benchmark::State& state, const char* preset, const char* layer_text) {
  const lpc::chip::ChipConfig config = lpc::chip::chip_preset(preset);
  const lpc::chip::Layer layer = lpc::chip::parse_conv_layer(layer_text);
  const lpc::chip::ConvShape& conv = *layer.conv;
  std::mt19937_64 rng(1);
  std::vector<uint8_t> ifmap(size_t{conv.ifmap_h} * conv.ifmap_w * conv.channels), filters(layer.gemm.k * layer.gemm.n);
  // Finite codes only (NaN and inf would take the specials' path).
  const auto finite = [&](const lpc::Format& f) {
    for (;;)
      if (const uint32_t code = rng() % f.code_count(); lpc::ref::decode(f, code).is_finite()) return static_cast<uint8_t>(code);
  };
  for (uint8_t& x : ifmap) x = finite(*config.a_format);
  for (uint8_t& x : filters) x = finite(*config.b_format);
  std::vector<int32_t> bias(config.bias ? layer.gemm.n : 0, 7);
  for (auto _ : state) {
    const lpc::chip::ChipValues values = lpc::chip::values::run_layer(config, layer, ifmap, filters, bias);
    const lpc::chip::TimingReport timing =
        lpc::chip::scalesim_timing(layer, config.array, config.dataflow, lpc::chip::macs_per_pe_per_cycle(config.pe_mode));
    benchmark::DoNotOptimize(values);
    benchmark::DoNotOptimize(timing);
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * layer.gemm.m * layer.gemm.n * layer.gemm.k));
}

constexpr const char* kResnet50Conv1 = "conv:224,224,7,7,3,64,2";
BENCHMARK_CAPTURE(chip_layer, resnet50_conv1_int8_inference, "int8-inference", kResnet50Conv1)->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(chip_layer, resnet50_conv1_int4_inference, "int4-inference", kResnet50Conv1)->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(chip_layer, resnet50_conv1_fp4_training, "fp4-training", kResnet50Conv1)->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(chip_layer, resnet50_conv1_hfp8_training, "hfp8-training", kResnet50Conv1)->Unit(benchmark::kMillisecond);

}  // namespace
