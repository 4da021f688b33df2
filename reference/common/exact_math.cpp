// lpconform reference — the shared exact-rational helpers (exact_math.hpp).
#include "reference/common/exact_math.hpp"

#include <algorithm>
#include <bit>
#include <cmath>
#include <limits>
#include <utility>

namespace lpc::ref::exact_math {

cpp_rational pow2(int e) { return e >= 0 ? cpp_rational(cpp_int(1) << e) : cpp_rational(cpp_int(1), cpp_int(1) << -e); }

cpp_int floor_of(const cpp_rational& x) {
  // cpp_int division truncates toward zero; step down once for negative non-integers.
  cpp_int q = numerator(x) / denominator(x);
  if (x < 0 && q * denominator(x) != numerator(x)) --q;
  return q;
}

cpp_int ceil_of(const cpp_rational& x) { return -floor_of(-x); }

cpp_int round_half_even(const cpp_rational& x) {
  const cpp_int down = floor_of(x);
  const cpp_rational frac = x - cpp_rational(down);
  if (frac != cpp_rational(1, 2)) return frac > cpp_rational(1, 2) ? down + 1 : down;
  return (down % 2 == 0) ? down : down + 1;
}

int floor_log2(const cpp_rational& a) {
  // The bit lengths of numerator and denominator give it to within one; correct by comparison.
  int top = static_cast<int>(msb(numerator(a))) - static_cast<int>(msb(denominator(a)));
  while (a >= pow2(top + 1)) ++top;
  while (a < pow2(top)) --top;
  return top;
}

cpp_rational exact(float x) {
  const uint32_t bits = std::bit_cast<uint32_t>(x);
  const int biased = static_cast<int>((bits >> 23) & 0xff);
  const uint32_t fraction = bits & 0x7fffff;
  const cpp_rational magnitude = biased == 0 ? cpp_rational(fraction) * pow2(-149) : cpp_rational(fraction | 0x800000) * pow2(biased - 150);
  return (bits >> 31) ? cpp_rational(-magnitude) : magnitude;
}

cpp_rational exact(double x) {
  const uint64_t bits = std::bit_cast<uint64_t>(x);
  const int biased = static_cast<int>((bits >> 52) & 0x7ff);
  const uint64_t fraction = bits & ((uint64_t{1} << 52) - 1);
  const cpp_rational magnitude =
      biased == 0 ? cpp_rational(cpp_int(fraction)) * pow2(-1074) : cpp_rational(cpp_int(fraction | (uint64_t{1} << 52))) * pow2(biased - 1075);
  return (bits >> 63) ? cpp_rational(-magnitude) : magnitude;
}

cpp_rational exact(const ExactValue& v) {
  const cpp_rational magnitude = cpp_rational(cpp_int(v.significand)) * pow2(v.exponent);
  return v.negative ? cpp_rational(-magnitude) : magnitude;
}

namespace {

// |x| = units · 2^quantum rounded to `precision` bits (round_to_precision's steps 1-2).
std::pair<cpp_int, int> rounded_units(const cpp_rational& a, int precision, int emin) {
  // 1. The quantum of a's binade: 2^(e-(p-1)) for e >= emin, else the subnormal 2^(emin-(p-1)).
  const int quantum = std::max(floor_log2(a), emin) - (precision - 1);
  // 2. a / quantum rounded to an integer, ties to even; a carry to 2^p is the next binade's first
  //    value, still exact with this quantum.
  return {round_half_even(a / pow2(quantum)), quantum};
}

}  // namespace

cpp_rational round_to_precision(const cpp_rational& x, int precision, int emin) {
  if (x == 0) return x;
  const bool negative = x < 0;
  const auto [units, quantum] = rounded_units(negative ? cpp_rational(-x) : x, precision, emin);
  const cpp_rational r = cpp_rational(units) * pow2(quantum);
  return negative ? cpp_rational(-r) : r;
}

float to_float32(const cpp_rational& x) {
  if (x == 0) return 0.0f;
  const bool negative = x < 0;
  const auto [units, quantum] = rounded_units(negative ? cpp_rational(-x) : x, 24, -126);
  // 3. Overflow once the rounded value reaches 2^128.
  if (cpp_rational(units) * pow2(quantum) >= pow2(128)) return negative ? -std::numeric_limits<float>::infinity() : std::numeric_limits<float>::infinity();
  const float magnitude = std::ldexp(static_cast<float>(static_cast<uint32_t>(units)), quantum);  // exact: units <= 2^24
  return negative ? -magnitude : magnitude;
}

std::optional<cpp_rational> dot_product_bound(uint64_t h, const cpp_rational& u, const cpp_rational& abs_sum, const cpp_rational& absolute) {
  const cpp_rational hu = cpp_rational(static_cast<long long>(h)) * u;
  if (hu >= 1) return std::nullopt;
  return hu / (1 - hu) * abs_sum + absolute;
}

}  // namespace lpc::ref::exact_math
