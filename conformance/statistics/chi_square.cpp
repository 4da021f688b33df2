// lpconform — the χ² goodness-of-fit gate (chi_square.hpp).
#include "conformance/statistics/chi_square.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <numeric>
#include <vector>

#include <boost/math/distributions/chi_squared.hpp>
#include <boost/math/distributions/non_central_chi_squared.hpp>

namespace lpc::statistics {

double chi_square_critical(int degrees_of_freedom, double alpha) {
  return boost::math::quantile(boost::math::complement(boost::math::chi_squared(degrees_of_freedom), alpha));
}

uint64_t chi_square_samples(double effect_size, int degrees_of_freedom, double alpha, double power) {
  const double critical = chi_square_critical(degrees_of_freedom, alpha);
  // P(χ²(df, λ) > critical) = power, i.e. cdf(critical) = 1 - power.
  const double lambda = boost::math::non_central_chi_squared::find_non_centrality(degrees_of_freedom, critical, 1 - power);
  return static_cast<uint64_t>(std::ceil(lambda / (effect_size * effect_size)));
}

ChiSquareResult chi_square_goodness_of_fit(std::span<const uint64_t> observed, std::span<const double> probabilities, const ChiSquarePlan& plan) {
  ChiSquareResult r;
  const double n = static_cast<double>(std::accumulate(observed.begin(), observed.end(), uint64_t{0}));
  // 1. An impossible draw is a failure whatever its count.
  for (size_t j = 0; j < observed.size(); ++j)
    if (probabilities[j] == 0 && observed[j] > 0) {
      r.status = Status::Fail;
      r.message = "category " + std::to_string(j) + " drawn " + std::to_string(observed[j]) + " times although its probability is 0";
      return r;
    }
  // 2. Cells: (observed, expected), those expected below min_expected pooled.
  std::vector<std::pair<double, double>> cells;
  std::pair<double, double> pooled{0, 0};
  for (size_t j = 0; j < observed.size(); ++j) {
    const double expected = n * probabilities[j];
    if (expected == 0) continue;
    if (expected < plan.min_expected)
      pooled.first += static_cast<double>(observed[j]), pooled.second += expected;
    else
      cells.emplace_back(static_cast<double>(observed[j]), expected);
  }
  if (pooled.second > 0) {
    if (pooled.second < plan.min_expected && !cells.empty()) {
      auto smallest = std::min_element(cells.begin(), cells.end(), [](const auto& a, const auto& b) { return a.second < b.second; });
      smallest->first += pooled.first, smallest->second += pooled.second;
    } else {
      cells.push_back(pooled);
    }
  }
  r.cells = cells.size();
  r.degrees_of_freedom = static_cast<int>(cells.size()) - 1;
  if (r.degrees_of_freedom < 1) {
    r.message = "one cell: nothing to test";
    return r;
  }
  // 3. The statistic, its p-value and the verdict at the Bonferroni level.
  for (const auto& [o, e] : cells) r.statistic += (o - e) * (o - e) / e;
  const boost::math::chi_squared distribution(r.degrees_of_freedom);
  r.p_value = boost::math::cdf(boost::math::complement(distribution, r.statistic));
  r.critical = chi_square_critical(r.degrees_of_freedom, plan.alpha());
  r.status = r.p_value < plan.alpha() ? Status::Fail : r.p_value < plan.warning_level() ? Status::QualityWarning : Status::Pass;
  char text[160];
  std::snprintf(text, sizeof text, "chi2 = %.4g on %d df, p = %.3g (alpha %.3g, critical %.4g; warning below p = %.3g)", r.statistic,
                r.degrees_of_freedom, r.p_value, plan.alpha(), r.critical, plan.warning_level());
  r.message = text;
  return r;
}

}  // namespace lpc::statistics
