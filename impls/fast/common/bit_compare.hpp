// lpconform fast — bit-for-bit comparison of float32 buffers: the gradient checks of training under
// memory restraint (spec/recompute.md §4.3) and of the gradient exchange (spec/grad_exchange.md
// §5.3) compare whole tensors this way, at memcmp's speed.
#pragma once

#include <cstddef>
#include <optional>
#include <span>

namespace lpc::fast {

// The first index where a and b differ in their bits (-0 and +0 differ, as do two NaN payloads),
// or nullopt when they agree; when only the sizes differ, the shorter size.
std::optional<size_t> first_bit_difference(std::span<const float> a, std::span<const float> b);

}  // namespace lpc::fast
