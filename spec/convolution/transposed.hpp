// lpconform — the shape of a transposed convolution (spec/convolution.md §2), shared by its exact
// reference (reference/convolution), the direct implementation (impls/fast/convolution) and the
// chip's dataflow (impls/chip/values/conv_transpose). Header-only: plain integers and the rules.
//
// One form holds both conventions: output element o (per axis) receives x[i]·w[k] exactly when
//   o = i·stride + k·dilation + pad_top        (pad_left on the width axis)
// for 0 <= o < out_h = (in_h − 1)·stride + pad_top + pad_bottom + dilation·(K − 1) + 1.
// TOSA TRANSPOSE_CONV2D's out_pad_top/bottom/left/right are these pads (dilation 1, groups 1);
// PyTorch's conv_transpose2d(padding p, output_padding q) is pad_top = −p, pad_bottom = −p + q.
#pragma once

#include <algorithm>
#include <cstdint>
#include <optional>
#include <string>

namespace lpc::conv {

struct TransposedConvShape {
  uint32_t in_h = 0, in_w = 0;           // input height and width
  uint32_t in_channels = 0;              // C_in, all groups
  uint32_t out_channels = 0;             // C_out, all groups
  uint32_t kernel_h = 0, kernel_w = 0;   // KH, KW
  uint32_t stride_h = 1, stride_w = 1;
  uint32_t dilation_h = 1, dilation_w = 1;
  uint32_t groups = 1;
  int64_t pad_top = 0, pad_bottom = 0, pad_left = 0, pad_right = 0;  // may be negative (a crop)

  int64_t out_h() const { return int64_t{in_h - 1} * stride_h + pad_top + pad_bottom + int64_t{dilation_h} * (kernel_h - 1) + 1; }
  int64_t out_w() const { return int64_t{in_w - 1} * stride_w + pad_left + pad_right + int64_t{dilation_w} * (kernel_w - 1) + 1; }
  uint32_t group_in() const { return in_channels / groups; }    // C_in / groups
  uint32_t group_out() const { return out_channels / groups; }  // C_out / groups
  // Tensor sizes: input H x W x C_in (NHWC), weight KH x KW x C_in x (C_out / groups), output
  // out_h x out_w x C_out. Output channel m of group g = m / (C_out/groups) reads input channels
  // [g·C_in/groups, (g+1)·C_in/groups) through weight[kh][kw][c][m mod (C_out/groups)].
  uint64_t input_size() const { return uint64_t{in_h} * in_w * in_channels; }
  uint64_t weight_size() const { return uint64_t{kernel_h} * kernel_w * in_channels * group_out(); }
  uint64_t output_size() const { return static_cast<uint64_t>(out_h()) * static_cast<uint64_t>(out_w()) * out_channels; }
};

// The shape of PyTorch's conv_transpose2d(stride, padding, output_padding, dilation, groups).
inline TransposedConvShape from_pytorch(TransposedConvShape s, uint32_t padding_h, uint32_t padding_w, uint32_t output_padding_h,
                                        uint32_t output_padding_w) {
  s.pad_top = -int64_t{padding_h};
  s.pad_bottom = -int64_t{padding_h} + output_padding_h;
  s.pad_left = -int64_t{padding_w};
  s.pad_right = -int64_t{padding_w} + output_padding_w;
  return s;
}

// The first rule `s` breaks, naming the parameter and the rule, or nullopt (spec/convolution.md §2.3):
// sizes at least 1, groups dividing both channel counts, at least one output row and column. Any
// pad is allowed that leaves an output (the scatter drops what falls outside it).
inline std::optional<std::string> shape_error(const TransposedConvShape& s) {
  if (s.in_h == 0 || s.in_w == 0) return "the input height h and width w must be at least 1";
  if (s.kernel_h == 0 || s.kernel_w == 0) return "the kernel height r and width s must be at least 1";
  if (s.in_channels == 0 || s.out_channels == 0) return "the channels c and m must be at least 1";
  if (s.stride_h == 0 || s.stride_w == 0) return "stride must be at least 1";
  if (s.dilation_h == 0 || s.dilation_w == 0) return "dilation must be at least 1";
  if (s.groups == 0) return "groups must be at least 1";
  if (s.in_channels % s.groups != 0) return "groups = " + std::to_string(s.groups) + " must divide the input channels c = " + std::to_string(s.in_channels);
  if (s.out_channels % s.groups != 0) return "groups = " + std::to_string(s.groups) + " must divide the output channels m = " + std::to_string(s.out_channels);
  if (s.out_h() < 1) return "the output height (h-1)*stride_h + pad_top + pad_bottom + dilation_h*(r-1) + 1 = " + std::to_string(s.out_h()) + " must be at least 1";
  if (s.out_w() < 1) return "the output width (w-1)*stride_w + pad_left + pad_right + dilation_w*(s-1) + 1 = " + std::to_string(s.out_w()) + " must be at least 1";
  return std::nullopt;
}

// TOSA TRANSPOSE_CONV2D's further rules (spec/convolution.md §2.3): every out_pad greater than
// −K of its axis (KH for top and bottom, KW for left and right); no dilation, no groups.
inline std::optional<std::string> tosa_error(const TransposedConvShape& s) {
  if (s.dilation_h != 1 || s.dilation_w != 1) return "TOSA TRANSPOSE_CONV2D has no dilation: dilation_h and dilation_w must be 1";
  if (s.groups != 1) return "TOSA TRANSPOSE_CONV2D has no groups: groups must be 1";
  const struct {
    const char* name;
    int64_t value, k;
  } pads[] = {{"pad_top", s.pad_top, s.kernel_h}, {"pad_bottom", s.pad_bottom, s.kernel_h}, {"pad_left", s.pad_left, s.kernel_w}, {"pad_right", s.pad_right, s.kernel_w}};
  for (const auto& p : pads)
    if (p.value <= -p.k) return std::string(p.name) + " = " + std::to_string(p.value) + " must be greater than -K = " + std::to_string(-p.k) + " (TOSA out_pad)";
  return std::nullopt;
}

// The contiguous run of inputs that kernel tap k meets on one axis (spec/convolution.md §2.4):
// the i in [first, first + count) with 0 <= i·stride + k·dilation + pad < out; count may be 0.
struct TapRun {
  int64_t first = 0, count = 0;
};
inline TapRun tap_run(int64_t in, int64_t out, int64_t stride, int64_t dilation, int64_t pad, int64_t k) {
  const int64_t offset = k * dilation + pad;  // o = i·stride + offset
  auto floor_div = [](int64_t a, int64_t b) { return a >= 0 ? a / b : -((-a + b - 1) / b); };
  const int64_t lo = std::max<int64_t>(0, -floor_div(offset, stride));                   // ceil(-offset / stride)
  const int64_t hi = std::min<int64_t>(in - 1, floor_div(out - 1 - offset, stride));
  return {lo, hi >= lo ? hi - lo + 1 : 0};
}

}  // namespace lpc::conv
