// Tests of the chip's values on whole layers (spec/chip.md §5): the value model against the
// hardware-semantics reference (bit-exact) and against exact math under the declared verification
// mode, across shapes and the data sets of §5.3.
//   [int]    int8 / int4 / int2 (and unsigned activations), wrap and saturate at several widths,
//            prime and tile-relative shapes, K from 1 to 2999, fold rows 1, 7, 32 and none.
//   [float]  FP8 pairs and FP4 x INT4 into float32 / float16 / bfloat16 / custom accumulators,
//            RNE and truncation, with NaN and infinity codes in the `specials` data set.
//   [pipeline] bias, requantization, float32 scaling, ReLU, clamp, table lookup.
//   [conv]   direct convolution against the chip's im2col mapping.
#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "conformance/chip/check.hpp"
#include "spec/chip/config.hpp"

namespace {

using namespace lpc;
using namespace lpc::chip;
using conformance::DataSet;

Layer gemm(uint64_t m, uint64_t n, uint64_t k) {
  Layer layer;
  layer.gemm = {m, n, k};
  return layer;
}

// A chip with the given operands and accumulator, no vector-processor stage, `rows` x 8 array.
ChipConfig make_chip(PeMode mode, const char* a, const char* b, AccumulatorSpec acc, uint32_t rows) {
  ChipConfig c;
  c.pe_mode = mode;
  c.a_format = &format_by_name(a);
  c.b_format = &format_by_name(b);
  c.accumulator = acc;
  c.array = {rows, 8};
  c.requant.input_type = IntType::I32;
  REQUIRE(!config_error(c));
  return c;
}

AccumulatorSpec integer_acc(int bits, IntOverflow overflow) {
  AccumulatorSpec a;
  a.int_bits = bits;
  a.overflow = overflow;
  return a;
}

AccumulatorSpec float_acc(int e, int m, FloatRounding r) {
  AccumulatorSpec a;
  a.is_float = true;
  a.exp_bits = e;
  a.man_bits = m;
  a.rounding = r;
  return a;
}

// Runs one check and fails with the verdict's description and repro line.
conformance::ValueVerdict expect_pass(const ChipConfig& c, const Layer& layer, DataSet d, uint64_t seed) {
  const conformance::ValueVerdict v = conformance::check_layer(c, layer, d, seed);
  INFO(c.accumulator.name() << " " << to_string(c.pe_mode) << " " << c.a_format->name << " x " << c.b_format->name << " R=" << c.fold_rows()
                            << " data=" << to_string(d) << "\n"
                            << conformance::describe(v) << v.repro);
  REQUIRE(v.pass);
  REQUIRE(v.compared == layer.gemm.m * layer.gemm.n);
  return v;
}

struct Shape {
  uint64_t m, n, k;
};
// Prime sizes, sizes around the fold (R = 7, 32), and long K.
const std::vector<Shape> kShapes{{1, 1, 1}, {3, 5, 7}, {2, 3, 31}, {5, 2, 33}, {7, 11, 13}, {4, 3, 97}, {2, 2, 1000}, {1, 3, 2999}};

}  // namespace

TEST_CASE("integer modes: bit-exact vs reference, exact vs exact math", "[int]") {
  struct Mode {
    PeMode mode;
    const char *a, *b;
  };
  const Mode modes[] = {{PeMode::Int8, "int8", "int8"}, {PeMode::Int8, "uint8", "int8"}, {PeMode::Int4, "int4", "int4"},
                        {PeMode::Int4, "uint4", "int4"}, {PeMode::Int2, "int2", "int2"}};
  const AccumulatorSpec accs[] = {integer_acc(32, IntOverflow::Wrap), integer_acc(16, IntOverflow::Wrap), integer_acc(48, IntOverflow::Wrap),
                                  integer_acc(12, IntOverflow::Saturate), integer_acc(20, IntOverflow::Saturate), integer_acc(40, IntOverflow::Saturate)};
  uint64_t seed = 1, exact_checked = 0, excluded = 0;
  for (const Mode& mode : modes)
    for (const AccumulatorSpec& acc : accs)
      for (const uint32_t rows : {1u, 7u, 32u})
        for (const Shape& s : kShapes)
          for (const DataSet d : {DataSet::Random, DataSet::Large, DataSet::Cancel, DataSet::Sparse, DataSet::Saturate}) {
            if (s.k > 100 && (rows == 1 || (d != DataSet::Random && d != DataSet::Saturate))) continue;  // long K: quick tier
            const auto v = expect_pass(make_chip(mode.mode, mode.a, mode.b, acc, rows), gemm(s.m, s.n, s.k), d, seed++);
            exact_checked += v.exact_checked;
            excluded += v.excluded;
          }
  CHECK(exact_checked > 0);
  CHECK(excluded > 0);  // saturating accumulators were driven out of range and still matched the reference
}

