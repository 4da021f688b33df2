// lpconform reference — transposed convolution by its scatter definition (spec/convolution.md
// §2.1), in exact integer arithmetic (Boost.Multiprecision cpp_int inside the .cpp), independent
// of any dataflow: every input element x[i] scatters x[i]·w[k] onto output i·stride + k·dilation +
// pad for every kernel tap k, and what falls outside the output is dropped.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "spec/convolution/transposed.hpp"

namespace lpc::ref::conv {

// y (out_h x out_w x C_out, NHWC) of x (in_h x in_w x C_in) and w (KH x KW x C_in x C_out/groups)
// under `shape`; every value exact. Results are returned as decimal-free int64 when every |y|
// fits, which holds for the op's domain (spec/convolution.md §2.3); a sum that does not fit throws
// std::overflow_error naming the output. Throws std::invalid_argument for a shape that breaks
// shape_error() or tensors of the wrong size.
std::vector<int64_t> conv_transpose2d(const lpc::conv::TransposedConvShape& shape, std::span<const int64_t> x, std::span<const int64_t> w);

// The forward convolution whose input-gradient the transposed convolution is (spec/convolution.md
// §2.2), by its definition: z (out_h x out_w x C_out) gives x' (in_h x in_w x C_in) with
//   x'[i][c] = Σ_{k, m in c's group} z[i·stride + k·dilation + pad][m]·w[k][c][m],
// taps outside z dropped. Exact; the adjoint identity <conv(z), x> = <z, convT(x)> holds for it.
std::vector<int64_t> conv2d_adjoint(const lpc::conv::TransposedConvShape& shape, std::span<const int64_t> z, std::span<const int64_t> w);

}  // namespace lpc::ref::conv
