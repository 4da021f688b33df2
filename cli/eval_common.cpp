// lpconform — the float32 text helpers of `eval OP` (commands.hpp): a float32 as a decimal (RNE)
// or its bits "0x3f800000", and the shortest decimal that reads back as the same float32.
#include <bit>
#include <charconv>

#include "cli/commands.hpp"

namespace lpc::cli {

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

std::string shortest(float v) {
  char buffer[32];
  auto [end, ec] = std::to_chars(buffer, buffer + sizeof buffer, v);
  return std::string(buffer, end);
}

}  // namespace lpc::cli
