// The op gemm: C = A × B on a chip's declared datapath (spec/chip.md §1.4, §3, §4, §5), A M×K and
// B K×N codes of the chip's operand formats, seeded by a data set of §5.3.
#include <algorithm>
#include <array>
#include <random>

#include "conformance/ops/chip_layer.hpp"
#include "conformance/ops/derive.hpp"

namespace lpc::ops {

namespace {

constexpr int64_t kMaxMacs = int64_t{1} << 22;  // the exact references' budget per case

// The GEMM of a case's tensors: A M x K, B K x N.
chip::Layer layer_of(const OpCase& c) {
  const auto& a = c.inputs[0].shape;
  const auto& b = c.inputs[1].shape;
  if (a.size() != 2 || b.size() != 2 || a[1] != b[0])
    throw std::invalid_argument("A is " + shape_text(a) + " and B is " + shape_text(b) + "; A's columns must equal B's rows (K)");
  chip::Layer layer;
  layer.gemm = {a[0], b[1], a[1]};
  return layer;
}

chip::Layer generated_layer(const Params& p) {
  chip::Layer layer;
  layer.gemm = {static_cast<uint64_t>(p.integer("m")), static_cast<uint64_t>(p.integer("n")), static_cast<uint64_t>(p.integer("k"))};
  return layer;
}

ParamSpec dim(const char* name, const char* doc, int64_t max, const char* fallback) { return case_int(name, doc, "spec/chip.md §1.4", fallback, 1, max); }

// The operands of a case: seeded by its data set (spec/chip.md §5.3), shaped by its parameters.
std::vector<Tensor> inputs_of(const Params& p) {
  return chip_layer::make_inputs(p, generated_layer(p), {static_cast<uint64_t>(p.integer("m")), static_cast<uint64_t>(p.integer("k"))},
                                 {static_cast<uint64_t>(p.integer("k")), static_cast<uint64_t>(p.integer("n"))});
}

// Boundary shapes sit on the fold length R of the declared order (spec/chip.md §3.1): K = 1, R - 1,
// R, R + 1, 2R + 1, with M and N of 1, primes and one past an array edge; random shapes have M, N
// in 1..17 and K in 1..3R.
std::vector<OpCase> cases(const Params& item, const InputSpec& inputs, uint64_t seed) {
  const chip::ChipConfig config = chip::chip_preset(item.text("preset"));
  const int64_t r = config.fold_rows(), cols = config.array.cols;
  std::vector<std::array<int64_t, 3>> shapes;  // m, n, k
  if (inputs.boundary)
    for (int64_t k : {int64_t{1}, r - 1, r, r + 1, 2 * r + 1})
      for (auto [m, n] : {std::pair<int64_t, int64_t>{1, 1}, {3, 5}, {7, cols + 1}})
        if (k >= 1) shapes.push_back({m, n, k});
  std::mt19937_64 rng(seed);
  for (uint32_t i = 0; i < inputs.random; ++i)
    shapes.push_back({std::uniform_int_distribution<int64_t>(1, 17)(rng), std::uniform_int_distribution<int64_t>(1, 17)(rng),
                      std::uniform_int_distribution<int64_t>(1, 3 * r)(rng)});
  std::vector<OpCase> out;
  for (const auto& [m, n, k] : shapes) {
    Params p = item;
    p.set("config", std::string("none"));
    p.set("seed", static_cast<int64_t>(rng() >> 2));
    p.set("m", m);
    p.set("n", n);
    p.set("k", k);
    out.push_back({nullptr, p, inputs_of(p)});
  }
  return out;
}

OpSchema make_schema() {
  OpSchema op;
  op.name = "gemm";
  op.summary = "C = A x B on the chip's declared datapath: accumulators and vector-processor outputs (spec/chip.md §3-§5)";
  op.clause = "spec/chip.md §1.4, §3, §4, §5";
  op.params = chip_layer::common_params();
  op.params.push_back(dim("m", "rows of A and C", 4096, "4"));
  op.params.push_back(dim("n", "columns of B and C", 4096, "4"));
  op.params.push_back(dim("k", "columns of A, rows of B", 65536, "8"));
  op.inputs = {{"a", ElemType::Code, {"row", "col"}, "A, M x K codes of the chip's a_format"},
               {"b", ElemType::Code, {"row", "col"}, "B, K x N codes of the chip's b_format"},
               {"bias", ElemType::Int, {"col"}, "N int32 values added after the array (chips with bias = yes), else empty", true}};
  op.outputs = {{"accumulator", ElemType::Number, {"row", "col"}, "M x N accumulators as they leave the array (integer or float)"},
                {"output", ElemType::Number, {"row", "col"}, "M x N outputs of the vector processor and activation unit"}};
  op.params_error = [](const Params& p) -> std::optional<std::string> {
    if (p.integer("m") * p.integer("n") * p.integer("k") > kMaxMacs) return "m·n·k above 2^22 multiply-accumulates";
    return std::nullopt;
  };
  op.cases = cases;
  op.make_inputs = inputs_of;
  chip_layer::bind(op, layer_of);
  return op;
}

}  // namespace

const OpSchema& gemm_op() {
  static const OpSchema op = make_schema();
  return op;
}

}  // namespace lpc::ops
