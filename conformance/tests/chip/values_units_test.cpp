// Tests of the chip value model's units (impls/chip/values, spec/chip.md §1.3, §3.3), each against
// the exact reference (reference/chip), and of the chip config (spec/chip/config.hpp).
//   [shifter]         the FP4 × INT4 shifter unit, exhaustively: all 16 x 16 code pairs against
//                     exact multiplication of the decoded values.
//   [float-rounding]  the float accumulator's adder + rounder, exhaustively for small accumulators
//                     (E=4, M=3 and E=3, M=2, RNE and truncation): every accumulator bit pattern
//                     plus every value of an 8-bit format, against the rational definition.
//   [known-answers]   hand-computed float and integer accumulations.
//   [config]          presets, the key = value parser and its file:line errors.
#include <catch2/catch.hpp>

#include <bit>
#include <cmath>
#include <string>

#include "impls/chip/values/values.hpp"
#include "reference/chip/chip.hpp"
#include "reference/formats/codec.hpp"
#include "spec/chip/config.hpp"
#include "spec/table/csv.hpp"

namespace {

using namespace lpc;
using namespace lpc::chip;

// The exact value of an accumulator bit pattern, by the chip's own conversion; compared with the
// reference's value, so a wrong conversion fails too.
ref::ExactValue chip_value(const AccumulatorSpec& acc, uint64_t bits) {
  const double d = values::float_bits_to_double(acc, bits);
  return std::isnan(d) ? ref::ExactValue::nan(false) : ref::ExactValue::from_source(Source::F64, std::bit_cast<uint64_t>(d));
}

bool same_value(const ref::ExactValue& x, const ref::ExactValue& y) { return (x.is_nan() && y.is_nan()) || x == y; }

values::Product as_product(const ref::ExactValue& v) {
  values::Product p;
  p.nan = v.is_nan();
  p.inf = v.is_inf();
  p.negative = v.negative;
  p.magnitude = v.significand;
  p.exponent = v.exponent;
  return p;
}

}  // namespace

TEST_CASE("shifter unit: every FP4 x INT4 pair equals exact multiplication", "[shifter]") {
  const Format& fp4 = format_by_name("float4_e3m0_radix4");
  const Format& int4 = format_by_name("int4");
  int checked = 0;
  for (uint32_t g = 0; g < 16; ++g)
    for (uint32_t w = 0; w < 16; ++w) {
      const values::Product p = values::shifter_product(fp4, static_cast<uint8_t>(g), static_cast<uint8_t>(w));
      const ref::ExactValue want = ref::chip::exact_product(fp4, g, int4, w);
      const ref::ExactValue got = ref::ExactValue::finite(p.negative, p.magnitude, p.exponent);
      INFO("fp4 0x" << std::hex << g << " x int4 0x" << w << ": got " << got.to_string() << ", want " << want.to_string());
      REQUIRE(!p.nan);
      REQUIRE(!p.inf);
      REQUIRE(got == want);  // value and sign of zero
      ++checked;
    }
  CHECK(checked == 256);
}

