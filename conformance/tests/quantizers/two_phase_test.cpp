// Two-phase rounding of radix-4 FP4 gradients with GradScale (spec/quantizers.md §3.2-3.3): the
// fast path against the exact reference for a tensor whose largest magnitude sits at every float32
// exponent, both grid phases, rne and the stochastic roundings; unbiasedness of the stochastic
// variants by enumerating every R, with the grid written out here from §3.2.
#include <catch2/catch.hpp>

#include <bit>
#include <cmath>
#include <limits>
#include <random>
#include <sstream>
#include <vector>

#include "conformance/tests/support/property.hpp"
#include "impls/fast/quantizers/two_phase.hpp"
#include "reference/quantizers/two_phase.hpp"

namespace lpc::test {
namespace {

// The fast path on a whole tensor.
ref::TprOutcome fast_tpr(const TprParams& p, const std::vector<float>& g, const std::vector<uint32_t>& random) {
  ref::TprOutcome out;
  const fast::GradScale scale = fast::tpr_grad_scale(g);
  if (scale.error) return out;
  out.scale_exp = scale.scale_exp;
  out.codes.resize(g.size());
  out.y.resize(g.size());
  fast::tpr_quantize(p, scale.scale_exp, g, random, out.codes, out.y);
  out.ok = true;
  return out;
}

TEST_CASE("tpr: GradScale known answers", "[tpr]") {
  const std::pair<float, int> cases[] = {{1.0f, 0},   {1.5f, 1},   {0.75f, 0}, {-3.0f, 2}, {std::ldexp(1.0f, -149), -149}, {std::ldexp(3.0f, -149), -147},
                                         {std::numeric_limits<float>::max(), 128}, {0.0f, 0}, {-0.0f, 0}, {std::ldexp(1.0f, 127), 127}};
  for (const auto& [g, e] : cases) {
    const std::vector<float> tensor{0.0f, g, g / 4};
    CHECK(ref::tpr_grad_scale(tensor).scale_exp == e);
    CHECK(fast::tpr_grad_scale(tensor).scale_exp == e);
  }
  const std::vector<float> bad{1.0f, 2.0f, std::nanf(""), std::numeric_limits<float>::infinity()};
  CHECK_FALSE(ref::tpr_grad_scale(bad).ok);
  CHECK(ref::tpr_grad_scale(bad).bad_index == 2);
  REQUIRE(fast::tpr_grad_scale(bad).error);
  CHECK(fast::tpr_grad_scale(bad).error->index == 2);
}

TEST_CASE("tpr: known answers, even and odd phase (hand-computed from §3.2)", "[tpr]") {
  // max |g| = 1: e = 0. Even grid {0, 4^-6 .. 1}; odd grid {0, 2·4^-6 .. 2}.
  const std::vector<float> g{1.0f, 0.3125f, -0.625f, 0.09375f};
  // even: 0.3125 in [1/4, 1], ν = 1/12 -> 1/4; -0.625: ν = 1/2 tie, even code 6 (4^-1) -> -1/4;
  // 0.09375 in [1/16, 1/4], ν = 1/6 -> 1/16.
  const ref::TprOutcome even = ref::tpr({TprPhase::Even, Rounding::Rne, 0}, g, {});
  REQUIRE(even.ok);
  CHECK(even.codes == std::vector<uint8_t>{7, 6, 14, 5});
  CHECK(even.y == std::vector<float>{1.0f, 0.25f, -0.25f, 0.0625f});
  // odd (g/2): 0.5 in [1/4, 1], ν = 1/3 -> 1/4 (y 0.5); 0.15625 in [1/16, 1/4]: ν = 1/2, a tie, to the even code 6 (1/4, y 0.5);
  // -0.3125: ν = 1/12 -> -1/4 (y -0.5); 0.046875 in [1/64, 1/16], ν = 2/3 -> 1/16 (y 0.125).
  const ref::TprOutcome odd = ref::tpr({TprPhase::Odd, Rounding::Rne, 0}, g, {});
  REQUIRE(odd.ok);
  CHECK(odd.codes == std::vector<uint8_t>{6, 6, 14, 5});
  CHECK(odd.y == std::vector<float>{0.5f, 0.5f, -0.5f, 0.125f});
  CHECK(fast_tpr({TprPhase::Even, Rounding::Rne, 0}, g, {}).codes == even.codes);
  CHECK(fast_tpr({TprPhase::Odd, Rounding::Rne, 0}, g, {}).y == odd.y);
}

TEST_CASE("tpr: fast == reference at every float32 exponent of the largest gradient, both phases", "[tpr]") {
  std::mt19937 rng(2020);
  int64_t checked = 0, mismatches = 0;
  std::ostringstream log;
  for (int biased = 0; biased <= 254; ++biased) {
    // The largest magnitude: 1.xxx·2^(biased-127) (or a subnormal), then grid points, midpoints
    // and random values below it in every binade of the 8 radix-4 steps under it.
    const float largest = std::bit_cast<float>(static_cast<uint32_t>((static_cast<uint32_t>(biased) << 23) | (biased % 3 == 0 ? 0u : rng() & 0x7fffff) | (biased == 0 ? 1u : 0u)));
    std::vector<float> g{largest, -largest, 0.0f, -0.0f};
    for (int k = -16; k <= 0; ++k)
      for (const float m : {1.0f, 1.25f, 1.5f, 2.0f, 2.5f, 3.0f, 3.5f})
        g.push_back((k & 1 ? -1.0f : 1.0f) * std::ldexp(m, k) * largest);
    for (int i = 0; i < 24; ++i) g.push_back(std::ldexp(static_cast<float>(rng() & 0xffffff) / 16777216.0f, -static_cast<int>(rng() % 20)) * largest);
    for (float& v : g)
      if (!std::isfinite(v)) v = largest;
    std::vector<uint32_t> random(g.size());
    for (uint32_t& r : random) r = rng();
    for (const TprPhase phase : {TprPhase::Even, TprPhase::Odd})
      for (const Rounding rounding : {Rounding::Rne, Rounding::SrA, Rounding::SrB, Rounding::SrC}) {
        const TprParams p{phase, rounding, rounding == Rounding::Rne ? 0 : 1 + biased % 24};
        const ref::TprOutcome want = ref::tpr(p, g, random);
        const ref::TprOutcome got = fast_tpr(p, g, random);
        REQUIRE(want.ok);
        REQUIRE(got.ok);
        CHECK(got.scale_exp == want.scale_exp);
        for (size_t i = 0; i < g.size(); ++i) {
          ++checked;
          if (got.codes[i] != want.codes[i] || std::bit_cast<uint32_t>(got.y[i]) != std::bit_cast<uint32_t>(want.y[i]))
            if (++mismatches <= 5)
              log << "exp " << biased << " phase " << int(phase) << " " << to_string(rounding) << " g " << g[i] << ": ref " << int(want.codes[i]) << " "
                  << want.y[i] << " fast " << int(got.codes[i]) << " " << got.y[i] << "\n";
        }
      }
  }
  INFO(log.str());
  CHECK(mismatches == 0);
  CHECK(checked > 100000);
}

TEST_CASE("tpr: the stochastic variants are unbiased to within 2^-N of a grid step (every R)", "[tpr]") {
  // Grid of §3.2 in units of the phase's scale 2^(e+phase): 0 and 4^k, k = -6..0. For g with
  // |g|/2^(e+phase) = a + ν(b - a), ν = j/2^M, the mean over all R of y is a + P·(b - a).
  constexpr int M = 4;
  for (const TprPhase phase : {TprPhase::Even, TprPhase::Odd})
    for (int k = -7; k <= (phase == TprPhase::Odd ? -2 : -1); ++k)  // keep |g| <= 1, so e = 0
      for (int64_t j = 0; j < (1 << M); ++j)
        for (const Rounding mode : kStochasticRoundings)
          for (int n = 1; n <= 8; ++n) {
            const double a = k == -7 ? 0.0 : std::ldexp(1.0, 2 * k), b = std::ldexp(1.0, 2 * (k + 1));
            const int shift = phase == TprPhase::Odd ? 1 : 0;
            // The tensor: the element under test and 1.0, which pins e = 0.
            const double scaled = a + (b - a) * std::ldexp(static_cast<double>(j), -M);
            const std::vector<float> g{1.0f, static_cast<float>(std::ldexp(-scaled, shift))};
            const TprParams p{phase, mode, n};
            double sum_ref = 0, sum_fast = 0;
            for (uint32_t r = 0; r < (1u << n); ++r) {
              const std::vector<uint32_t> random{0, r};
              sum_ref += ref::tpr(p, g, random).y[1];
              sum_fast += fast_tpr(p, g, random).y[1];
            }
            // Exact sums (powers of two); error of the mean in units of (b - a)·2^shift.
            const double bias = (-sum_ref / std::ldexp(1.0, n) - std::ldexp(scaled, shift)) / std::ldexp(b - a, shift);
            CHECK(sum_ref == sum_fast);
            CHECK(bias <= 0.0 + (mode == Rounding::SrA ? 0.0 : std::ldexp(1.0, -(n + 1))));
            CHECK(bias >= -(mode == Rounding::SrA ? std::ldexp(1.0, -n) : std::ldexp(1.0, -(n + 1))));
            if (mode == Rounding::SrA) CHECK(bias > -std::ldexp(1.0, -n));
          }
}

TEST_CASE("tpr: fast == reference for any scale exponent and float32 gradient (saturation, underflow)", "[tpr][property]") {
  property("random g bits, scale exponent, phase, rounding, R", 4000, [] {
    const float g = std::bit_cast<float>(*rc::gen::arbitrary<uint32_t>());
    RC_PRE(std::isfinite(g));
    const int scale_exp = *rc::gen::inRange(-149, 129);
    const Rounding rounding = *rc::gen::element(Rounding::Rne, Rounding::SrA, Rounding::SrB, Rounding::SrC);
    const TprParams p{*rc::gen::element(TprPhase::Even, TprPhase::Odd), rounding, rounding == Rounding::Rne ? 0 : *rc::gen::inRange(1, 25)};
    const uint32_t r = *rc::gen::arbitrary<uint32_t>();
    const ref::TprElement want = ref::tpr_element(p, scale_exp, g, r);
    uint8_t code = 0;
    float y = 0;
    fast::tpr_quantize(p, scale_exp, {&g, 1}, {&r, 1}, {&code, 1}, {&y, 1});
    RC_ASSERT(code == want.code);
    RC_ASSERT(std::bit_cast<uint32_t>(y) == std::bit_cast<uint32_t>(want.y));
  });
}

}  // namespace
}  // namespace lpc::test
