// lpconform fast — OCP MX block scaling (spec/quantizers.md §4).
#include "impls/fast/quantizers/mx.hpp"

#include <algorithm>
#include <array>
#include <bit>
#include <cmath>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "impls/fast/quantizers/mx_kernels.hpp"

namespace lpc::fast {
namespace detail {

struct MxPlan {
  MxScalePlan scale;
  bool integer = false;   // MXINT8: codes carry 6 fraction bits
  bool directed = false;  // a rounding that tells a tiny non-zero value from zero (rup, rdn, rto)
  std::optional<Encoder> encoder;
  std::optional<MxFloatKernelPlan> kernel;  // set when the AVX-512 kernel applies (float element, RNE)
};

}  // namespace detail

namespace {

// Every element value of `element` as a float64 (§4.5 without X; MXINT8 scaled by 2^-6).
std::array<double, 256> element_values(const Format& element) {
  std::vector<uint32_t> codes(element.code_count());
  for (uint32_t c = 0; c < codes.size(); ++c) codes[c] = c;
  std::vector<double> values(codes.size());
  Decoder(element, Variant{Isa::Auto, 1, 0}).to_f64(codes, values);
  std::array<double, 256> out{};
  for (size_t c = 0; c < values.size(); ++c) out[c] = element.is_integer() ? std::ldexp(values[c], -kMxInt8FractionBits) : values[c];
  return out;
}

void check_sizes(int block, size_t n, size_t scales, size_t codes) {
  const size_t blocks = (n + static_cast<size_t>(block) - 1) / static_cast<size_t>(block);
  if (scales != blocks || codes != n)
    throw std::invalid_argument("MX: " + std::to_string(n) + " elements in blocks of " + std::to_string(block) + " need " + std::to_string(blocks) +
                                " scales and " + std::to_string(n) + " codes, got " + std::to_string(scales) + " and " + std::to_string(codes));
}

// The block maximum as float32 magnitude bits: for non-negative floats the integer order is the
// numeric order, and Inf and NaN lie above every finite value.
uint32_t max_magnitude_bits(const float* x, size_t n) {
  uint32_t m = 0;
  for (size_t i = 0; i < n; ++i) m = std::max(m, std::bit_cast<uint32_t>(x[i]) & 0x7FFFFFFFu);
  return m;
}

}  // namespace

MxQuantizer::MxQuantizer(const MxParams& params, Variant variant) : params_(params) {
  if (auto e = mx_params_error(params)) throw std::invalid_argument("MX: " + *e);
  if (!isa_available(variant.isa))
    throw std::invalid_argument(std::string("MX: instruction set ") + to_string(variant.isa) + " is not available on this CPU");
  const Format& element = *params.element;
  auto plan = std::make_shared<detail::MxPlan>();
  plan->integer = element.is_integer();
  plan->directed = params.rounding == Rounding::Rup || params.rounding == Rounding::Rdn || params.rounding == Rounding::Rto;
  // 1. max_elem from the decoded codes: emax, its 24-bit significand, its binade's fraction bits.
  const std::array<double, 256> values = element_values(element);
  double max_elem = 0;
  for (size_t c = 0; c < element.code_count(); ++c)
    if (std::isfinite(values[c])) max_elem = std::max(max_elem, values[c]);
  int exponent = 0;
  const double fraction = std::frexp(max_elem, &exponent);  // max_elem = fraction · 2^exponent, fraction in [1/2, 1)
  plan->scale = detail::MxScalePlan{params.scale_rule,
                                    params.rounding,
                                    element.name == "float8_e4m3fn",
                                    exponent - 1,
                                    static_cast<uint32_t>(std::ldexp(fraction, 24)),
                                    plan->integer ? kMxInt8FractionBits : element.man_bits};
  plan->encoder.emplace(element, EncodeParams{params.rounding, Overflow::Sat, 0}, Variant{variant.isa, 1, 0});
  // 2. The fused kernel: float elements, RNE, whole 16-lane groups, AVX-512 allowed and present.
  const bool avx512 = variant.isa == Isa::Avx512 || (variant.isa == Isa::Auto && isa_available(Isa::Avx512));
  if (avx512 && !plan->integer && params.rounding == Rounding::Rne && params.block % 16 == 0) {
    const int m = element.man_bits, emin = 1 - element.bias;
    detail::MxFloatKernelPlan k;
    k.scale = plan->scale;
    k.quantum_shift = 23 - m;
    k.exponent_offset = (127 - element.bias) << m;
    k.min_normal_bits = static_cast<int32_t>(std::bit_cast<uint32_t>(std::ldexp(1.0f, emin)));
    k.subnormal_scale = std::ldexp(1.0f, m - emin);
    k.max_magnitude_code = static_cast<int32_t>(std::find(values.begin(), values.end(), max_elem) - values.begin());
    k.sign_bit = 1 << (element.bits - 1);
    plan->kernel = k;
  }
  plan_ = std::move(plan);
}

void MxQuantizer::quantize(std::span<const float> x, std::span<uint8_t> scales, std::span<uint8_t> codes) const {
  check_sizes(params_.block, x.size(), scales.size(), codes.size());
  const detail::MxPlan& plan = *plan_;
  const size_t block = static_cast<size_t>(params_.block);
  size_t first_block = 0;
  if (plan.kernel) {
    first_block = x.size() / block;
    detail::mx_quantize_f32_avx512(*plan.kernel, x.data(), first_block, params_.block, scales.data(), codes.data());
  }
  // The general route, a chunk of blocks at a time: scales, then y = x / X (times 2^6 for MXINT8)
  // into a buffer, then the format converter.
  constexpr float kTiny = 0x1p-100f;  // rounds like every non-zero value below it, in every element format
  std::vector<float> y;
  const size_t blocks = scales.size(), chunk_blocks = std::max<size_t>(1, 4096 / block);
  for (size_t b0 = first_block; b0 < blocks; b0 += chunk_blocks) {
    const size_t b1 = std::min(blocks, b0 + chunk_blocks), begin = b0 * block, end = std::min(x.size(), b1 * block);
    y.resize(end - begin);
    for (size_t b = b0; b < b1; ++b) {
      const size_t first = b * block, last = std::min(first + block, x.size());
      const uint8_t scale = detail::mx_scale_code(plan.scale, max_magnitude_bits(x.data() + first, last - first));
      scales[b] = scale;
      // 1. x · 2^-e is exact while the result is at least 2^-126; a smaller one (rounded by the
      //    product, perhaps to zero) is replaced by ±2^-100, which every element rounding treats
      //    alike: below half the smallest element magnitude (2^-17), and non-zero.
      const float inverse = scale == kMxScaleNan ? 0.0f : detail::mx_inverse_scale(scale);
      for (size_t i = first; i < last; ++i) {
        float v = x[i] * inverse;
        if (plan.integer) v *= 64.0f;  // separately: 2^127 · 2^6 is no float32
        if (plan.directed && x[i] != 0 && std::fabs(v) < kTiny) v = std::copysign(kTiny, x[i]);
        y[i - begin] = v;
      }
    }
    plan.encoder->from_f32(std::span<const float>(y), codes.subspan(begin, end - begin));
    // 2. A NaN scale makes its block's codes free (§4.4); they are 0 here.
    for (size_t b = b0; b < b1; ++b)
      if (scales[b] == kMxScaleNan)
        std::fill(codes.begin() + static_cast<ptrdiff_t>(b * block), codes.begin() + static_cast<ptrdiff_t>(std::min(x.size(), (b + 1) * block)),
                  uint8_t{0});
  }
}

void mx_dequantize(const Format& element, int block, std::span<const uint8_t> scales, std::span<const uint8_t> codes, std::span<double> out) {
  check_sizes(block, codes.size(), scales.size(), out.size());
  const std::array<double, 256> values = element_values(element);
  const size_t k = static_cast<size_t>(block);
  for (size_t b = 0, first = 0; first < codes.size(); ++b, first += k) {
    // X · P is exact in float64: at most 8 significant bits, exponents within [-143, 143].
    const double x = scales[b] == kMxScaleNan ? std::nan("") : std::ldexp(1.0, scales[b] - kMxScaleBias);
    for (size_t i = first; i < std::min(first + k, codes.size()); ++i) out[i] = values[codes[i]] * x;
  }
}

float mx_dot(const Format& element_a, std::span<const uint8_t> scales_a, std::span<const uint8_t> codes_a, const Format& element_b,
             std::span<const uint8_t> scales_b, std::span<const uint8_t> codes_b, int block) {
  check_sizes(block, codes_a.size(), scales_a.size(), codes_a.size());
  check_sizes(block, codes_b.size(), scales_b.size(), codes_b.size());
  if (codes_a.size() != codes_b.size())
    throw std::invalid_argument("MX dot: vectors of " + std::to_string(codes_a.size()) + " and " + std::to_string(codes_b.size()) + " elements");
  // Element values as float32 (exact: at most 8 significant bits); a NaN scale as a NaN factor.
  std::array<float, 256> va{}, vb{};
  const std::array<double, 256> da = element_values(element_a), db = element_values(element_b);
  for (size_t c = 0; c < 256; ++c) va[c] = static_cast<float>(da[c]), vb[c] = static_cast<float>(db[c]);
  const auto scale_value = [](uint8_t s) { return s == kMxScaleNan ? std::nanf("") : std::ldexp(1.0f, s - kMxScaleBias); };
  // The declared order, one float32 rounding per operation (compiled without FMA contraction).
  float acc = 0.0f;
  const size_t n = codes_a.size(), k = static_cast<size_t>(block);
  for (size_t b = 0, first = 0; first < n; ++b, first += k) {
    const size_t last = std::min(first + k, n);
    float block_acc = 0.0f;
    for (size_t i = first; i < last; ++i) block_acc += va[codes_a[i]] * vb[codes_b[i]];
    const float scale_product = scale_value(scales_a[b]) * scale_value(scales_b[b]);
    acc += block_acc * scale_product;
  }
  return acc;
}

}  // namespace lpc::fast
