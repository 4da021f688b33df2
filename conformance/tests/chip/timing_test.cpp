// Tests of the chip model's timing half (impls/chip/timing, spec/chip_timing.md) and of the layer
// parsers (spec/chip/layer.hpp).
//   [golden]      SCALE-Sim v2's own golden reports: AlexNet conv1 on 32x32 ws (test/golden_trace,
//                 test/general/golden_trace) and the 256x128x256 GEMM on 32x32 ws/os/is
//                 (test/general/golden_trace_user_{ws,os,is}).
//   [demand]      two independent routes for small layers, for P = 1, 2, 4 MACs per PE per cycle
//                 (int8, int4, int2; spec/chip_timing.md §2.1): SCALE-Sim's per-fold demand matrices
//                 built element by element (of packed words) and served one row per cycle, and the
//                 packed array stepped MAC by MAC; the closed form must agree with both. Plus the
//                 hand-computed shapes of spec/chip_timing.md §3.4.
//   [parse]       the CLI spellings and their error messages.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <map>
#include <stdexcept>
#include <string>
#include <tuple>
#include <vector>

#include "impls/chip/timing/timing.hpp"
#include "spec/chip/config.hpp"
#include "spec/chip/layer.hpp"

namespace {

using namespace lpc::chip;

// Floats as SCALE-Sim prints them differ in the last digits between numpy versions (research
// notes §1), so they are compared relatively; integers exactly.
bool close(double got, double want) { return std::abs(got - want) <= 1e-9 * std::abs(want); }

Layer gemm_layer(uint64_t m, uint64_t n, uint64_t k) {
  Layer layer;
  layer.gemm = {.m = m, .n = n, .k = k};
  return layer;
}

}  // namespace

// ---- [golden] --------------------------------------------------------------------------------------

TEST_CASE("AlexNet conv1 on a 32x32 weight-stationary array matches SCALE-Sim v2's golden report", "[golden]") {
  // test/golden_trace/COMPUTE_REPORT.csv: 112283, 0, 91.68309650614964, 94.53125, 90.78000992063492
  // (the test/general copy prints ...063485: float noise). DETAILED_ACCESS_REPORT.csv: SRAM reads
  // ifmap 3294225, filter 34848; ofmap writes 3484800.
  const TimingReport r = scalesim_timing(parse_conv_layer("conv:224,224,11,11,3,96,4"), {32, 32}, Dataflow::WeightStationary);
  CHECK(r.total_cycles == 112283);
  CHECK(r.stall_cycles == 0);
  CHECK(r.compute_cycles == 112283);
  CHECK(close(r.overall_util, 91.68309650614964));
  CHECK(close(r.mapping_efficiency, 94.53125));
  CHECK(close(r.compute_util, 90.78000992063492));
  CHECK(close(r.compute_util, 90.78000992063485));
  CHECK(r.ifmap_sram_reads == 3294225);
  CHECK(r.filter_sram_reads == 34848);
  CHECK(r.ofmap_sram_writes == 3484800);
  // The mapping behind the numbers: 55x55 ofmap (SCALE-Sim's ceil), K = 363 -> 12 row folds,
  // N = 96 -> 3 column folds, 2*32 + 32 + 3025 - 2 = 3119 cycles per fold.
  CHECK(r.gemm.m == 3025);
  CHECK(r.gemm.n == 96);
  CHECK(r.gemm.k == 363);
  CHECK(r.row_folds == 12);
  CHECK(r.col_folds == 3);
  CHECK(r.folds == 36);
  CHECK(r.cycles_per_fold == 3119);
  CHECK(r.macs == 105415200);
}

TEST_CASE("GEMM 256x128x256 on 32x32 matches SCALE-Sim v2's ws/os/is golden reports", "[golden]") {
  // test/general/golden_trace_user_{ws,os,is} (topologies/GEMM_mnk/test_mnk_input.csv: M 256,
  // N 128, K 256; configs/scale.cfg: 32x32, InterfaceBandwidth USER). Those runs stall on DRAM;
  // their compute cycles are Total - Stall, and mapping/compute utilization and SRAM counts do not
  // depend on stalls. Overall Util divides by the stalled total.
  struct Golden {
    Dataflow dataflow;
    uint64_t total, stall;
    double overall, mapping, compute;
    uint64_t ifmap_reads, filter_reads, ofmap_writes;
  };
  const Golden goldens[] = {
      {Dataflow::WeightStationary, 52447, 41248, 15.619577859553454, 100.0, 67.19160104986877, 262144, 32768, 262144},
      {Dataflow::OutputStationary, 52447, 42272, 15.619577859553454, 100.0, 80.50314465408806, 262144, 262144, 34816},
      {Dataflow::InputStationary, 19984, 5777, 40.99279423538831, 100.0, 50.59288537549407, 65536, 262144, 262144},
  };
  for (const Golden& g : goldens) {
    INFO("dataflow " << dataflow_name(g.dataflow));
    const TimingReport r = scalesim_timing(parse_gemm_layer("256,128,256"), {32, 32}, g.dataflow);
    CHECK(r.compute_cycles == g.total - g.stall);
    CHECK(close(r.mapping_efficiency, g.mapping));
    CHECK(close(r.compute_util, g.compute));
    CHECK(close(100.0 * static_cast<double>(r.macs) / (static_cast<double>(g.total) * 1024), g.overall));
    CHECK(r.ifmap_sram_reads == g.ifmap_reads);
    CHECK(r.filter_sram_reads == g.filter_reads);
    CHECK(r.ofmap_sram_writes == g.ofmap_writes);
  }
}

