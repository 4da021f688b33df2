// lpconform — the chip model executing a recompute schedule (recompute_timing.hpp).
#include "impls/chip/training/recompute_timing.hpp"

#include <vector>

#include "impls/chip/timing/timing.hpp"

namespace lpc::chip {

namespace {

struct Cost {
  uint64_t cycles = 0, macs = 0, sram_reads = 0, sram_writes = 0;
};

Cost gemm_cost(uint64_t m, uint64_t n, uint64_t k, ArrayShape array, Dataflow dataflow) {
  Layer layer;
  layer.gemm = {m, n, k};
  const TimingReport r = scalesim_timing(layer, array, dataflow);
  return {r.total_cycles, r.macs, r.ifmap_sram_reads + r.filter_sram_reads, r.ofmap_sram_writes};
}

void add(ScheduleTiming& t, const Cost& c) {
  t.cycles += c.cycles;
  t.macs += c.macs;
  t.sram_reads += c.sram_reads;
  t.sram_writes += c.sram_writes;
}

}  // namespace

std::optional<std::string> schedule_timing(std::span<const uint64_t> widths, uint64_t batch, std::span<const int64_t> actions, ArrayShape array,
                                           Dataflow dataflow, ScheduleTiming& out) {
  out = {};
  if (widths.size() < 2) return "no layers";
  const uint64_t n = widths.size() - 1;
  // Each layer's three GEMMs, timed once (§6.1): forward x_i·W_i (batch x w_i by w_i x w_{i+1}),
  // the weight gradient x_iᵀ·dz (w_i x batch by batch x w_{i+1}), the data gradient dz·W_iᵀ
  // (batch x w_{i+1} by w_{i+1} x w_i).
  std::vector<Cost> forward(n), weight_gradient(n), data_gradient(n);
  for (uint64_t i = 0; i < n; ++i) {
    forward[i] = gemm_cost(batch, widths[i + 1], widths[i], array, dataflow);
    weight_gradient[i] = gemm_cost(widths[i], widths[i + 1], batch, array, dataflow);
    data_gradient[i] = gemm_cost(batch, widths[i], widths[i + 1], array, dataflow);
  }
  std::vector<bool> evaluated(n, false);
  for (size_t index = 0; index < actions.size(); ++index) {
    const int64_t code = actions[index];
    if (code == 3) continue;  // the loss gradient: the vector unit, not timed [suite]
    if (code < 0 || (code & 3) == 3 || static_cast<uint64_t>(code >> 2) >= n) return "action " + std::to_string(index) + ": not a code of this network";
    const uint64_t i = static_cast<uint64_t>(code >> 2);
    const uint64_t in_bytes = 4 * batch * widths[i], out_bytes = 4 * batch * widths[i + 1];
    if ((code & 3) == 2) {
      // B i: z again, dW_i, and g_i for i > 0; reads x_i from the activation memory.
      add(out, forward[i]);
      add(out, weight_gradient[i]);
      if (i > 0) add(out, data_gradient[i]);
      out.activation_reads += in_bytes;
      continue;
    }
    add(out, forward[i]);
    out.forward_cycles += forward[i].cycles;
    if (evaluated[i]) out.recompute_cycles += forward[i].cycles;
    evaluated[i] = true;
    out.activation_reads += in_bytes;
    if (i + 1 < n) out.activation_writes += out_bytes;
  }
  return std::nullopt;
}

}  // namespace lpc::chip
