// lpconform fast — the fixed-point stochastic quantizer (spec/quantizers.md §3.1).
//
// Why the integer route is exact: with |x| = X·2^a and s = S·2^b (X, S integer significands,
// S >= 1), |x|/s·2^N = X·2^k / S with k = a - b + N. Because R/2^N is a multiple of 2^-N,
// floor(t + R/2^N) = floor((floor(t·2^N) + R) / 2^N) (floor(y/m) = floor(floor(y)/m) for an
// integer m > 0), so only T = floor(t·2^N) is needed: one 128-bit division (X < 2^24 shifted by
// k <= 100 fits; for k < -100, X·2^k/S < 2^-76 and T is 0 or -1). |t| >= 2^31 saturates before T
// is formed, since every bound is within [-2^30, 2^30].
#include "impls/fast/quantizers/stochastic.hpp"

#include <bit>
#include <cmath>

namespace lpc::fast {

namespace {

__extension__ typedef unsigned __int128 uint128;

struct Decomposed {
  uint32_t significand;  // X (0 for a zero)
  int exponent;          // a, with |x| = X·2^a
};
Decomposed decompose(uint32_t magnitude_bits) {
  const int biased = static_cast<int>(magnitude_bits >> 23);
  const uint32_t fraction = magnitude_bits & 0x7fffff;
  return biased == 0 ? Decomposed{fraction, -149} : Decomposed{fraction | 0x800000, biased - 150};
}

// RN32(q·s) with one rounding: the integer product q·S (|q| <= 2^30, S < 2^24) is exact in int64;
// below 2^53 it is also exact in float64, so scaling by 2^b there and converting rounds once.
float times_scale(int32_t q, Decomposed s) {
  const int64_t product = int64_t{q} * s.significand;  // |product| < 2^54
  if (product > -(int64_t{1} << 53) && product < (int64_t{1} << 53))
    return static_cast<float>(std::ldexp(static_cast<double>(product), s.exponent));  // exact double, one rounding
  // |q·s| >= 2^53·2^-149: the float32 rounding of the product is in the normal range (or overflows),
  // where scaling by 2^b commutes with rounding.
  return std::ldexp(static_cast<float>(product), s.exponent);
}

}  // namespace

std::optional<SrError> sr_fixed(const SrFixedParams& p, std::span<const float> x, std::span<const uint32_t> random, std::span<int32_t> code,
                                std::span<float> y) {
  const Decomposed s = decompose(std::bit_cast<uint32_t>(p.scale) & 0x7fffffff);
  const int n = p.sr_bits;
  const uint32_t r_mask = (uint32_t{1} << n) - 1;
  const uint128 saturation = uint128{1} << (31 + n);  // T >= 2^(31+N) means |t| >= 2^31
  for (size_t i = 0; i < x.size(); ++i) {
    const uint32_t bits = std::bit_cast<uint32_t>(x[i]);
    const bool negative = bits >> 31;
    const uint32_t magnitude_bits = bits & 0x7fffffff;
    if (magnitude_bits > 0x7f800000) return SrError{i, "x is NaN; the stochastic quantizer rejects NaN inputs (spec/quantizers.md §3.1)"};
    int64_t q = 0;
    bool saturated = magnitude_bits == 0x7f800000;
    if (!saturated) {
      // 1. T_mag = floor(|x|/s·2^N) and whether the division left a remainder.
      const Decomposed a = decompose(magnitude_bits);
      const int k = a.exponent - s.exponent + n;
      uint128 t_mag = 0;
      bool inexact = a.significand != 0;
      if (k > 100) {
        saturated = a.significand != 0;
      } else if (k >= 0) {
        const uint128 numerator = uint128{a.significand} << k;
        t_mag = numerator / s.significand;
        inexact = numerator % s.significand != 0;
      } else if (k >= -100) {
        const uint128 denominator = uint128{s.significand} << -k;
        t_mag = a.significand / denominator;
        inexact = a.significand % denominator != 0;
      }
      saturated = saturated || t_mag >= saturation;
      if (!saturated) {
        // 2. floor: T = floor(t·2^N), negative side rounded down; q = (T + R) asr N.
        //    magnitude: q = ±((T_mag + R) >> N).
        const int64_t r = random[i] & r_mask;
        const int64_t t = static_cast<int64_t>(t_mag);
        if (p.sign == SrSign::Floor) {
          const int64_t signed_t = negative ? -t - (inexact ? 1 : 0) : t;
          q = (signed_t + r) >> n;  // arithmetic shift: floor division by 2^N
        } else {
          const int64_t m = (t + r) >> n;
          q = negative ? -m : m;
        }
      }
    }
    // 3. Clamp; saturation goes to the bound on x's side.
    if (saturated) q = negative ? p.qmin : p.qmax;
    q = q < p.qmin ? p.qmin : q > p.qmax ? p.qmax : q;
    code[i] = static_cast<int32_t>(q);
    y[i] = q == 0 ? 0.0f : times_scale(code[i], s);
  }
  return std::nullopt;
}

}  // namespace lpc::fast