// ---- [demand] --------------------------------------------------------------------------------------
// SCALE-Sim v2 (scalesim/compute/systolic_compute_{ws,os,is}.py) builds, per fold, one demand
// matrix per operand: a row per cycle, a column per array row/column, -1 for "no request". Its
// memory model serves row i at cycle i + stalls and reports the cycle of the last ofmap row. This
// model builds those matrices element by element from the operand matrices, then steps through
// the rows; nothing is shared with the closed form. For a packed PE mode (P MACs per PE per cycle,
// spec/chip_timing.md §2.1) a request is a word: the P consecutive k of one ifmap row or filter
// column that one PE takes at once; the operand matrices are built of words and every count
// (requests, mapped and busy lanes) opens the words into their elements.

namespace {

constexpr long kNull = -1;
using Matrix = std::vector<std::vector<long>>;  // [row][column]

size_t width(const Matrix& m) { return m.empty() ? 0 : m[0].size(); }

// Operand matrix of the given shape holding distinct addresses >= 0.
Matrix addresses(size_t rows, size_t cols, long base) {
  Matrix m(rows, std::vector<long>(cols));
  for (size_t r = 0; r < rows; ++r)
    for (size_t c = 0; c < cols; ++c) m[r][c] = base + static_cast<long>(r * cols + c);
  return m;
}

Matrix slice(const Matrix& m, size_t r0, size_t r1, size_t c0, size_t c1) {
  Matrix out;
  for (size_t r = r0; r < r1; ++r) out.emplace_back(m[r].begin() + static_cast<long>(c0), m[r].begin() + static_cast<long>(c1));
  return out;
}

Matrix transpose(const Matrix& m) {
  Matrix out(width(m), std::vector<long>(m.size()));
  for (size_t r = 0; r < m.size(); ++r)
    for (size_t c = 0; c < width(m); ++c) out[c][r] = m[r][c];
  return out;
}

Matrix pad_columns(Matrix m, size_t to) {
  for (auto& row : m) row.resize(to, kNull);
  return m;
}

Matrix pad_rows(Matrix m, size_t to, size_t cols) {
  m.resize(std::max(m.size(), to), std::vector<long>(cols, kNull));
  return m;
}

Matrix stack(Matrix top, const Matrix& bottom) {
  top.insert(top.end(), bottom.begin(), bottom.end());
  return top;
}

Matrix nulls(size_t rows, size_t cols) { return Matrix(rows, std::vector<long>(cols, kNull)); }

Matrix flip(Matrix m) {
  std::reverse(m.begin(), m.end());
  return m;
}

// Column c delayed by c cycles: (rows + cols - 1) x cols.
Matrix skew(const Matrix& m) {
  const size_t cols = width(m);
  Matrix out = nulls(m.size() + cols - 1, cols);
  for (size_t r = 0; r < m.size(); ++r)
    for (size_t c = 0; c < cols; ++c) out[r + c][c] = m[r][c];
  return out;
}


struct DemandRun {
  uint64_t rows_ifmap = 0, rows_filter = 0, rows_ofmap = 0;
  uint64_t last_ofmap_cycle = 0;
  double mapping_efficiency = 0, compute_util = 0;
  long ifmap_reads = 0, filter_reads = 0, ofmap_writes = 0;
};

DemandRun run_demand_matrices(uint64_t m_px, uint64_t n_filters, uint64_t k_window, size_t R, size_t C, Dataflow dataflow,
                              size_t P = 1) {
  // Operand matrices (scalesim/compute/operand_matrix.py): ifmap M x K, filter K x N, ofmap M x N,
  // with K cut into words of P consecutive k (the last word holds the rest): ifmap M x KW, filter
  // KW x N. Word addresses: ifmap m * KW + w, filter 10^6 + w * N + n, ofmap 2 * 10^6 + m * N + n.
  const size_t KW = (k_window + P - 1) / P;
  const Matrix ifmap = addresses(m_px, KW, 0), filter = addresses(KW, n_filters, 1000000), ofmap = addresses(m_px, n_filters, 2000000);
  auto elements_of_word = [&](size_t w) { return std::min(P, k_window - w * P); };
  auto elements_at = [&](long address) -> size_t {
    if (address >= 2000000) return 1;
    return elements_of_word(address >= 1000000 ? static_cast<size_t>(address - 1000000) / n_filters : static_cast<size_t>(address) % KW);
  };
  size_t Sr = 0, Sc = 0, T = 0;
  if (dataflow == Dataflow::WeightStationary) Sr = KW, Sc = n_filters, T = m_px;
  if (dataflow == Dataflow::OutputStationary) Sr = m_px, Sc = n_filters, T = KW;
  if (dataflow == Dataflow::InputStationary) Sr = KW, Sc = m_px, T = n_filters;
  const size_t row_folds = (Sr + R - 1) / R, col_folds = (Sc + C - 1) / C;

  Matrix ifmap_demand, filter_demand, ofmap_demand;
  std::vector<double> mapping, compute;
  long ofmap_counter_extra = 0;
  // One fold's efficiency numbers from the matrix SCALE-Sim measures them on, in MAC lanes (P per
  // PE): `mapped` lanes hold an operand, `busy` lane-cycles multiply.
  auto account = [&](const Matrix& measured, size_t mapped, size_t busy) {
    const double lanes = static_cast<double>(P * R * C);
    mapping.push_back(static_cast<double>(mapped) / lanes);
    compute.push_back(static_cast<double>(busy) / (lanes * static_cast<double>(measured.size() + width(measured) - 1)));
  };
  // The lanes a stationary word tile maps: the elements of its words.
  auto stationary_lanes = [&](const Matrix& tile) {
    size_t lanes = 0;
    for (const auto& row : tile)
      for (long a : row) lanes += a == kNull ? 0 : elements_at(a);
    return lanes;
  };
  for (size_t fc = 0; fc < col_folds; ++fc) {
    for (size_t fr = 0; fr < row_folds; ++fr) {
      const size_t r0 = fr * R, r1 = std::min(r0 + R, Sr), c0 = fc * C, c1 = std::min(c0 + C, Sc);
      const size_t used = (r1 - r0) * (c1 - c0);
      Matrix in, fi, out;
      if (dataflow == Dataflow::WeightStationary) {
        in = skew(stack(stack(nulls(R, R), pad_columns(slice(ifmap, 0, T, r0, r1), R)), nulls(C - 1, R)));
        fi = stack(flip(pad_rows(pad_columns(slice(filter, r0, r1, c0, c1), C), R, C)), nulls(R + C + T - 2, C));
        const size_t lanes = stationary_lanes(slice(filter, r0, r1, c0, c1));
        account(fi, lanes, lanes * T);
        out = skew(stack(nulls(2 * R - 1, C), pad_columns(slice(ofmap, 0, T, c0, c1), C)));
      } else if (dataflow == Dataflow::OutputStationary) {
        in = skew(stack(pad_columns(slice(transpose(ifmap), 0, T, r0, r1), R), nulls(C - 1, R)));
        fi = skew(stack(pad_columns(slice(filter, 0, T, c0, c1), C), nulls(R - 1, C)));
        Matrix o = flip(pad_rows(pad_columns(slice(ofmap, r0, r1, c0, c1), C), R, C));
        ofmap_counter_extra += static_cast<long>(o.size() + width(o));  // systolic_compute_os.py's counter
        o = stack(nulls(T - 1, C), o);
        account(o, used * P, used * k_window);
        out = skew(o);
      } else {
        in = stack(flip(pad_rows(pad_columns(slice(transpose(ifmap), r0, r1, c0, c1), C), R, C)), nulls(R + C + T - 2, C));
        const size_t lanes = stationary_lanes(slice(transpose(ifmap), r0, r1, c0, c1));
        account(in, lanes, lanes * T);
        fi = skew(stack(stack(nulls(R, R), pad_columns(transpose(slice(filter, r0, r1, 0, T)), R)), nulls(C - 1, R)));
        out = skew(stack(nulls(2 * R - 1, C), pad_columns(transpose(slice(ofmap, c0, c1, 0, T)), C)));
      }
      ifmap_demand = stack(std::move(ifmap_demand), in);
      filter_demand = stack(std::move(filter_demand), fi);
      ofmap_demand = stack(std::move(ofmap_demand), out);
    }
  }
  DemandRun run;
  run.rows_ifmap = ifmap_demand.size();
  run.rows_filter = filter_demand.size();
  run.rows_ofmap = ofmap_demand.size();
  // double_buffered_scratchpad_mem.py service_memory_requests: row i goes out at cycle i + stalls;
  // with an ideal memory there are none. Total Cycles = the cycle of the last ofmap row.
  uint64_t stalls = 0;
  for (uint64_t i = 0; i < run.rows_ofmap; ++i) run.last_ofmap_cycle = i + stalls;
  for (double e : mapping) run.mapping_efficiency += e;
  for (double u : compute) run.compute_util += u;
  run.mapping_efficiency = 100 * run.mapping_efficiency / static_cast<double>(mapping.size());
  run.compute_util = 100 * run.compute_util / static_cast<double>(compute.size());
  // Requests in elements: a word request reads all of its elements.
  auto requests = [&](const Matrix& demand) {
    long n = 0;
    for (const auto& row : demand)
      for (long a : row) n += a == kNull ? 0 : static_cast<long>(elements_at(a));
    return n;
  };
  run.ifmap_reads = requests(ifmap_demand);
  run.filter_reads = requests(filter_demand);
  run.ofmap_writes = requests(ofmap_demand) + ofmap_counter_extra;
  return run;
}

// A second route, independent of SCALE-Sim's matrices and of the closed form: the packed array of
// spec/chip_timing.md §2.1 stepped MAC by MAC. Each fold places the stationary words (ws: filter,
// is: ifmap) or the outputs (os) on the PE positions; every position of the R x C array, mapped or
// padding, clocks the fold's schedule; a mapped PE does the MACs (m, n, k) of one word in the cycle
// its operands meet there. Folds run back to back: the next starts the cycle after the last slot
// of the previous one. Every MAC is recorded, so the run proves that the mapping computes each
// (m, n, k) exactly once and never gives a PE more than P MACs in a cycle.
struct SteppedRun {
  uint64_t last_cycle = 0;      // 0-based cycle of the last slot of the last fold
  uint64_t macs = 0;            // MACs done, each (m, n, k) counted once
  bool each_mac_once = true;    // no (m, n, k) done twice or left out
  size_t peak_macs_per_pe = 0;  // the most MACs one PE did in one cycle
  uint64_t ifmap_reads = 0, filter_reads = 0, ofmap_writes = 0;  // elements crossing the array's edge
};

SteppedRun step_packed_array(uint64_t M, uint64_t N, uint64_t K, uint64_t R, uint64_t C, Dataflow dataflow, uint64_t P) {
  const uint64_t groups = (K + P - 1) / P;  // group g holds k in [g P, min(g P + P, K))
  auto group_size = [&](uint64_t g) { return std::min(P, K - g * P); };
  std::vector<int> done(M * N * K, 0);
  std::map<std::tuple<uint64_t, uint64_t, uint64_t>, size_t> macs_at;  // (cycle, i, j) -> MACs
  SteppedRun run;
  // One slot: PE (i, j) multiplies group g for output (m, n) at `cycle`.
  auto mac = [&](uint64_t cycle, uint64_t i, uint64_t j, uint64_t m, uint64_t n, uint64_t g) {
    for (uint64_t k = g * P; k < g * P + group_size(g); ++k) ++done[(m * N + n) * K + k];
    run.peak_macs_per_pe = std::max(run.peak_macs_per_pe, macs_at[{cycle, i, j}] += group_size(g));
  };
  // What a fold spans: ws and is tile (groups x N) and (groups x M) with the array's rows over the
  // groups; os tiles (M x N).
  const uint64_t across_rows = dataflow == Dataflow::OutputStationary ? M : groups;
  const uint64_t across_cols = dataflow == Dataflow::InputStationary ? M : N;
  uint64_t fold_start = 0;
  for (uint64_t fc = 0; fc * C < across_cols; ++fc)
    for (uint64_t fr = 0; fr * R < across_rows; ++fr) {
      uint64_t fold_end = fold_start;
      for (uint64_t i = 0; i < R; ++i)
        for (uint64_t j = 0; j < C; ++j) {
          const uint64_t row = fr * R + i, col = fc * C + j;
          const bool mapped = row < across_rows && col < across_cols;
          if (dataflow == Dataflow::OutputStationary) {
            // Output (m, n) = (row, col) stays; group g of ifmap row m enters array row i at g + i,
            // group g of filter column n enters array column j at g + j: they meet at g + i + j.
            for (uint64_t g = 0; g < groups; ++g) {
              const uint64_t cycle = fold_start + g + i + j;
              fold_end = std::max(fold_end, cycle);
              if (mapped) mac(cycle, i, j, row, col, g);
            }
            if (mapped) run.ofmap_writes += 1;
            if (mapped && j == 0) run.ifmap_reads += K;
            if (mapped && i == 0) run.filter_reads += K;
          } else {
            // The stationary word (group row) is loaded in the fill, one array row per cycle
            // (R cycles); the streaming vectors (ws: ifmap row m, is: filter column n) then enter
            // array row i at R + t + i and reach column j one cycle per column later.
            const uint64_t stream = dataflow == Dataflow::WeightStationary ? M : N;
            for (uint64_t t = 0; t < stream; ++t) {
              const uint64_t cycle = fold_start + R + t + i + j;
              fold_end = std::max(fold_end, cycle);
              if (!mapped) continue;
              if (dataflow == Dataflow::WeightStationary) mac(cycle, i, j, t, col, row);
              else mac(cycle, i, j, col, t, row);
            }
            if (!mapped) continue;
            uint64_t& stationary_reads = dataflow == Dataflow::WeightStationary ? run.filter_reads : run.ifmap_reads;
            uint64_t& streamed_reads = dataflow == Dataflow::WeightStationary ? run.ifmap_reads : run.filter_reads;
            stationary_reads += group_size(row);
            if (j == 0) streamed_reads += stream * group_size(row);
            if (i == 0) run.ofmap_writes += stream;  // one partial sum per stream vector and column
          }
        }
      if (dataflow == Dataflow::OutputStationary) run.ofmap_writes += R + C;  // systolic_compute_os.py's counter
      run.last_cycle = fold_end;
      fold_start = fold_end + 1;
    }
  for (int hits : done) {
    run.macs += static_cast<uint64_t>(hits);
    run.each_mac_once = run.each_mac_once && hits == 1;
  }
  return run;
}

}  // namespace

