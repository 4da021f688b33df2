// Training under memory restraint (spec/recompute.md): known answers worked by hand and from
// Griewank and Walther's binomial formula, the schedule machine's rules with the action index of
// each rejection, the scheduler's bounds on random requests (RapidCheck), gradients bit for bit
// equal across schedules and to the exact reference, and the op's comparison catching planted
// faults. Expected values never come from the code under test.
#include <catch2/catch.hpp>

#include <bit>
#include <cstdint>
#include <limits>
#include <random>
#include <vector>

#include "conformance/ops/derive.hpp"
#include "conformance/tests/support/property.hpp"
#include "impls/chip/training/recompute_timing.hpp"
#include "impls/fast/training/recompute.hpp"
#include "reference/training/recompute.hpp"

namespace {

using lpc::fast::RecomputeKind;
constexpr uint64_t kNone = std::numeric_limits<uint64_t>::max();

// ---- the test's own derivations of Griewank's t(l, s) -------------------------------------------

// C(a, b) by Pascal's triangle (no division), for a <= 80.
uint64_t choose(uint64_t a, uint64_t b) {
  static std::vector<std::vector<uint64_t>> pascal;
  if (pascal.empty())
    for (uint64_t i = 0; i <= 80; ++i) {
      pascal.emplace_back(i + 1, 1);
      for (uint64_t j = 1; j < i; ++j) pascal[i][j] = pascal[i - 1][j - 1] + pascal[i - 1][j];
    }
  return b > a ? 0 : pascal.at(a).at(b);
}

// The closed form of Griewank & Walther (Algorithm 799): r with C(s+r-1, s) < l <= C(s+r, s),
// t = r·l - C(s+r, s+1).
uint64_t closed_form_t(uint64_t l, uint64_t s) {
  if (l <= 1) return 0;
  if (s == 0) return kNone;
  uint64_t r = 0;
  while (choose(s + r, s) < l) ++r;
  return r * l - choose(s + r, s + 1);
}

// Brute force over every split: T(l, s) = min_m m + T(l-m, s-1) + T(m, s), by memoized recursion.
uint64_t brute_force_t(uint64_t l, uint64_t s, std::vector<std::vector<uint64_t>>& memo) {
  if (l <= 1) return 0;
  if (s == 0) return kNone;
  uint64_t& slot = memo.at(l).at(s);
  if (slot) return slot;
  uint64_t best = kNone;
  for (uint64_t m = 1; m < l; ++m) {
    const uint64_t right = brute_force_t(l - m, s - 1, memo), left = brute_force_t(m, s, memo);
    if (right != kNone && left != kNone) best = std::min(best, m + right + left);
  }
  return slot = best;
}

std::vector<uint64_t> uniform(uint64_t n, uint64_t b) { return std::vector<uint64_t>(n, b); }

lpc::fast::SchedulePlan plan_or_fail(RecomputeKind kind, const std::vector<uint64_t>& bytes, uint64_t budget, uint64_t k, uint64_t slots) {
  lpc::fast::SchedulePlan plan;
  const auto error = lpc::fast::plan_schedule(kind, bytes, budget, k, slots, plan);
  INFO((error ? *error : std::string("planned")));
  REQUIRE(!error);
  return plan;
}

}  // namespace

TEST_CASE("revolve: Griewank's t(l, s), two derivations in the test and the spec's table", "[recompute][known]") {
  // The spec's rows (spec/recompute.md §3.5), worked from the formula by hand.
  const std::vector<std::vector<uint64_t>> rows = {{0, 1, 3, 6, 10, 15, 21, 28, 36, 45, 55, 66},
                                                   {0, 1, 2, 4, 6, 8, 11, 14, 17, 20, 24, 28},
                                                   {0, 1, 2, 3, 5, 7, 9, 11, 13, 15, 18, 21}};
  std::vector<std::vector<uint64_t>> memo(61, std::vector<uint64_t>(12, 0));
  for (uint64_t s = 1; s <= 3; ++s)
    for (uint64_t l = 1; l <= 12; ++l) {
      CHECK(closed_form_t(l, s) == rows[s - 1][l - 1]);
      CHECK(brute_force_t(l, s, memo) == rows[s - 1][l - 1]);
    }
  for (uint64_t l = 1; l <= 60; ++l)
    for (uint64_t s = 1; s <= 11; ++s) {
      INFO("l " << l << " s " << s);
      REQUIRE(closed_form_t(l, s) == brute_force_t(l, s, memo));
      // The reference's closed form (cpp_int binomials) against the test's.
      REQUIRE(lpc::ref::revolve_forwards(l, s) == closed_form_t(l, s));
    }
  CHECK(!lpc::ref::revolve_forwards(2, 0));
  CHECK(lpc::ref::revolve_forwards(1, 0) == 0u);
}