TEST_CASE("float modes: bit-exact vs reference, within the bound of exact math", "[float]") {
  struct Mode {
    PeMode mode;
    const char *a, *b;
    AccumulatorSpec acc;
  };
  const Mode modes[] = {
      {PeMode::Fp8, "float8_e5m2", "float8_e4m3b11fnuz", float_acc(5, 10, FloatRounding::NearestEven)},  // hfp8-training
      {PeMode::Fp4Int4, "float4_e3m0_radix4", "int4", float_acc(5, 10, FloatRounding::NearestEven)},    // fp4-training
      {PeMode::Fp8, "float8_e4m3fn", "float8_e4m3fn", float_acc(8, 23, FloatRounding::NearestEven)},
      {PeMode::Fp8, "float8_e5m2", "float8_e5m2", float_acc(8, 7, FloatRounding::TowardZero)},
      {PeMode::Fp8, "float8_e4m3b11fnuz", "float8_e4m3fn", float_acc(8, 13, FloatRounding::TowardZero)},
      {PeMode::Fp4Int4, "float4_e3m0_radix4", "int4", float_acc(4, 3, FloatRounding::NearestEven)},
      {PeMode::Fp8, "float8_e4m3fn", "float8_e5m2", float_acc(5, 10, FloatRounding::TowardZero)},
  };
  const std::vector<Shape> shapes{{1, 1, 1}, {3, 5, 7}, {2, 3, 33}, {3, 2, 97}, {1, 2, 1000}};
  uint64_t seed = 1000, exact_checked = 0, excluded = 0;
  for (const Mode& mode : modes)
    for (const uint32_t rows : {1u, 32u})
      for (const Shape& s : shapes)
        for (const DataSet d : conformance::kAllDataSets) {
          if (s.k > 100 && d != DataSet::Random && d != DataSet::Cancel) continue;
          const auto v = expect_pass(make_chip(mode.mode, mode.a, mode.b, mode.acc, rows), gemm(s.m, s.n, s.k), d, seed++);
          exact_checked += v.exact_checked;
          excluded += v.excluded;
        }
  CHECK(exact_checked > 0);
  CHECK(excluded > 0);
}

TEST_CASE("presets and the vector processor", "[pipeline]") {
  uint64_t seed = 5000;
  for (const ChipPreset& p : chip_presets())
    for (const DataSet d : conformance::kAllDataSets) expect_pass(chip_preset(p.name), gemm(5, 7, 67), d, seed++);

  ChipConfig c = chip_preset("int8-inference");
  c.requant.output_type = IntType::U8;
  c.requant.output_zp = 0;
  c.activation = Activation::Table;
  for (int i = 0; i < 256; ++i) c.table.push_back(i * i - 1000);
  REQUIRE(!config_error(c));
  expect_pass(c, gemm(6, 5, 40), DataSet::Random, seed++);
  c.activation = Activation::Clamp;
  c.clamp_min = 3, c.clamp_max = 100;
  expect_pass(c, gemm(6, 5, 40), DataSet::Large, seed++);
  c = chip_preset("int8-inference");
  c.accumulator = integer_acc(24, IntOverflow::Saturate);
  expect_pass(c, gemm(4, 4, 200), DataSet::Saturate, seed++);

  ChipConfig f = chip_preset("hfp8-training");
  f.output = OutputStage::FloatScale;
  f.scale = 0.1f;
  f.activation = Activation::Clamp;
  f.clamp_min = -2.5, f.clamp_max = 1024;
  REQUIRE(!config_error(f));
  for (const DataSet d : conformance::kAllDataSets) expect_pass(f, gemm(4, 6, 45), d, seed++);
  f.activation = Activation::Relu;
  expect_pass(f, gemm(4, 6, 45), DataSet::Specials, seed++);
}

TEST_CASE("convolution: direct reference vs the chip's im2col GEMM", "[conv]") {
  const ConvShape shapes[] = {{9, 9, 3, 3, 4, 5, 2}, {7, 8, 2, 3, 3, 6, 1}, {12, 12, 7, 7, 3, 4, 2}};
  uint64_t seed = 9000;
  for (const ConvShape& s : shapes) {
    Layer layer;
    layer.conv = s;
    layer.gemm = {uint64_t{s.ofmap_h()} * s.ofmap_w(), s.filters, uint64_t{s.filter_h} * s.filter_w * s.channels};
    for (const char* preset : {"int8-inference", "fp4-training", "hfp8-training"}) expect_pass(chip_preset(preset), layer, DataSet::Random, seed++);
    ChipConfig c = make_chip(PeMode::Int4, "int4", "int4", integer_acc(10, IntOverflow::Saturate), 7);
    expect_pass(c, layer, DataSet::Large, seed++);
  }
}

// `chip run` checks a large layer on a sample of output rows: the references get the sampled
// rows' im2col rows, gathered by the check from the NHWC ifmap, and the chip's rows are picked out
// of its whole result. The sample must agree wherever the full check does, and the sample's own
// gather must match the direct convolution (a wrong gather would make every sampled row differ).
TEST_CASE("convolution: checking a sample of output rows", "[conv]") {
  const ConvShape s{23, 19, 5, 3, 3, 6, 2};
  Layer layer;
  layer.conv = s;
  layer.gemm = {uint64_t{s.ofmap_h()} * s.ofmap_w(), s.filters, uint64_t{s.filter_h} * s.filter_w * s.channels};
  uint64_t seed = 9100;
  for (const char* preset : {"int8-inference", "fp4-training", "hfp8-training"}) {
    const ChipConfig c = chip_preset(preset);
    for (uint64_t rows : {uint64_t{2}, uint64_t{5}, uint64_t{17}}) {
      const conformance::ValueVerdict v = conformance::check_layer(c, layer, DataSet::Random, seed++, rows);
      INFO(preset << " rows=" << rows << "\n" << conformance::describe(v));
      REQUIRE(v.pass);
      REQUIRE(v.rows_checked == rows);
      REQUIRE(v.rows_total == layer.gemm.m);
      REQUIRE(v.compared == rows * layer.gemm.n);
    }
  }
  // A sample larger than the layer checks every row.
  const conformance::ValueVerdict all = conformance::check_layer(chip_preset("int8-inference"), layer, DataSet::Large, seed, 10000);
  REQUIRE(all.rows_checked == layer.gemm.m);
  REQUIRE(all.pass);
}
