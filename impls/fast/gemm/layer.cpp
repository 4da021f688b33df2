#include "impls/fast/gemm/layer.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <string>
#include <vector>

#include "impls/fast/gemm/gemm.hpp"
#include "impls/fast/quantizers/requantize.hpp"

namespace lpc::fast {

namespace {

Accumulator accumulator_of(const chip::AccumulatorSpec& a) {
  if (a.is_float)
    return Accumulator::floating(a.exp_bits, a.man_bits, a.rounding == chip::FloatRounding::NearestEven ? FloatRounding::Rne : FloatRounding::Truncate);
  return Accumulator::integer(a.int_bits, a.overflow == chip::IntOverflow::Saturate ? IntegerOverflow::Saturate : IntegerOverflow::Wrap);
}

// Group g's im2col matrix (spec/convolution.md §1.2): row oh·OW + ow, column (r·S + s)·C/groups + c;
// code 0 in the padding.
void gather_columns(const chip::ConvShape& cv, std::span<const uint8_t> ifmap, uint32_t g, std::vector<uint8_t>& out) {
  const int64_t oh = cv.ofmap_h(), ow = cv.ofmap_w(), depth = cv.group_channels(), sx = cv.stride_x();
  out.assign(static_cast<size_t>(oh * ow * cv.filter_h * cv.filter_w * depth), 0);
  uint8_t* dst = out.data();
  for (int64_t y = 0; y < oh; ++y)
    for (int64_t x = 0; x < ow; ++x)
      for (int64_t r = 0; r < cv.filter_h; ++r) {
        const int64_t iy = y * cv.stride + r * cv.dilation_h - cv.pad_top;
        for (int64_t s = 0; s < cv.filter_w; ++s, dst += depth) {
          const int64_t ix = x * sx + s * cv.dilation_w - cv.pad_left;
          if (iy < 0 || iy >= cv.ifmap_h || ix < 0 || ix >= cv.ifmap_w) continue;
          const uint8_t* src = ifmap.data() + (iy * cv.ifmap_w + ix) * cv.channels + g * depth;
          std::copy(src, src + depth, dst);
        }
      }
}

// The accumulators of the GEMM (m x n x k) into columns [col0, col0 + n) of an M x total matrix.
void gemm_into(const GemmParams& params, bool is_float, chip::GemmShape shape, std::span<const uint8_t> a, std::span<const uint8_t> b,
               chip::ChipTensor& out, uint64_t col0, uint64_t total) {
  if (is_float) {
    std::vector<double> c(shape.m * shape.n);
    gemm_float(params, shape, a, b, c);
    for (uint64_t i = 0; i < shape.m; ++i) std::copy_n(c.data() + i * shape.n, shape.n, out.floats.data() + i * total + col0);
  } else {
    std::vector<int64_t> c(shape.m * shape.n);
    gemm_integer(params, shape, a, b, c);
    for (uint64_t i = 0; i < shape.m; ++i) std::copy_n(c.data() + i * shape.n, shape.n, out.ints.data() + i * total + col0);
  }
}

}  // namespace

chip::ChipValues chip_layer(const chip::ChipConfig& config, const chip::Layer& layer, std::span<const uint8_t> a, std::span<const uint8_t> b,
                            std::span<const int32_t> bias) {
  const chip::AccumulatorSpec& spec = config.accumulator;
  const uint64_t n = layer.gemm.n, k = layer.gemm.k, m = layer.gemm.m;
  if (config.bias ? bias.size() != n : !bias.empty()) throw std::invalid_argument("fast chip layer: wrong number of bias values");
  if (b.size() != k * n) throw std::invalid_argument("fast chip layer: B has the wrong number of codes");
  GemmParams params{config.a_format, config.b_format, accumulator_of(spec), config.fold_rows()};
  chip::ChipValues v;
  chip::ChipTensor& acc = v.accumulators;
  acc.is_float = spec.is_float;
  (acc.is_float ? acc.floats.resize(m * n) : acc.ints.resize(m * n));
  // 1. The accumulators: one GEMM, or one per group of a convolution.
  if (!layer.conv) {
    gemm_into(params, spec.is_float, layer.gemm, a, b, acc, 0, n);
  } else {
    const chip::ConvShape& cv = *layer.conv;
    if (a.size() != uint64_t{cv.ifmap_h} * cv.ifmap_w * cv.channels) throw std::invalid_argument("fast chip layer: the ifmap has the wrong number of codes");
    const uint64_t width = cv.group_filters();
    std::vector<uint8_t> columns, filters(k * width);
    for (uint32_t g = 0; g < cv.groups; ++g) {
      gather_columns(cv, a, g, columns);
      for (uint64_t row = 0; row < k; ++row) std::copy_n(b.data() + row * n + g * width, width, filters.data() + row * width);
      gemm_into(params, spec.is_float, {m, width, k}, columns, filters, acc, g * width, n);
    }
  }
  // 2. The vector processor and the activation unit (spec/chip.md §4).
  chip::ChipTensor& out = v.outputs;
  out.is_float = acc.is_float;
  if (acc.is_float) {
    if (config.output == chip::OutputStage::FloatScale && spec.man_bits > 28)
      throw std::invalid_argument("fast chip layer: output = scale needs an accumulator of at most 28 fraction bits");
    out.floats = acc.floats;
    for (double& x : out.floats) {
      // acc (<= 29 significant bits) times a float32 scale (24) is exact in a double; the cast to
      // float is then the one RNE rounding §4 declares (NaN, inf and zero signs by IEEE rules).
      if (config.output == chip::OutputStage::FloatScale) x = static_cast<double>(static_cast<float>(x * static_cast<double>(config.scale)));
      if (config.activation == chip::Activation::Relu && !std::isnan(x)) x = x > 0 ? x : 0.0;
      if (config.activation == chip::Activation::Clamp && !std::isnan(x)) x = x < config.clamp_min ? config.clamp_min : x > config.clamp_max ? config.clamp_max : x;
    }
    return v;
  }
  const int64_t hi = (int64_t{1} << (spec.int_bits - 1)) - 1, lo = -hi - 1;
  const int unused = 64 - spec.int_bits;
  out.ints = acc.ints;
  if (config.bias)
    for (size_t i = 0; i < out.ints.size(); ++i) {
      const int64_t s = out.ints[i] + bias[i % n];
      out.ints[i] = spec.overflow == chip::IntOverflow::Saturate ? std::clamp(s, lo, hi) : static_cast<int64_t>(static_cast<uint64_t>(s) << unused) >> unused;
    }
  if (config.output == chip::OutputStage::Requantize) {
    const RequantParams& p = config.requant;
    if (p.channels() > 1 && p.channels() != n) throw std::invalid_argument("fast chip layer: requantize channels do not match the output columns");
    std::vector<int64_t> in = out.ints;
    if (const auto error = requantize(p, in, out.ints)) throw std::invalid_argument("requantize rejected element " + std::to_string(error->index) + ": " + error->message);
  }
  for (int64_t& x : out.ints) {
    if (config.activation == chip::Activation::Relu) x = std::max<int64_t>(x, 0);
    if (config.activation == chip::Activation::Clamp) x = std::clamp(x, static_cast<int64_t>(config.clamp_min), static_cast<int64_t>(config.clamp_max));
    if (config.activation == chip::Activation::Table) x = config.table[static_cast<uint64_t>(x) & 0xFF];
  }
  return v;
}

}  // namespace lpc::fast
