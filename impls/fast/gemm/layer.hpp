// lpconform fast — a layer of the chip's declared datapath (spec/chip.md §3, §4; the convolution
// of spec/convolution.md §1) by the fast implementation: its own im2col (padding, strides,
// dilation, groups), the blocked GEMM of gemm.hpp per group for the accumulators, then the vector
// processor (bias, requantize.hpp's rescale, the float32 scale) and the activation unit. It never
// includes reference/ nor impls/chip; conformance checks it against reference/chip.
#pragma once

#include <cstdint>
#include <span>

#include "spec/chip/config.hpp"
#include "spec/chip/layer.hpp"

namespace lpc::fast {

// Accumulators and outputs of `layer` on the chip `config`: a is a GEMM's A (M x K codes) or the
// NHWC ifmap, b is B (K x N) or the R x S x C/groups x M filters, bias N int32 values when
// config.bias. Throws std::invalid_argument for wrong sizes, a config the fast GEMM does not take,
// a float accumulator with more than 28 stored fraction bits and output = scale (the exact product
// would not fit a double), or an element requantization rejects.
chip::ChipValues chip_layer(const chip::ChipConfig& config, const chip::Layer& layer, std::span<const uint8_t> a, std::span<const uint8_t> b,
                            std::span<const int32_t> bias);

}  // namespace lpc::fast
