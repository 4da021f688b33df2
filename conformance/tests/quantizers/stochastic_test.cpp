// Stochastic rounding with explicit random bits (spec/quantizers.md §3.1, spec/formats.md §5.1):
// the fixed-point quantizer q = floor(x/s + R/2^N) in both sign conventions and the format-level
// sr_a / sr_b / sr_c, each enumerated over every R for N <= 8. For every x the count of R that
// round up (away) must equal the definition's exact fraction, computed here in integers from how
// the test built x; the fast implementations must match the exact reference bit for bit.
#include <catch2/catch.hpp>

#include <bit>
#include <cmath>
#include <limits>
#include <sstream>
#include <vector>

#include "conformance/tests/support/property.hpp"
#include "impls/fast/formats/convert.hpp"
#include "impls/fast/quantizers/stochastic.hpp"
#include "reference/formats/codec.hpp"
#include "reference/quantizers/stochastic.hpp"

namespace lpc::test {
namespace {

constexpr float kInf = std::numeric_limits<float>::infinity();

int64_t floor_div(int64_t a, int64_t b) { return a >= 0 ? a / b : -((-a + b - 1) / b); }  // b > 0

// The fast quantizer on one element.
std::pair<int32_t, float> fast_one(const SrFixedParams& p, float x, uint32_t r) {
  int32_t code = 0;
  float y = 0;
  REQUIRE(!fast::sr_fixed(p, {&x, 1}, {&r, 1}, {&code, 1}, {&y, 1}));
  return {code, y};
}

TEST_CASE("sr-fixed: known answers for t = -2.25, N = 2 in both sign conventions", "[sr-fixed]") {
  // -2.25 + R/4 for R = 0..3 is -2.25, -2, -1.75, -1.5: floor gives -3, -2, -2, -2.
  // Sign-magnitude rounds |t| = 2.25 + R/4: 2, 2, 2, 3, so -2, -2, -2, -3.
  const int32_t floor_expected[] = {-3, -2, -2, -2}, magnitude_expected[] = {-2, -2, -2, -3};
  for (const SrSign sign : {SrSign::Floor, SrSign::Magnitude}) {
    const SrFixedParams p{sign, 1.0f, -128, 127, 2};
    for (uint32_t r = 0; r < 4; ++r) {
      const int32_t want = sign == SrSign::Floor ? floor_expected[r] : magnitude_expected[r];
      CHECK(ref::sr_fixed(p, -2.25f, r).code == want);
      CHECK(fast_one(p, -2.25f, r).first == want);
      CHECK(fast_one(p, -2.25f, r | 0xfffffffcu).first == want);  // only the low N bits count
    }
  }
}

TEST_CASE("sr-fixed: every R for N <= 8 on structured x, exact probabilities and bias", "[sr-fixed]") {
  // x = (u / 2^M)·s with u = k·2^M + j: ties (j = 2^(M-1)), integers (j = 0), j just above or
  // below an integer; negative x; clamping; scales across the float32 range, subnormal included.
  constexpr int M = 5;
  const float scales[] = {1.0f, 0.75f, 3.0f, std::ldexp(3.0f, -100), std::ldexp(5.0f, 90), std::ldexp(1.0f, -140)};
  int64_t checked = 0, mismatches = 0;
  std::ostringstream log;
  for (const SrSign sign : {SrSign::Floor, SrSign::Magnitude})
    for (const float s : scales)
      for (int n = 0; n <= 8; ++n) {
        const SrFixedParams p{sign, s, -4, 3, n};
        for (int64_t u = -6 * (1 << M); u <= 5 * (1 << M); u += (u % 7 == 0 ? 1 : 3)) {
          const double xd = std::ldexp(static_cast<double>(u) * s, -M);
          const float x = static_cast<float>(xd);
          if (static_cast<double>(x) != xd) continue;  // only exactly built inputs (s = 2^-140 drops some)
          // The definition in integers: floor(u/2^M + R/2^N) = floor((u·2^N + R·2^M) / 2^(M+N)).
          const bool negative = u < 0;
          const int64_t v = sign == SrSign::Floor ? u : std::abs(u);
          int64_t up = 0, sum = 0;
          for (int64_t r = 0; r < (int64_t{1} << n); ++r) {
            int64_t q = floor_div(v * (int64_t{1} << n) + r * (int64_t{1} << M), int64_t{1} << (M + n));
            const bool rounded_up = q != floor_div(v, int64_t{1} << M);
            if (sign == SrSign::Magnitude && negative) q = -q;
            q = std::clamp<int64_t>(q, p.qmin, p.qmax);
            up += rounded_up;
            sum += q;
            const ref::SrFixedOutcome want = ref::sr_fixed(p, x, static_cast<uint32_t>(r));
            const auto [code, y] = fast_one(p, x, static_cast<uint32_t>(r));
            ++checked;
            if (!want.ok || want.code != q || code != q || std::bit_cast<uint32_t>(y) != std::bit_cast<uint32_t>(want.y)) {
              if (++mismatches <= 5)
                log << "sign " << int(sign) << " s " << s << " N " << n << " u " << u << " R " << r << ": want " << q << ", ref " << want.code << " y "
                    << want.y << ", fast " << code << " y " << y << "\n";
            }
          }
          // P(up) is floor(frac·2^N)/2^N exactly (StochasticA on the integer grid), so the mean
          // undershoots v/2^M by less than 2^-N: toward -inf (floor) or toward zero (magnitude).
          const int64_t frac = v - floor_div(v, int64_t{1} << M) * (int64_t{1} << M);
          CHECK(up == (frac << n) >> M);
          const bool unclamped = floor_div(v, int64_t{1} << M) >= (negative && sign == SrSign::Magnitude ? -p.qmax : p.qmin) &&
                                 floor_div(v, int64_t{1} << M) + 1 <= (negative && sign == SrSign::Magnitude ? -p.qmin : p.qmax);
          if (unclamped) {
            const int64_t deficit = v * (int64_t{1} << n) - (sign == SrSign::Magnitude && negative ? -sum : sum) * (int64_t{1} << M);  // 2^(M+N)·(t - E[q])
            CHECK(deficit >= 0);
            CHECK(deficit < (int64_t{1} << M));
          }
        }
      }
  INFO(log.str());
  CHECK(mismatches == 0);
  CHECK(checked > 100000);
}

TEST_CASE("sr-fixed: NaN is an error, infinities clamp, zero is +0", "[sr-fixed]") {
  const SrFixedParams p{SrSign::Floor, 0.5f, -8, 7, 4};
  CHECK_FALSE(ref::sr_fixed(p, std::nanf(""), 0).ok);
  float x = std::nanf(""), y = 0;
  int32_t code = 0;
  uint32_t r = 0;
  const auto error = fast::sr_fixed(p, {&x, 1}, {&r, 1}, {&code, 1}, {&y, 1});
  REQUIRE(error);
  CHECK(error->index == 0);
  for (const SrSign sign : {SrSign::Floor, SrSign::Magnitude}) {
    const SrFixedParams q{sign, 0.5f, -8, 7, 4};
    CHECK(ref::sr_fixed(q, kInf, 15).code == 7);
    CHECK(ref::sr_fixed(q, -kInf, 15).code == -8);
    CHECK(fast_one(q, kInf, 15).first == 7);
    CHECK(fast_one(q, -kInf, 0).first == -8);
    CHECK(std::bit_cast<uint32_t>(fast_one(q, -0.01f, 15).second) == 0u);  // q = 0 gives +0
    CHECK(std::bit_cast<uint32_t>(ref::sr_fixed(q, -0.01f, 15).y) == 0u);
  }
  CHECK(sr_fixed_params_error({SrSign::Floor, 0.0f, -8, 7, 4}));
  CHECK(sr_fixed_params_error({SrSign::Floor, 1.0f, 8, 7, 4}));
  CHECK(sr_fixed_params_error({SrSign::Floor, 1.0f, -8, 7, 25}));
}

TEST_CASE("sr-fixed: fast == reference on random float32 bit patterns, scales, ranges and R", "[sr-fixed][property]") {
  property("random x, s, qmin, qmax, N, R, sign", 5000, [] {
    SrFixedParams p;
    p.sign = *rc::gen::element(SrSign::Floor, SrSign::Magnitude);
    p.scale = std::bit_cast<float>(*rc::gen::inRange<uint32_t>(0x00000001, 0x7f800000));
    p.qmin = -*rc::gen::inRange(0, 1 << 30);
    p.qmax = *rc::gen::inRange(p.qmin, (1 << 30) + 1);
    p.sr_bits = *rc::gen::inRange(0, 25);
    float x = std::bit_cast<float>(*rc::gen::arbitrary<uint32_t>());
    if (*rc::gen::arbitrary<bool>()) x = std::nextafter(static_cast<float>(*rc::gen::inRange(-70000, 70000)) * 0.25f * p.scale, x);  // near the grid
    RC_PRE(!std::isnan(x));
    const uint32_t r = *rc::gen::arbitrary<uint32_t>();
    const ref::SrFixedOutcome want = ref::sr_fixed(p, x, r);
    RC_ASSERT(want.ok);
    const auto [code, y] = fast_one(p, x, r);
    RC_ASSERT(code == want.code);
    RC_ASSERT(std::bit_cast<uint32_t>(y) == std::bit_cast<uint32_t>(want.y));
  });
}

// ---- format-level sr_a / sr_b / sr_c (spec/formats.md §5.1) --------------------------------------

// How many of the 2^N values of R round away for a fraction ν = j/2^M, from the table's conditions.
int64_t expected_away(Rounding mode, int64_t j, int m, int n) {
  int64_t count = 0;
  for (int64_t r = 0; r < (int64_t{1} << n); ++r) {
    // floor(ν·2^K) = (j·2^K) >> M; RNE(ν·2^N) from the remainder.
    const int64_t f = (j << n) >> m, f2 = (j << (n + 1)) >> m;
    int64_t rne = f;
    const int64_t rest = (j << n) - (f << m);
    if (m > 0 && (2 * rest > (int64_t{1} << m) || (2 * rest == (int64_t{1} << m) && (f & 1)))) ++rne;
    const bool away = mode == Rounding::SrA ? f + r >= (int64_t{1} << n)
                    : mode == Rounding::SrB ? f2 + 2 * r + 1 >= (int64_t{1} << (n + 1))
                                            : rne + r >= (int64_t{1} << n);
    count += away;
  }
  return count;
}

TEST_CASE("sr_a/sr_b/sr_c: every R for N <= 8, reference and fast, exact fractions and bias bounds", "[sr-format]") {
  constexpr int M = 6;  // ν = j/2^M
  const int64_t fractions[] = {0, 1, 21, 32, 33, 63};
  int64_t checked = 0, mismatches = 0;
  std::ostringstream log;
  for (const char* name : {"float8_e4m3fn", "float8_e5m2", "float6_e3m2fn", "float4_e2m1fn", "float4_e3m0_radix4", "binary8p3se"}) {
    const Format& f = format_by_name(name);
    // Positive codes whose successor is finite: 0 -> smallest subnormal, inside and across binades.
    std::vector<uint32_t> low_codes;
    const uint32_t sign_bit = f.is_signed ? (uint32_t{1} << (f.bits - 1)) : 0;
    for (uint32_t c = 0; c + 1 < (f.is_signed ? sign_bit : (uint32_t{1} << f.bits)); ++c) {
      const ref::ExactValue a = ref::decode(f, c), b = ref::decode(f, c + 1);
      if (!a.is_finite() || !b.is_finite() || ref::compare(b, a) <= 0) continue;
      if (c < 3 || c % 13 == 0 || (c & 15) == 15) low_codes.push_back(c);  // zero, subnormals, across binades
    }
    for (const uint32_t c : low_codes) {
      const double a = ref::decode(f, c).to_double(), b = ref::decode(f, c + 1).to_double();
      for (const int64_t j : fractions)
        for (const bool negative : {false, true}) {
          if (negative && !f.is_signed) continue;
          const double xd = (a + (b - a) * std::ldexp(static_cast<double>(j), -M)) * (negative ? -1 : 1);
          const float x = static_cast<float>(xd);
          REQUIRE(static_cast<double>(x) == xd);
          for (const Rounding mode : kStochasticRoundings)
            for (int n = 1; n <= 8; ++n) {
              const EncodeParams params{mode, Overflow::Sat, n};
              const fast::Encoder encoder(f, params);
              const fast::Encoder scalar(f, params, fast::Variant{fast::Isa::Scalar, 1, 0});
              std::vector<uint64_t> in(size_t{1} << n, std::bit_cast<uint32_t>(x));
              std::vector<uint32_t> random(in.size()), codes(in.size()), scalar_codes(in.size());
              for (uint32_t r = 0; r < random.size(); ++r) random[r] = r | 0xabc00000u;  // high bits must be ignored
              encoder.encode(Source::F32, in, random, codes, {});
              scalar.encode(Source::F32, in, random, scalar_codes, {});
              int64_t away = 0;
              for (uint32_t r = 0; r < random.size(); ++r) {
                const uint32_t want = ref::encode(f, params, ref::ExactValue::from_source(Source::F32, in[r]), random[r]).code;
                const uint32_t magnitude = want & ~sign_bit;
                away += magnitude == c + 1;
                ++checked;
                if (codes[r] != want || scalar_codes[r] != want || (magnitude != c && magnitude != c + 1)) {
                  if (++mismatches <= 5)
                    log << name << " " << to_string(mode) << " N " << n << " x " << x << " R " << r << ": ref " << want << " fast " << codes[r] << " scalar "
                        << scalar_codes[r] << "\n";
                }
              }
              CHECK(away == expected_away(mode, j, M, n));
              // Bias of the mean fraction: |away/2^N - ν| < 2^-N (A), <= 2^-(N+1) (B, C); in units of 2^-(M+N+1).
              const int64_t error2 = std::abs(2 * (away << M) - 2 * (j << n));
              if (mode == Rounding::SrA) CHECK(error2 < (int64_t{2} << M));
              else CHECK(error2 <= (int64_t{1} << M));
              if (j == 0) CHECK(away == 0);  // an exact x never moves
            }
        }
    }
  }
  INFO(log.str());
  CHECK(mismatches == 0);
  CHECK(checked > 100000);
}

}  // namespace
}  // namespace lpc::test
