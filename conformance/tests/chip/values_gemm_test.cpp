// Tests of the chip's values on whole layers (spec/chip.md §5): the value model against the
// hardware-semantics reference (bit-exact) and against exact math under the declared verification
// mode, across shapes and the data sets of §5.3.
//   [int]    int8 / int4 / int2 (and unsigned activations), wrap and saturate at several widths,
//            prime and tile-relative shapes, K from 1 to 2999, fold rows 1, 7, 32 and none.
//   [float]  FP8 pairs and FP4 x INT4 into float32 / float16 / bfloat16 / custom accumulators,
//            RNE and truncation, with NaN and infinity codes in the `specials` data set.
//            The same grid through the array kernel on the float32 lanes and on the bit-level
//            adder; accumulators with E = 3, 5, 8 and M = 3..23 in both roundings (the lanes'
//            round-to-odd adder up to M = 21 / 22, the bit-level path above), counting
//            overflows, subnormal results and zeros; hand-computed ties, overflow thresholds,
//            subnormal ties and cancellations.
//   [pipeline] bias, requantization, float32 scaling, ReLU, clamp, table lookup.
//   [conv]   direct convolution against the chip's im2col mapping.
#include <catch2/catch.hpp>

#include <bit>
#include <cmath>
#include <string>
#include <vector>

#include "conformance/chip/check.hpp"
#include "impls/chip/values/values.hpp"
#include "reference/chip/chip.hpp"
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

bool same_float(double x, double y) { return (std::isnan(x) && std::isnan(y)) || std::bit_cast<uint64_t>(x) == std::bit_cast<uint64_t>(y); }

// The array (accumulate_gemm) on the float32 lanes (where they cover the accumulator) and on the
// bit-level adder and rounder against the hardware-semantics reference, bit for bit (zero signs
// included, NaN as a class); returns the reference's accumulators.
std::vector<double> expect_array_matches(const ChipConfig& c, GemmShape shape, const std::vector<uint8_t>& a, const std::vector<uint8_t>& b,
                                         const std::string& what) {
  Layer layer;
  layer.gemm = shape;
  const std::vector<double> want = ref::chip::hardware_layer(c, layer, a, b, {}).accumulators.floats;
  for (const bool bit_level : {false, true}) {
    ChipTensor got;
    values::accumulate_gemm({c.a_format, c.b_format, c.accumulator, c.fold_rows(), bit_level}, shape, a, b, got);
    REQUIRE(got.floats.size() == want.size());
    for (size_t i = 0; i < want.size(); ++i) {
      INFO(what << " " << c.accumulator.name() << " " << c.a_format->name << " x " << c.b_format->name << " R=" << c.fold_rows()
                << (bit_level ? " bit-level" : values::float_lanes_cover(*c.a_format, *c.b_format, c.accumulator) ? " lanes" : " bit-level (lanes do not cover)")
                << ": C[" << i / shape.n << "][" << i % shape.n << "] got " << std::hexfloat << got.floats[i] << ", want " << want[i]);
      REQUIRE(same_float(got.floats[i], want[i]));
    }
  }
  return want;
}
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

