// lpconform reference — the exact-rational helpers the quantizer references share: powers of two,
// floor / ceiling / round-half-even to an integer, floor(log2), the exact value of a float32, a
// double or an ExactValue, and RN32 (a rational rounded to float32).
//
// PRIVATE TO reference/*.cpp: this header includes Boost.Multiprecision, which DESIGN.md keeps out
// of every public header. Include it only from .cpp files under reference/, never from a header
// and never from outside reference/.
#pragma once

#include <boost/multiprecision/cpp_int.hpp>

#include "reference/formats/exact_value.hpp"

namespace lpc::ref::exact_math {

using boost::multiprecision::cpp_int;
using boost::multiprecision::cpp_rational;

// 2^e exactly, for any int e.
cpp_rational pow2(int e);

// ⌊x⌋ and ⌈x⌉ as integers.
cpp_int floor_of(const cpp_rational& x);
cpp_int ceil_of(const cpp_rational& x);

// x rounded to the nearest integer, ties to the even one.
cpp_int round_half_even(const cpp_rational& x);

// ⌊log2 a⌋ for a > 0.
int floor_log2(const cpp_rational& a);

// The exact value of a finite float32 / double (read from its bit fields; ±0 gives 0) or of a
// finite ExactValue. Precondition: finite (a NaN or an infinity has no rational value).
cpp_rational exact(float x);
cpp_rational exact(double x);
cpp_rational exact(const ExactValue& v);

// RN32: x rounded to float32, ties to even, gradual underflow (quantum 2^-149), ±inf once the
// rounded magnitude reaches 2^128 (IEEE 754 binary32). Zero gives +0; a non-zero x that rounds to
// zero keeps its sign.
float to_float32(const cpp_rational& x);

}  // namespace lpc::ref::exact_math
