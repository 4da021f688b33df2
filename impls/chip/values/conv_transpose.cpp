#include "impls/chip/values/conv_transpose.hpp"

#include <algorithm>
#include <stdexcept>
#include <string>
#include <vector>

#include "impls/chip/values/values.hpp"

namespace lpc::chip::values {

namespace {

// The W-bit rule of the accumulator (spec/chip.md §3.2) for the summation buffer's additions.
int64_t add_by_rule(const AccumulatorSpec& a, int64_t buffer, int64_t partial) {
  const int64_t sum = buffer + partial;  // both W <= 62 bits: no int64 overflow
  if (a.overflow == IntOverflow::Saturate) {
    const int64_t hi = (int64_t{1} << (a.int_bits - 1)) - 1;
    return std::clamp(sum, -hi - 1, hi);
  }
  const int unused = 64 - a.int_bits;
  return static_cast<int64_t>(static_cast<uint64_t>(sum) << unused) >> unused;
}

}  // namespace

ChipTensor conv_transpose2d(const ChipConfig& config, const lpc::conv::TransposedConvShape& s, std::span<const uint8_t> x,
                            std::span<const uint8_t> w) {
  if (const auto error = lpc::conv::shape_error(s)) throw std::invalid_argument("conv-transpose2d: " + *error);
  if (config.accumulator.is_float || config.a_format == nullptr || config.b_format == nullptr || !config.a_format->is_integer() ||
      !config.b_format->is_integer())
    throw std::invalid_argument("conv-transpose2d on the chip: integer operands and an integer accumulator only");
  if (x.size() != s.input_size() || w.size() != s.weight_size())
    throw std::invalid_argument("conv-transpose2d on the chip: input or weight has the wrong number of codes");
  const GemmKernelParams params{config.a_format, config.b_format, config.accumulator, config.fold_rows()};
  const int64_t oh = s.out_h(), ow = s.out_w(), cin = s.in_channels, cout = s.out_channels, gin = s.group_in(), gout = s.group_out();
  ChipTensor buffer;  // the summation buffer, at zero
  buffer.ints.assign(s.output_size(), 0);
  std::vector<uint8_t> inputs;
  ChipTensor partial;
  for (int64_t g = 0; g < s.groups; ++g)
    for (int64_t rh = 0; rh < s.kernel_h; ++rh) {
      // 1. Rotated element (rh, rw) is original tap (K−1−rh, K−1−rw); per axis it meets the
      //    contiguous run of inputs whose outputs fall inside (spec/convolution.md §2.4).
      const int64_t kh = s.kernel_h - 1 - rh;
      const lpc::conv::TapRun run_h = lpc::conv::tap_run(s.in_h, oh, s.stride_h, s.dilation_h, s.pad_top, kh);
      if (run_h.count == 0) continue;
      for (int64_t rw = 0; rw < s.kernel_w; ++rw) {
        const int64_t kw = s.kernel_w - 1 - rw;
        const lpc::conv::TapRun run_w = lpc::conv::tap_run(s.in_w, ow, s.stride_w, s.dilation_w, s.pad_left, kw);
        if (run_w.count == 0) continue;
        // 2. The streamed operand: the run's input pixels, this group's channels, one row each.
        const int64_t rows = run_h.count * run_w.count;
        inputs.resize(static_cast<size_t>(rows * gin));
        uint8_t* dst = inputs.data();
        for (int64_t ih = run_h.first; ih < run_h.first + run_h.count; ++ih)
          for (int64_t iw = run_w.first; iw < run_w.first + run_w.count; ++iw) {
            const uint8_t* src = x.data() + (ih * s.in_w + iw) * cin + g * gin;
            dst = std::copy(src, src + gin, dst);
          }
        // 3. The stationary operand: this element's gin x gout weights (contiguous in KH x KW x
        //    C_in x C_out/groups); the array forms the partial sums over the input channels.
        const std::span<const uint8_t> weights = w.subspan(static_cast<size_t>(((kh * s.kernel_w + kw) * cin + g * gin) * gout),
                                                           static_cast<size_t>(gin * gout));
        accumulate_gemm(params, {static_cast<uint64_t>(rows), static_cast<uint64_t>(gout), static_cast<uint64_t>(gin)}, inputs, weights, partial);
        // 4. Into the summation buffer at o = i·stride + k·dilation + pad, stride-spaced outputs.
        for (int64_t r = 0; r < rows; ++r) {
          const int64_t o_h = (run_h.first + r / run_w.count) * s.stride_h + kh * s.dilation_h + s.pad_top;
          const int64_t o_w = (run_w.first + r % run_w.count) * s.stride_w + kw * s.dilation_w + s.pad_left;
          int64_t* out = buffer.ints.data() + (o_h * ow + o_w) * cout + g * gout;
          const int64_t* part = partial.ints.data() + r * gout;
          for (int64_t m = 0; m < gout; ++m) out[m] = add_by_rule(config.accumulator, out[m], part[m]);
        }
      }
    }
  return buffer;
}

}  // namespace lpc::chip::values
