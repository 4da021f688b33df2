// The op grad-exchange (spec/grad_exchange.md): R ranks' weight gradients of an L-layer network,
// cut into exchange units (US20210097396A1's per-layer portions, or PyTorch DDP's buckets), the
// units scheduled on one link beside the backward pass under a priority (§3) and a timing model
// (§4), and each unit's elements reduced across the ranks (§5). Outputs: the plan (segments in issue
// order), each unit's ready / start / end time, the step times, and the reduced gradients. The
// comparison checks the subject's plan on its own first (§5.4: every element reduced exactly once,
// no unit started before its gradients exist), then against the reference: plan and times exactly,
// sums exactly (integers; float32 in a declared order) or within γ_{R−1}·Σ|g_r| (float32, free order).
#include <cmath>
#include <random>
#include <variant>

#include "conformance/ops/derive.hpp"
#include "impls/fast/distributed/grad_exchange.hpp"
#include "reference/distributed/grad_exchange.hpp"

namespace lpc::ops {

namespace {

bool is_float(const Params& p) { return p.text("arith") == "float32"; }

ReductionOrder order_of(const Params& p) {
  const std::string& o = p.text("order");
  return o == "rank" ? ReductionOrder::RankOrder : o == "pairwise" ? ReductionOrder::Pairwise : ReductionOrder::Free;
}

ExchangeConfig config_of(const Params& p) {
  ExchangeConfig c;
  if (auto layers = parse_layer_elements(p.text("layers")); std::holds_alternative<std::vector<uint64_t>>(layers))
    c.layer_elements = std::get<std::vector<uint64_t>>(layers);
  c.element_bytes = is_float(p) ? 4 : 8;
  c.scheme = p.text("scheme") == "ddp" ? ExchangeScheme::DdpBuckets : ExchangeScheme::Portions;
  c.priority = p.text("priority") == "ready-order" ? ExchangePriority::ReadyOrder : ExchangePriority::LowerLayerFirst;
  auto u = [&](const char* name) { return static_cast<uint64_t>(p.integer(name)); };
  c.portion_elements = u("portion");
  c.first_cap_bytes = u("first_cap");
  c.cap_bytes = u("cap");
  c.compute_ps_per_element = u("compute_ps");
  c.latency_ps = u("latency_ps");
  c.ps_per_byte = u("ps_per_byte");
  return c;
}

uint64_t total_elements(const ExchangeConfig& c) {
  uint64_t n = 0;
  for (uint64_t e : c.layer_elements) n += e;
  return n;
}

constexpr uint64_t kMaxCaseValues = uint64_t{1} << 20;  // R·n per case: the exact reference's budget

// Seeded gradients, R × n (§5.1's ranges): float32 of mixed magnitudes around a random centre,
// with zeros, -0, subnormals and values that cancel another rank's; integers up to ±2^46.
std::vector<Tensor> inputs_of(const Params& p) {
  const ExchangeConfig c = config_of(p);
  const uint64_t R = static_cast<uint64_t>(p.integer("ranks")), n = total_elements(c);
  std::mt19937_64 rng(static_cast<uint64_t>(p.integer("seed")));
  std::vector<double> g(R * n);
  const int centre = std::uniform_int_distribution<int>(-20, 20)(rng);
  for (uint64_t i = 0; i < n; ++i)
    for (uint64_t r = 0; r < R; ++r) {
      double& v = g[r * n + i];
      const unsigned kind = rng() % 16;
      if (!is_float(p)) {
        const int bits = static_cast<int>(rng() % 47);
        v = static_cast<double>(static_cast<int64_t>(rng() >> (64 - bits > 63 ? 63 : 64 - bits)) * (rng() % 2 ? 1 : -1));
        if (kind == 0) v = 0;
        if (kind == 1 && r > 0) v = -g[(r - 1) * n + i];
        continue;
      }
      const int e = std::uniform_int_distribution<int>(centre - 12, centre + 12)(rng);
      const float m = 1.0f + static_cast<float>(rng() >> 41) * 0x1p-23f;
      float x = std::ldexp(m, e) * (rng() % 2 ? 1.0f : -1.0f);
      if (kind == 0) x = 0.0f;
      if (kind == 1) x = -0.0f;
      if (kind == 2) x = std::ldexp(static_cast<float>(rng() % 1024), -149);  // subnormal
      if (kind == 3 && r > 0) x = -static_cast<float>(g[(r - 1) * n + i]);   // cancels the rank before
      if (kind == 4) x = std::ldexp(m, centre + 40);                           // swamps the others
      v = x;
    }
  return {Tensor::reals({R, n}, std::move(g))};
}

std::optional<std::string> params_error(const Params& p) {
  const auto layers = parse_layer_elements(p.text("layers"));
  if (const auto* e = std::get_if<std::string>(&layers)) return "layers: " + *e;
  const ExchangeConfig c = config_of(p);
  if (auto e = exchange_config_error(c)) return e;
  if (static_cast<uint64_t>(p.integer("ranks")) * total_elements(c) > kMaxCaseValues) return "ranks × elements above 2^20 (the exact reference's budget per case)";
  if (!is_float(p) && p.text("order") != "rank") return "integer sums are exact in every order: order=rank only";
  return std::nullopt;
}

std::optional<std::string> inputs_error(const OpCase& c) {
  const Tensor& g = c.inputs[0];
  const ExchangeConfig config = config_of(c.params);
  const uint64_t R = static_cast<uint64_t>(c.params.integer("ranks")), n = total_elements(config);
  if (g.shape.size() != 2 || g.shape[0] != R || g.shape[1] != n)
    return "gradients is " + shape_text(g.shape) + "; expected ranks x elements = " + std::to_string(R) + "x" + std::to_string(n);
  for (size_t i = 0; i < g.floats.size(); ++i) {
    const double v = g.floats[i];
    const std::string at = "gradients[" + std::to_string(i / n) + "," + std::to_string(i % n) + "]: ";
    if (!std::isfinite(v)) return at + "not finite";
    if (is_float(c.params)) {
      if (static_cast<double>(static_cast<float>(v)) != v) return at + "not a float32 value";
      if (std::fabs(v) > std::ldexp(1.0, kExchangeMaxFloatExponent)) return at + "|g| above 2^120 (§5.1)";
    } else if (v != std::trunc(v) || std::fabs(v) > static_cast<double>(kExchangeMaxInteger)) {
      return at + "not an integer within ±2^46 (§5.1)";
    }
  }
  return std::nullopt;
}

// Outputs in schema order: sum, unit, layer, offset, count, ready_ps, start_ps, end_ps, times.
std::vector<Tensor> outputs_of(const ExchangeSchedule& s, std::vector<double> sum) {
  std::vector<int64_t> unit, layer, offset, count;
  for (const ExchangeSegment& g : s.segments) {
    unit.push_back(static_cast<int64_t>(g.unit));
    layer.push_back(static_cast<int64_t>(g.layer));
    offset.push_back(static_cast<int64_t>(g.offset));
    count.push_back(static_cast<int64_t>(g.count));
  }
  auto ints = [](const std::vector<uint64_t>& v) { return Tensor::integer_list(std::vector<int64_t>(v.begin(), v.end())); };
  return {Tensor::real_list(std::move(sum)),
          Tensor::integer_list(unit),
          Tensor::integer_list(layer),
          Tensor::integer_list(offset),
          Tensor::integer_list(count),
          ints(s.ready_ps),
          ints(s.start_ps),
          ints(s.end_ps),
          ints({s.backward_ps, s.step_ps, s.serial_step_ps})};
}

// The subject's plan as segments, if its four lists agree in length and hold non-negative values.
std::optional<std::vector<ExchangeSegment>> segments_of(std::span<const Tensor> got) {
  const size_t s = got[1].size();
  if (got[2].size() != s || got[3].size() != s || got[4].size() != s) return std::nullopt;
  std::vector<ExchangeSegment> out(s);
  for (size_t i = 0; i < s; ++i) {
    if (got[1].ints[i] < 0 || got[2].ints[i] < 0 || got[3].ints[i] < 0 || got[4].ints[i] < 0) return std::nullopt;
    out[i] = {static_cast<uint64_t>(got[1].ints[i]), static_cast<uint64_t>(got[2].ints[i]), static_cast<uint64_t>(got[3].ints[i]), static_cast<uint64_t>(got[4].ints[i])};
  }
  return out;
}

const char* kOutputNames[] = {"sum", "unit", "layer", "offset", "count", "ready_ps", "start_ps", "end_ps", "times"};

void compare(const OpCase& c, std::span<const Tensor> got, std::span<const Tensor> want, CompareSink& sink) {
  const ExchangeConfig config = config_of(c.params);
  // 1. §5.4 on the subject's own plan: every element exactly once, no unit before it is complete.
  ++sink.checked;
  const auto plan = segments_of(got);
  if (!plan) {
    sink.mismatch("plan", "unit/layer/offset/count lists of unequal lengths or negative values", "one segment per row");
  } else if (auto e = ref::plan_error(config.layer_elements, *plan)) {
    sink.mismatch("plan", *e, "every element reduced exactly once (§5.4)");
  } else {
    // A unit is complete once the backward of its lowest layer ends (§4.1: layers L−1 .. l).
    std::vector<uint64_t> layer_end(config.layer_elements.size());
    uint64_t t = 0;
    for (size_t l = layer_end.size(); l-- > 0;) layer_end[l] = t += config.layer_elements[l] * config.compute_ps_per_element;
    for (const ExchangeSegment& g : *plan) {
      if (g.unit >= got[6].size()) {
            sink.mismatch("unit " + std::to_string(g.unit), "no start_ps", "a start time per unit");
        break;
      }
      if (static_cast<uint64_t>(got[6].ints[g.unit]) < layer_end[g.layer]) {
            sink.mismatch("unit " + std::to_string(g.unit), "started at " + std::to_string(got[6].ints[g.unit]) + " ps",
                      "not before layer " + std::to_string(g.layer) + "'s backward ends at " + std::to_string(layer_end[g.layer]) + " ps (§5.4)");
        break;
      }
    }
  }
  // 2. Plan and times exactly against the reference (outputs 1..8).
  for (size_t k = 1; k < want.size(); ++k) {
    ++sink.checked;
    if (got[k] == want[k]) continue;
    size_t i = 0;
    while (i < got[k].size() && i < want[k].size() && got[k].ints[i] == want[k].ints[i]) ++i;
    sink.mismatch(std::string(kOutputNames[k]) + "[" + std::to_string(i) + "]", i < got[k].size() ? element_text(got[k], i) : "(missing)",
                  i < want[k].size() ? element_text(want[k], i) : "(none)");
  }
  // 3. The sums.
  const Tensor& g = c.inputs[0];
  const uint32_t R = static_cast<uint32_t>(c.params.integer("ranks"));
  const size_t n = want[0].size();
  if (got[0].size() != n) {
    ++sink.checked;
    sink.mismatch("sum", std::to_string(got[0].size()) + " elements", std::to_string(n) + " elements");
    return;
  }
  const bool bound = is_float(c.params) && order_of(c.params) == ReductionOrder::Free;
  std::vector<float> ranks;
  if (bound) ranks.assign(g.floats.begin(), g.floats.end());
  for (size_t i = 0; i < n; ++i) {
    ++sink.checked;
    const bool ok = bound ? ref::within_sum_bound(ranks, R, i, static_cast<float>(got[0].floats[i])) && static_cast<double>(static_cast<float>(got[0].floats[i])) == got[0].floats[i]
                          : same_element(got[0], i, want[0], i);
    if (ok) continue;
    sink.mismatch("sum[" + std::to_string(i) + "]", element_text(got[0], i),
                  bound ? "within γ_{R-1}·Σ|g_r| of the exact " + element_text(want[0], i) : element_text(want[0], i));
  }
}

// §5 cases: a single element; portions larger than, equal to and one below a layer; portion 1; the
// abstract's two layers (the first portion of layer L during layer L−1's backward); DDP buckets
// that close exactly at the cap and that overshoot it; a link slower and faster than the compute;
// one rank, three ranks (a pairwise tree that is not a power of two), 64 ranks; then random networks.
std::vector<OpCase> cases(const Params& item, const InputSpec& inputs, uint64_t seed) {
  struct Shape {
    const char* layers;
    int64_t ranks, portion, first_cap, cap, compute, latency, per_byte;
  };
  std::vector<Shape> shapes;
  if (inputs.boundary)
    shapes = {{"1", 1, 1, 1, 1, 0, 0, 0},          {"5", 4, 8, 16, 64, 10, 100, 1},       {"8,8", 4, 8, 32, 32, 10, 100, 1},
              {"9,7", 3, 8, 32, 32, 10, 100, 1},   {"6,4", 2, 1, 4, 8, 50, 20, 2},         {"16,16", 4, 4, 64, 64, 100, 50, 10},
              {"3,5,2,7", 4, 2, 20, 24, 5, 400, 3}, {"2,2,2,2,2", 5, 3, 16, 16, 1000, 1, 1}, {"4,1,12,3", 64, 5, 8, 40, 7, 13, 1},
              {"10,20,30", 8, 7, 40, 100, 0, 10, 1}};
  std::mt19937_64 rng(seed);
  auto uniform = [&](int64_t lo, int64_t hi) { return std::uniform_int_distribution<int64_t>(lo, hi)(rng); };
  std::vector<std::string> random_layers;
  for (uint32_t k = 0; k < inputs.random; ++k) {
    std::string layers;
    for (int64_t l = uniform(1, 8); l > 0; --l) layers += (layers.empty() ? "" : ",") + std::to_string(uniform(1, 60));
    random_layers.push_back(layers);
  }
  for (const std::string& l : random_layers)
    shapes.push_back({l.c_str(), uniform(1, 9), uniform(1, 40), uniform(1, 256), uniform(1, 512), uniform(0, 200), uniform(0, 3000), uniform(0, 20)});
  std::vector<OpCase> out;
  for (const Shape& s : shapes) {
    Params p = item;
    p.set("layers", std::string(s.layers));  // in schema order: a case's parameters compare as a list
    p.set("ranks", s.ranks);
    p.set("portion", s.portion);
    p.set("first_cap", s.first_cap);
    p.set("cap", s.cap);
    p.set("compute_ps", s.compute);
    p.set("latency_ps", s.latency);
    p.set("ps_per_byte", s.per_byte);
    p.set("seed", static_cast<int64_t>(rng() >> 2));
    if (params_error(p)) continue;
    out.push_back({nullptr, p, inputs_of(p)});
  }
  return out;
}

ParamSpec choice(const char* name, const char* doc, const char* clause, std::vector<std::string> names) {
  ParamSpec s{name, ParamType::Choice, ParamScope::Item, doc, clause, names.front()};
  s.choices = [names] { return names; };
  return s;
}

OpSchema make_schema() {
  OpSchema op;
  op.name = "grad-exchange";
  op.summary = "portioned, overlapped gradient exchange (US20210097396A1; PyTorch DDP buckets): the plan, its timing beside the backward pass, and "
               "the ranks' gradients reduced unit by unit (spec/grad_exchange.md)";
  op.clause = "spec/grad_exchange.md §2-§5";
  op.params = {choice("arith", "the gradients' arithmetic: float32, or int64 (integers and fixed point: exact)", "spec/grad_exchange.md §5.1", {"float32", "int64"}),
               choice("order", "the subject's reduction order: rank ((g0+g1)+g2...), pairwise (recursive doubling), free (any: the §5.3 bound)",
                      "spec/grad_exchange.md §5.2", {"rank", "pairwise", "free"}),
               choice("scheme", "units: portions (per layer, at most `portion` elements; the patent) or ddp (buckets of whole layers)",
                      "spec/grad_exchange.md §2", {"portions", "ddp"}),
               choice("priority", "the link's choice among ready units: lower-first (the patent) or ready-order (DDP, Horovod)",
                      "spec/grad_exchange.md §3", {"lower-first", "ready-order"})};
  ParamSpec layers{"layers", ParamType::Text, ParamScope::Case, "the layers' element counts in parameter order, \"n1,n2,...\" (backward runs from the last)",
                   "spec/grad_exchange.md §2.3", "8,8"};
  layers.fuzz_values = {"1", "8,8", "3,5,2,7", "1,1,1,1,1,1", "40", "17,1,33"};
  op.params.push_back(layers);
  op.params.push_back(case_int("ranks", "R, the ranks whose gradients are reduced", "spec/grad_exchange.md §5", "4", 1, kExchangeMaxRanks, 1, 9));
  op.params.push_back(case_int("portion", "portions: the most elements per portion (claim 14 picks it: §4.3)", "spec/grad_exchange.md §2.1", "4", 1, int64_t{1} << 40, 1, 20));
  op.params.push_back(case_int("first_cap", "ddp: the first bucket's cap in bytes (DDP: 1 MiB)", "spec/grad_exchange.md §2.2", "1048576", 1, int64_t{1} << 40, 1, 200));
  op.params.push_back(case_int("cap", "ddp: every later bucket's cap in bytes (DDP: bucket_cap_mb = 25)", "spec/grad_exchange.md §2.2", "26214400", 1, int64_t{1} << 40, 1, 400));
  op.params.push_back(case_int("compute_ps", "backward compute time per gradient element, ps", "spec/grad_exchange.md §4.1", "100", 0, int64_t{1} << 30, 0, 300));
  op.params.push_back(case_int("latency_ps", "the link's time per unit, ps", "spec/grad_exchange.md §4.1", "1000", 0, int64_t{1} << 40, 0, 3000));
  op.params.push_back(case_int("ps_per_byte", "the link's time per byte, ps", "spec/grad_exchange.md §4.1", "10", 0, int64_t{1} << 30, 0, 30));
  op.params.push_back(case_int("seed", "the seed of the generated gradients", "spec/grad_exchange.md §5.1", "1", 0, INT64_MAX, 0, 1000));
  op.inputs = {{"gradients", ElemType::Real, {"rank", "element"}, "R x n gradients, element index over the layers in parameter order (float32 values or integers)"}};
  op.outputs = {{"sum", ElemType::Real, {}, "the n reduced gradients"},
                {"unit", ElemType::Int, {}, "per segment in issue order: its unit (0, 1, ...)"},
                {"layer", ElemType::Int, {}, "per segment: its layer (0: the input side)"},
                {"offset", ElemType::Int, {}, "per segment: its first element within the layer"},
                {"count", ElemType::Int, {}, "per segment: its elements"},
                {"ready_ps", ElemType::Int, {}, "per unit: when its gradients exist"},
                {"start_ps", ElemType::Int, {}, "per unit: when the link starts it"},
                {"end_ps", ElemType::Int, {}, "per unit: when the link is done with it"},
                {"times", ElemType::Int, {}, "backward_ps, step_ps, serial_step_ps (§4.2)"}};
  op.verification.kind = Verification::Kind::Exact;
  op.verification.text = "exact: plan, times and every sum";
  op.item_verification = [](const Params& item) {
    Verification v;
    const bool bound = is_float(item) && order_of(item) == ReductionOrder::Free;
    v.kind = bound ? Verification::Kind::DotProductBound : Verification::Kind::Exact;
    v.text = bound ? "plan and times exact; sums within γ_{R-1}·Σ|g_r| of the exact sum (free order)"
                   : std::string("exact: plan, times and every sum") + (is_float(item) ? " (float32 in the declared order)" : "");
    return v;
  };
  op.params_error = params_error;
  op.inputs_error = inputs_error;
  op.make_inputs = inputs_of;
  op.cases = cases;
  op.output_forms = [](const OpCase& c) {
    const ExchangeSchedule s = ref::plan_exchange(config_of(c.params));
    std::vector<Tensor> out = outputs_of(s, std::vector<double>(total_elements(config_of(c.params))));
    for (Tensor& t : out) t.is_float ? t.floats.assign(t.floats.size(), 0.0) : t.ints.assign(t.ints.size(), 0);
    return out;
  };
  op.compare = compare;
  op.cost = [](const Params&, const InputSpec& inputs) { return uint64_t{inputs.boundary ? 2000u : 0u} + uint64_t{inputs.random} * 2000; };
  op.bindings = {
      {"reference",
       [](const OpCase& c, std::vector<Tensor>& out, std::string&) {
         const ExchangeSchedule s = ref::plan_exchange(config_of(c.params));
         const uint32_t R = static_cast<uint32_t>(c.params.integer("ranks"));
         std::vector<double> sum;
         if (is_float(c.params)) {
           const std::vector<float> g(c.inputs[0].floats.begin(), c.inputs[0].floats.end());
           const ReductionOrder o = order_of(c.params) == ReductionOrder::Free ? ReductionOrder::Pairwise : order_of(c.params);
           for (float v : ref::reduce_float32(g, R, o)) sum.push_back(v);
         } else {
           const std::vector<int64_t> g(c.inputs[0].floats.begin(), c.inputs[0].floats.end());
           for (int64_t v : ref::reduce_int64(g, R)) sum.push_back(static_cast<double>(v));
         }
         out = outputs_of(s, std::move(sum));
         return OpStatus::Ok;
       }},
      {"fast",
       [](const OpCase& c, std::vector<Tensor>& out, std::string&) {
         const ExchangeConfig config = config_of(c.params);
         const ExchangeSchedule s = fast::plan_exchange(config);
         const uint32_t R = static_cast<uint32_t>(c.params.integer("ranks"));
         const size_t n = total_elements(config);
         std::vector<double> sum;
         if (is_float(c.params)) {
           const std::vector<float> g(c.inputs[0].floats.begin(), c.inputs[0].floats.end());
           std::vector<float> r(n);
           fast::reduce_float32(config.layer_elements, s.segments, g, R, order_of(c.params), r);
           sum.assign(r.begin(), r.end());
         } else {
           const std::vector<int64_t> g(c.inputs[0].floats.begin(), c.inputs[0].floats.end());
           std::vector<int64_t> r(n);
           fast::reduce_int64(config.layer_elements, s.segments, g, R, r);
           sum.assign(r.begin(), r.end());
         }
         out = outputs_of(s, std::move(sum));
         return OpStatus::Ok;
       }},
  };
  return op;
}

}  // namespace

const OpSchema& grad_exchange_op() {
  static const OpSchema op = make_schema();
  return op;
}

}  // namespace lpc::ops
