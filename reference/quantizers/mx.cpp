// lpconform reference — OCP MX block scaling in exact arithmetic (spec/quantizers.md §4).
#include "reference/quantizers/mx.hpp"

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstdio>
#include <limits>
#include <vector>

#include "reference/formats/codec.hpp"
#include "reference/common/exact_math.hpp"

namespace lpc::ref {

namespace {

using namespace exact_math;

int ceil_log2(const cpp_rational& r) {
  const int k = floor_log2(r);
  return r == pow2(k) ? k : k + 1;
}

// fl32(a + b) and fl32(a · b): IEEE 754 binary32 with RNE. Infinities and NaNs follow IEEE's
// exact rules (no rounding happens); finite operands go through the exact result.
float add32(float a, float b) {
  if (!std::isfinite(a) || !std::isfinite(b)) return a + b;
  const cpp_rational r = exact(a) + exact(b);
  if (r == 0) return std::signbit(a) && std::signbit(b) ? -0.0f : 0.0f;  // x + (-x) = +0 under RNE
  return to_float32(r);
}

float multiply32(float a, float b) {
  if (!std::isfinite(a) || !std::isfinite(b)) return a * b;
  const cpp_rational r = exact(a) * exact(b);
  if (r == 0) return std::signbit(a) != std::signbit(b) ? -0.0f : 0.0f;
  return to_float32(r);
}

// Exact decimal of a dyadic rational n / 2^k: n · 5^k / 10^k.
std::string decimal(const cpp_rational& r) {
  const bool negative = r < 0;
  const cpp_int d = denominator(r);
  const int k = static_cast<int>(msb(d));  // d is a power of two
  cpp_int n = abs(numerator(r));
  for (int i = 0; i < k; ++i) n *= 5;
  std::string digits = n.str();
  if (k > 0) {
    if (static_cast<int>(digits.size()) <= k) digits.insert(0, static_cast<size_t>(k + 1) - digits.size(), '0');
    digits.insert(digits.size() - static_cast<size_t>(k), ".");
    while (digits.back() == '0') digits.pop_back();
    if (digits.back() == '.') digits.pop_back();
  }
  return (negative ? "-" : "") + digits;
}

bool is_int8(const Format& element) { return element.is_integer(); }

// The element value of `code` alone (§4.5 without X): the codec's value, times 2^-6 for MXINT8.
ExactValue element_value(const Format& element, uint32_t code) {
  ExactValue v = decode(element, code);
  if (is_int8(element) && !v.is_zero()) v = ExactValue::finite(v.negative, v.significand, v.exponent - kMxInt8FractionBits);
  return v;
}

// The E8M0 exponent of a block with finite non-zero maximum magnitude `amax` (§4.2), clamped to
// the E8M0 range [-127, 127] (§4.3).
int scale_exponent(const MxParams& p, const MxElementRange& range, const ExactValue& amax) {
  const cpp_rational ratio = exact(amax) / exact(range.max);  // amax / max_elem
  int e = 0;
  switch (p.scale_rule) {
    case MxScaleRule::Ocp:
      e = static_cast<int>(amax.top_bit_position()) - range.emax;
      break;
    case MxScaleRule::Tosa:
      e = p.element->name == "float8_e4m3fn" ? ceil_log2(ratio) : floor_log2(ratio) + 1;
      break;
    case MxScaleRule::Ceil:
      e = ceil_log2(ratio);
      break;
    case MxScaleRule::NoSat: {
      // One more when amax / 2^e rounds past max_elem: the codec flags exactly that as overflow
      // (spec/formats.md §5.4: the rounded magnitude exceeds the maximum).
      e = static_cast<int>(amax.top_bit_position()) - range.emax;
      const int shift = is_int8(*p.element) ? kMxInt8FractionBits : 0;
      const ExactValue scaled = ExactValue::finite(false, amax.significand, amax.exponent - e + shift);
      if (encode(*p.element, EncodeParams{p.rounding, Overflow::Sat, 0}, scaled).flags & kFlagOverflow) ++e;
      break;
    }
  }
  return std::clamp(e, -kMxScaleBias, kMxScaleBias);
}

}  // namespace

MxElementRange mx_element_range(const Format& element) {
  MxElementRange range;
  range.max = ExactValue::zero(false);
  for (uint32_t code = 0; code < element.code_count(); ++code) {
    const ExactValue v = element_value(element, code);
    if (v.is_finite() && !v.negative && compare(v, range.max) > 0) range.max = v;
  }
  range.emax = static_cast<int>(range.max.top_bit_position());
  return range;
}

void mx_quantize(const MxParams& p, std::span<const float> x, std::span<uint8_t> scales, std::span<uint8_t> codes) {
  const MxElementRange range = mx_element_range(*p.element);
  const EncodeParams element_params{p.rounding, Overflow::Sat, 0};
  const size_t block = static_cast<size_t>(p.block);
  for (size_t b = 0, first = 0; first < x.size(); ++b, first += block) {
    const size_t last = std::min(first + block, x.size());
    std::vector<ExactValue> v;
    for (size_t i = first; i < last; ++i) v.push_back(ExactValue::from_source(Source::F32, std::bit_cast<uint32_t>(x[i])));
    // 1. A NaN or an infinity anywhere makes the scale NaN (§4.4); element codes are then free.
    if (std::any_of(v.begin(), v.end(), [](const ExactValue& e) { return !e.is_finite(); })) {
      scales[b] = kMxScaleNan;
      std::fill(codes.begin() + static_cast<ptrdiff_t>(first), codes.begin() + static_cast<ptrdiff_t>(last), uint8_t{0});
      continue;
    }
    // 2. The exact block maximum; an all-zero block takes the smallest scale 2^-127 (§4.3).
    ExactValue amax = ExactValue::zero(false);
    for (const ExactValue& e : v) {
      const ExactValue magnitude = ExactValue::finite(false, e.significand, e.exponent);
      if (compare(magnitude, amax) > 0) amax = magnitude;
    }
    const int e = amax.is_zero() ? -kMxScaleBias : scale_exponent(p, range, amax);
    scales[b] = static_cast<uint8_t>(e + kMxScaleBias);
    // 3. Each element is V_i / 2^e (exact: only the exponent moves), times 2^6 for MXINT8's
    //    integer codes, encoded with the element rounding and saturation (§4.4).
    const int shift = is_int8(*p.element) ? kMxInt8FractionBits : 0;
    for (size_t i = first; i < last; ++i) {
      const ExactValue& vi = v[i - first];
      const ExactValue q = vi.is_zero() ? vi : ExactValue::finite(vi.negative, vi.significand, vi.exponent - e + shift);
      codes[i] = static_cast<uint8_t>(encode(*p.element, element_params, q).code);
    }
  }
}

ExactValue mx_value(const Format& element, uint8_t scale, uint8_t code) {
  const ExactValue p = element_value(element, code);
  if (scale == kMxScaleNan || p.is_nan()) return ExactValue::nan();
  if (!p.is_finite() || p.is_zero()) return p;
  return ExactValue::finite(p.negative, p.significand, p.exponent + scale - kMxScaleBias);
}

namespace {

float scale_as_float(uint8_t scale) {
  return scale == kMxScaleNan ? std::numeric_limits<float>::quiet_NaN() : std::ldexp(1.0f, scale - kMxScaleBias);  // exact, 2^-127 subnormal
}

float element_as_float(const Format& element, uint8_t code) {
  return static_cast<float>(element_value(element, code).to_double());  // at most 8 significant bits: exact
}

}  // namespace

float mx_dot(const MxVector& a, const MxVector& b) {
  const size_t block = static_cast<size_t>(a.block);
  float acc = 0.0f;
  for (size_t k = 0, first = 0; first < a.codes.size(); ++k, first += block) {
    const size_t last = std::min(first + block, a.codes.size());
    float block_acc = 0.0f;
    for (size_t i = first; i < last; ++i)
      block_acc = add32(block_acc, multiply32(element_as_float(*a.element, a.codes[i]), element_as_float(*b.element, b.codes[i])));
    block_acc = multiply32(block_acc, multiply32(scale_as_float(a.scales[k]), scale_as_float(b.scales[k])));
    acc = add32(acc, block_acc);
  }
  return acc;
}

MxDotCheck mx_dot_check(const MxVector& a, const MxVector& b, float got) {
  MxDotCheck check;
  const size_t block = static_cast<size_t>(a.block);
  cpp_rational exact_sum = 0, magnitude_sum = 0;
  size_t blocks = 0;
  for (size_t k = 0, first = 0; first < a.codes.size(); ++k, first += block, ++blocks) {
    const size_t last = std::min(first + block, a.codes.size());
    for (size_t i = first; i < last; ++i) {
      const ExactValue va = mx_value(*a.element, a.scales[k], a.codes[i]), vb = mx_value(*b.element, b.scales[k], b.codes[i]);
      if (!va.is_finite() || !vb.is_finite()) {
        check.exact = "nan";
        return check;
      }
      const cpp_rational product = exact(va) * exact(vb);
      exact_sum += product;
      magnitude_sum += product < 0 ? cpp_rational(-product) : product;
    }
  }
  // |got - exact_sum| <= gamma_m · Σ|X_a X_b P_a P_b| + 2B · 2^-149 with m = block + B - 1 roundings on
  // any one product's path and gamma_m = m·u / (1 - m·u), u = 2^-24 (Higham, Accuracy and
  // Stability, §3.1), the second term for the underflow of the scaled block sums (§4.6).
  const uint64_t m = std::min(block, a.codes.size()) + blocks - 1;  // m·u < 1: m < 2^24 for every vector an MX block count allows
  const cpp_rational bound = *dot_product_bound(m, pow2(-24), magnitude_sum, cpp_rational(static_cast<long long>(2 * blocks)) * pow2(-149));
  check.applicable = true;
  check.exact = decimal(exact_sum);
  char text[32];
  std::snprintf(text, sizeof text, "%.9g", static_cast<double>(bound));
  check.bound = text;
  if (std::isfinite(got)) {
    const cpp_rational error = exact(got) - exact_sum;
    check.within_bound = (error < 0 ? cpp_rational(-error) : error) <= bound;
  }
  return check;
}

}  // namespace lpc::ref