TEST_CASE("the closed form agrees with SCALE-Sim's demand matrices served row by row", "[demand]") {
  const ArrayShape arrays[] = {{1, 1}, {1, 4}, {4, 1}, {2, 3}, {3, 2}, {4, 4}, {3, 5}};
  const uint64_t sizes[] = {1, 2, 3, 5, 8};
  int checked = 0;
  for (uint32_t P : {1u, 2u, 4u})  // int8/fp8/fp4-int4, int4, int2 (spec/chip.md §1.2)
    for (const ArrayShape& array : arrays)
      for (Dataflow dataflow : {Dataflow::WeightStationary, Dataflow::OutputStationary, Dataflow::InputStationary})
        for (uint64_t m : sizes)
          for (uint64_t n : sizes)
            for (uint64_t k : sizes) {
              const DemandRun run = run_demand_matrices(m, n, k, array.rows, array.cols, dataflow, P);
              const TimingReport r = scalesim_timing(gemm_layer(m, n, k), array, dataflow, P);
              INFO(dataflow_name(dataflow) << " " << array.rows << "x" << array.cols << " gemm " << m << "," << n << "," << k << " P " << P);
              // SCALE-Sim asserts the three demand matrices stay in step; so does this model.
              REQUIRE(run.rows_ifmap == run.rows_ofmap);
              REQUIRE(run.rows_filter == run.rows_ofmap);
              REQUIRE(run.rows_ofmap == r.folds * r.cycles_per_fold);
              REQUIRE(r.total_cycles == run.last_ofmap_cycle);
              REQUIRE(close(r.mapping_efficiency, run.mapping_efficiency));
              REQUIRE(close(r.compute_util, run.compute_util));
              REQUIRE(r.ifmap_sram_reads == static_cast<uint64_t>(run.ifmap_reads));
              REQUIRE(r.filter_sram_reads == static_cast<uint64_t>(run.filter_reads));
              REQUIRE(r.ofmap_sram_writes == static_cast<uint64_t>(run.ofmap_writes));
              if (r.total_cycles > 0)
                REQUIRE(close(r.overall_util, 100.0 * static_cast<double>(m * n * k) /
                                                  (static_cast<double>(run.last_ofmap_cycle) * P * array.rows * array.cols)));
              ++checked;
            }
  CHECK(checked == 3 * 7 * 3 * 125);
}

