// lpconform — the shapes the chip model maps: a layer (convolution or GEMM), the array and the
// dataflow. The value model (impls/chip/values) and the timing model (impls/chip/timing) are fed
// the same Mapping, so a layer is described once (spec/chip.md §Mapping).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace lpc::chip {

// A convolution as SCALE-Sim's topology row gives it: no padding, one stride for both axes, so
// ofmap = (H - R) / stride + 1 and (W - S) / stride + 1. Input is H x W x C (NHWC, batch 1),
// filters are R x S x C x M.
struct ConvShape {
  uint32_t ifmap_h = 0, ifmap_w = 0;    // H, W
  uint32_t filter_h = 0, filter_w = 0;  // R, S
  uint32_t channels = 0;                // C
  uint32_t filters = 0;                 // M
  uint32_t stride = 1;
  uint32_t ofmap_h() const { return (ifmap_h - filter_h) / stride + 1; }
  uint32_t ofmap_w() const { return (ifmap_w - filter_w) / stride + 1; }
};

// C[M x N] = A[M x K] * B[K x N]. A convolution becomes a GEMM by im2col: M = ofmap pixels
// (row-major over oh, ow), K = R*S*C (order r, s, c), N = filters.
struct GemmShape {
  uint64_t m = 0, n = 0, k = 0;
};

struct Layer {
  std::string name;                // e.g. "conv1"; empty when not given
  std::optional<ConvShape> conv;   // set for a convolution
  GemmShape gemm;                  // always set: the convolution's im2col GEMM, or the GEMM itself
};

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
