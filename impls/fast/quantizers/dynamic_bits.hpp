// lpconform fast — dynamic per-block bit width (spec/quantizers.md §6): integer group statistics,
// one sort per block, the bounds enforced as the closed form k = max(k_lo, min(k0, k_hi)).
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>

#include "spec/quantizers/params_sr_dynbits.hpp"

namespace lpc::fast {

struct DynBitsError {
  size_t index = 0;
  std::string message;
};

// §6 on x (C·H·W, row-major): y[i] (x or its low value), low[i] (1 in a low group) and
// block_bits[b] (Σ |g|·bits per block, block order). Precondition: dynbits_params_error(p) ==
// nullopt, x.size() == C·H·W, y and low as large, block_bits p.block_count() long. Returns the
// first element outside the signed b_h-bit range (outputs then unspecified).
std::optional<DynBitsError> dynbits(const DynBitsParams& p, std::span<const int32_t> x, std::span<int32_t> y, std::span<uint8_t> low,
                                    std::span<int64_t> block_bits);

}  // namespace lpc::fast
