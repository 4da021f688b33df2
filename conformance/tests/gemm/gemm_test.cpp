// The fast GEMM (impls/fast/gemm) against an exact oracle of the chip's declared datapath semantics
// (spec/chip.md, the declared accumulation), written here independently of the implementation: the
// operands' values come from the reference decoder, products and sums are Boost cpp_int in fixed
// point, and every addition is rounded, wrapped or saturated from the definition. Integer modes
// are bit-exact; float modes exact by value (NaN for NaN, inf with its sign; the sign of a zero is
// not part of the declared semantics). Every ISA path the CPU has, and 1 and 2 threads, must agree
// with the oracle, and with each other bit for bit.
#include <catch2/catch.hpp>

#include <boost/multiprecision/cpp_int.hpp>

#include <bit>
#include <cmath>
#include <cstring>
#include <random>
#include <sstream>
#include <stdexcept>
#include <vector>

#include "conformance/tests/support/property.hpp"
#include "conformance/tests/support/runner.hpp"
#include "impls/fast/gemm/gemm.hpp"
#include "reference/formats/codec.hpp"

namespace lpc::test {
namespace {

using boost::multiprecision::cpp_int;
using fast::Accumulator;
using fast::FloatRounding;
using fast::GemmIsa;
using fast::GemmParams;
using fast::IntegerOverflow;

std::ostringstream g_mismatch_log;
#define LOG_MISMATCH(what) (g_mismatch_log << what << "\n")

// ---- the oracle ---------------------------------------------------------------------------------

// Every finite value the float tests meet (FP8 and FP4 operands, their products, accumulators with
// E <= 8) is a multiple of 2^-kScaleBits: the smallest product is 2^-16·2^-16 (e5m2 subnormals),
// the smallest accumulator quantum 2^-149 (float32 subnormals).
constexpr int kScaleBits = 160;

struct Exact {
  enum Class { Finite, Inf, NaN } cls = Finite;
  cpp_int scaled;  // finite: value · 2^kScaleBits (signed); inf: sign only
};

Exact decode_exact(const Format& format, uint8_t code) {
  const ref::ExactValue v = ref::decode(format, code & format.code_mask());
  if (v.is_nan()) return {Exact::NaN, 0};
  if (v.is_inf()) return {Exact::Inf, v.negative ? -1 : 1};
  REQUIRE(v.exponent + kScaleBits >= 0);
  cpp_int s = cpp_int(v.significand) << (v.exponent + kScaleBits);
  return {Exact::Finite, v.negative ? cpp_int(-s) : s};
}

Exact multiply(const Exact& x, const Exact& y) {
  if (x.cls == Exact::NaN || y.cls == Exact::NaN) return {Exact::NaN, 0};
  if (x.cls == Exact::Inf || y.cls == Exact::Inf) {
    if ((x.cls == Exact::Finite && x.scaled == 0) || (y.cls == Exact::Finite && y.scaled == 0)) return {Exact::NaN, 0};  // inf·0
    return {Exact::Inf, sign(x.scaled) * sign(y.scaled)};
  }
  const cpp_int product = x.scaled * y.scaled;
  if ((abs(product) & ((cpp_int(1) << kScaleBits) - 1)) != 0) throw std::logic_error("a product below 2^-kScaleBits");
  return {Exact::Finite, product >> kScaleBits};                     // exact: no bits dropped
}

// The declared float accumulator: E exponent bits, M fraction bits, IEEE layout.
struct FloatSpec {
  int exp_bits, man_bits;
  bool truncate;
  int emin() const { return 2 - (1 << (exp_bits - 1)); }
  int emax() const { return (1 << (exp_bits - 1)) - 1; }
  cpp_int max_finite() const { return ((cpp_int(1) << (man_bits + 1)) - 1) << (emax() - man_bits + kScaleBits); }