TEST_CASE("the closed form agrees with the packed array stepped MAC by MAC", "[demand]") {
  const ArrayShape arrays[] = {{1, 1}, {1, 3}, {3, 1}, {2, 3}, {4, 2}};
  const uint64_t sizes[] = {1, 2, 3, 7};
  int checked = 0;
  for (uint32_t P : {1u, 2u, 4u})
    for (const ArrayShape& array : arrays)
      for (Dataflow dataflow : {Dataflow::WeightStationary, Dataflow::OutputStationary, Dataflow::InputStationary})
        for (uint64_t m : sizes)
          for (uint64_t n : sizes)
            for (uint64_t k : {uint64_t{1}, uint64_t{2}, uint64_t{3}, uint64_t{5}, uint64_t{8}, uint64_t{13}}) {
              const SteppedRun run = step_packed_array(m, n, k, array.rows, array.cols, dataflow, P);
              const TimingReport r = scalesim_timing(gemm_layer(m, n, k), array, dataflow, P);
              INFO(dataflow_name(dataflow) << " " << array.rows << "x" << array.cols << " gemm " << m << "," << n << "," << k << " P " << P);
              REQUIRE(run.each_mac_once);
              REQUIRE(run.macs == r.macs);
              REQUIRE(run.peak_macs_per_pe == std::min<uint64_t>(P, k));  // a PE never exceeds its P lanes
              REQUIRE(run.last_cycle == r.total_cycles);
              REQUIRE(run.ifmap_reads == r.ifmap_sram_reads);
              REQUIRE(run.filter_reads == r.filter_sram_reads);
              REQUIRE(run.ofmap_writes == r.ofmap_sram_writes);
              // Utilization against P * R * C MACs per cycle (§4).
              const double lane_cycles = static_cast<double>(std::max<uint64_t>(run.last_cycle, 1)) * P * array.rows * array.cols;
              REQUIRE(close(r.overall_util, 100.0 * static_cast<double>(run.macs) / lane_cycles));
              ++checked;
            }
  CHECK(checked == 3 * 5 * 3 * 4 * 4 * 6);
}

