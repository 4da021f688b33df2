// lpconform reference — two-phase rounding with GradScale (spec/quantizers.md §3.2-3.3).
#include "reference/quantizers/two_phase.hpp"

#include <bit>
#include <cmath>

#include "reference/formats/codec.hpp"

namespace lpc::ref {

namespace {
const Format& radix4() {
  static const Format& f = format_by_name("float4_e3m0_radix4");
  return f;
}
const Format& float32() {
  static const Format& f = format_by_name("float32");
  return f;
}
}  // namespace

GradScaleOutcome tpr_grad_scale(std::span<const float> g) {
  GradScaleOutcome out;
  // 1. The largest magnitude, compared exactly; NaN and inf are errors.
  ExactValue largest = ExactValue::zero(false);
  for (size_t i = 0; i < g.size(); ++i) {
    ExactValue v = ExactValue::from_source(Source::F32, std::bit_cast<uint32_t>(g[i]));
    if (!v.is_finite()) {
      out.bad_index = i;
      out.error = std::string("gradient is ") + (v.is_nan() ? "NaN" : "infinite") + "; GradScale needs finite values (spec/quantizers.md §3.3)";
      return out;
    }
    v.negative = false;
    if (compare(v, largest) > 0) largest = v;
  }
  // 2. The smallest e with 2^e >= max|g|: the top bit's position, plus one unless a power of two.
  if (!largest.is_zero()) out.scale_exp = static_cast<int>(largest.top_bit_position()) + (largest.significand == 1 ? 0 : 1);
  out.ok = true;
  return out;
}

TprElement tpr_element(const TprParams& p, int scale_exp, float g, uint32_t random) {
  const int shift = scale_exp + (p.phase == TprPhase::Odd ? 1 : 0);
  // 1. g / 2^shift is exact: only the exponent moves.
  ExactValue scaled = ExactValue::from_source(Source::F32, std::bit_cast<uint32_t>(g));
  if (!scaled.is_zero()) scaled.exponent -= shift;
  // 2. The format's rounding (spec/formats.md §5.1, linear fraction ν), saturating.
  const EncodeResult r = encode(radix4(), {p.rounding, Overflow::Sat, p.sr_bits}, scaled, random);
  // 3. Back to the gradient's scale: decode(code)·2^shift, one rounding to float32.
  ExactValue value = decode(radix4(), r.code);
  if (!value.is_zero()) value.exponent += shift;
  TprElement out;
  out.code = static_cast<uint8_t>(r.code);
  out.y = std::bit_cast<float>(encode(float32(), {Rounding::Rne, Overflow::NonSat, 0}, value).code);
  return out;
}

TprOutcome tpr(const TprParams& p, std::span<const float> g, std::span<const uint32_t> random) {
  TprOutcome out;
  const GradScaleOutcome scale = tpr_grad_scale(g);
  if (!scale.ok) {
    out.error = "element " + std::to_string(scale.bad_index) + ": " + scale.error;
    return out;
  }
  out.scale_exp = scale.scale_exp;
  for (size_t i = 0; i < g.size(); ++i) {
    const TprElement e = tpr_element(p, scale.scale_exp, g[i], random.empty() ? 0 : random[i]);
    out.codes.push_back(e.code);
    out.y.push_back(e.y);
  }
  out.ok = true;
  return out;
}

}  // namespace lpc::ref
