// ULQ (spec/quantizers.md §5): the fast implementation against the exact reference on seeded random
// and structured tensors (ties, zeros, all-equal, single elements, subnormals, huge ranges) in both
// precisions; brute-force optimality of the closed forms for n <= 12 in exact integer arithmetic;
// idempotence, odd symmetry, the incremental partition, the β-grid argmin; known answers.
#include <catch2/catch.hpp>

#include <algorithm>
#include <bit>
#include <cmath>
#include <limits>
#include <random>
#include <sstream>
#include <vector>

#include "conformance/tests/support/property.hpp"
#include "conformance/tests/support/runner.hpp"
#include "impls/fast/quantizers/ulq.hpp"
#include "reference/quantizers/ulq.hpp"

namespace lpc::test {
namespace {

__extension__ typedef __int128 int128;

constexpr UlqMethod kWeightMethods[] = {UlqMethod::Binary, UlqMethod::Ternary, UlqMethod::TernaryTwn, UlqMethod::Lab, UlqMethod::Laq, UlqMethod::Pow2};

bool same_double(double a, double b) { return std::bit_cast<uint64_t>(a) == std::bit_cast<uint64_t>(b); }

// Empty when fast and reference agree on everything they output; else the first difference.
std::string difference(const UlqOutcome& fast, const UlqOutcome& want) {
  std::ostringstream out;
  out << std::hexfloat;
  if (fast.ok != want.ok) out << "ok: fast " << fast.ok << " (" << fast.error << "), reference " << want.ok << " (" << want.error << ")";
  if (!want.ok) {
    if (fast.error != want.error || fast.error_index != want.error_index) out << "error: fast '" << fast.error << "' @" << fast.error_index << ", reference '" << want.error << "' @" << want.error_index;
    return out.str();
  }
  const UlqResult &f = fast.result, &w = want.result;
  if (!same_double(f.scale, w.scale)) out << "scale: fast " << f.scale << ", reference " << w.scale << "; ";
  if (f.support != w.support) out << "support: fast " << f.support << ", reference " << w.support << "; ";
  if (f.n1 != w.n1 || f.iterations != w.iterations || f.converged != w.converged)
    out << "n1/iterations/converged: fast " << f.n1 << "/" << f.iterations << "/" << f.converged << ", reference " << w.n1 << "/" << w.iterations << "/" << w.converged << "; ";
  for (size_t i = 0; i < w.codes.size(); ++i)
    if (f.codes.size() != w.codes.size() || f.codes[i] != w.codes[i] || !same_double(f.values[i], w.values[i])) {
      out << "element " << i << ": fast (" << (i < f.codes.size() ? f.codes[i] : 0) << ", " << (i < f.values.size() ? f.values[i] : 0) << "), reference (" << w.codes[i] << ", "
          << w.values[i] << ")";
      break;
    }
  return out.str();
}

std::string describe(const UlqParams& p, const std::vector<double>& w) {
  std::ostringstream out;
  out << to_string(p.method) << (p.precision == UlqPrecision::Float32 ? " float32" : " float64") << " bits " << p.bits << " n " << w.size() << " w[0.." << std::min<size_t>(w.size(), 6)
      << ") =" << std::hexfloat;
  for (size_t i = 0; i < std::min<size_t>(w.size(), 6); ++i) out << " " << w[i];
  return out.str();
}

// Checks fast == reference for p on (w, d, g); returns the mismatch description (empty if none).
std::string check(const UlqParams& p, const std::vector<double>& w, const std::vector<double>& d, const std::vector<double>& g) {
  const UlqOutcome want = ref::ulq_quantize(p, w, d, g);
  std::string diff = difference(fast::ulq_quantize(p, w, d, g), want);
  if (diff.empty() && p.precision == UlqPrecision::Float32) {  // the float32 entry point too
    const std::vector<float> wf(w.begin(), w.end()), df(d.begin(), d.end()), gf(g.begin(), g.end());
    if (want.ok) diff = difference(fast::ulq_quantize(p, std::span<const float>(wf), df, gf), want);
  }
  return diff.empty() ? diff : describe(p, w) + ": " + diff;
}

// A value of the precision: v rounded to float32 when needed.
double in_precision(UlqPrecision precision, double v) { return precision == UlqPrecision::Float32 ? static_cast<double>(static_cast<float>(v)) : v; }

// The structured tensors: ties, zeros (both signs), all-equal, single elements, subnormals, huge
// ranges, and seeded random normals of a few sizes.
std::vector<std::vector<double>> tensors(UlqPrecision precision, std::mt19937_64& random) {
  const double tiny = precision == UlqPrecision::Float32 ? std::numeric_limits<float>::denorm_min() : std::numeric_limits<double>::denorm_min();
  const double huge = precision == UlqPrecision::Float32 ? std::numeric_limits<float>::max() : std::numeric_limits<double>::max();
  std::vector<std::vector<double>> out = {
      {0.0},          {-0.0},          {1.5},          {-2.0},       {0, 0, -0.0, 0},        {1, 1, 1, 1, 1},     {-3, 3, -3, 3},    {3, 1, 1},
      {1, 1},         {2, -1, 1, 0, -1, 1}, {tiny},   {tiny, -tiny, 3 * tiny, 0}, {huge, -huge, huge}, {huge, tiny, -1.0, 0},
      {1e30, 1e-30, -1e20, 3e-38, 7}, {0.75, 0.25, 0.375, -1.5, 0.5, 1.0}, {5, 4, 4, 4, 3, 3, 1, 0, 0},
  };
  for (auto& t : out)
    for (double& v : t) v = in_precision(precision, v);
  std::normal_distribution<double> normal(0.0, 0.05);
  for (size_t n : {2, 7, 64, 257, 2048}) {
    std::vector<double> t(n);
    for (double& v : t) v = in_precision(precision, normal(random));
    out.push_back(t);
    std::vector<double> ties(n);  // a few distinct magnitudes: many exact ties
    std::uniform_int_distribution<int> small(-4, 4);
    for (double& v : ties) v = small(random) * 0.125;
    out.push_back(ties);
    if (n > 64) continue;  // the reference's rationals span 2^-1075..2^1024 here: keep it quick
    std::vector<double> spread(n);  // magnitudes spread over the whole exponent range
    std::uniform_int_distribution<int> exponent(precision == UlqPrecision::Float32 ? -150 : -1075, precision == UlqPrecision::Float32 ? 127 : 1023);
    for (double& v : spread) v = in_precision(precision, std::ldexp(normal(random), exponent(random)));
    out.push_back(spread);
  }
  return out;
}

std::vector<double> positive_weights(size_t n, UlqPrecision precision, std::mt19937_64& random) {
  std::uniform_real_distribution<double> uniform(0.01, 4.0);
  std::vector<double> d(n);
  for (double& v : d) v = in_precision(precision, uniform(random));
  return d;
}

TEST_CASE("ulq: fast == reference on structured and random tensors, every method, both precisions", "[ulq]") {
  std::mt19937_64 random(runner_options().seed);
  int cases = 0;
  for (UlqPrecision precision : {UlqPrecision::Float32, UlqPrecision::Float64})
    for (const std::vector<double>& w : tensors(precision, random))
      for (UlqMethod method : kWeightMethods)
        for (int bits : method == UlqMethod::Pow2 ? std::vector<int>{2, 3, 5, 8} : std::vector<int>{4}) {
          UlqParams p;
          p.method = method;
          p.precision = precision;
          p.bits = bits;
          std::vector<double> d = ulq_needs_curvature(method) ? positive_weights(w.size(), precision, random) : std::vector<double>{};
          const std::string diff = check(p, w, d, {});
          INFO(diff);
          CHECK(diff.empty());
          ++cases;
          if (ulq_needs_curvature(method)) {  // equal weights: LAB is binary, LAQ's d cancels
            const std::string equal = check(p, w, std::vector<double>(w.size(), 0.5), {});
            INFO(equal);
            CHECK(equal.empty());
          }
        }
  CHECK(cases > 500);
}

TEST_CASE("ulq: activation quantizer, fast == reference for every bit width, grid and criterion", "[ulq]") {
  std::mt19937_64 random(runner_options().seed + 1);
  for (UlqPrecision precision : {UlqPrecision::Float32, UlqPrecision::Float64})
    for (const std::vector<double>& x : tensors(precision, random)) {
      if (x.size() > 64) continue;  // the reference's cost grows with n × grid
      std::uniform_real_distribution<double> gradient(-1.0, 1.0);
      std::vector<double> g(x.size());
      for (double& v : g) v = in_precision(precision, gradient(random));
      for (int bits : {1, 2, 4, 8, 16})
        for (UlqCriterion criterion : {UlqCriterion::Mse, UlqCriterion::LossProxy}) {
          UlqParams p;
          p.method = UlqMethod::Activation;
          p.precision = precision;
          p.bits = bits;
          p.criterion = criterion;
          p.betas = {0.25, 0.0625, 1.0, 0.1, 2.0, 0.1};  // unsorted, with a duplicate
          for (double& b : p.betas) b = in_precision(precision, b);
          const std::string diff = check(p, x, {}, g);
          INFO(diff);
          CHECK(diff.empty());
        }
    }
}

TEST_CASE("ulq: errors are the same in fast and reference", "[ulq]") {
  const double nan = std::numeric_limits<double>::quiet_NaN(), inf = std::numeric_limits<double>::infinity();
  UlqParams p;
  for (const std::vector<double>& w : std::vector<std::vector<double>>{{}, {1, nan}, {inf}, {1.0, 0.1}})
    for (UlqMethod method : kWeightMethods) {
      p.method = method;
      const std::vector<double> d = ulq_needs_curvature(method) ? std::vector<double>(w.size(), 1.0) : std::vector<double>{};
      const UlqOutcome want = ref::ulq_quantize(p, w, d, {});
      CHECK(difference(fast::ulq_quantize(p, w, d, {}), want).empty());
    }
  p.method = UlqMethod::Laq;
  CHECK(!ref::ulq_quantize(p, std::vector<double>{1, 2}, std::vector<double>{1, 0}, {}).ok);  // d = 0
  CHECK(ref::ulq_quantize(p, std::vector<double>{1, 2}, std::vector<double>{1, 0}, {}).error_index == 1);
  CHECK(!ref::ulq_quantize(p, std::vector<double>{1, 2}, {}, {}).ok);  // d missing
  p.method = UlqMethod::Pow2;
  p.bits = 9;
  CHECK(ulq_params_error(p));
  p.method = UlqMethod::Activation;
  p.bits = 16;
  p.betas = {3e38};
  CHECK(ulq_params_error(p));  // β·(2^16 - 1) overflows float32
  p.betas = {};
  CHECK(ulq_params_error(p));
  CHECK(ulq_ratios_error({0.5, 0.25}));
  CHECK(ulq_ratios_error({0.0}));
  CHECK(!ulq_ratios_error({0.5, 0.75, 0.875, 1.0}));
}

// ---- brute force, exact in integers -----------------------------------------------------------

// Small integer tensors (values in [-range, range]) so that every sum and product below is exact.
std::vector<double> small_integers(size_t n, int range, std::mt19937_64& random) {
  std::uniform_int_distribution<int> v(-range, range);
  std::vector<double> w(n);
  for (double& x : w) x = v(random);
  return w;
}

// True when the float32 alpha is RN32(s / k): no float32 neighbour is closer to s/k, and an exact
// tie went to the even significand (all quantities exact in double for small s, k).
bool is_nearest_float(float alpha, double s, double k) {
  const double here = std::fabs(static_cast<double>(alpha) * k - s);
  for (float neighbour : {std::nextafter(alpha, 0.0f), std::nextafter(alpha, 1e30f)}) {
    const double there = std::fabs(static_cast<double>(neighbour) * k - s);
    if (there < here) return false;
    if (there == here && (std::bit_cast<uint32_t>(alpha) & 1)) return false;
  }
  return true;
}

TEST_CASE("ulq: brute force — the closed forms are the L2 and weighted optima (n <= 12)", "[ulq][brute-force]") {
  std::mt19937_64 random(runner_options().seed + 2);
  UlqParams p;
  for (int trial = 0; trial < 300; ++trial) {
    const size_t n = 1 + trial % 12;
    const std::vector<double> w = small_integers(n, trial % 3 == 0 ? 3 : 40, random);
    std::uniform_int_distribution<int> weight(1, 9);
    std::vector<double> d(n);
    for (double& v : d) v = weight(random);
    INFO(describe(p, w));

    // Ternary: over every support I (2^n) the optimal α for I is S_I/|I| and the error drops by
    // S_I²/|I|, S_I = Σ_I |w| (signs matching w are optimal); the closed form's support reaches the max.
    p.method = UlqMethod::Ternary;
    const UlqResult ternary = ref::ulq_quantize(p, w, {}, {}).result;
    int64_t s = 0, k = 0;
    for (size_t i = 0; i < n; ++i) {
      if (ternary.codes[i] == 0) continue;
      s += static_cast<int64_t>(std::fabs(w[i]));
      ++k;
      CHECK(ternary.codes[i] == (w[i] < 0 ? -1 : 1));
    }
    for (uint32_t mask = 1; mask < (1u << n); ++mask) {
      int64_t s_i = 0, k_i = 0;
      for (size_t i = 0; i < n; ++i)
        if (mask >> i & 1) s_i += static_cast<int64_t>(std::fabs(w[i])), ++k_i;
      CHECK(s_i * s_i * std::max<int64_t>(k, 1) <= s * s * k_i);  // S_I²/|I| <= S*²/k*
      if (s_i * s_i * k == s * s * k_i && s > 0) CHECK(k_i >= k);  // ties: k* is the smallest
    }
    if (k > 0) CHECK(is_nearest_float(static_cast<float>(ternary.scale), static_cast<double>(s), static_cast<double>(k)));

    // Every sign pattern T in {-1, 0, 1}^n (n <= 7): the drop (Σ T·w)²/|T| never beats the closed form.
    if (n <= 7) {
      std::vector<int> t(n, -1);
      for (;;) {
        int64_t dot = 0, count = 0;
        for (size_t i = 0; i < n; ++i) dot += t[i] * static_cast<int64_t>(w[i]), count += t[i] != 0;
        if (count > 0 && dot > 0) CHECK(dot * dot * std::max<int64_t>(k, 1) <= s * s * count);
        size_t i = 0;
        while (i < n && t[i] == 1) t[i++] = -1;
        if (i == n) break;
        ++t[i];
      }
    }

    // LAB: over every binary pattern b in {±1}^n the weighted error Σd(αb - w)² is minimized by
    // α = Σd·b·w/Σd with drop (Σ d·b·w)²/Σd; sign(w) maximizes Σ d·b·w.
    p.method = UlqMethod::Lab;
    const UlqResult lab = ref::ulq_quantize(p, w, d, {}).result;
    int64_t weighted = 0, dsum = 0;
    for (size_t i = 0; i < n; ++i) weighted += static_cast<int64_t>(d[i] * std::fabs(w[i])), dsum += static_cast<int64_t>(d[i]);
    for (uint32_t mask = 0; mask < (1u << n); ++mask) {
      int64_t dot = 0;
      for (size_t i = 0; i < n; ++i) dot += static_cast<int64_t>(d[i] * w[i]) * ((mask >> i & 1) ? 1 : -1);
      CHECK(dot * dot <= weighted * weighted);
    }
    CHECK(is_nearest_float(static_cast<float>(lab.scale), static_cast<double>(weighted), static_cast<double>(dsum)));

    // LAQ: the result is a fixed point — its support is exactly {|w| > α*/2} for α* = Σ_I d|w| / Σ_I d.
    p.method = UlqMethod::Laq;
    const UlqResult laq = ref::ulq_quantize(p, w, d, {}).result;
    int64_t laq_num = 0, laq_den = 0;
    for (size_t i = 0; i < n; ++i)
      if (laq.codes[i] != 0) laq_num += static_cast<int64_t>(d[i] * std::fabs(w[i])), laq_den += static_cast<int64_t>(d[i]);
    CHECK(laq.converged);
    for (size_t i = 0; i < n && laq_den > 0; ++i) CHECK((laq.codes[i] != 0) == (2 * static_cast<int64_t>(std::fabs(w[i])) * laq_den > laq_num));

    // Power of two: each code is the nearest of all levels {0, ±2^n2..±2^n1} (ties to the larger),
    // and 2^n1 <= 4·max/3 < 2^(n1+1).
    p.method = UlqMethod::Pow2;
    p.bits = 2 + trial % 4;
    const UlqResult pow2 = ref::ulq_quantize(p, w, {}, {}).result;
    double largest = 0;
    for (double v : w) largest = std::max(largest, std::fabs(v));
    if (largest > 0) CHECK((3 * std::ldexp(1.0, pow2.n1) <= 4 * largest && 4 * largest < 3 * std::ldexp(1.0, pow2.n1 + 1)));
    const int n2 = pow2.n1 + 1 - (1 << (p.bits - 2));
    for (size_t i = 0; i < n && largest > 0; ++i) {
      double best = 0;
      for (int e = n2; e <= pow2.n1; ++e)
        if (std::fabs(std::fabs(w[i]) - std::ldexp(1.0, e)) <= std::fabs(std::fabs(w[i]) - best)) best = std::ldexp(1.0, e);
      CHECK(std::fabs(pow2.values[i]) == best);
    }
  }
}

TEST_CASE("ulq: brute force — the chosen β minimizes the error over the grid, ties to the smaller β", "[ulq][brute-force]") {
  std::mt19937_64 random(runner_options().seed + 3);
  for (int trial = 0; trial < 200; ++trial) {
    const size_t n = 1 + trial % 12;
    std::vector<double> x(n), g(n);
    std::uniform_int_distribution<int> eighths(-8, 40), gradient(-3, 3);
    for (size_t i = 0; i < n; ++i) x[i] = eighths(random) / 8.0, g[i] = gradient(random);
    UlqParams p;
    p.method = UlqMethod::Activation;
    p.bits = 1 + trial % 4;
    p.criterion = trial % 2 ? UlqCriterion::Mse : UlqCriterion::LossProxy;
    p.betas = {4.0, 1.0, 3.0, 2.0, 0.5, 5.0};
    // Each β alone (a one-point grid) gives that β's x̂; its error in units of 2^-80 is an exact
    // int128 (x̂ >= 2^-4 or 0 is a multiple of 2^-40 here, x a multiple of 2^-3).
    int128 best_error = 0;
    double best_beta = 0;
    for (double beta : p.betas) {
      UlqParams one = p;
      one.betas = {beta};
      const UlqResult r = ref::ulq_quantize(one, x, {}, g).result;
      int128 error = 0;
      for (size_t i = 0; i < n; ++i) {
        const auto diff = static_cast<int128>(std::ldexp(r.values[i], 40)) - static_cast<int128>(std::ldexp(x[i], 40));
        REQUIRE(std::ldexp(r.values[i], 40) == std::floor(std::ldexp(r.values[i], 40)));
        error += p.criterion == UlqCriterion::Mse ? diff * diff : static_cast<int128>(g[i]) * diff;
      }
      if (error < 0) error = -error;
      if (best_beta == 0 || error < best_error || (error == best_error && beta < best_beta)) best_error = error, best_beta = beta;
    }
    const UlqOutcome want = ref::ulq_quantize(p, x, {}, g);
    CHECK(want.result.scale == best_beta);
    CHECK(difference(fast::ulq_quantize(p, x, {}, g), want).empty());
  }
}

// ---- properties ---------------------------------------------------------------------------------

// A tensor of small integers times a common power of two, sometimes with exact ties.
std::vector<double> arbitrary_tensor(UlqPrecision precision) {
  const size_t n = *rc::gen::inRange<size_t>(1, 40);
  const int exponent = *rc::gen::inRange(-60, 60);
  const int range = *rc::gen::element(3, 100, 1 << 20);
  std::vector<double> w(n);
  for (double& v : w) v = in_precision(precision, std::ldexp(static_cast<double>(*rc::gen::inRange(-range, range + 1)), exponent));
  return w;
}

TEST_CASE("ulq: properties — fast == reference, idempotence, odd symmetry", "[ulq][property]") {
  property("fast == reference on arbitrary tensors", 500, [] {
    UlqParams p;
    p.precision = *rc::gen::element(UlqPrecision::Float32, UlqPrecision::Float64);
    p.method = *rc::gen::element(UlqMethod::Binary, UlqMethod::Ternary, UlqMethod::TernaryTwn, UlqMethod::Lab, UlqMethod::Laq, UlqMethod::Pow2);
    p.bits = *rc::gen::inRange(2, 9);
    const std::vector<double> w = arbitrary_tensor(p.precision);
    std::vector<double> d;
    if (ulq_needs_curvature(p.method))
      for (size_t i = 0; i < w.size(); ++i) d.push_back(static_cast<double>(*rc::gen::inRange(1, 1000)) / 64);
    RC_CLASSIFY(p.method == UlqMethod::Ternary, "ternary");
    const std::string diff = check(p, w, d, {});
    RC_ASSERT(diff == "");
  });
  property("idempotence Q(Q(w)) = Q(w)", 500, [] {
    UlqParams p;
    p.precision = *rc::gen::element(UlqPrecision::Float32, UlqPrecision::Float64);
    p.method = *rc::gen::element(UlqMethod::Binary, UlqMethod::Ternary, UlqMethod::TernaryTwn, UlqMethod::Lab, UlqMethod::Laq, UlqMethod::Pow2, UlqMethod::Activation);
    p.bits = p.method == UlqMethod::Activation ? *rc::gen::inRange(1, 17) : *rc::gen::inRange(2, 9);
    p.betas = {in_precision(p.precision, std::ldexp(static_cast<double>(*rc::gen::inRange(1, 1000)), *rc::gen::inRange(-70, 50)))};
    const std::vector<double> w = arbitrary_tensor(p.precision);
    const std::vector<double> d = ulq_needs_curvature(p.method) ? std::vector<double>(w.size(), 0.75) : std::vector<double>{};
    const UlqResult once = ref::ulq_quantize(p, w, d, {}).result;
    const UlqResult twice = ref::ulq_quantize(p, once.values, d, {}).result;
    for (size_t i = 0; i < w.size(); ++i) RC_ASSERT(twice.values[i] == once.values[i]);
  });
  property("odd symmetry Q(-w) = -Q(w), except sign(0) := +1", 500, [] {
    UlqParams p;
    p.precision = *rc::gen::element(UlqPrecision::Float32, UlqPrecision::Float64);
    p.method = *rc::gen::element(UlqMethod::Binary, UlqMethod::Ternary, UlqMethod::TernaryTwn, UlqMethod::Lab, UlqMethod::Laq, UlqMethod::Pow2);
    p.bits = *rc::gen::inRange(2, 9);
    const std::vector<double> w = arbitrary_tensor(p.precision);
    std::vector<double> negated(w.size());
    std::transform(w.begin(), w.end(), negated.begin(), [](double v) { return -v; });
    const std::vector<double> d = ulq_needs_curvature(p.method) ? std::vector<double>(w.size(), 2.0) : std::vector<double>{};
    const UlqResult a = fast::ulq_quantize(p, w, d, {}).result, b = fast::ulq_quantize(p, negated, d, {}).result;
    RC_ASSERT(a.scale == b.scale);
    for (size_t i = 0; i < w.size(); ++i) {
      if (w[i] == 0 && (p.method == UlqMethod::Binary || p.method == UlqMethod::Lab)) {
        RC_ASSERT(a.codes[i] == 1 && b.codes[i] == 1);
      } else {
        RC_ASSERT(a.codes[i] == -b.codes[i]);
        RC_ASSERT(a.values[i] == -b.values[i]);
      }
    }
  });
}

// ---- the incremental partition --------------------------------------------------------------------

TEST_CASE("ulq: incremental partition — largest first, monotone, frozen weights stay frozen", "[ulq][partition]") {
  std::mt19937_64 random(runner_options().seed + 4);
  const std::vector<double> ratios = {0.5, 0.75, 0.875, 1.0};
  for (int trial = 0; trial < 50; ++trial) {
    const size_t n = 1 + static_cast<size_t>(trial * 7 % 97);
    std::vector<double> w = small_integers(n, trial % 2 ? 3 : 1000, random);
    const std::vector<int> steps = ref::ulq_partition_steps(w, ratios);
    CHECK(fast::ulq_partition_steps(w, ratios) == steps);
    // Monotone: a larger |w|, or an equal |w| at a lower index, is frozen no later.
    for (size_t i = 0; i < n; ++i)
      for (size_t j = 0; j < n; ++j)
        if (std::fabs(w[i]) > std::fabs(w[j]) || (std::fabs(w[i]) == std::fabs(w[j]) && i < j)) CHECK(steps[i] <= steps[j]);
    // Cumulative counts ceil(σ·n).
    for (size_t s = 0; s < ratios.size(); ++s)
      CHECK(static_cast<size_t>(std::count_if(steps.begin(), steps.end(), [&](int v) { return v >= 1 && v <= static_cast<int>(s + 1); })) ==
            static_cast<size_t>(std::ceil(ratios[s] * static_cast<double>(n))));
    // Retraining between steps (the unfrozen weights move): frozen weights never change, the
    // frozen set only grows, and fast and reference pick the same elements.
    std::vector<uint8_t> frozen(n, 0);
    std::normal_distribution<double> nudge(0.0, 50.0);
    for (double ratio : ratios) {
      const size_t count = static_cast<size_t>(std::ceil(ratio * static_cast<double>(n)));
      const std::vector<uint8_t> next = ref::ulq_partition_next(w, frozen, count);
      CHECK(fast::ulq_partition_next(w, frozen, count) == next);
      CHECK(static_cast<size_t>(std::count(next.begin(), next.end(), uint8_t{1})) == count);
      for (size_t i = 0; i < n; ++i) CHECK(next[i] >= frozen[i]);
      frozen = next;
      for (size_t i = 0; i < n; ++i)
        if (!frozen[i]) w[i] = std::round(w[i] + nudge(random));
    }
  }
}

// ---- known answers and the loss proxy -------------------------------------------------------------

TEST_CASE("ulq: known answers", "[ulq]") {
  UlqParams p;
  const auto run = [&](UlqMethod m, std::vector<double> w) {
    p.method = m;
    const UlqOutcome r = ref::ulq_quantize(p, w, ulq_needs_curvature(m) ? std::vector<double>(w.size(), 1.0) : std::vector<double>{}, {});
    INFO(to_string(m) << ": " << r.error);
    REQUIRE(r.ok);
    CHECK(difference(fast::ulq_quantize(p, w, ulq_needs_curvature(m) ? std::vector<double>(w.size(), 1.0) : std::vector<double>{}, {}), r).empty());
    return r.result;
  };
  // Ternary [3, 1, 1]: S²/k = 9, 8, 25/3 -> k* = 1, α = 3. TWN: Δ = 0.7·5/3 = 7/6 -> the same.
  CHECK(run(UlqMethod::Ternary, {3, 1, 1}).codes == std::vector<int32_t>{1, 0, 0});
  CHECK(run(UlqMethod::TernaryTwn, {3, 1, -1}).scale == 3.0);
  CHECK(run(UlqMethod::Ternary, {1, -1}).codes == std::vector<int32_t>{1, -1});  // 1, then 4/2 = 2
  // Binary [1, 0, 0]: α = RN32(1/3) = 0x1.555556p-2; sign(0) = +1; float64: 0x1.5555555555555p-2.
  const UlqResult binary = run(UlqMethod::Binary, {1, 0, -0.0});
  CHECK(binary.scale == 0x1.555556p-2);
  CHECK(binary.codes == std::vector<int32_t>{1, 1, 1});
  p.precision = UlqPrecision::Float64;
  CHECK(run(UlqMethod::Binary, {1, 0, 0}).scale == 0x1.5555555555555p-2);
  p.precision = UlqPrecision::Float32;
  // pow2, 3 bits, max 0.9: n1 = floor(log2 1.2) = 0, n2 = -1, levels {0, ±0.5, ±1}: 0.75 and 0.25
  // are ties (to the larger), 0.2 and 0.6 are not.
  p.bits = 3;
  const UlqResult pow2 = run(UlqMethod::Pow2, {0.9f, 0.75f, 0.6f, 0.25f, -0.2f, -0.3f});
  CHECK(pow2.n1 == 0);
  CHECK(pow2.values == std::vector<double>{1, 1, 0.5, 0.5, 0, -0.5});
  CHECK(pow2.codes == std::vector<int32_t>{1, 1, 2, 2, 0, -2});
  // LAQ with d = 1 on [4, 2, 1]: α0 = 7/3, {|w| > 7/6} -> α1 = 3, {|w| > 3/2} -> α2 = 3: fixed.
  const UlqResult laq = run(UlqMethod::Laq, {4, 2, 1});
  CHECK(laq.scale == 3.0);
  CHECK(laq.iterations == 2);
  // Activation, 2 bits, β = 1: x = 0.5 -> t = RN32(1.5) = 1.5 -> code 2 (ties to even), x̂ = RN32(1/3)·2.
  p.method = UlqMethod::Activation;
  p.bits = 2;
  p.betas = {1.0};
  const UlqResult act = ref::ulq_quantize(p, std::vector<double>{0.5, -1, 7}, {}, {}).result;
  CHECK(act.codes == std::vector<int32_t>{2, 0, 3});
  CHECK(act.values == std::vector<double>{0x1.555556p-1, 0, 1});
}

TEST_CASE("ulq: loss-error proxy, fast within its bound of the exact value", "[ulq]") {
  std::mt19937_64 random(runner_options().seed + 5);
  std::normal_distribution<double> normal(0.0, 1.0);
  for (int trial = 0; trial < 100; ++trial) {
    const size_t n = 1 + trial * 13 % 500;
    std::vector<double> w(n), w_hat(n), g(n);
    double magnitude = 0;
    for (size_t i = 0; i < n; ++i) {
      w[i] = normal(random), w_hat[i] = std::round(w[i] * 4) / 4, g[i] = normal(random);
      magnitude += std::fabs(g[i] * (w_hat[i] - w[i])) + 0.5 * (w_hat[i] - w[i]) * (w_hat[i] - w[i]);
    }
    const double exact = ref::ulq_loss_error(w, w_hat, g, 0.5);
    CHECK(std::fabs(fast::ulq_loss_error(w, w_hat, g, 0.5) - exact) <= (static_cast<double>(n) + 4) * 0x1p-52 * magnitude);
  }
  CHECK(ref::ulq_loss_error(std::vector<double>{1, 2}, std::vector<double>{1.5, 1}, std::vector<double>{2, 1}, 0.25) == 0.3125);  // |1 - 1| + 0.25·1.25
}

}  // namespace
}  // namespace lpc::test
