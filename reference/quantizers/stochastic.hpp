// lpconform reference — the fixed-point stochastic quantizer with explicit random bits, exactly
// (spec/quantizers.md §3.1). The definition q = floor(x/s + R/2^N) is evaluated on the exact
// rational x/s (Boost cpp_rational in the .cpp only); y is one rounding of q·s to float32 through
// the reference codec. Nothing here is shared with impls/.
#pragma once

#include <cstdint>
#include <string>

#include "spec/quantizers/params_sr_dynbits.hpp"

namespace lpc::ref {

struct SrFixedOutcome {
  bool ok = false;
  int32_t code = 0;  // q after clamping to [qmin, qmax]
  float y = 0;       // RN32(q·s); +0 when q = 0
  std::string error;
};

// §3.1: quantize x with the random word `random` (its low p.sr_bits bits are R). Precondition:
// sr_fixed_params_error(p) == nullopt. x = ±inf clamps to qmax / qmin; x NaN is an error.
SrFixedOutcome sr_fixed(const SrFixedParams& p, float x, uint32_t random);

}  // namespace lpc::ref
