// lpconform reference — the schedule machine, the schedules and the exact training step of
// spec/recompute.md (recompute.hpp).
#include "reference/training/recompute.hpp"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>

#include "reference/common/exact_math.hpp"
#include "reference/sampler/random123.hpp"

namespace lpc::ref {

namespace {

using exact_math::cpp_int;
using exact_math::cpp_rational;

// §2.1: the action codes.
enum : int64_t { kForwardKeep = 0, kForwardOverwrite = 1, kBackward = 2, kLoss = 3 };

std::string layer_text(int64_t layer) { return "layer " + std::to_string(layer); }

}  // namespace

// §2.3, rule by rule. The live set is a bitmap over x_0..x_{n-1}; the live bytes are summed in
// cpp_int so no sum of untrusted sizes wraps, and reported as uint64 (the rule "live bytes above
// 2^64 - 1" rejects the list first).
ScheduleRun run_schedule(std::span<const uint64_t> bytes, std::span<const int64_t> actions) {
  ScheduleRun run;
  const uint64_t n = bytes.size();
  auto fail = [&](uint64_t index, std::string why) {
    run.ok = false;
    run.error_index = index;
    run.error = "action " + std::to_string(index) + ": " + why;
    return run;
  };
  if (n == 0) return fail(0, "no layers");
  std::vector<bool> live(n, false);
  live[0] = true;  // §2.2: the input x_0 is live at the start
  cpp_int live_bytes = bytes[0], peak = live_bytes;
  bool loss_done = false;
  int64_t next_backward = -1;  // the layer the next B must name, once the loss gradient is taken
  uint64_t forwards = 0;
  const cpp_int max64 = std::numeric_limits<uint64_t>::max();
  for (uint64_t index = 0; index < actions.size(); ++index) {
    const int64_t code = actions[index];
    if (code < 0) return fail(index, "code " + std::to_string(code) + " is negative");
    const int64_t kind = code % 4, layer = code / 4;
    if (kind == kLoss) {
      if (layer != 0) return fail(index, "code " + std::to_string(code) + ": the loss gradient is code 3 alone");
      if (loss_done) return fail(index, "the loss gradient is taken twice");
      return fail(index, "the loss gradient before layer " + std::to_string(n - 1) + "'s forward");  // replaced below when F(n-1) ran
    }
    if (static_cast<uint64_t>(layer) >= n) return fail(index, layer_text(layer) + " of " + std::to_string(n));
    const uint64_t i = static_cast<uint64_t>(layer);
    if (kind == kBackward) {
      if (!loss_done) return fail(index, "backward of " + layer_text(layer) + " before the loss gradient");
      if (layer != next_backward) return fail(index, "backward of " + layer_text(layer) + " where layer " + std::to_string(next_backward) + " is next");
      if (!live[i]) return fail(index, "backward of " + layer_text(layer) + " without its input x_" + std::to_string(i) + " live");
      peak = std::max(peak, live_bytes);
      live[i] = false;
      live_bytes -= bytes[i];
      --next_backward;
      continue;
    }
    // Forward, keeping or overwriting its input.
    if (!live[i]) return fail(index, "forward of " + layer_text(layer) + " without its input x_" + std::to_string(i) + " live");
    if (loss_done && i == n - 1) return fail(index, "forward of the last layer after the loss gradient");
    ++forwards;
    if (i + 1 < n) {
      if (live[i + 1]) return fail(index, "forward of " + layer_text(layer) + " while x_" + std::to_string(i + 1) + " is live");
      live_bytes += bytes[i + 1];  // the output is written while the input is still read
      if (live_bytes > max64) return fail(index, "live bytes above 2^64 - 1");
      peak = std::max(peak, live_bytes);
      live[i + 1] = true;
    }
    if (kind == kForwardOverwrite) {
      live[i] = false;
      live_bytes -= bytes[i];
    }
    if (i == n - 1) {
      // The network output goes to the loss gradient, which must be the very next action.
      if (index + 1 >= actions.size() || actions[index + 1] != kLoss)
        return fail(index + 1, "the loss gradient must follow the last layer's forward");
      ++index;
      loss_done = true;
      next_backward = static_cast<int64_t>(n) - 1;
    }
  }
  if (!loss_done) return fail(actions.size(), "the list ends before the loss gradient");
  if (next_backward != -1) return fail(actions.size(), "the list ends before the backward of layer " + std::to_string(next_backward));
  run.ok = true;
  run.peak_bytes = static_cast<uint64_t>(peak);
  run.forwards = forwards;
  run.recompute = forwards - n;
  return run;
}

// §3.5: β(s, r) = C(s + r, s); r is the unique integer with β(s, r - 1) < l <= β(s, r); then
// t(l, s) = r·l - β(s + 1, r - 1).
std::optional<uint64_t> revolve_forwards(uint64_t l, uint64_t s) {
  if (l <= 1) return 0;
  if (s == 0) return std::nullopt;
  auto beta = [](uint64_t a, uint64_t b) {  // C(a + b, a)
    cpp_int c = 1;
    for (uint64_t j = 1; j <= a; ++j) c = c * (b + j) / j;
    return c;
  };
  uint64_t r = 0;
  while (beta(s, r) < l) ++r;
  const cpp_int t = cpp_int(r) * l - (r == 0 ? cpp_int(0) : beta(s + 1, r - 1));
  return static_cast<uint64_t>(t);
}

namespace {

// §3.5: the schedule of a revolve subproblem from the tabulated recurrence
// T(l, s) = min over 1 <= m < l of m + T(l - m, s - 1) + T(m, s), T(1, s) = 0, T(l >= 2, 0) = none:
// x_a is live; advance m layers (keep, then overwrite) to x_{a+m}, reverse the right part with
// one snapshot fewer, then the left part. The smallest m that reaches the minimum is taken.
class RevolveTable {
 public:
  RevolveTable(uint64_t n, uint64_t s) : n_(n), s_(std::min(s, n)), t_((n + 1) * (s_ + 1), kNone), m_((n + 1) * (s_ + 1), 0) {
    for (uint64_t sn = 0; sn <= s_; ++sn) at(1, sn) = 0;
    for (uint64_t l = 2; l <= n_; ++l)
      for (uint64_t sn = 1; sn <= s_; ++sn)
        for (uint64_t m = 1; m < l; ++m) {
          const uint64_t right = at(l - m, sn - 1), left = at(m, sn);
          if (right == kNone || left == kNone) continue;
          if (m + right + left < at(l, sn)) {
            at(l, sn) = m + right + left;
            split(l, sn) = m;
          }
        }
  }
  void emit(uint64_t a, uint64_t l, uint64_t s, std::vector<int64_t>& out) const {
    s = std::min(s, s_);
    if (l == 1) {
      if (a == n_ - 1) {
        out.push_back(static_cast<int64_t>(4 * a + 0));
        out.push_back(3);
      }
      out.push_back(static_cast<int64_t>(4 * a + 2));
      return;
    }
    const uint64_t m = split(l, s);
    for (uint64_t j = 0; j < m; ++j) out.push_back(static_cast<int64_t>(4 * (a + j) + (j == 0 ? 0 : 1)));
    emit(a + m, l - m, s - 1, out);
    emit(a, m, s, out);
  }

