// lpconform reference — an exact value: a finite dyadic rational, +-infinity, or NaN.
//
// Every value of every format in spec/formats.csv, and every float32/float64/bfloat16/float16
// input, is (-1)^negative * significand * 2^exponent with a 64-bit significand, so this small type
// holds them all exactly and keeps Boost.Multiprecision out of the reference's public headers (the
// arithmetic on it happens in the .cpp files, in cpp_int / cpp_rational).
#pragma once

#include <bit>
#include <cstdint>
#include <string>

#include "spec/formats/modes.hpp"

namespace lpc::ref {

struct ExactValue {
  enum class Class : uint8_t { Finite, Inf, NaN };
  Class cls = Class::Finite;
  bool negative = false;
  uint64_t significand = 0;  // finite only; 0 is a (signed) zero; kept odd or zero (normalized)
  int32_t exponent = 0;      // finite only; 0 when significand is 0

  static ExactValue nan(bool negative = false);
  static ExactValue inf(bool negative);
  static ExactValue zero(bool negative);
  // (-1)^negative * significand * 2^exponent, normalized (trailing zero bits moved to exponent).
  static ExactValue finite(bool negative, uint64_t significand, int32_t exponent);
  // The exact value of a float32/float64/bfloat16/float16 bit pattern.
  static ExactValue from_source(Source source, uint64_t bits);

  bool is_nan() const { return cls == Class::NaN; }
  bool is_inf() const { return cls == Class::Inf; }
  bool is_finite() const { return cls == Class::Finite; }
  bool is_zero() const { return cls == Class::Finite && significand == 0; }
  // floor(log2 |x|) of a finite non-zero value: the position of its top bit.
  int64_t top_bit_position() const { return int64_t{exponent} + static_cast<int>(std::bit_width(significand)) - 1; }

  // Exact decimal: "448", "-0.001953125", "-0", "inf", "-inf", "nan", "-nan". Every dyadic
  // rational has a finite decimal expansion, so this is exact, never rounded.
  std::string to_string() const;
  // The float64 with this value (exact for every value the suite handles; NaN gives a quiet NaN
  // with the sign). Throws std::domain_error if the value is not a float64.
  double to_double() const;

  // Identity: same class, same sign, same value (so -0 != +0 here; use compare() for order).
  friend bool operator==(const ExactValue&, const ExactValue&) = default;
};

// The width in bits of a source type's bit pattern: 32, 64, 16, 16.
int source_width(Source source);

// Total order of the extended reals on non-NaN values: -inf < finite < +inf, -0 == +0.
// Returns negative, zero or positive. Precondition: neither argument is NaN.
int compare(const ExactValue& a, const ExactValue& b);

}  // namespace lpc::ref
