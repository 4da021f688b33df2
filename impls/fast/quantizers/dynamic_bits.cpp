// lpconform fast — dynamic per-block bit width (spec/quantizers.md §6).
//
// Exactness: stats are integers (max, Σ) or Σ/n; Σ|x| <= 2^31·2^15 = 2^46, so (stat, τ)
// comparisons are exact in long double (64-bit significand: τ has 24 bits, n <= 2^31, τ·n has at
// most 55) and mean-vs-mean comparisons cross-multiply in 128-bit integers. The threshold's low set
// is a prefix of the (stat, index) ranking, so the spec's add/remove loops collapse to the clamp
// k = max(k_lo, min(k0, k_hi)) on prefix lengths, with L(k) the elements of the first k groups.
#include "impls/fast/quantizers/dynamic_bits.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <vector>

namespace lpc::fast {

namespace {

__extension__ typedef __int128 int128;
static_assert(std::numeric_limits<long double>::digits >= 64, "τ·n (55 bits) must be exact in long double");

struct GroupStat {
  int64_t value = 0;  // max|x| or Σ|x|
  int64_t count = 0;  // elements (the denominator for mean)
  int64_t h0 = 0, h1 = 0, w0 = 0, w1 = 0;
};

// ceil(a / b), floor(a / b) for a >= 0, b > 0.
int64_t ceil_div(int128 a, int64_t b) { return static_cast<int64_t>((a + b - 1) / b); }

}  // namespace

std::optional<DynBitsError> dynbits(const DynBitsParams& p, std::span<const int32_t> x, std::span<int32_t> y, std::span<uint8_t> low,
                                    std::span<int64_t> block_bits) {
  const auto [C, H, W] = p.shape;
  const int32_t hi_code = (int32_t{1} << (p.high_bits - 1)) - 1;
  for (size_t i = 0; i < x.size(); ++i)
    if (x[i] < -hi_code - 1 || x[i] > hi_code)
      return DynBitsError{i, std::to_string(x[i]) + " is not a signed " + std::to_string(p.high_bits) + "-bit value"};
  std::copy(x.begin(), x.end(), y.begin());
  std::fill(low.begin(), low.end(), uint8_t{0});

  const int d = p.high_bits - p.low_bits;
  const int32_t low_max = (int32_t{1} << (p.low_bits - 1)) - 1;
  const bool mean = p.stat == DynStat::Mean;
  const int64_t span_bits = int64_t{p.high_bits - p.low_bits} * kDynBitsBudgetUnit;
  std::vector<GroupStat> groups;
  std::vector<uint32_t> order;
  size_t block_index = 0;
  for (int64_t c0 = 0; c0 < C; c0 += p.block[0])
    for (int64_t h0 = 0; h0 < H; h0 += p.block[1])
      for (int64_t w0 = 0; w0 < W; w0 += p.block[2], ++block_index) {
        const int64_t c1 = std::min(C, c0 + p.block[0]), h1 = std::min(H, h0 + p.block[1]), w1 = std::min(W, w0 + p.block[2]);
        // 1. Group statistics, groups in row-major (h, w) order inside the block.
        groups.clear();
        for (int64_t gh = h0; gh < h1; gh += p.group[0])
          for (int64_t gw = w0; gw < w1; gw += p.group[1]) {
            GroupStat g{0, 0, gh, std::min(h1, gh + p.group[0]), gw, std::min(w1, gw + p.group[1])};
            for (int64_t c = c0; c < c1; ++c)
              for (int64_t h = g.h0; h < g.h1; ++h) {
                const int32_t* row = x.data() + (c * H + h) * W;
                int64_t sum = 0, largest = 0;
                for (int64_t w = g.w0; w < g.w1; ++w) {
                  const int64_t m = std::abs(int64_t{row[w]});
                  sum += m;
                  largest = std::max(largest, m);
                }
                g.value = p.stat == DynStat::Max ? std::max(g.value, largest) : g.value + sum;
              }
            g.count = (c1 - c0) * (g.h1 - g.h0) * (g.w1 - g.w0);
            groups.push_back(g);
          }
        // 2. Rank by (stat, index): a stable sort on stat.
        order.resize(groups.size());
        std::iota(order.begin(), order.end(), 0u);
        std::stable_sort(order.begin(), order.end(), [&](uint32_t a, uint32_t b) {
          if (!mean) return groups[a].value < groups[b].value;
          return int128{groups[a].value} * groups[b].count < int128{groups[b].value} * groups[a].count;
        });
        // 3. k0: the ranked prefix with stat < τ.
        const long double tau = p.thresholds.size() == 1 ? p.thresholds[0] : p.thresholds[block_index];
        size_t k0 = 0;
        while (k0 < order.size()) {
          const GroupStat& g = groups[order[k0]];
          if (!(static_cast<long double>(g.value) < (mean ? tau * static_cast<long double>(g.count) : tau))) break;
          ++k0;
        }
        // 4. E_min, E_max in elements; k_lo = first prefix reaching E_min, k_hi = last within E_max.
        const int64_t n = (c1 - c0) * (h1 - h0) * (w1 - w0);
        const int64_t e_min = ceil_div(int128{n} * (int64_t{p.high_bits} * kDynBitsBudgetUnit - p.budget_256), span_bits);
        const int64_t e_max = static_cast<int64_t>(int128{n} * (int64_t{p.high_bits} * kDynBitsBudgetUnit - p.min_bits_256) / span_bits);
        size_t k_lo = 0, k_hi = 0;
        int64_t prefix = 0;
        for (size_t k = 0;; ++k) {  // prefix = L(k)
          if (prefix < e_min) k_lo = k + 1;
          if (prefix <= e_max) k_hi = k;
          if (k == order.size()) break;
          prefix += groups[order[k]].count;
        }
        const size_t k = std::max(k_lo, std::min(k0, k_hi));
        // 5. Low values and the block's cost.
        int64_t low_elements = 0;
        for (size_t j = 0; j < k; ++j) {
          const GroupStat& g = groups[order[j]];
          low_elements += g.count;
          for (int64_t c = c0; c < c1; ++c)
            for (int64_t h = g.h0; h < g.h1; ++h)
              for (int64_t w = g.w0; w < g.w1; ++w) {
                const int64_t i = (c * H + h) * W + w;
                int32_t q = x[i] >> d;  // floor (arithmetic shift)
                if (p.low_value == DynLowValue::Rne) {
                  const int32_t rest = x[i] - q * (int32_t{1} << d), half = d == 0 ? 0 : int32_t{1} << (d - 1);
                  q += (rest > half || (rest == half && (q & 1))) ? 1 : 0;
                  q = std::min(q, low_max);
                }
                y[i] = q * (int32_t{1} << d);
                low[i] = 1;
              }
        }
        block_bits[block_index] = low_elements * p.low_bits + (n - low_elements) * p.high_bits;
      }
  return std::nullopt;
}

}  // namespace lpc::fast
