// lpconform — the chip's timing of the full convolution and of the transposed convolution
// (spec/convolution.md §1.5, §2.5), built on the closed form of spec/chip_timing.md. The scalesim
// mode (timing.hpp) stays SCALE-Sim's topology row, unchanged; these are the suite's own modes.
#pragma once

#include <cstdint>

#include "impls/chip/timing/timing.hpp"
#include "spec/convolution/transposed.hpp"

namespace lpc::chip {

// A full convolution (padding, stride per axis, dilation, groups; spec/convolution.md §1.5): its
// groups run one after another, each the GEMM M = ofmap pixels, N = M/groups, K = R·S·C/groups
// timed by spec/chip_timing.md §2-§5. Folds, cycles, MACs and SRAM counts are those of one group
// times groups (total_cycles = groups·folds·cycles_per_fold − 1); the utilizations are the
// group's, overall util recomputed from the total. A SCALE-Sim row with one group gives exactly
// scalesim_timing's numbers except its ofmap rounding (layer.hpp's floor, not SCALE-Sim's ceil).
// Throws std::invalid_argument as scalesim_timing, or when layer has no conv.
TimingReport conv_timing(const Layer& layer, ArrayShape array, Dataflow dataflow, uint32_t macs_per_pe = 1);

// The timing of one transposed convolution by a dataflow (spec/convolution.md §2.5).
struct DataflowTiming {
  uint64_t passes = 0;         // array loads of a stationary weight tile set (kernel elements x groups, or groups)
  uint64_t folds = 0;          // folds over all passes
  uint64_t total_cycles = 0;   // Σ folds·cycles_per_fold − 1
  uint64_t macs = 0;           // multiply-accumulates issued, zeros of the upsampled input included
  uint64_t useful_macs = 0;    // those with both operands from the layer (the scatter's products)
  double overall_util = 0;     // 100·useful_macs / (total_cycles·P·R·C)
  double mapping_efficiency = 0;  // 100·Σ mapped lanes / (folds·P·R·C)
  uint64_t ifmap_sram_reads = 0, filter_sram_reads = 0, ofmap_sram_writes = 0;  // elements
};
struct TransposedConvTiming {
  DataflowTiming rotated;    // US20210097375A1: one ws pass per rotated kernel element and group
  DataflowTiming upsampled;  // the naive approach: a stride-1 conv over the zero-upsampled input
};

// Both dataflows of `shape` on `array`, weight stationary, P MACs per PE per cycle.
//   rotated: pass (g, k′) is the GEMM M = run_h·run_w inputs, K = C_in/groups, N = C_out/groups
//            (empty runs skipped); cycles 2R + C + M − 2 per fold (spec/chip_timing.md §3.2);
//            ofmap writes = the summation buffer's accumulations (row folds·M·N per pass).
//   upsampled: per group the GEMM M = out_h·out_w, K = KH·KW·C_in/groups, N = C_out/groups.
// Throws std::invalid_argument for a shape that breaks shape_error() or a zero array.
TransposedConvTiming conv_transpose_timing(const lpc::conv::TransposedConvShape& shape, ArrayShape array, uint32_t macs_per_pe = 1);

}  // namespace lpc::chip