TEST_CASE("revolve: schedules reach the optimal recompute count, peak within (s + 2) activations", "[recompute][known]") {
  // recompute = t(n, s) + 1 - n: the spec's table for n = 10 and 50.
  const std::vector<std::tuple<uint64_t, uint64_t, uint64_t>> table = {
      {10, 1, 36}, {10, 2, 11}, {10, 3, 6}, {10, 4, 5}, {10, 10, 0}, {50, 1, 1176}, {50, 2, 236}, {50, 3, 131}, {50, 4, 95}, {50, 5, 73}, {50, 7, 56}, {50, 10, 39}, {50, 50, 0}};
  for (const auto& [n, s, recompute] : table) {
    INFO("n " << n << " s " << s);
    const std::vector<uint64_t> bytes = uniform(n, 64);
    const auto plan = plan_or_fail(RecomputeKind::Revolve, bytes, 0, 0, s);
    const lpc::ref::ScheduleRun run = lpc::ref::run_schedule(bytes, plan.actions);
    REQUIRE(run.ok);
    CHECK(run.recompute == recompute);
    CHECK(plan.recompute == recompute);
    CHECK(run.peak_bytes == plan.peak_bytes);
    CHECK(run.peak_bytes <= (s + 2) * 64);
    const auto ref_actions = lpc::ref::build_schedule(lpc::ref::RecomputeKind::Revolve, n, 0, s);
    const lpc::ref::ScheduleRun ref_run = lpc::ref::run_schedule(bytes, ref_actions);
    REQUIRE(ref_run.ok);
    CHECK(ref_run.recompute == recompute);
    CHECK(lpc::ref::schedule_recompute(lpc::ref::RecomputeKind::Revolve, n, 1, s) == recompute);
  }
  // Every n <= 40 and s <= 8 against the test's brute force.
  std::vector<std::vector<uint64_t>> memo(41, std::vector<uint64_t>(9, 0));
  for (uint64_t n = 1; n <= 40; ++n)
    for (uint64_t s = 1; s <= 8; ++s) {
      const std::vector<uint64_t> bytes = uniform(n, 4);
      const auto plan = plan_or_fail(RecomputeKind::Revolve, bytes, 0, 0, s);
      const lpc::ref::ScheduleRun run = lpc::ref::run_schedule(bytes, plan.actions);
      INFO("n " << n << " s " << s << (run.ok ? "" : ": " + run.error));
      REQUIRE(run.ok);
      REQUIRE(run.recompute == brute_force_t(n, std::min(s, n), memo) + 1 - n);
      REQUIRE(run.peak_bytes <= (s + 2) * 4);
    }
}

