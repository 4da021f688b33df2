// lpconform — the SCALE-Sim-compatible timing model in closed form (spec/chip_timing.md).
#include "impls/chip/timing/timing.hpp"

#include <stdexcept>
#include <string>

namespace lpc::chip {

namespace {

uint64_t multiply(uint64_t a, uint64_t b, const char* what) {
  uint64_t product = 0;
  if (__builtin_mul_overflow(a, b, &product)) throw std::invalid_argument(std::string(what) + " overflows 64 bits");
  return product;
}

uint64_t add(uint64_t a, uint64_t b, const char* what) {
  uint64_t sum = 0;
  if (__builtin_add_overflow(a, b, &sum)) throw std::invalid_argument(std::string(what) + " overflows 64 bits");
  return sum;
}

uint64_t ceil_div(uint64_t a, uint64_t b) { return a / b + (a % b != 0); }

// a / b * 100 as SCALE-Sim prints it; the quotient of two exact integers, rounded once from
// long double (64-bit significand) to double.
double percent(long double numerator, long double denominator) { return static_cast<double>(numerator * 100 / denominator); }

}  // namespace

GemmShape scalesim_gemm(const Layer& layer) {
  if (!layer.conv) {
    if (layer.gemm.m == 0 || layer.gemm.n == 0 || layer.gemm.k == 0)
      throw std::invalid_argument("gemm M,N,K = " + std::to_string(layer.gemm.m) + "," + std::to_string(layer.gemm.n) + "," +
                                  std::to_string(layer.gemm.k) + ": every dimension must be >= 1");
    return layer.gemm;
  }
  const ConvShape& c = *layer.conv;
  if (!c.scalesim_row())
    throw std::invalid_argument("conv layer: the scalesim timing mode takes SCALE-Sim's topology row (no padding, dilation, groups or width "
                                "stride); conv_timing times the full convolution (spec/convolution.md §1.5)");
  if (c.ifmap_h == 0 || c.ifmap_w == 0 || c.filter_h == 0 || c.filter_w == 0 || c.channels == 0 || c.filters == 0 || c.stride == 0)
    throw std::invalid_argument("conv layer: H, W, R, S, C, M and STRIDE must all be >= 1");
  if (c.filter_h > c.ifmap_h || c.filter_w > c.ifmap_w)
    throw std::invalid_argument("conv layer: the filter (R x S = " + std::to_string(c.filter_h) + " x " + std::to_string(c.filter_w) +
                                ") exceeds the ifmap (H x W = " + std::to_string(c.ifmap_h) + " x " + std::to_string(c.ifmap_w) + ")");
  // topology_utils.py topo_calc_hyperparams: ofmap = ceil((ifmap - filter + stride) / stride).
  const uint64_t ofmap_h = ceil_div(uint64_t{c.ifmap_h} - c.filter_h + c.stride, c.stride);
  const uint64_t ofmap_w = ceil_div(uint64_t{c.ifmap_w} - c.filter_w + c.stride, c.stride);
  return {.m = multiply(ofmap_h, ofmap_w, "ofmap pixels"),
          .n = c.filters,
          .k = multiply(multiply(c.filter_h, c.filter_w, "R*S"), c.channels, "R*S*C")};
}

SpatioTemporal spatio_temporal(const GemmShape& gemm, Dataflow dataflow, uint32_t macs_per_pe) {
  if (macs_per_pe == 0) throw std::invalid_argument("MACs per PE per cycle is 0: expected 1 (int8, fp8, fp4-int4), 2 (int4) or 4 (int2)");
  // topology_utils.py calc_spatio_temporal_params: M = ofmap pixels, N = filters, K = window. A
  // packed PE takes P consecutive k per cycle, so K enters the mapping as Kp = ceil(K / P) groups
  // (§2.1 [suite]); Kp = K for P = 1.
  const uint64_t k_groups = ceil_div(gemm.k, macs_per_pe);
  switch (dataflow) {
    case Dataflow::WeightStationary: return {.spatial_rows = k_groups, .spatial_cols = gemm.n, .temporal = gemm.m};
    case Dataflow::OutputStationary: return {.spatial_rows = gemm.m, .spatial_cols = gemm.n, .temporal = k_groups};
    case Dataflow::InputStationary: return {.spatial_rows = k_groups, .spatial_cols = gemm.m, .temporal = gemm.n};
  }
  throw std::invalid_argument("unknown dataflow");
}

TimingReport scalesim_timing(const Layer& layer, ArrayShape array, Dataflow dataflow, uint32_t macs_per_pe) {
  if (array.rows == 0 || array.cols == 0)
    throw std::invalid_argument("array " + std::to_string(array.rows) + "x" + std::to_string(array.cols) + ": rows and cols must be >= 1");
  TimingReport r;
  r.gemm = scalesim_gemm(layer);
  r.macs_per_pe = macs_per_pe;
  r.mapping = spatio_temporal(r.gemm, dataflow, macs_per_pe);
  const uint64_t rows = array.rows, cols = array.cols;
  const uint64_t sr = r.mapping.spatial_rows, sc = r.mapping.spatial_cols, t = r.mapping.temporal;
  const uint64_t m = r.gemm.m, n = r.gemm.n, k = r.gemm.k;

  // 1. Folds (§3.1): Sr is cut into array-row tiles, Sc into array-column tiles; every pair of
  //    tiles is one fold and folds run back to back, column tile outer.
  r.row_folds = ceil_div(sr, rows);
  r.col_folds = ceil_div(sc, cols);
  r.folds = multiply(r.row_folds, r.col_folds, "folds");

  // 2. Cycles of one fold (§3.2) = the rows of SCALE-Sim's per-fold demand matrices, the same for
  //    all three operands and for partial tiles (null requests pad them to full width):
  //    ws/is: rows (preload the stationary tile) + (rows - 1) (skew of the streaming operand over
  //           the rows) + T (stream) + (cols - 1) (the last partial sums leave the columns);
  //    os:    (rows - 1) + (cols - 1) (skew of both streaming operands) + T (stream).
  //    A packed PE moves P elements per transfer, so P changes only Sr (ws/is) or T (os).
  const uint64_t skew = rows - 1 + cols - 1;
  const bool operand_preloaded = dataflow != Dataflow::OutputStationary;
  r.cycles_per_fold = add(add(t, skew, "cycles per fold"), operand_preloaded ? rows : 0, "cycles per fold");

  // 3. Total (§3.3): SCALE-Sim reports the cycle at which it serves the last row of the ofmap
  //    demand matrix; rows are served one per cycle from cycle 0, so the count is the rows - 1.
  r.compute_cycles = multiply(r.folds, r.cycles_per_fold, "total cycles") - 1;
  r.stall_cycles = 0;
  r.total_cycles = r.compute_cycles + r.stall_cycles;

  // 4. Utilization (§4), in MAC lanes: the array has P * rows * cols of them. Summed over folds the
  //    tiles cover the operand matrix once, so the per-fold means need no loop: ws/is map K * Sc
  //    lanes (a PE holding the last, partial group of K uses K mod P of its lanes), os maps P lanes
  //    of each of its Sr * Sc PEs; the busy lane-cycles are the MACs. SCALE-Sim's per-fold compute
  //    window is (rows + cols - 1) of its intermediate matrix: ws/is count the filter/ifmap matrix
  //    before skew, cycles_per_fold + cols - 1; os counts the ofmap matrix before skew, which is
  //    cycles_per_fold itself. For P = 1 these are SCALE-Sim's Sr * Sc and Sr * Sc * T.
  r.macs = multiply(multiply(m, n, "M*N"), k, "MACs");
  const long double lanes = static_cast<long double>(macs_per_pe) * rows * cols;
  const long double mapped = operand_preloaded ? static_cast<long double>(k) * sc : static_cast<long double>(macs_per_pe) * sr * sc;
  const uint64_t util_window = r.cycles_per_fold + (operand_preloaded ? cols - 1 : 0);
  r.mapping_efficiency = percent(mapped, static_cast<long double>(r.folds) * lanes);
  r.compute_util = percent(static_cast<long double>(r.macs), static_cast<long double>(r.folds) * lanes * util_window);
  // [suite] SCALE-Sim divides by zero when total_cycles is 0 (os, a 1x1 array, one fold, T = 1);
  // the suite counts that fold as one cycle.
  r.overall_util = percent(static_cast<long double>(r.macs), static_cast<long double>(r.total_cycles > 0 ? r.total_cycles : 1) * lanes);

  // 5. SRAM traffic (§5), in elements: the stationary operand is read once per element; the
  //    streaming operand once per element per column tile; outputs are written once per element
  //    per row tile. Padding lanes of a partial group of K are not requests.
  switch (dataflow) {
    case Dataflow::WeightStationary:
      r.filter_sram_reads = multiply(k, n, "SRAM reads");
      r.ifmap_sram_reads = multiply(multiply(r.col_folds, m, "SRAM reads"), k, "SRAM reads");
      r.ofmap_sram_writes = multiply(multiply(r.row_folds, m, "SRAM writes"), n, "SRAM writes");
      break;
    case Dataflow::InputStationary:
      r.ifmap_sram_reads = multiply(k, m, "SRAM reads");
      r.filter_sram_reads = multiply(multiply(r.col_folds, n, "SRAM reads"), k, "SRAM reads");
      r.ofmap_sram_writes = multiply(multiply(r.row_folds, n, "SRAM writes"), m, "SRAM writes");
      break;
    case Dataflow::OutputStationary:
      // Both operands stream: ifmap once per column tile, filters once per row tile. SCALE-Sim's os
      // counter adds rows + cols per fold to the ofmap writes on top of the M * N outputs
      // (systolic_compute_os.py); reproduced, as its golden DETAILED_ACCESS_REPORT shows it.
      r.ifmap_sram_reads = multiply(multiply(r.col_folds, m, "SRAM reads"), k, "SRAM reads");
      r.filter_sram_reads = multiply(multiply(r.row_folds, n, "SRAM reads"), k, "SRAM reads");
      r.ofmap_sram_writes = add(multiply(m, n, "SRAM writes"), multiply(r.folds, rows + cols, "SRAM writes"), "SRAM writes");
      break;
  }
  return r;
}

}  // namespace lpc::chip
