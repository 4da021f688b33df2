// lpconform fast — the recompute scheduler, the schedule machine and the float32 executor of
// spec/recompute.md (recompute.hpp).
#include "impls/fast/training/recompute.hpp"

#include <algorithm>
#include <bit>
#include <cstring>
#include <limits>

#include "impls/fast/sampler/random123.hpp"

namespace lpc::fast {

namespace {

__extension__ typedef unsigned __int128 u128;  // sums of 64-bit byte counts

constexpr uint64_t kInfinite = std::numeric_limits<uint64_t>::max();

// §3.5: t(l, s) by the binomial closed form. β(s, r) = C(s + r, r) grows with r by the factor
// (s + r)/r; r is the first with β(s, r) >= l; then β(s + 1, r - 1) = C(s + r, r - 1) = β(s, r)·r/(s + 1).
uint64_t revolve_t(uint64_t l, uint64_t s) {
  if (l <= 1) return 0;
  if (s == 0) return kInfinite;
  uint64_t r = 0, beta = 1;
  while (beta < l) {
    ++r;
    beta = beta * (s + r) / r;  // exact: C(s + r, r)·r = C(s + r - 1, r - 1)·(s + r)
  }
  const uint64_t beta_next = r == 0 ? 0 : beta * r / (s + 1);
  return r * l - beta_next;
}

// Reverses layers a .. a + l - 1 with x_a live and s snapshots (§3.5): the split m minimizes
// m + t(l - m, s - 1) + t(m, s), the smallest such m.
void emit_revolve(uint64_t n, uint64_t a, uint64_t l, uint64_t s, std::vector<int64_t>& out) {
  if (l == 1) {
    if (a == n - 1) {
      out.push_back(static_cast<int64_t>(4 * a));
      out.push_back(3);
    }
    out.push_back(static_cast<int64_t>(4 * a + 2));
    return;
  }
  uint64_t best = kInfinite, best_m = 1;
  for (uint64_t m = 1; m < l; ++m) {
    const uint64_t right = revolve_t(l - m, s - 1), left = revolve_t(m, s);
    if (right == kInfinite || left == kInfinite) continue;
    if (m + right + left < best) {
      best = m + right + left;
      best_m = m;
    }
  }
  out.push_back(static_cast<int64_t>(4 * a));
  for (uint64_t j = 1; j < best_m; ++j) out.push_back(static_cast<int64_t>(4 * (a + j) + 1));
  emit_revolve(n, a + best_m, l - best_m, s - 1, out);
  emit_revolve(n, a, best_m, s, out);
}

// §3.2-3.4 in one loop: checkpoints every k layers; keep_last keeps the last segment whole.
void emit_segments(uint64_t n, uint64_t k, bool keep_last, std::vector<int64_t>& out) {
  const uint64_t segments = (n + k - 1) / k, last_start = (segments - 1) * k;
  out.reserve(3 * n + 1);
  for (uint64_t i = 0; i < n; ++i) out.push_back(static_cast<int64_t>(4 * i + ((i % k == 0 || (keep_last && i >= last_start)) ? 0 : 1)));
  out.push_back(3);
  for (uint64_t seg = segments; seg-- > 0;) {
    const uint64_t start = seg * k, end = std::min(n, start + k);
    if (!(keep_last && seg == segments - 1))
      for (uint64_t i = start; i + 1 < end; ++i) out.push_back(static_cast<int64_t>(4 * i));
    for (uint64_t i = end; i-- > start;) out.push_back(static_cast<int64_t>(4 * i + 2));
  }
}

uint64_t isqrt_ceil(uint64_t n) {
  uint64_t k = 0;
  while (k * k < n) ++k;
  return k;
}

}  // namespace

std::optional<std::string> plan_schedule(RecomputeKind kind, std::span<const uint64_t> bytes, uint64_t budget, uint64_t k, uint64_t slots,
                                         SchedulePlan& plan) {
  const uint64_t n = bytes.size();
  u128 sum = 0;
  uint64_t max = 0;
  for (uint64_t b : bytes) {
    sum += b;
    max = std::max(max, b);
  }
  if (k == 0) k = isqrt_ceil(n);
  // §3.7: the snapshots a budget allows, (s + 2)·max <= budget.
  const uint64_t budget_slots = max == 0 ? n : (budget / max >= 2 ? budget / max - 2 : 0);
  if (kind == RecomputeKind::Auto) {
    if (budget == 0 || sum <= budget) {
      kind = RecomputeKind::All;
    } else if (budget_slots == 0) {
      const u128 minimum = std::min<u128>(sum, static_cast<u128>(max) * 3);
      return "a budget of " + std::to_string(budget) + " bytes is below the minimum " + std::to_string(static_cast<uint64_t>(minimum)) +
             " bytes (the smaller of every activation and three of the largest, spec/recompute.md §3.7)";
    } else {
      kind = RecomputeKind::Revolve;
      slots = 0;
    }
  }
  if (kind == RecomputeKind::Revolve && slots == 0) {
    if (budget == 0) return "revolve without slots needs a budget";
    if (budget_slots == 0)
      return "a budget of " + std::to_string(budget) + " bytes leaves revolve no snapshot: it needs 3 x " + std::to_string(max) + " bytes (spec/recompute.md §3.7)";
    slots = std::min(budget_slots, n);
  }
  plan.kind = kind;
  plan.k = k;
  plan.slots = slots;
  plan.actions.clear();
  const uint64_t segments = (n + k - 1) / k, last = n - (segments - 1) * k;
  u128 bound = 0;
  switch (kind) {
    case RecomputeKind::All:
      emit_segments(n, 1, false, plan.actions);
      plan.recompute = 0;
      bound = sum;
      break;
    case RecomputeKind::Patent:
    case RecomputeKind::Segments:
      emit_segments(n, k, kind == RecomputeKind::Segments, plan.actions);
      plan.recompute = n - segments - (kind == RecomputeKind::Segments ? last - 1 : 0);
      bound = (static_cast<u128>(n) * max + k - 1) / k + static_cast<u128>(k) * max;
      break;
    default: {
      const uint64_t s = std::min(slots, n);
      emit_revolve(n, 0, n, s, plan.actions);
      plan.recompute = revolve_t(n, s) + 1 - n;
      bound = static_cast<u128>(slots + 2) * max;
      break;
    }
  }
  plan.bound_bytes = bound > kInfinite ? kInfinite : static_cast<uint64_t>(bound);
  const ScheduleCheck check = check_schedule(bytes, plan.actions);
  if (!check.ok) return "internal: the plan breaks the schedule machine: " + check.error;
  plan.peak_bytes = check.peak_bytes;
  if (budget != 0 && plan.peak_bytes > budget)
    return "the schedule's peak of " + std::to_string(plan.peak_bytes) + " live activation bytes is above the budget of " + std::to_string(budget) + " bytes";
  return std::nullopt;
}

ScheduleCheck check_schedule(std::span<const uint64_t> bytes, std::span<const int64_t> actions) {
  ScheduleCheck r;
  const uint64_t n = bytes.size();
  auto fail = [&](uint64_t index, const char* why) {
    r.error_index = index;
    r.error = "action " + std::to_string(index) + ": " + why;
    return r;
  };
  if (n == 0) return fail(0, "no layers");
  std::vector<uint8_t> live(n, 0);
  live[0] = 1;
  uint64_t held = bytes[0], peak = held, forwards = 0;
  int64_t next_backward = -1;  // -1 with loss == false: before the loss gradient
  bool loss = false;
  const size_t count = actions.size();
  for (size_t index = 0; index < count; ++index) {
    const int64_t code = actions[index];
    if (code < 0 || code == 3 || (code & 3) == 3) return fail(index, "a negative code, or a loss gradient not right after the last layer's forward");
    const uint64_t i = static_cast<uint64_t>(code) >> 2;
    if (i >= n) return fail(index, "a layer past the network");
    switch (code & 3) {
      case 2:
        if (!loss || static_cast<int64_t>(i) != next_backward || !live[i]) return fail(index, "a backward out of order or without its input live");
        live[i] = 0;
        held -= bytes[i];
        --next_backward;
        break;
      default: {
        if (!live[i] || (loss && i == n - 1)) return fail(index, "a forward without its input live, or of the last layer after the loss gradient");
        ++forwards;
        if (i + 1 < n) {
          if (live[i + 1]) return fail(index, "a forward onto a live activation");
          if (__builtin_add_overflow(held, bytes[i + 1], &held)) return fail(index, "live bytes above 2^64 - 1");
          peak = std::max(peak, held);
          live[i + 1] = 1;
        }
        if (code & 1) {
          live[i] = 0;
          held -= bytes[i];
        }
        if (i == n - 1) {
          if (index + 1 >= count || actions[index + 1] != 3) return fail(index + 1, "no loss gradient right after the last layer's forward");
          ++index;
          loss = true;
          next_backward = static_cast<int64_t>(n) - 1;
        }
      }
    }
  }
  if (!loss || next_backward != -1) return fail(count, "the list ends before every backward");
  r.ok = true;
  r.peak_bytes = peak;
  r.forwards = forwards;
  r.recompute = forwards - n;
  return r;
}

// ---- §4: the executor -------------------------------------------------------------------------

namespace {

struct Net {
  const DenseNet& d;
  std::vector<uint64_t> offset;  // of W_i in the weights
  float scale = 1;
  std::vector<uint32_t> counters, words;

