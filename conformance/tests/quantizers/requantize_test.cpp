// Requantization (spec/quantizers.md §2): the fast implementation against the exact reference,
// exhaustively over int8 and int16 inputs for a grid of multipliers and shifts (every tie class
// counted and required), the gemmlowp header as an external oracle for DOUBLE_ROUND, RapidCheck
// properties over int32, and the float scale -> (multiplier, shift) conversion.
#include <catch2/catch.hpp>

#include <cstdint>
#include <limits>
#include <map>
#include <sstream>
#include <vector>

#include <gemmlowp/fixedpoint/fixedpoint.h>

#include "conformance/tests/support/property.hpp"
#include "impls/fast/quantizers/requantize.hpp"
#include "reference/quantizers/requantize.hpp"

namespace lpc::test {
namespace {

// The first mismatches of a test, printed with its final CHECK (Catch's UNSCOPED_INFO would be
// consumed by the passing assertions in between).
std::ostringstream g_mismatch_log;
#define LOG_MISMATCH(what) (g_mismatch_log << what << "\n")

__extension__ typedef __int128 int128;

// The reference's result for one input as a single ordered number: errors below the range map
// to INT64_MIN, above to INT64_MAX, so the function stays monotone in the input (§2.8).
int64_t reference_point(const RequantParams& p, int64_t v, int64_t factor) {
  v *= factor;
  const ref::RequantOutcome r = ref::requantize(p, v, 0);
  if (r.ok) return r.value;
  return v - p.input_zp < 0 ? std::numeric_limits<int64_t>::min() : std::numeric_limits<int64_t>::max();
}

// The reference over the inputs v·factor, v in [lo, hi], as a step function, found by bisection: a monotone function equal
// at both ends of an interval is constant on it (§2.8), so only the steps cost evaluations.
void reference_steps(const RequantParams& p, int64_t factor, int64_t lo, int64_t hi, int64_t f_lo, int64_t f_hi, std::vector<int64_t>& out, int64_t base) {
  if (f_lo == f_hi) {
    for (int64_t v = lo; v <= hi; ++v) out[v - base] = f_lo;
    return;
  }
  if (hi - lo == 1) {
    out[lo - base] = f_lo;
    out[hi - base] = f_hi;
    return;
  }
  const int64_t mid = lo + (hi - lo) / 2;
  const int64_t f_mid = reference_point(p, mid, factor);
  reference_steps(p, factor, lo, mid, f_lo, f_mid, out, base);
  reference_steps(p, factor, mid, hi, f_mid, f_hi, out, base);
}

std::vector<int64_t> reference_table(const RequantParams& p, int64_t lo, int64_t hi, int64_t factor = 1) {
  std::vector<int64_t> out(static_cast<size_t>(hi - lo + 1));
  reference_steps(p, factor, lo, hi, reference_point(p, lo, factor), reference_point(p, hi, factor), out, lo);
  return out;
}

std::string describe(const RequantParams& p) {
  std::ostringstream s;
  s << to_string(p.scheme) << (p.scale32 ? "" : " scale16") << " " << to_string(p.input_type) << "->" << to_string(p.output_type) << " zp " << p.input_zp
    << "/" << p.output_zp << " m " << (p.multipliers.empty() ? 0 : p.multipliers[0]) << " shift " << (p.shifts.empty() ? 0 : p.shifts[0]);
  if (!p.scales.empty()) s << " scale " << std::hexfloat << p.scales[0];
  return s.str();
}

// Compares the fast general path (and the int8 path where it applies) with the reference table
// for every input of p.input_type. Returns the number of mismatches (and reports the first few).
int compare_all_inputs(const RequantParams& p) {
  const int64_t lo = int_type_min(p.input_type), hi = int_type_max(p.input_type);
  const std::vector<int64_t> want = reference_table(p, lo, hi);
  std::vector<int64_t> in(want.size()), got(want.size());
  for (int64_t v = lo; v <= hi; ++v) in[v - lo] = v;
  int mismatches = 0;
  // The fast paths stop at the first error; compare up to it, then resume after it.
  for (size_t start = 0; start < in.size();) {
    const auto e = fast::requantize(p, std::span(in).subspan(start), std::span(got).subspan(start));
    const size_t end = e ? start + e->index : in.size();
    for (size_t i = start; i < end; ++i)
      if (got[i] != want[i] && ++mismatches <= 3) LOG_MISMATCH(describe(p) << " input " << in[i] << ": fast " << got[i] << ", reference " << want[i]);
    if (e && (want[end] != std::numeric_limits<int64_t>::min() && want[end] != std::numeric_limits<int64_t>::max()) && ++mismatches <= 3)
      LOG_MISMATCH(describe(p) << " input " << in[end] << ": fast error '" << e->message << "', reference " << want[end]);
    start = end + (e ? 1 : 0);
  }
  if (p.output_type == IntType::I8 && p.input_type != IntType::I48) {
    // The int8 hot path: only when the whole range is valid (no REQUIRE fails).
    bool all_valid = true;
    for (int64_t w : want) all_valid &= w != std::numeric_limits<int64_t>::min() && w != std::numeric_limits<int64_t>::max();
    if (all_valid) {
      std::vector<int32_t> in32(in.begin(), in.end());
      std::vector<int8_t> out8(in.size());
      const auto e = fast::requantize_to_int8(p, in32, out8);
      if (e && ++mismatches) LOG_MISMATCH(describe(p) << " int8 path: unexpected error " << e->message);
      for (size_t i = 0; !e && i < in.size(); ++i)
        if (out8[i] != want[i] && ++mismatches <= 3) LOG_MISMATCH(describe(p) << " int8 path, input " << in[i] << ": fast " << int(out8[i]) << ", reference " << want[i]);
    }
  }
  return mismatches;
}

const std::vector<int32_t> kMultipliers = {0, 1, 3, 12345, 1 << 14, (1 << 14) + 1, 32767, 0x40000000, 0x40000001, 0x55555555, 1518500250, 0x7fffffff};
const std::vector<int32_t> kShifts = {2, 3, 8, 15, 16, 17, 30, 31, 32, 33, 38, 40, 46, 47, 48, 55, 62};

TEST_CASE("requantize: TOSA single and double rounding, every int8 and int16 input, grid of m and shift", "[requantize][exhaustive-grid]") {
  int mismatches = 0, cases = 0;
  for (IntType input : {IntType::I8, IntType::I16})
    for (RequantScheme scheme : {RequantScheme::TosaSingleRound, RequantScheme::TosaDoubleRound})
      for (int32_t m : kMultipliers)
        for (int32_t shift : kShifts) {
          RequantParams p;
          p.scheme = scheme;
          p.input_type = input;
          p.output_type = IntType::I8;
          p.multipliers = {m};
          p.shifts = {shift};
          REQUIRE_FALSE(requant_params_error(p));
          mismatches += compare_all_inputs(p);
          ++cases;
        }
  INFO(cases << " parameter sets");
  INFO(g_mismatch_log.str());
  g_mismatch_log.str("");
  CHECK(mismatches == 0);
}

TEST_CASE("requantize: zero points, unsigned types, scale16, per channel", "[requantize][exhaustive-grid]") {
  int mismatches = 0;
  struct Types { IntType in, out; int32_t in_zp, out_zp; bool scale32; };
  const Types types[] = {{IntType::I8, IntType::I8, -128, 127, true},  {IntType::I8, IntType::U8, 5, 200, true},   {IntType::U8, IntType::I8, 128, -3, true},
                         {IntType::U8, IntType::I16, 255, 0, true},    {IntType::I16, IntType::U16, 0, 32768, true}, {IntType::U16, IntType::I16, 32768, 0, true},
                         {IntType::I16, IntType::I8, 0, 0, false},     {IntType::I16, IntType::I32, 0, 0, false}};
  for (const Types& t : types)
    for (RequantScheme scheme : {RequantScheme::TosaSingleRound, RequantScheme::TosaDoubleRound})
      for (int32_t m : {1, 3, 12345, (1 << 14) + 1, 0x40000001, 0x7fffffff})
        for (int32_t shift : {2, 8, 16, 31, 32, 33, 47}) {
          RequantParams p;
          p.scheme = scheme;
          p.scale32 = t.scale32;
          p.input_type = t.in;
          p.output_type = t.out;
          p.input_zp = t.in_zp;
          p.output_zp = t.out_zp;
          p.multipliers = {m};
          p.shifts = {shift};
          if (requant_params_error(p)) continue;  // e.g. scale16 with a 32-bit multiplier
          mismatches += compare_all_inputs(p);
        }
  INFO(g_mismatch_log.str());
  g_mismatch_log.str("");
  CHECK(mismatches == 0);

  // Per channel: channel of element i is i % channels (the last dimension).
  RequantParams p;
  p.input_type = IntType::I16;
  p.output_type = IntType::I8;
  p.multipliers = {0x40000000, 0x55555555, 12345};
  p.shifts = {31, 38, 33};
  for (RequantScheme scheme : {RequantScheme::TosaSingleRound, RequantScheme::TosaDoubleRound, RequantScheme::Gemmlowp}) {
    p.scheme = scheme;
    REQUIRE_FALSE(requant_params_error(p));
    std::vector<int64_t> in, got(3 * 65536), want;
    for (int64_t v = -32768; v < 32768; ++v)
      for (size_t c = 0; c < 3; ++c) {
        in.push_back(v);
        want.push_back(ref::requantize(p, v, c).value);
      }
    REQUIRE_FALSE(fast::requantize(p, in, got));
    CHECK(got == want);
    std::vector<int32_t> in32(in.begin(), in.end());
    std::vector<int8_t> out8(in.size());
    REQUIRE_FALSE(fast::requantize_to_int8(p, in32, out8));
    CHECK(std::equal(out8.begin(), out8.end(), want.begin()));
  }
}

TEST_CASE("requantize: every tie class is exercised by the grid", "[requantize][exhaustive-grid]") {
  // Classification only (no expected values): v·m/2^shift an exact half-integer, by sign; and for
  // DOUBLE_ROUND, a tie in the first stage (v·m/2^31) and in the second.
  std::map<std::string, long> ties;
  for (int32_t m : kMultipliers)
    for (int32_t shift : kShifts)
      for (int64_t v = -32768; v < 32768; ++v) {
        const int128 product = static_cast<int128>(v) * m;
        const int128 mask = (static_cast<int128>(1) << shift) - 1;
        if ((product & mask) == (static_cast<int128>(1) << (shift - 1))) ++ties[v < 0 ? "single, negative" : "single, positive"];
        if (shift > 31) {
          if ((product & 0x7fffffff) == 0x40000000) ++ties[v < 0 ? "double stage 1, negative" : "double stage 1, positive"];
          const int128 high = (product + 0x40000000) >> 31;  // stage 1, half up
          const int128 mask2 = (static_cast<int128>(1) << (shift - 31)) - 1;
          if (shift > 32 && (high & mask2) == (static_cast<int128>(1) << (shift - 32))) ++ties[high < 0 ? "double stage 2, negative" : "double stage 2, positive"];
        }
      }
  for (const char* name : {"single, negative", "single, positive", "double stage 1, negative", "double stage 1, positive", "double stage 2, negative",
                           "double stage 2, positive"}) {
    INFO(name);
    CHECK(ties[name] > 0);
  }
}

TEST_CASE("requantize: gemmlowp's SRDHM + RoundingDivideByPOT is the DOUBLE_ROUND reference", "[requantize][gemmlowp]") {
  // External oracle (Debian libgemmlowp-dev, /usr/include/gemmlowp/fixedpoint/fixedpoint.h).
  int mismatches = 0;
  std::vector<int32_t> multipliers = kMultipliers;
  for (int64_t m = 0x40000000; m < 0x7fff0000; m += 0x0fff0001) multipliers.push_back(static_cast<int32_t>(m));
  for (int32_t m : multipliers)
    for (int32_t exponent = 0; exponent <= 31; ++exponent) {
      RequantParams p;
      p.scheme = RequantScheme::TosaDoubleRound;
      p.input_type = IntType::I16;
      p.output_type = IntType::I32;
      p.multipliers = {m};
      p.shifts = {31 + exponent};
      const std::vector<int64_t> want = reference_table(p, -32768, 32767);
      for (int64_t v = -32768; v <= 32767; ++v) {
        const int32_t got = gemmlowp::RoundingDivideByPOT(gemmlowp::SaturatingRoundingDoublingHighMul(static_cast<int32_t>(v), m), exponent);
        if (got != want[v + 32768] && ++mismatches <= 5) LOG_MISMATCH("m " << m << " exponent " << exponent << " v " << v << ": gemmlowp " << got << ", reference " << want[v + 32768]);
      }
    }
  INFO(g_mismatch_log.str());
  g_mismatch_log.str("");
  CHECK(mismatches == 0);

  property("int32 inputs, gemmlowp == reference DOUBLE_ROUND == fast gemmlowp scheme", 3000, [] {
    const auto v = *rc::gen::arbitrary<int32_t>();
    const auto m = *rc::gen::inRange<int32_t>(0, std::numeric_limits<int32_t>::max());
    const auto exponent = *rc::gen::inRange(0, 32);
    RequantParams p;
    p.scheme = RequantScheme::Gemmlowp;
    p.input_type = IntType::I32;
    p.output_type = IntType::I32;
    p.multipliers = {m};
    p.shifts = {31 + exponent};
    const int32_t oracle = gemmlowp::RoundingDivideByPOT(gemmlowp::SaturatingRoundingDoublingHighMul(v, m), exponent);
    const ref::RequantOutcome want = ref::requantize(p, v, 0);
    RC_ASSERT(want.ok);
    RC_ASSERT(want.value == oracle);
    p.scheme = RequantScheme::TosaDoubleRound;  // same function, TOSA's one-shift formula (§2.3)
    int64_t got = 0;
    const int64_t in = v;
    RC_ASSERT(!fast::requantize(p, {&in, 1}, {&got, 1}));
    RC_ASSERT(got == oracle);
  });
}

TEST_CASE("requantize: XNNPACK fp32 and rndnu over every int16 input and int32 edges", "[requantize][exhaustive-grid]") {
  int mismatches = 0;
  for (float scale : {0.5f, 0.3f, 0x1p-8f, 1.0f / 3.0f, 0x1.fffffep-1f, 0x1p-32f, 0x1.000002p-20f, 0.0123f})
    for (RequantScheme scheme : {RequantScheme::XnnpackFp32, RequantScheme::XnnpackRndnu})
      for (int32_t zp : {0, -128, 127, 5}) {
        RequantParams p;
        p.scheme = scheme;
        p.input_type = IntType::I32;
        p.output_type = IntType::I8;
        p.output_zp = zp;
        p.scales = {scale};
        REQUIRE_FALSE(requant_params_error(p));
        // fp32 and rndnu are monotone in the input too (§2.8): the reference as a step function.
        const int64_t factor = scale < 0x1p-16f ? 65535 : 1;
        std::vector<int64_t> in, want = reference_table(p, -32768, 32767, factor);
        for (int64_t v = -32768; v < 32768; ++v) in.push_back(v * factor);
        for (int64_t v : {INT32_MIN, INT32_MIN + 1, INT32_MAX - 1, INT32_MAX}) {
          in.push_back(v);
          want.push_back(ref::requantize(p, v, 0).value);
        }
        std::vector<int64_t> got(in.size());
        std::vector<int8_t> got8(in.size());
        std::vector<int32_t> in32(in.begin(), in.end());
        REQUIRE_FALSE(fast::requantize(p, in, got));
        REQUIRE_FALSE(fast::requantize_to_int8(p, in32, got8));
        for (size_t i = 0; i < in.size(); ++i)
          if ((got[i] != want[i] || got8[i] != want[i]) && ++mismatches <= 3)
            LOG_MISMATCH(describe(p) << " input " << in[i] << ": fast " << got[i] << "/" << int(got8[i]) << ", reference " << want[i]);
      }
  INFO(g_mismatch_log.str());
  g_mismatch_log.str("");
  CHECK(mismatches == 0);
}

TEST_CASE("requantize: properties over int32", "[requantize][property]") {
  property("fast general path == reference, random parameters and inputs", 3000, [] {
    RequantParams p;
    p.scheme = *rc::gen::element(RequantScheme::TosaSingleRound, RequantScheme::TosaDoubleRound, RequantScheme::Gemmlowp, RequantScheme::XnnpackRndnu,
                                 RequantScheme::XnnpackFp32);
    p.input_type = *rc::gen::element(IntType::I8, IntType::U8, IntType::I16, IntType::U16, IntType::I32);
    p.output_type = *rc::gen::element(IntType::I8, IntType::U8, IntType::I16, IntType::U16, IntType::I32);
    if (p.input_type == IntType::I8 || p.input_type == IntType::U8) p.input_zp = *rc::gen::inRange<int32_t>(int_type_min(p.input_type), int_type_max(p.input_type) + 1);
    if (p.output_type == IntType::I8 || p.output_type == IntType::U8) p.output_zp = *rc::gen::inRange<int32_t>(int_type_min(p.output_type), int_type_max(p.output_type) + 1);
    p.multipliers = {*rc::gen::inRange<int32_t>(0, std::numeric_limits<int32_t>::max())};
    p.shifts = {p.scheme == RequantScheme::Gemmlowp ? *rc::gen::inRange(31, 63) : *rc::gen::inRange(2, 63)};
    p.scales = {std::ldexp(static_cast<float>(*rc::gen::inRange(1 << 23, 1 << 24)), -*rc::gen::inRange(24, 56))};
    RC_PRE(!requant_params_error(p));
    const int64_t v = *rc::gen::inRange<int64_t>(int_type_min(p.input_type), int_type_max(p.input_type) + 1);
    const ref::RequantOutcome want = ref::requantize(p, v, 0);
    int64_t got = 0;
    const auto e = fast::requantize(p, {&v, 1}, {&got, 1});
    RC_CLASSIFY(!want.ok, "REQUIRE fails");
    RC_ASSERT(want.ok == !e);
    if (want.ok) RC_ASSERT(got == want.value);
  });
  // DOUBLE_ROUND does not always: known_answers.csv has 27·437450373/2^33 = 1.375 -> 2, range [1, 1].
  property("SINGLE_ROUND lies within the INEXACT_ROUND range", 3000, [] {
    RequantParams p;
    p.input_type = IntType::I32;
    p.output_type = *rc::gen::element(IntType::I8, IntType::I16, IntType::I32);
    p.multipliers = {*rc::gen::inRange<int32_t>(0, std::numeric_limits<int32_t>::max())};
    p.shifts = {*rc::gen::inRange(33, 63)};
    const int64_t v = *rc::gen::arbitrary<int32_t>();
    const ref::InexactRange range = ref::rescale_inexact_range(p, v, 0);
    const ref::RequantOutcome r = ref::requantize(p, v, 0);
    RC_ASSERT(r.ok);
    RC_ASSERT(range.lo <= r.value);
    RC_ASSERT(r.value <= range.hi);
  });
}

TEST_CASE("requantize: float scale to (multiplier, shift)", "[requantize][multiplier]") {
  struct Case { double scale; bool scale16; bool ok; int32_t multiplier, shift; };
  // Hand-derived from §2.7: 1.0 = 2^30·2^-30 (TOSA's unit); 0.5 = 2^30·2^-31; 1 - 2^-40 rounds to
  // 2^31, renormalized to 2^30 with shift 30; 2^-32 is the smallest power of two (shift 62).
  const Case cases[] = {{1.0, false, true, 1 << 30, 30},           {0.5, false, true, 1 << 30, 31},        {1.0 - 0x1p-40, false, true, 1 << 30, 30},
                        {0.0, false, true, 0, 31},                 {0x1p-32, false, true, 1 << 30, 62},    {0x1p-33, false, false, 0, 0},
                        {0x1p28, false, true, 1 << 30, 2},         {0x1p29, false, false, 0, 0},           {-1.0, false, false, 0, 0},
                        {1.0, true, true, 1 << 14, 14},            {1.0 / 3, false, true, 1431655765, 32}, {1.0 / 3, true, true, 21845, 16},
                        {std::numeric_limits<double>::quiet_NaN(), false, false, 0, 0}, {std::numeric_limits<double>::infinity(), false, false, 0, 0}};
  for (const Case& c : cases) {
    INFO("scale " << c.scale << (c.scale16 ? " scale16" : ""));
    const ref::MultiplierShift r = ref::quantize_multiplier(c.scale, c.scale16);
    const fast::MultiplierShift f = fast::quantize_multiplier(c.scale, c.scale16);
    CHECK(r.ok == c.ok);
    CHECK(f.ok == c.ok);
    if (c.ok) {
      CHECK(r.multiplier == c.multiplier);
      CHECK(r.shift == c.shift);
      CHECK(f.multiplier == c.multiplier);
      CHECK(f.shift == c.shift);
    }
  }
  property("fast == reference for random positive scales", 5000, [] {
    const double scale = std::ldexp(1.0 + *rc::gen::inRange<int64_t>(0, int64_t{1} << 52) * 0x1p-52, *rc::gen::inRange(-40, 32));
    const bool scale16 = *rc::gen::arbitrary<bool>();
    const ref::MultiplierShift r = ref::quantize_multiplier(scale, scale16);
    const fast::MultiplierShift f = fast::quantize_multiplier(scale, scale16);
    RC_ASSERT(r.ok == f.ok);
    if (r.ok) {
      RC_ASSERT(r.multiplier == f.multiplier);
      RC_ASSERT(r.shift == f.shift);
    }
  });
}

}  // namespace
}  // namespace lpc::test
