#include "impls/fast/convolution/conv_transpose.hpp"

#include <algorithm>
#include <stdexcept>
#include <string>
#include <vector>

namespace lpc::fast {


void conv_transpose2d(const lpc::conv::TransposedConvShape& s, std::span<const int64_t> x, std::span<const int64_t> w, std::span<int64_t> y) {
  if (const auto error = lpc::conv::shape_error(s)) throw std::invalid_argument("conv-transpose2d: " + *error);
  if (x.size() != s.input_size() || w.size() != s.weight_size() || y.size() != s.output_size())
    throw std::invalid_argument("conv-transpose2d: input, weight or output has the wrong number of values");
  if (uint64_t{s.group_in()} * s.kernel_h * s.kernel_w > (uint64_t{1} << 16))
    throw std::invalid_argument("conv-transpose2d: c/groups*r*s above 2^16");
  // 1. Narrow the operands to int16 (|value| <= 2^7 in the domain; checked), the weights laid out
  //    [kh][kw][c][m] as given, so a tap's C_in/groups x C_out/groups block is contiguous per c.
  auto narrow = [](std::span<const int64_t> v, const char* name) {
    std::vector<int32_t> out(v.size());
    for (size_t i = 0; i < v.size(); ++i) {
      if (v[i] < -128 || v[i] > 128) throw std::invalid_argument(std::string("conv-transpose2d: ") + name + " value " + std::to_string(v[i]) + " outside [-128, 128]");
      out[i] = static_cast<int32_t>(v[i]);
    }
    return out;
  };
  const std::vector<int32_t> xs = narrow(x, "input"), ws = narrow(w, "weight");
  const int64_t oh = s.out_h(), ow = s.out_w(), cin = s.in_channels, cout = s.out_channels, gin = s.group_in(), gout = s.group_out();
  std::vector<int32_t> acc(static_cast<size_t>(cout));
  // 2. Gather: output (o_h, o_w) takes tap (kh, kw) when t = o − k·dilation − pad is a multiple of
  //    the stride and t / stride is an input index. Sums stay below 2^30: int32 is exact.
  for (int64_t o_h = 0; o_h < oh; ++o_h)
    for (int64_t o_w = 0; o_w < ow; ++o_w) {
      std::fill(acc.begin(), acc.end(), 0);
      for (int64_t kh = 0; kh < s.kernel_h; ++kh) {
        const int64_t t_h = o_h - kh * s.dilation_h - s.pad_top;
        if (t_h < 0 || t_h % s.stride_h != 0 || t_h / s.stride_h >= s.in_h) continue;
        for (int64_t kw = 0; kw < s.kernel_w; ++kw) {
          const int64_t t_w = o_w - kw * s.dilation_w - s.pad_left;
          if (t_w < 0 || t_w % s.stride_w != 0 || t_w / s.stride_w >= s.in_w) continue;
          const int32_t* pixel = xs.data() + ((t_h / s.stride_h) * s.in_w + t_w / s.stride_w) * cin;
          const int32_t* tap = ws.data() + (kh * s.kernel_w + kw) * cin * gout;
          for (int64_t g = 0; g < s.groups; ++g) {
            int32_t* out = acc.data() + g * gout;
            for (int64_t c = g * gin; c < (g + 1) * gin; ++c) {
              const int32_t v = pixel[c];
              if (v == 0) continue;
              const int32_t* row = tap + c * gout;
              for (int64_t m = 0; m < gout; ++m) out[m] += v * row[m];
            }
          }
        }
      }
      int64_t* dst = y.data() + (o_h * ow + o_w) * cout;
      for (int64_t m = 0; m < cout; ++m) dst[m] = acc[static_cast<size_t>(m)];
    }
}

}  // namespace lpc::fast
