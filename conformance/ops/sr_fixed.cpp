// The op sr-fixed: fixed-point stochastic rounding (spec/quantizers.md §3.1) of float32 x onto an
// integer grid with step s: t = x/s, q = floor(t) + [R < frac·2^N] (floor convention) or the same on
// |t| with the sign restored (magnitude), clamped to the grid; y = q·s. R is the low N bits of
// the element's random word. Checked exactly, element by element.
#include <cmath>
#include <limits>
#include <random>

#include "conformance/core/case.hpp"
#include "conformance/ops/derive.hpp"
#include "conformance/quantizers/cases.hpp"
#include "impls/fast/quantizers/stochastic.hpp"
#include "reference/quantizers/stochastic.hpp"

namespace lpc::ops {

namespace {

constexpr int kScaleSets = 4;

SrFixedParams params_of(const Params& p) {
  const LsqParams range = lsq_grid(format_by_name(p.text("grid")));
  return SrFixedParams{p.text("sign") == "floor" ? SrSign::Floor : SrSign::Magnitude, static_cast<float>(p.real("scale")), range.qmin, range.qmax,
                       static_cast<int>(p.integer("sr_bits"))};
}

uint64_t bits(float f) { return std::bit_cast<uint32_t>(f); }

// Per scale set (1, 0.25, 0.1, then a seeded one) one case. Boundary: the decision points of §3.1,
// t = x/s = k + f for every code k of the grid and two beyond each end, f in {0, 1/4, 1/2, 3/4}, as
// the nearest float32 (each paired with every decision point of R, where R's threshold floor(f·2^N)
// switches) and its neighbours 1 and 2 ulps away (with random words); ±0, ±inf (they clamp), the
// smallest subnormal and the largest float. random:N, half uniform over the grid's range widened
// by three steps, half any non-NaN float32, each with a random word.
std::vector<OpCase> cases(const Params& item, const InputSpec& inputs, uint64_t seed) {
  std::mt19937_64 rng(seed);
  const float fixed_scales[kScaleSets - 1] = {1.0f, 0.25f, 0.1f};
  std::vector<OpCase> out;
  for (int set = 0; set < kScaleSets; ++set) {
    Params params = item;
    params.set("scale", static_cast<double>(set < kScaleSets - 1 ? fixed_scales[set] : quantizer_cases::random_float(rng, -12, 4)));
    const SrFixedParams p = params_of(params);
    std::vector<uint64_t> x;
    std::vector<uint32_t> random;
    if (inputs.boundary) {
      const std::vector<uint32_t> r_points = quantizer_cases::random_words(p.sr_bits, 4, rng);
      for (int64_t k = int64_t{p.qmin} - 2; k <= int64_t{p.qmax} + 2; ++k)
        for (double f : {0.0, 0.25, 0.5, 0.75}) {
          std::vector<uint64_t> around;
          quantizer_cases::add_with_neighbours(around, static_cast<float>((static_cast<double>(k) + f) * p.scale));
          for (uint32_t r : r_points) {
            x.push_back(around[0]);
            random.push_back(r);
          }
          for (size_t j = 1; j < around.size(); ++j) {
            x.push_back(around[j]);
            random.push_back(static_cast<uint32_t>(rng()));
          }
        }
      constexpr float kInf = std::numeric_limits<float>::infinity();
      for (float v : {0.0f, kInf, std::numeric_limits<float>::denorm_min(), std::numeric_limits<float>::max()})
        for (float signed_v : {v, -v}) {
          x.push_back(bits(signed_v));
          random.push_back(static_cast<uint32_t>(rng()));
        }
    }
    const double low = (static_cast<double>(p.qmin) - 3) * p.scale, high = (static_cast<double>(p.qmax) + 3) * p.scale;
    for (uint32_t i = 0; i < inputs.random; ++i) {
      float v;
      if (i % 2 == 0)
        v = static_cast<float>(std::uniform_real_distribution<double>(low, high)(rng));
      else
        do v = std::bit_cast<float>(static_cast<uint32_t>(rng()));
        while (std::isnan(v));
      x.push_back(bits(v));
      random.push_back(static_cast<uint32_t>(rng()));
    }
    const uint64_t n = x.size();
    std::vector<double> xs;
    for (uint64_t b : x) xs.push_back(std::bit_cast<float>(static_cast<uint32_t>(b)));
    out.push_back({nullptr, params, {Tensor::reals({n}, std::move(xs)), Tensor::integers({n}, std::vector<int64_t>(random.begin(), random.end()))}});
  }
  return out;
}

std::vector<float> floats(const Tensor& t) { return std::vector<float>(t.floats.begin(), t.floats.end()); }
std::vector<uint32_t> words(const Tensor& t) { return std::vector<uint32_t>(t.ints.begin(), t.ints.end()); }

OpSchema make_schema() {
  OpSchema op;
  op.name = "sr-fixed";
  op.summary = "fixed-point stochastic rounding: x, random word -> the clamped code q and y = q·s (spec/quantizers.md §3.1)";
  op.clause = "spec/quantizers.md §3.1";
  const ParamSpec grid = quantizer_cases::grid_param("the integer grid (its codes' range [qmin, qmax])", "spec/quantizers.md §3.1");
  ParamSpec sign{"sign",
                 ParamType::Choice,
                 ParamScope::Item,
                 "the sign convention: floor (of t) or magnitude (of |t|, sign restored)",
                 "spec/quantizers.md §3.1",
                 "floor"};
  sign.choices = [] { return std::vector<std::string>{"floor", "magnitude"}; };
  sign.column = "rounding";
  sign.part = ParamSpec::Part::BeforeColon;
  ParamSpec sr_bits{
      "sr_bits", ParamType::Int, ParamScope::Item, "N, the random bits R takes from the low bits of each word", "spec/quantizers.md §3.1", "8"};
  sr_bits.max = 24;
  sr_bits.column = "rounding";
  sr_bits.part = ParamSpec::Part::AfterColon;
  sr_bits.signature_join = "_n";
  sr_bits.aliases = ",--sr-bits";
  ParamSpec scale{"scale", ParamType::Float32, ParamScope::Case, "the step s, finite and > 0", "spec/quantizers.md §3.1", "1"};
  op.params = {grid, sign, sr_bits, scale};
  op.sweep = {"sr_bits", "sign", "grid"};
  op.fixed_columns = {{"overflow", "-"}, {"source", "float32"}};
  op.report_fields = [](const Params& item) {
    const LsqParams range = lsq_grid(format_by_name(item.text("grid")));
    return std::vector<std::pair<std::string, Value>>{{"qmin", int64_t{range.qmin}}, {"qmax", int64_t{range.qmax}}};
  };
  op.inputs = {{"x", ElemType::Float32, {}, "the value, float32, not NaN (±inf clamp)", false, false, true},
               {"random", ElemType::Int, {}, "the element's random word, 0 .. 2^32 - 1 (R: its low N bits)"}};
  op.outputs = {{"q", ElemType::Int, {}, "the clamped code"}, {"y", ElemType::Float32, {}, "q·s"}};
  op.verification.kind = Verification::Kind::Exact;
  op.verification.text = "exact: code, y bits";
  op.params_error = [](const Params& p) { return sr_fixed_params_error(params_of(p)); };
  op.element_range = [](const Params&, size_t input) -> std::optional<std::pair<int64_t, int64_t>> {
    if (input == 1) return std::pair<int64_t, int64_t>{0, UINT32_MAX};
    return std::nullopt;
  };
  op.inputs_error = [](const OpCase& c) -> std::optional<std::string> {
    if (c.inputs[0].size() != c.inputs[1].size())
      return "x and random need the same length, got " + std::to_string(c.inputs[0].size()) + " and " + std::to_string(c.inputs[1].size());
    for (int64_t r : c.inputs[1].ints)
      if (r < 0 || r > UINT32_MAX) return "random word " + std::to_string(r) + " outside 0 .. 2^32 - 1";
    for (double x : c.inputs[0].floats)
      if (std::isnan(x)) return "x is NaN; the stochastic quantizer rejects NaN inputs (spec/quantizers.md §3.1)";
    return std::nullopt;
  };
  op.cases = cases;
  op.cost = [](const Params& item, const InputSpec& inputs) {
    const LsqParams range = lsq_grid(format_by_name(item.text("grid")));
    return kScaleSets * ((inputs.boundary ? 32 * uint64_t(range.qmax - range.qmin + 5) : 0) + uint64_t{inputs.random});
  };
  op.compare = [](const OpCase& c, std::span<const Tensor> got, std::span<const Tensor> want, CompareSink& sink) {
    compare_elementwise(c, got, want, sink, [](const OpCase& k, size_t i) {
      return "x " + float32_text(k.inputs[0].floats[i]) + ", random " + std::to_string(k.inputs[1].ints[i]);
    });
  };
  op.bindings = {
      {"reference",
       [](const OpCase& c, std::vector<Tensor>& out, std::string& error) {
         const SrFixedParams p = params_of(c.params);
         const size_t n = c.inputs[0].size();
         std::vector<int64_t> q(n);
         std::vector<double> y(n);
         for (size_t i = 0; i < n; ++i) {
           const ref::SrFixedOutcome r = ref::sr_fixed(p, static_cast<float>(c.inputs[0].floats[i]), static_cast<uint32_t>(c.inputs[1].ints[i]));
           if (!r.ok) {
             error = "reference sr-fixed: element " + std::to_string(i) + ": " + r.error;
             return OpStatus::Error;
           }
           q[i] = r.code;
           y[i] = r.y;
         }
         out = {Tensor::integers({n}, std::move(q)), Tensor::reals({n}, std::move(y))};
         return OpStatus::Ok;
       }},
      {"fast",
       [](const OpCase& c, std::vector<Tensor>& out, std::string& error) {
         const size_t n = c.inputs[0].size();
         std::vector<int32_t> q(n);
         std::vector<float> y(n);
         if (auto e = fast::sr_fixed(params_of(c.params), floats(c.inputs[0]), words(c.inputs[1]), q, y)) {
           error = "fast sr-fixed: element " + std::to_string(e->index) + ": " + e->message;
           return OpStatus::Error;
         }
         out = {Tensor::integers({n}, std::vector<int64_t>(q.begin(), q.end())), Tensor::reals({n}, std::vector<double>(y.begin(), y.end()))};
         return OpStatus::Ok;
       }},
  };
  return op;
}

}  // namespace

const OpSchema& sr_fixed_op() {
  static const OpSchema op = make_schema();
  return op;
}

}  // namespace lpc::ops
