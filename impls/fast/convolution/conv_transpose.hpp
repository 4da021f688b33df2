// lpconform fast — transposed convolution computed directly (spec/convolution.md §2.1): each output
// pixel gathers, for every kernel tap whose source row and column are whole input positions
// ((o − k·dilation − pad) divisible by the stride and inside the input), the input pixel's channels
// times the tap's weight matrix, accumulated in int32 lanes across output channels. No zero
// upsampling, no scatter. It never includes reference/ (DESIGN.md rule 1).
#pragma once

#include <cstdint>
#include <span>

#include "spec/convolution/transposed.hpp"

namespace lpc::fast {

// y (out_h x out_w x C_out) = conv_transpose2d(x, w) for integer x, w with
// |x|·|w| <= 2^14 and C_in/groups·KH·KW <= 2^16 (the op's domain, spec/convolution.md §2.3), so
// every sum fits int32 and the result is exact. Throws std::invalid_argument for a shape that
// breaks shape_error(), wrong span sizes, or operands outside that domain.
void conv_transpose2d(const lpc::conv::TransposedConvShape& shape, std::span<const int64_t> x, std::span<const int64_t> w,
                      std::span<int64_t> y);

}  // namespace lpc::fast
