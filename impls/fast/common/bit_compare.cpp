#include "impls/fast/common/bit_compare.hpp"

#include <algorithm>
#include <cstring>

namespace lpc::fast {

std::optional<size_t> first_bit_difference(std::span<const float> a, std::span<const float> b) {
  // 4 KiB at a time by memcmp (the library's vector compare), then the element inside the block.
  constexpr size_t kBlock = 1024;
  const size_t n = std::min(a.size(), b.size());
  size_t i = 0;
  for (; i + kBlock <= n; i += kBlock)
    if (std::memcmp(a.data() + i, b.data() + i, kBlock * sizeof(float)) != 0) break;
  for (; i < n; ++i)
    if (std::memcmp(a.data() + i, b.data() + i, sizeof(float)) != 0) return i;
  if (a.size() != b.size()) return n;
  return std::nullopt;
}

}  // namespace lpc::fast
