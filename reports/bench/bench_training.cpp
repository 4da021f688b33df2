// Benchmarks of training under memory restraint (spec/recompute.md), one core: planning a
// 50-layer schedule of every kind and checking it on the schedule machine (issue 20: <= 10 ms),
// the same check on the exact reference's machine for scale, and executing a revolve schedule on a
// 50-layer network against keep-everything. The bitwise gradient comparison of §4.3 (issue 20:
// >= 1 G elements/s) is fast::first_bit_difference, measured in bench_grad_exchange.cpp.
//
//   lpconform_bench --benchmark_filter='training/'
#include <benchmark/benchmark.h>

#include <cstdint>
#include <cstring>
#include <random>
#include <vector>

#include "impls/chip/training/recompute_timing.hpp"
#include "impls/fast/training/recompute.hpp"
#include "reference/training/recompute.hpp"

namespace {

using lpc::fast::RecomputeKind;

std::vector<uint64_t> layer_bytes(uint64_t n) {
  std::mt19937_64 rng(50);
  std::vector<uint64_t> b(n);
  for (uint64_t& x : b) x = (1 + rng() % 64) * 4096;
  return b;
}

// Plan + check: the plan already runs the machine once; the explicit check is the verifier's.
void plan_and_check(benchmark::State& state, RecomputeKind kind, uint64_t k, uint64_t slots) {
  const std::vector<uint64_t> bytes = layer_bytes(50);
  lpc::fast::SchedulePlan plan;
  for (auto _ : state) {
    if (lpc::fast::plan_schedule(kind, bytes, 0, k, slots, plan)) return state.SkipWithError("no plan");
    const lpc::fast::ScheduleCheck check = lpc::fast::check_schedule(bytes, plan.actions);
    if (!check.ok || check.peak_bytes > plan.bound_bytes || check.recompute != plan.recompute) return state.SkipWithError("bad plan");
    benchmark::DoNotOptimize(check.peak_bytes);
  }
  state.counters["actions"] = static_cast<double>(plan.actions.size());
  state.counters["recompute"] = static_cast<double>(plan.recompute);
}
BENCHMARK_CAPTURE(plan_and_check, training/plan50/all, RecomputeKind::All, 0, 0)->Unit(benchmark::kMicrosecond);
BENCHMARK_CAPTURE(plan_and_check, training/plan50/patent_k7, RecomputeKind::Patent, 7, 0)->Unit(benchmark::kMicrosecond);
BENCHMARK_CAPTURE(plan_and_check, training/plan50/segments_k7, RecomputeKind::Segments, 7, 0)->Unit(benchmark::kMicrosecond);
BENCHMARK_CAPTURE(plan_and_check, training/plan50/revolve_s3, RecomputeKind::Revolve, 0, 3)->Unit(benchmark::kMicrosecond);
BENCHMARK_CAPTURE(plan_and_check, training/plan50/revolve_s1, RecomputeKind::Revolve, 0, 1)->Unit(benchmark::kMicrosecond);

void reference_check(benchmark::State& state) {
  const std::vector<uint64_t> bytes = layer_bytes(50);
  const std::vector<int64_t> actions = lpc::ref::build_schedule(lpc::ref::RecomputeKind::Revolve, 50, 1, 3);
  for (auto _ : state) benchmark::DoNotOptimize(lpc::ref::run_schedule(bytes, actions).peak_bytes);
}
BENCHMARK(reference_check)->Name("training/plan50/revolve_s3/reference_machine")->Unit(benchmark::kMicrosecond);

// Executing a schedule: 50 layers of width 64, batch 16, dropout 64/256.
void execute(benchmark::State& state, RecomputeKind kind, uint64_t slots) {
  const uint64_t n = 50, width = 64, batch = 16;
  std::vector<uint64_t> widths(n + 1, width), bytes(n, 4 * batch * width);
  std::mt19937 rng(3);
  std::vector<float> weights(n * width * width), x(batch * width), target(batch * width);
  for (float& w : weights) w = static_cast<float>(static_cast<int>(rng() % 9) - 4) / 64;
  for (float& v : x) v = static_cast<float>(static_cast<int>(rng() % 17) - 8) / 8;
  lpc::fast::SchedulePlan plan;
  if (lpc::fast::plan_schedule(kind, bytes, 0, 0, slots, plan)) return state.SkipWithError("no plan");
  const lpc::fast::DenseNet net{widths, batch, weights, x, target, 64, 9};
  std::vector<float> gradients(weights.size());
  uint64_t peak = 0;
  for (auto _ : state) {
    const lpc::fast::Execution ex = lpc::fast::execute_schedule(net, plan.actions, gradients);
    peak = ex.measured_peak_bytes;
    benchmark::DoNotOptimize(gradients.data());
  }
  state.counters["peak_KiB"] = static_cast<double>(peak) / 1024;
  state.counters["recompute"] = static_cast<double>(plan.recompute);
}
BENCHMARK_CAPTURE(execute, training/execute50/all, RecomputeKind::All, 0)->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(execute, training/execute50/revolve_s3, RecomputeKind::Revolve, 3)->Unit(benchmark::kMillisecond);

}  // namespace

