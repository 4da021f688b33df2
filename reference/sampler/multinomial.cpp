// lpconform reference — the banked cumulative sum and multinomial selection (multinomial.hpp),
// clause by clause from spec/sampler.md §2.
#include "reference/sampler/multinomial.hpp"

#include <cmath>

#include "reference/common/exact_math.hpp"
#include "spec/formats/format.hpp"

namespace lpc::ref {

namespace {

using exact_math::cpp_rational;

// A non-negative extended real: an exact value, or +inf (a sum that overflowed the format).
struct Sum {
  bool infinite = false;
  cpp_rational value;
};

const Format& format_of(SamplerFormat f) {
  return format_by_name(f == SamplerFormat::Float32 ? "float32" : f == SamplerFormat::Bfloat16 ? "bfloat16" : "float16");
}

// The roundings of §2.1-2.2 and of every sum: RN_F, or none (the exact-real index).
class Arithmetic {
 public:
  Arithmetic(SamplerFormat format, bool round_sums) : round_sums_(round_sums) {
    const Format& f = format_of(format);  // p, emin, emax from spec/formats.csv (§2.1's table)
    precision_ = f.man_bits + 1;
    emin_ = 1 - f.bias;
    overflow_ = exact_math::pow2(((1 << f.exp_bits) - 2 - f.bias) + 1);
  }
  // RN_F(x) for x >= 0: +inf once the rounded value reaches 2^(emax+1).
  Sum round(const cpp_rational& x) const {
    const cpp_rational r = exact_math::round_to_precision(x, precision_, emin_);
    return r >= overflow_ ? Sum{true, 0} : Sum{false, r};
  }
  // §2.2: w' = RN_F(w); -0 is +0 (its exact value is 0). Every path rounds the weights.
  Sum weight(float w) const { return round(exact_math::exact(w)); }
  // RN_F(a + b) (§2.4-2.5), or a + b exactly.
  Sum add(const Sum& a, const Sum& b) const {
    if (a.infinite || b.infinite) return {true, 0};
    return round_sums_ ? round(a.value + b.value) : Sum{false, a.value + b.value};
  }
  // §2.6: RN_F(c / total), or c / total exactly. Precondition: total finite and > 0, c finite.
  Sum divide(const Sum& c, const Sum& total) const { return round_sums_ ? round(c.value / total.value) : Sum{false, c.value / total.value}; }
  int precision() const { return precision_; }
  int emin() const { return emin_; }