TEST_CASE("float accumulator: adder and rounder, exhaustive on small accumulators", "[float-rounding]") {
  for (const auto& [e, m] : {std::pair{4, 3}, std::pair{3, 2}}) {
    for (const FloatRounding rounding : {FloatRounding::NearestEven, FloatRounding::TowardZero}) {
      AccumulatorSpec acc;
      acc.is_float = true;
      acc.exp_bits = e;
      acc.man_bits = m;
      acc.rounding = rounding;
      const uint64_t patterns = uint64_t{1} << (1 + e + m);
      uint64_t checked = 0;
      // Addends: every accumulator pattern, and every value of float8_e5m2 (a wider range: overflow,
      // values far below the accumulator's subnormals, infinities, NaN).
      for (const bool own : {true, false}) {
        const Format& f = format_by_name("float8_e5m2");
        const uint64_t addend_count = own ? patterns : f.code_count();
        for (uint64_t x = 0; x < patterns; ++x)
          for (uint64_t y = 0; y < addend_count; ++y) {
            const ref::ExactValue acc_value = chip_value(acc, x);
            const ref::ExactValue addend = own ? chip_value(acc, y) : ref::decode(f, static_cast<uint32_t>(y));
            const ref::ExactValue want = ref::chip::round_sum(acc, acc_value, addend);
            const ref::ExactValue got = chip_value(acc, values::float_accumulate(acc, x, as_product(addend)));
            if (!same_value(got, want)) {
              INFO("e" << e << "m" << m << (rounding == FloatRounding::NearestEven ? " rne" : " rtz") << ": " << acc_value.to_string() << " + "
                       << addend.to_string() << " -> got " << got.to_string() << ", want " << want.to_string());
              REQUIRE(same_value(got, want));
            }
            ++checked;
          }
      }
      CHECK(checked == patterns * patterns + patterns * 256);
    }
  }
}

TEST_CASE("float accumulator: known answers", "[known-answers]") {
  AccumulatorSpec f16;
  f16.is_float = true;
  f16.exp_bits = 5;
  f16.man_bits = 10;
  const uint64_t two_k = 0x6800;  // 2048: quantum 2
  auto add = [&](const AccumulatorSpec& a, uint64_t bits, uint64_t magnitude, bool negative = false) {
    return values::float_bits_to_double(a, values::float_accumulate(a, bits, values::Product{false, false, negative, magnitude, 0}));
  };
  CHECK(add(f16, two_k, 1) == 2048.0);  // tie, to even
  CHECK(add(f16, two_k, 3) == 2052.0);  // 2051: tie between 2050 and 2052, to even
  CHECK(add(f16, 0x7BFF, 15) == 65504.0);   // 65519 rounds down to the largest finite value
  CHECK(std::isinf(add(f16, 0x7BFF, 16)));  // 65520: a tie whose even neighbour 65536 overflows
  AccumulatorSpec f16_rtz = f16;
  f16_rtz.rounding = FloatRounding::TowardZero;
  CHECK(add(f16_rtz, two_k, 3) == 2050.0);
  CHECK(add(f16_rtz, 0x7BFF, 1 << 20) == 65504.0);  // truncation saturates at max finite
  CHECK(std::signbit(add(f16, 0x8000, 0, true)));     // -0 + -0 = -0
  CHECK(!std::signbit(add(f16, 0x3C00, 1, true)));    // 1 - 1 = +0
}

TEST_CASE("integer accumulator: known answers for wrap and saturate", "[known-answers]") {
  const Format& int8 = format_by_name("int8");
  Layer layer;
  layer.gemm = {1, 1, 4};
  const std::vector<uint8_t> a(4, 0x7F), b(4, 0x7F);  // four products 16129
  ChipTensor out;
  AccumulatorSpec acc;
  acc.int_bits = 16;
  acc.overflow = IntOverflow::Saturate;
  values::accumulate_gemm({&int8, &int8, acc, 0}, layer.gemm, a, b, out);
  CHECK(out.ints[0] == 32767);  // 16129, 32258, then saturated
  acc.overflow = IntOverflow::Wrap;
  values::accumulate_gemm({&int8, &int8, acc, 0}, layer.gemm, a, b, out);
  CHECK(out.ints[0] == 64516 - 65536);  // 4·16129 mod 2^16
  // Saturation makes the fold order matter. W = 15 (range [-16384, 16383]); products +16129,
  // +16129, -16129, -16129. One fold: 16129, 16383 (saturated), 254, -15875. R = 2: partials
  // 16383 (saturated) and -16384 (saturated), accumulator -1.
  const std::vector<uint8_t> b2{0x7F, 0x7F, 0x81, 0x81};
  acc.overflow = IntOverflow::Saturate;
  acc.int_bits = 15;
  values::accumulate_gemm({&int8, &int8, acc, 0}, layer.gemm, a, b2, out);
  CHECK(out.ints[0] == -15875);
  values::accumulate_gemm({&int8, &int8, acc, 2}, layer.gemm, a, b2, out);
  CHECK(out.ints[0] == -1);
}

