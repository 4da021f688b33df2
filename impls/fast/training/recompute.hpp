// lpconform fast — training under memory restraint (spec/recompute.md): the scheduler that turns
// (layer activation bytes, budget, kind, k, slots) into an action list with its peak live bytes and
// recompute count (§3, revolve's splits from the binomial closed form), the schedule machine run
// over a flat bitmap (§2), the executor that runs an action list on the dense float32 network of §4
// and measures the bytes it really holds, and the bitwise gradient comparison. Independent of
// reference/.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "impls/fast/common/bit_compare.hpp"

namespace lpc::fast {

enum class RecomputeKind : uint8_t { All, Patent, Segments, Revolve, Auto };

struct SchedulePlan {
  RecomputeKind kind = RecomputeKind::All;  // as resolved (§3.7): never Auto
  uint64_t k = 1, slots = 1;
  std::vector<int64_t> actions;  // codes 4·layer + kind (§2.1)
  uint64_t peak_bytes = 0;       // by the schedule machine (§2.2)
  uint64_t recompute = 0;
  uint64_t bound_bytes = 0;      // §3.6
};

// §3, §3.7: the plan, or the reason none fits (a budget below the minimum, a peak above the budget;
// budget 0: no budget). Preconditions: 1 <= bytes.size() <= 4096; k, slots <= bytes.size().
std::optional<std::string> plan_schedule(RecomputeKind kind, std::span<const uint64_t> bytes, uint64_t budget, uint64_t k, uint64_t slots,
                                         SchedulePlan& plan);

// §2: the schedule machine on untrusted actions. ok == false: `error` names the rule and the
// action index `error_index` (actions.size() for an incomplete list).
struct ScheduleCheck {
  bool ok = false;
  std::string error;
  uint64_t error_index = 0;
  uint64_t peak_bytes = 0, forwards = 0, recompute = 0;
};
ScheduleCheck check_schedule(std::span<const uint64_t> bytes, std::span<const int64_t> actions);

// §4: the dense network (widths w_0..w_n, weights W_i row-major w_i x w_{i+1} concatenated, input
// batch x w_0, target batch x w_n, dropout p/256 keyed by seed).
struct DenseNet {
  std::vector<uint64_t> widths;
  uint64_t batch = 1;
  std::span<const float> weights, x, target;
  uint32_t dropout = 0;
  uint64_t seed = 0;
};

// §4.3: runs `actions` (a valid list, §2) on the network in float32 in the declared order: the
// weight gradients into `gradients` (the weights' layout), the peak of the activation bytes the
// executor really holds (buffers allocated and freed as the actions say) and its forward count.
struct Execution {
  bool ok = false;
  std::string error;
  uint64_t measured_peak_bytes = 0, forwards = 0;
};
Execution execute_schedule(const DenseNet& net, std::span<const int64_t> actions, std::span<float> gradients);

// The bitwise gradient check of §4.3: first_bit_difference (impls/fast/common/bit_compare.hpp).

}  // namespace lpc::fast
