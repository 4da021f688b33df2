#include "spec/table/text.hpp"

namespace lpc {

namespace {

// The length of the valid UTF-8 sequence at the start of `s` (RFC 3629: no overlong forms, no
// surrogates, nothing above U+10FFFF), or 0.
size_t utf8_sequence(std::string_view s) {
  const auto byte = [&](size_t i) { return static_cast<unsigned char>(s[i]); };
  const unsigned char b0 = byte(0);
  if (b0 < 0x80) return 1;
  const size_t n = b0 >= 0xC2 && b0 <= 0xDF ? 2 : b0 >= 0xE0 && b0 <= 0xEF ? 3 : b0 >= 0xF0 && b0 <= 0xF4 ? 4 : 0;
  if (n == 0 || s.size() < n) return 0;
  for (size_t i = 1; i < n; ++i)
    if ((byte(i) & 0xC0) != 0x80) return 0;
  const unsigned char b1 = byte(1);
  if ((b0 == 0xE0 && b1 < 0xA0) || (b0 == 0xED && b1 > 0x9F) || (b0 == 0xF0 && b1 < 0x90) || (b0 == 0xF4 && b1 > 0x8F)) return 0;
  return n;
}

}  // namespace

std::string repaired_text(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  while (!text.empty()) {
    const size_t n = utf8_sequence(text);
    const unsigned char b0 = static_cast<unsigned char>(text[0]);
    const bool c1 = n == 2 && b0 == 0xC2 && static_cast<unsigned char>(text[1]) < 0xA0;
    if (n == 0) out += kReplacement;
    else if (b0 == '\t' || b0 == '\n' || b0 == '\r') out += ' ';
    else if (is_control(text[0]) || c1) out += kReplacement;
    else out += text.substr(0, n);
    text.remove_prefix(n ? n : 1);
  }
  return out;
}

}  // namespace lpc