TEST_CASE("float modes on the lanes and the bit-level adder: bit-exact vs reference", "[float]") {
  struct Mode {
    const char *a, *b;
    AccumulatorSpec acc;
  };
  const Mode modes[] = {
      {"float8_e5m2", "float8_e4m3b11fnuz", float_acc(5, 10, FloatRounding::NearestEven)},  // hfp8-training
      {"float4_e3m0_radix4", "int4", float_acc(5, 10, FloatRounding::NearestEven)},         // fp4-training
      {"float8_e4m3fn", "float8_e4m3fn", float_acc(8, 23, FloatRounding::NearestEven)},
      {"float8_e5m2", "float8_e5m2", float_acc(8, 7, FloatRounding::TowardZero)},
      {"float8_e4m3b11fnuz", "float8_e4m3fn", float_acc(8, 13, FloatRounding::TowardZero)},
      {"float4_e3m0_radix4", "int4", float_acc(4, 3, FloatRounding::NearestEven)},
      {"float8_e4m3fn", "float8_e5m2", float_acc(5, 10, FloatRounding::TowardZero)},
  };
  // The lanes' tiles: 16 columns per vector, blocks of 4 rows, tails.
  const std::vector<Shape> shapes{{1, 1, 1}, {3, 5, 7}, {2, 3, 33}, {5, 17, 40}, {9, 33, 97}, {1, 2, 1000}};
  uint64_t seed = 20000;
  int runs = 0;
  for (const Mode& mode : modes)
    for (const uint32_t rows : {1u, 32u})
      for (const Shape& s : shapes)
        for (const DataSet d : conformance::kAllDataSets) {
          if (s.k > 100 && d != DataSet::Random && d != DataSet::Cancel) continue;
          const ChipConfig c = make_chip(mode.a[5] == '4' ? PeMode::Fp4Int4 : PeMode::Fp8, mode.a, mode.b, mode.acc, rows);
          const conformance::LayerData data = conformance::make_layer_data(c, gemm(s.m, s.n, s.k), d, seed++);
          expect_array_matches(c, {s.m, s.n, s.k}, data.a, data.b, std::string(to_string(d)));
          ++runs;
        }
  CHECK(runs > 100);
  // The presets' pairs run on the lanes.
  CHECK(values::float_lanes_cover(format_by_name("float8_e5m2"), format_by_name("float8_e4m3b11fnuz"), float_acc(5, 10, FloatRounding::NearestEven)));
  CHECK(values::float_lanes_cover(format_by_name("float4_e3m0_radix4"), format_by_name("int4"), float_acc(5, 10, FloatRounding::NearestEven)));
}

TEST_CASE("narrow float accumulators: E = 3, 5, 8 and M = 3..23, RNE and truncation", "[float]") {
  uint64_t seed = 30000, overflows = 0, subnormals = 0, zeros = 0;
  for (const int e : {3, 5, 8})
    for (int m = 3; m <= 23; m += (m < 7 || m > 19) ? 1 : 3)
      for (const FloatRounding r : {FloatRounding::NearestEven, FloatRounding::TowardZero}) {
        const AccumulatorSpec acc = float_acc(e, m, r);
        const ChipConfig c = make_chip(PeMode::Fp8, "float8_e5m2", "float8_e4m3fn", acc, 8);
        const double max_finite = std::ldexp(2.0 - std::ldexp(1.0, -m), (1 << (e - 1)) - 1), min_normal = std::ldexp(1.0, 2 - (1 << (e - 1)));
        for (const DataSet d : conformance::kAllDataSets) {
          const conformance::LayerData data = conformance::make_layer_data(c, gemm(3, 18, 21), d, seed++);
          for (const double x : expect_array_matches(c, {3, 18, 21}, data.a, data.b, std::string(to_string(d)))) {
            overflows += std::fabs(x) == HUGE_VAL || std::fabs(x) == max_finite;
            subnormals += x != 0 && std::fabs(x) < min_normal;
            zeros += x == 0;
          }
        }
      }
  INFO("overflows " << overflows << ", subnormal results " << subnormals << ", zeros " << zeros);
  CHECK(overflows > 0);
  CHECK(subnormals > 0);
  CHECK(zeros > 0);
}

// One output column: k products a[k]·b[k] of float8_e4m3fn codes (exact), accumulated by the
// chip (lanes and bit-level, checked against the reference) with one fold of all of K.
double dot(AccumulatorSpec acc, const std::vector<uint8_t>& a, const std::vector<uint8_t>& b) {
  const ChipConfig c = make_chip(PeMode::Fp8, "float8_e4m3fn", "float8_e4m3fn", acc, static_cast<uint32_t>(a.size()));
  return expect_array_matches(c, {1, 1, a.size()}, a, b, "known answer")[0];
}