 private:
  bool round_sums_;
  int precision_ = 0, emin_ = 0;
  cpp_rational overflow_;
};

// §2.3-2.5: the global sums C_j of the rounded weights w'.
std::vector<Sum> global_sums(const Arithmetic& f, const std::vector<Sum>& w, uint32_t banks) {
  const size_t n = w.size(), length = (n + banks - 1) / banks;  // §2.3: L = ceil(N/B)
  std::vector<Sum> c(n);
  // Step 1: each bank's cumulative sum, S_{b,0} = w'_{bL}, S_{b,i} = RN_F(S_{b,i-1} + w'_{bL+i}).
  std::vector<Sum> totals(banks);  // T_b; +0 for an empty bank
  for (uint32_t b = 0; b < banks; ++b)
    for (size_t i = 0, j = b * length; i < length && j < n; ++i, ++j) {
      c[j] = i == 0 ? w[j] : f.add(c[j - 1], w[j]);
      totals[b] = c[j];
    }
  // Step 2: the bank totals' scan, P_0 = T_0, P_b = RN_F(P_{b-1} + T_b).
  std::vector<Sum> scan(banks);
  for (uint32_t b = 0; b < banks; ++b) scan[b] = b == 0 ? totals[0] : f.add(scan[b - 1], totals[b]);
  // Step 3: offset O_b = P_{b-1} added to every sum of bank b >= 1 (bank 0's offset is 0).
  for (uint32_t b = 1; b < banks; ++b)
    for (size_t i = 0, j = b * length; i < length && j < n; ++i, ++j) c[j] = f.add(scan[b - 1], c[j]);
  return c;
}

std::vector<Sum> rounded_weights(const Arithmetic& f, std::span<const float> weights) {
  std::vector<Sum> w;
  for (float x : weights) w.push_back(f.weight(x));
  return w;
}

// §2.6: Ĉ. Precondition: the weights passed sampler_weights_error (under total, C_{N-1} finite > 0).
std::vector<Sum> normalized_sums(const Arithmetic& f, const std::vector<Sum>& w, const SamplerParams& p) {
  std::vector<Sum> c = global_sums(f, w, p.banks);
  if (p.normalize == Normalization::Total) {
    const Sum total = c.back();
    for (Sum& s : c) s = f.divide(s, total);
  }
  return c;
}

// §2.7-2.8: k = #{j : u >= Ĉ_j}, u = m · 2^-24 with m = floor(x / 2^8); k = N is -1 ("no category").
// For an integer m, m · 2^-24 >= c exactly when m >= ceil(c · 2^24), so each sum becomes one integer
// threshold, computed exactly once per row; +inf (and any sum above 1) is never reached by m < 2^24.
class Selection {
 public:
  explicit Selection(const std::vector<Sum>& sums) {
    constexpr int32_t kNever = int32_t{1} << 24;  // above every m
    for (const Sum& c : sums) {
      if (c.infinite || c.value >= 1) {
        thresholds_.push_back(kNever);
        continue;
      }
      thresholds_.push_back(static_cast<int32_t>(exact_math::ceil_of(c.value * kNever)));  // in [0, 2^24]
    }
  }
  int64_t operator()(uint32_t word) const {
    const int32_t m = static_cast<int32_t>(word >> 8);
    uint32_t k = 0;  // N <= 2^32 - 1 (a row's categories are counted in 32 bits)
    for (int32_t t : thresholds_) k += m >= t;
    return k == thresholds_.size() ? -1 : static_cast<int64_t>(k);
  }

