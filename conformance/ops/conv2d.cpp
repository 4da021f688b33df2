// The op conv2d: a direct convolution (NHWC input H×W×C, filters R×S×C/groups×M, TOSA's four pads,
// a stride per axis, dilation, groups) on a chip's declared datapath, as the GEMM of its im2col
// matrix per group (spec/convolution.md §1, spec/chip.md §1.4).
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
  chip::ConvShape conv{u("h"), u("w"), u("r"), u("s"), u("c"), u("m"), u("stride")};
  conv.stride_w = u("stride_w");
  conv.pad_top = u("pad_top"), conv.pad_bottom = u("pad_bottom"), conv.pad_left = u("pad_left"), conv.pad_right = u("pad_right");
  conv.dilation_h = u("dilation_h"), conv.dilation_w = u("dilation_w");
  conv.groups = u("groups");
  return conv;
}

chip::Layer layer_of_shape(const chip::ConvShape& conv) { return chip::conv_layer(conv); }

// The convolution of a case's tensors: ifmap H x W x C, filters R x S x (C/groups) x M, the
// stride, padding, dilation and groups parameters.
chip::Layer layer_of(const OpCase& c) {
  const auto& x = c.inputs[0].shape;
  const auto& f = c.inputs[1].shape;
  const int64_t groups = c.params.integer("groups");
  if (x.size() != 3 || f.size() != 4 || f[2] * static_cast<uint64_t>(groups) != x[2] || f[0] == 0 || f[1] == 0)
    throw std::invalid_argument("ifmap is " + shape_text(x) + " and filters " + shape_text(f) +
                                "; expected H x W x C and R x S x C/groups x M (groups = " + std::to_string(groups) + ")");
  chip::ConvShape conv = conv_of(c.params);
  auto u = [](uint64_t v) { return static_cast<uint32_t>(v); };
  conv.ifmap_h = u(x[0]), conv.ifmap_w = u(x[1]), conv.channels = u(x[2]), conv.filter_h = u(f[0]), conv.filter_w = u(f[1]), conv.filters = u(f[3]);
  return chip::conv_layer(conv);
}

// Fuzzing draws 1..12: layers the exact references finish quickly.
ParamSpec dim(const char* name, const char* doc, const char* fallback) { return case_int(name, doc, "spec/chip.md §1.4", fallback, 1, 4096, 1, 12); }

// The operands of a case: seeded by its data set (spec/chip.md §5.3), shaped by its parameters.
std::vector<Tensor> inputs_of(const Params& p) {
  auto u = [&](const char* n) { return static_cast<uint64_t>(p.integer(n)); };
  return chip_layer::make_inputs(p, layer_of_shape(conv_of(p)), {u("h"), u("w"), u("c")}, {u("r"), u("s"), u("c") / u("groups"), u("m")});
}

// Boundary layers: 1×1 filters, the filter as large as the input (one output pixel), strides 1..3
// with a ragged edge, and channel counts around the fold length R (R·S·C = K on either side of R);
// then the full convolution (spec/convolution.md §1): PyTorch's symmetric padding, TOSA's
// asymmetric pads, a width stride, dilation 2 and 3, groups and depthwise (groups = C), a window
// that needs the padding to fit; random layers: H, W in 1..12, R ≤ H, S ≤ W, C in 1..8, M in
// 1..9, stride 1..3, then as many with padding 0..2 per side, dilation 1..3 and groups.
std::vector<OpCase> cases(const Params& item, const InputSpec& inputs, uint64_t seed) {
  const chip::ChipConfig config = chip::chip_preset(item.text("preset"));
  const int64_t r = config.fold_rows();
  // h, w, r, s, c, m, stride, then stride_w, pad top/bottom/left/right, dilation h/w, groups
  using Shape = std::array<int64_t, 15>;
  auto row = [](int64_t h, int64_t w, int64_t fr, int64_t fs, int64_t c, int64_t m, int64_t stride) { return Shape{h, w, fr, fs, c, m, stride, 0, 0, 0, 0, 0, 1, 1, 1}; };
  std::vector<Shape> shapes;
  if (inputs.boundary) {
    shapes = {row(1, 1, 1, 1, 1, 1, 1), row(4, 4, 1, 1, 3, 5, 1), row(5, 5, 5, 5, 2, 3, 1), row(7, 6, 3, 2, 2, 4, 2), row(9, 9, 3, 3, 1, 2, 3)};
    for (int64_t c : {r - 1, r, r + 1})
      if (c >= 1) shapes.push_back(row(3, 3, 1, 1, c, 3, 1));
    shapes.push_back(row(4, 4, 2, 2, std::max<int64_t>(1, r / 4) + 1, 3, 1));
    shapes.push_back({5, 5, 3, 3, 2, 3, 1, 0, 1, 1, 1, 1, 1, 1, 1});    // PyTorch padding = 1 ("same")
    shapes.push_back({6, 7, 3, 2, 2, 2, 2, 1, 0, 2, 1, 0, 1, 1, 1});    // TOSA pads [0, 2, 1, 0], strides 2 x 1
    shapes.push_back({9, 8, 3, 3, 2, 2, 1, 2, 0, 0, 0, 0, 2, 3, 1});    // dilation 2 x 3, stride_w 2
    shapes.push_back({6, 6, 3, 3, 4, 6, 1, 0, 1, 1, 1, 1, 1, 1, 2});    // groups 2
    shapes.push_back({5, 5, 3, 3, 3, 6, 2, 0, 1, 1, 1, 1, 1, 1, 3});    // depthwise, multiplier 2
    shapes.push_back({2, 2, 3, 3, 1, 2, 1, 0, 1, 1, 1, 1, 1, 1, 1});    // the window fits only padded
    shapes.push_back({4, 4, 2, 2, 2, 2, 3, 0, 3, 3, 3, 3, 1, 1, 1});    // padding wider than the window's reach
  }
  std::mt19937_64 rng(seed);
  auto uniform = [&](int64_t lo, int64_t hi) { return std::uniform_int_distribution<int64_t>(lo, hi)(rng); };
  for (uint32_t i = 0; i < inputs.random; ++i) {
    const int64_t h = uniform(1, 12), w = uniform(1, 12);
    shapes.push_back(row(h, w, uniform(1, h), uniform(1, w), uniform(1, 8), uniform(1, 9), uniform(1, 3)));
  }
  for (uint32_t i = 0; i < inputs.random; ++i) {
    const int64_t h = uniform(1, 10), w = uniform(1, 10), groups = uniform(1, 3);
    Shape s{h, w, 0, 0, groups * uniform(1, 3), groups * uniform(1, 3), uniform(1, 3), uniform(0, 3),
            uniform(0, 2), uniform(0, 2), uniform(0, 2), uniform(0, 2), uniform(1, 3), uniform(1, 3), groups};
    s[2] = std::max<int64_t>(1, std::min<int64_t>(uniform(1, 4), (h + s[8] + s[9] - 1) / s[12] + 1));
    s[3] = std::max<int64_t>(1, std::min<int64_t>(uniform(1, 4), (w + s[10] + s[11] - 1) / s[13] + 1));
    shapes.push_back(s);
  }
  std::vector<OpCase> out;
  for (const auto& s : shapes) {
    Params p = item;
    p.set("config", std::string("none"));
    p.set("seed", static_cast<int64_t>(rng() >> 2));
    const char* names[] = {"h", "w", "r", "s", "c", "m", "stride", "stride_w", "pad_top", "pad_bottom", "pad_left", "pad_right", "dilation_h", "dilation_w", "groups"};
    for (size_t i = 0; i < s.size(); ++i) p.set(names[i], s[i]);
    out.push_back({nullptr, p, inputs_of(p)});
  }
  return out;
}

