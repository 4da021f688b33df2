// Dynamic per-block bit width (spec/quantizers.md §6): fast == reference on random feature maps,
// partitions, thresholds and budgets; the invariants of §6.5 (τ = -inf is the all-high path,
// τ = +inf with B_min = b_l is all-low, monotone in τ, the budget honoured, ragged edge blocks
// counted by element); known answers; parameter errors.
#include <catch2/catch.hpp>

#include <algorithm>
#include <limits>
#include <vector>

#include "conformance/tests/support/property.hpp"
#include "impls/fast/quantizers/dynamic_bits.hpp"
#include "reference/quantizers/dynamic_bits.hpp"

namespace lpc::test {
namespace {

constexpr float kInf = std::numeric_limits<float>::infinity();

ref::DynBitsOutcome fast_dynbits(const DynBitsParams& p, const std::vector<int32_t>& x) {
  ref::DynBitsOutcome out;
  out.y.resize(x.size());
  out.low.resize(x.size());
  out.block_bits.resize(static_cast<size_t>(p.block_count()));
  const auto error = fast::dynbits(p, x, out.y, out.low, out.block_bits);
  out.ok = !error;
  if (error) out.error = error->message;
  return out;
}

// Random valid parameters over a small map, and a map for them.
std::pair<DynBitsParams, std::vector<int32_t>> random_case() {
  DynBitsParams p;
  p.shape = {*rc::gen::inRange<int64_t>(1, 4), *rc::gen::inRange<int64_t>(1, 10), *rc::gen::inRange<int64_t>(1, 10)};
  p.group = {*rc::gen::inRange<int64_t>(1, 4), *rc::gen::inRange<int64_t>(1, 4)};
  p.block = {*rc::gen::inRange<int64_t>(1, 4), p.group[0] * *rc::gen::inRange<int64_t>(1, 3), p.group[1] * *rc::gen::inRange<int64_t>(1, 3)};
  p.high_bits = *rc::gen::inRange(2, 17);
  p.low_bits = *rc::gen::inRange(1, p.high_bits);
  p.budget_256 = *rc::gen::inRange<int64_t>(p.low_bits * 256, p.high_bits * 256 + 1);
  p.min_bits_256 = *rc::gen::inRange<int64_t>(p.low_bits * 256, p.budget_256 + 1);
  p.stat = *rc::gen::element(DynStat::Max, DynStat::Mean, DynStat::Sum);
  p.low_value = *rc::gen::element(DynLowValue::Truncate, DynLowValue::Rne);
  const int32_t top = (1 << (p.high_bits - 1)) - 1;
  std::vector<int32_t> x(static_cast<size_t>(p.element_count()));
  const bool few_values = *rc::gen::arbitrary<bool>();  // many equal stats: the tie rule matters
  for (int32_t& v : x) v = few_values ? std::clamp(*rc::gen::inRange(-2, 3), -top - 1, top) : *rc::gen::inRange(-top - 1, top + 1);
  const float tau_cap = static_cast<float>(top) * (p.stat == DynStat::Sum ? 40.0f : 1.5f);
  const size_t thresholds = *rc::gen::arbitrary<bool>() ? 1 : static_cast<size_t>(p.block_count());
  for (size_t i = 0; i < thresholds; ++i) {
    const int kind = *rc::gen::inRange(0, 6);
    p.thresholds.push_back(kind == 0 ? -kInf : kind == 1 ? kInf : static_cast<float>(*rc::gen::inRange(-4, static_cast<int>(tau_cap) + 2)) * (kind == 2 ? 0.5f : 1.0f));
  }
  return {p, x};
}

TEST_CASE("dynbits: fast == reference on random maps, partitions, thresholds and budgets", "[dynbits][property]") {
  property("random case", 1500, [] {
    const auto [p, x] = random_case();
    RC_ASSERT(!dynbits_params_error(p));
    const ref::DynBitsOutcome want = ref::dynbits(p, x), got = fast_dynbits(p, x);
    RC_ASSERT(want.ok);
    RC_ASSERT(got.ok);
    RC_ASSERT(got.y == want.y);
    RC_ASSERT(got.low == want.low);
    RC_ASSERT(got.block_bits == want.block_bits);
  });
}

// Each block's element count, in block order.
std::vector<int64_t> block_sizes(const DynBitsParams& p) {
  std::vector<int64_t> sizes;
  for (int64_t c = 0; c < p.shape[0]; c += p.block[0])
    for (int64_t h = 0; h < p.shape[1]; h += p.block[1])
      for (int64_t w = 0; w < p.shape[2]; w += p.block[2])
        sizes.push_back(std::min(p.block[0], p.shape[0] - c) * std::min(p.block[1], p.shape[1] - h) * std::min(p.block[2], p.shape[2] - w));
  return sizes;
}

TEST_CASE("dynbits: invariants of §6.5", "[dynbits][property]") {
  property("budget honoured; cost within [b_l·n, b_h·n]; B_min honoured with one-element groups", 800, [] {
    auto [p, x] = random_case();
    if (*rc::gen::arbitrary<bool>()) {  // one-element groups: both bounds are exactly reachable
      p.group = {1, 1};
      p.block[0] = 1;
      if (p.thresholds.size() != 1) p.thresholds.assign(static_cast<size_t>(p.block_count()), p.thresholds[0]);  // more blocks now
    }
    RC_ASSERT(!dynbits_params_error(p));
    const ref::DynBitsOutcome r = ref::dynbits(p, x);
    RC_ASSERT(r.ok);
    const std::vector<int64_t> sizes = block_sizes(p);
    for (size_t b = 0; b < sizes.size(); ++b) {
      RC_ASSERT(r.block_bits[b] * 256 <= p.budget_256 * sizes[b]);  // mean bits <= B*
      RC_ASSERT(r.block_bits[b] >= p.low_bits * sizes[b]);
      RC_ASSERT(r.block_bits[b] <= p.high_bits * sizes[b]);
      if (p.group[0] * p.group[1] * p.block[0] == 1) RC_ASSERT(r.block_bits[b] * 256 >= p.min_bits_256 * sizes[b] - 256 * (p.high_bits - p.low_bits) + 1);
    }
    int64_t low_count = 0;
    for (uint8_t l : r.low) low_count += l;
    int64_t bits = 0;
    for (int64_t b : r.block_bits) bits += b;
    RC_ASSERT(bits == low_count * p.low_bits + (static_cast<int64_t>(x.size()) - low_count) * p.high_bits);  // ragged blocks by element
  });
  property("tau = -inf with B* = b_h is the all-high path; tau = +inf with B_min = b_l is all-low", 400, [] {
    auto [p, x] = random_case();
    p.thresholds = {-kInf};
    p.budget_256 = p.high_bits * 256;
    const ref::DynBitsOutcome high = fast_dynbits(p, x);
    RC_ASSERT(high.y == x);
    RC_ASSERT(std::count(high.low.begin(), high.low.end(), 1) == 0);
    p.thresholds = {kInf};
    p.min_bits_256 = p.low_bits * 256;
    const ref::DynBitsOutcome low = fast_dynbits(p, x);
    RC_ASSERT(std::count(low.low.begin(), low.low.end(), 0) == 0);
  });
  property("monotone in tau: raising every threshold never turns a low group high", 600, [] {
    auto [p, x] = random_case();
    const ref::DynBitsOutcome before = fast_dynbits(p, x);
    for (float& t : p.thresholds) t = t + static_cast<float>(*rc::gen::inRange(0, 50));
    const ref::DynBitsOutcome after = fast_dynbits(p, x);
    for (size_t i = 0; i < x.size(); ++i) RC_ASSERT(after.low[i] >= before.low[i]);
  });
}

TEST_CASE("dynbits: ragged edge blocks, all-zero input, low values (known answers)", "[dynbits]") {
  DynBitsParams p;
  p.shape = {1, 5, 5};
  p.block = {1, 4, 4};
  p.group = {2, 2};
  p.high_bits = 8;
  p.low_bits = 4;
  p.budget_256 = 8 * 256;
  p.min_bits_256 = 4 * 256;
  p.thresholds = {kInf};
  const std::vector<int32_t> x(25, 7);
  // Blocks 4x4, 4x1, 1x4, 1x1, all low: 4 bits per element.
  CHECK(ref::dynbits(p, x).block_bits == std::vector<int64_t>{64, 16, 16, 4});
  CHECK(fast_dynbits(p, x).block_bits == std::vector<int64_t>{64, 16, 16, 4});
  // All zeros, τ = 0: nothing is below 0, so the budget B* = 6 (E_min = ceil(n·2/4)) picks groups in
  // index order (all stats equal): 4x4 block: 2 of 4 groups; 4x1 block (groups of 2): 1 of 2;
  // 1x4 block: 1 of 2; 1x1: ceil(1/2) = 1 element, its one group.
  p.thresholds = {0.0f};
  p.budget_256 = 6 * 256;
  const std::vector<int32_t> zeros(25, 0);
  for (const ref::DynBitsOutcome& r : {ref::dynbits(p, zeros), fast_dynbits(p, zeros)}) {
    CHECK(r.block_bits == std::vector<int64_t>{96, 24, 24, 4});
    CHECK(r.y == zeros);
    CHECK(r.low[0] == 1);   // group 0 of block 0
    CHECK(r.low[2] == 1);   // group 1 of block 0
    CHECK(r.low[10] == 0);  // group 2 of block 0 (row 2)
  }
  // Low values, b_h = 8, b_l = 4 (d = 4): truncation is x asr 4 << 4; RNE rounds x/16 to even,
  // clamped to the 4-bit range (127/16 -> 8 -> 7).
  DynBitsParams q;
  q.shape = {1, 1, 7};
  q.block = {1, 1, 7};
  q.thresholds = {kInf};
  const std::vector<int32_t> v{127, 24, 40, -8, -24, -128, 8};
  q.low_value = DynLowValue::Truncate;
  CHECK(ref::dynbits(q, v).y == std::vector<int32_t>{112, 16, 32, -16, -32, -128, 0});
  CHECK(fast_dynbits(q, v).y == std::vector<int32_t>{112, 16, 32, -16, -32, -128, 0});
  q.low_value = DynLowValue::Rne;
  CHECK(ref::dynbits(q, v).y == std::vector<int32_t>{112, 32, 32, 0, -32, -128, 0});
  CHECK(fast_dynbits(q, v).y == std::vector<int32_t>{112, 32, 32, 0, -32, -128, 0});
}

TEST_CASE("dynbits: parameter and input errors", "[dynbits]") {
  DynBitsParams p;
  p.shape = {1, 4, 4};
  p.block = {1, 4, 4};
  p.group = {2, 2};
  p.thresholds = {1.0f};
  CHECK_FALSE(dynbits_params_error(p));
  DynBitsParams same = p;
  same.low_bits = same.high_bits;
  REQUIRE(dynbits_params_error(same));
  CHECK(dynbits_params_error(same)->find("b_h - b_l = 0") != std::string::npos);
  DynBitsParams ragged_group = p;
  ragged_group.group = {3, 2};  // 3 does not divide 4
  CHECK(dynbits_params_error(ragged_group));
  DynBitsParams zero_block = p;
  zero_block.block = {1, 0, 4};
  CHECK(dynbits_params_error(zero_block));
  DynBitsParams thresholds = p;
  thresholds.thresholds = {1.0f, 2.0f};
  CHECK(dynbits_params_error(thresholds));
  CHECK_FALSE(ref::dynbits(thresholds, std::vector<int32_t>(16, 0)).ok);  // the reference checks too
  DynBitsParams budget = p;
  budget.budget_256 = 9 * 256;
  CHECK(dynbits_params_error(budget));
  budget.budget_256 = 5 * 256;
  budget.min_bits_256 = 6 * 256;  // B_min > B*
  CHECK(dynbits_params_error(budget));
  std::vector<int32_t> x(16, 0);
  x[5] = 128;  // not an int8
  CHECK_FALSE(ref::dynbits(p, x).ok);
  CHECK_FALSE(fast_dynbits(p, x).ok);
  CHECK_FALSE(ref::dynbits(p, std::vector<int32_t>(15, 0)).ok);
}

}  // namespace
}  // namespace lpc::test