TEST_CASE("patent, segments, revolve: action lists worked by hand", "[recompute][known]") {
  // spec/recompute.md §3.3, n = 4, k = 2: F0 keep, F1 overwrite, F2 keep, F3 overwrite, L; segment
  // 1 regenerated (F2 keep), B3, B2; segment 0 (F0 keep), B1, B0. Recompute 2 = n - q; peak 3 units.
  const std::vector<int64_t> patent = {0, 5, 8, 13, 3, 8, 14, 10, 0, 6, 2};
  // §3.4: the last segment kept whole (F3 keep) and not regenerated: recompute 1.
  const std::vector<int64_t> segments = {0, 5, 8, 12, 3, 14, 10, 0, 6, 2};
  // §3.5, n = 3, s = 1: advance 2 (F0 keep, F1 overwrite), F2 keep, L, B2, F0 keep, B1, B0:
  // t(3, 1) = 3 advances + 1 = 4 forwards, recompute 1; peak x0 + the working pair = 3.
  const std::vector<int64_t> revolve = {0, 5, 8, 3, 10, 0, 6, 2};
  const std::vector<int64_t> all = {0, 4, 8, 12, 3, 14, 10, 6, 2};
  struct Want {
    RecomputeKind kind;
    lpc::ref::RecomputeKind ref_kind;
    uint64_t n, k, slots;
    const std::vector<int64_t>* actions;
    uint64_t recompute, peak_units;
  };
  for (const Want& w : {Want{RecomputeKind::Patent, lpc::ref::RecomputeKind::Patent, 4, 2, 0, &patent, 2, 3},
                        Want{RecomputeKind::Segments, lpc::ref::RecomputeKind::Segments, 4, 2, 0, &segments, 1, 3},
                        Want{RecomputeKind::Revolve, lpc::ref::RecomputeKind::Revolve, 3, 0, 1, &revolve, 1, 3},
                        Want{RecomputeKind::All, lpc::ref::RecomputeKind::All, 4, 0, 0, &all, 0, 4}}) {
    const std::vector<uint64_t> bytes = uniform(w.n, 100);
    const auto plan = plan_or_fail(w.kind, bytes, 0, w.k, w.slots);
    CHECK(plan.actions == *w.actions);
    CHECK(plan.recompute == w.recompute);
    CHECK(plan.peak_bytes == w.peak_units * 100);
    CHECK(lpc::ref::build_schedule(w.ref_kind, w.n, w.k ? w.k : 1, w.slots) == *w.actions);
    const lpc::ref::ScheduleRun run = lpc::ref::run_schedule(bytes, *w.actions);
    REQUIRE(run.ok);
    CHECK(run.recompute == w.recompute);
    CHECK(run.peak_bytes == w.peak_units * 100);
  }
  // Varied sizes, patent n = 4, k = 2, bytes 10 20 30 40: the peak is F1's step (x0 + x1 + x2 =
  // 60) or the regeneration of segment 1 (x0 + x2 + x3 = 80): 80.
  const std::vector<uint64_t> varied = {10, 20, 30, 40};
  CHECK(lpc::ref::run_schedule(varied, patent).peak_bytes == 80u);
  CHECK(lpc::fast::check_schedule(varied, patent).peak_bytes == 80u);
  // The bound ⌈(n/k + k)·M⌉ = (2 + 2)·40 and the uniform (n/k + k) for n = 10, k = 3: ⌈(10/3 + 3)·7⌉ = 45.
  CHECK(lpc::ref::schedule_bound(lpc::ref::RecomputeKind::Patent, varied, 2, 0) == 160u);
  CHECK(lpc::ref::schedule_bound(lpc::ref::RecomputeKind::Segments, uniform(10, 7), 3, 0) == 45u);
}

TEST_CASE("a budget picks the schedule; below the minimum it is an error", "[recompute][known]") {
  const std::vector<uint64_t> bytes = uniform(10, 8);  // Σ = 80, M = 8
  // Auto: 80 fits all; 79 takes revolve with s = ⌊79/8⌋ - 2 = 7; 24 = 3M takes s = 1 (recompute
  // 36); 23 is below min(80, 24) = 24.
  CHECK(plan_or_fail(RecomputeKind::Auto, bytes, 80, 0, 0).kind == RecomputeKind::All);
  const auto seven = plan_or_fail(RecomputeKind::Auto, bytes, 79, 0, 0);
  CHECK(seven.kind == RecomputeKind::Revolve);
  CHECK(seven.slots == 7u);
  CHECK(seven.peak_bytes <= 79u);
  const auto one = plan_or_fail(RecomputeKind::Auto, bytes, 24, 0, 0);
  CHECK(one.slots == 1u);
  CHECK(one.recompute == 36u);
  lpc::fast::SchedulePlan plan;
  const auto error = lpc::fast::plan_schedule(RecomputeKind::Auto, bytes, 23, 0, 0, plan);
  REQUIRE(error);
  CHECK_THAT(*error, Catch::Contains("below the minimum 24 bytes"));
  const lpc::ref::ResolvedSchedule ref23 = lpc::ref::resolve_schedule(lpc::ref::RecomputeKind::Auto, bytes, 23, 0, 0);
  CHECK(!ref23.ok);
  CHECK_THAT(ref23.error, Catch::Contains("below the minimum 24 bytes"));
  // A kind whose peak is above the budget: keep everything in 79 bytes.
  CHECK(lpc::fast::plan_schedule(RecomputeKind::All, bytes, 79, 0, 0, plan));
  // Revolve without slots and without a budget.
  CHECK(lpc::fast::plan_schedule(RecomputeKind::Revolve, bytes, 0, 0, 0, plan));
  // One layer: the minimum is its own activation.
  CHECK(!lpc::fast::plan_schedule(RecomputeKind::Auto, uniform(1, 8), 8, 0, 0, plan));
  CHECK(lpc::fast::plan_schedule(RecomputeKind::Auto, uniform(1, 8), 7, 0, 0, plan));
}

