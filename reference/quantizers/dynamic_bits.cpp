// lpconform reference — dynamic per-block bit width in exact arithmetic (spec/quantizers.md §6).
#include "reference/quantizers/dynamic_bits.hpp"

#include <algorithm>
#include <cmath>

#include <boost/multiprecision/cpp_int.hpp>

namespace lpc::ref {

namespace {

using boost::multiprecision::cpp_int;
using boost::multiprecision::cpp_rational;

struct Group {
  std::vector<int64_t> elements;  // flat indices into x
  cpp_rational stat;
  size_t index = 0;  // row-major position of the group inside its block
};

// stat(g) < τ with τ a float32 that may be ±inf (§6.2).
bool below(const cpp_rational& stat, float tau) {
  if (std::isinf(tau)) return tau > 0;
  int exponent = 0;
  const double fraction = std::frexp(static_cast<double>(tau), &exponent);  // exact: tau = fraction·2^exponent
  const cpp_int significand = static_cast<int64_t>(std::ldexp(fraction, 53));
  const cpp_rational t = exponent - 53 >= 0 ? cpp_rational(significand << (exponent - 53)) : cpp_rational(significand, cpp_int(1) << (53 - exponent));
  return stat < t;
}

// §6.4 the low-precision value of x at the b_h scale.
int32_t low_value(const DynBitsParams& p, int32_t x) {
  const int d = p.high_bits - p.low_bits;
  const cpp_rational quotient(cpp_int(x), cpp_int(1) << d);
  cpp_int q = numerator(quotient) / denominator(quotient);
  if (quotient < 0 && q * denominator(quotient) != numerator(quotient)) --q;  // floor (= x asr d)
  if (p.low_value == DynLowValue::Rne) {
    const cpp_rational frac = quotient - cpp_rational(q);
    if (frac > cpp_rational(1, 2) || (frac == cpp_rational(1, 2) && q % 2 != 0)) ++q;
    q = std::min<cpp_int>(q, (cpp_int(1) << (p.low_bits - 1)) - 1);  // 127 → 8 needs b_l+1 bits: clamp
  }
  return static_cast<int32_t>(q * (cpp_int(1) << d));
}

}  // namespace

DynBitsOutcome dynbits(const DynBitsParams& p, std::span<const int32_t> x) {
  DynBitsOutcome out;
  if (const auto error = dynbits_params_error(p)) {
    out.error = *error;
    return out;
  }
  const auto [C, H, W] = p.shape;
  if (static_cast<int64_t>(x.size()) != C * H * W) {
    out.error = "expected " + std::to_string(C * H * W) + " elements (C·H·W), got " + std::to_string(x.size());
    return out;
  }
  const int64_t hi_code = (int64_t{1} << (p.high_bits - 1)) - 1;
  for (size_t i = 0; i < x.size(); ++i)
    if (x[i] < -hi_code - 1 || x[i] > hi_code) {
      out.error = "element " + std::to_string(i) + ": " + std::to_string(x[i]) + " is not a signed " + std::to_string(p.high_bits) + "-bit value";
      return out;
    }
  out.y.assign(x.begin(), x.end());
  out.low.assign(x.size(), 0);
  const int64_t unit = kDynBitsBudgetUnit, span_bits = (p.high_bits - p.low_bits) * unit;
  size_t block_index = 0;
  for (int64_t c0 = 0; c0 < C; c0 += p.block[0])
    for (int64_t h0 = 0; h0 < H; h0 += p.block[1])
      for (int64_t w0 = 0; w0 < W; w0 += p.block[2], ++block_index) {
        // 1. The block (cut at the edges) and its groups in row-major (h, w) order.
        const int64_t c1 = std::min(C, c0 + p.block[0]), h1 = std::min(H, h0 + p.block[1]), w1 = std::min(W, w0 + p.block[2]);
        std::vector<Group> groups;
        for (int64_t gh = h0; gh < h1; gh += p.group[0])
          for (int64_t gw = w0; gw < w1; gw += p.group[1]) {
            Group g;
            g.index = groups.size();
            cpp_int sum = 0, largest = 0;
            for (int64_t c = c0; c < c1; ++c)
              for (int64_t h = gh; h < std::min(h1, gh + p.group[0]); ++h)
                for (int64_t w = gw; w < std::min(w1, gw + p.group[1]); ++w) {
                  const int64_t i = (c * H + h) * W + w;
                  g.elements.push_back(i);
                  const cpp_int magnitude = x[i] < 0 ? cpp_int(-int64_t{x[i]}) : cpp_int(x[i]);
                  sum += magnitude;
                  largest = std::max(largest, magnitude);
                }
            // 2. The statistic (§6.2), exact.
            g.stat = p.stat == DynStat::Max ? cpp_rational(largest) : p.stat == DynStat::Sum ? cpp_rational(sum) : cpp_rational(sum, cpp_int(g.elements.size()));
            groups.push_back(std::move(g));
          }
        // 3. Rank by (stat, index); the threshold's low set is a prefix of the ranking.
        std::stable_sort(groups.begin(), groups.end(), [](const Group& a, const Group& b) { return a.stat < b.stat; });
        const float tau = p.thresholds.size() == 1 ? p.thresholds[0] : p.thresholds[block_index];
        size_t k = 0;
        int64_t low_elements = 0;
        while (k < groups.size() && below(groups[k].stat, tau)) low_elements += static_cast<int64_t>(groups[k++].elements.size());
        // 4. The bounds in elements (§6.3), exact: E_min = ceil(n(b_h - B*)/(b_h - b_l)), E_max = floor(...B_min...).
        const int64_t n = (c1 - c0) * (h1 - h0) * (w1 - w0);
        const cpp_rational e_min_exact(cpp_int(n) * (p.high_bits * unit - p.budget_256), cpp_int(span_bits));
        const cpp_rational e_max_exact(cpp_int(n) * (p.high_bits * unit - p.min_bits_256), cpp_int(span_bits));
        // 5. Enforce (§6.3): add the next ranked groups while below E_min; otherwise remove the last
        //    ranked low groups while above E_max, never going below E_min (the budget wins).
        if (low_elements < e_min_exact) {
          while (low_elements < e_min_exact) low_elements += static_cast<int64_t>(groups[k++].elements.size());
        } else {
          while (low_elements > e_max_exact && low_elements - static_cast<int64_t>(groups[k - 1].elements.size()) >= e_min_exact)
            low_elements -= static_cast<int64_t>(groups[--k].elements.size());
        }
        // 6. Values and cost.
        for (size_t j = 0; j < k; ++j)
          for (int64_t i : groups[j].elements) {
            out.low[i] = 1;
            out.y[i] = low_value(p, x[i]);
          }
        out.block_bits.push_back(low_elements * p.low_bits + (n - low_elements) * p.high_bits);
      }
  out.ok = true;
  return out;
}

}  // namespace lpc::ref
