// lpconform reference — ULQ in exact rational arithmetic (spec/quantizers.md §5).
#include "reference/quantizers/ulq.hpp"

#include <algorithm>
#include <bit>
#include <cmath>
#include <numeric>
#include <string>

#include "reference/common/exact_math.hpp"

namespace lpc::ref {

namespace {

using namespace exact_math;

cpp_rational magnitude(double x) { return abs(exact(x)); }

// §5.1 R_p: the exact value x rounded to the precision (float32: 24 bits, quantum >= 2^-149;
// float64: 53 bits, quantum >= 2^-1074), ties to even. Callers never pass a value that overflows.
double round_to(UlqPrecision precision, const cpp_rational& x) {
  if (x == 0) return 0.0;
  const int digits = precision == UlqPrecision::Float32 ? 24 : 53;
  const int min_exponent = precision == UlqPrecision::Float32 ? -126 : -1022;
  const cpp_rational a = abs(x);
  const int quantum = std::max(floor_log2(a), min_exponent) - (digits - 1);  // spacing of the precision's numbers around a
  const cpp_int units = round_half_even(a / pow2(quantum));
  const double rounded = std::ldexp(static_cast<double>(units), quantum);  // units <= 2^digits: exact
  return x < 0 ? -rounded : rounded;
}

int precision_max_exponent(UlqPrecision precision) { return precision == UlqPrecision::Float32 ? 127 : 1023; }

// Indices in the order of §5.3: |w| descending, equal |w| by lower index first.
std::vector<size_t> by_magnitude(std::span<const double> w, std::vector<size_t> indices) {
  std::stable_sort(indices.begin(), indices.end(), [&](size_t a, size_t b) { return std::fabs(w[a]) > std::fabs(w[b]); });
  return indices;
}

std::vector<size_t> all_indices(size_t n) {
  std::vector<size_t> v(n);
  std::iota(v.begin(), v.end(), size_t{0});
  return v;
}

// Codes in {-1, 0, +1} on `support` (sign of w, sign(0) := +1), values code·α.
void fill_sign_codes(UlqResult& r, std::span<const double> w, const std::vector<bool>& support, double alpha) {
  r.scale = alpha;
  r.codes.assign(w.size(), 0);
  r.values.assign(w.size(), 0.0);
  r.support = 0;
  for (size_t i = 0; i < w.size(); ++i) {
    if (!support[i]) continue;
    r.codes[i] = std::signbit(w[i]) && w[i] != 0 ? -1 : 1;  // sign(0) := +1, also for -0
    r.values[i] = r.codes[i] * alpha;
    ++r.support;
  }
}

// §5.3 exact L2-optimal ternary support: among the supports {i : |w_i| >= τ}, τ a distinct nonzero
// |w| (the optimum never splits equal magnitudes, §5.3), the one maximizing (Σ|w|)²/k; ties to the
// smaller k.
UlqResult ternary_optimal(const UlqParams& p, std::span<const double> w) {
  const std::vector<size_t> order = by_magnitude(w, all_indices(w.size()));
  cpp_rational sum = 0, best_value = 0, best_sum = 0;
  size_t best_k = 0;
  for (size_t k = 1; k <= order.size() && w[order[k - 1]] != 0; ++k) {
    sum += magnitude(w[order[k - 1]]);
    const bool run_ends = k == order.size() || std::fabs(w[order[k]]) != std::fabs(w[order[k - 1]]);
    if (!run_ends) continue;
    const cpp_rational value = sum * sum / k;
    if (value > best_value) best_value = value, best_sum = sum, best_k = k;
  }
  std::vector<bool> support(w.size(), false);
  for (size_t j = 0; j < best_k; ++j) support[order[j]] = true;
  UlqResult r;
  fill_sign_codes(r, w, support, best_k == 0 ? 0.0 : round_to(p.precision, best_sum / best_k));
  return r;
}

// The mean of |w| (weighted by d when given) over `support`; 0 for an empty support.
cpp_rational weighted_mean(std::span<const double> w, std::span<const double> d, const std::vector<bool>& support) {
  cpp_rational numerator_sum = 0, weight_sum = 0;
  for (size_t i = 0; i < w.size(); ++i) {
    if (!support[i]) continue;
    const cpp_rational weight = d.empty() ? cpp_rational(1) : exact(d[i]);
    numerator_sum += weight * magnitude(w[i]);
    weight_sum += weight;
  }
  return weight_sum == 0 ? cpp_rational(0) : numerator_sum / weight_sum;
}

// §5.5 LAQ: α_0 = weighted mean over all; I_t = {|w| > α_t/2}; α_{t+1} = weighted mean over I_t;
// stop when α_{t+1} = α_t or after kLaqIterationCap updates.
UlqResult laq(const UlqParams& p, std::span<const double> w, std::span<const double> d) {
  cpp_rational alpha = weighted_mean(w, d, std::vector<bool>(w.size(), true));
  std::vector<bool> support(w.size(), false);
  UlqResult r;
  r.converged = false;
  for (int t = 0; t < kLaqIterationCap; ++t) {
    for (size_t i = 0; i < w.size(); ++i) support[i] = 2 * magnitude(w[i]) > alpha;
    const cpp_rational next = weighted_mean(w, d, support);  // 0 for an empty support (an all-zero w)
    r.iterations = t + 1;
    const bool fixed = next == alpha;
    alpha = next;
    if (fixed || alpha == 0) {
      r.converged = true;
      break;
    }
  }
  const int iterations = r.iterations;
  const bool converged = r.converged;
  fill_sign_codes(r, w, support, round_to(p.precision, alpha));
  r.iterations = iterations;
  r.converged = converged;
  return r;
}

// §5.6 INQ power-of-two levels {0, ±2^n2 .. ±2^n1}, n1 = floor(log2(4·max|w|/3)), n2 = n1 + 1 -
// 2^(bits-2); each |w| goes to the nearest level, an exact tie to the larger magnitude.
UlqResult power_of_two(const UlqParams& p, std::span<const double> w) {
  UlqResult r;
  r.codes.assign(w.size(), 0);
  r.values.assign(w.size(), 0.0);
  cpp_rational largest = 0;
  for (double v : w) largest = std::max(largest, magnitude(v));
  if (largest == 0) return r;  // all zero: every code 0, scale 0, n1 = 0
  const int n1 = std::min(floor_log2(largest * 4 / 3), precision_max_exponent(p.precision));  // 2^n1 must be a value of the precision
  const int n2 = n1 + 1 - (1 << (p.bits - 2));
  r.n1 = n1;
  r.scale = round_to(p.precision, pow2(n1));
  for (size_t i = 0; i < w.size(); ++i) {
    const cpp_rational a = magnitude(w[i]);
    int best = n2 - 1;  // n2 - 1 stands for the level 0
    cpp_rational best_distance = a;
    for (int e = n2; e <= n1; ++e) {
      const cpp_rational distance = abs(a - pow2(e));
      if (distance <= best_distance) best = e, best_distance = distance;  // <=: a tie goes to the larger level
    }
    if (best < n2) continue;
    r.codes[i] = (w[i] < 0 ? -1 : 1) * (n1 - best + 1);
    r.values[i] = (w[i] < 0 ? -1 : 1) * round_to(p.precision, pow2(best));
    ++r.support;
  }
  return r;
}

// §5.8 the activation quantizer at one β, each float operation rounded to the precision in the
// order the spec writes them.
struct ActivationAtBeta {
  std::vector<int32_t> codes;
  std::vector<double> values;
  cpp_rational error;
};
ActivationAtBeta activation_at(const UlqParams& p, std::span<const double> x, std::span<const double> g, double beta) {
  const int64_t levels = (int64_t{1} << p.bits) - 1;
  const cpp_rational b = exact(beta);
  const cpp_rational step = exact(round_to(p.precision, b / levels));  // R(β / L)
  ActivationAtBeta out;
  cpp_rational signed_sum = 0;
  for (size_t i = 0; i < x.size(); ++i) {
    const cpp_rational xi = exact(x[i]);
    const cpp_rational clipped = std::clamp(xi, cpp_rational(0), b);
    const cpp_rational t = exact(round_to(p.precision, exact(round_to(p.precision, clipped * levels)) / b));  // R(R(L·c) / β)
    const cpp_int code = std::min(round_half_even(t), cpp_int(levels));
    const double value = round_to(p.precision, step * cpp_rational(code));  // R(R(β/L) · code)
    out.codes.push_back(static_cast<int32_t>(code));
    out.values.push_back(value);
    const cpp_rational difference = exact(value) - xi;
    if (p.criterion == UlqCriterion::Mse)
      out.error += difference * difference;
    else
      signed_sum += exact(g[i]) * difference;
  }
  if (p.criterion == UlqCriterion::LossProxy) out.error = abs(signed_sum);
  return out;
}

UlqResult activation(const UlqParams& p, std::span<const double> x, std::span<const double> g) {
  std::optional<ActivationAtBeta> best;
  double best_beta = 0;
  for (double beta : p.betas) {
    ActivationAtBeta candidate = activation_at(p, x, g, beta);
    // The smallest error; among equal errors the smaller β (the grid's order does not matter).
    if (!best || candidate.error < best->error || (candidate.error == best->error && beta < best_beta)) best = std::move(candidate), best_beta = beta;
  }
  UlqResult r;
  r.codes = std::move(best->codes);
  r.values = std::move(best->values);
  r.scale = best_beta;
  r.support = static_cast<size_t>(std::count_if(r.codes.begin(), r.codes.end(), [](int32_t c) { return c != 0; }));
  return r;
}

}  // namespace

UlqOutcome ulq_quantize(const UlqParams& p, std::span<const double> w, std::span<const double> curvature, std::span<const double> gradient) {
  UlqOutcome out;
  if (auto e = ulq_params_error(p)) return out.error = *e, out;
  if (auto e = ulq_input_error(p, w, curvature, gradient, out.error_index))
    return out.error = *e, out;
  const std::vector<bool> everything(w.size(), true);
  switch (p.method) {
    case UlqMethod::Binary:  // §5.2 α = ||w||_1 / n
      fill_sign_codes(out.result, w, everything, round_to(p.precision, weighted_mean(w, {}, everything)));
      break;
    case UlqMethod::Lab:  // §5.5 α = ||d⊙w||_1 / ||d||_1
      fill_sign_codes(out.result, w, everything, round_to(p.precision, weighted_mean(w, curvature, everything)));
      break;
    case UlqMethod::Ternary: out.result = ternary_optimal(p, w); break;
    case UlqMethod::TernaryTwn: {  // §5.4 Δ = 0.7·mean|w|, support |w| > Δ, α = mean over it
      const cpp_rational delta = cpp_rational(7, 10) * weighted_mean(w, {}, everything);
      std::vector<bool> support(w.size());
      for (size_t i = 0; i < w.size(); ++i) support[i] = magnitude(w[i]) > delta;
      fill_sign_codes(out.result, w, support, round_to(p.precision, weighted_mean(w, {}, support)));
      break;
    }
    case UlqMethod::Laq: out.result = laq(p, w, curvature); break;
    case UlqMethod::Pow2: out.result = power_of_two(p, w); break;
    case UlqMethod::Activation: out.result = activation(p, w, gradient); break;
  }
  out.ok = true;
  return out;
}

std::vector<uint8_t> ulq_partition_next(std::span<const double> w, std::span<const uint8_t> frozen, size_t count) {
  std::vector<uint8_t> next(frozen.begin(), frozen.end());
  std::vector<size_t> unfrozen;
  for (size_t i = 0; i < w.size(); ++i)
    if (!frozen[i]) unfrozen.push_back(i);
  const size_t already = w.size() - unfrozen.size();
  const size_t add = std::min(count, w.size()) > already ? std::min(count, w.size()) - already : 0;
  const std::vector<size_t> order = by_magnitude(w, unfrozen);
  for (size_t j = 0; j < add; ++j) next[order[j]] = 1;
  return next;
}

std::vector<int> ulq_partition_steps(std::span<const double> w, std::span<const double> ratios) {
  const std::vector<size_t> order = by_magnitude(w, all_indices(w.size()));
  std::vector<int> step(w.size(), 0);
  size_t covered = 0;
  for (size_t j = 0; j < ratios.size(); ++j) {
    const cpp_rational target = exact(ratios[j]) * w.size();  // count_j = ceil(σ_j · n), exact
    cpp_int count = floor_of(target);
    if (cpp_rational(count) != target) ++count;
    for (; covered < static_cast<size_t>(count) && covered < w.size(); ++covered) step[order[covered]] = static_cast<int>(j + 1);
  }
  return step;
}

double ulq_loss_error(std::span<const double> w, std::span<const double> w_hat, std::span<const double> gradient, double lambda) {
  cpp_rational inner = 0, squares = 0;
  for (size_t i = 0; i < w.size(); ++i) {
    const cpp_rational difference = exact(w_hat[i]) - exact(w[i]);
    inner += exact(gradient[i]) * difference;
    squares += difference * difference;
  }
  return round_to(UlqPrecision::Float64, abs(inner) + exact(lambda) * squares);
}

}  // namespace lpc::ref
