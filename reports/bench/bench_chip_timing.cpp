// Benchmarks of the chip model's timing half (spec/chip_timing.md): one layer through the
// SCALE-Sim-compatible closed form on a 32x32 array, per dataflow. The time is per layer;
// items_per_second is simulated MACs per second (the layer's MACs over the time to time it).
// SCALE-Sim v2 takes about 13 s for ResNet-50 conv1 ws on this hardware (research notes §1).
// The _int4 entry times the packed int4 PE mode (two MACs per PE per cycle, spec/chip_timing.md §2.1).
#include <benchmark/benchmark.h>

#include "impls/chip/timing/timing.hpp"

namespace {

void chip_timing(benchmark::State& state, const char* layer_text, lpc::chip::Dataflow dataflow, uint32_t macs_per_pe = 1) {
  const lpc::chip::Layer layer = lpc::chip::parse_conv_layer(layer_text);
  const lpc::chip::ArrayShape array{32, 32};
  uint64_t macs = 0;
  for (auto _ : state) {
    benchmark::DoNotOptimize(layer);
    const lpc::chip::TimingReport report = lpc::chip::scalesim_timing(layer, array, dataflow, macs_per_pe);
    benchmark::DoNotOptimize(report);
    macs = report.macs;
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * macs));
}

using lpc::chip::Dataflow;
constexpr const char* kResnet50Conv1 = "conv:224,224,7,7,3,64,2";
constexpr const char* kAlexnetConv1 = "conv:224,224,11,11,3,96,4";
BENCHMARK_CAPTURE(chip_timing, resnet50_conv1_ws, kResnet50Conv1, Dataflow::WeightStationary);
BENCHMARK_CAPTURE(chip_timing, resnet50_conv1_os, kResnet50Conv1, Dataflow::OutputStationary);
BENCHMARK_CAPTURE(chip_timing, resnet50_conv1_is, kResnet50Conv1, Dataflow::InputStationary);
BENCHMARK_CAPTURE(chip_timing, alexnet_conv1_ws, kAlexnetConv1, Dataflow::WeightStationary);
BENCHMARK_CAPTURE(chip_timing, alexnet_conv1_os, kAlexnetConv1, Dataflow::OutputStationary);
BENCHMARK_CAPTURE(chip_timing, alexnet_conv1_is, kAlexnetConv1, Dataflow::InputStationary);
BENCHMARK_CAPTURE(chip_timing, alexnet_conv1_ws_int4, kAlexnetConv1, Dataflow::WeightStationary, 2);

}  // namespace
