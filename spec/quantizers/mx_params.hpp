// lpconform — parameters of MX block scaling (spec/quantizers.md §4), shared by the reference and
// every implementation so both present the same signature. Plain values and the validation rules
// of §4.7; no arithmetic that decides a result.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "spec/formats/format.hpp"
#include "spec/formats/modes.hpp"

namespace lpc {

// How the shared E8M0 exponent of a block is chosen (spec/quantizers.md §4.2). Ocp is the default.
enum class MxScaleRule : uint8_t {
  Ocp,    // floor(log2 amax) - emax_elem (OCP MX v1.0 sample algorithm; microxcaling): the max may clip
  Tosa,   // TOSA calc_block_scale: ceil(log2(amax/max_elem)) for E4M3, floor(...) + 1 otherwise
  Ceil,   // ceil(log2(amax/max_elem)): the smallest scale at which no |V_i|/X exceeds max_elem
  NoSat,  // Ocp, plus one when the block max, so scaled, would round past max_elem
};

// The OCP MX element formats (spec/formats.csv names), in the order of OCP MX v1.0 Table 1.
inline constexpr std::string_view kMxElementFormats[] = {"float8_e4m3fn", "float8_e5m2", "float6_e3m2fn", "float6_e2m3fn", "float4_e2m1fn", "int8"};
// The E8M0 scale code that means NaN (OCP MX v1.0; spec/formats.csv float8_e8m0fnu) and its bias.
inline constexpr uint8_t kMxScaleNan = 0xFF;
inline constexpr int kMxScaleBias = 127;
// MXINT8 elements are two's complement integers with an implicit scale 2^-6 (OCP MX v1.0 MXINT8).
inline constexpr int kMxInt8FractionBits = 6;

struct MxParams {
  const Format* element = nullptr;  // one of kMxElementFormats
  int block = 32;                   // elements per shared scale, along the last (flat) axis
  MxScaleRule scale_rule = MxScaleRule::Ocp;
  Rounding rounding = Rounding::Rne;  // element rounding; deterministic modes only
};

inline const char* to_string(MxScaleRule rule) {
  switch (rule) {
    case MxScaleRule::Ocp:
      return "ocp";
    case MxScaleRule::Tosa:
      return "tosa";
    case MxScaleRule::Ceil:
      return "ceil";
    case MxScaleRule::NoSat:
      return "nosat";
  }
  return "?";
}

inline std::optional<MxScaleRule> parse_mx_scale_rule(std::string_view s) {
  for (MxScaleRule r : {MxScaleRule::Ocp, MxScaleRule::Tosa, MxScaleRule::Ceil, MxScaleRule::NoSat})
    if (s == to_string(r)) return r;
  return std::nullopt;
}

inline bool is_mx_element_format(std::string_view name) {
  for (std::string_view e : kMxElementFormats)
    if (e == name) return true;
  return false;
}

// The error message for parameters §4.7 rejects, or nullopt when they are valid.
inline std::optional<std::string> mx_params_error(const MxParams& p) {
  if (!p.element) return "no element format given";
  if (!is_mx_element_format(p.element->name))
    return "element format " + p.element->name +
           " is not an OCP MX element format; expected float8_e4m3fn, float8_e5m2, float6_e3m2fn, float6_e2m3fn, float4_e2m1fn or int8";
  if (p.block < 1 || p.block > 65536) return "block size " + std::to_string(p.block) + " outside 1..65536";
  if (is_stochastic(p.rounding))
    return std::string("element rounding ") + to_string(p.rounding) + " is stochastic; MX quantization takes rne, rna, rtz, rup, rdn or rto";
  return std::nullopt;
}

}  // namespace lpc
