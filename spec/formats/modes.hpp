// lpconform — the axes of a conversion: rounding, overflow policy, source type, exception flags.
// Names follow the CLI (`--rounding rne`, `--overflow sat`) and are defined in spec/formats.md.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace lpc {

enum class Rounding : uint8_t {
  Rne,  // nearest, ties to even (the default everywhere; required by OCP OFP8 §5.2.1)
  Rna,  // nearest, ties away from zero
  Rtz,  // toward zero
  Rup,  // toward +infinity
  Rdn,  // toward -infinity
  Rto,  // to odd (Von Neumann / P3109 ToOdd)
  SrA,  // P3109 StochasticA with N random bits
  SrB,  // P3109 StochasticB
  SrC,  // P3109 StochasticC
};
inline constexpr Rounding kDeterministicRoundings[] = {Rounding::Rne, Rounding::Rna, Rounding::Rtz,
                                                       Rounding::Rup, Rounding::Rdn, Rounding::Rto};
inline constexpr Rounding kStochasticRoundings[] = {Rounding::SrA, Rounding::SrB, Rounding::SrC};
inline constexpr bool is_stochastic(Rounding r) {
  return r == Rounding::SrA || r == Rounding::SrB || r == Rounding::SrC;
}

enum class Overflow : uint8_t {
  Sat,      // OCP saturating = P3109 SatFinite: overflow and +-Inf go to +-max finite
  NonSat,   // OCP non-saturating: overflow goes to +-Inf where the format has it, else NaN
  SatProp,  // P3109 SatPropagate: finite overflow goes to +-max, +-Inf stays +-Inf (if any)
  Wrap,     // integers only: two's complement / modular wrap-around
};
inline constexpr Overflow kFloatOverflows[] = {Overflow::Sat, Overflow::NonSat, Overflow::SatProp};
inline constexpr Overflow kIntegerOverflows[] = {Overflow::Sat, Overflow::Wrap};

// The type of the values being converted (their bit patterns travel as uint64).
enum class Source : uint8_t { F32, F64, BF16, F16 };

// Exception flags, in TestFloat's bit order (bit 0 inexact, 1 underflow, 2 overflow, 4 invalid).
enum Flag : uint8_t {
  kFlagInexact = 1u << 0,
  kFlagUnderflow = 1u << 1,
  kFlagOverflow = 1u << 2,
  kFlagInvalid = 1u << 4,
};
std::string flags_to_string(uint8_t flags);  // "" or letters "xuoi" in that order, e.g. "xo"

struct EncodeParams {
  Rounding rounding = Rounding::Rne;
  Overflow overflow = Overflow::Sat;
  int sr_bits = 0;  // N, the number of random bits, for the stochastic roundings (1..24)
};

const char* to_string(Rounding);
const char* to_string(Overflow);
const char* to_string(Source);
std::optional<Rounding> parse_rounding(std::string_view);  // "rne", "sr_a", ...
std::optional<Overflow> parse_overflow(std::string_view);  // "sat", "nonsat", "satprop", "wrap"
std::optional<Source> parse_source(std::string_view);      // "float32", "float64", "bfloat16", "float16"

}  // namespace lpc
