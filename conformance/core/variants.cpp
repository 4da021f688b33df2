#include "conformance/core/variants.hpp"

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstring>
#include <limits>
#include <stdexcept>

#include "conformance/ops/op.hpp"
#include "reference/formats/codec.hpp"

namespace lpc {

namespace {

bool has(const std::vector<std::string>& list, const char* name) { return std::find(list.begin(), list.end(), name) != list.end(); }

// A source bit pattern's fields: width, exponent bits, fraction bits.
struct SourceLayout {
  int bits, exp_bits, man_bits;
};
SourceLayout layout(Source s) {
  switch (s) {
    case Source::F32: return {32, 8, 23};
    case Source::F64: return {64, 11, 52};
    case Source::BF16: return {16, 8, 7};
    case Source::F16: return {16, 5, 10};
  }
  return {32, 8, 23};
}

uint64_t exponent_field(SourceLayout l, uint64_t bits) { return (bits >> l.man_bits) & ((uint64_t{1} << l.exp_bits) - 1); }
uint64_t fraction(SourceLayout l, uint64_t bits) { return bits & ((uint64_t{1} << l.man_bits) - 1); }
uint64_t sign_only(SourceLayout l, uint64_t bits) { return bits & (uint64_t{1} << (l.bits - 1)); }

bool subnormal_input(Source s, uint64_t bits) {
  const SourceLayout l = layout(s);
  return exponent_field(l, bits) == 0 && fraction(l, bits) != 0;
}

// §7.4: a NaN whose quiet bit (the fraction's top bit) is clear.
bool signalling_nan(Source s, uint64_t bits) {
  const SourceLayout l = layout(s);
  return exponent_field(l, bits) == (uint64_t{1} << l.exp_bits) - 1 && fraction(l, bits) != 0 && !((bits >> (l.man_bits - 1)) & 1);
}

double value_of(Source s, uint64_t bits) { return ref::ExactValue::from_source(s, bits).to_double(); }

// The smallest positive normal value of a float format with subnormals: the code with exponent
// field 1 and fraction 0.
double min_normal(const Format& f) { return ref::decode(f, uint32_t{1} << f.man_bits).to_double(); }

// §7.3: |x| rounded under `rounding` to man_bits + 1 significant bits with an unbounded exponent
// range is below the smallest normal. Only [min_normal / 2, min_normal) can round up to it.
bool tiny_after_rounding(const Format& f, Rounding rounding, double x) {
  const double mn = min_normal(f), a = std::fabs(x);
  if (a >= mn) return false;
  if (a < mn / 2) return true;
  const double spacing = std::ldexp(mn, -(f.man_bits + 1));
  const double t = x / spacing;  // exact: a power-of-two scaling of a double
  double r = t;
  switch (rounding) {
    case Rounding::Rne: r = std::nearbyint(t); break;
    case Rounding::Rna: r = std::round(t); break;
    case Rounding::Rtz: r = std::trunc(t); break;
    case Rounding::Rup: r = std::ceil(t); break;
    case Rounding::Rdn: r = std::floor(t); break;
    case Rounding::Rto: r = std::trunc(t); if (r != t && std::fmod(r, 2) == 0) r += t > 0 ? 1 : -1; break;
    default: return true;  // stochastic roundings: tininess stays before rounding (§7.3)
  }
  return std::fabs(r * spacing) < mn;
}

// §7.5: float64 to float32 under round-to-nearest-even, and that conversion's flags.
uint64_t via_f32(uint64_t bits, uint8_t& flags) {
  const double x = std::bit_cast<double>(bits);
  const float y = static_cast<float>(x);
  if (!std::isnan(x) && static_cast<double>(y) != x) {
    flags |= kFlagInexact;
    if (std::isinf(y)) flags |= kFlagOverflow;
    else if (std::fabs(x) < std::numeric_limits<float>::min()) flags |= kFlagUnderflow;
  }
  return std::bit_cast<uint64_t>(static_cast<double>(y));
}

}  // namespace

const std::vector<std::string>& known_variants() {
  static const std::vector<std::string> names = [] {
    std::vector<std::string> v = {"daz", "ftz", "tininess_after_rounding", "snan_invalid", "f64_via_f32"};
    for (const ops::OpSchema* op : ops::registered_ops())
      for (const ops::OpSchema::Variant& variant : op->variants) v.push_back(variant.name);
    return v;
  }();
  return names;
}

std::string known_variants_text() {
  std::string text;
  for (const std::string& v : known_variants()) text += (text.empty() ? "" : ", ") + v;
  return text;
}

std::pair<std::string, std::string> variant_scope(const std::string& name) {
  for (const ops::OpSchema* op : ops::registered_ops())
    for (const ops::OpSchema::Variant& variant : op->variants)
      if (variant.name == name) return {op->name, variant.clause};
  return {"encode", "spec/formats.md §7"};
}

std::vector<std::string> applied_variants(const std::vector<std::string>& declared, const VariantRules& rules) {
  std::vector<std::string> out;
  for (const std::string& v : known_variants())
    if (has(rules.required, v.c_str()) || (has(declared, v.c_str()) && !has(rules.forbidden, v.c_str()))) out.push_back(v);
  return out;
}

Implementation under_variants(const Implementation& oracle, const std::vector<std::string>& variants) {
  for (const std::string& v : variants)
    if (!has(known_variants(), v.c_str()))
      throw std::invalid_argument("unknown variant '" + v + "' (spec/formats.md §7 and the ops' own, `lpconform list variants`)");
  Implementation impl = oracle;
  if (variants.empty()) return impl;
  impl.description = oracle.description + "; under variants";
  for (const std::string& v : variants) impl.description += " " + v;
  const bool daz = has(variants, "daz"), ftz = has(variants, "ftz"), after = has(variants, "tininess_after_rounding"),
             snan = has(variants, "snan_invalid"), f64_via_f32 = has(variants, "f64_via_f32");
  // Registry ops: the reference's binding under the first applied variant the op declares.
  impl.run = [&oracle, variants](const ops::OpCase& c, std::vector<ops::Tensor>& outputs, std::string& error) {
    if (c.op)
      for (const ops::OpSchema::Variant& v : c.op->variants)
        if (has(variants, v.name.c_str())) return v.reference(c, outputs, error);
    return oracle.run ? oracle.run(c, outputs, error) : OpStatus::Unsupported;
  };
  impl.encode = [&oracle, daz, ftz, after, snan, f64_via_f32](const EncodeBatch& batch, std::string& error) {
    const Format& f = *batch.format;
    const size_t n = batch.inputs.size();
    // 1. Inputs (§7.1, §7.5), with the flags of a first conversion.
    std::vector<uint64_t> inputs(batch.inputs.begin(), batch.inputs.end());
    std::vector<uint8_t> first(n, 0);
    for (size_t i = 0; i < n; ++i) {
      if (daz && subnormal_input(batch.source, inputs[i])) inputs[i] = sign_only(layout(batch.source), inputs[i]);
      if (f64_via_f32 && batch.source == Source::F64) inputs[i] = via_f32(inputs[i], first[i]);
    }
    EncodeBatch under = batch;
    under.inputs = inputs;
    std::vector<uint8_t> flags(n, 0);
    if (!batch.flags.empty()) under.flags = flags;
    const OpStatus status = oracle.encode(under, error);
    if (status != OpStatus::Ok) return status;
    // 2. Results (§7.2-7.4).
    const bool floats_with_subnormals = f.is_float() && f.subnormals && f.radix == 2;
    const double mn = floats_with_subnormals ? min_normal(f) : 0;
    for (size_t i = 0; i < n; ++i) {
      if (!batch.unspecified.empty() && batch.unspecified[i]) continue;
      uint8_t fl = flags[i] | first[i];
      if (after && floats_with_subnormals && (fl & kFlagUnderflow)) {
        const double x = value_of(batch.source, inputs[i]);
        if (!tiny_after_rounding(f, batch.params.rounding, x)) fl &= static_cast<uint8_t>(~kFlagUnderflow);
      }
      if (ftz && floats_with_subnormals) {
        const double v = ref::decode(f, batch.codes[i]).to_double();
        if (v != 0 && std::fabs(v) < mn) {
          batch.codes[i] = std::signbit(v) && f.neg_zero ? uint32_t{1} << (f.bits - 1) : 0;
          fl |= kFlagUnderflow | kFlagInexact;
        }
      }
      if (snan && signalling_nan(batch.source, batch.inputs[i])) fl |= kFlagInvalid;
      if (!batch.flags.empty()) batch.flags[i] = fl;
    }
    return OpStatus::Ok;
  };
  return impl;
}

}  // namespace lpc