TEST_CASE("the schedule machine names the action of the first broken rule", "[recompute][bad-input]") {
  const std::vector<uint64_t> three = uniform(3, 4);
  struct Bad {
    std::vector<int64_t> actions;
    uint64_t index;
    const char* why;
  };
  const std::vector<Bad> bad = {
      {{}, 0, "ends before the loss gradient"},
      {{2}, 0, "backward of layer 0 before the loss gradient"},
      {{-4}, 0, "negative"},
      {{7}, 0, "the loss gradient is code 3 alone"},
      {{3}, 0, "the loss gradient before layer 2"},
      {{12}, 0, "layer 3 of 3"},
      {{4}, 0, "without its input x_1 live"},
      {{0, 0}, 1, "while x_1 is live"},
      {{0, 4, 8}, 3, "the loss gradient must follow"},
      {{0, 4, 8, 2}, 3, "the loss gradient must follow"},
      {{0, 4, 8, 3, 6}, 4, "where layer 2 is next"},
      {{0, 5, 8, 3, 10, 6}, 5, "without its input x_1 live"},
      {{0, 4, 8, 3, 8}, 4, "forward of the last layer after the loss gradient"},
      {{0, 4, 8, 3, 10, 6}, 6, "before the backward of layer 0"},
      {{0, 4, 8, 3, 10, 6, 2, 2}, 7, "where layer -1 is next"},
  };
  for (const Bad& b : bad) {
    const lpc::ref::ScheduleRun run = lpc::ref::run_schedule(three, b.actions);
    const lpc::fast::ScheduleCheck check = lpc::fast::check_schedule(three, b.actions);
    INFO(run.error);
    CHECK(!run.ok);
    CHECK(run.error_index == b.index);
    CHECK_THAT(run.error, Catch::Contains(b.why));
    CHECK(!check.ok);
    CHECK(check.error_index == b.index);
  }
  // Live bytes past 2^64 - 1 at the forward that adds them.
  const std::vector<uint64_t> huge = {uint64_t{1} << 63, uint64_t{1} << 63};
  CHECK(lpc::ref::run_schedule(huge, std::vector<int64_t>{0, 4, 3, 6, 2}).error_index == 0u);
  CHECK(lpc::fast::check_schedule(huge, std::vector<int64_t>{0, 4, 3, 6, 2}).error_index == 0u);
  CHECK(!lpc::ref::run_schedule(std::vector<uint64_t>{}, std::vector<int64_t>{}).ok);
}