TEST_CASE("narrow float accumulators: ties, overflow thresholds, subnormal ties, cancellation", "[float]") {
  // float8_e4m3fn codes: 1 = 0x38, 2 = 0x40, 2^k = (k + 7) << 3 for k in -6..8, 1.875·2^7 = 0x77,
  // 1.5·2^-6 = 0x0C, -x = x | 0x80; e.g. 2^(M+1) = 2^u · 2^v.
  const auto power = [](int k) { return static_cast<uint8_t>((k + 7) << 3); };
  const uint8_t one = 0x38;
  for (const FloatRounding r : {FloatRounding::NearestEven, FloatRounding::TowardZero}) {
    const bool rne = r == FloatRounding::NearestEven;
    for (int m = 3; m <= 15; ++m) {
      // Ties in a normal binade (quantum 2 at 2^(M+1)): 2^(M+1) + 1 ties to the even 2^(M+1);
      // 2^(M+1) + 2 + 1 ties to the even 2^(M+1) + 4 (RNE), truncates to 2^(M+1) + 2.
      const AccumulatorSpec acc = float_acc(8, m, r);
      const uint8_t u = power((m + 1) / 2), v = power(m + 1 - (m + 1) / 2);
      const double top = std::ldexp(1.0, m + 1);
      CHECK(dot(acc, {u, one}, {v, one}) == top);
      CHECK(dot(acc, {u, power(1), one}, {v, one, one}) == (rne ? top + 4 : top + 2));
      // 2^(M+2) - 1 (top + top - 1) is the tie between 2^(M+2) - 2 (odd, quantum 2 below 2^(M+2))
      // and 2^(M+2): RNE goes up into the next binade, where the final + 1 is below half its
      // quantum 4; truncation gives 2^(M+2) - 2, and + 1 truncates back to it.
      CHECK(dot(acc, {u, u, one, one}, {v, v, one | 0x80, one}) == (rne ? 2 * top : 2 * top - 2));
    }
    // Overflow of E = 5, M = 3 (max 1.875·2^15 = 61440 = 240·256): max + 2048 (half its
    // quantum 2^12) is the tie at the threshold: inf with RNE, max with truncation; max + 1024
    // stays max in both; 2^15 + 2^15 overflows.
    const AccumulatorSpec e5m3 = float_acc(5, 3, r);
    CHECK(dot(e5m3, {0x77, power(8)}, {power(8), power(3)}) == (rne ? HUGE_VAL : 61440));
    CHECK(dot(e5m3, {0x77, power(8)}, {power(8), power(2)}) == 61440);
    CHECK(dot(e5m3, {power(8) | 0x80, power(8) | 0x80}, {power(7), power(7)}) == (rne ? -HUGE_VAL : -61440));
    // Subnormals of E = 5, M = 3 (emin = -14, quantum Q = 2^-17; e4m3fn subnormal codes 0x01..0x07
    // are k·2^-9, so 0x0k × 0x01 = k·Q/2): Q/2 ties to the even 0, a +0; 1.5·Q rounds to 2Q (RNE)
    // or Q; 2.5·Q ties to 2Q; -Q/2 rounds to -0, which the output accumulator's +0 turns into +0;
    // 4Q + 3.5Q = 7.5Q ties up to 8Q = 2^-14, the smallest normal (RNE), or truncates to 7Q.
    const double q = std::ldexp(1.0, -17);
    CHECK(std::bit_cast<uint64_t>(dot(e5m3, {0x01}, {0x01})) == 0);
    CHECK(dot(e5m3, {0x03}, {0x01}) == (rne ? 2 * q : q));
    CHECK(dot(e5m3, {0x05}, {0x01}) == 2 * q);
    CHECK(std::bit_cast<uint64_t>(dot(e5m3, {0x81}, {0x01})) == 0);
    CHECK(dot(e5m3, {0x08, 0x07}, {0x01, 0x01}) == (rne ? 8 * q : 7 * q));
    // Cancellation to zero: x·y + x·(-y) is exactly +0 in both roundings (IEEE 754 §6.3), also
    // after a rounded partial sum (2^8 + 2^-3 rounds to 2^8 before -2^8 cancels it).
    CHECK(std::bit_cast<uint64_t>(dot(e5m3, {power(4), power(4)}, {power(4), power(4) | 0x80})) == 0);
    CHECK(std::bit_cast<uint64_t>(dot(e5m3, {power(4), power(-3), power(4)}, {power(4), one, power(4) | 0x80})) == 0);
  }
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

// The rescale unit on every scheme the configuration declares (spec/chip.md §2, spec/quantizers.md
// §2): per tensor and per column, output types and zero points, against the reference's outputs.
TEST_CASE("vector processor: every requantization scheme", "[pipeline]") {
  struct Requant {
    RequantScheme scheme;
    IntType output;
    int32_t zp;
    std::vector<int32_t> multipliers, shifts;
    std::vector<float> scales;
  };
  const std::vector<int32_t> seven_multipliers{1 << 30, 1518500250, 3, 12345, 2147483647, 0, 1431655765};
  const Requant cases[] = {
      {RequantScheme::TosaSingleRound, IntType::I32, 0, {1 << 30}, {33}, {}},
      {RequantScheme::TosaSingleRound, IntType::U16, 32768, seven_multipliers, {36, 37, 40, 34, 45, 38, 62}, {}},
      {RequantScheme::TosaDoubleRound, IntType::I8, -3, {1518500250}, {40}, {}},
      {RequantScheme::TosaDoubleRound, IntType::I16, 0, seven_multipliers, {33, 32, 35, 40, 62, 34, 39}, {}},
      {RequantScheme::Gemmlowp, IntType::U8, 128, seven_multipliers, {31, 35, 40, 33, 45, 38, 62}, {}},
      {RequantScheme::Gemmlowp, IntType::I8, 0, {1 << 30}, {39}, {}},
      {RequantScheme::XnnpackFp32, IntType::I8, 5, {}, {}, {0.001f}},
      {RequantScheme::XnnpackFp32, IntType::U8, 100, {}, {}, {0.5f, 1e-6f, 0.0625f, 0.999f, 2.3283064e-10f, 0.3f, 0.0001f}},
      {RequantScheme::XnnpackRndnu, IntType::I16, 0, {}, {}, {0.5f, 1e-6f, 0.0625f, 0.999f, 2.3283064e-10f, 0.3f, 0.0001f}},
      {RequantScheme::XnnpackRndnu, IntType::I8, -7, {}, {}, {0.00390625f}},
  };
  uint64_t seed = 7000;
  for (const Requant& r : cases) {
    ChipConfig c = chip_preset("int8-inference");
    c.activation = Activation::None;
    c.requant.scheme = r.scheme;
    c.requant.output_type = r.output;
    c.requant.output_zp = r.zp;
    c.requant.multipliers = r.multipliers;
    c.requant.shifts = r.shifts;
    c.requant.scales = r.scales;
    INFO(to_string(r.scheme) << " to " << to_string(r.output) << ", " << c.requant.channels() << " channel(s)");
    REQUIRE(!config_error(c));
    for (const DataSet d : {DataSet::Random, DataSet::Large, DataSet::Cancel, DataSet::Saturate}) expect_pass(c, gemm(5, 7, 67), d, seed++);
  }
  // A REQUIRE of §2.2 rejects the run: |value| >= 2^(shift-1).
  ChipConfig c = chip_preset("int8-inference");
  c.requant.shifts = {10};
  const std::vector<uint8_t> a(2 * 67, 0x7F), b(67 * 3, 0x7F);
  const std::vector<int32_t> bias(3, 0);
  REQUIRE_THROWS_AS(values::run_layer(c, gemm(2, 3, 67), a, b, bias), std::invalid_argument);
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
