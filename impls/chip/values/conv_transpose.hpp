// lpconform chip — transposed convolution on the weight-stationary array by the dataflow of
// US20210097375A1 / US11954583B2 (spec/convolution.md §2.4): no zero upsampling. The kernel is
// rotated by 180°; for each rotated element k′ (and each group) the array is loaded with that
// element's C_in/groups x C_out/groups weight matrix, and exactly the inputs it meets stream
// through — per axis the contiguous run i ∈ [first, first + count) whose outputs
// o = i·stride + k·dilation + pad lie in the output, k = K − 1 − k′, a stride-spaced subset of
// the outputs. The array's partial sums (its own GEMM, folds of R input channels) are added into
// a summation buffer that starts at zero, by the accumulator's rule (wrap or saturate), passes in
// the order group, k′_h, k′_w. Integer PE modes and accumulators only.
#pragma once

#include <cstdint>
#include <span>

#include "spec/chip/config.hpp"
#include "spec/convolution/transposed.hpp"

namespace lpc::chip::values {

// The summation buffer after every pass: out_h x out_w x C_out accumulators (ints, W bits
// sign-extended). x: in_h x in_w x C_in codes of config.a_format; w: KH x KW x C_in x C_out/groups
// codes of config.b_format. Throws std::invalid_argument for a float accumulator or float operand
// formats, a shape that breaks shape_error(), or spans of the wrong size.
ChipTensor conv_transpose2d(const ChipConfig& config, const lpc::conv::TransposedConvShape& shape, std::span<const uint8_t> x,
                            std::span<const uint8_t> w);

}  // namespace lpc::chip::values
