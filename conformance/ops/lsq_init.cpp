// The op lsq-init: LSQ's initial step s0 = RN32(2·mean|v|/sqrt(Q_P)) of a float32 tensor
// (spec/quantizers.md §1.4), checked within 1 ulp.
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

int32_t qmax_of(const Params& p) {
  const int64_t q = p.integer("qmax");
  return q ? static_cast<int32_t>(q) : lsq_grid(format_by_name(p.text("grid"))).qmax;
}

std::vector<float> tensor_x(const OpCase& c) { return std::vector<float>(c.inputs[0].floats.begin(), c.inputs[0].floats.end()); }

// Boundary: eight fixed tensors (one element, symmetric, powers of two, tiny, huge); random:N, N
// tensors of 1..512 elements of mixed magnitudes.
std::vector<OpCase> cases(const Params& item, const InputSpec& inputs, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::vector<std::vector<float>> tensors;
  if (inputs.boundary) {
    const float tiny = 0x1p-100f, huge = 1e37f;
    tensors = {{1.0f},
               {-3.0f, 3.0f},
               {0.5f, 0.25f, 0.125f, 0.0f},
               {tiny, -tiny, tiny},
               {huge, -huge},
               {0.1f, 0.2f, 0.3f},
               {1.0f, 0x1p-24f},
               {std::numeric_limits<float>::min(), 1.0f, -7.5f}};
  }
  for (uint32_t t = 0; t < inputs.random; ++t) {
    const size_t n = std::uniform_int_distribution<size_t>(1, 512)(rng);
    const int centre = std::uniform_int_distribution<int>(-20, 20)(rng);
    std::vector<float> v(n);
    for (float& e : v) e = (rng() & 1 ? -1 : 1) * quantizer_cases::random_float(rng, centre - 6, centre + 6);
    tensors.push_back(std::move(v));
  }
  Params p = item;
  p.set("qmax", int64_t{lsq_grid(format_by_name(item.text("grid"))).qmax});
  std::vector<OpCase> out;
  for (const auto& t : tensors) out.push_back({nullptr, p, {Tensor::reals({t.size()}, std::vector<double>(t.begin(), t.end()))}});
  return out;
}

OpSchema make_schema() {
  OpSchema op;
  op.name = "lsq-init";
  op.summary = "LSQ initial step 2·mean|v|/sqrt(Q_P) (spec/quantizers.md §1.4); within 1 ulp";
  op.clause = "spec/quantizers.md §1.4";
  const ParamSpec grid = quantizer_cases::grid_param("the integer grid whose Q_P the step takes", "spec/quantizers.md §1.1");
  ParamSpec qmax{"qmax", ParamType::Int, ParamScope::Case, "Q_P, the highest code; 0: the grid's", "spec/quantizers.md §1.4, §1.5", "0"};
  qmax.max = 32767;
  op.params = {grid, qmax};
  op.fixed_columns = {{"source", "float32"}};
  op.inputs = {{"x", ElemType::Float32, {}, "the tensor v, float32, finite, not empty", false, true}};
  op.outputs = {{"s0", ElemType::Float32, {}, "the initial step, one float32"}};
  op.verification.kind = Verification::Kind::Ulp;
  op.verification.ulps = 1;
  op.output_forms = [](const OpCase& c) { return list_forms(c, {1}); };
  op.cases = cases;
  op.inputs_error = [](const OpCase& c) -> std::optional<std::string> {
    if (c.inputs[0].size() == 0) return "the initial step needs a non-empty tensor (spec/quantizers.md §1.4)";
    for (double v : c.inputs[0].floats)
      if (v != 0) return std::nullopt;
    return "the tensor's initial step is zero (an all-zero tensor; spec/quantizers.md §1.4)";
  };
  op.cost = [](const Params&, const InputSpec& inputs) { return uint64_t{inputs.boundary ? 64u : 0u} + uint64_t{inputs.random} * 256; };
  op.bindings = {
      {"reference",
       [](const OpCase& c, std::vector<Tensor>& out, std::string& error) {
         const ref::FloatOutcome r = ref::lsq_initial_scale(tensor_x(c), qmax_of(c.params));
         if (!r.ok) {
           error = "reference lsq-init: " + r.error;
           return OpStatus::Error;
         }
         out = {Tensor::reals({1}, {r.value})};
         return OpStatus::Ok;
       }},
      {"fast",
       [](const OpCase& c, std::vector<Tensor>& out, std::string& error) {
         const auto s0 = fast::lsq_initial_scale(tensor_x(c), qmax_of(c.params));
         if (!s0) {
           error = "fast lsq-init: the tensor is rejected (empty, not finite, or a zero or overflowing result)";
           return OpStatus::Error;
         }
         out = {Tensor::reals({1}, {*s0})};
         return OpStatus::Ok;
       }},
  };
  return op;
}

}  // namespace

const OpSchema& lsq_init_op() {
  static const OpSchema op = make_schema();
  return op;
}

}  // namespace lpc::ops