TEST_CASE("a convolution is timed as the GEMM of SCALE-Sim's ceil-rounded ofmap", "[demand]") {
  // topology_utils.py: ofmap = ceil((H - R + stride) / stride); the GEMM is (ofmap pixels, filters,
  // R*S*C). Counted here by listing the window origins 0, stride, 2*stride, ... below H - R + stride.
  struct Conv {
    const char* text;
    uint64_t ofmap_h, ofmap_w;
  };
  const Conv convs[] = {{"conv:224,224,11,11,3,96,4", 55, 55}, {"conv:224,224,7,7,3,64,2", 110, 110}, {"conv:7,6,3,2,2,3,2", 3, 3},
                        {"conv:5,5,5,5,1,1,3", 1, 1},          {"conv:9,8,3,3,4,5,1", 7, 6}};
  for (const Conv& c : convs) {
    INFO(c.text);
    const Layer layer = parse_conv_layer(c.text);
    auto origins = [&](uint64_t ifmap, uint64_t filter) {
      uint64_t n = 0;
      for (uint64_t origin = 0; origin < ifmap - filter + layer.conv->stride; origin += layer.conv->stride) ++n;
      return n;
    };
    CHECK(origins(layer.conv->ifmap_h, layer.conv->filter_h) == c.ofmap_h);
    CHECK(origins(layer.conv->ifmap_w, layer.conv->filter_w) == c.ofmap_w);
    const GemmShape g = scalesim_gemm(layer);
    CHECK(g.m == c.ofmap_h * c.ofmap_w);
    CHECK(g.n == layer.conv->filters);
    CHECK(g.k == uint64_t{layer.conv->filter_h} * layer.conv->filter_w * layer.conv->channels);
    for (Dataflow dataflow : {Dataflow::WeightStationary, Dataflow::OutputStationary, Dataflow::InputStationary}) {
      const TimingReport conv = scalesim_timing(layer, {8, 8}, dataflow);
      const TimingReport gemm = scalesim_timing(gemm_layer(g.m, g.n, g.k), {8, 8}, dataflow);
      CHECK(conv.total_cycles == gemm.total_cycles);
      CHECK(conv.ofmap_sram_writes == gemm.ofmap_sram_writes);
    }
  }
  // The layer's own im2col GEMM (spec/chip/layer.hpp) keeps the floor: 54 x 54 for AlexNet conv1.
  CHECK(parse_conv_layer("conv:224,224,11,11,3,96,4").gemm.m == 54 * 54);
}

