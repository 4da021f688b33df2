// lpconform — the Statistical verification mode (DESIGN.md "Verification mode"; issue 18 §2): a χ²
// goodness-of-fit test of a sampler's counts against the probabilities it should draw with, at a
// stated family-wise false-failure rate split over the run's statistical items by Bonferroni
// (research notes, dataflow-conformance.md §6: α = α_family / m; expected counts >= 5 per cell,
// as JAX's _CheckChiSquared keeps them). A result between the warning level and α is
// QUALITY_WARNING: within the bound, but biased enough to look at.
#pragma once

#include <cstdint>
#include <span>
#include <string>

#include "conformance/core/verdict.hpp"

namespace lpc::statistics {

struct ChiSquarePlan {
  double family_false_failure_rate = 1e-6;  // P(a conforming subject fails any statistical item of the run)
  uint64_t tests = 1;                       // m, the statistical items (or tests) the rate is split over
  double family_warning_rate = 1e-3;        // the same split for QUALITY_WARNING
  double min_expected = 5;                  // cells expected below this are pooled

  double alpha() const { return family_false_failure_rate / static_cast<double>(tests); }  // Bonferroni
  double warning_level() const { return family_warning_rate / static_cast<double>(tests); }
};

struct ChiSquareResult {
  Status status = Status::Pass;  // Pass, QualityWarning (p < warning level) or Fail (p < α, or an impossible draw)
  double statistic = 0;
  int degrees_of_freedom = 0;
  double p_value = 1;
  double critical = 0;  // the statistic's (1 - α) quantile
  size_t cells = 0;     // after pooling
  std::string message;  // "chi2 = 12.3 on 9 df, p = 0.2 (alpha 1e-06, critical 44.8)"
};

// The (1 - alpha) quantile of χ² with `degrees_of_freedom` (Boost.Math).
double chi_square_critical(int degrees_of_freedom, double alpha);

// The smallest N at which the χ² test with `degrees_of_freedom` at level `alpha` detects an effect of
// Cohen's w = `effect_size` with probability `power`: the non-centrality λ at which the
// non-central χ²'s tail beyond the critical value is `power`, divided by w² (research notes §6:
// power 0.99 at α = 1e-6 and df 9 needs 7.2e3 / 8.0e4 / 7.2e5 draws for w = 0.1 / 0.03 / 0.01).
uint64_t chi_square_samples(double effect_size, int degrees_of_freedom, double alpha, double power);

// Tests counts observed[j] of N = Σ observed draws against probabilities[j] (Σ = 1). A category of
// probability 0 that was drawn fails outright (an impossible draw, the zero-weight bugs). Cells
// expected below plan.min_expected are pooled into one, which joins the smallest other cell while
// it is still below. Precondition: equal sizes, probabilities >= 0.
ChiSquareResult chi_square_goodness_of_fit(std::span<const uint64_t> observed, std::span<const double> probabilities, const ChiSquarePlan& plan);

}  // namespace lpc::statistics
