// The banked cumulative sum and the multinomial selection (spec/sampler.md §2): hand-derived known
// answers through the reference.
#include <catch2/catch.hpp>

#include <cmath>
#include <vector>

#include "reference/sampler/multinomial.hpp"

namespace {

using lpc::Normalization;
using lpc::Replacement;
using lpc::SamplerFormat;
using lpc::SamplerParams;

// The word whose u (§2.7) is `u`, a multiple of 2^-24 in [0, 1).
uint32_t word_of(double u) { return static_cast<uint32_t>(std::ldexp(u, 24)) << 8; }

SamplerParams params(SamplerFormat format, uint32_t banks, Normalization normalize, Replacement replacement = Replacement::With) {
  return SamplerParams{format, banks, normalize, replacement};
}

TEST_CASE("sampler: reference cumulative sums, by hand", "[multinomial][known-answers]") {
  // float16: 65504 + 16 = 65520 is the tie between 65504 and 2^16; ties to even gives 2^16 = +inf.
  const auto f16 = lpc::ref::cumsum_banked(params(SamplerFormat::Float16, 1, Normalization::None), std::vector<float>{65504, 16});
  REQUIRE(f16.ok);
  CHECK(f16.sums == std::vector<float>{65504, INFINITY});
  const auto f16_total = lpc::ref::cumsum_banked(params(SamplerFormat::Float16, 1, Normalization::Total), std::vector<float>{65504, 16});
  CHECK(!f16_total.ok);
  CHECK_THAT(f16_total.error, Catch::Contains("the total of the weights overflows float16"));
  // bfloat16 (ulp 2^-7 at 1): 2^-9 is below half an ulp of 1, so B = 1 absorbs all seven.
  const float x = 0x1p-9f;
  const std::vector<float> w = {1, x, x, x, x, x, x, x};
  const auto one_bank = lpc::ref::cumsum_banked(params(SamplerFormat::Bfloat16, 1, Normalization::None), w);
  REQUIRE(one_bank.ok);
  CHECK(one_bank.sums == std::vector<float>(8, 1.0f));
  // B = 2 (L = 4): bank 1 sums x..4x exactly, offset P_0 = 1: 1 + x -> 1, 1 + 2x (a tie) -> 1,
  // 1 + 3x -> 1 + 2^-7, 1 + 4x = 1 + 2^-7. Categories 6 and 7 are reachable again.
  const auto two_banks = lpc::ref::cumsum_banked(params(SamplerFormat::Bfloat16, 2, Normalization::None), w);
  REQUIRE(two_banks.ok);
  CHECK(two_banks.sums == std::vector<float>{1, 1, 1, 1, 1, 1, 1 + 0x1p-7f, 1 + 0x1p-7f});
  // Normalized by the total 3 in float32: RN32(1/3), RN32(2/3), 1.
  const auto thirds = lpc::ref::cumsum_banked(params(SamplerFormat::Float32, 2, Normalization::Total), std::vector<float>{1, 1, 1});
  REQUIRE(thirds.ok);
  CHECK(thirds.sums == std::vector<float>{1.0f / 3.0f, 2.0f / 3.0f, 1.0f});
}

TEST_CASE("sampler: reference selection, by hand", "[multinomial][known-answers]") {
  // Weights 0, 1, 0, 1 normalized: Ĉ = 0, 0.5, 0.5, 1. u = 0 counts Ĉ_0 (category 1); u = 0.5
  // counts three (category 3); one step below 0.5 counts one; the largest u counts three.
  const std::vector<uint32_t> words = {word_of(0), word_of(0.5), word_of(0.5 - 0x1p-24), 0xffffffff};
  const auto r = lpc::ref::multinomial(params(SamplerFormat::Float32, 1, Normalization::Total), std::vector<float>{0, 1, 0, 1}, words);
  REQUIRE(r.ok);
  CHECK(r.index == std::vector<int64_t>{1, 3, 1, 3});
  // normalize none: weights summing to 0.5 leave u >= 0.5 past the total (-1).
  const auto none = lpc::ref::multinomial(params(SamplerFormat::Float32, 1, Normalization::None), std::vector<float>{0.25f, 0.25f}, words);
  REQUIRE(none.ok);
  CHECK(none.index == std::vector<int64_t>{0, -1, 1, -1});
  // Without replacement, u = 0 three times: category 0, then 1 (Ĉ_0 = 0 once 0 is removed), then 2.
  const auto removal = lpc::ref::multinomial(params(SamplerFormat::Float32, 2, Normalization::Total, Replacement::Without), std::vector<float>{1, 1, 1},
                                             std::vector<uint32_t>{0, 0, 0});
  REQUIRE(removal.ok);
  CHECK(removal.index == std::vector<int64_t>{0, 1, 2});
}

TEST_CASE("sampler: reference errors (spec/sampler.md §2.9)", "[multinomial][known-answers]") {
  const SamplerParams p = params(SamplerFormat::Float16, 1, Normalization::Total);
  const std::vector<uint32_t> one = {0};
  auto error = [&](const SamplerParams& q, std::vector<float> w, std::vector<uint32_t> words) {
    const auto r = lpc::ref::multinomial(q, w, words);
    CHECK(!r.ok);
    return r.error;
  };
  CHECK_THAT(error(p, {1, -0.5f}, one), Catch::Contains("weight 1 is negative"));
  CHECK_THAT(error(p, {NAN}, one), Catch::Contains("weight 0 is NaN"));
  CHECK_THAT(error(p, {1, -INFINITY}, one), Catch::Contains("weight 1 is infinite"));
  CHECK_THAT(error(p, {1, 70000}, one), Catch::Contains("weight 1 rounds to +inf in float16"));
  CHECK_THAT(error(p, {0, -0.0f}, one), Catch::Contains("an all-zero row"));
  CHECK_THAT(error(p, {0x1p-26f}, one), Catch::Contains("an all-zero row"));  // below half of float16's 2^-24
  CHECK_THAT(error(params(SamplerFormat::Float32, 1, Normalization::Total, Replacement::Without), {1, 0, 1}, {0, 0, 0}),
             Catch::Contains("3 samples without replacement from 2 categories"));
  CHECK(lpc::ref::multinomial(p, std::vector<float>{-0.0f, 1}, one).ok);  // -0 is a zero weight
}

}  // namespace
