// lpconform reference — requantization in exact rational arithmetic (spec/quantizers.md §2).
#include "reference/quantizers/requantize.hpp"

#include <cmath>

#include "reference/common/exact_math.hpp"

namespace lpc::ref {

namespace {

using namespace exact_math;

const cpp_rational kHalf(1, 2);
// Round half up (toward +inf): floor(x + 1/2).
cpp_int round_half_up(const cpp_rational& x) { return floor_of(x + kHalf); }
cpp_int round_half_away(const cpp_rational& x) { return x < 0 ? -round_half_up(-x) : round_half_up(x); }
// float32 round-to-nearest-even of an exact value in the float32 range (the XNNPACK fp32 scheme
// only ever rounds values of magnitude < 2^32, so neither overflow nor subnormals arise).
cpp_rational round_to_float32(const cpp_rational& x) {
  if (x == 0) return x;
  const cpp_rational a = x < 0 ? cpp_rational(-x) : x;
  const cpp_rational ulp = pow2(floor_log2(a) - 23);
  const cpp_rational r = cpp_rational(round_half_even(a / ulp)) * ulp;
  return x < 0 ? cpp_rational(-r) : r;
}

int64_t clip(const cpp_int& v, IntType t) {
  if (v < int_type_min(t)) return int_type_min(t);
  if (v > int_type_max(t)) return int_type_max(t);
  return static_cast<int64_t>(v);
}

// RHAZ(RHU(product/2^31) / 2^(shift-31)): gemmlowp's SRDHM (ties up) then RoundingDivideByPOT
// (ties away from zero), which is also TOSA's DOUBLE_ROUND (§2.3, §2.4).
cpp_int double_round(const cpp_rational& product, int shift) {
  const cpp_int high = round_half_up(product / pow2(31));
  return round_half_away(cpp_rational(high) / pow2(shift - 31));
}

RequantOutcome fail(std::string message) { return {false, 0, std::move(message)}; }

}  // namespace

RequantOutcome requantize(const RequantParams& p, int64_t input, size_t channel) {
  const cpp_int value = cpp_int(input) - p.input_zp;  // §2.1: ext48(in) - ext48(input_zp)
  cpp_int r;
  switch (p.scheme) {
    case RequantScheme::TosaSingleRound:
    case RequantScheme::TosaDoubleRound: {
      const int shift = p.shifts[channel];
      const cpp_rational x = cpp_rational(value) * p.multipliers[channel] / pow2(shift);
      // §2.2 REQUIRE(-(1 << (shift-1)) <= value < (1 << (shift-1))).
      if (value < -(cpp_int(1) << (shift - 1)) || value >= (cpp_int(1) << (shift - 1)))
        return fail("value " + value.str() + " outside [-2^" + std::to_string(shift - 1) + ", 2^" + std::to_string(shift - 1) + ") required by shift " + std::to_string(shift));
      if (p.scheme == RequantScheme::TosaSingleRound || shift <= 31) {
        r = round_half_up(x);  // one rounding, ties toward +inf
      } else {
        // §2.3 DOUBLE_ROUND: value·m/2^31 rounded half up, then divided by 2^(shift-31) rounded
        // half away from zero (the spec proves TOSA's one-shift formula equal to this).
        r = double_round(cpp_rational(value) * p.multipliers[channel], shift);
      }
      if (!p.scale32 && (r < INT32_MIN || r > INT32_MAX)) return fail("scaled value " + r.str() + " does not fit int32 (scale16 REQUIRE)");
      break;
    }
    case RequantScheme::Gemmlowp: {
      if (value < INT32_MIN || value > INT32_MAX) return fail("value " + value.str() + " minus zero point does not fit int32 (gemmlowp)");
      const int shift = p.shifts[channel];
      r = double_round(cpp_rational(value) * p.multipliers[channel], shift);  // §2.4
      break;
    }
    case RequantScheme::XnnpackFp32: {
      // §2.5: fl32(fl32(value)·scale), clamped to [qmin - zp, qmax - zp], then RNE.
      const cpp_rational f = round_to_float32(round_to_float32(cpp_rational(value)) * exact(p.scales[channel]));
      const cpp_rational lo(int_type_min(p.output_type) - p.output_zp), hi(int_type_max(p.output_type) - p.output_zp);
      r = round_half_even(f < lo ? lo : f > hi ? hi : f);
      break;
    }
    case RequantScheme::XnnpackRndnu:
      r = round_half_up(cpp_rational(value) * exact(p.scales[channel]));  // §2.5: exact, ties up
      break;
  }
  const cpp_int out = r + p.output_zp;
  if (out < INT32_MIN || out > INT32_MAX) return fail("adding the output zero point overflows int32");
  return {true, clip(out, p.output_type), {}};
}

InexactRange rescale_inexact_range(const RequantParams& p, int64_t input, size_t channel) {
  const cpp_rational value(cpp_int(input) - p.input_zp);
  const cpp_rational ref = value * p.multipliers[channel] / pow2(p.shifts[channel]);
  const cpp_rational zp(p.output_zp);
  const auto absolute = [](const cpp_rational& x) { return x < 0 ? cpp_rational(-x) : x; };
  const cpp_rational eb = kHalf + (3 * absolute(ref) + absolute(ref + zp)) * pow2(-24);
  return {clip(ceil_of(ref - eb + zp), p.output_type), clip(floor_of(ref + eb + zp), p.output_type)};
}

MultiplierShift quantize_multiplier(double scale, bool scale16) {
  const int bits = scale16 ? 15 : 31;
  if (!(scale >= 0) || std::isinf(scale)) return {false, 0, 0, "scale must be finite and >= 0"};
  if (scale == 0) return {true, 0, bits, {}};
  const cpp_rational s = exact(scale);
  // shift such that s·2^shift lies in [2^(bits-1), 2^bits).
  int shift = 0;
  while (s * pow2(shift) < pow2(bits - 1)) ++shift;
  while (s * pow2(shift) >= pow2(bits)) --shift;
  cpp_int m = round_half_away(s * pow2(shift));
  if (m == (cpp_int(1) << bits)) {
    m >>= 1;
    --shift;
  }
  if (shift < 2 || shift > 62)
    return {false, 0, 0, "scale " + std::to_string(scale) + " needs shift " + std::to_string(shift) + ", outside [2, 62]"};
  return {true, static_cast<int32_t>(m), shift, {}};
}

}  // namespace lpc::ref