OpSchema make_schema() {
  OpSchema op;
  op.name = "conv2d";
  op.summary = "direct convolution, NHWC, with padding, strides, dilation and groups, on the chip's declared datapath as its im2col GEMM (spec/convolution.md §1, spec/chip.md §3-§5)";
  op.clause = "spec/convolution.md §1, spec/chip.md §1.4, §3, §4, §5";
  op.params = chip_layer::common_params();
  op.params.push_back(dim("h", "input height H", "4"));
  op.params.push_back(dim("w", "input width W", "4"));
  op.params.push_back(dim("r", "filter height R (at most H)", "3"));
  op.params.push_back(dim("s", "filter width S (at most W)", "3"));
  op.params.push_back(dim("c", "input channels C", "2"));
  op.params.push_back(dim("m", "filters M (output channels)", "2"));
  op.params.push_back(dim("stride", "stride of the height axis, and of the width axis unless stride_w is set (TOSA stride_y)", "1"));
  auto extent = [](const char* name, const char* doc, const char* fallback, int64_t min) {
    ParamSpec s{name, ParamType::Int, ParamScope::Case, doc, "spec/convolution.md §1", fallback};
    s.min = min;
    s.max = 4096;
    s.fuzz_max = 4;
    s.fuzz_min = min;
    return s;
  };
  op.params.push_back(extent("stride_w", "stride of the width axis (TOSA stride_x); 0: the same as stride", "0", 0));
  op.params.push_back(extent("pad_top", "zero rows above the input (TOSA pad[0]; PyTorch padding[0])", "0", 0));
  op.params.push_back(extent("pad_bottom", "zero rows below the input (TOSA pad[1]; PyTorch padding[0])", "0", 0));
  op.params.push_back(extent("pad_left", "zero columns left of the input (TOSA pad[2]; PyTorch padding[1])", "0", 0));
  op.params.push_back(extent("pad_right", "zero columns right of the input (TOSA pad[3]; PyTorch padding[1])", "0", 0));
  op.params.push_back(extent("dilation_h", "spacing of the filter's rows over the input (dilation[0])", "1", 1));
  op.params.push_back(extent("dilation_w", "spacing of the filter's columns over the input (dilation[1])", "1", 1));
  op.params.push_back(extent("groups", "groups: C and M divide by it; groups = C is depthwise (TOSA DEPTHWISE_CONV2D)", "1", 1));
  op.inputs = {{"ifmap", ElemType::Code, {"h", "w", "c"}, "the input, H x W x C codes of the chip's a_format (NHWC, batch 1)"},
               {"filters", ElemType::Code, {"r", "s", "c", "m"}, "the filters, R x S x C/groups x M codes of the chip's b_format"},
               {"bias", ElemType::Int, {"m"}, "M int32 values added after the array (chips with bias = yes), else empty", true}};
  op.outputs = {{"accumulator", ElemType::Number, {"oh", "ow", "m"}, "OH x OW x M accumulators, OH = (H + pad_top + pad_bottom - dilation_h*(R-1) - 1) / stride + 1"},
                {"output", ElemType::Number, {"oh", "ow", "m"}, "OH x OW x M outputs of the vector processor and activation unit"}};
  op.params_error = [](const Params& p) -> std::optional<std::string> {
    if (const auto error = chip::shape_error(conv_of(p))) return *error;
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