 private:
  static constexpr uint64_t kNone = std::numeric_limits<uint64_t>::max();
  uint64_t& at(uint64_t l, uint64_t s) { return t_[l * (s_ + 1) + s]; }
  uint64_t& split(uint64_t l, uint64_t s) { return m_[l * (s_ + 1) + s]; }
  uint64_t split(uint64_t l, uint64_t s) const { return m_[l * (s_ + 1) + s]; }
  uint64_t n_, s_;
  std::vector<uint64_t> t_, m_;
};

}  // namespace

std::vector<int64_t> build_schedule(RecomputeKind kind, uint64_t n, uint64_t k, uint64_t slots) {
  std::vector<int64_t> out;
  auto f = [&](uint64_t i, bool keep) { out.push_back(static_cast<int64_t>(4 * i + (keep ? 0 : 1))); };
  if (kind == RecomputeKind::All) k = 1;
  if (kind == RecomputeKind::All || kind == RecomputeKind::Patent || kind == RecomputeKind::Segments) {
    // §3.2-3.4: checkpoints x_0, x_k, x_2k, ...; Segments keeps its last segment whole.
    const uint64_t last_start = (n - 1) / k * k;
    for (uint64_t i = 0; i < n; ++i) f(i, i % k == 0 || (kind == RecomputeKind::Segments && i >= last_start));
    out.push_back(3);
    for (uint64_t start = last_start + k; start >= k;) {
      start -= k;
      const uint64_t end = std::min(n, start + k);
      const bool regenerate = !(kind == RecomputeKind::Segments && start == last_start) && kind != RecomputeKind::All;
      if (regenerate)
        for (uint64_t i = start; i + 1 < end; ++i) f(i, true);
      for (uint64_t i = end; i > start; --i) out.push_back(static_cast<int64_t>(4 * (i - 1) + 2));
    }
    return out;
  }
  // §3.5 (Revolve; Auto resolves to a kind before it gets here).
  RevolveTable table(n, slots);
  table.emit(0, n, slots, out);
  return out;
}

uint64_t schedule_bound(RecomputeKind kind, std::span<const uint64_t> bytes, uint64_t k, uint64_t slots) {
  const uint64_t n = bytes.size();
  cpp_int sum = 0, max = 0;
  for (uint64_t b : bytes) {
    sum += b;
    max = std::max(max, cpp_int(b));
  }
  cpp_int bound;
  switch (kind) {
    case RecomputeKind::All: bound = sum; break;
    case RecomputeKind::Patent:
    case RecomputeKind::Segments: bound = (n * max + k - 1) / k + k * max; break;  // ⌈(n/k + k)·max⌉
    default: bound = (cpp_int(slots) + 2) * max; break;
  }
  return bound > cpp_int(std::numeric_limits<uint64_t>::max()) ? std::numeric_limits<uint64_t>::max() : static_cast<uint64_t>(bound);
}

ResolvedSchedule resolve_schedule(RecomputeKind kind, std::span<const uint64_t> bytes, uint64_t budget, uint64_t k, uint64_t slots) {
  ResolvedSchedule r;
  const uint64_t n = bytes.size();
  cpp_int sum = 0, max = 0;
  for (uint64_t b : bytes) {
    sum += b;
    max = std::max(max, cpp_int(b));
  }
  if (k == 0)
    while (k * k < n) ++k;  // ⌈√n⌉
  // The most snapshots the budget allows: (s + 2)·max <= budget.
  const cpp_int budget_slots = max == 0 ? cpp_int(n) : cpp_int(budget) / max - 2;
  if (kind == RecomputeKind::Auto) {
    if (budget == 0 || sum <= budget) {
      kind = RecomputeKind::All;
    } else if (budget_slots < 1) {
      r.error = "a budget of " + std::to_string(budget) + " bytes is below the minimum " + std::min(sum, cpp_int(3 * max)).str() +
                " bytes (the smaller of every activation and three of the largest, spec/recompute.md §3.7)";
      return r;
    } else {
      kind = RecomputeKind::Revolve;
      slots = 0;
    }
  }
  if (kind == RecomputeKind::Revolve && slots == 0) {
    if (budget == 0) {
      r.error = "revolve without slots needs a budget";
      return r;
    }
    if (budget_slots < 1) {
      r.error = "a budget of " + std::to_string(budget) + " bytes leaves revolve no snapshot: it needs 3 x " + max.str() + " bytes (spec/recompute.md §3.7)";
      return r;
    }
    slots = budget_slots > n ? n : static_cast<uint64_t>(budget_slots);
  }
  r.ok = true;
  r.kind = kind;
  r.k = k;
  r.slots = slots;
  return r;
}

uint64_t schedule_recompute(RecomputeKind kind, uint64_t n, uint64_t k, uint64_t slots) {
  const uint64_t segments = (n + k - 1) / k, last = n - (segments - 1) * k;
  switch (kind) {
    case RecomputeKind::All: return 0;
    case RecomputeKind::Patent: return n - segments;                 // every segment's interior
    case RecomputeKind::Segments: return n - segments - (last - 1);  // all but the last segment's
    default: return *revolve_forwards(n, std::min(slots, n)) + 1 - n;
  }
}

// ---- §4: the training step --------------------------------------------------------------------

namespace {

// One float32 operation rounded once from its exact value, zero signs as IEEE 754 gives them under
// round-to-nearest (§4.2): an exact zero sum is +0 unless both addends are -0; an exact zero
// product takes the xor of the signs.
float add32(float a, float b) {
  const cpp_rational s = exact_math::exact(a) + exact_math::exact(b);
  if (s == 0) return (std::signbit(a) && std::signbit(b)) ? -0.0f : 0.0f;
  return exact_math::to_float32(s);
}
float sub32(float a, float b) { return add32(a, -b); }
float mul32(float a, float b) {
  const cpp_rational p = exact_math::exact(a) * exact_math::exact(b);
  if (p == 0) return (std::signbit(a) != std::signbit(b)) ? -0.0f : 0.0f;
  return exact_math::to_float32(p);
}

struct Layer {
  uint64_t in = 0, out = 0, offset = 0;  // W_i: in x out at weights[offset]
};

}  // namespace

StepResult dense_backprop(const DenseNetwork& net) {
  StepResult result;
  const uint64_t n = net.widths.size() - 1, batch = net.batch;
  std::vector<Layer> layers(n);
  uint64_t offset = 0;
  for (uint64_t i = 0; i < n; ++i) {
    layers[i] = {net.widths[i], net.widths[i + 1], offset};
    offset += net.widths[i] * net.widths[i + 1];
  }
  // §4.1: the dropout scale RN32(256 / (256 - p)); keep iff the top byte of Philox4x32-10's x0 at
  // counter (element, layer, 0, 0) under key (seed_lo, seed_hi) is >= p.
  const float scale = exact_math::to_float32(cpp_rational(256, 256 - net.dropout));
  auto kept = [&](uint64_t layer, uint64_t element) {
    const Words4 w = philox4x32(10, {static_cast<uint32_t>(element), static_cast<uint32_t>(layer), 0, 0},
                                {static_cast<uint32_t>(net.seed), static_cast<uint32_t>(net.seed >> 32)});
    return (w[0] >> 24) >= net.dropout;
  };
  auto pre_activation = [&](uint64_t i, const std::vector<float>& x) {
    const Layer& L = layers[i];
    std::vector<float> z(batch * L.out);
    for (uint64_t b = 0; b < batch; ++b)
      for (uint64_t j = 0; j < L.out; ++j) {
        float acc = mul32(x[b * L.in], net.weights[L.offset + j]);
        for (uint64_t k = 1; k < L.in; ++k) acc = add32(acc, mul32(x[b * L.in + k], net.weights[L.offset + k * L.out + j]));
        z[b * L.out + j] = acc;
      }
    return z;
  };
  auto finite = [](const std::vector<float>& v) { return std::all_of(v.begin(), v.end(), [](float e) { return std::isfinite(e); }); };
  // Forward: keep every activation (plain backprop).
  std::vector<std::vector<float>> xs(n + 1);
  xs[0] = net.x;
  for (uint64_t i = 0; i < n; ++i) {
    const std::vector<float> z = pre_activation(i, xs[i]);
    std::vector<float> y(z.size());
    for (uint64_t e = 0; e < z.size(); ++e) {
      const float a = z[e] > 0 ? z[e] : 0.0f;
      y[e] = net.dropout == 0 ? a : (kept(i, e) ? mul32(a, scale) : 0.0f);
    }
    if (!finite(y)) {
      result.error = "layer " + std::to_string(i) + "'s output is not finite";
      return result;
    }
    xs[i + 1] = std::move(y);
  }
  // The loss gradient g_n = x_n - t, then backward from the last layer.
  std::vector<float> g(xs[n].size());
  for (uint64_t e = 0; e < g.size(); ++e) g[e] = sub32(xs[n][e], net.target[e]);
  result.weight_gradients.assign(offset, 0.0f);
  for (uint64_t i = n; i-- > 0;) {
    const Layer& L = layers[i];
    const std::vector<float> z = pre_activation(i, xs[i]);
    std::vector<float> dz(z.size());
    for (uint64_t e = 0; e < z.size(); ++e) {
      const bool pass = z[e] > 0 && (net.dropout == 0 || kept(i, e));
      dz[e] = !pass ? 0.0f : (net.dropout == 0 ? g[e] : mul32(g[e], scale));
    }
    for (uint64_t k = 0; k < L.in; ++k)
      for (uint64_t j = 0; j < L.out; ++j) {
        float acc = mul32(xs[i][k], dz[j]);
        for (uint64_t b = 1; b < batch; ++b) acc = add32(acc, mul32(xs[i][b * L.in + k], dz[b * L.out + j]));
        result.weight_gradients[L.offset + k * L.out + j] = acc;
      }
    if (i == 0) break;
    std::vector<float> gi(batch * L.in);
    for (uint64_t b = 0; b < batch; ++b)
      for (uint64_t k = 0; k < L.in; ++k) {
        float acc = mul32(dz[b * L.out], net.weights[L.offset + k * L.out]);
        for (uint64_t j = 1; j < L.out; ++j) acc = add32(acc, mul32(dz[b * L.out + j], net.weights[L.offset + k * L.out + j]));
        gi[b * L.in + k] = acc;
      }
    if (!finite(gi)) {
      result.error = "the gradient of x_" + std::to_string(i) + " is not finite";
      return result;
    }
    g = std::move(gi);
  }
  if (!finite(result.weight_gradients)) {
    result.error = "a weight gradient is not finite";
    return result;
  }
  result.ok = true;
  return result;
}

}  // namespace lpc::ref
