#include "spec/formats/modes.hpp"

namespace lpc {

std::string flags_to_string(uint8_t flags) {
  std::string s;
  if (flags & kFlagInexact) s += 'x';
  if (flags & kFlagUnderflow) s += 'u';
  if (flags & kFlagOverflow) s += 'o';
  if (flags & kFlagInvalid) s += 'i';
  return s;
}

const char* to_string(Rounding r) {
  switch (r) {
    case Rounding::Rne: return "rne";
    case Rounding::Rna: return "rna";
    case Rounding::Rtz: return "rtz";
    case Rounding::Rup: return "rup";
    case Rounding::Rdn: return "rdn";
    case Rounding::Rto: return "rto";
    case Rounding::SrA: return "sr_a";
    case Rounding::SrB: return "sr_b";
    case Rounding::SrC: return "sr_c";
  }
  return "?";
}

const char* to_string(Overflow o) {
  switch (o) {
    case Overflow::Sat: return "sat";
    case Overflow::NonSat: return "nonsat";
    case Overflow::SatProp: return "satprop";
    case Overflow::Wrap: return "wrap";
  }
  return "?";
}

const char* to_string(Source s) {
  switch (s) {
    case Source::F32: return "float32";
    case Source::F64: return "float64";
    case Source::BF16: return "bfloat16";
    case Source::F16: return "float16";
  }
  return "?";
}

std::optional<Rounding> parse_rounding(std::string_view s) {
  for (Rounding r : kDeterministicRoundings) if (s == to_string(r)) return r;
  for (Rounding r : kStochasticRoundings) if (s == to_string(r)) return r;
  return std::nullopt;
}

std::optional<Overflow> parse_overflow(std::string_view s) {
  for (Overflow o : {Overflow::Sat, Overflow::NonSat, Overflow::SatProp, Overflow::Wrap})
    if (s == to_string(o)) return o;
  return std::nullopt;
}

std::optional<Source> parse_source(std::string_view s) {
  for (Source x : {Source::F32, Source::F64, Source::BF16, Source::F16})
    if (s == to_string(x)) return x;
  return std::nullopt;
}

}  // namespace lpc