namespace {

// ResNet-18's chain at batch 32 in float32 (spec/recompute.md §7): the inputs of conv1, the four
// convolutions of each stage and the classifier, BN/ReLU folded into their convolution [suite].
std::vector<uint64_t> resnet18_bytes() {
  const uint64_t batch = 32, f32 = 4;
  std::vector<uint64_t> elements = {224 * 224 * 3};
  for (int j = 0; j < 4; ++j) elements.push_back(56 * 56 * 64);
  elements.push_back(56 * 56 * 64);
  for (int j = 0; j < 3; ++j) elements.push_back(28 * 28 * 128);
  elements.push_back(28 * 28 * 128);
  for (int j = 0; j < 3; ++j) elements.push_back(14 * 14 * 256);
  elements.push_back(14 * 14 * 256);
  for (int j = 0; j < 3; ++j) elements.push_back(7 * 7 * 512);
  elements.push_back(512);
  for (uint64_t& e : elements) e *= batch * f32;
  return elements;
}

void plan_resnet18(benchmark::State& state, RecomputeKind kind, uint64_t k, uint64_t slots, uint64_t budget_percent) {
  const std::vector<uint64_t> bytes = resnet18_bytes();
  uint64_t sum = 0;
  for (uint64_t b : bytes) sum += b;
  lpc::fast::SchedulePlan plan;
  for (auto _ : state)
    if (lpc::fast::plan_schedule(kind, bytes, sum / 100 * budget_percent, k, slots, plan)) return state.SkipWithError("no plan");
  state.counters["peak_MiB"] = static_cast<double>(plan.peak_bytes) / (1 << 20);
  state.counters["bound_MiB"] = static_cast<double>(plan.bound_bytes) / (1 << 20);
  state.counters["all_MiB"] = static_cast<double>(sum) / (1 << 20);
  state.counters["recompute"] = static_cast<double>(plan.recompute);
  state.counters["slots"] = static_cast<double>(plan.slots);
}
BENCHMARK_CAPTURE(plan_resnet18, training/resnet18/all, RecomputeKind::All, 0, 0, 0)->Unit(benchmark::kMicrosecond);
BENCHMARK_CAPTURE(plan_resnet18, training/resnet18/patent_k5, RecomputeKind::Patent, 5, 0, 0)->Unit(benchmark::kMicrosecond);
BENCHMARK_CAPTURE(plan_resnet18, training/resnet18/segments_k5, RecomputeKind::Segments, 5, 0, 0)->Unit(benchmark::kMicrosecond);
BENCHMARK_CAPTURE(plan_resnet18, training/resnet18/revolve_s3, RecomputeKind::Revolve, 0, 3, 0)->Unit(benchmark::kMicrosecond);
BENCHMARK_CAPTURE(plan_resnet18, training/resnet18/auto_budget50pct, RecomputeKind::Auto, 0, 0, 50)->Unit(benchmark::kMicrosecond);
BENCHMARK_CAPTURE(plan_resnet18, training/resnet18/auto_budget33pct, RecomputeKind::Auto, 0, 0, 33)->Unit(benchmark::kMicrosecond);

// The chip model (spec/recompute.md §6): 50 dense layers of width 256, batch 64, on a 128 x 128
// weight-stationary array; cycles and activation traffic of revolve against keep-everything.
void chip_schedule(benchmark::State& state, RecomputeKind kind, uint64_t slots) {
  const uint64_t n = 50, width = 256, batch = 64;
  std::vector<uint64_t> widths(n + 1, width), bytes(n, 4 * batch * width);
  lpc::fast::SchedulePlan plan;
  if (lpc::fast::plan_schedule(kind, bytes, 0, 0, slots, plan)) return state.SkipWithError("no plan");
  lpc::chip::ScheduleTiming t;
  for (auto _ : state)
    if (lpc::chip::schedule_timing(widths, batch, plan.actions, {128, 128}, lpc::chip::Dataflow::WeightStationary, t)) return state.SkipWithError("timing");
  state.counters["Mcycles"] = static_cast<double>(t.cycles) / 1e6;
  state.counters["recompute_Mcycles"] = static_cast<double>(t.recompute_cycles) / 1e6;
  state.counters["act_traffic_MiB"] = static_cast<double>(t.activation_reads + t.activation_writes) / (1 << 20);
  state.counters["peak_KiB"] = static_cast<double>(plan.peak_bytes) / 1024;
}
BENCHMARK_CAPTURE(chip_schedule, training/chip50/all, RecomputeKind::All, 0)->Unit(benchmark::kMicrosecond);
BENCHMARK_CAPTURE(chip_schedule, training/chip50/revolve_s3, RecomputeKind::Revolve, 3)->Unit(benchmark::kMicrosecond);
BENCHMARK_CAPTURE(chip_schedule, training/chip50/revolve_s7, RecomputeKind::Revolve, 7)->Unit(benchmark::kMicrosecond);

}  // namespace
