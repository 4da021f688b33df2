// lpconform — the chip model's timing half: cycles, folds, utilization and SRAM traffic of one
// layer on an R x C systolic array, in closed form (spec/chip_timing.md). The value half
// (impls/chip/values) computes what the array produces; this file only counts, from the same
// Layer / ArrayShape / Dataflow, and the MACs per PE per cycle of the config's PE mode. Pure
// functions, O(1) per layer, no simulation state.
#pragma once

#include <cstdint>

#include "spec/chip/layer.hpp"

namespace lpc::chip {

// The GEMM that SCALE-Sim v2 simulates for `layer` (spec/chip_timing.md §1). A GEMM layer is
// itself. A convolution has M = ofmap_h * ofmap_w pixels with SCALE-Sim's rounding
// ofmap = ceil((H - R + stride) / stride), which is one more than layer.hpp's (H - R) / stride + 1
// whenever stride does not divide H - R (AlexNet conv1: 55 against 54); N = filters, K = R*S*C.
// Throws std::invalid_argument when a field is 0, a filter exceeds its ifmap, the convolution is
// not SCALE-Sim's topology row (padding, dilation, groups or a width stride: conv_timing.hpp), or a
// product overflows 64 bits.
GemmShape scalesim_gemm(const Layer& layer);

// The operand matrix of a dataflow as the array sees it (spec/chip_timing.md §2): spatial_rows
// (SCALE-Sim's Sr) run down the array's rows, spatial_cols (Sc) across its columns, temporal (T) is
// the number of cycles the streaming operand flows through one fold. With P = macs_per_pe MACs per
// PE per cycle (spec/chip.md §1.2) a PE takes P consecutive reduction indices at once, so K counts
// in groups Kp = ceil(K / P) (spec/chip_timing.md §2.1 [suite]); P = 1 is SCALE-Sim's mapping.
//   ws: Sr = Kp, Sc = N, T = M     os: Sr = M, Sc = N, T = Kp     is: Sr = Kp, Sc = M, T = N
// Throws std::invalid_argument when macs_per_pe is 0.
struct SpatioTemporal {
  uint64_t spatial_rows = 0, spatial_cols = 0, temporal = 0;
};
SpatioTemporal spatio_temporal(const GemmShape& gemm, Dataflow dataflow, uint32_t macs_per_pe = 1);

// Everything SCALE-Sim v2's COMPUTE_REPORT.csv and the SRAM columns of DETAILED_ACCESS_REPORT.csv
// give for one layer, for an ideal memory (no stalls). Utilizations are percentages, as SCALE-Sim
// prints them.
struct TimingReport {
  GemmShape gemm;           // scalesim_gemm(layer)
  uint32_t macs_per_pe = 1; // P: MACs per PE per cycle of the PE mode (1 = SCALE-Sim)
  SpatioTemporal mapping;   // spatio_temporal(gemm, dataflow, macs_per_pe)
  uint64_t row_folds = 0;   // ceil(Sr / array rows)
  uint64_t col_folds = 0;   // ceil(Sc / array cols)
  uint64_t folds = 0;       // row_folds * col_folds, run one after another
  uint64_t cycles_per_fold = 0;  // fill + stream + skew + drain of one fold (§3)
  uint64_t total_cycles = 0;     // "Total Cycles": folds * cycles_per_fold - 1 + stall_cycles
  uint64_t compute_cycles = 0;   // total_cycles - stall_cycles
  uint64_t stall_cycles = 0;     // always 0: the memory is ideal [suite]
  uint64_t macs = 0;             // M * N * K, SCALE-Sim's num_compute
  double overall_util = 0;       // 100 * macs / (total_cycles * P * rows * cols)
  double mapping_efficiency = 0; // mean over folds of the mapped MAC lanes' share, percent
  double compute_util = 0;       // mean over folds of busy lane-cycles' share, percent
  uint64_t ifmap_sram_reads = 0, filter_sram_reads = 0, ofmap_sram_writes = 0;  // elements
};

// The SCALE-Sim-compatible timing of `layer` on `array` with `dataflow` (spec/chip_timing.md §3-§5):
// SCALE-Sim v2's numbers for a run without memory stalls, e.g. AlexNet conv1 on 32x32 ws gives
// total_cycles 112283. macs_per_pe = P > 1 times a packed PE mode (int4: 2, int2: 4; spec/chip.md
// §1.2, macs_per_pe_per_cycle) by the suite's extension of §2.1: the reduction dimension K is
// mapped in groups of P (AlexNet conv1, int4: 56141 cycles), utilization is measured against
// P * rows * cols MACs per cycle and SRAM traffic is counted in elements. Closed form: O(1), no
// demand matrices. Throws std::invalid_argument for a zero array dimension, macs_per_pe = 0, an
// invalid layer (see scalesim_gemm) or a count that overflows 64 bits.
TimingReport scalesim_timing(const Layer& layer, ArrayShape array, Dataflow dataflow, uint32_t macs_per_pe = 1);

}  // namespace lpc::chip