TEST_CASE("utilization definitions on hand-computed shapes", "[demand]") {
  // 8x8 array, GEMM 10,8,20 ws: Sr = K = 20 -> 3 row folds (8, 8, 4 rows), Sc = N = 8 -> 1 column
  // fold. Mapping = (64 + 64 + 32) / (3 * 64) = 83.33..%; per fold 2*8 + 8 + 10 - 2 = 32 cycles,
  // total 3 * 32 - 1 = 95; compute util = mapping * 10 / (32 + 7); overall = 1600 / (95 * 64).
  const TimingReport r = scalesim_timing(gemm_layer(10, 8, 20), {8, 8}, Dataflow::WeightStationary);
  CHECK(r.row_folds == 3);
  CHECK(r.col_folds == 1);
  CHECK(r.cycles_per_fold == 32);
  CHECK(r.total_cycles == 95);
  CHECK(close(r.mapping_efficiency, 100.0 * 160 / 192));
  CHECK(close(r.compute_util, 100.0 * 160 / 192 * 10 / 39));
  CHECK(close(r.overall_util, 100.0 * 1600 / (95 * 64)));
  // os on a 1x1 array with one 1-cycle fold: SCALE-Sim would divide by a zero total; the suite
  // counts one cycle (spec/chip_timing.md §4).
  const TimingReport tiny = scalesim_timing(gemm_layer(1, 1, 1), {1, 1}, Dataflow::OutputStationary);
  CHECK(tiny.total_cycles == 0);
  CHECK(close(tiny.overall_util, 100.0));
}

