// The per-element bit algorithm of impls/fast (see scalar_codec.hpp).
//
// Encoding works on the binary representation of the input: the value is unpacked to a 64-bit
// significand with its top bit set and a binary exponent, shifted so that the target's quantum
// sits at the binary point (giving the grid point a below |x| and the fraction nu as 64 bits plus
// a sticky bit), rounded by inspecting those bits, and the carry simply increments the magnitude
// code, which also crosses binades correctly.
#include "impls/fast/formats/scalar_codec.hpp"

#include <bit>
#include <cmath>
#include <limits>
#include <stdexcept>
#include <string>

namespace lpc::fast::detail {
namespace {

enum class ValueClass : uint8_t { Zero, Finite, Inf, NaN };

// |x| = significand * 2^(exponent - 63), significand in [2^63, 2^64) when Finite.
struct UnpackedValue {
  bool negative;
  ValueClass cls;
  uint64_t significand;
  int exponent;
};

UnpackedValue unpack(Source source, uint64_t bits) {
  int exp_bits = 8, man_bits = 23;
  switch (source) {
    case Source::F32: exp_bits = 8; man_bits = 23; break;
    case Source::F64: exp_bits = 11; man_bits = 52; break;
    case Source::BF16: exp_bits = 8; man_bits = 7; break;
    case Source::F16: exp_bits = 5; man_bits = 10; break;
  }
  const int width = 1 + exp_bits + man_bits;
  const int bias = (1 << (exp_bits - 1)) - 1;
  const uint64_t fraction = bits & ((uint64_t{1} << man_bits) - 1);
  const int exponent_field = int((bits >> man_bits) & ((1u << exp_bits) - 1));
  UnpackedValue v{((bits >> (width - 1)) & 1) != 0, ValueClass::Finite, 0, 0};
  if (exponent_field == (1 << exp_bits) - 1) {
    v.cls = fraction ? ValueClass::NaN : ValueClass::Inf;
  } else if (exponent_field == 0) {
    if (fraction == 0) {
      v.cls = ValueClass::Zero;
    } else {  // subnormal: fraction * 2^(1 - bias - man_bits), normalized to the top bit
      const int leading_zeros = std::countl_zero(fraction);
      v.significand = fraction << leading_zeros;
      v.exponent = 64 - bias - man_bits - leading_zeros;
    }
  } else {
    v.significand = (fraction | (uint64_t{1} << man_bits)) << (63 - man_bits);
    v.exponent = exponent_field - bias;
  }
  return v;
}

// The bits of significand * 2^-shift (shift >= 1): integer part, the fraction's top 64 bits, and
// whether anything non-zero lies below those.
struct SplitBits {
  uint64_t integer;
  uint64_t fraction;
  bool sticky;
};

SplitBits split_at(uint64_t significand, int shift) {
  if (shift < 64) return {significand >> shift, significand << (64 - shift), false};
  if (shift == 64) return {0, significand, false};
  if (shift < 128) return {0, significand >> (shift - 64), (significand << (128 - shift)) != 0};
  return {0, 0, significand != 0};
}

// The rounding decision of spec/formats.md §5.1: true when r = b (away from zero). nu is given as
// fraction/2^64 plus a non-zero remainder below it when sticky; "b even" is "a odd" since the
// magnitude codes of a and b are consecutive.
bool rounds_away(const EncodeParams& params, bool negative, bool a_is_odd, uint64_t fraction, bool sticky,
                 uint32_t random) {
  if (fraction == 0 && !sticky) return false;  // on the grid: never moves
  constexpr uint64_t kHalf = uint64_t{1} << 63;
  const int n = params.sr_bits;
  const uint64_t r = n > 0 ? (random & ((uint64_t{1} << n) - 1)) : 0;
  switch (params.rounding) {
    case Rounding::Rne: return fraction > kHalf || (fraction == kHalf && (sticky || a_is_odd));
    case Rounding::Rna: return fraction >= kHalf;
    case Rounding::Rtz: return false;
    case Rounding::Rup: return !negative;
    case Rounding::Rdn: return negative;
    case Rounding::Rto: return !a_is_odd;
    case Rounding::SrA: return (fraction >> (64 - n)) + r >= (uint64_t{1} << n);
    case Rounding::SrB: return (fraction >> (63 - n)) + 2 * r + 1 >= (uint64_t{1} << (n + 1));
    case Rounding::SrC: {
      // RNE(nu * 2^N): integer part, then the half bit and everything below it.
      uint64_t scaled = fraction >> (64 - n);
      const bool half = ((fraction >> (63 - n)) & 1) != 0;
      const bool below = (fraction & ((uint64_t{1} << (63 - n)) - 1)) != 0 || sticky;
      scaled += (half && (below || (scaled & 1))) ? 1 : 0;
      return scaled + r >= (uint64_t{1} << n);
    }
  }
  return false;
}

// Grid position of a finite non-zero |x|: the magnitude code of a (spec/formats.md §5.1) and nu.
struct GridPosition {
  uint64_t a_code;
  uint64_t fraction;
  bool sticky;
  bool beyond_range;  // |x| is certainly above every representable value (a > max)
};

GridPosition locate_float(const FormatConstants& c, uint64_t significand, int log2) {
  if (log2 > c.max_finite_log2 + 1) return {0, 0, false, true};
  if (c.radix4) {
    // Grid 0, 4^(1-B), 4^(2-B), ...: magnitude code e holds 4^(e-B).
    if (log2 < c.min_normal_log2) {  // between 0 and the smallest normal: nu = |x| / 2^min_normal_log2
      const SplitBits s = split_at(significand, 63 + c.min_normal_log2 - log2);
      return {0, s.fraction, s.sticky, false};
    }
    // 1. k = floor(log2 / 2) so 4^k <= |x| < 4^(k+1); y = |x| / 4^k in [1, 4) with 62 fraction bits.
    const int k = log2 >> 1;
    const bool odd_power = (log2 - 2 * k) == 1;
    const uint64_t y62 = odd_power ? significand : significand >> 1;
    // 2. nu = (y - 1) / 3, so nu * 2^64 = 4 D / 3 with D = y62 - 2^62 < 3 * 2^62. Writing
    //    D = 3 q + r: 4 D / 3 = 4 q + 4 r / 3, whose integer part fits 64 bits (q < 2^62, r <= 2).
    const uint64_t d = y62 - (uint64_t{1} << 62);
    const uint64_t q = d / 3, r = d % 3;
    const bool lost_bit = !odd_power && (significand & 1);
    return {uint64_t(k + c.bias), 4 * q + (4 * r) / 3, (4 * r) % 3 != 0 || lost_bit, false};
  }
  // Radix 2: the quantum of the binade t = max(log2, emin) (zero-less formats have no subnormal
  // binade, so t = log2) is 2^(t - M). The magnitude code is ((t + B - 1) << M) + floor(|x| /
  // quantum): for normal binades floor(...) includes the implicit 2^M, which is exactly the step
  // from exponent field t + B - 1 to t + B; a rounding carry into 2^(M+1) lands on the next
  // binade's first code. (Zero-less: field 0 is the binade 2^-B, and the same formula holds.)
  const int emin = c.min_normal_log2;
  const int t = (c.zero_less || log2 > emin) ? log2 : emin;
  const SplitBits s = split_at(significand, 63 - c.man_bits + (t - log2));
  const int64_t binade_codes = (int64_t{t} + c.bias - 1) * (int64_t{1} << c.man_bits);
  return {uint64_t(binade_codes + int64_t(s.integer)), s.fraction, s.sticky, false};
}

GridPosition locate_integer(uint64_t significand, int log2) {
  if (log2 >= 63) {  // an integer of at least 64 bits: only its low bits matter (for wrap)
    const int left = log2 - 63;
    return {left >= 64 ? 0 : significand << left, 0, false, true};
  }
  const SplitBits s = split_at(significand, 63 - log2);
  return {s.integer, s.fraction, s.sticky, log2 >= 32};
}

uint32_t float_overflow_code(const FormatConstants& c, const EncodeParams& params, bool negative) {
  if (params.overflow != Overflow::NonSat) return c.max_code[negative];
  // IEEE 754 §7.4: directed modes keep the finite bound on the side they round toward.
  switch (params.rounding) {
    case Rounding::Rtz:
    case Rounding::Rto: return c.max_code[negative];
    case Rounding::Rup: if (negative) return c.max_code[1]; break;
    case Rounding::Rdn: if (!negative) return c.max_code[0]; break;
    default: break;
  }
  if (c.has_inf) return c.inf_code[negative];
  if (c.has_nan) return c.nan_code[negative];
  return c.max_code[negative];
}

CodeAndFlags encode_float(const FormatConstants& c, const EncodeParams& params, const UnpackedValue& x,
                          uint32_t random) {
  const bool negative = x.negative && c.is_signed;
  if (x.cls == ValueClass::NaN) return {c.nan_code[negative], uint8_t(c.has_nan ? 0 : kFlagInvalid)};
  if (!c.is_signed && x.negative && x.cls != ValueClass::Zero) return {c.nan_code[0], kFlagInvalid};
  if (x.cls == ValueClass::Inf) {
    const bool keep_inf = c.has_inf && params.overflow != Overflow::Sat;
    if (keep_inf) return {c.inf_code[negative], 0};
    if (params.overflow == Overflow::NonSat && c.has_nan) return {c.nan_code[negative], kFlagInvalid};
    return {c.max_code[negative], kFlagOverflow | kFlagInexact};
  }
  const uint32_t sign = negative ? c.sign_bit : 0;
  if (x.cls == ValueClass::Zero) {
    if (c.zero_less) return {c.nan_code[0], kFlagInvalid};
    return {c.neg_zero ? sign : 0, 0};
  }
  if (c.zero_less && x.exponent < c.min_normal_log2)  // below 2^-B: the smallest value, code 0 [suite]
    return {0, kFlagInexact | kFlagUnderflow};
  const GridPosition g = locate_float(c, x.significand, x.exponent);
  const uint64_t rounded =
      g.a_code + (rounds_away(params, negative, g.a_code & 1, g.fraction, g.sticky, random) ? 1 : 0);
  if (g.beyond_range || rounded > c.max_magnitude)  // §5.2: overflow is decided on the rounded value
    return {float_overflow_code(c, params, negative), kFlagOverflow | kFlagInexact};
  const bool inexact = g.fraction != 0 || g.sticky;
  uint8_t flags = inexact ? kFlagInexact : 0;
  if (inexact && x.exponent < c.min_normal_log2) flags |= kFlagUnderflow;
  const uint32_t code = uint32_t(rounded) | ((rounded != 0 || c.neg_zero) ? sign : 0);
  return {code, flags};
}

CodeAndFlags encode_integer(const FormatConstants& c, const EncodeParams& params, const UnpackedValue& x,
                            uint32_t random) {
  const bool wrap = params.overflow == Overflow::Wrap;
  if (x.cls == ValueClass::NaN) return {c.nan_code[0], kFlagInvalid};
  if (x.cls == ValueClass::Inf) {
    if (wrap) return {c.nan_code[0], kFlagInvalid};  // unspecified: the declared code
    return {c.max_code[x.negative], kFlagOverflow | kFlagInexact};
  }
  if (x.cls == ValueClass::Zero) return {0, 0};
  const GridPosition g = locate_integer(x.significand, x.exponent);
  const uint64_t rounded =
      g.a_code + (rounds_away(params, x.negative, g.a_code & 1, g.fraction, g.sticky, random) ? 1 : 0);
  const uint32_t code = uint32_t(x.negative ? uint64_t{0} - rounded : rounded) & c.code_mask;
  const bool out_of_range = g.beyond_range || rounded > (x.negative ? c.min_magnitude : c.max_magnitude);
  if (out_of_range) return {wrap ? code : c.max_code[x.negative], kFlagOverflow | kFlagInexact};
  return {code, uint8_t((g.fraction != 0 || g.sticky) ? kFlagInexact : 0)};
}

[[noreturn]] void reject(const Format& format, const EncodeParams& params, const std::string& why) {
  throw std::invalid_argument("lpc::fast: format '" + format.name + "' with rounding " + to_string(params.rounding) +
                              ", overflow " + to_string(params.overflow) + ": " + why);
}

// Classifies a code with the format's own field layout (spec/formats.md §2 step 1 and 5).
bool is_nan_code(const Format& f, uint32_t code) {
  const uint32_t magnitude_mask = f.is_signed ? (f.code_mask() >> 1) : f.code_mask();
  const uint32_t magnitude = code & magnitude_mask;
  const uint32_t exponent_ones = ((1u << f.exp_bits) - 1) << f.man_bits;
  switch (f.nan) {
    case NanEncoding::None: return false;
    case NanEncoding::Ieee: return (magnitude & exponent_ones) == exponent_ones && (magnitude & ~exponent_ones) != 0;
    case NanEncoding::AllOnes: return magnitude == magnitude_mask;
    case NanEncoding::NegZero: return code == (1u << (f.bits - 1));
  }
  return false;
}

bool is_inf_code(const Format& f, uint32_t code) {
  const uint32_t magnitude_mask = f.is_signed ? (f.code_mask() >> 1) : f.code_mask();
  const uint32_t magnitude = code & magnitude_mask;
  switch (f.inf) {
    case InfEncoding::None: return false;
    case InfEncoding::Ieee: return magnitude == (((1u << f.exp_bits) - 1) << f.man_bits);
    case InfEncoding::P3109:
      return f.is_signed ? magnitude == magnitude_mask : code == f.code_mask() - 1;
  }
  return false;
}

}  // namespace

FormatConstants derive_constants(const Format& f) {
  FormatConstants c;
  c.is_float = f.is_float();
  c.is_signed = f.is_signed;
  c.bits = f.bits;
  c.code_mask = f.code_mask();
  if (f.is_integer()) {
    if (f.bits > 32) throw std::invalid_argument("lpc::fast: integer format '" + f.name + "' wider than 32 bits");
    const uint64_t span = uint64_t{1} << f.bits;
    c.max_magnitude = f.is_signed ? span / 2 - 1 : span - 1;
    c.min_magnitude = f.is_signed ? span / 2 : 0;
    c.max_code[0] = uint32_t(c.max_magnitude);
    c.max_code[1] = uint32_t(f.is_signed ? span / 2 : 0);
    return c;  // nan_code stays 0: the declared code for NaN into an integer
  }
  if (f.radix == 4 && f.man_bits != 0) throw std::invalid_argument("lpc::fast: radix-4 format '" + f.name + "' with a mantissa");
  c.radix4 = f.radix == 4;
  c.zero_less = !f.has_zero;
  c.neg_zero = f.neg_zero;
  c.has_nan = f.has_nan();
  c.has_inf = f.has_inf();
  c.man_bits = f.man_bits;
  c.bias = f.bias;
  c.sign_bit = f.is_signed ? (1u << (f.bits - 1)) : 0;
  c.min_normal_log2 = c.zero_less ? -f.bias : (c.radix4 ? 2 : 1) * (1 - f.bias);
  // The largest finite magnitude: IEEE-style Inf/NaN fill the all-ones exponent binade, so start
  // just below it; the other encodings take at most the top two codes (all_ones NaN, P3109 +Inf),
  // so the scan below is at most two steps (float32 would otherwise step past 2^23 NaN codes).
  const uint32_t top_magnitude = f.is_signed ? (c.code_mask >> 1) : c.code_mask;
  const uint32_t exponent_ones = ((1u << f.exp_bits) - 1) << f.man_bits;
  const bool ieee_specials = f.nan == NanEncoding::Ieee || f.inf == InfEncoding::Ieee;
  uint32_t max_magnitude = ieee_specials ? exponent_ones - 1 : top_magnitude;
  while (is_nan_code(f, max_magnitude) || is_inf_code(f, max_magnitude)) --max_magnitude;
  c.max_magnitude = max_magnitude;
  c.max_code[0] = max_magnitude;
  c.max_code[1] = max_magnitude | c.sign_bit;
  // Canonical encodings (spec/formats.md §5.3): NaN keeps the sign of x where the encoding has one.
  for (int negative = 0; negative < 2; ++negative) {
    const uint32_t sign = negative ? c.sign_bit : 0;
    switch (f.nan) {
      case NanEncoding::None: c.nan_code[negative] = 0; break;
      case NanEncoding::Ieee: c.nan_code[negative] = sign | exponent_ones | (1u << (f.man_bits - 1)); break;
      case NanEncoding::AllOnes: c.nan_code[negative] = sign | top_magnitude; break;
      case NanEncoding::NegZero: c.nan_code[negative] = 1u << (f.bits - 1); break;
    }
    switch (f.inf) {
      case InfEncoding::None: break;
      case InfEncoding::Ieee: c.inf_code[negative] = sign | exponent_ones; break;
      case InfEncoding::P3109: c.inf_code[negative] = f.is_signed ? (sign | top_magnitude) : c.code_mask - 1; break;
    }
  }
  c.max_finite_log2 = std::ilogb(decode_code(c, max_magnitude));
  for (uint32_t code : {c.nan_code[0], c.nan_code[1]})
    if (c.has_nan && !is_nan_code(f, code)) throw std::invalid_argument("lpc::fast: no canonical NaN for '" + f.name + "'");
  return c;
}

void check_params(const Format& format, const EncodeParams& params) {
  if (format.is_float() && params.overflow == Overflow::Wrap) reject(format, params, "wrap applies to integers only");
  if (format.is_integer() && params.overflow != Overflow::Sat && params.overflow != Overflow::Wrap)
    reject(format, params, "integers accept sat and wrap only");
  if (is_stochastic(params.rounding) && (params.sr_bits < 1 || params.sr_bits > 24))
    reject(format, params, "sr_bits must be 1..24, got " + std::to_string(params.sr_bits));
}

double decode_code(const FormatConstants& c, uint32_t code) {
  code &= c.code_mask;
  if (!c.is_float) {
    if (c.is_signed && (code & (1u << (c.bits - 1)))) return double(int64_t(code) - (int64_t{1} << c.bits));
    return double(code);
  }
  const bool negative = (code & c.sign_bit) != 0;
  const uint32_t magnitude = code & ~c.sign_bit;
  // Past the largest finite magnitude lie only Inf and NaN codes; a sign bit over magnitude 0 is -0
  // or, without -0, the NaN of the -0 code (§2 step 5).
  if (c.has_inf && (code == c.inf_code[0] || code == c.inf_code[1]))
    return negative ? -std::numeric_limits<double>::infinity() : std::numeric_limits<double>::infinity();
  if (magnitude > c.max_magnitude || (negative && magnitude == 0 && !c.neg_zero))
    return std::copysign(std::numeric_limits<double>::quiet_NaN(), negative ? -1.0 : 1.0);
  double value;
  if (c.zero_less) {
    value = std::ldexp(1.0, int(magnitude) - c.bias);
  } else {
    const int scale = c.radix4 ? 2 : 1;  // radix^k = 2^(scale k)
    const uint32_t exponent_field = magnitude >> c.man_bits;
    const uint32_t fraction = magnitude & ((1u << c.man_bits) - 1);
    if (exponent_field == 0)
      value = std::ldexp(double(fraction), scale * (1 - c.bias) - c.man_bits);
    else
      value = std::ldexp(double(fraction + (1u << c.man_bits)), scale * (int(exponent_field) - c.bias) - c.man_bits);
  }
  return negative ? -value : value;
}

CodeAndFlags encode_one(const FormatConstants& c, const EncodeParams& params, Source source, uint64_t bits,
                        uint32_t random) {
  const UnpackedValue x = unpack(source, bits);
  return c.is_float ? encode_float(c, params, x, random) : encode_integer(c, params, x, random);
}

}  // namespace lpc::fast::detail
