// The op lsq: LSQ's forward and backward pass on an integer grid (spec/quantizers.md §1.1-1.3), and
// LSQ+ with an offset β (§1.6): per element y = clamp(round(x/s))·s (the paper or the PyTorch
// fake-quantize boundary convention), dx, and ds with the grad scale applied; LSQ+ adds dbeta.
// Checked exactly: y's bits; dx, ds, dbeta as values (the sign of a zero is free).
#include <algorithm>
#include <cmath>
#include <limits>
#include <random>

#include "conformance/core/case.hpp"
#include "conformance/ops/derive.hpp"
#include "conformance/quantizers/cases.hpp"
#include "impls/fast/quantizers/lsq.hpp"
#include "reference/quantizers/lsq.hpp"

namespace lpc::ops {

namespace {

constexpr int kSets = 4;

bool plus(const Params& p) { return p.text("variant").ends_with("+offset"); }

LsqParams params_of(const Params& p) {
  LsqParams l = lsq_grid(format_by_name(p.text("grid")));
  l.variant = p.text("variant").starts_with("paper") ? LsqVariant::Paper : LsqVariant::Torch;
  l.scale = static_cast<float>(p.real("scale"));
  l.grad_scale = static_cast<float>(p.real("grad_scale"));
  return l;
}

uint64_t bits(float f) { return std::bit_cast<uint32_t>(f); }

// The x of one case: boundary, for every code k of the grid and two beyond each end, the grid
// point k·s and the tie (k + 1/2)·s (each shifted by β) as the nearest float32 and its neighbours
// 1 and 2 ulps away, the torch variant's ties (k + 1/2)/fl32(1/s) likewise, and ±0, ±inf, ±1,
// ±0.5, the smallest subnormal and normal and the largest float; random:N, half uniform over the
// grid's range widened by three steps, half any finite float32. Sorted, each once.
std::vector<uint64_t> inputs_of(const LsqParams& p, double beta, const InputSpec& inputs, std::mt19937_64& rng) {
  std::vector<uint64_t> x;
  if (inputs.boundary) {
    // (k + 1/2)·s is exact in double (24 + 17 significant bits), so the cast gives the float
    // nearest to the exact tie (with β, the float nearest to the shifted point).
    const float inverse = 1.0f / p.scale;
    for (int64_t k = int64_t{p.qmin} - 2; k <= int64_t{p.qmax} + 2; ++k) {
      quantizer_cases::add_with_neighbours(x, static_cast<float>(static_cast<double>(k) * p.scale + beta));
      quantizer_cases::add_with_neighbours(x, static_cast<float>((static_cast<double>(k) + 0.5) * p.scale + beta));
      if (p.variant == LsqVariant::Torch)
        quantizer_cases::add_with_neighbours(x, static_cast<float>((static_cast<double>(k) + 0.5) / inverse + beta));
    }
    constexpr float kInf = std::numeric_limits<float>::infinity();
    for (float s :
         {0.0f, kInf, 1.0f, 0.5f, std::numeric_limits<float>::denorm_min(), std::numeric_limits<float>::min(), std::numeric_limits<float>::max()}) {
      x.push_back(bits(s));
      x.push_back(bits(-s));
    }
  }
  const double low = (static_cast<double>(p.qmin) - 3) * p.scale + beta, high = (static_cast<double>(p.qmax) + 3) * p.scale + beta;
  for (uint32_t i = 0; i < inputs.random; ++i) {
    float v;
    if (i % 2 == 0)
      v = static_cast<float>(std::uniform_real_distribution<double>(low, high)(rng));
    else
      do v = std::bit_cast<float>(static_cast<uint32_t>(rng()));
      while (!std::isfinite(v));
    x.push_back(bits(v));
  }
  std::sort(x.begin(), x.end());
  x.erase(std::unique(x.begin(), x.end()), x.end());
  return x;
}

// One case per parameter set: (s, g) = (1, 1), (0.25, 1), (0.1, 0.0125), then seeded; LSQ+'s β =
// 0, 0.375 (a fraction of a step), -0.3 (inexact), then seeded. dy is 1 for one input in four, else
// a random float32 in ±[2^-8, 2^9).
std::vector<OpCase> cases(const Params& item, const InputSpec& inputs, uint64_t seed) {
  std::mt19937_64 rng(seed);
  const float fixed_scales[kSets - 1][2] = {{1.0f, 1.0f}, {0.25f, 1.0f}, {0.1f, 0.0125f}};
  const float fixed_offsets[kSets - 1] = {0.0f, 0.375f, -0.3f};
  std::vector<OpCase> out;
  for (int set = 0; set < kSets; ++set) {
    Params p = item;
    p.set("scale", static_cast<double>(set < kSets - 1 ? fixed_scales[set][0] : quantizer_cases::random_float(rng, -12, 4)));
    p.set("grad_scale", static_cast<double>(set < kSets - 1 ? fixed_scales[set][1] : quantizer_cases::random_float(rng, -10, 0)));
    float beta = 0;
    if (plus(item)) beta = set < kSets - 1 ? fixed_offsets[set] : (rng() & 1 ? -1 : 1) * quantizer_cases::random_float(rng, -12, 4);
    p.set("offset", static_cast<double>(beta));
    const std::vector<uint64_t> x = inputs_of(params_of(p), beta, inputs, rng);
    std::vector<double> xs, dy;
    for (size_t i = 0; i < x.size(); ++i) {
      xs.push_back(std::bit_cast<float>(static_cast<uint32_t>(x[i])));
      dy.push_back(i % 4 == 0 ? 1.0f : (rng() & 1 ? -1 : 1) * quantizer_cases::random_float(rng, -8, 8));
    }
    out.push_back({nullptr, p, {Tensor::real_list(std::move(xs)), Tensor::real_list(std::move(dy))}});
  }
  return out;
}

// A value compared as a value: equal (so -0 == +0) or both NaN.
bool same_value(const Tensor& a, const Tensor& b, size_t i) {
  return a.floats[i] == b.floats[i] || (std::isnan(a.floats[i]) && std::isnan(b.floats[i]));
}

void compare(const OpCase& c, std::span<const Tensor> got, std::span<const Tensor> want, CompareSink& sink) {
  // y bits; dx, ds and LSQ+'s dbeta by value (§1.3 sign of zero, §1.6).
  const size_t n = c.inputs[0].size();
  const bool offset = plus(c.params);
  for (size_t k = 0; k < want.size(); ++k)
    if (!same_size(c, k, got, want, sink)) return;
  auto text = [&](std::span<const Tensor> o, size_t i) {
    auto v = [&](size_t k) { return float32_text(o[k].floats[i]).substr(0, float32_text(o[k].floats[i]).find(' ')); };
    return "y " + v(0) + ", dx " + v(1) + ", ds " + v(2) + (offset ? ", dbeta " + v(3) : "");
  };
  for (size_t i = 0; i < n; ++i) {
    ++sink.checked;
    if (same_element(got[0], i, want[0], i) && same_value(got[1], want[1], i) && same_value(got[2], want[2], i) &&
        (!offset || same_value(got[3], want[3], i)))
      continue;
    sink.mismatch("x " + float32_text(c.inputs[0].floats[i]) + ", dy " + float32_text(c.inputs[1].floats[i]) +
                      (offset ? ", offset " + float32_text(c.params.real("offset")) : ""),
                  text(got, i), text(want, i), sink.first.size() < sink.max_recorded ? element_alone(c, i) : OpCase{});
  }
}

std::vector<Tensor> outputs(const std::vector<float>& y, const std::vector<float>& dx, const std::vector<float>& ds,
                            const std::vector<float>& dbeta) {
  auto list = [](const std::vector<float>& v) { return Tensor::real_list(std::vector<double>(v.begin(), v.end())); };
  return {list(y), list(dx), list(ds), list(dbeta)};
}

// The reference binding; `fused`: under the declared variant lsq_fma (§1.3).
OpStatus reference(const OpCase& c, std::vector<Tensor>& out, std::string& error, bool fused) {
  LsqParams p = params_of(c.params);
  p.fused_difference = fused;
  const bool offset = plus(c.params);
  const float beta = static_cast<float>(c.params.real("offset"));
  const size_t n = c.inputs[0].size();
  std::vector<float> y(n), dx(n), ds(n), dbeta(offset ? n : 0);
  for (size_t i = 0; i < n; ++i) {
    const float x = static_cast<float>(c.inputs[0].floats[i]), dy = static_cast<float>(c.inputs[1].floats[i]);
    const ref::LsqPlusOutcome r = offset ? ref::lsq_plus(p, beta, x, dy) : [&] {
      const ref::LsqOutcome plain = ref::lsq(p, x, dy);
      return ref::LsqPlusOutcome{plain.ok, plain.element, 0.0f, plain.error};
    }();
    if (!r.ok) {
      error = "reference lsq: element " + std::to_string(i) + ": " + r.error;
      return OpStatus::Error;
    }
    y[i] = r.element.y;
    dx[i] = r.element.dx;
    ds[i] = r.element.ds;
    if (offset) dbeta[i] = r.dbeta;
  }
  out = outputs(y, dx, ds, dbeta);
  return OpStatus::Ok;
}

OpSchema make_schema() {
  OpSchema op;
  op.name = "lsq";
  op.summary =
      "LSQ forward and backward on an integer grid, and LSQ+ with an offset: y, dx, ds (grad scale applied), dbeta (spec/quantizers.md §1.1-1.3, "
      "§1.6)";
  op.clause = "spec/quantizers.md §1.1-1.3, §1.6";
  const ParamSpec grid = quantizer_cases::grid_param("the integer grid [-Q_N, Q_P] (an integer format)", "spec/quantizers.md §1.1");
  ParamSpec variant{"variant",
                    ParamType::Choice,
                    ParamScope::Item,
                    "the boundary convention: paper (compare v/s before rounding) or torch (PyTorch fake-quantize); +offset: LSQ+",
                    "spec/quantizers.md §1.2, §1.6",
                    "paper"};
  variant.choices = [] { return std::vector<std::string>{"paper", "torch", "paper+offset", "torch+offset"}; };
  variant.column = "rounding";
  variant.report_as = "variant";
  ParamSpec scale{"scale", ParamType::Float32, ParamScope::Case, "the step s, a valid LSQ step", "spec/quantizers.md §1.5", "1"};
  ParamSpec grad_scale{
      "grad_scale", ParamType::Float32, ParamScope::Case, "the gradient scale g multiplying ds, e.g. 1/sqrt(N·Q_P)", "spec/quantizers.md §1.3", "1"};
  grad_scale.aliases = ",--grad-scale";
  ParamSpec offset{"offset", ParamType::Float32, ParamScope::Case, "LSQ+'s offset β, finite (0 without +offset)", "spec/quantizers.md §1.6", "0"};
  op.params = {grid, variant, scale, grad_scale, offset};
  op.fixed_columns = {{"overflow", "-"}, {"source", "float32"}};
  op.report_fields = [](const Params& item) {
    const LsqParams g = lsq_grid(format_by_name(item.text("grid")));
    return std::vector<std::pair<std::string, Value>>{{"qmin", int64_t{g.qmin}}, {"qmax", int64_t{g.qmax}}};
  };
  op.inputs = {{"x", ElemType::Float32, {}, "the values, float32, not NaN", false, false, true},
               {"dy", ElemType::Float32, {}, "the upstream gradient of each value, finite", false, true}};
  op.outputs = {{"y", ElemType::Float32, {}, "the quantized value"},
                {"dx", ElemType::Float32, {}, "the straight-through gradient"},
                {"ds", ElemType::Float32, {}, "this element's step gradient, grad scale applied"},
                {"dbeta", ElemType::Float32, {}, "LSQ+: dy where clamped, else 0; empty without +offset", true}};
  op.verification.kind = Verification::Kind::Exact;
  op.verification.text = "exact: y bits; dx, ds (LSQ+: dbeta) as values (the sign of a zero is free)";
  op.params_error = [](const Params& p) -> std::optional<std::string> {
    if (auto e = lsq_params_error(params_of(p))) return e;
    const double beta = p.real("offset");
    if (!std::isfinite(beta)) return "the LSQ+ offset must be finite";
    if (!plus(p) && beta != 0) return "an offset needs the variant paper+offset or torch+offset (LSQ+, spec/quantizers.md §1.6)";
    return std::nullopt;
  };
  op.inputs_error = [](const OpCase& c) -> std::optional<std::string> {
    if (c.inputs[0].size() != c.inputs[1].size())
      return "x and dy need the same length, got " + std::to_string(c.inputs[0].size()) + " and " + std::to_string(c.inputs[1].size());
    for (double x : c.inputs[0].floats)
      if (std::isnan(x)) return "x is NaN (spec/quantizers.md §1.5)";
    for (double d : c.inputs[1].floats)
      if (!std::isfinite(d)) return "dy is not finite (spec/quantizers.md §1.5)";
    return std::nullopt;
  };
  op.cases = cases;
  op.cost = [](const Params& item, const InputSpec& inputs) {
    const LsqParams g = lsq_grid(format_by_name(item.text("grid")));
    return kSets * ((inputs.boundary ? 25 * uint64_t(g.qmax - g.qmin + 5) : 0) + uint64_t{inputs.random});
  };
  op.compare = compare;
  op.bindings = {
      {"reference", [](const OpCase& c, std::vector<Tensor>& out, std::string& error) { return reference(c, out, error, false); }},
      {"fast",
       [](const OpCase& c, std::vector<Tensor>& out, std::string& error) {
         const LsqParams p = params_of(c.params);
         const bool offset = plus(c.params);
         const size_t n = c.inputs[0].size();
         const std::vector<float> x(c.inputs[0].floats.begin(), c.inputs[0].floats.end()), dy(c.inputs[1].floats.begin(), c.inputs[1].floats.end());
         std::vector<float> y(n), dx(n), ds(n), dbeta(offset ? n : 0);
         const auto e = offset ? fast::lsq_plus_forward_backward(p, static_cast<float>(c.params.real("offset")), x, dy, y, dx, ds, dbeta)
                               : fast::lsq_forward_backward(p, x, dy, y, dx, ds);
         if (e) {
           error = "fast lsq: element " + std::to_string(e->index) + ": " + e->message;
           return OpStatus::Error;
         }
         out = outputs(y, dx, ds, dbeta);
         return OpStatus::Ok;
       }},
  };
  // PyTorch's AVX2 kernel contracts fl32(x_fq - x) into an FMA (research: real-libraries.md).
  op.variants = {{"lsq_fma", "spec/quantizers.md §1.3",
                  [](const OpCase& c, std::vector<Tensor>& out, std::string& error) { return reference(c, out, error, true); }}};
  return op;
}

}  // namespace

const OpSchema& lsq_op() {
  static const OpSchema op = make_schema();
  return op;
}

}  // namespace lpc::ops