TEST_CASE("packed PE modes on the hand-computed shapes of spec/chip_timing.md §3.4", "[demand]") {
  // 8x8 array, GEMM 10,8,20, int4 (P = 2) ws: K = 20 -> Kp = 10 groups -> 2 row folds (8 + 2
  // array rows), 1 column fold; per fold 2*8 + 8 + 10 - 2 = 32 cycles as for int8, total
  // 2 * 32 - 1 = 63 (int8: 95). Lanes: 2 * 64 = 128 per fold; mapped 20 * 8 = 160 of 256 = 62.5%;
  // compute util 1600 / (256 * 39); overall 1600 / (63 * 128). SRAM elements: filter 20 * 8,
  // ifmap 1 * 10 * 20, ofmap 2 * 10 * 8.
  const TimingReport ws = scalesim_timing(gemm_layer(10, 8, 20), {8, 8}, Dataflow::WeightStationary, 2);
  CHECK(ws.mapping.spatial_rows == 10);
  CHECK(ws.row_folds == 2);
  CHECK(ws.col_folds == 1);
  CHECK(ws.cycles_per_fold == 32);
  CHECK(ws.total_cycles == 63);
  CHECK(ws.macs == 1600);
  CHECK(close(ws.mapping_efficiency, 62.5));
  CHECK(close(ws.compute_util, 100.0 * 1600 / (256 * 39)));
  CHECK(close(ws.overall_util, 100.0 * 1600 / (63 * 128)));
  CHECK(ws.filter_sram_reads == 160);
  CHECK(ws.ifmap_sram_reads == 200);
  CHECK(ws.ofmap_sram_writes == 160);
  // The same GEMM, int2 (P = 4) os: T = Kp = 5; Sr = M = 10 -> 2 row folds; 8 + 8 + 5 - 2 = 19
  // cycles per fold, total 37. Mapped lanes 4 * 80 of 2 * 256 = 62.5%; compute util
  // 1600 / (512 * 19); SRAM: ifmap 1 * 10 * 20, filter 2 * 8 * 20, ofmap 80 + 2 * (8 + 8).
  const TimingReport os = scalesim_timing(gemm_layer(10, 8, 20), {8, 8}, Dataflow::OutputStationary, 4);
  CHECK(os.mapping.temporal == 5);
  CHECK(os.folds == 2);
  CHECK(os.cycles_per_fold == 19);
  CHECK(os.total_cycles == 37);
  CHECK(close(os.mapping_efficiency, 62.5));
  CHECK(close(os.compute_util, 100.0 * 1600 / (512 * 19)));
  CHECK(close(os.overall_util, 100.0 * 1600 / (37 * 256)));
  CHECK(os.ifmap_sram_reads == 200);
  CHECK(os.filter_sram_reads == 320);
  CHECK(os.ofmap_sram_writes == 112);
  // AlexNet conv1 on 32x32 ws: K = 363 -> Kp = 182 (int4) -> 6 row folds, 91 (int2) -> 3; with 3
  // column folds and 3119 cycles per fold: 18 * 3119 - 1 = 56141 and 9 * 3119 - 1 = 28070 cycles
  // (int8: 112283). Mapping stays 34848 / 36864 = 94.53125% and compute util 90.78...%: the lanes
  // grow by P as the folds shrink by P; overall 105415200 / (56141 * 2048) and / (28070 * 4096).
  const Layer alexnet = parse_conv_layer("conv:224,224,11,11,3,96,4");
  const TimingReport int8 = scalesim_timing(alexnet, {32, 32}, Dataflow::WeightStationary, 1);
  const TimingReport int4 = scalesim_timing(alexnet, {32, 32}, Dataflow::WeightStationary, 2);
  const TimingReport int2 = scalesim_timing(alexnet, {32, 32}, Dataflow::WeightStationary, 4);
  CHECK(int8.total_cycles == 112283);
  CHECK(int4.row_folds == 6);
  CHECK(int4.total_cycles == 56141);
  CHECK(int2.row_folds == 3);
  CHECK(int2.total_cycles == 28070);
  for (const TimingReport* r : {&int4, &int2}) {
    CHECK(close(r->mapping_efficiency, 94.53125));
    CHECK(close(r->compute_util, 90.78000992063492));
    CHECK(r->filter_sram_reads == int8.filter_sram_reads);  // elements: the same 363 * 96 weights
    CHECK(r->ifmap_sram_reads == int8.ifmap_sram_reads);
    CHECK(r->ofmap_sram_writes == r->row_folds * 3025 * 96);
  }
  CHECK(close(int4.overall_util, 100.0 * 105415200 / (56141.0 * 2048)));
  CHECK(close(int2.overall_util, 100.0 * 105415200 / (28070.0 * 4096)));
  // The packing factor comes from the PE mode (spec/chip.md §1.2).
  CHECK(macs_per_pe_per_cycle(PeMode::Int8) == 1);
  CHECK(macs_per_pe_per_cycle(PeMode::Int4) == 2);
  CHECK(macs_per_pe_per_cycle(PeMode::Int2) == 4);
  CHECK(macs_per_pe_per_cycle(PeMode::Fp8) == 1);
  CHECK(macs_per_pe_per_cycle(PeMode::Fp4Int4) == 1);
  CHECK_THROWS_WITH(scalesim_timing(alexnet, {32, 32}, Dataflow::WeightStationary, 0), Catch::Contains("MACs per PE per cycle is 0"));
}

