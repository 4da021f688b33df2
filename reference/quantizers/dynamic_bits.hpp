// lpconform reference — dynamic per-block bit width (spec/quantizers.md §6, seed 001
// CN113902108A), exactly: group statistics as exact rationals (Boost in the .cpp only), the
// enforcement of the bounds written as the spec's add/remove loops. Nothing shared with impls/.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "spec/quantizers/params_sr_dynbits.hpp"

namespace lpc::ref {

struct DynBitsOutcome {
  bool ok = false;
  std::vector<int32_t> y;           // per element: x (high) or its low-precision value at the b_h scale
  std::vector<uint8_t> low;         // per element: 1 when its group runs at b_l bits
  std::vector<int64_t> block_bits;  // per block, in block order: Σ over groups of |g|·bits(g)
  std::string error;
};

// §6 on the feature map x (C·H·W int32 values, row-major). Precondition:
// dynbits_params_error(p) == nullopt. Error: x.size() != C·H·W, or an element outside the signed
// b_h-bit range (the message names its index).
DynBitsOutcome dynbits(const DynBitsParams& p, std::span<const int32_t> x);

}  // namespace lpc::ref
