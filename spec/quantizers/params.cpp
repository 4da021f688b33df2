// lpconform — names and validation of the quantizer parameters (spec/quantizers.md §2.6).
#include "spec/quantizers/params.hpp"

#include <array>
#include <cmath>
#include <utility>

namespace lpc {

namespace {
constexpr std::array<std::pair<IntType, std::string_view>, 6> kIntTypeNames{{
    {IntType::I8, "i8"}, {IntType::U8, "u8"}, {IntType::I16, "i16"}, {IntType::U16, "u16"}, {IntType::I32, "i32"}, {IntType::I48, "i48"}}};
constexpr std::array<std::pair<RequantScheme, std::string_view>, 5> kSchemeNames{{{RequantScheme::TosaSingleRound, "tosa-single"},
                                                                                 {RequantScheme::TosaDoubleRound, "tosa-double"},
                                                                                 {RequantScheme::Gemmlowp, "gemmlowp"},
                                                                                 {RequantScheme::XnnpackFp32, "xnnpack-fp32"},
                                                                                 {RequantScheme::XnnpackRndnu, "xnnpack-rndnu"}}};
bool is_xnnpack(RequantScheme s) { return s == RequantScheme::XnnpackFp32 || s == RequantScheme::XnnpackRndnu; }
}  // namespace

std::string_view to_string(IntType t) {
  for (const auto& [type, name] : kIntTypeNames)
    if (type == t) return name;
  return "?";
}
std::optional<IntType> parse_int_type(std::string_view name) {
  for (const auto& [type, n] : kIntTypeNames)
    if (n == name) return type;
  return std::nullopt;
}
std::string_view to_string(RequantScheme s) {
  for (const auto& [scheme, name] : kSchemeNames)
    if (scheme == s) return name;
  return "?";
}
std::optional<RequantScheme> parse_requant_scheme(std::string_view name) {
  for (const auto& [scheme, n] : kSchemeNames)
    if (n == name) return scheme;
  return std::nullopt;
}

size_t RequantParams::channels() const { return is_xnnpack(scheme) ? scales.size() : multipliers.size(); }

std::optional<std::string> requant_params_error(const RequantParams& p) {
  const auto zp_error = [](const char* which, IntType t, int32_t zp) -> std::optional<std::string> {
    // TOSA RESCALE ERROR_IFs: a nonzero zero point only for 8-bit types, or u16 with 32768.
    if (zp == 0 || t == IntType::I8 || t == IntType::U8) {
      if (zp < int_type_min(t) || zp > int_type_max(t)) return std::string(which) + " zero point out of the range of " + std::string(to_string(t));
      return std::nullopt;
    }
    if (t == IntType::U16 && zp == 32768) return std::nullopt;
    return std::string(which) + " zero point must be 0 for " + std::string(to_string(t)) + " (nonzero only for i8/u8, or 32768 for u16)";
  };
  if (p.output_type == IntType::I48) return "output type i48 is not allowed (outputs: i8, u8, i16, u16, i32)";
  if (is_unsigned(p.input_type) && is_unsigned(p.output_type)) return "input and output may not both be unsigned";
  if (auto e = zp_error("input", p.input_type, p.input_zp)) return e;
  if (auto e = zp_error("output", p.output_type, p.output_zp)) return e;
  if (is_xnnpack(p.scheme)) {
    if (p.scales.empty()) return "scheme " + std::string(to_string(p.scheme)) + " needs at least one scale";
    if (p.input_type != IntType::I32) return "scheme " + std::string(to_string(p.scheme)) + " takes i32 inputs";
    for (float s : p.scales)
      if (!(s >= 0x1p-32f && s < 1.0f)) return "scale must satisfy 2^-32 <= scale < 1 (XNNPACK requantization)";
    return std::nullopt;
  }
  if (p.multipliers.empty() || p.multipliers.size() != p.shifts.size()) return "need as many shifts as multipliers, at least one";
  if (p.scheme != RequantScheme::TosaSingleRound && !p.scale32) return "scale16 allows only tosa-single (TOSA: !scale32 && DOUBLE_ROUND is an error)";
  if (p.scale32 && p.input_type == IntType::I48) return "scale32 does not allow i48 inputs";
  if (p.scheme == RequantScheme::Gemmlowp && p.input_type == IntType::I48) return "gemmlowp takes 32-bit (or narrower) inputs";
  for (size_t c = 0; c < p.multipliers.size(); ++c) {
    const int32_t m = p.multipliers[c], s = p.shifts[c];
    if (m < 0) return "multiplier must be >= 0";
    if (!p.scale32 && m > 32767) return "scale16 multiplier must be in [0, 32767]";
    if (p.scheme == RequantScheme::Gemmlowp ? (s < 31 || s > 62) : (s < 2 || s > 62))
      return p.scheme == RequantScheme::Gemmlowp ? "gemmlowp shift must be in [31, 62] (31 + exponent, exponent in [0, 31])" : "shift must be in [2, 62]";
  }
  return std::nullopt;
}

}  // namespace lpc
