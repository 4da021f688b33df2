// The op conv-transpose2d: transposed convolution (spec/convolution.md §2) of an int8-valued NHWC
// input with an int8-valued KH x KW x C_in x C_out/groups weight, under PyTorch's conv_transpose2d
// (stride, padding, output_padding, dilation, groups) or TOSA's TRANSPOSE_CONV2D (stride, out_pad,
// negative pads above −K), exact in integers. Bindings: reference (the scatter definition in exact
// arithmetic), fast (a direct gather), chip (the rotated-kernel dataflow of US20210097375A1 on the
// int8-inference preset's array).
#include <algorithm>
#include <random>

#include "conformance/ops/derive.hpp"
#include "impls/chip/values/conv_transpose.hpp"
#include "impls/fast/convolution/conv_transpose.hpp"
#include "reference/convolution/conv_transpose.hpp"
#include "spec/chip/config.hpp"

namespace lpc::ops {

namespace {

using lpc::conv::TransposedConvShape;

constexpr int64_t kMaxMacs = int64_t{1} << 22;  // the exact reference's budget per case
constexpr int64_t kMaxTaps = int64_t{1} << 16;     // c/groups·r·s: every sum of int8 products fits int32
constexpr int64_t kMaxOutputs = int64_t{1} << 24;  // a sparse scatter's output (stride and dilation far above the kernel)

// The shape of a case's parameters (the tensors' sizes from h, w, c, m, r, s).
TransposedConvShape shape_of(const Params& p) {
  auto u = [&](const char* n) { return static_cast<uint32_t>(p.integer(n)); };
  TransposedConvShape s;
  s.in_h = u("h"), s.in_w = u("w"), s.in_channels = u("c"), s.out_channels = u("m"), s.kernel_h = u("r"), s.kernel_w = u("s");
  s.stride_h = u("stride_h"), s.stride_w = u("stride_w"), s.dilation_h = u("dilation_h"), s.dilation_w = u("dilation_w"), s.groups = u("groups");
  if (p.text("convention") == "pytorch") return lpc::conv::from_pytorch(s, u("padding_h"), u("padding_w"), u("output_padding_h"), u("output_padding_w"));
  s.pad_top = p.integer("pad_top"), s.pad_bottom = p.integer("pad_bottom"), s.pad_left = p.integer("pad_left"), s.pad_right = p.integer("pad_right");
  return s;
}

// The shape of a case with tensors: sizes from the tensors, the rest from the parameters.
TransposedConvShape shape_of(const OpCase& c) {
  const auto& x = c.inputs[0].shape;
  const auto& w = c.inputs[1].shape;
  TransposedConvShape s = shape_of(c.params);
  const int64_t groups = s.groups;
  if (x.size() != 3 || w.size() != 4 || w[2] != x[2] || x[0] == 0 || x[1] == 0 || x[2] == 0 || w[0] == 0 || w[1] == 0 || w[3] == 0 ||
      x[0] > 4096 || x[1] > 4096 || x[2] > 4096 || w[0] > 4096 || w[1] > 4096 || w[3] > 4096)
    throw std::invalid_argument("input is " + shape_text(x) + " and weight " + shape_text(w) +
                                "; expected H x W x C and R x S x C x M/groups (groups = " + std::to_string(groups) + "), sizes 1..4096");
  auto u = [](uint64_t v) { return static_cast<uint32_t>(v); };
  s.in_h = u(x[0]), s.in_w = u(x[1]), s.in_channels = u(x[2]), s.kernel_h = u(w[0]), s.kernel_w = u(w[1]), s.out_channels = u(w[3] * groups);
  return s;
}

// The first rule of the parameters (spec/convolution.md §2.3) that `s` breaks under `convention`.
std::optional<std::string> rule_error(const Params& p, const TransposedConvShape& s) {
  const bool pytorch = p.text("convention") == "pytorch";
  if (pytorch) {
    for (const char* name : {"pad_top", "pad_bottom", "pad_left", "pad_right"})
      if (p.integer(name) != 0) return std::string(name) + " is TOSA's out_pad: under convention=pytorch give padding_h/w and output_padding_h/w";
    const struct {
      const char* name;
      int64_t value, stride, dilation;
    } outs[] = {{"output_padding_h", p.integer("output_padding_h"), s.stride_h, s.dilation_h},
                {"output_padding_w", p.integer("output_padding_w"), s.stride_w, s.dilation_w}};
    for (const auto& o : outs)
      if (o.value >= std::max(o.stride, o.dilation))
        return std::string(o.name) + " = " + std::to_string(o.value) + " must be smaller than stride or dilation (PyTorch: < max(stride, dilation) = " +
               std::to_string(std::max(o.stride, o.dilation)) + ")";
  } else {
    for (const char* name : {"padding_h", "padding_w", "output_padding_h", "output_padding_w"})
      if (p.integer(name) != 0) return std::string(name) + " is PyTorch's: under convention=tosa give pad_top, pad_bottom, pad_left, pad_right";
    if (const auto error = lpc::conv::tosa_error(s)) return error;
  }
  if (const auto error = lpc::conv::shape_error(s)) return error;
  if (int64_t{s.group_in()} * s.kernel_h * s.kernel_w > kMaxTaps) return "c/groups*r*s above 2^16 (an int32 accumulator could overflow)";
  if (static_cast<int64_t>(s.input_size() / s.groups * s.out_channels * s.kernel_h * s.kernel_w) > kMaxMacs) return "above 2^22 multiply-accumulates";
  if (s.out_h() * s.out_w() > kMaxOutputs / s.out_channels) return "the output oh x ow x m above 2^24 values";
  return std::nullopt;
}

// The operands of a case: seeded by its data set, shaped by its parameters. random: uniform int8;
// extreme: -128 and 127 only; sparse: three quarters zero.
std::vector<Tensor> inputs_of(const Params& p) {
  const TransposedConvShape s = shape_of(p);
  std::mt19937_64 rng(static_cast<uint64_t>(p.integer("seed")));
  const std::string& data = p.text("data");
  auto draw = [&] {
    const int64_t v = std::uniform_int_distribution<int64_t>(-128, 127)(rng);
    if (data == "extreme") return v < 0 ? int64_t{-128} : int64_t{127};
    if (data == "sparse") return (rng() & 3) == 0 ? v : int64_t{0};
    return v;
  };
  std::vector<int64_t> x(s.input_size()), w(s.weight_size());
  std::generate(x.begin(), x.end(), draw);
  std::generate(w.begin(), w.end(), draw);
  return {Tensor::integers({s.in_h, s.in_w, s.in_channels}, std::move(x)),
          Tensor::integers({s.kernel_h, s.kernel_w, s.in_channels, s.group_out()}, std::move(w))};
}

// One axis of the grid of the research notes (dataflow-conformance.md §2): I <= 6, K <= 4,
// s <= 4, and PyTorch's p <= 3, d <= 3 with every legal output_padding, or TOSA's pads from
// 1 − K to 2 at both ends; only axes with an output.
struct Axis {
  int64_t in, k, stride, dilation, pad0, pad1;  // pytorch: pad0 = padding, pad1 = output_padding
};
std::vector<Axis> axis_grid(bool pytorch) {
  std::vector<Axis> out;
  for (int64_t in = 1; in <= 6; ++in)
    for (int64_t k = 1; k <= 4; ++k)
      for (int64_t stride = 1; stride <= 4; ++stride) {
        if (pytorch) {
          for (int64_t d = 1; d <= 3; ++d)
            for (int64_t p = 0; p <= 3; ++p)
              for (int64_t op = 0; op < std::max(stride, d); ++op)
                if ((in - 1) * stride - 2 * p + d * (k - 1) + op + 1 >= 1) out.push_back({in, k, stride, d, p, op});
          continue;
        }
        for (int64_t top = 1 - k; top <= 2; ++top)
          for (int64_t bottom = 1 - k; bottom <= 2; ++bottom)
            if ((in - 1) * stride + top + bottom + k >= 1) out.push_back({in, k, stride, 1, top, bottom});
      }
  return out;
}

// Grid cases (`all`; `boundary` takes every 29th): the axis grid on the height axis, each paired
// with another of its entries on the width axis, with 1..3 channels per group and (PyTorch) 1 or
// 2 groups. Random cases: I 1..8, K 1..5, s 1..5, d 1..3 (PyTorch), channels
// up to 8, groups up to 3, pads anywhere legal.
std::vector<OpCase> cases(const Params& item, const InputSpec& inputs, uint64_t seed) {
  const bool pytorch = item.text("convention") == "pytorch";
  std::mt19937_64 rng(seed);
  auto uniform = [&](int64_t lo, int64_t hi) { return std::uniform_int_distribution<int64_t>(lo, hi)(rng); };
  std::vector<std::pair<Axis, Axis>> axes;
  std::vector<std::array<int64_t, 3>> channels;  // c, m, groups
  if (inputs.all || inputs.boundary) {
    // `all`: every entry of the grid on the height axis (about 2,500 cases per convention);
    // `boundary`: every 29th, which still holds each feature of the grid many times over.
    const std::vector<Axis> grid = axis_grid(pytorch);
    for (size_t j = 0; j < grid.size(); j += inputs.all ? 1 : 29) {
      axes.push_back({grid[j], grid[(j * 7 + 3) % grid.size()]});
      const int64_t groups = pytorch ? 1 + static_cast<int64_t>(j % 2) : 1;
      channels.push_back({groups * (1 + static_cast<int64_t>(j % 3)), groups * (1 + static_cast<int64_t>(j / 3 % 2)), groups});
    }
  }
  for (uint32_t i = 0; i < inputs.random; ++i) {
    auto axis = [&] {
      Axis a{uniform(1, 8), uniform(1, 5), uniform(1, 5), pytorch ? uniform(1, 3) : 1, 0, 0};
      for (;;) {
        if (pytorch) a.pad0 = uniform(0, 3), a.pad1 = uniform(0, std::max(a.stride, a.dilation) - 1);
        else a.pad0 = uniform(1 - a.k, 3), a.pad1 = uniform(1 - a.k, 3);
        const int64_t out = pytorch ? (a.in - 1) * a.stride - 2 * a.pad0 + a.dilation * (a.k - 1) + a.pad1 + 1 : (a.in - 1) * a.stride + a.pad0 + a.pad1 + a.k;
        if (out >= 1) return a;
      }
    };
    axes.push_back({axis(), axis()});
    const int64_t groups = pytorch ? uniform(1, 3) : 1;
    channels.push_back({groups * uniform(1, 3), groups * uniform(1, 3), groups});
  }
  std::vector<OpCase> out;
  for (size_t j = 0; j < axes.size(); ++j) {
    const auto& [ah, aw] = axes[j];
    Params p = item;
    p.set("seed", static_cast<int64_t>(rng() >> 2));
    p.set("h", ah.in), p.set("w", aw.in), p.set("c", channels[j][0]), p.set("m", channels[j][1]), p.set("r", ah.k), p.set("s", aw.k);
    p.set("stride_h", ah.stride), p.set("stride_w", aw.stride), p.set("dilation_h", ah.dilation), p.set("dilation_w", aw.dilation);
    p.set("groups", channels[j][2]);
    // In schema order: padding_h, padding_w, output_padding_h, output_padding_w (PyTorch), then
    // pad_top, pad_bottom, pad_left, pad_right (TOSA); the other convention's are 0.
    const char* pad_names[] = {"padding_h", "padding_w", "output_padding_h", "output_padding_w", "pad_top", "pad_bottom", "pad_left", "pad_right"};
    const int64_t pads[] = {ah.pad0, aw.pad0, ah.pad1, aw.pad1};
    const int64_t tosa_pads[] = {ah.pad0, ah.pad1, aw.pad0, aw.pad1};
    for (int i = 0; i < 8; ++i) p.set(pad_names[i], (i < 4) != pytorch ? 0 : pytorch ? pads[i] : tosa_pads[i - 4]);
    if (rule_error(p, shape_of(p))) continue;  // beyond the budget
    out.push_back({nullptr, p, inputs_of(p)});
  }
  return out;
}

uint8_t code_of(int64_t v) { return static_cast<uint8_t>(static_cast<int8_t>(v)); }  // int8's two's complement code

std::vector<std::pair<std::string, Binding>> bindings() {
  auto out_tensor = [](const TransposedConvShape& s, std::vector<int64_t> y) {
    return Tensor::integers({static_cast<uint64_t>(s.out_h()), static_cast<uint64_t>(s.out_w()), s.out_channels}, std::move(y));
  };
  Binding reference = [=](const OpCase& c, std::vector<Tensor>& outputs, std::string&) {
    const TransposedConvShape s = shape_of(c);
    outputs = {out_tensor(s, ref::conv::conv_transpose2d(s, c.inputs[0].ints, c.inputs[1].ints))};
    return OpStatus::Ok;
  };
  Binding fast = [=](const OpCase& c, std::vector<Tensor>& outputs, std::string&) {
    const TransposedConvShape s = shape_of(c);
    std::vector<int64_t> y(s.output_size());
    fast::conv_transpose2d(s, c.inputs[0].ints, c.inputs[1].ints, y);
    outputs = {out_tensor(s, std::move(y))};
    return OpStatus::Ok;
  };
  Binding chip = [=](const OpCase& c, std::vector<Tensor>& outputs, std::string&) {
    const TransposedConvShape s = shape_of(c);
    std::vector<uint8_t> x(c.inputs[0].ints.size()), w(c.inputs[1].ints.size());
    std::transform(c.inputs[0].ints.begin(), c.inputs[0].ints.end(), x.begin(), code_of);
    std::transform(c.inputs[1].ints.begin(), c.inputs[1].ints.end(), w.begin(), code_of);
    outputs = {out_tensor(s, chip::values::conv_transpose2d(chip::chip_preset("int8-inference"), s, x, w).ints)};
    return OpStatus::Ok;
  };
  return {{"reference", reference}, {"fast", fast}, {"chip", chip}};
}

OpSchema make_schema() {
  OpSchema op;
  op.name = "conv-transpose2d";
  op.summary = "transposed convolution, NHWC, int8 values, PyTorch or TOSA conventions, exact (spec/convolution.md §2)";
  op.clause = "spec/convolution.md §2";
  ParamSpec convention{"convention", ParamType::Choice, ParamScope::Item,
                       "whose parameters: pytorch (padding, output_padding, dilation, groups) or tosa (out_pad, may be negative)",
                       "spec/convolution.md §2.1", "pytorch"};
  convention.choices = [] { return std::vector<std::string>{"pytorch", "tosa"}; };
  ParamSpec data{"data", ParamType::Choice, ParamScope::Item, "the operands: random int8, extreme (-128 and 127), sparse (3/4 zero)",
                 "spec/convolution.md §2.6", "random"};
  data.choices = [] { return std::vector<std::string>{"random", "extreme", "sparse"}; };
  ParamSpec seed{"seed", ParamType::Int, ParamScope::Case, "seed of the operands (std::mt19937_64)", "spec/convolution.md §2.6", "1"};
  seed.max = int64_t{1} << 62;
  op.params = {convention, data, seed};
  op.params.push_back(case_int("h", "input height", "spec/convolution.md §2", "3", 1, 4096, 1, 8));
  op.params.push_back(case_int("w", "input width", "spec/convolution.md §2", "3", 1, 4096, 1, 8));
  op.params.push_back(case_int("c", "input channels C_in", "spec/convolution.md §2", "2", 1, 4096, 1, 6));
  op.params.push_back(case_int("m", "output channels C_out", "spec/convolution.md §2", "2", 1, 4096, 1, 6));
  op.params.push_back(case_int("r", "kernel height KH", "spec/convolution.md §2", "3", 1, 4096, 1, 5));
  op.params.push_back(case_int("s", "kernel width KW", "spec/convolution.md §2", "3", 1, 4096, 1, 5));
  op.params.push_back(case_int("stride_h", "stride of the height axis", "spec/convolution.md §2", "2", 1, 4096, 1, 5));
  op.params.push_back(case_int("stride_w", "stride of the width axis", "spec/convolution.md §2", "2", 1, 4096, 1, 5));
  op.params.push_back(case_int("dilation_h", "dilation of the height axis (pytorch)", "spec/convolution.md §2", "1", 1, 4096, 1, 3));
  op.params.push_back(case_int("dilation_w", "dilation of the width axis (pytorch)", "spec/convolution.md §2", "1", 1, 4096, 1, 3));
  op.params.push_back(case_int("groups", "groups: c and m divide by it (pytorch)", "spec/convolution.md §2", "1", 1, 4096, 1, 3));
  op.params.push_back(case_int("padding_h", "PyTorch padding of the height axis: out_pad_top = -padding", "spec/convolution.md §2", "0", 0, 4096, 0, 3));
  op.params.push_back(case_int("padding_w", "PyTorch padding of the width axis", "spec/convolution.md §2", "0", 0, 4096, 0, 3));
  op.params.push_back(case_int("output_padding_h", "PyTorch output_padding of the height axis (< max(stride, dilation))", "spec/convolution.md §2", "0", 0, 4096, 0, 4));
  op.params.push_back(case_int("output_padding_w", "PyTorch output_padding of the width axis", "spec/convolution.md §2", "0", 0, 4096, 0, 4));
  op.params.push_back(case_int("pad_top", "TOSA out_pad_top (> -KH)", "spec/convolution.md §2", "0", -4096, 4096, -4, 3));
  op.params.push_back(case_int("pad_bottom", "TOSA out_pad_bottom (> -KH)", "spec/convolution.md §2", "0", -4096, 4096, -4, 3));
  op.params.push_back(case_int("pad_left", "TOSA out_pad_left (> -KW)", "spec/convolution.md §2", "0", -4096, 4096, -4, 3));
  op.params.push_back(case_int("pad_right", "TOSA out_pad_right (> -KW)", "spec/convolution.md §2", "0", -4096, 4096, -4, 3));
  op.inputs = {{"input", ElemType::Int, {"h", "w", "c"}, "the input, H x W x C_in int8 values (NHWC, batch 1)"},
               {"weight", ElemType::Int, {"r", "s", "c", "m"}, "the weight, KH x KW x C_in x C_out/groups int8 values (PyTorch's (C_in, C_out/groups, KH, KW) permuted)"}};
  op.outputs = {{"output", ElemType::Int, {"oh", "ow", "m"},
                 "OH x OW x C_out exact sums, OH = (H - 1)*stride_h + pad_top + pad_bottom + dilation_h*(KH - 1) + 1"}};
  op.verification.kind = Verification::Kind::Exact;
  op.verification.text = "exact: every output against the scatter definition in exact integers";
  op.params_error = [](const Params& p) { return rule_error(p, shape_of(p)); };
  op.inputs_error = [](const OpCase& c) -> std::optional<std::string> {
    TransposedConvShape s;
    try {
      s = shape_of(c);
    } catch (const std::invalid_argument& e) {
      return e.what();
    }
    if (const auto error = rule_error(c.params, s)) return error;
    for (size_t k = 0; k < 2; ++k)
      for (size_t i = 0; i < c.inputs[k].ints.size(); ++i)
        if (c.inputs[k].ints[i] < -128 || c.inputs[k].ints[i] > 127)
          return c.op->inputs[k].name + "[" + std::to_string(i) + "]: value " + std::to_string(c.inputs[k].ints[i]) + " outside the int8 range [-128, 127]";
    return std::nullopt;
  };
  op.output_forms = [](const OpCase& c) {
    const TransposedConvShape s = shape_of(c);
    return std::vector<Tensor>{Tensor::integers({static_cast<uint64_t>(s.out_h()), static_cast<uint64_t>(s.out_w()), s.out_channels}, {})};
  };
  op.cases = cases;
  op.make_inputs = inputs_of;
  op.cost = [](const Params&, const InputSpec& inputs) { return uint64_t{inputs.boundary ? 3000000u : 0u} + uint64_t{inputs.random} * 2000; };
  op.bindings = bindings();
  return op;
}

}  // namespace

const OpSchema& conv_transpose2d_op() {
  static const OpSchema op = make_schema();
  return op;
}

}  // namespace lpc::ops
