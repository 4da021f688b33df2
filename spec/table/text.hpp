// lpconform — text from outside (a plugin, a results file, the command line) made safe to print
// and to write into reports: the one rule the plugin boundary and the report writers apply.
#pragma once

#include <string>
#include <string_view>

namespace lpc {

// U+FFFD, what a byte or character that cannot be shown becomes.
inline constexpr std::string_view kReplacement = "\xEF\xBF\xBD";

// C0 controls and DEL.
inline bool is_control(char c) { return static_cast<unsigned char>(c) < 0x20 || c == 0x7f; }

// `text` as one valid UTF-8 line: valid sequences kept, each invalid byte U+FFFD, tab, line feed
// and carriage return a space, other control characters (C0, DEL, C1) U+FFFD.
std::string repaired_text(std::string_view text);

}  // namespace lpc