  // z = x·W_i, each element summed over k in order (products and sums rounded once each: no FMA
  // contraction in this file's flags), vectorized across the output columns.
  void pre_activation(uint64_t i, const float* x, std::vector<float>& z) const {
    const uint64_t in = d.widths[i], out = d.widths[i + 1];
    const float* w = d.weights.data() + offset[i];
    z.resize(d.batch * out);
    for (uint64_t b = 0; b < d.batch; ++b) {
      float* zb = z.data() + b * out;
      const float* xb = x + b * in;
      for (uint64_t j = 0; j < out; ++j) zb[j] = xb[0] * w[j];
      for (uint64_t k = 1; k < in; ++k)
        for (uint64_t j = 0; j < out; ++j) zb[j] = zb[j] + xb[k] * w[k * out + j];
    }
  }
  // The dropout keep bits of layer i's outputs: Philox4x32-10 at (element, layer, 0, 0).
  void keep_words(uint64_t i, uint64_t elements) {
    counters.assign(4 * elements, 0);
    for (uint64_t e = 0; e < elements; ++e) {
      counters[4 * e] = static_cast<uint32_t>(e);
      counters[4 * e + 1] = static_cast<uint32_t>(i);
    }
    words.resize(4 * elements);
    random123_blocks({CounterRng::Philox, 10, {static_cast<uint32_t>(d.seed), static_cast<uint32_t>(d.seed >> 32), 0, 0}}, counters, words);
  }
  bool kept(uint64_t e) const { return (words[4 * e] >> 24) >= d.dropout; }
};

}  // namespace

Execution execute_schedule(const DenseNet& d, std::span<const int64_t> actions, std::span<float> gradients) {
  Execution ex;
  const uint64_t n = d.widths.size() - 1;
  Net net{d, std::vector<uint64_t>(n + 1, 0)};
  for (uint64_t i = 0; i < n; ++i) net.offset[i + 1] = net.offset[i] + d.widths[i] * d.widths[i + 1];
  if (gradients.size() != net.offset[n]) {
    ex.error = "the gradient buffer does not match the weights";
    return ex;
  }
  net.scale = 256.0f / static_cast<float>(256 - d.dropout);  // RN32 of the exact quotient
  std::vector<std::vector<float>> act(n);  // x_0 .. x_{n-1}; empty: not held
  act[0].assign(d.x.begin(), d.x.end());
  uint64_t held = act[0].size() * sizeof(float), peak = held;
  std::vector<float> z, g, gi, output;
  for (size_t index = 0; index < actions.size(); ++index) {
    const int64_t code = actions[index];
    const uint64_t i = static_cast<uint64_t>(code) >> 2;
    if ((code & 3) == 3) {
      // The loss gradient g_n = x_n - t.
      g.resize(output.size());
      for (size_t e = 0; e < g.size(); ++e) g[e] = output[e] - d.target[e];
      continue;
    }
    if (i >= n || act[i].empty()) {
      ex.error = "action " + std::to_string(index) + " needs x_" + std::to_string(i) + ", which is not held";
      return ex;
    }
    const uint64_t out_width = d.widths[i + 1], elements = d.batch * out_width;
    if ((code & 3) != 2) {
      ++ex.forwards;
      net.pre_activation(i, act[i].data(), z);
      if (d.dropout) net.keep_words(i, elements);
      std::vector<float>& y = i + 1 < n ? act[i + 1] : output;
      y.resize(elements);
      for (uint64_t e = 0; e < elements; ++e) {
        const float a = z[e] > 0 ? z[e] : 0.0f;
        y[e] = d.dropout == 0 ? a : (net.kept(e) ? a * net.scale : 0.0f);
      }
      if (i + 1 < n) {
        held += elements * sizeof(float);
        peak = std::max(peak, held);
      }
      if (code & 1) {
        held -= act[i].size() * sizeof(float);
        act[i] = std::vector<float>();
      }
      continue;
    }
    // Backward of layer i: z again from x_i, dz, dW_i, then g_i.
    const uint64_t in = d.widths[i];
    net.pre_activation(i, act[i].data(), z);
    if (d.dropout) net.keep_words(i, elements);
    for (uint64_t e = 0; e < elements; ++e) {
      const bool pass = z[e] > 0 && (d.dropout == 0 || net.kept(e));
      z[e] = !pass ? 0.0f : (d.dropout == 0 ? g[e] : g[e] * net.scale);  // z now holds dz
    }
    const float* x = act[i].data();
    float* dw = gradients.data() + net.offset[i];
    for (uint64_t k = 0; k < in; ++k) {
      float* row = dw + k * out_width;
      for (uint64_t j = 0; j < out_width; ++j) row[j] = x[k] * z[j];
      for (uint64_t b = 1; b < d.batch; ++b)
        for (uint64_t j = 0; j < out_width; ++j) row[j] = row[j] + x[b * in + k] * z[b * out_width + j];
    }
    if (i > 0) {
      const float* w = d.weights.data() + net.offset[i];
      gi.resize(d.batch * in);
      for (uint64_t b = 0; b < d.batch; ++b)
        for (uint64_t k = 0; k < in; ++k) {
          const float* dzb = z.data() + b * out_width;
          float acc = dzb[0] * w[k * out_width];
          for (uint64_t j = 1; j < out_width; ++j) acc = acc + dzb[j] * w[k * out_width + j];
          gi[b * in + k] = acc;
        }
      g.swap(gi);
    }
    held -= act[i].size() * sizeof(float);
    act[i] = std::vector<float>();
  }
  ex.ok = true;
  ex.measured_peak_bytes = peak;
  return ex;
}

}  // namespace lpc::fast
