// lpconform — EF-SignSGD (spec/codecs.md §1.7): the layer-size rule and the message size, shared by
// the reference and every implementation; no arithmetic on values.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

namespace lpc {

inline constexpr uint64_t kEfSignMaxElements = uint64_t{1} << 24;  // n is a float32 integer (§1.7 step 3)

// The error for a layer of n elements §1.7 rejects, or nullopt.
inline std::optional<std::string> ef_signsgd_size_error(uint64_t n) {
  if (n == 0) return "a layer holds at least one element";
  if (n > kEfSignMaxElements) return "a layer holds at most 2^24 elements";
  return std::nullopt;
}

// §1.7: 4 + ⌈n/8⌉ bytes.
inline uint64_t ef_signsgd_message_bytes(uint64_t n) { return 4 + (n + 7) / 8; }

}  // namespace lpc
