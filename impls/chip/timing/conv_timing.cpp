#include "impls/chip/timing/conv_timing.hpp"

#include <stdexcept>
#include <string>

namespace lpc::chip {

namespace {

uint64_t ceil_div(uint64_t a, uint64_t b) { return (a + b - 1) / b; }

double percent(long double part, long double whole) { return whole > 0 ? static_cast<double>(100.0L * part / whole) : 0.0; }

Layer gemm_layer(uint64_t m, uint64_t n, uint64_t k) {
  Layer layer;
  layer.gemm = {m, n, k};
  return layer;
}

// The GEMM timing of one group repeated `groups` times back to back.
TimingReport repeated(const TimingReport& one, uint64_t groups, ArrayShape array) {
  TimingReport r = one;
  r.folds = one.folds * groups;
  r.compute_cycles = r.folds * one.cycles_per_fold - 1;
  r.total_cycles = r.compute_cycles;
  r.macs = one.macs * groups;
  r.ifmap_sram_reads = one.ifmap_sram_reads * groups;
  r.filter_sram_reads = one.filter_sram_reads * groups;
  r.ofmap_sram_writes = one.ofmap_sram_writes * groups;
  const long double lanes = static_cast<long double>(one.macs_per_pe) * array.rows * array.cols;
  r.overall_util = percent(static_cast<long double>(r.macs), static_cast<long double>(r.total_cycles > 0 ? r.total_cycles : 1) * lanes);
  return r;
}

}  // namespace

TimingReport conv_timing(const Layer& layer, ArrayShape array, Dataflow dataflow, uint32_t macs_per_pe) {
  if (!layer.conv) throw std::invalid_argument("conv_timing: the layer is not a convolution");
  const ConvShape& c = *layer.conv;
  if (const auto error = shape_error(c)) throw std::invalid_argument("conv layer: " + *error);
  const uint64_t pixels = uint64_t{c.ofmap_h()} * c.ofmap_w(), k = uint64_t{c.filter_h} * c.filter_w * c.group_channels();
  return repeated(scalesim_timing(gemm_layer(pixels, c.group_filters(), k), array, dataflow, macs_per_pe), c.groups, array);
}

TransposedConvTiming conv_transpose_timing(const lpc::conv::TransposedConvShape& s, ArrayShape array, uint32_t macs_per_pe) {
  if (const auto error = lpc::conv::shape_error(s)) throw std::invalid_argument("conv-transpose2d: " + *error);
  if (array.rows == 0 || array.cols == 0 || macs_per_pe == 0) throw std::invalid_argument("conv-transpose2d timing: a zero array dimension or P");
  const uint64_t rows = array.rows, cols = array.cols, p = macs_per_pe, gin = s.group_in(), gout = s.group_out();
  const long double lanes = static_cast<long double>(p) * rows * cols;
  TransposedConvTiming t;

  // 1. The rotated-kernel dataflow: one weight-stationary pass per (group, rotated element) whose
  //    runs are not empty; the K x N tile is C_in/groups x C_out/groups, the streamed rows the run.
  DataflowTiming& d = t.rotated;
  const uint64_t row_folds = ceil_div(ceil_div(gin, p), rows), col_folds = ceil_div(gout, cols);
  long double mapped = 0;
  uint64_t cycles = 0;
  for (uint64_t g = 0; g < s.groups; ++g)
    for (int64_t kh = 0; kh < s.kernel_h; ++kh) {
      const lpc::conv::TapRun run_h = lpc::conv::tap_run(s.in_h, s.out_h(), s.stride_h, s.dilation_h, s.pad_top, kh);
      for (int64_t kw = 0; kw < s.kernel_w; ++kw) {
        const lpc::conv::TapRun run_w = lpc::conv::tap_run(s.in_w, s.out_w(), s.stride_w, s.dilation_w, s.pad_left, kw);
        const uint64_t m = static_cast<uint64_t>(run_h.count * run_w.count);
        if (m == 0) continue;
        ++d.passes;
        d.folds += row_folds * col_folds;
        cycles += row_folds * col_folds * (2 * rows + cols + m - 2);
        d.macs += m * gin * gout;
        mapped += static_cast<long double>(gin) * gout;  // ws: K·Sc lanes over the pass's folds (spec/chip_timing.md §4)
        d.filter_sram_reads += gin * gout;
        d.ifmap_sram_reads += col_folds * m * gin;
        d.ofmap_sram_writes += row_folds * m * gout;
      }
    }
  d.useful_macs = d.macs;  // every issued product is one of the scatter's
  d.total_cycles = cycles > 0 ? cycles - 1 : 0;
  d.overall_util = percent(static_cast<long double>(d.useful_macs), static_cast<long double>(d.total_cycles > 0 ? d.total_cycles : 1) * lanes);
  d.mapping_efficiency = percent(mapped, static_cast<long double>(d.folds) * lanes);

  // 2. The naive approach: per group a stride-1 convolution of the zero-upsampled, padded input
  //    with the rotated kernel, i.e. the GEMM out_h·out_w x C_out/groups x KH·KW·C_in/groups.
  const uint64_t pixels = static_cast<uint64_t>(s.out_h()) * static_cast<uint64_t>(s.out_w());
  const TimingReport naive = repeated(scalesim_timing(gemm_layer(pixels, gout, uint64_t{s.kernel_h} * s.kernel_w * gin), array,
                                                      Dataflow::WeightStationary, macs_per_pe),
                                      s.groups, array);
  DataflowTiming& u = t.upsampled;
  u.passes = s.groups;
  u.folds = naive.folds;
  u.total_cycles = naive.total_cycles;
  u.macs = naive.macs;
  u.useful_macs = d.useful_macs;
  u.overall_util = percent(static_cast<long double>(u.useful_macs), static_cast<long double>(u.total_cycles > 0 ? u.total_cycles : 1) * lanes);
  u.mapping_efficiency = naive.mapping_efficiency;
  u.ifmap_sram_reads = naive.ifmap_sram_reads;
  u.filter_sram_reads = naive.filter_sram_reads;
  u.ofmap_sram_writes = naive.ofmap_sram_writes;
  return t;
}

}  // namespace lpc::chip