TEST_CASE("properties: every plan is valid on the reference's machine and meets its bounds", "[recompute][property]") {
  lpc::test::property("fast plans against the reference machine and the spec's counts", 300, [] {
    const uint64_t n = *rc::gen::inRange<uint64_t>(1, 61);
    std::vector<uint64_t> bytes(n);
    for (uint64_t& b : bytes) b = *rc::gen::inRange<uint64_t>(1, 1000);
    const int kind_index = *rc::gen::inRange(0, 5);
    const uint64_t k = *rc::gen::inRange<uint64_t>(0, n + 1), slots = *rc::gen::inRange<uint64_t>(0, n + 1);
    const uint64_t budget = *rc::gen::element<int>(0, 1) ? 0 : *rc::gen::inRange<uint64_t>(1, 60000);
    RC_CLASSIFY(kind_index == 4, "auto");
    lpc::fast::SchedulePlan plan;
    const auto error = lpc::fast::plan_schedule(static_cast<RecomputeKind>(kind_index), bytes, budget, k, slots, plan);
    const auto ref_kind = static_cast<lpc::ref::RecomputeKind>(kind_index);
    const lpc::ref::ResolvedSchedule r = lpc::ref::resolve_schedule(ref_kind, bytes, budget, k, slots);
    if (!r.ok) {
      RC_ASSERT(error.has_value());
      return;
    }
    const lpc::ref::ScheduleRun ref_plan = lpc::ref::run_schedule(bytes, lpc::ref::build_schedule(r.kind, n, r.k, r.slots));
    RC_ASSERT(ref_plan.ok);
    if (budget && ref_plan.peak_bytes > budget) {
      RC_ASSERT(error.has_value());
      return;
    }
    RC_ASSERT(!error.has_value());
    const lpc::ref::ScheduleRun run = lpc::ref::run_schedule(bytes, plan.actions);
    RC_ASSERT(run.ok);
    RC_ASSERT(run.peak_bytes == plan.peak_bytes);
    RC_ASSERT(run.recompute == plan.recompute);
    RC_ASSERT(plan.recompute == lpc::ref::schedule_recompute(r.kind, n, r.k, r.slots));
    RC_ASSERT(plan.bound_bytes == lpc::ref::schedule_bound(r.kind, bytes, r.k, r.slots));
    RC_ASSERT(run.peak_bytes <= plan.bound_bytes);
    if (budget) RC_ASSERT(run.peak_bytes <= budget);
    // Uniform sizes: the (n/k + k)·size and the tighter q + k - 1.
    const uint64_t max = *std::max_element(bytes.begin(), bytes.end());
    if (r.kind == lpc::ref::RecomputeKind::Patent || r.kind == lpc::ref::RecomputeKind::Segments)
      RC_ASSERT(run.peak_bytes * r.k <= (n + r.k * r.k) * max);
  });
  lpc::test::property("the fast machine agrees with the reference on arbitrary lists", 500, [] {
    const uint64_t n = *rc::gen::inRange<uint64_t>(1, 8);
    std::vector<uint64_t> bytes(n);
    for (uint64_t& b : bytes) b = *rc::gen::inRange<uint64_t>(0, 50);
    // A valid list, then a few edits (so both valid and broken lists occur).
    lpc::fast::SchedulePlan plan;
    RC_ASSERT(!lpc::fast::plan_schedule(static_cast<RecomputeKind>(*rc::gen::inRange(0, 4)), std::vector<uint64_t>(n, 1), 0, 0, 1, plan));
    std::vector<int64_t> actions = plan.actions;
    const int edits = *rc::gen::inRange(0, 3);
    for (int e = 0; e < edits && !actions.empty(); ++e) {
      const size_t at = *rc::gen::inRange<size_t>(0, actions.size());
      actions[at] = *rc::gen::inRange<int64_t>(-1, static_cast<int64_t>(4 * n + 1));
    }
    RC_CLASSIFY(edits == 0, "unedited");
    const lpc::ref::ScheduleRun run = lpc::ref::run_schedule(bytes, actions);
    const lpc::fast::ScheduleCheck check = lpc::fast::check_schedule(bytes, actions);
    RC_CLASSIFY(run.ok, "valid");
    RC_ASSERT(run.ok == check.ok);
    RC_ASSERT(run.error_index == check.error_index);
    if (run.ok) {
      RC_ASSERT(run.peak_bytes == check.peak_bytes);
      RC_ASSERT(run.forwards == check.forwards);
    }
  });
}

