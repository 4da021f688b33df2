// lpconform reference — LSQ in exact rational arithmetic (spec/quantizers.md §1).
#include "reference/quantizers/lsq.hpp"

#include <bit>
#include <cmath>
#include <limits>

#include "reference/common/exact_math.hpp"

namespace lpc::ref {

namespace {

using namespace exact_math;

constexpr float kInf = std::numeric_limits<float>::infinity();

// fl32(a·b) for float32 operands, infinities included (IEEE: inf·0 is NaN).
float multiply32(float a, float b) {
  if (std::isinf(a) || std::isinf(b)) {
    if (a == 0 || b == 0) return std::numeric_limits<float>::quiet_NaN();
    return (std::signbit(a) != std::signbit(b)) ? -kInf : kInf;
  }
  return to_float32(exact(a) * exact(b));
}

LsqOutcome lsq_core(const LsqParams& p, float x, float dy) {
  if (std::isnan(x)) return {false, {}, "input x is NaN"};
  if (!std::isfinite(dy)) return {false, {}, "upstream gradient dy is not finite"};
  LsqElement e;
  const cpp_rational s = exact(p.scale);
  float inv = 0;  // torch only: fl32(1/s)
  cpp_rational code;
  if (p.variant == LsqVariant::Paper) {
    // §1.3 paper: decide on the exact quotient v/s before rounding.
    if (std::isinf(x)) {
      e.clamped = x < 0 ? -1 : 1;
    } else {
      const cpp_rational q = exact(x) / s;
      e.clamped = q <= p.qmin ? -1 : q >= p.qmax ? 1 : 0;
      if (e.clamped == 0) {
        code = cpp_rational(round_half_even(q));
        e.dx = dy;
        e.ds = multiply32(multiply32(dy, to_float32(code - q)), p.grad_scale);  // (RNE(q) - q) rounded once
      }
    }
  } else {
    // §1.3 torch: t = fl32(x·fl32(1/s)), n = RNE(t); clamped when n leaves [qmin, qmax].
    inv = to_float32(1 / s);
    const float t = multiply32(x, inv);
    if (std::isinf(t)) {
      e.clamped = t < 0 ? -1 : 1;
    } else {
      const cpp_int n = round_half_even(exact(t));
      e.clamped = n < p.qmin ? -1 : n > p.qmax ? 1 : 0;
      if (e.clamped == 0) code = cpp_rational(n);
    }
  }
  if (e.clamped != 0) code = e.clamped < 0 ? p.qmin : p.qmax;
  e.code = static_cast<int32_t>(numerator(code));
  e.y = to_float32(code * s);  // §1.1 one rounding; +0 when the code is 0
  if (e.clamped != 0) {
    e.dx = 0;
    e.ds = multiply32(multiply32(dy, static_cast<float>(e.code)), p.grad_scale);
  } else if (p.variant == LsqVariant::Torch) {
    e.dx = dy;
    // fl32(x_fq - x); under lsq_fma fl32(code·s - x), one rounding of the exact difference.
    const float difference = to_float32((p.fused_difference ? code * s : exact(e.y)) - exact(x));
    e.ds = multiply32(multiply32(multiply32(dy, difference), inv), p.grad_scale);
  }
  return {true, e, {}};
}

// The float32 nearest to sqrt(c2 / d) for rationals c2 >= 0, d > 0: the largest f with
// f²·d <= c2, then the nearer of f and its successor, decided on the exact midpoint.
float nearest_float_to_sqrt_ratio(const cpp_rational& c2, const cpp_rational& d) {
  uint32_t lo = 0, hi = 0x7f800000;  // bit patterns of +0 .. +inf order like the values
  while (hi - lo > 1) {
    const uint32_t mid = lo + (hi - lo) / 2;
    const cpp_rational f = exact(std::bit_cast<float>(mid));
    (f * f * d <= c2 ? lo : hi) = mid;
  }
  if (hi == 0x7f800000) return kInf;  // beyond the largest float: caller reports the overflow
  const cpp_rational below = exact(std::bit_cast<float>(lo)), above = exact(std::bit_cast<float>(hi));
  const cpp_rational midpoint = (below + above) / 2;
  const cpp_rational m2d = midpoint * midpoint * d;
  if (m2d != c2) return std::bit_cast<float>(m2d < c2 ? hi : lo);
  return std::bit_cast<float>((lo & 1) ? hi : lo);  // an exact tie: even significand
}

}  // namespace

LsqOutcome lsq(const LsqParams& p, float x, float dy) { return lsq_core(p, x, dy); }

LsqPlusOutcome lsq_plus(const LsqParams& p, float beta, float x, float dy) {
  if (!std::isfinite(beta)) return {false, {}, 0, "offset beta is not finite"};
  if (std::isnan(x)) return {false, {}, 0, "input x is NaN"};
  const float u = std::isinf(x) ? x : to_float32(exact(x) - exact(beta));
  LsqOutcome core = lsq_core(p, u, dy);
  if (!core.ok) return {false, {}, 0, core.error};
  LsqElement e = core.element;
  e.y = to_float32(exact(e.y) + exact(beta));
  return {true, e, e.clamped != 0 ? dy : 0.0f, {}};
}

FloatOutcome lsq_grad_scale(uint64_t n, int32_t qmax) {
  if (n == 0 || qmax <= 0) return {false, 0, "gradient scale needs n >= 1 and Q_P >= 1"};
  return {true, nearest_float_to_sqrt_ratio(cpp_rational(1), cpp_rational(cpp_int(n) * qmax)), {}};
}

FloatOutcome lsq_initial_scale(std::span<const float> v, int32_t qmax) {
  if (v.empty() || qmax <= 0) return {false, 0, "initial scale needs a non-empty tensor and Q_P >= 1"};
  cpp_rational sum = 0;
  for (float x : v) {
    if (!std::isfinite(x)) return {false, 0, "initial scale: the tensor holds a NaN or infinity"};
    sum += x < 0 ? cpp_rational(-exact(x)) : exact(x);
  }
  if (sum == 0) return {false, 0, "initial scale: mean |v| is 0, the step would be 0"};
  const cpp_rational c = 2 * sum / v.size();  // s0 = c / sqrt(Q_P)
  const float s0 = nearest_float_to_sqrt_ratio(c * c, cpp_rational(qmax));
  if (std::isinf(s0)) return {false, 0, "initial scale overflows float32"};
  if (s0 == 0) return {false, 0, "initial scale underflows to 0"};
  return {true, s0, {}};
}

IntegerDot lsq_integer_dot(std::span<const int32_t> w, std::span<const int32_t> x, int32_t w_max_magnitude, int32_t x_max_magnitude) {
  IntegerDot out;
  out.proven = cpp_int(w.size()) * w_max_magnitude * x_max_magnitude <= INT32_MAX;
  cpp_int sum = 0;
  for (size_t k = 0; k < w.size() && k < x.size(); ++k) {
    sum += cpp_int(w[k]) * x[k];
    if (sum < INT32_MIN || sum > INT32_MAX) {
      out.overflow_index = k;
      out.error = "int32 accumulator overflows at k = " + std::to_string(k) + " (partial sum " + sum.str() + ")";
      return out;
    }
  }
  out.ok = true;
  out.acc = static_cast<int32_t>(sum);
  return out;
}

float lsq_output_float(int32_t acc, float scale_w, float scale_x) { return to_float32(exact(scale_w) * exact(scale_x) * acc); }

}  // namespace lpc::ref
