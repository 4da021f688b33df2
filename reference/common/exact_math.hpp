// lpconform reference — the exact-rational helpers the references share: powers of two, floor /
// ceiling / round-half-even to an integer, floor(log2), the exact value of a float32, a double or an
// ExactValue, RN32 (a rational rounded to float32), and the dot-product error bound.
//
// PRIVATE TO reference/*.cpp: this header includes Boost.Multiprecision, which DESIGN.md keeps out
// of every public header. Include it only from .cpp files under reference/, never from a header
// and never from outside reference/.
#pragma once

#include <cstdint>
#include <optional>

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

// |x| rounded to `precision` significant bits, ties to even, with gradual underflow below 2^emin
// (quantum 2^(emin - precision + 1)), sign restored; no overflow (the caller compares the result
// with its format's 2^(emax+1)). RN32 and the sampler's RN_F (spec/sampler.md) are this.
cpp_rational round_to_precision(const cpp_rational& x, int precision, int emin);

// RN32: x rounded to float32, ties to even, gradual underflow (quantum 2^-149), ±inf once the
// rounded magnitude reaches 2^128 (IEEE 754 binary32). Zero gives +0; a non-zero x that rounds to
// zero keeps its sign.
float to_float32(const cpp_rational& x);

// The dot-product error bound (the DOT_PRODUCT verification mode; Higham, Accuracy and Stability of
// Numerical Algorithms, §3.1): a sum computed with at most h roundings of unit roundoff u on any
// one product's path is within γ_h·Σ|p| + `absolute` of the exact sum, γ_h = h·u/(1 - h·u);
// `absolute` bounds what underflow adds. nullopt when h·u >= 1 (no bound). spec/quantizers.md §4.6
// (mx-dot) and spec/chip.md §5.2 (gemm, conv2d) instantiate it.
std::optional<cpp_rational> dot_product_bound(uint64_t h, const cpp_rational& u, const cpp_rational& abs_sum, const cpp_rational& absolute);

}  // namespace lpc::ref::exact_math
