// lpconform reference — training under memory restraint (spec/recompute.md): the schedule machine
// of §2 that checks an action list step by step and counts its peak live activation bytes and its
// forward evaluations exactly; the schedules of §3 built from their definitions (revolve from a
// tabulated dynamic program over Griewank's recurrence, the optimal count by the binomial closed
// form); the bound of §3.6; and the training step of §4 — plain backprop of a dense network in the
// declared float32 order, every operation rounded once from its exact value (Boost rationals).
// Nothing here is shared with impls/.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

namespace lpc::ref {

// §3: the schedule kinds.
enum class RecomputeKind : uint8_t { All, Patent, Segments, Revolve, Auto };

// §2.3: the result of running an action list on the schedule machine. ok == false: `error` says
// which rule action `error_index` broke (error_index == actions.size() for an incomplete list).
struct ScheduleRun {
  bool ok = false;
  std::string error;
  uint64_t error_index = 0;
  uint64_t peak_bytes = 0;  // max over steps of the live bytes (§2.2)
  uint64_t forwards = 0;    // F actions
  uint64_t recompute = 0;   // forwards - n
};

// §2: runs `actions` (codes 4·layer + kind) over layers of the given activation bytes. Never reads
// outside the two spans; any list is accepted as input (untrusted).
ScheduleRun run_schedule(std::span<const uint64_t> bytes, std::span<const int64_t> actions);

// §3.5: Griewank and Walther's minimal forward count t(l, s) for reversing l steps with s
// snapshots, by the binomial closed form; nullopt when l >= 2 and s == 0 (no schedule).
std::optional<uint64_t> revolve_forwards(uint64_t l, uint64_t s);

// §3: the schedule of a kind, built from its definition. k: the segment length (Patent, Segments);
// slots: the snapshots s (Revolve). Preconditions: n >= 1, 1 <= k, 1 <= slots (Revolve: slots >= 1).
std::vector<int64_t> build_schedule(RecomputeKind kind, uint64_t n, uint64_t k, uint64_t slots);

// §3.6: the bound a kind's peak must meet (bytes), for its k or slots.
uint64_t schedule_bound(RecomputeKind kind, std::span<const uint64_t> bytes, uint64_t k, uint64_t slots);

// §3.7: a request resolved to one schedule: Auto to All or Revolve, k = 0 to ⌈√n⌉, slots = 0 to
// the most the budget allows (budget 0: none). ok == false: `error` says why no schedule fits.
struct ResolvedSchedule {
  bool ok = false;
  std::string error;
  RecomputeKind kind = RecomputeKind::All;
  uint64_t k = 1, slots = 1;
};
ResolvedSchedule resolve_schedule(RecomputeKind kind, std::span<const uint64_t> bytes, uint64_t budget, uint64_t k, uint64_t slots);

// §3.6: the recompute count a kind's schedule must have.
uint64_t schedule_recompute(RecomputeKind kind, uint64_t n, uint64_t k, uint64_t slots);

// §4: the dense network of §4.1 and its training step by plain backprop (§4.3), every float32
// operation rounded once from its exact value. widths: w_0..w_n (n + 1 entries); weights: W_0..W_{n-1}
// row-major (w_i x w_{i+1}) concatenated; x: batch x w_0; target: batch x w_n; dropout p/256 with
// key (seed_lo, seed_hi). Returns the weight gradients in the weights' layout, or an error (a
// non-finite value, §4.4).
struct DenseNetwork {
  std::vector<uint64_t> widths;
  uint64_t batch = 1;
  std::vector<float> weights, x, target;
  uint32_t dropout = 0;  // p in 1/256 units, 0..128
  uint64_t seed = 0;
};
struct StepResult {
  bool ok = false;
  std::string error;
  std::vector<float> weight_gradients;
};
StepResult dense_backprop(const DenseNetwork& net);

}  // namespace lpc::ref
