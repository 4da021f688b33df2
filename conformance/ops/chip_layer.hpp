// lpconform — what the chip-layer ops (gemm.cpp, conv2d.cpp) share: the chip a case names (a
// preset, or a config file), the layer of its shape parameters, the seeded operands of spec/chip.md
// §5.3's data sets, the bindings (reference: the hardware-semantics reference; chip: the value
// model) and the comparison of spec/chip.md §5 (bit-exact, then accumulators against exact math).
#pragma once

#include <string>
#include <vector>

#include "conformance/ops/op.hpp"
#include "spec/chip/config.hpp"

namespace lpc::ops::chip_layer {

// The parameters both ops share: preset and data set (item), config and seed (case).
std::vector<ParamSpec> common_params();
// The chip of a case: --config FILE when given, else the preset.
chip::ChipConfig config_of(const Params& p);
// A layer's operands as tensors a (A or the ifmap), b (B or the filters), bias (N values, empty
// without a bias), for `layer` and the shapes of `a` and `b`.
std::vector<Tensor> make_inputs(const Params& p, const chip::Layer& layer, std::vector<uint64_t> a_shape, std::vector<uint64_t> b_shape);
// The layer of a case, from its input tensors' shapes (and stride); throws std::invalid_argument
// when the shapes do not fit together.
using LayerOf = chip::Layer (*)(const OpCase&);
// Declares what both ops share: the verification mode; the bindings "reference" (the
// hardware-semantics reference) and "chip" (the value model), and the forms of the outputs
// accumulator and output (M x N for a GEMM, OH x OW x M for a convolution; reals when the chip's
// accumulator is a float); the compare hook (exact against the oracle, then the
// accumulators against exact math); the inputs_error hook (shapes, codes within the chip's operand
// formats, the bias's length).
void bind(OpSchema& op, LayerOf layer_of);

}  // namespace lpc::ops::chip_layer