TEST_CASE("layers too large for 64-bit counts are rejected, not wrapped", "[demand]") {
  const uint64_t big = uint64_t{1} << 40;
  CHECK_THROWS_WITH(scalesim_timing(gemm_layer(big, big, 1), {32, 32}, Dataflow::WeightStationary), Catch::Contains("overflows 64 bits"));
  CHECK_THROWS_WITH(scalesim_timing(gemm_layer(1, 1, 1), {0, 32}, Dataflow::WeightStationary), Catch::Contains("rows and cols must be >= 1"));
}

// ---- [parse] ---------------------------------------------------------------------------------------

TEST_CASE("the layer, array and dataflow spellings parse", "[parse]") {
  const Layer conv = parse_conv_layer("conv:224,224,11,11,3,96,4");
  REQUIRE(conv.conv);
  CHECK(conv.conv->ifmap_h == 224);
  CHECK(conv.conv->filter_w == 11);
  CHECK(conv.conv->channels == 3);
  CHECK(conv.conv->filters == 96);
  CHECK(conv.conv->stride == 4);
  CHECK(conv.gemm.n == 96);
  CHECK(conv.gemm.k == 363);
  const Layer gemm = parse_gemm_layer("256,128,64");
  CHECK_FALSE(gemm.conv);
  CHECK(gemm.gemm.m == 256);
  CHECK(gemm.gemm.n == 128);
  CHECK(gemm.gemm.k == 64);
  const ArrayShape array = parse_array_shape("128x8");
  CHECK(array.rows == 128);
  CHECK(array.cols == 8);
  for (Dataflow d : {Dataflow::WeightStationary, Dataflow::OutputStationary, Dataflow::InputStationary})
    CHECK(parse_dataflow(dataflow_name(d)) == d);
}

TEST_CASE("malformed spellings are rejected with the field and what was expected", "[parse]") {
  using Catch::Contains;
  CHECK_THROWS_WITH(parse_conv_layer("224,224,11,11,3,96,4"), Contains("expected conv:H,W,R,S,C,M,STRIDE"));
  CHECK_THROWS_WITH(parse_conv_layer("conv:224,224,11,11,3,96"), Contains("6 fields"));
  CHECK_THROWS_WITH(parse_conv_layer("conv:224,224,11,11,3,96,0"), Contains("STRIDE is '0', expected an integer in [1, 4294967295]"));
  CHECK_THROWS_WITH(parse_conv_layer("conv:224,224,11,11,x,96,4"), Contains("C (channels) is 'x'"));
  CHECK_THROWS_WITH(parse_conv_layer("conv:224,224,11,11,-3,96,4"), Contains("C (channels) is '-3'"));
  CHECK_THROWS_WITH(parse_conv_layer("conv:224,224,11,11,,96,4"), Contains("C (channels) is ''"));
  CHECK_THROWS_WITH(parse_conv_layer("conv:224,224,11,11,3,96,4294967296"), Contains("STRIDE is '4294967296'"));
  CHECK_THROWS_WITH(parse_conv_layer("conv:10,224,11,11,3,96,4"), Contains("filter height R = 11 exceeds ifmap height H = 10"));
  CHECK_THROWS_WITH(parse_conv_layer("conv:224,5,11,11,3,96,4"), Contains("filter width S = 11 exceeds ifmap width W = 5"));
  CHECK_THROWS_WITH(parse_gemm_layer("256,128"), Contains("expected M,N,K"));
  CHECK_THROWS_WITH(parse_gemm_layer("256,0,64"), Contains("N is '0'"));
  CHECK_THROWS_WITH(parse_gemm_layer("256,128, 64"), Contains("K is ' 64'"));
  CHECK_THROWS_WITH(parse_array_shape("32"), Contains("expected ROWSxCOLS"));
  CHECK_THROWS_WITH(parse_array_shape("32x0"), Contains("COLS is '0'"));
  CHECK_THROWS_WITH(parse_array_shape("32X32"), Contains("expected ROWSxCOLS"));
  CHECK_THROWS_WITH(parse_dataflow("WS"), Contains("expected ws, os or is"));
  CHECK_THROWS_AS(parse_dataflow(""), std::invalid_argument);
}
