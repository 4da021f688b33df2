// The op recompute-schedule: training under memory restraint (spec/recompute.md). A case is a
// dense network of n layers (widths, batch, weights, input, target, dropout key: generated from
// its parameters) and a request — a schedule kind, a budget, k, slots. An implementation answers
// with the action list of its schedule, the peak live activation bytes and recompute count it
// claims, the kind's bound, the weight gradients of executing the list in float32 and the peak of
// the bytes its executor really held. The comparison runs the reference's schedule machine on the
// subject's list and checks every claim against it, the kind's recompute count and bound, the
// budget, and the gradients bit for bit against the reference's exact plain backprop (§5).
#include <random>

#include "conformance/ops/derive.hpp"
#include "impls/fast/training/recompute.hpp"
#include "reference/training/recompute.hpp"

namespace lpc::ops {

namespace {

constexpr const char* kClause = "spec/recompute.md §5";
constexpr int64_t kMaxLayers = 256, kMaxWidth = 32, kMaxBatch = 8;
constexpr int64_t kMaxMacs = int64_t{1} << 16;  // n·batch·width², the exact reference's budget per case

const std::vector<std::string> kKinds = {"all", "patent", "segments", "revolve", "auto"};

ref::RecomputeKind ref_kind(const Params& p) {
  const std::string& k = p.text("schedule");
  return k == "all" ? ref::RecomputeKind::All
         : k == "patent" ? ref::RecomputeKind::Patent
         : k == "segments" ? ref::RecomputeKind::Segments
         : k == "revolve" ? ref::RecomputeKind::Revolve
                          : ref::RecomputeKind::Auto;
}
fast::RecomputeKind fast_kind(const Params& p) { return static_cast<fast::RecomputeKind>(static_cast<uint8_t>(ref_kind(p))); }

uint64_t u(const Params& p, const char* name) { return static_cast<uint64_t>(p.integer(name)); }

// §5.2: a value from (seed, stream, index) by SplitMix64 — widths, weights, input, target.
uint64_t mix(uint64_t seed, uint64_t stream, uint64_t index) {
  uint64_t z = seed ^ (stream * 0x9E3779B97F4A7C15ull) ^ (index * 0xBF58476D1CE4E5B9ull);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

// The widths w_0..w_n of a case (w_n = w_{n-1}, §5.2).
std::vector<uint64_t> widths_of(const Params& p) {
  const uint64_t n = u(p, "n"), width = u(p, "width"), seed = u(p, "seed");
  const bool varied = p.text("widths") == "varied";
  std::vector<uint64_t> w(n + 1);
  for (uint64_t i = 0; i < n; ++i) w[i] = varied ? 1 + mix(seed, 0, i) % width : width;
  w[n] = w[n - 1];
  return w;
}

// The widths a case's bytes say (bytes_i = 4·batch·w_i), or empty when they do not divide.
std::vector<uint64_t> widths_from_bytes(const OpCase& c) {
  const uint64_t unit = 4 * u(c.params, "batch");
  std::vector<uint64_t> w;
  for (int64_t b : c.inputs[0].ints) {
    if (b <= 0 || static_cast<uint64_t>(b) % unit || static_cast<uint64_t>(b) / unit > static_cast<uint64_t>(kMaxWidth)) return {};
    w.push_back(static_cast<uint64_t>(b) / unit);
  }
  if (w.empty()) return w;
  w.push_back(w.back());
  return w;
}

std::vector<Tensor> inputs_of(const Params& p) {
  const std::vector<uint64_t> w = widths_of(p);
  const uint64_t n = w.size() - 1, batch = u(p, "batch"), seed = u(p, "seed");
  std::vector<int64_t> bytes(n);
  for (uint64_t i = 0; i < n; ++i) bytes[i] = static_cast<int64_t>(4 * batch * w[i]);
  std::vector<double> weights, x, target;
  for (uint64_t i = 0, e = 0; i < n; ++i)
    for (uint64_t j = 0; j < w[i] * w[i + 1]; ++j, ++e) weights.push_back((static_cast<double>(mix(seed, 1, e) % 9) - 4) / 64);
  for (uint64_t e = 0; e < batch * w[0]; ++e) x.push_back((static_cast<double>(mix(seed, 2, e) % 17) - 8) / 8);
  for (uint64_t e = 0; e < batch * w[n]; ++e) target.push_back((static_cast<double>(mix(seed, 3, e) % 17) - 8) / 16);
  return {Tensor::integer_list(std::move(bytes)), Tensor::real_list(std::move(weights)), Tensor::real_list(std::move(x)),
          Tensor::real_list(std::move(target))};
}

std::vector<uint64_t> bytes_of(const OpCase& c) {
  std::vector<uint64_t> b;
  for (int64_t v : c.inputs[0].ints) b.push_back(static_cast<uint64_t>(v));
  return b;
}
std::vector<float> floats_of(const Tensor& t) { return std::vector<float>(t.floats.begin(), t.floats.end()); }

// The schedule a case asks for, as the reference resolves it (§3.7), with its recompute count.
ref::ResolvedSchedule resolved(const OpCase& c) {
  const std::vector<uint64_t> b = bytes_of(c);
  return ref::resolve_schedule(ref_kind(c.params), b, u(c.params, "budget"), u(c.params, "k"), u(c.params, "slots"));
}

std::optional<std::string> inputs_error(const OpCase& c) {
  const std::vector<uint64_t> w = widths_from_bytes(c);
  const uint64_t n = u(c.params, "n"), batch = u(c.params, "batch");
  if (c.inputs[0].size() != n) return "bytes holds " + std::to_string(c.inputs[0].size()) + " layers, n is " + std::to_string(n);
  if (w.empty()) return "bytes: every layer's bytes must be 4·batch·w with 1 <= w <= 32 (spec/recompute.md §5.2)";
  uint64_t weights = 0;
  for (uint64_t i = 0; i < n; ++i) weights += w[i] * w[i + 1];
  if (c.inputs[1].size() != weights) return "weights holds " + std::to_string(c.inputs[1].size()) + " values, the widths need " + std::to_string(weights);
  if (c.inputs[2].size() != batch * w[0]) return "x holds " + std::to_string(c.inputs[2].size()) + " values, batch·w_0 is " + std::to_string(batch * w[0]);
  if (c.inputs[3].size() != batch * w[n]) return "target holds " + std::to_string(c.inputs[3].size()) + " values, batch·w_n is " + std::to_string(batch * w[n]);
  for (size_t i = 0; i < c.inputs[1].size(); ++i)
    if (!(std::fabs(c.inputs[1].floats[i]) <= 1.0 / 16)) return "weights element " + std::to_string(i) + " outside [-1/16, 1/16] (§5.2: no activation overflows)";
  for (size_t k = 2; k < 4; ++k)
    for (size_t i = 0; i < c.inputs[k].size(); ++i)
      if (!(std::fabs(c.inputs[k].floats[i]) <= 1)) return std::string(k == 2 ? "x" : "target") + " element " + std::to_string(i) + " outside [-1, 1]";
  const ref::ResolvedSchedule r = resolved(c);
  if (!r.ok) return r.error;
  if (const uint64_t budget = u(c.params, "budget")) {
    const std::vector<uint64_t> b = bytes_of(c);
    const ref::ScheduleRun run = ref::run_schedule(b, ref::build_schedule(r.kind, n, r.k, r.slots));
    if (run.ok && run.peak_bytes > budget)
      return "schedule " + c.params.text("schedule") + " needs " + std::to_string(run.peak_bytes) + " live activation bytes, above the budget of " +
             std::to_string(budget) + " bytes";
  }
  return std::nullopt;
}

// Boundary cases per kind (§5.3): one layer, two, three, a prime, a square, 50 layers; k on 1, √n
// and n; revolve's slots 1, 2, 3 and n; auto's budget on every activation, one byte below it, on
// three of the largest and on five; varied widths. Random cases: seeded n, widths, batch, k, slots.
std::vector<OpCase> cases(const Params& item, const InputSpec& inputs, uint64_t seed) {
  std::mt19937_64 rng(seed);
  struct Shape {
    int64_t n, width;
    const char* widths;
    int64_t batch, k, slots;
  };
  std::vector<Shape> shapes;
  const std::string& kind = item.text("schedule");
  if (inputs.boundary)
    for (const Shape& s : std::vector<Shape>{{1, 3, "uniform", 1, 0, 0}, {2, 4, "uniform", 2, 0, 0}, {3, 2, "varied", 2, 0, 0}, {7, 5, "varied", 3, 0, 0},
                                             {16, 4, "uniform", 2, 0, 0}, {50, 4, "varied", 2, 0, 0}, {50, 4, "uniform", 1, 0, 0}})
      for (int64_t choice = 0; choice < 4; ++choice) {
        Shape t = s;
        if (kind == "patent" || kind == "segments") t.k = choice == 0 ? 0 : choice == 1 ? 1 : choice == 2 ? std::min<int64_t>(3, s.n) : s.n;
        else if (kind == "revolve") t.slots = choice == 3 ? s.n : std::min<int64_t>(choice + 1, s.n);
        else if (choice > 0 && kind == "all") continue;
        else t.k = choice;  // auto: the budget choice, set below
        shapes.push_back(t);
      }
  for (uint32_t i = 0; i < inputs.random; ++i) {
    const int64_t n = std::uniform_int_distribution<int64_t>(1, 32)(rng);
    const int64_t k = std::uniform_int_distribution<int64_t>(0, n)(rng);
    const int64_t slots = std::uniform_int_distribution<int64_t>(1, n)(rng);
    shapes.push_back({n, std::uniform_int_distribution<int64_t>(1, 6)(rng), rng() % 2 ? "varied" : "uniform", std::uniform_int_distribution<int64_t>(1, 3)(rng),
                      kind == "auto" ? 4 + static_cast<int64_t>(rng() % 4) : k, slots});
  }
  std::vector<OpCase> out;
  for (const Shape& s : shapes) {
    Params p = item;
    p.set("n", s.n);
    p.set("width", s.width);
    p.set("widths", std::string(s.widths));
    p.set("batch", s.batch);
    p.set("budget", int64_t{0});  // (schema order: set again below for auto)
    p.set("k", kind == "auto" ? int64_t{0} : s.k);
    p.set("slots", s.slots);
    p.set("seed", static_cast<int64_t>(rng() >> 2));
    if (kind == "auto") {
      OpCase probe{nullptr, p, inputs_of(p)};
      int64_t sum = 0, max = 0;
      for (int64_t b : probe.inputs[0].ints) {
        sum += b;
        max = std::max(max, b);
      }
      // 0: none; 1: every activation; 2: one byte below; 3: three of the largest; 4..7: between.
      const int64_t budgets[] = {0, sum, sum - 1, 3 * max, 3 * max + (sum - 3 * max) / 4, 5 * max, 3 * max + (sum - 3 * max) / 2, 4 * max};
      const int64_t budget = budgets[s.k];
      if (budget < std::min(sum, 3 * max)) continue;
      p.set("budget", budget);
    }
    out.push_back({nullptr, p, inputs_of(p)});
  }
  return out;
}

std::vector<Tensor> outputs_of(const std::vector<int64_t>& actions, uint64_t peak, uint64_t recompute, uint64_t bound, const std::vector<float>& gradients,
                               uint64_t measured) {
  return {Tensor::integer_list(actions),
          Tensor::integer_list({static_cast<int64_t>(peak)}),
          Tensor::integer_list({static_cast<int64_t>(recompute)}),
          Tensor::integer_list({static_cast<int64_t>(bound)}),
          Tensor::real_list(std::vector<double>(gradients.begin(), gradients.end())),
          Tensor::integer_list({static_cast<int64_t>(measured)})};
}

void compare(const OpCase& c, std::span<const Tensor> got, std::span<const Tensor> want, CompareSink& sink) {
  const std::vector<uint64_t> b = bytes_of(c);
  const std::string request = "schedule " + c.params.text("schedule") + ", n " + std::to_string(b.size()) + ", budget " + std::to_string(u(c.params, "budget"));
  auto check = [&](bool ok, const std::string& what, const std::string& got_text, const std::string& want_text) {
    ++sink.checked;
    if (!ok) sink.mismatch(request + ": " + what, got_text, want_text);
  };
  auto one = [](const Tensor& t) { return t.size() == 1 ? t.ints[0] : int64_t{-1}; };
  // 1. The subject's list on the reference's schedule machine (§2).
  const ref::ScheduleRun run = ref::run_schedule(b, got[0].ints);
  check(run.ok, "the action list", run.ok ? "valid" : run.error, "a valid schedule (spec/recompute.md §2.3)");
  if (!run.ok) return;
  // 2. Its claims, the kind's count and bound, the budget (§3.6, §3.7).
  check(one(got[1]) == static_cast<int64_t>(run.peak_bytes), "peak_bytes claimed", std::to_string(one(got[1])), std::to_string(run.peak_bytes) + " (the list's)");
  check(one(got[2]) == static_cast<int64_t>(run.recompute), "recompute claimed", std::to_string(one(got[2])), std::to_string(run.recompute) + " (the list's)");
  check(static_cast<int64_t>(run.recompute) == one(want[2]), "recompute count", std::to_string(run.recompute), std::to_string(one(want[2])) + " (the kind's)");
  check(one(got[3]) == one(want[3]), "bound_bytes", std::to_string(one(got[3])), std::to_string(one(want[3])));
  check(static_cast<int64_t>(run.peak_bytes) <= one(want[3]), "peak within the kind's bound", std::to_string(run.peak_bytes), "<= " + std::to_string(one(want[3])));
  if (const uint64_t budget = u(c.params, "budget"))
    check(run.peak_bytes <= budget, "peak within the budget", std::to_string(run.peak_bytes), "<= " + std::to_string(budget));
  check(one(got[5]) == static_cast<int64_t>(run.peak_bytes), "measured_peak_bytes (the executor's own buffers)", std::to_string(one(got[5])),
        std::to_string(run.peak_bytes));
  // 3. The gradients of executing the list, bit for bit against exact plain backprop (§4.3).
  ++sink.checked;
  if (got[4].size() != want[4].size()) {
    sink.mismatch(request + ": gradients", std::to_string(got[4].size()) + " values", std::to_string(want[4].size()));
    return;
  }
  for (size_t i = 0; i < want[4].size(); ++i)
    if (!same_element(got[4], i, want[4], i))
      sink.mismatch(request + ": weight gradient " + std::to_string(i), float32_text(got[4].floats[i]), float32_text(want[4].floats[i]));
}

OpSchema make_schema() {
  OpSchema op;
  op.name = "recompute-schedule";
  op.summary = "training under memory restraint (US11610128B2): a recompute schedule for a budget, its peak live bytes and recompute count, "
               "and the weight gradients of executing it, bit for bit those of plain backprop (" + std::string(kClause) + ")";
  op.clause = kClause;
  ParamSpec schedule{"schedule", ParamType::Choice, ParamScope::Item, "all, patent (checkpoints every k, regenerate after the loss gradient), segments "
                     "(Chen et al.), revolve (Griewank's binomial checkpointing), auto (the budget picks)", "spec/recompute.md §3", "auto"};
  schedule.choices = [] { return kKinds; };
  ParamSpec dropout{"dropout", ParamType::Int, ParamScope::Item, "p/256, the dropout rate (0: none), replayed from Philox4x32-10", "spec/recompute.md §4.1", "0"};
  dropout.max = 128;
  dropout.signature_join = "-p";
  // Fuzzing draws small networks (the exact reference's cost grows with n·batch·width²).
  ParamSpec widths{"widths", ParamType::Choice, ParamScope::Case, "uniform (every layer w) or varied (1..w from the seed)", "spec/recompute.md §5.2", "uniform"};
  widths.choices = [] { return std::vector<std::string>{"uniform", "varied"}; };
  op.params = {schedule,
               dropout,
               case_int("n", "the layers", "spec/recompute.md §2", "8", 1, kMaxLayers, 1, 16),
               case_int("width", "w, the layers' width (the largest with varied widths)", "spec/recompute.md §5.2", "4", 1, kMaxWidth, 1, 6),
               widths,
               case_int("batch", "the batch; layer i's activation is 4·batch·w_i bytes", "spec/recompute.md §5.2", "2", 1, kMaxBatch, 1, 3),
               case_int("budget", "the memory budget in bytes for live activations (0: none)", "spec/recompute.md §3.7", "0", 0, int64_t{1} << 40, 0, 4096),
               case_int("k", "the segment length of patent and segments (0: ⌈√n⌉)", "spec/recompute.md §3.2", "0", 0, kMaxLayers, 0, 16),
               case_int("slots", "revolve's snapshots s (0: as many as the budget allows)", "spec/recompute.md §3.5", "0", 0, kMaxLayers, 0, 16),
               case_int("seed", "widths, weights, input, target and the dropout key", "spec/recompute.md §5.2", "1", 0, int64_t{1} << 62)};
  op.inputs = {{"bytes", ElemType::Int, {}, "n: layer i's activation bytes, 4·batch·w_i"},
               {"weights", ElemType::Float32, {}, "W_0..W_{n-1} row-major (w_i x w_{i+1}), in [-1/16, 1/16]"},
               {"x", ElemType::Float32, {}, "the input, batch x w_0, in [-1, 1]"},
               {"target", ElemType::Float32, {}, "the target, batch x w_n, in [-1, 1]"}};
  op.outputs = {{"actions", ElemType::Int, {}, "the schedule: codes 4·layer + (0 forward keeping its input, 1 forward overwriting it, 2 backward), 3 the loss gradient"},
                {"peak_bytes", ElemType::Int, {}, "the peak live activation bytes the schedule claims"},
                {"recompute", ElemType::Int, {}, "the forward evaluations beyond n it claims"},
                {"bound_bytes", ElemType::Int, {}, "the kind's bound (spec/recompute.md §3.6)"},
                {"gradients", ElemType::Float32, {}, "the weight gradients of executing the schedule, in the weights' layout"},
                {"measured_peak_bytes", ElemType::Int, {}, "the peak of the activation bytes the executor really held"}};
  op.verification.kind = Verification::Kind::Exact;
  op.verification.text = "exact: the action list valid on the schedule machine, its claimed peak and recompute count equal to the machine's, the "
                         "kind's recompute count and bound, peak <= bound and <= budget, the executor's measured peak equal to the machine's, "
                         "weight gradients bit for bit those of exact plain backprop in the declared float32 order (spec/recompute.md §5)";
  op.params_error = [](const Params& p) -> std::optional<std::string> {
    const int64_t n = p.integer("n");
    if (p.integer("k") > n) return "k above n";
    if (p.integer("slots") > n) return "slots above n";
    if (n * p.integer("batch") * p.integer("width") * p.integer("width") > kMaxMacs) return "n·batch·width² above 2^16 (the exact reference's budget)";
    return std::nullopt;
  };
  op.inputs_error = inputs_error;
  op.make_inputs = inputs_of;
  op.cases = cases;
  op.cost = [](const Params&, const InputSpec& inputs) { return uint64_t{inputs.boundary ? 28000u : 0u} + uint64_t{inputs.random} * 2000; };
  op.output_forms = [](const OpCase& c) {
    const ref::ResolvedSchedule r = resolved(c);
    const uint64_t n = c.inputs[0].size();
    const uint64_t actions = r.ok ? 2 * n + 1 + ref::schedule_recompute(r.kind, n, r.k, r.slots) : 0;
    return list_forms(c, {actions, 1, 1, 1, c.inputs[1].size(), 1});
  };
  op.compare = compare;
  op.bindings = {
      {"reference",
       [](const OpCase& c, std::vector<Tensor>& out, std::string& error) {
         const ref::ResolvedSchedule r = resolved(c);
         if (!r.ok) {
           error = r.error;
           return OpStatus::Error;
         }
         const std::vector<uint64_t> b = bytes_of(c);
         const std::vector<int64_t> actions = ref::build_schedule(r.kind, b.size(), r.k, r.slots);
         const ref::ScheduleRun run = ref::run_schedule(b, actions);
         ref::DenseNetwork net{widths_from_bytes(c), u(c.params, "batch"), floats_of(c.inputs[1]), floats_of(c.inputs[2]), floats_of(c.inputs[3]),
                               static_cast<uint32_t>(c.params.integer("dropout")), u(c.params, "seed")};
         const ref::StepResult step = ref::dense_backprop(net);
         if (!run.ok || !step.ok) {
           error = "reference: " + (run.ok ? step.error : run.error);
           return OpStatus::Error;
         }
         out = outputs_of(actions, run.peak_bytes, ref::schedule_recompute(r.kind, b.size(), r.k, r.slots), ref::schedule_bound(r.kind, b, r.k, r.slots),
                          step.weight_gradients, run.peak_bytes);
         return OpStatus::Ok;
       }},
      {"fast",
       [](const OpCase& c, std::vector<Tensor>& out, std::string& error) {
         const std::vector<uint64_t> b = bytes_of(c);
         fast::SchedulePlan plan;
         if (auto e = fast::plan_schedule(fast_kind(c.params), b, u(c.params, "budget"), u(c.params, "k"), u(c.params, "slots"), plan)) {
           error = *e;
           return OpStatus::Error;
         }
         const std::vector<float> weights = floats_of(c.inputs[1]), x = floats_of(c.inputs[2]), target = floats_of(c.inputs[3]);
         const fast::DenseNet net{widths_from_bytes(c), u(c.params, "batch"), weights, x, target, static_cast<uint32_t>(c.params.integer("dropout")), u(c.params, "seed")};
         std::vector<float> gradients(weights.size());
         const fast::Execution ex = fast::execute_schedule(net, plan.actions, gradients);
         if (!ex.ok) {
           error = ex.error;
           return OpStatus::Error;
         }
         out = outputs_of(plan.actions, plan.peak_bytes, plan.recompute, plan.bound_bytes, gradients, ex.measured_peak_bytes);
         return OpStatus::Ok;
       }},
  };
  return op;
}

}  // namespace

const OpSchema& recompute_schedule_op() {
  static const OpSchema op = make_schema();
  return op;
}

}  // namespace lpc::ops