namespace {

struct Network {
  std::vector<uint64_t> widths;
  uint64_t batch;
  std::vector<float> weights, x, target;
  uint32_t dropout;
  uint64_t seed;
};

Network random_network(std::mt19937_64& rng, uint64_t n, uint64_t max_width) {
  Network net;
  for (uint64_t i = 0; i < n; ++i) net.widths.push_back(1 + rng() % max_width);
  net.widths.push_back(net.widths.back());
  net.batch = 1 + rng() % 3;
  auto dyadic = [&](int span, float den) { return static_cast<float>(static_cast<int>(rng() % (2 * span + 1)) - span) / den; };
  for (uint64_t i = 0; i < n; ++i)
    for (uint64_t e = 0; e < net.widths[i] * net.widths[i + 1]; ++e) net.weights.push_back(dyadic(4, 64) + dyadic(4, 8192));
  for (uint64_t e = 0; e < net.batch * net.widths[0]; ++e) net.x.push_back(dyadic(8, 8) + dyadic(8, 1024));
  for (uint64_t e = 0; e < net.batch * net.widths[n]; ++e) net.target.push_back(dyadic(8, 16));
  const uint32_t rates[] = {0, 64, 128};
  net.dropout = rates[rng() % 3];
  net.seed = rng();
  return net;
}

lpc::fast::DenseNet fast_view(const Network& net) { return {net.widths, net.batch, net.weights, net.x, net.target, net.dropout, net.seed}; }

std::vector<uint64_t> activation_bytes(const Network& net) {
  std::vector<uint64_t> b;
  for (size_t i = 0; i + 1 < net.widths.size(); ++i) b.push_back(4 * net.batch * net.widths[i]);
  return b;
}

}  // namespace

TEST_CASE("the training step: one layer worked by hand", "[recompute][gradients][known]") {
  // x = 0.5, W = 1/16: z = 1/32 > 0, x_1 = 1/32, t = 0: g = 1/32, dz = 1/32, dW = x·dz = 1/64.
  Network net{{1, 1}, 1, {0.0625f}, {0.5f}, {0.0f}, 0, 0};
  const lpc::ref::StepResult want = lpc::ref::dense_backprop({net.widths, 1, net.weights, net.x, net.target, 0, 0});
  REQUIRE(want.ok);
  CHECK(want.weight_gradients == std::vector<float>{0.015625f});
  std::vector<float> got(1);
  REQUIRE(lpc::fast::execute_schedule(fast_view(net), std::vector<int64_t>{0, 3, 2}, got).ok);
  CHECK(got == std::vector<float>{0.015625f});
  // A negative pre-activation: ReLU passes nothing, the gradient is +0 (x·(+0) with x > 0).
  net.weights = {-0.0625f};
  REQUIRE(lpc::fast::execute_schedule(fast_view(net), std::vector<int64_t>{0, 3, 2}, got).ok);
  CHECK(std::bit_cast<uint32_t>(got[0]) == 0u);
  // Two layers 1 -> 2 -> 2, W_0 = [1/16, -1/16], W_1 = [[1/16, 0], [0, 1/16]], x = 1, t = 0:
  // x_1 = [1/16, 0], x_2 = [1/256, 0]; g_2 = [1/256, 0]; dz_1 = [1/256, 0] (z > 0 only at 0);
  // dW_1 = x_1ᵀ dz = [[1/4096, 0], [0, 0]]; g_1 = dz·W_1ᵀ = [1/4096, 0]; dz_0 = [1/4096, 0];
  // dW_0 = [1/4096, 0].
  Network two{{1, 2, 2}, 1, {0.0625f, -0.0625f, 0.0625f, 0.0f, 0.0f, 0.0625f}, {1.0f}, {0.0f, 0.0f}, 0, 0};
  const lpc::ref::StepResult want2 = lpc::ref::dense_backprop({two.widths, 1, two.weights, two.x, two.target, 0, 0});
  REQUIRE(want2.ok);
  const std::vector<float> hand = {1.0f / 4096, 0.0f, 1.0f / 4096, 0.0f, 0.0f, 0.0f};
  CHECK(want2.weight_gradients == hand);
  std::vector<float> got2(6);
  REQUIRE(lpc::fast::execute_schedule(fast_view(two), std::vector<int64_t>{0, 5, 3, 0, 6, 2}, got2).ok);  // x_1 overwritten, regenerated
  CHECK(got2 == hand);
}

