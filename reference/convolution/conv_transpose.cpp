#include "reference/convolution/conv_transpose.hpp"

#include <boost/multiprecision/cpp_int.hpp>
#include <limits>
#include <stdexcept>

namespace lpc::ref::conv {

namespace {

using boost::multiprecision::cpp_int;
using lpc::conv::TransposedConvShape;

void check(const TransposedConvShape& s, size_t x_size, size_t w_size, uint64_t x_want, const char* x_name) {
  if (const auto error = lpc::conv::shape_error(s)) throw std::invalid_argument("conv-transpose2d: " + *error);
  if (x_size != x_want) throw std::invalid_argument(std::string("conv-transpose2d: ") + x_name + " has " + std::to_string(x_size) + " values, expected " + std::to_string(x_want));
  if (w_size != s.weight_size()) throw std::invalid_argument("conv-transpose2d: weight has " + std::to_string(w_size) + " values, expected " + std::to_string(s.weight_size()));
}

std::vector<int64_t> narrowed(const std::vector<cpp_int>& sums) {
  std::vector<int64_t> out(sums.size());
  for (size_t i = 0; i < sums.size(); ++i) {
    if (sums[i] > std::numeric_limits<int64_t>::max() || sums[i] < std::numeric_limits<int64_t>::min())
      throw std::overflow_error("conv-transpose2d reference: output " + std::to_string(i) + " does not fit int64");
    out[i] = static_cast<int64_t>(sums[i]);
  }
  return out;
}

}  // namespace

std::vector<int64_t> conv_transpose2d(const TransposedConvShape& s, std::span<const int64_t> x, std::span<const int64_t> w) {
  check(s, x.size(), w.size(), s.input_size(), "input");
  const int64_t oh = s.out_h(), ow = s.out_w(), cin = s.in_channels, cout = s.out_channels;
  const int64_t gin = s.group_in(), gout = s.group_out();
  std::vector<cpp_int> y(s.output_size());
  // The scatter: each input element, each tap, each output channel of its group.
  for (int64_t ih = 0; ih < s.in_h; ++ih)
    for (int64_t iw = 0; iw < s.in_w; ++iw)
      for (int64_t c = 0; c < cin; ++c) {
        const int64_t value = x[static_cast<size_t>((ih * s.in_w + iw) * cin + c)];
        const int64_t group = c / gin;
        for (int64_t kh = 0; kh < s.kernel_h; ++kh)
          for (int64_t kw = 0; kw < s.kernel_w; ++kw) {
            const int64_t o_h = ih * s.stride_h + kh * s.dilation_h + s.pad_top;
            const int64_t o_w = iw * s.stride_w + kw * s.dilation_w + s.pad_left;
            if (o_h < 0 || o_h >= oh || o_w < 0 || o_w >= ow) continue;  // cropped by a negative pad
            for (int64_t m = 0; m < gout; ++m)
              y[static_cast<size_t>((o_h * ow + o_w) * cout + group * gout + m)] +=
                  cpp_int(value) * w[static_cast<size_t>(((kh * s.kernel_w + kw) * cin + c) * gout + m)];
          }
      }
  return narrowed(y);
}

std::vector<int64_t> conv2d_adjoint(const TransposedConvShape& s, std::span<const int64_t> z, std::span<const int64_t> w) {
  check(s, z.size(), w.size(), s.output_size(), "z");
  const int64_t oh = s.out_h(), ow = s.out_w(), cin = s.in_channels, cout = s.out_channels;
  const int64_t gin = s.group_in(), gout = s.group_out();
  std::vector<cpp_int> x(s.input_size());
  for (int64_t ih = 0; ih < s.in_h; ++ih)
    for (int64_t iw = 0; iw < s.in_w; ++iw)
      for (int64_t c = 0; c < cin; ++c) {
        cpp_int sum = 0;
        for (int64_t kh = 0; kh < s.kernel_h; ++kh)
          for (int64_t kw = 0; kw < s.kernel_w; ++kw) {
            const int64_t o_h = ih * s.stride_h + kh * s.dilation_h + s.pad_top;
            const int64_t o_w = iw * s.stride_w + kw * s.dilation_w + s.pad_left;
            if (o_h < 0 || o_h >= oh || o_w < 0 || o_w >= ow) continue;
            for (int64_t m = 0; m < gout; ++m)
              sum += cpp_int(z[static_cast<size_t>((o_h * ow + o_w) * cout + c / gin * gout + m)]) *
                     w[static_cast<size_t>(((kh * s.kernel_w + kw) * cin + c) * gout + m)];
          }
        x[static_cast<size_t>((ih * s.in_w + iw) * cin + c)] = sum;
      }
  return narrowed(x);
}

}  // namespace lpc::ref::conv
