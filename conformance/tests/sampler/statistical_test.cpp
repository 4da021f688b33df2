// The Statistical verification mode (conformance/statistics/chi_square.hpp) has tests of its own:
// its critical values against the research notes' table, an exact sampler passes and a +5%-biased
// one fails, the false-failure rate is measured, small cells are pooled, an impossible draw fails,
// and a result between the warning level and α is QUALITY_WARNING. Every seed is fixed and printed
// with the result.
#include <catch2/catch.hpp>

#include <cmath>
#include <cstdint>
#include <numeric>
#include <vector>

#include "conformance/statistics/chi_square.hpp"
#include "impls/fast/sampler/multinomial.hpp"
#include "impls/fast/sampler/random123.hpp"

namespace {

using lpc::Status;
using lpc::statistics::ChiSquarePlan;
using lpc::statistics::chi_square_goodness_of_fit;

// The histogram of `samples` draws by the fast sampler (float32, 4 banks, normalized) from
// `weights`, its words from Philox under `seed` (spec/sampler.md §3.3).
std::vector<uint64_t> histogram(const std::vector<float>& weights, uint64_t seed, size_t samples) {
  std::vector<uint32_t> words(samples);
  lpc::fast::sample_words(lpc::fast::CounterRng::Philox, seed, 0, 0, words);
  std::vector<int64_t> index(samples);
  const lpc::SamplerParams p{lpc::SamplerFormat::Float32, 4, lpc::Normalization::Total, lpc::Replacement::With};
  REQUIRE(!lpc::fast::multinomial(p, weights, words, index));
  std::vector<uint64_t> counts(weights.size());
  for (int64_t k : index) ++counts[static_cast<size_t>(k)];
  return counts;
}

std::vector<double> probabilities(const std::vector<float>& weights) {
  const double total = std::accumulate(weights.begin(), weights.end(), 0.0);
  std::vector<double> p;
  for (float w : weights) p.push_back(w / total);
  return p;
}

const std::vector<float> kTen = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10};  // ten categories, exact in float32 and in u's 2^-24 grid

TEST_CASE("statistics: critical values are the research notes' (df 9 and 255)", "[statistical]") {
  // dataflow-conformance.md §6 (scipy): 21.67 (1e-2), 27.88 (1e-3), 44.81 (1e-6), 60.66 (1e-9); df 255 at 1e-6: 377.08.
  CHECK(lpc::statistics::chi_square_critical(9, 1e-2) == Approx(21.67).margin(0.005));
  CHECK(lpc::statistics::chi_square_critical(9, 1e-3) == Approx(27.88).margin(0.005));
  CHECK(lpc::statistics::chi_square_critical(9, 1e-6) == Approx(44.81).margin(0.005));
  CHECK(lpc::statistics::chi_square_critical(9, 1e-9) == Approx(60.66).margin(0.005));
  CHECK(lpc::statistics::chi_square_critical(255, 1e-6) == Approx(377.08).margin(0.005));
  // Bonferroni: a family rate of 1e-6 over 1000 items tests each at 1e-9.
  CHECK(ChiSquarePlan{1e-6, 1000}.alpha() == Approx(1e-9));
}

TEST_CASE("statistics: an exact sampler passes and a +5% biased one fails", "[statistical]") {
  // 10^6 draws, family rate 1e-6 over one item. The bias (category 3's weight × 1.05, the others'
  // probabilities shrinking to match) is Cohen's w ≈ 0.015; the research notes' N for power 0.99
  // at α = 1e-6 is 3.2e5, so at 10^6 a miss has probability far below 1e-6.
  const ChiSquarePlan plan{1e-6, 1};
  const auto exact = chi_square_goodness_of_fit(histogram(kTen, 20261803, 1000000), probabilities(kTen), plan);
  INFO("exact, seed 20261803: " << exact.message);
  CHECK(exact.status == Status::Pass);
  std::vector<float> biased = kTen;
  biased[3] *= 1.05f;
  const auto bias = chi_square_goodness_of_fit(histogram(biased, 20261804, 1000000), probabilities(kTen), plan);
  INFO("biased, seed 20261804: " << bias.message);
  CHECK(bias.status == Status::Fail);
  CHECK(bias.statistic > bias.critical);
}

TEST_CASE("statistics: the measured false-failure rate matches the stated one", "[statistical]") {
  // 400 independent runs of the exact sampler (seeds 1..400, 2000 draws each) tested at α = 0.05:
  // Binomial(400, 0.05) has mean 20 and sd 4.4, so 5..40 failures is ±3.4 sd. An inverted test
  // (failing when p is large) would fail about 380 times; one that never fails, 0 times.
  const ChiSquarePlan plan{0.05, 1, 0.05};
  int failures = 0;
  for (uint64_t seed = 1; seed <= 400; ++seed) failures += chi_square_goodness_of_fit(histogram(kTen, seed, 2000), probabilities(kTen), plan).status == Status::Fail;
  INFO("measured false-failure rate " << failures / 400.0 << " at alpha 0.05 (seeds 1..400)");
  CHECK(failures >= 5);
  CHECK(failures <= 40);
}

TEST_CASE("statistics: small cells are pooled, an impossible draw fails, and a bias within the bound warns", "[statistical]") {
  // Expected 10000·1e-4 = 1 and 10000·3e-4 = 3: pooled into one cell of 4, still below 5, so it
  // joins the smallest other cell: 2 cells, 1 degree of freedom.
  const std::vector<uint64_t> observed = {4996, 5000, 1, 3};
  const auto pooled = chi_square_goodness_of_fit(observed, std::vector<double>{0.4996, 0.5, 1e-4, 3e-4}, ChiSquarePlan{});
  CHECK(pooled.cells == 2);
  CHECK(pooled.degrees_of_freedom == 1);
  CHECK(pooled.status == Status::Pass);
  // A zero-probability category drawn once: FAIL, whatever the statistic says.
  const auto impossible = chi_square_goodness_of_fit(std::vector<uint64_t>{5000, 4999, 1}, std::vector<double>{0.5, 0.5, 0}, ChiSquarePlan{});
  CHECK(impossible.status == Status::Fail);
  CHECK_THAT(impossible.message, Catch::Contains("category 2 drawn 1 times although its probability is 0"));
  // Two halves, 10^4 draws, 5194 : 4806: chi2 = 2·194²/5000 = 15.05, p ≈ 1.0e-4 — below the
  // warning level 1e-3, above α = 1e-6.
  const auto warned = chi_square_goodness_of_fit(std::vector<uint64_t>{5194, 4806}, std::vector<double>{0.5, 0.5}, ChiSquarePlan{});
  INFO(warned.message);
  CHECK(warned.status == Status::QualityWarning);
  CHECK(std::string(lpc::to_string(warned.status)) == "QUALITY_WARNING");
}

}  // namespace
