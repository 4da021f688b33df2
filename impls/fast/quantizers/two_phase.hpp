// lpconform fast — two-phase rounding of gradients onto radix-4 FP4 with GradScale
// (spec/quantizers.md §3.2-3.3): a vectorized max|g| scan, then the fast format converter on the
// exactly scaled values.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>

#include "spec/quantizers/params_sr_dynbits.hpp"

namespace lpc::fast {

struct TprError {
  size_t index = 0;
  std::string message;
};

// §3.3 the GradScale exponent e (smallest e with 2^e >= max|g|; 0 for all zeros). Returns the
// first NaN or infinite element's index as an error instead.
struct GradScale {
  int scale_exp = 0;
  std::optional<TprError> error;
};
GradScale tpr_grad_scale(std::span<const float> g);

// §3.2 codes[i] (float4_e3m0_radix4) and y[i] = RN32(decode·2^(e+phase)) for every g[i] at scale
// exponent e. `random` (one word per element) is required for the stochastic roundings and ignored
// for rne. Preconditions: tpr_params_error(p) == nullopt, finite g, spans of equal size.
void tpr_quantize(const TprParams& p, int scale_exp, std::span<const float> g, std::span<const uint32_t> random, std::span<uint8_t> codes,
                  std::span<float> y);

}  // namespace lpc::fast
