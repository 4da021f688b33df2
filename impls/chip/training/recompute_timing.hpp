// lpconform — the chip model executing a recompute schedule (spec/recompute.md §6): each action of
// a schedule of the dense network of §4 becomes the GEMMs the chip runs for it, timed by the
// chip's SCALE-Sim-compatible closed form (impls/chip/timing), and the activation traffic between
// the array and the activation memory is counted; reported beside the keep-everything run. Its own
// walk over the actions; nothing shared with impls/fast or reference/.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>

#include "spec/chip/layer.hpp"

namespace lpc::chip {

struct ScheduleTiming {
  uint64_t cycles = 0;            // Σ of the actions' GEMM total_cycles (§6.1)
  uint64_t macs = 0;              // Σ of their M·N·K
  uint64_t forward_cycles = 0;    // of the F actions alone
  uint64_t recompute_cycles = 0;  // of the F actions after a layer's first
  uint64_t activation_reads = 0, activation_writes = 0;  // bytes between the array and the activation memory (§6.2)
  uint64_t sram_reads = 0, sram_writes = 0;              // elements: the timing reports' ifmap + filter reads, ofmap writes
};

// §6: the timing of `actions` (codes of §2.1) on dense layers of widths w_0..w_n and `batch` rows
// on `array` with `dataflow`. Returns an error for a code outside §2.1 or a layer >= n (the list is
// otherwise taken as valid: the schedule machine checks it).
std::optional<std::string> schedule_timing(std::span<const uint64_t> widths, uint64_t batch, std::span<const int64_t> actions, ArrayShape array,
                                           Dataflow dataflow, ScheduleTiming& out);

}  // namespace lpc::chip
