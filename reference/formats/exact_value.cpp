// lpconform reference — ExactValue: construction from source bit patterns, exact decimal printing,
// conversion to float64, and an allocation-free total order.
// GCC 12 reports a false -Wrestrict inside libstdc++ when it inlines cpp_int::str() (GCC bug
// 105329); the pragma sits before every include so that it covers the inlined copy.
#pragma GCC diagnostic ignored "-Wrestrict"

#include "reference/formats/exact_value.hpp"

#include <bit>
#include <cmath>
#include <limits>
#include <stdexcept>

#include <boost/multiprecision/cpp_int.hpp>

namespace lpc::ref {
namespace {

using Integer = boost::multiprecision::cpp_int;

// The IEEE 754 interchange layout of a source type: sign, exponent field, fraction field.
struct InterchangeLayout {
  const char* name;
  int width;
  int exp_bits;
  int man_bits;
};

InterchangeLayout layout_of(Source source) {
  switch (source) {
    case Source::F32: return {"float32", 32, 8, 23};
    case Source::F64: return {"float64", 64, 11, 52};
    case Source::BF16: return {"bfloat16", 16, 8, 7};
    case Source::F16: return {"float16", 16, 5, 10};
  }
  throw std::invalid_argument("ExactValue::from_source: unknown source type");
}

}  // namespace

int source_width(Source source) { return layout_of(source).width; }

namespace {

// |a| <=> |b| for finite non-zero values, by integer shifts only (no allocation).
int compare_magnitudes(const ExactValue& a, const ExactValue& b) {
  // 1. Different top-bit positions decide at once.
  const int64_t top_a = a.top_bit_position(), top_b = b.top_bit_position();
  if (top_a != top_b) return top_a < top_b ? -1 : 1;
  // 2. Same top bit: the one with the larger exponent has the shorter significand; shifting it left
  //    by the exponent difference lines both up at the same top bit, which keeps it below 2^64
  //    (the difference equals the difference of bit widths, so it is < 64).
  uint64_t sa = a.significand, sb = b.significand;
  if (a.exponent > b.exponent) sa <<= (a.exponent - b.exponent);
  else sb <<= (b.exponent - a.exponent);
  return sa == sb ? 0 : (sa < sb ? -1 : 1);
}

}  // namespace

ExactValue ExactValue::nan(bool negative) {
  ExactValue v;
  v.cls = Class::NaN;
  v.negative = negative;
  return v;
}

ExactValue ExactValue::inf(bool negative) {
  ExactValue v;
  v.cls = Class::Inf;
  v.negative = negative;
  return v;
}

ExactValue ExactValue::zero(bool negative) {
  ExactValue v;
  v.negative = negative;
  return v;
}

ExactValue ExactValue::finite(bool negative, uint64_t significand, int32_t exponent) {
  if (significand == 0) return zero(negative);
  const int trailing_zeros = std::countr_zero(significand);
  ExactValue v;
  v.negative = negative;
  v.significand = significand >> trailing_zeros;
  v.exponent = exponent + trailing_zeros;
  return v;
}

ExactValue ExactValue::from_source(Source source, uint64_t bits) {
  const InterchangeLayout layout = layout_of(source);
  if (layout.width < 64 && (bits >> layout.width) != 0)
    throw std::invalid_argument(std::string("ExactValue::from_source: bit pattern has bits set above the ") +
                                std::to_string(layout.width) + "-bit width of " + layout.name);
  // 1. Split the fields (IEEE 754 §3.4): sign, biased exponent, trailing significand.
  const bool negative = (bits >> (layout.width - 1)) & 1;
  const uint64_t exponent_max = (uint64_t{1} << layout.exp_bits) - 1;
  const uint64_t exponent_field = (bits >> layout.man_bits) & exponent_max;
  const uint64_t fraction = bits & ((uint64_t{1} << layout.man_bits) - 1);
  const int bias = static_cast<int>(exponent_max >> 1);
  // 2. All-ones exponent: infinity (fraction 0) or NaN (payload dropped: only the class and sign matter).
  if (exponent_field == exponent_max) return fraction == 0 ? inf(negative) : nan(negative);
  // 3. Zero exponent: zero or subnormal, fraction * 2^(1 - bias - M).
  if (exponent_field == 0) return finite(negative, fraction, 1 - bias - layout.man_bits);
  // 4. Normal: (2^M + fraction) * 2^(e - bias - M).
  return finite(negative, fraction | (uint64_t{1} << layout.man_bits),
                static_cast<int32_t>(exponent_field) - bias - layout.man_bits);
}

std::string ExactValue::to_string() const {
  const std::string sign = negative ? "-" : "";
  if (is_nan()) return sign + "nan";
  if (is_inf()) return sign + "inf";
  if (significand == 0) return sign + "0";
  // 1. Integers: significand << exponent.
  if (exponent >= 0) return sign + (Integer(significand) << exponent).str();
  // 2. Fractions: s * 2^-k = s * 5^k / 10^k, so the digits of s * 5^k with the point k places from
  //    the right. s is odd, so the last digit is 5 and no trailing zero needs trimming.
  const unsigned places = static_cast<unsigned>(-int64_t{exponent});
  std::string digits = (Integer(significand) * boost::multiprecision::pow(Integer(5), places)).str();
  if (digits.size() <= places) digits.insert(0, places - digits.size() + 1, '0');
  digits.insert(digits.size() - places, 1, '.');
  return sign + digits;
}

double ExactValue::to_double() const {
  if (is_nan()) return std::copysign(std::numeric_limits<double>::quiet_NaN(), negative ? -1.0 : 1.0);
  if (is_inf()) return negative ? -std::numeric_limits<double>::infinity() : std::numeric_limits<double>::infinity();
  if (significand == 0) return negative ? -0.0 : 0.0;
  // A float64 holds s * 2^e exactly when s fits in 53 bits, the top bit is at most 2^1023 and the
  // lowest set bit is at least 2^-1074 (the subnormal quantum). s is odd, so its lowest set bit is 2^e.
  const int64_t top = top_bit_position();
  if (static_cast<int>(std::bit_width(significand)) > 53 || top > 1023 || exponent < -1074)
    throw std::domain_error("ExactValue::to_double: " + to_string() + " is not a float64 value");
  const double magnitude = std::ldexp(static_cast<double>(significand), exponent);
  return negative ? -magnitude : magnitude;
}

int compare(const ExactValue& a, const ExactValue& b) {
  // 1. Place each value on a coarse scale: -inf (-2), negative (-1), zero (0), positive (1), +inf (2).
  auto rank = [](const ExactValue& v) {
    const int side = v.negative ? -1 : 1;
    if (v.is_inf()) return 2 * side;
    return v.significand == 0 ? 0 : side;
  };
  const int rank_a = rank(a), rank_b = rank(b);
  if (rank_a != rank_b) return rank_a < rank_b ? -1 : 1;
  // 2. Same rank: infinities and zeros of one rank are equal; finite values compare by magnitude,
  //    reversed on the negative side.
  if (rank_a != 1 && rank_a != -1) return 0;
  const int by_magnitude = compare_magnitudes(a, b);
  return rank_a > 0 ? by_magnitude : -by_magnitude;
}

}  // namespace lpc::ref
