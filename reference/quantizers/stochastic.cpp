// lpconform reference — the fixed-point stochastic quantizer in exact arithmetic (§3.1).
#include "reference/quantizers/stochastic.hpp"

#include <bit>
#include <cmath>

#include "reference/formats/codec.hpp"
#include "reference/common/exact_math.hpp"

namespace lpc::ref {

using namespace exact_math;

SrFixedOutcome sr_fixed(const SrFixedParams& p, float x, uint32_t random) {
  SrFixedOutcome out;
  if (std::isnan(x)) {
    out.error = "x is NaN; the stochastic quantizer rejects NaN inputs (spec/quantizers.md §3.1)";
    return out;
  }
  const ExactValue xe = ExactValue::from_source(Source::F32, std::bit_cast<uint32_t>(x));
  const ExactValue se = ExactValue::from_source(Source::F32, std::bit_cast<uint32_t>(p.scale));
  cpp_int q;
  if (xe.is_inf()) {
    q = xe.negative ? p.qmin : p.qmax;  // ±inf saturates on its side
  } else {
    // 1. The definition, on exact rationals: t = x/s, offset R/2^N with R the low N bits.
    const cpp_rational t = exact(xe) / exact(se);
    const uint32_t r = random & ((uint32_t{1} << p.sr_bits) - 1);  // N <= 24
    const cpp_rational offset(cpp_int(r), cpp_int(1) << p.sr_bits);
    // 2. floor: floor(t + R/2^N); magnitude: sign(t)·floor(|t| + R/2^N).
    if (p.sign == SrSign::Floor) q = floor_of(t + offset);
    else q = t < 0 ? cpp_int(-floor_of(-t + offset)) : floor_of(t + offset);
    // 3. Clamp.
    if (q < p.qmin) q = p.qmin;
    if (q > p.qmax) q = p.qmax;
  }
  out.code = static_cast<int32_t>(q);
  // 4. y = RN32(q·s): |q| <= 2^30 and a 24-bit significand give an exact 55-bit product.
  const uint64_t magnitude = static_cast<uint64_t>(out.code < 0 ? -int64_t{out.code} : int64_t{out.code}) * se.significand;
  const ExactValue product = ExactValue::finite(out.code < 0, magnitude, se.exponent);
  static const Format& f32 = format_by_name("float32");
  const uint32_t bits = encode(f32, {Rounding::Rne, Overflow::NonSat, 0}, product).code;
  out.y = out.code == 0 ? 0.0f : std::bit_cast<float>(bits);
  out.ok = true;
  return out;
}

}  // namespace lpc::ref