 private:
  std::vector<int32_t> thresholds_;
};

int64_t select(const std::vector<Sum>& sums, uint32_t word) { return Selection(sums)(word); }

std::string format_name(SamplerFormat f) { return format_of(f).name; }

IndexOutcome draw(const SamplerParams& p, std::span<const float> weights, std::span<const uint32_t> words, bool round_sums) {
  IndexOutcome out;
  if (auto e = sampler_weights_error(p, weights, words.size())) {
    out.error = *e;
    return out;
  }
  const Arithmetic f(p.format, round_sums);
  std::vector<Sum> w = rounded_weights(f, weights);
  if (p.replacement == Replacement::With) {
    const Selection select_word(normalized_sums(f, w, p));
    for (uint32_t x : words) out.index.push_back(select_word(x));
  } else {
    // Sequential removal: each draw on the weights with every category drawn so far set to +0.
    for (uint32_t x : words) {
      const int64_t k = select(normalized_sums(f, w, p), x);
      out.index.push_back(k);
      w[static_cast<size_t>(k)] = Sum{};  // k >= 0: under total u < Ĉ_{N-1} = 1
    }
  }
  out.ok = true;
  return out;
}

}  // namespace

std::optional<std::string> sampler_weights_error(const SamplerParams& p, std::span<const float> weights, std::optional<size_t> samples) {
  const std::string where = " (spec/sampler.md §2.9)";
  if (weights.empty()) return "the weights are empty" + where;
  const Arithmetic f(p.format, true);
  size_t positive = 0;
  for (size_t j = 0; j < weights.size(); ++j) {
    const float w = weights[j];
    const std::string name = "weight " + std::to_string(j);
    if (std::isnan(w)) return name + " is NaN" + where;
    if (std::isinf(w)) return name + " is infinite" + where;
    if (w < 0) return name + " is negative" + where;
    const Sum rounded = f.weight(w);
    if (rounded.infinite) return name + " rounds to +inf in " + format_name(p.format) + where;
    positive += rounded.value > 0;
  }
  if (positive == 0 && (samples || p.normalize == Normalization::Total))
    return "every weight is zero in " + format_name(p.format) + " (an all-zero row)" + where;
  if (samples && p.replacement == Replacement::Without && *samples > positive)
    return std::to_string(*samples) + " samples without replacement from " + std::to_string(positive) + " categories of non-zero weight" + where;
  if (p.normalize == Normalization::Total && global_sums(f, rounded_weights(f, weights), p.banks).back().infinite)
    return "the total of the weights overflows " + format_name(p.format) + where;
  return std::nullopt;
}

SumsOutcome cumsum_banked(const SamplerParams& p, std::span<const float> weights) {
  SumsOutcome out;
  if (auto e = sampler_weights_error(p, weights, std::nullopt)) {
    out.error = *e;
    return out;
  }
  const Arithmetic f(p.format, true);
  for (const Sum& s : normalized_sums(f, rounded_weights(f, weights), p))
    out.sums.push_back(s.infinite ? INFINITY : exact_math::to_float32(s.value));  // exact: a value of F
  out.ok = true;
  return out;
}

IndexOutcome multinomial(const SamplerParams& p, std::span<const float> weights, std::span<const uint32_t> words) {
  return draw(p, weights, words, true);
}

IndexOutcome multinomial_exact_real(const SamplerParams& p, std::span<const float> weights, std::span<const uint32_t> words) {
  return draw(p, weights, words, false);
}

BoundedOutcome multinomial_bounded(const SamplerParams& p, std::span<const float> weights, std::span<const uint32_t> words) {
  BoundedOutcome out;
  if (auto e = sampler_weights_error(p, weights, words.size())) {
    out.error = *e;
    return out;
  }
  const Arithmetic exact(p.format, false);
  const std::vector<Sum> w = rounded_weights(exact, weights);
  // C*_j: the exact sums of the rounded weights (normalized by the exact total under total).
  const std::vector<Sum> c = normalized_sums(exact, w, p);
  const size_t n = w.size();
  cpp_rational total = 0;
  for (const Sum& x : w) total += x.value;
  // §2.10: ε = 2^-p, η = 2^(emin-p+1) (F's smallest subnormal); γ_k = kε / (1 - kε).
  const cpp_rational eps = exact_math::pow2(-exact.precision()), eta = exact_math::pow2(exact.emin() - exact.precision() + 1);
  const bool total_norm = p.normalize == Normalization::Total;
  const cpp_rational k_eps = cpp_rational(total_norm ? 2 * n + 2 : n) * eps;
  const bool unbounded = k_eps >= 1;  // the bound says nothing: every index is permitted
  const cpp_rational gamma = unbounded ? cpp_rational(0) : k_eps / (1 - k_eps);
  const cpp_rational absolute = total_norm ? cpp_rational(4 * n) * eta / total + eta : cpp_rational(n) * eta;
  std::vector<cpp_rational> beta(n);
  for (size_t j = 0; j < n; ++j) beta[j] = gamma * c[j].value + absolute;
  for (uint32_t x : words) {
    const cpp_rational u(x >> 8, 1 << 24);
    size_t k = 0;
    while (k < n && u >= c[k].value) ++k;  // C* is non-decreasing
    size_t low = k, high = k;
    if (unbounded) {
      low = 0, high = total_norm ? n - 1 : n;
    } else {
      while (high < n && u >= c[high].value - beta[high]) ++high;    // boundaries above u within β
      while (low > 0 && u < c[low - 1].value + beta[low - 1]) --low;  // boundaries at or below u within β
      if (total_norm && high == n) high = n - 1;                       // u < 1 = Ĉ_{N-1} under total
    }
    out.index.push_back(k == n ? -1 : static_cast<int64_t>(k));
    out.low.push_back(static_cast<int64_t>(low));
    out.high.push_back(static_cast<int64_t>(high));
  }
  out.ok = true;
  return out;
}

}  // namespace lpc::ref
