// lpconform — the helpers the legacy eval ulq and `eval OP` share
// (commands.hpp): --impl reference|fast, a float32 as a decimal (RNE) or its bits "0x3f800000",
// the shortest decimal that reads back as the same float32.
#include <bit>
#include <charconv>

#include "cli/commands.hpp"

namespace lpc::cli {

bool use_fast(const std::string& impl) {
  if (impl != "reference" && impl != "fast") throw UsageError("--impl: quantizer ops are implemented by 'reference' and 'fast', got '" + impl + "'");
  return impl == "fast";
}

// A float32 written in decimal (rounded to nearest even) or as bits "0x3f800000".
std::optional<float> parse_float32(const std::string& s) {
  if (s.size() > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
    uint32_t bits = 0;
    auto [p, ec] = std::from_chars(s.data() + 2, s.data() + s.size(), bits, 16);
    if (ec != std::errc() || p != s.data() + s.size()) return std::nullopt;
    return std::bit_cast<float>(bits);
  }
  float v = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || p != s.data() + s.size()) return std::nullopt;
  return v;
}

float float_option(const std::string& option, const std::string& text) {
  const auto v = parse_float32(text);
  if (!v) throw UsageError(option + ": malformed number '" + text + "', expected a decimal or float32 bits like 0x3f800000");
  return *v;
}

std::string shortest(float v) {
  char buffer[32];
  auto [end, ec] = std::to_chars(buffer, buffer + sizeof buffer, v);
  return std::string(buffer, end);
}

}  // namespace lpc::cli