TEST_CASE("packed PE modes fold P·R reduction indices: int4 on one array row", "[known-answers]") {
  // spec/chip.md §3.1: an int4 PE packs P = 2 consecutive k, so an array of R = 1 row folds K in
  // runs of 2. W = 7 (range [-64, 63]), products +49, +49, -49, -49 (int4 7 x ±7). Folds of 1
  // (int8, P = 1): 49, 63 (saturated), 14, -35. Folds of 2 (int4): partial sums 63 and -64, both
  // saturated, accumulator -1.
  ChipConfig config = parse_chip_config("pe_mode = int4\na_format = int4\nb_format = int4\narray = 1x4\naccumulator = int7\noverflow = saturate\n", "t.cfg");
  CHECK(config.fold_rows() == 2);
  Layer layer;
  layer.gemm = {1, 1, 4};
  const std::vector<uint8_t> a(4, 0x7), b{0x7, 0x7, 0x9, 0x9};  // int4 codes: 7, 7, -7, -7
  CHECK(values::run_layer(config, layer, a, b, {}).accumulators.ints[0] == -1);
  CHECK(ref::chip::hardware_layer(config, layer, a, b, {}).accumulators.ints[0] == -1);
  config.pe_mode = PeMode::Int8;  // the same operands, one product per PE
  config.a_format = config.b_format = &format_by_name("int8");
  const std::vector<uint8_t> a8(4, 0x7), b8{0x7, 0x7, 0xF9, 0xF9};
  CHECK(config.fold_rows() == 1);
  CHECK(values::run_layer(config, layer, a8, b8, {}).accumulators.ints[0] == -35);
  CHECK(ref::chip::hardware_layer(config, layer, a8, b8, {}).accumulators.ints[0] == -35);
}

TEST_CASE("chip config: presets, parser, errors", "[config]") {
  for (const ChipPreset& p : chip_presets()) {
    const ChipConfig c = chip_preset(p.name);
    CHECK(c.name == p.name);
    CHECK(!config_error(c));
  }
  const ChipConfig int8 = chip_preset("int8-inference");
  CHECK(int8.accumulator.name() == "int32");
  CHECK(int8.output == OutputStage::Requantize);
  CHECK(chip_preset("fp4-training").accumulator.name() == "float16");
  CHECK_THROWS_WITH(chip_preset("nope"), Catch::Contains("known presets: fp4-training, hfp8-training, int4-inference, int8-inference"));
  CHECK_THROWS_WITH(parse_chip_config("pe_mode = int8\nwidth = 3\n", "x.cfg"), Catch::Contains("x.cfg:2:1: unknown key 'width'"));
  CHECK_THROWS_WITH(parse_chip_config("pe_mode = int9\n", "x.cfg"), Catch::Contains("x.cfg:1:11: pe_mode: 'int9', expected int8"));
  CHECK_THROWS_WITH(parse_chip_config("pe_mode = fp8\na_format = int8\nb_format = int8\n", "x.cfg"),
                    Catch::Contains("x.cfg:3:1: invalid chip config: pe_mode fp8: a_format and b_format must be"));
  CHECK_THROWS_WITH(parse_chip_config("array = 3y3\n", "x.cfg"), Catch::Contains("x.cfg:1:9: array:"));
  const ChipConfig custom = parse_chip_config(
      "# a tensor-core-like accumulator\npe_mode = fp8\na_format = float8_e4m3fn\nb_format = float8_e4m3fn\naccumulator = e8m13\nrounding = rtz\narray = 16x8\n",
      "custom.cfg");
  CHECK(custom.accumulator.exp_bits == 8);
  CHECK(custom.accumulator.man_bits == 13);
  CHECK(custom.accumulator.rounding == FloatRounding::TowardZero);
  CHECK(custom.fold_rows() == 16);
}
