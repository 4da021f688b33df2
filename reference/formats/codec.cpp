// lpconform reference — decode (spec/formats.md §2) and encode (§5), clause by clause, in exact
// rational arithmetic. The RoundingMap, the second route to the same results, is in
// rounding_map.cpp and shares nothing with encode below but decode() and canonical_nan_code().
#include "reference/formats/codec.hpp"

#include <stdexcept>
#include <string>

#include <boost/multiprecision/cpp_int.hpp>

namespace lpc::ref {
namespace {

using Integer = boost::multiprecision::cpp_int;
using Rational = boost::multiprecision::cpp_rational;

// ---------------------------------------------------------------------------------------------
// Code layout of a float format (spec/formats.md §1).

uint32_t sign_bit(const Format& f) { return f.is_signed ? 1u << (f.bits - 1) : 0u; }
uint32_t magnitude_mask(const Format& f) { return f.code_mask() & ~sign_bit(f); }
uint32_t fraction_mask(const Format& f) { return (1u << f.man_bits) - 1u; }
uint32_t exponent_all_ones(const Format& f) { return (1u << f.exp_bits) - 1u; }
int log2_radix(const Format& f) { return f.radix == 4 ? 2 : 1; }

// §1 `nan` column.
bool is_nan_code(const Format& f, uint32_t code) {
  const uint32_t magnitude = code & magnitude_mask(f);
  switch (f.nan) {
    case NanEncoding::None: return false;
    case NanEncoding::Ieee: return (magnitude >> f.man_bits) == exponent_all_ones(f) && (magnitude & fraction_mask(f)) != 0;
    case NanEncoding::AllOnes: return magnitude == magnitude_mask(f);
    case NanEncoding::NegZero: return code == sign_bit(f);
  }
  return false;
}

// §1 `inf` column: the magnitude bits of +Inf (the sign bit gives -Inf), or 0 when there is none.
uint32_t infinity_magnitude(const Format& f) {
  switch (f.inf) {
    case InfEncoding::None: return 0;
    case InfEncoding::Ieee: return exponent_all_ones(f) << f.man_bits;
    case InfEncoding::P3109: return f.is_signed ? magnitude_mask(f) : magnitude_mask(f) - 1;  // §3 table
  }
  return 0;
}

// §2 steps 2-4 for a magnitude code c = e * 2^M + m. The exponent field e is read as wide as c
// needs, so the same formula also gives the grid points past the largest code (§5.1).
ExactValue formula_value(const Format& f, bool negative, uint64_t magnitude_code) {
  const uint64_t e = magnitude_code >> f.man_bits;
  const uint64_t m = magnitude_code & fraction_mask(f);
  const int64_t scale = log2_radix(f);  // radix^k = 2^(scale * k)
  // Step 3: the subnormal binade, (m / 2^M) * radix^(1 - B) (M = 0: zero).
  if (e == 0 && f.subnormals)
    return ExactValue::finite(negative, m, static_cast<int32_t>(scale * (1 - f.bias) - f.man_bits));
  // Steps 2 and 4: (1 + m / 2^M) * radix^(e - B); for E8M0 (no zero) exponent field 0 is an ordinary binade.
  return ExactValue::finite(negative, (uint64_t{1} << f.man_bits) | m,
                            static_cast<int32_t>(scale * (static_cast<int64_t>(e) - f.bias) - f.man_bits));
}

Rational power_of_two(int64_t exponent) {
  return exponent >= 0 ? Rational(Integer(1) << exponent) : Rational(Integer(1), Integer(1) << -exponent);
}

Rational to_rational(const ExactValue& v) {  // finite v only
  const Rational magnitude = Rational(Integer(v.significand)) * power_of_two(v.exponent);
  return v.negative ? Rational(-magnitude) : magnitude;
}

Integer floor_of(const Rational& q) {  // q >= 0
  return boost::multiprecision::numerator(q) / boost::multiprecision::denominator(q);
}

// Nearest integer, ties to the even one (RNITE in P3109), of q >= 0.
Integer round_half_even(const Rational& q) {
  const Integer below = floor_of(q);
  const Rational excess = q - Rational(below);
  const Rational half(1, 2);
  if (excess > half || (excess == half && (below & 1) != 0)) return below + 1;
  return below;
}

// ---------------------------------------------------------------------------------------------
// §5.1 The rounding rule.

// True when |x| rounds away from zero to b: the "r = b when" column of the §5.1 table, literally.
// nu = (|x| - a) / (b - a) in [0, 1); the evenness is that of the magnitude codes of a and b.
bool rounds_away(const EncodeParams& params, uint32_t random, const Rational& nu, bool a_is_even,
                 bool b_is_even, bool negative) {
  if (nu == 0) return false;  // an exact x never moves
  const Rational half(1, 2);
  switch (params.rounding) {
    case Rounding::Rne: return nu > half || (nu == half && b_is_even);
    case Rounding::Rna: return nu >= half;
    case Rounding::Rtz: return false;
    case Rounding::Rup: return !negative;
    case Rounding::Rdn: return negative;
    case Rounding::Rto: return a_is_even;  // so r is odd
    default: break;
  }
  // Stochastic: N = sr_bits, R = the low N bits of the random word.
  const int n = params.sr_bits;
  const Integer r(random & ((uint64_t{1} << n) - 1));
  const Integer two_to_n = Integer(1) << n;
  switch (params.rounding) {
    case Rounding::SrA: return floor_of(nu * two_to_n) + r >= two_to_n;
    case Rounding::SrB: return floor_of(nu * (2 * two_to_n)) + (2 * r + 1) >= 2 * two_to_n;
    case Rounding::SrC: return round_half_even(nu * two_to_n) + r >= two_to_n;
    default: break;
  }
  throw std::logic_error("rounds_away: unknown rounding mode");
}

// The grid neighbours a <= |x| <= b of §5.1, as magnitude codes, and the fraction nu.
struct GridNeighbours {
  uint64_t a_code = 0, b_code = 0;
  Rational nu;
};

// Floor division for the binade index (k may be negative).
int64_t floor_divide(int64_t n, int64_t d) { return n >= 0 ? n / d : -((-n + d - 1) / d); }

GridNeighbours locate_on_float_grid(const Format& f, const ExactValue& magnitude) {
  const Rational x = to_rational(magnitude);
  // 1. The binade: radix^k <= |x| < radix^(k+1), from the position of the top bit of |x|.
  const int64_t k = floor_divide(magnitude.top_bit_position(), log2_radix(f));
  const int64_t exponent_field = k + f.bias;
  GridNeighbours g;
  if (exponent_field >= 1 || !f.has_zero) {  // (zero-less: |x| >= the smallest value, so e >= 0)
    // 2. A normal binade (unbounded above, §5.1): points radix^k * (1 + m / 2^M), m < 2^M, whose
    //    magnitude code is e * 2^M + m. a has m = floor((|x| / radix^k - 1) * 2^M), at most 2^M - 1:
    //    with radix 4 the binade's points end at 2 * 4^k and |x| may lie above the last one.
    const Integer fraction_steps = Integer(1) << f.man_bits;
    Integer m = floor_of((x / power_of_two(log2_radix(f) * k) - 1) * Rational(fraction_steps));
    if (m >= fraction_steps) m = fraction_steps - 1;
    g.a_code = (static_cast<uint64_t>(exponent_field) << f.man_bits) + static_cast<uint64_t>(m);
  } else {
    // 3. Below the smallest normal binade: the subnormal grid with quantum radix^(1-B) / 2^M (only
    //    0 when M = 0); the magnitude code of m * quantum is m.
    const Rational quantum = power_of_two(log2_radix(f) * (1 - f.bias) - f.man_bits);
    g.a_code = static_cast<uint64_t>(floor_of(x / quantum));
  }
  // 4. b is a itself when |x| is on the grid, else the next grid point; nu = (|x| - a) / (b - a).
  const Rational a = to_rational(formula_value(f, false, g.a_code));
  if (a == x) {
    g.b_code = g.a_code;
    g.nu = 0;
  } else {
    g.b_code = g.a_code + 1;
    const Rational b = to_rational(formula_value(f, false, g.b_code));
    g.nu = (x - a) / (b - a);
  }
  return g;
}

// The largest finite magnitude code: below the all-ones exponent where that holds Inf/NaN (§1
// `ieee`), then stepping past the all_ones NaN or the P3109 +Inf (at most two steps).
uint32_t largest_finite_magnitude(const Format& f) {
  uint32_t c = magnitude_mask(f);
  if (f.inf == InfEncoding::Ieee || f.nan == NanEncoding::Ieee) c = (exponent_all_ones(f) << f.man_bits) - 1;
  while (!decode(f, c).is_finite()) --c;
  return c;
}

// ---------------------------------------------------------------------------------------------
// §5.2 / §5.3 results.

EncodeResult unspecified(uint8_t flags) { return EncodeResult{0, flags, true}; }

// NaN with the invalid flag, or unspecified when the format has no NaN (§5.3).
EncodeResult invalid_nan(const Format& f, bool negative) {
  if (!f.has_nan()) return unspecified(kFlagInvalid);
  return {canonical_nan_code(f, negative), kFlagInvalid, false};
}

uint32_t signed_code(const Format& f, bool negative, uint32_t magnitude_code) {
  return (negative ? sign_bit(f) : 0u) | magnitude_code;
}

// §5.2, column "finite overflow", for a finite x whose rounded magnitude r exceeds max.
EncodeResult float_overflow(const Format& f, const EncodeParams& p, bool negative) {
  const EncodeResult to_max{signed_code(f, negative, largest_finite_magnitude(f)), kFlagOverflow | kFlagInexact, false};
  if (p.overflow != Overflow::NonSat) return to_max;  // sat, satprop: +-max
  // nonsat: directed modes keep the finite bound on the side they round toward (IEEE 754 §7.4).
  const Rounding mode = p.rounding;
  if (mode == Rounding::Rtz || mode == Rounding::Rto || (mode == Rounding::Rup && negative) ||
      (mode == Rounding::Rdn && !negative))
    return to_max;
  if (f.has_inf()) return {signed_code(f, negative, infinity_magnitude(f)), kFlagOverflow | kFlagInexact, false};
  if (f.has_nan()) return {canonical_nan_code(f, negative), kFlagOverflow | kFlagInexact, false};
  return to_max;
}

// §5.2, column "+-inf input", with the §5.4 flags for it.
EncodeResult float_infinity(const Format& f, const EncodeParams& p, bool negative) {
  const EncodeResult to_max{signed_code(f, negative, largest_finite_magnitude(f)), kFlagOverflow | kFlagInexact, false};
  const EncodeResult to_infinity{signed_code(f, negative, infinity_magnitude(f)), 0, false};
  switch (p.overflow) {
    case Overflow::Sat: return to_max;
    case Overflow::SatProp: return f.has_inf() ? to_infinity : to_max;
    case Overflow::NonSat:
      if (f.has_inf()) return to_infinity;
      if (f.has_nan()) return {canonical_nan_code(f, negative), kFlagInvalid, false};
      return to_max;
    case Overflow::Wrap: break;
  }
  throw std::logic_error("float_infinity: wrap on a float format");
}

EncodeResult encode_float(const Format& f, const EncodeParams& p, const ExactValue& x, uint32_t random) {
  const bool negative = x.negative;
  // §5.3 NaN input: the canonical NaN, no flag; into a NaN-less format unspecified, invalid.
  if (x.is_nan()) return f.has_nan() ? EncodeResult{canonical_nan_code(f, negative), 0, false} : unspecified(kFlagInvalid);
  // §5.3 unsigned float formats: a negative non-zero x (or -inf) gives NaN, invalid.
  if (!f.is_signed && negative && !x.is_zero()) return invalid_nan(f, negative);
  // §5.2 +-inf input.
  if (x.is_inf()) return float_infinity(f, p, negative);
  // §5.3 zeros: keep the sign where -0 exists; E8M0 has no zero (NaN, invalid).
  if (x.is_zero()) {
    if (!f.has_zero) return invalid_nan(f, negative);
    return {f.neg_zero ? signed_code(f, negative, 0) : 0u, 0, false};
  }
  const ExactValue magnitude = ExactValue::finite(false, x.significand, x.exponent);
  // §5.1 last paragraph: zero-less formats round every 0 < |x| < (smallest value) up to code 0.
  if (!f.has_zero && compare(magnitude, formula_value(f, false, 0)) < 0)
    return {0, kFlagUnderflow | kFlagInexact, false};
  // §5.1 the grid neighbours, the fraction, the rounding rule.
  const GridNeighbours g = locate_on_float_grid(f, magnitude);
  const bool away = rounds_away(p, random, g.nu, g.a_code % 2 == 0, g.b_code % 2 == 0, negative);
  const uint64_t r = away ? g.b_code : g.a_code;
  // §5.2 round first, then decide: r > max finite is overflow.
  if (r > largest_finite_magnitude(f)) return float_overflow(f, p, negative);
  // §5.4 flags: inexact iff r != |x|; underflow iff inexact and |x| below the smallest normal
  // (formats without subnormals: the smallest positive value, code 0 of E8M0).
  uint8_t flags = 0;
  if (g.nu != 0) {
    flags |= kFlagInexact;
    const ExactValue smallest_normal = formula_value(f, false, f.subnormals ? uint64_t{1} << f.man_bits : 0);
    if (compare(magnitude, smallest_normal) < 0) flags |= kFlagUnderflow;
  }
  // §5.3 a result of magnitude 0 keeps the sign of x only where the format has -0 (fnuz: +0).
  const bool result_is_zero = r == 0 && f.has_zero;
  const bool keeps_sign = !result_is_zero || f.neg_zero;
  return {signed_code(f, negative && keeps_sign, static_cast<uint32_t>(r)), flags, false};
}

// ---------------------------------------------------------------------------------------------
// Integers: the grid is the integers, "even" is parity; two's complement codes (§2, §5.1-5.4).

EncodeResult encode_integer(const Format& f, const EncodeParams& p, const ExactValue& x, uint32_t random) {
  const Integer modulus = Integer(1) << f.bits;
  const Integer min_value = f.is_signed ? Integer(-(modulus / 2)) : Integer(0);
  const Integer max_value = f.is_signed ? Integer(modulus / 2 - 1) : Integer(modulus - 1);
  auto code_of = [&](const Integer& v) {  // two's complement / plain binary of K bits
    Integer wrapped = v % modulus;
    if (wrapped < 0) wrapped += modulus;
    return static_cast<uint32_t>(wrapped);
  };
  const bool negative = x.negative;
  // §5.3 NaN into a NaN-less format, +-inf under wrap: unspecified, invalid.
  if (x.is_nan()) return unspecified(kFlagInvalid);
  if (x.is_inf()) {
    if (p.overflow == Overflow::Wrap) return unspecified(kFlagInvalid);
    return {code_of(negative ? min_value : max_value), kFlagOverflow | kFlagInexact, false};  // §5.2 sat, §5.4
  }
  // §5.1 a = floor(|x|), b = a + 1, nu = |x| - a; round, then apply the sign.
  const Rational magnitude = to_rational(ExactValue::finite(false, x.significand, x.exponent));
  const Integer a = floor_of(magnitude);
  const Rational nu = magnitude - Rational(a);
  const bool away = rounds_away(p, random, nu, a % 2 == 0, (a + 1) % 2 == 0, negative);
  const Integer r = away ? a + 1 : a;
  const Integer value = negative ? Integer(-r) : r;
  // §5.2 round first, then decide: outside [min, max] is overflow (unsigned: any negative result).
  if (value < min_value || value > max_value) {
    const Integer result = p.overflow == Overflow::Wrap ? value : (value < min_value ? min_value : max_value);
    return {code_of(result), kFlagOverflow | kFlagInexact, false};
  }
  // §5.4 integers never underflow.
  return {code_of(value), static_cast<uint8_t>(nu != 0 ? kFlagInexact : 0), false};
}

std::string describe(const Format& f, const EncodeParams& p) {
  return "format '" + f.name + "', rounding '" + to_string(p.rounding) + "', overflow '" + to_string(p.overflow) +
         "', sr_bits " + std::to_string(p.sr_bits);
}

}  // namespace

// ---------------------------------------------------------------------------------------------

ExactValue decode(const Format& f, uint32_t code) {
  if ((code & ~f.code_mask()) != 0)
    throw std::invalid_argument("reference decode: code " + std::to_string(code) + " has bits above the " +
                                std::to_string(f.bits) + "-bit width of format '" + f.name + "'");
  // Integers: two's complement (signed) or plain binary of K bits.
  if (f.is_integer()) {
    const bool negative = f.is_signed && (code >> (f.bits - 1)) != 0;
    const uint64_t magnitude = negative ? (uint64_t{1} << f.bits) - code : code;
    return ExactValue::finite(negative, magnitude, 0);
  }
  const bool negative = (code & sign_bit(f)) != 0;
  const uint32_t magnitude = code & magnitude_mask(f);
  // Step 1: NaN and Inf codes (the neg_zero NaN is the format's only NaN: it carries no sign).
  if (is_nan_code(f, code)) return ExactValue::nan(negative && f.nan != NanEncoding::NegZero);
  if (f.has_inf() && magnitude == infinity_magnitude(f)) return ExactValue::inf(negative);
  // Step 5: sign set, magnitude 0: -0 where the format has it, else NaN.
  if (negative && magnitude == 0) return f.neg_zero ? ExactValue::zero(true) : ExactValue::nan(true);
  // Steps 2-4.
  return formula_value(f, negative, magnitude);
}

uint32_t canonical_nan_code(const Format& f, bool negative) {
  switch (f.nan) {
    case NanEncoding::Ieee:  // sign, exponent all ones, only the top fraction bit (quiet)
      return signed_code(f, negative, (exponent_all_ones(f) << f.man_bits) | (1u << (f.man_bits - 1)));
    case NanEncoding::AllOnes: return signed_code(f, negative, magnitude_mask(f));
    case NanEncoding::NegZero: return sign_bit(f);
    case NanEncoding::None: break;
  }
  throw std::invalid_argument("canonical_nan_code: format '" + f.name + "' has no NaN");
}

bool supports(const Format& f, const EncodeParams& p) {
  if (is_stochastic(p.rounding) && (p.sr_bits < 1 || p.sr_bits > 24)) return false;
  if (f.bits < 1 || f.bits > 32) return false;
  if (f.is_integer()) return p.overflow == Overflow::Sat || p.overflow == Overflow::Wrap;
  // §2 gives a zero only through the subnormal binade: a float format with zero has subnormals.
  if (f.has_zero && !f.subnormals) return false;
  return p.overflow == Overflow::Sat || p.overflow == Overflow::NonSat || p.overflow == Overflow::SatProp;
}

EncodeResult encode(const Format& f, const EncodeParams& p, const ExactValue& x, uint32_t random) {
  if (!supports(f, p)) {
    std::string expected = f.is_integer() ? "integers take overflow sat or wrap" : "floats take overflow sat, nonsat or satprop";
    if (is_stochastic(p.rounding)) expected += "; stochastic rounding needs sr_bits in 1..24";
    throw std::invalid_argument("reference encode: unsupported combination " + describe(f, p) + " (" + expected + ")");
  }
  return f.is_integer() ? encode_integer(f, p, x, random) : encode_float(f, p, x, random);
}

}  // namespace lpc::ref