  // The grid point nearest to x (ties to the even significand) or toward zero; beyond the largest
  // finite value, ±inf (RNE) or ±max finite (truncation).
  Exact round(const cpp_int& x) const {
    if (x == 0) return {Exact::Finite, 0};
    const cpp_int magnitude = abs(x);
    const int top = static_cast<int>(msb(magnitude)) - kScaleBits;  // floor(log2 |x|)
    const int quantum_exponent = std::max(top, emin()) - man_bits;
    if (quantum_exponent + kScaleBits < 0) throw std::logic_error("an accumulator quantum below 2^-kScaleBits");
    const cpp_int quantum = cpp_int(1) << (quantum_exponent + kScaleBits);
    cpp_int below = magnitude / quantum;  // the grid point a <= |x| in quanta; b = a + 1
    const cpp_int fraction_twice = 2 * (magnitude - below * quantum);
    if (!truncate && (fraction_twice > quantum || (fraction_twice == quantum && (below & 1) == 1))) ++below;
    cpp_int rounded = below * quantum;
    if (rounded > max_finite()) {
      if (!truncate) return {Exact::Inf, sign(x)};
      rounded = max_finite();
    }
    return {Exact::Finite, x < 0 ? cpp_int(-rounded) : rounded};
  }

  Exact add(const Exact& acc, const Exact& p) const {
    if (acc.cls == Exact::NaN || p.cls == Exact::NaN) return {Exact::NaN, 0};
    if (acc.cls == Exact::Inf && p.cls == Exact::Inf) return acc.scaled == p.scaled ? acc : Exact{Exact::NaN, 0};
    if (acc.cls == Exact::Inf) return acc;
    if (p.cls == Exact::Inf) return p;
    return round(acc.scaled + p.scaled);
  }
};

// The W-bit two's complement accumulator step.
struct IntegerSpec {
  int width;
  bool saturate;
  cpp_int add(const cpp_int& acc, const cpp_int& x) const {
    const cpp_int sum = acc + x, modulus = cpp_int(1) << width, half = modulus >> 1;
    if (saturate) return sum >= half ? cpp_int(half - 1) : sum < -half ? cpp_int(-half) : sum;
    cpp_int r = sum % modulus;  // sign of the dividend
    if (r < 0) r += modulus;
    return r >= half ? cpp_int(r - modulus) : r;
  }
};

// Folds (spec/chip.md): per output, per fold of R consecutive k, part from 0 in ascending k, then
// out += part in fold order; `add` is the declared addition.
template <class Value, class Product, class Add>
std::vector<Value> systolic_oracle(uint64_t m, uint64_t n, uint64_t k, uint32_t fold_rows, Product product, Add add, Value zero) {
  const uint64_t fold = fold_rows == 0 ? std::max<uint64_t>(k, 1) : fold_rows;
  std::vector<Value> c(m * n, zero);
  for (uint64_t i = 0; i < m; ++i)
    for (uint64_t j = 0; j < n; ++j) {
      Value out = zero;
      for (uint64_t k0 = 0; k0 < k; k0 += fold) {
        Value part = zero;
        for (uint64_t kk = k0; kk < std::min(k, k0 + fold); ++kk) part = add(part, product(i, j, kk));
        out = add(out, part);
      }
      c[i * n + j] = out;
    }
  return c;
}

// ---- cases --------------------------------------------------------------------------------------

struct GemmCase {
  const Format* a_format;
  const Format* b_format;
  Accumulator accumulator;
  uint32_t fold_rows = 0;
  uint64_t m = 1, n = 1, k = 1;
  std::vector<uint8_t> a, b;
  std::string data;  // the data set's name, for the repro line
};

std::string describe(const GemmCase& c) {
  std::ostringstream s;
  s << c.a_format->name << " x " << c.b_format->name << " acc=";
  if (c.accumulator.is_float)
    s << "E" << c.accumulator.exp_bits << "M" << c.accumulator.man_bits << (c.accumulator.rounding == FloatRounding::Rne ? ".rne" : ".trunc");
  else
    s << "int" << c.accumulator.width << (c.accumulator.overflow == IntegerOverflow::Wrap ? ".wrap" : ".sat");
  s << " R=" << c.fold_rows << " M=" << c.m << " N=" << c.n << " K=" << c.k << " data=" << c.data << " seed=" << runner_options().seed;
  return s.str();
}

std::vector<GemmIsa> isas() {
  std::vector<GemmIsa> out;
  for (GemmIsa isa : {GemmIsa::Scalar, GemmIsa::Avx2, GemmIsa::Avx512})
    if (fast::gemm_isa_available(isa)) out.push_back(isa);
  return out;
}

GemmParams params_of(const GemmCase& c, GemmIsa isa, int threads) {
  return {c.a_format, c.b_format, c.accumulator, c.fold_rows, isa, threads};
}

// Runs the case on every ISA and thread count; returns the number of mismatching runs.
int check_integer(const GemmCase& c) {
  const IntegerSpec spec{c.accumulator.width, c.accumulator.overflow == IntegerOverflow::Saturate};
  std::vector<cpp_int> va(256), vb(256);
  for (int code = 0; code < 256; ++code) {
    va[code] = cpp_int(decode_exact(*c.a_format, code).scaled >> kScaleBits);
    vb[code] = cpp_int(decode_exact(*c.b_format, code).scaled >> kScaleBits);
  }
  const auto want = systolic_oracle<cpp_int>(
      c.m, c.n, c.k, c.fold_rows, [&](uint64_t i, uint64_t j, uint64_t kk) { return cpp_int(va[c.a[i * c.k + kk]] * vb[c.b[kk * c.n + j]]); },
      [&](const cpp_int& x, const cpp_int& y) { return spec.add(x, y); }, cpp_int(0));
  int failures = 0;
  for (GemmIsa isa : isas())
    for (int threads : {1, 2}) {
      std::vector<int64_t> got(c.m * c.n);
      fast::gemm_integer(params_of(c, isa, threads), {c.m, c.n, c.k}, c.a, c.b, got);
      for (size_t e = 0; e < got.size(); ++e)
        if (cpp_int(got[e]) != want[e]) {
          LOG_MISMATCH(describe(c) << " isa=" << to_string(isa) << " threads=" << threads << ": C[" << e / c.n << "][" << e % c.n << "] got " << got[e]
                                   << ", want " << want[e]);
          ++failures;
          break;
        }
    }
  return failures;
}

bool same_value(double got, const Exact& want) {
  if (want.cls == Exact::NaN) return std::isnan(got);
  if (want.cls == Exact::Inf) return std::isinf(got) && (got < 0) == (want.scaled < 0);
  if (!std::isfinite(got)) return false;
  int exponent;
  const double fraction = std::frexp(got, &exponent);
  const cpp_int significand(static_cast<int64_t>(std::ldexp(fraction, 53)));  // exact
  const int shift = exponent - 53 + kScaleBits;
  return shift >= 0 ? (significand << shift) == want.scaled : (significand << 0) == (want.scaled << -shift);
}

std::string show(const Exact& e) {
  if (e.cls == Exact::NaN) return "nan";
  if (e.cls == Exact::Inf) return e.scaled < 0 ? "-inf" : "inf";
  std::ostringstream s;
  s << e.scaled << "*2^-" << kScaleBits;
  return s.str();
}

int check_float(const GemmCase& c) {
  const FloatSpec spec{c.accumulator.exp_bits, c.accumulator.man_bits, c.accumulator.rounding == FloatRounding::Truncate};
  REQUIRE(spec.exp_bits <= 8);  // kScaleBits covers these accumulators
  std::vector<Exact> va(256), vb(256);
  for (int code = 0; code < 256; ++code) va[code] = decode_exact(*c.a_format, code), vb[code] = decode_exact(*c.b_format, code);
  const auto want = systolic_oracle<Exact>(
      c.m, c.n, c.k, c.fold_rows, [&](uint64_t i, uint64_t j, uint64_t kk) { return multiply(va[c.a[i * c.k + kk]], vb[c.b[kk * c.n + j]]); },
      [&](const Exact& x, const Exact& y) { return spec.add(x, y); }, Exact{});
  int failures = 0;
  std::vector<double> first;
  for (GemmIsa isa : isas())
    for (int threads : {1, 2}) {
      std::vector<double> got(c.m * c.n);
      fast::gemm_float(params_of(c, isa, threads), {c.m, c.n, c.k}, c.a, c.b, got);
      for (size_t e = 0; e < got.size(); ++e) {
        // Paths agree bit for bit (zero signs included), NaN with NaN.
        const bool same_as_first = first.empty() || (std::isnan(got[e]) && std::isnan(first[e])) ||
                                   std::bit_cast<uint64_t>(got[e]) == std::bit_cast<uint64_t>(first[e]);
        if (!same_value(got[e], want[e]) || !same_as_first) {
          LOG_MISMATCH(describe(c) << " isa=" << to_string(isa) << " threads=" << threads << ": C[" << e / c.n << "][" << e % c.n << "] got " << std::hexfloat
                                   << got[e] << std::defaultfloat << ", want " << show(want[e]) << (same_as_first ? "" : " (differs from the first path)"));
          ++failures;
          break;
        }
      }
      if (first.empty()) first = got;
    }
  return failures;
}

int check(const GemmCase& c) { return c.accumulator.is_float ? check_float(c) : check_integer(c); }

// ---- data sets (in the spirit of TOSA's S0-S5) ---------------------------------------------------

// Codes of a format by value class, so data sets can ask for "large", "tiny", "special".
struct CodeClasses {
  std::vector<uint8_t> finite, large, tiny, special, zero;
};
CodeClasses classify(const Format& format) {
  CodeClasses out;
  double largest = 0;
  for (uint32_t code = 0; code < format.code_count(); ++code) {
    const ref::ExactValue v = ref::decode(format, code);
    if (v.is_finite()) largest = std::max(largest, std::fabs(v.to_double()));
  }
  for (uint32_t code = 0; code < format.code_count(); ++code) {
    const ref::ExactValue v = ref::decode(format, code);
    const auto c = static_cast<uint8_t>(code);
    if (!v.is_finite()) {
      out.special.push_back(c);
      continue;
    }
    out.finite.push_back(c);
    const double x = std::fabs(v.to_double());
    if (x == 0) out.zero.push_back(c);
    if (x >= largest / 4) out.large.push_back(c);
    if (x != 0 && x <= largest / 1024) out.tiny.push_back(c);
  }
  if (out.tiny.empty()) out.tiny = out.finite;
  return out;
}

// The code of -value (same format), for cancelling data.
uint8_t negated(const Format& format, uint8_t code) {
  const ref::ExactValue v = ref::decode(format, code);
  if (format.is_integer()) {
    const int64_t x = static_cast<int64_t>(v.to_double());
    const int64_t lo = -(int64_t{1} << (format.bits - 1));
    return static_cast<uint8_t>((x == lo ? -(lo + 1) : -x) & format.code_mask());
  }
  if (v.is_zero()) return code;
  return static_cast<uint8_t>(code ^ (1u << (format.bits - 1)));
}

enum class Data { Random, Specials, Large, Cancelling, Tiny };
const char* to_string(Data d) {
  switch (d) {
    case Data::Random: return "random";
    case Data::Specials: return "specials";
    case Data::Large: return "large";
    case Data::Cancelling: return "cancelling";
    case Data::Tiny: return "tiny";
  }
  return "?";
}

void fill(GemmCase& c, Data data, std::mt19937_64& rng) {
  const CodeClasses ca = classify(*c.a_format), cb = classify(*c.b_format);
  const auto pick = [&](const std::vector<uint8_t>& v) { return v[rng() % v.size()]; };
  const auto pick_a = [&](const CodeClasses& cc) {
    switch (data) {
      case Data::Specials: return (!cc.special.empty() && rng() % 64 == 0) ? pick(cc.special) : rng() % 8 == 0 ? pick(cc.zero) : pick(cc.finite);
      case Data::Large: return rng() % 8 == 0 ? pick(cc.finite) : pick(cc.large);
      case Data::Tiny: return rng() % 16 == 0 ? pick(cc.large) : pick(cc.tiny);
      default: return pick(cc.finite);
    }
  };
  c.data = to_string(data);
  c.a.resize(c.m * c.k);
  c.b.resize(c.k * c.n);
  for (auto& x : c.a) x = pick_a(ca);
  for (auto& x : c.b) x = pick_a(cb);
  if (data == Data::Cancelling)  // pairs of k with equal a and opposite b: the exact sum is 0
    for (uint64_t kk = 0; kk + 1 < c.k; kk += 2) {
      for (uint64_t i = 0; i < c.m; ++i) c.a[i * c.k + kk + 1] = c.a[i * c.k + kk] = pick(ca.large);
      for (uint64_t j = 0; j < c.n; ++j) c.b[(kk + 1) * c.n + j] = negated(*c.b_format, c.b[kk * c.n + j] = pick(cb.large));
    }
}

struct Shape {
  uint64_t m, n, k;
};
// Sizes relative to the tiles (6 or 3 rows, 16-column vectors, 64-column blocks, 4 or 2 k per
// dot-product step) and primes, K from 1 to thousands.
const std::vector<Shape> kShapes = {{1, 1, 1},    {1, 1, 2},    {2, 3, 5},    {5, 15, 3},   {6, 16, 4},   {7, 17, 7},  {3, 64, 33},
                                    {13, 65, 31}, {12, 63, 64}, {4, 129, 65}, {19, 31, 147}, {37, 33, 29}, {2, 7, 1031}, {1, 3, 4099}};

// ---- tests --------------------------------------------------------------------------------------

TEST_CASE("integer modes are bit-exact across shapes, folds, data sets, ISAs and threads", "[gemm][integer]") {
  std::mt19937_64 rng(runner_options().seed);
  int failures = 0, cases = 0;
  for (const char* format : {"int8", "int4", "int2"})
    for (const Accumulator acc : {Accumulator::integer(32, IntegerOverflow::Wrap), Accumulator::integer(16, IntegerOverflow::Wrap),
                                  Accumulator::integer(16, IntegerOverflow::Saturate), Accumulator::integer(32, IntegerOverflow::Saturate)})
      for (uint32_t fold : {0u, 1u, 3u, 32u})
        for (size_t s = 0; s < kShapes.size(); ++s) {
          const Data data = std::array{Data::Random, Data::Large, Data::Cancelling}[(s + fold) % 3];
          GemmCase c{&format_by_name(format), &format_by_name(format), acc, fold, kShapes[s].m, kShapes[s].n, kShapes[s].k, {}, {}, {}};
          fill(c, data, rng);
          failures += check(c);
          ++cases;
        }
  INFO(g_mismatch_log.str());
  CHECK(cases == 3 * 4 * 4 * static_cast<int>(kShapes.size()));
  CHECK(failures == 0);
}

TEST_CASE("saturation: long runs of one sign reach the bound and come back as declared", "[gemm][integer]") {
  // A = 127 everywhere; B = +127 for the first 3K/4 of k, -128 after: the W = 16 saturating sum
  // sticks at 32767 and then descends, the wrapping one goes round; K = 140000 overflows int32 too.
  std::mt19937_64 rng(runner_options().seed);
  int failures = 0;
  for (const int width : {16, 32})
    for (const IntegerOverflow overflow : {IntegerOverflow::Saturate, IntegerOverflow::Wrap})
      for (uint32_t fold : {0u, 1u, 3u, 32u})
        for (const Shape shape : {Shape{3, 17, 40}, Shape{7, 5, 300}, Shape{1, 3, 140000}}) {
          if (width == 16 && shape.k > 1000) continue;
          GemmCase c{&format_by_name("int8"), &format_by_name("int8"), Accumulator::integer(width, overflow), fold, shape.m, shape.n, shape.k, {}, {}, "runs"};
          c.a.assign(c.m * c.k, 0x7F);
          c.b.resize(c.k * c.n);
          for (uint64_t kk = 0; kk < c.k; ++kk)
            for (uint64_t j = 0; j < c.n; ++j) c.b[kk * c.n + j] = kk < c.k * 3 / 4 ? 0x7F : rng() % 4 ? 0x80 : 0x7F;
          failures += check(c);
        }
  INFO(g_mismatch_log.str());
  CHECK(failures == 0);
}

TEST_CASE("known answers: saturation and folding", "[gemm][known-answers]") {
  const Format& int8 = format_by_name("int8");
  // Products 16129, 16129, 16129, -16129 in a W = 16 accumulator.
  const std::vector<uint8_t> a = {127, 127, 127, 127}, b = {127, 127, 127, 0x81};
  std::vector<int64_t> c(1);
  fast::gemm_integer({&int8, &int8, Accumulator::integer(16, IntegerOverflow::Saturate)}, {1, 1, 4}, a, b, c);
  CHECK(c[0] == 32767 - 16129);
  fast::gemm_integer({&int8, &int8, Accumulator::integer(16, IntegerOverflow::Wrap)}, {1, 1, 4}, a, b, c);
  CHECK(c[0] == 32258);
  // float16 accumulator, products 1, 2048, 1, 1 (e5m2 codes 0x3C = 1, 0x68 = 2048): without folds
  // every +1 on 2048 is a tie that stays at 2048; with R = 2 the folds are 2048 and 2, giving 2050.
  const Format& e5m2 = format_by_name("float8_e5m2");
  const std::vector<uint8_t> fa = {0x3C, 0x68, 0x3C, 0x3C}, fb = {0x3C, 0x3C, 0x3C, 0x3C};
  std::vector<double> f(1);
  fast::gemm_float({&e5m2, &e5m2, Accumulator::float16()}, {1, 1, 4}, fa, fb, f);
  CHECK(f[0] == 2048);
  fast::gemm_float({&e5m2, &e5m2, Accumulator::float16(), 2}, {1, 1, 4}, fa, fb, f);
  CHECK(f[0] == 2050);
  // Overflow: 57344² > 65504 gives inf with RNE, the largest float16 with truncation.
  const std::vector<uint8_t> big = {0x7B};
  fast::gemm_float({&e5m2, &e5m2, Accumulator::float16()}, {1, 1, 1}, big, big, f);
  CHECK(f[0] == HUGE_VAL);
  fast::gemm_float({&e5m2, &e5m2, Accumulator::float16(FloatRounding::Truncate)}, {1, 1, 1}, big, big, f);
  CHECK(f[0] == 65504);
  // inf · 0 and inf - inf are NaN (e5m2 0x7C = inf, 0xFC = -inf).
  const std::vector<uint8_t> inf_zero = {0x7C, 0x3C}, zero_one = {0x00, 0x3C}, infs = {0x7C, 0xFC};
  fast::gemm_float({&e5m2, &e5m2, Accumulator::float32()}, {1, 1, 2}, inf_zero, zero_one, f);
  CHECK(std::isnan(f[0]));
  fast::gemm_float({&e5m2, &e5m2, Accumulator::float32()}, {1, 1, 2}, infs, std::span(fb).first(2), f);
  CHECK(std::isnan(f[0]));
}

TEST_CASE("float modes are exact across format pairs, accumulators, folds, data sets, ISAs and threads", "[gemm][float]") {
  std::mt19937_64 rng(runner_options().seed);
  const std::vector<std::pair<const char*, const char*>> pairs = {{"float8_e4m3fn", "float8_e4m3fn"},
                                                                   {"float8_e5m2", "float8_e5m2"},
                                                                   {"float8_e4m3b11fnuz", "float8_e4m3fn"},
                                                                   {"float8_e5m2", "float8_e4m3b11fnuz"},
                                                                   {"float4_e3m0_radix4", "int4"}};
  const std::vector<Accumulator> accumulators = {Accumulator::float32(), Accumulator::float32(FloatRounding::Truncate), Accumulator::float16(),
                                                 Accumulator::float16(FloatRounding::Truncate), Accumulator::bfloat16(),
                                                 Accumulator::floating(4, 3, FloatRounding::Rne),
                                                 // the round-to-odd kernel's edges (M = 21 RNE, M = 22 truncation) and a tiny E
                                                 Accumulator::floating(8, 21, FloatRounding::Rne), Accumulator::floating(8, 22, FloatRounding::Truncate),
                                                 Accumulator::floating(3, 3, FloatRounding::Truncate)};
  // Float oracles cost more: the thousands-long K only with few outputs.
  const std::vector<Shape> shapes = {{1, 1, 1}, {2, 3, 5}, {7, 17, 7}, {4, 16, 33}, {5, 33, 65}, {3, 65, 64}, {1, 2, 1031}, {1, 1, 3001}};
  int failures = 0, cases = 0;
  for (const auto& [fa, fb] : pairs)
    for (size_t ai = 0; ai < accumulators.size(); ++ai)
      for (uint32_t fold : {0u, 1u, 3u, 32u})
        for (size_t s = 0; s < shapes.size(); ++s) {
          const Data data = std::array{Data::Random, Data::Specials, Data::Large, Data::Cancelling, Data::Tiny}[(s + fold + ai) % 5];
          GemmCase c{&format_by_name(fa), &format_by_name(fb), accumulators[ai], fold, shapes[s].m, shapes[s].n, shapes[s].k, {}, {}, {}};
          fill(c, data, rng);
          failures += check(c);
          ++cases;
        }
  INFO(g_mismatch_log.str());
  CHECK(cases == static_cast<int>(pairs.size() * accumulators.size() * 4 * shapes.size()));
  CHECK(failures == 0);
}

TEST_CASE("properties: any shape, integer and FP8 mode, fold and data set", "[gemm][property]") {
  property("integer", 150, [] {
    const char* format = *rc::gen::element("int8", "int4", "int2");
    GemmCase c{&format_by_name(format), &format_by_name(format),
               Accumulator::integer(*rc::gen::element(8, 16, 24, 32, 48), *rc::gen::element(IntegerOverflow::Wrap, IntegerOverflow::Saturate)),
               *rc::gen::element(0u, 1u, 2u, 5u, 32u), *rc::gen::inRange<uint64_t>(1, 20), *rc::gen::inRange<uint64_t>(1, 70),
               *rc::gen::inRange<uint64_t>(1, 200), {}, {}, {}};
    std::mt19937_64 rng(*rc::gen::arbitrary<uint64_t>());
    fill(c, *rc::gen::element(Data::Random, Data::Large, Data::Cancelling), rng);
    RC_CLASSIFY(c.accumulator.overflow == IntegerOverflow::Saturate, "saturate");
    RC_ASSERT(check(c) == 0);
  });
  property("fp8", 100, [] {
    GemmCase c{&format_by_name(*rc::gen::element("float8_e4m3fn", "float8_e5m2", "float8_e4m3b11fnuz")),
               &format_by_name(*rc::gen::element("float8_e4m3fn", "float8_e5m2", "float8_e4m3b11fnuz")),
               Accumulator::floating(*rc::gen::element(5, 8), *rc::gen::inRange(2, 24), *rc::gen::element(FloatRounding::Rne, FloatRounding::Truncate)),
               *rc::gen::element(0u, 1u, 2u, 5u, 32u), *rc::gen::inRange<uint64_t>(1, 8), *rc::gen::inRange<uint64_t>(1, 40),
               *rc::gen::inRange<uint64_t>(1, 100), {}, {}, {}};
    std::mt19937_64 rng(*rc::gen::arbitrary<uint64_t>());
    fill(c, *rc::gen::element(Data::Random, Data::Specials, Data::Large, Data::Cancelling, Data::Tiny), rng);
    RC_ASSERT(check(c) == 0);
  });
}

TEST_CASE("bad input is rejected with a message", "[gemm][errors]") {
  const Format& int8 = format_by_name("int8");
  const Format& e4m3 = format_by_name("float8_e4m3fn");
  const std::vector<uint8_t> a(6), b(6);
  std::vector<int64_t> c(4);
  std::vector<double> f(4);
  CHECK_THROWS_WITH(fast::gemm_integer({&int8, &int8}, {2, 2, 3}, a, std::span(b).first(5), c), Catch::Contains("B has 5 elements"));
  CHECK_THROWS_WITH(fast::gemm_integer({&e4m3, &int8}, {2, 2, 3}, a, b, c), Catch::Contains("integer operands"));
  CHECK_THROWS_WITH(fast::gemm_integer({&int8, &int8, Accumulator::integer(65, IntegerOverflow::Wrap)}, {2, 2, 3}, a, b, c), Catch::Contains("outside 2..64"));
  CHECK_THROWS_WITH(fast::gemm_float({&int8, &int8}, {2, 2, 3}, a, b, f), Catch::Contains("float accumulator"));
  CHECK_THROWS_WITH(fast::gemm_float({&e4m3, nullptr, Accumulator::float32()}, {2, 2, 3}, a, b, f), Catch::Contains("no format given for B"));
  CHECK_THROWS_WITH(fast::gemm_float({&e4m3, &e4m3, Accumulator::floating(12, 3, FloatRounding::Rne)}, {2, 2, 3}, a, b, f), Catch::Contains("outside"));
}

}  // namespace
}  // namespace lpc::test
