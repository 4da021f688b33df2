// SHA-256 (FIPS 180-4): the content hash that identifies a profile (its name and version say what
// it claims to be; the hash says what it is).
#pragma once

#include <string>
#include <string_view>

namespace lpc {

// The SHA-256 digest of `bytes` as 64 lowercase hex digits.
std::string sha256_hex(std::string_view bytes);

}  // namespace lpc