TEST_CASE("gradients of every schedule equal plain backprop and the exact reference bit for bit", "[recompute][gradients]") {
  const uint64_t seed = 20261208;
  std::mt19937_64 rng(seed);
  INFO("seed " << seed);
  int nonzero = 0, dropped = 0;
  for (int trial = 0; trial < 60; ++trial) {
    const uint64_t n = 1 + rng() % 12;
    const Network net = random_network(rng, n, 6);
    const std::vector<uint64_t> bytes = activation_bytes(net);
    const lpc::ref::StepResult want = lpc::ref::dense_backprop({net.widths, net.batch, net.weights, net.x, net.target, net.dropout, net.seed});
    REQUIRE(want.ok);
    std::vector<float> plain(want.weight_gradients.size());
    const auto all = plan_or_fail(RecomputeKind::All, bytes, 0, 0, 0);
    REQUIRE(lpc::fast::execute_schedule(fast_view(net), all.actions, plain).ok);
    REQUIRE_FALSE(lpc::fast::first_bit_difference(plain, want.weight_gradients));
    for (float g : plain) nonzero += g != 0;
    dropped += net.dropout != 0;
    for (int kind = 1; kind <= 3; ++kind) {
      const uint64_t k = 1 + rng() % n, slots = 1 + rng() % n;
      const auto plan = plan_or_fail(static_cast<RecomputeKind>(kind), bytes, 0, k, slots);
      std::vector<float> got(plain.size());
      const lpc::fast::Execution ex = lpc::fast::execute_schedule(fast_view(net), plan.actions, got);
      INFO("trial " << trial << " kind " << kind << " n " << n << " k " << k << " slots " << slots);
      REQUIRE(ex.ok);
      CHECK(ex.measured_peak_bytes == plan.peak_bytes);
      CHECK(ex.forwards == n + plan.recompute);
      CHECK_FALSE(lpc::fast::first_bit_difference(got, plain));
    }
  }
  CHECK(nonzero > 100);  // the networks are not trivially dead
  CHECK(dropped > 20);
}

TEST_CASE("the gradient check can fail: another dropout stream or a changed weight", "[recompute][gradients]") {
  std::mt19937_64 rng(7);
  int differing = 0;
  for (int trial = 0; trial < 40; ++trial) {
    Network net = random_network(rng, 4, 5);
    net.dropout = 128;
    const auto plan = plan_or_fail(RecomputeKind::Patent, activation_bytes(net), 0, 2, 0);
    std::vector<float> a(net.weights.size()), b(net.weights.size());
    REQUIRE(lpc::fast::execute_schedule(fast_view(net), plan.actions, a).ok);
    net.seed ^= 1;  // a regeneration replaying another stream would see this mask
    REQUIRE(lpc::fast::execute_schedule(fast_view(net), plan.actions, b).ok);
    differing += lpc::fast::first_bit_difference(a, b).has_value();
  }
  CHECK(differing > 10);
  // first_bit_difference finds one flipped bit anywhere, and -0 against +0.
  std::vector<float> x(5000, 1.0f), y = x;
  CHECK_FALSE(lpc::fast::first_bit_difference(x, y));
  y[4321] = std::bit_cast<float>(std::bit_cast<uint32_t>(1.0f) ^ 1u);
  CHECK(lpc::fast::first_bit_difference(x, y) == std::optional<size_t>(4321));
  std::vector<float> z = {0.0f}, mz = {-0.0f};
  CHECK(lpc::fast::first_bit_difference(z, mz) == std::optional<size_t>(0));
}

TEST_CASE("the op's comparison catches planted faults", "[recompute][op]") {
  const lpc::ops::OpSchema* op = lpc::ops::find_op("recompute-schedule");
  REQUIRE(op);
  lpc::ops::Params item;
  item.set("schedule", std::string("revolve"));
  item.set("dropout", int64_t{64});
  lpc::InputSpec inputs;
  inputs.boundary = true;
  const std::vector<lpc::ops::OpCase> cases = op->cases(item, inputs, 11);
  REQUIRE(cases.size() > 10);
  lpc::ops::OpCase c = cases[12];
  c.op = op;
  std::vector<lpc::ops::Tensor> got, want;
  std::string error;
  REQUIRE((*op->binding("fast"))(c, got, error) == lpc::OpStatus::Ok);
  REQUIRE((*op->binding("reference"))(c, want, error) == lpc::OpStatus::Ok);
  auto mismatches = [&](const std::vector<lpc::ops::Tensor>& g) {
    lpc::ops::CompareSink sink;
    op->compare(c, g, want, sink);
    return sink.mismatches;
  };
  CHECK(mismatches(got) == 0u);
  auto planted = got;
  planted[4].floats[0] = std::nextafter(static_cast<float>(planted[4].floats[0]), 1.0f);  // one gradient one ulp off
  CHECK(mismatches(planted) == 1u);
  planted = got;
  planted[1].ints[0] += 1;  // a claimed peak the list does not have
  CHECK(mismatches(planted) >= 1u);
  planted = got;
  planted[5].ints[0] -= 4;  // the executor's measured peak differs from the machine's
  CHECK(mismatches(planted) == 1u);
  planted = got;
  std::swap(planted[0].ints[0], planted[0].ints[1]);  // a broken list
  CHECK(mismatches(planted) == 1u);
  planted = got;  // a valid list with one recompute more: x_0's first forward done twice
  planted[0].ints.insert(planted[0].ints.begin(), {0, 6});
  CHECK(mismatches(planted) >= 1u);
}

