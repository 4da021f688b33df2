// The op conv2d: a direct convolution (NHWC input H×W×C, filters R×S×C×M, no padding, one stride)
// on a chip's declared datapath, as the GEMM of its im2col matrix (spec/chip.md §1.4).
#include <algorithm>
#include <array>
#include <random>

#include "conformance/ops/chip_layer.hpp"
#include "conformance/ops/derive.hpp"

namespace lpc::ops {

namespace {

constexpr int64_t kMaxMacs = int64_t{1} << 22;  // the exact references' budget per case

chip::ConvShape conv_of(const Params& p) {
  auto u = [&](const char* n) { return static_cast<uint32_t>(p.integer(n)); };
  return {u("h"), u("w"), u("r"), u("s"), u("c"), u("m"), u("stride")};
}

chip::Layer layer_of_shape(const chip::ConvShape& conv) {
  chip::Layer layer;
  layer.conv = conv;
  layer.gemm = {uint64_t{conv.ofmap_h()} * conv.ofmap_w(), conv.filters, uint64_t{conv.filter_h} * conv.filter_w * conv.channels};
  return layer;
}

// The convolution of a case's tensors: ifmap H x W x C, filters R x S x C x M, the stride parameter.
chip::Layer layer_of(const OpCase& c) {
  const auto& x = c.inputs[0].shape;
  const auto& f = c.inputs[1].shape;
  if (x.size() != 3 || f.size() != 4 || x[2] != f[2] || f[0] > x[0] || f[1] > x[1] || f[0] == 0 || f[1] == 0)
    throw std::invalid_argument("ifmap is " + shape_text(x) + " and filters " + shape_text(f) +
                                "; expected H x W x C and R x S x C x M with R <= H, S <= W");
  auto u = [](uint64_t v) { return static_cast<uint32_t>(v); };
  return layer_of_shape({u(x[0]), u(x[1]), u(f[0]), u(f[1]), u(x[2]), u(f[3]), static_cast<uint32_t>(c.params.integer("stride"))});
}

ParamSpec dim(const char* name, const char* doc, const char* fallback) {
  ParamSpec s{name, ParamType::Int, ParamScope::Case, doc, "spec/chip.md §1.4", fallback};
  s.min = 1;
  s.max = 4096;
  return s;
}

// The operands of a case: seeded by its data set (spec/chip.md §5.3), shaped by its parameters.
std::vector<Tensor> inputs_of(const Params& p) {
  auto u = [&](const char* n) { return static_cast<uint64_t>(p.integer(n)); };
  return chip_layer::make_inputs(p, layer_of_shape(conv_of(p)), {u("h"), u("w"), u("c")}, {u("r"), u("s"), u("c"), u("m")});
}

// Boundary layers: 1×1 filters, the filter as large as the input (one output pixel), strides 1..3
// with a ragged edge, and channel counts around the fold length R (R·S·C = K on either side of R);
// random layers: H, W in 1..12, R ≤ H, S ≤ W, C in 1..8, M in 1..9, stride 1..3.
std::vector<OpCase> cases(const Params& item, const InputSpec& inputs, uint64_t seed) {
  const chip::ChipConfig config = chip::chip_preset(item.text("preset"));
  const int64_t r = config.fold_rows();
  std::vector<std::array<int64_t, 7>> shapes;  // h, w, r, s, c, m, stride
  if (inputs.boundary) {
    shapes = {{1, 1, 1, 1, 1, 1, 1}, {4, 4, 1, 1, 3, 5, 1}, {5, 5, 5, 5, 2, 3, 1}, {7, 6, 3, 2, 2, 4, 2}, {9, 9, 3, 3, 1, 2, 3}};
    for (int64_t c : {r - 1, r, r + 1})
      if (c >= 1) shapes.push_back({3, 3, 1, 1, c, 3, 1});
    shapes.push_back({4, 4, 2, 2, std::max<int64_t>(1, r / 4) + 1, 3, 1});
  }
  std::mt19937_64 rng(seed);
  auto uniform = [&](int64_t lo, int64_t hi) { return std::uniform_int_distribution<int64_t>(lo, hi)(rng); };
  for (uint32_t i = 0; i < inputs.random; ++i) {
    const int64_t h = uniform(1, 12), w = uniform(1, 12);
    shapes.push_back({h, w, uniform(1, h), uniform(1, w), uniform(1, 8), uniform(1, 9), uniform(1, 3)});
  }
  std::vector<OpCase> out;
  for (const auto& s : shapes) {
    Params p = item;
    p.set("config", std::string("none"));
    p.set("seed", static_cast<int64_t>(rng() >> 2));
    const char* names[] = {"h", "w", "r", "s", "c", "m", "stride"};
    for (size_t i = 0; i < 7; ++i) p.set(names[i], s[i]);
    out.push_back({nullptr, p, inputs_of(p)});
  }
  return out;
}

OpSchema make_schema() {
  OpSchema op;
  op.name = "conv2d";
  op.summary = "direct convolution, NHWC, no padding, one stride, on the chip's declared datapath as its im2col GEMM (spec/chip.md §1.4, §3-§5)";
  op.clause = "spec/chip.md §1.4, §3, §4, §5";
  op.params = chip_layer::common_params();
  op.params.push_back(dim("h", "input height H", "4"));
  op.params.push_back(dim("w", "input width W", "4"));
  op.params.push_back(dim("r", "filter height R (at most H)", "3"));
  op.params.push_back(dim("s", "filter width S (at most W)", "3"));
  op.params.push_back(dim("c", "input channels C", "2"));
  op.params.push_back(dim("m", "filters M (output channels)", "2"));
  op.params.push_back(dim("stride", "stride of both axes", "1"));
  op.inputs = {{"ifmap", ElemType::Code, {"h", "w", "c"}, "the input, H x W x C codes of the chip's a_format (NHWC, batch 1)"},
               {"filters", ElemType::Code, {"r", "s", "c", "m"}, "the filters, R x S x C x M codes of the chip's b_format"},
               {"bias", ElemType::Int, {"m"}, "M int32 values added after the array (chips with bias = yes), else empty", true}};
  op.outputs = {{"accumulator", ElemType::Number, {"oh", "ow", "m"}, "OH x OW x M accumulators, OH = (H - R) / stride + 1"},
                {"output", ElemType::Number, {"oh", "ow", "m"}, "OH x OW x M outputs of the vector processor and activation unit"}};
  op.params_error = [](const Params& p) -> std::optional<std::string> {
    if (p.integer("r") > p.integer("h") || p.integer("s") > p.integer("w")) return "the filter (r x s) must fit the input (h x w)";
    const chip::Layer layer = layer_of_shape(conv_of(p));
    if (static_cast<int64_t>(layer.gemm.m * layer.gemm.n * layer.gemm.k) > kMaxMacs) return "above 2^22 multiply-accumulates";
    return std::nullopt;
  };
  op.cases = cases;
  op.make_inputs = inputs_of;
  chip_layer::bind(op, layer_of);
  return op;
}

}  // namespace

const OpSchema& conv2d_op() {
  static const OpSchema op = make_schema();
  return op;
}

}  // namespace lpc::ops
