// lpconform — the shapes the chip model maps: a layer (convolution or GEMM), the array and the
// dataflow. The value model (impls/chip/values) and the timing model (impls/chip/timing) are fed
// the same Mapping, so a layer is described once (spec/chip.md §Mapping).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace lpc::chip {

// A convolution. With the defaults of the full-convolution fields it is SCALE-Sim's topology row:
// no padding, one stride for both axes, so ofmap = (H - R) / stride + 1 and (W - S) / stride + 1.
// The full convolution (spec/convolution.md §1) adds TOSA's four explicit zero pads (PyTorch's
// symmetric `padding` is top = bottom, left = right), a width stride, dilation and groups:
//   ofmap_h = (H + pad_top + pad_bottom - dilation_h·(R - 1) - 1) / stride + 1   (floor)
// Input is H x W x C (NHWC, batch 1), filters are R x S x (C / groups) x M; filter m belongs to
// group m / (M / groups) and reads the input channels [g·C/groups, (g + 1)·C/groups).
struct ConvShape {
  uint32_t ifmap_h = 0, ifmap_w = 0;    // H, W
  uint32_t filter_h = 0, filter_w = 0;  // R, S
  uint32_t channels = 0;                // C (all groups)
  uint32_t filters = 0;                 // M (all groups)
  uint32_t stride = 1;                  // the height stride; also the width's unless stride_w is set
  // The full convolution's fields (spec/convolution.md §1); the defaults leave SCALE-Sim's row.
  uint32_t stride_w = 0;                // the width stride; 0: the same as stride
  uint32_t pad_top = 0, pad_bottom = 0, pad_left = 0, pad_right = 0;
  uint32_t dilation_h = 1, dilation_w = 1;
  uint32_t groups = 1;

  uint32_t stride_x() const { return stride_w == 0 ? stride : stride_w; }
  // The extent of one dilated window, dilation·(R - 1) + 1, and of the padded input.
  uint64_t window_h() const { return uint64_t{dilation_h} * (filter_h - 1) + 1; }
  uint64_t window_w() const { return uint64_t{dilation_w} * (filter_w - 1) + 1; }
  uint64_t padded_h() const { return uint64_t{ifmap_h} + pad_top + pad_bottom; }
  uint64_t padded_w() const { return uint64_t{ifmap_w} + pad_left + pad_right; }
  // Precondition (shape_error() == nullopt): the window fits the padded input.
  uint32_t ofmap_h() const { return static_cast<uint32_t>((padded_h() - window_h()) / stride + 1); }
  uint32_t ofmap_w() const { return static_cast<uint32_t>((padded_w() - window_w()) / stride_x() + 1); }
  uint32_t group_channels() const { return channels / groups; }  // C / groups: one filter's depth
  uint32_t group_filters() const { return filters / groups; }    // M / groups
  // Whether this is SCALE-Sim's topology row (no padding, dilation, groups or width stride).
  bool scalesim_row() const {
    return stride_w == 0 && pad_top == 0 && pad_bottom == 0 && pad_left == 0 && pad_right == 0 && dilation_h == 1 && dilation_w == 1 &&
           groups == 1;
  }
};

// The first rule `conv` breaks, naming the field and the rule (a zero size or stride, C or M not
// a multiple of groups, a dilated window larger than the padded input), or nullopt.
std::optional<std::string> shape_error(const ConvShape& conv);

// C[M x N] = A[M x K] * B[K x N]. A convolution becomes a GEMM by im2col: M = ofmap pixels
// (row-major over oh, ow), K = R*S*C/groups (order r, s, c), N = filters. With groups > 1 it is
// one GEMM per group, M x (N/groups) x K, group g's columns of the ifmap and of the filters.
struct GemmShape {
  uint64_t m = 0, n = 0, k = 0;
};

struct Layer {
  std::string name;                // e.g. "conv1"; empty when not given
  std::optional<ConvShape> conv;   // set for a convolution
  GemmShape gemm;                  // always set: the convolution's im2col GEMM, or the GEMM itself
};

// The layer of a convolution: conv set, gemm its im2col GEMM of one group, M = ofmap pixels,
// N = filters (all groups), K = R·S·C/groups. Throws std::invalid_argument with shape_error's text.
Layer conv_layer(const ConvShape& conv);

enum class Dataflow : uint8_t { WeightStationary, OutputStationary, InputStationary };

struct ArrayShape {
  uint32_t rows = 0, cols = 0;
};

// Parsers for the CLI's spellings. Each throws std::invalid_argument with a message naming the
// text, the field and what was expected.
//   "conv:H,W,R,S,C,M,STRIDE"  -> Layer with conv set (R <= H, S <= W, all > 0)
//   "M,N,K" (for --gemm)        -> Layer with only gemm set
//   "32x32"                     -> ArrayShape
//   "ws" | "os" | "is"          -> Dataflow
Layer parse_conv_layer(std::string_view text);
Layer parse_gemm_layer(std::string_view text);
ArrayShape parse_array_shape(std::string_view text);
Dataflow parse_dataflow(std::string_view text);
std::string_view dataflow_name(Dataflow dataflow);  // "ws" | "os" | "is"

}  // namespace lpc::chip