TEST_CASE("the chip model times a schedule against keep-everything", "[recompute][chip]") {
  // spec/recompute.md §6 worked by hand: widths 4, 4, 4 (n = 2), batch 2, an 8 x 8 weight-stationary
  // array (spec/chip_timing.md §3: cycles = folds·(2R + C + T - 2) - 1). Forward (M 2, N 4, K 4):
  // Sr 4, Sc 4, T 2: 2·8 + 8 + 2 - 2 - 1 = 23. Weight gradient (M 4, N 4, K 2): T 4: 25. Data
  // gradient (M 2, N 4, K 4): 23. Keep everything (F0 F1 L B1 B0): 23 + 23 + (23 + 25 + 23) + (23 + 25)
  // = 165; activation reads 4 x 32 bytes (x_0 and x_1 by F and B), writes 32 (x_1). The patent with k = 2 (F0 keep, F1
  // overwrite, L, F0 keep, B1, B0) adds one forward of layer 0: 188 cycles, 23 recomputed, reads
  // 160, writes 64.
  const std::vector<uint64_t> widths = {4, 4, 4};
  lpc::chip::ScheduleTiming all, patent;
  REQUIRE(!lpc::chip::schedule_timing(widths, 2, std::vector<int64_t>{0, 4, 3, 6, 2}, {8, 8}, lpc::chip::Dataflow::WeightStationary, all));
  CHECK(all.cycles == 165u);
  CHECK(all.recompute_cycles == 0u);
  CHECK(all.activation_reads == 128u);
  CHECK(all.activation_writes == 32u);
  REQUIRE(!lpc::chip::schedule_timing(widths, 2, std::vector<int64_t>{0, 5, 3, 0, 6, 2}, {8, 8}, lpc::chip::Dataflow::WeightStationary, patent));
  CHECK(patent.cycles == 188u);
  CHECK(patent.recompute_cycles == 23u);
  CHECK(patent.activation_reads == 160u);
  CHECK(patent.activation_writes == 64u);
  // The identity on larger plans: a schedule's cycles are keep-everything's plus its recomputed
  // forwards' (every schedule runs the same backward actions and each layer's first forward once).
  std::mt19937_64 rng(99);
  for (int trial = 0; trial < 30; ++trial) {
    const uint64_t n = 1 + rng() % 30, batch = 1 + rng() % 16;
    std::vector<uint64_t> w(n + 1), bytes(n);
    for (uint64_t i = 0; i < n; ++i) {
      w[i] = 1 + rng() % 200;
      bytes[i] = 4 * batch * w[i];
    }
    w[n] = w[n - 1];
    lpc::chip::ScheduleTiming base, timed;
    REQUIRE(!lpc::chip::schedule_timing(w, batch, plan_or_fail(RecomputeKind::All, bytes, 0, 0, 0).actions, {32, 32}, lpc::chip::Dataflow::OutputStationary, base));
    const auto plan = plan_or_fail(RecomputeKind::Revolve, bytes, 0, 0, 1 + rng() % n);
    REQUIRE(!lpc::chip::schedule_timing(w, batch, plan.actions, {32, 32}, lpc::chip::Dataflow::OutputStationary, timed));
    CHECK(timed.cycles == base.cycles + timed.recompute_cycles);
    CHECK((plan.recompute == 0) == (timed.recompute_cycles == 0));
    CHECK(timed.activation_writes >= base.activation_writes);
  }
  lpc::chip::ScheduleTiming bad;
  CHECK(lpc::chip::schedule_timing(widths, 2, std::vector<int64_t>{0, 8}, {8, 8}, lpc::chip::Dataflow::WeightStationary, bad));
}
