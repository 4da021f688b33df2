// lpconform reference — two-phase rounding (TPR) of gradients onto radix-4 FP4 with per-layer
// GradScale, exactly (spec/quantizers.md §3.2-3.3). The element rounding is the reference codec's
// encode of float4_e3m0_radix4 applied to the exactly scaled value; nothing is shared with impls/.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "spec/quantizers/params_sr_dynbits.hpp"

namespace lpc::ref {

// §3.3 GradScale: the exponent e of the scale 2^e, the smallest e with 2^e >= max|g|
// (e = 0 for an all-zero or empty tensor). ok == false, with the index, for a NaN or ±inf element.
struct GradScaleOutcome {
  bool ok = false;
  int scale_exp = 0;
  size_t bad_index = 0;
  std::string error;
};
GradScaleOutcome tpr_grad_scale(std::span<const float> g);

// §3.2 one element: the float4_e3m0_radix4 code of g / 2^(e+phase) rounded under p (overflow
// sat), and y = RN32(decode(code) · 2^(e+phase)), phase 0 (even) or 1 (odd). `random` holds R in
// its low p.sr_bits bits. Preconditions: tpr_params_error(p) == nullopt, g finite.
struct TprElement {
  uint8_t code = 0;
  float y = 0;
};
TprElement tpr_element(const TprParams& p, int scale_exp, float g, uint32_t random);

// §3.2-3.3 a whole tensor: GradScale, then every element with its random word (random may be
// empty for rne). ok == false for a NaN or infinite element (error names the index).
struct TprOutcome {
  bool ok = false;
  int scale_exp = 0;
  std::vector<uint8_t> codes;
  std::vector<float> y;
  std::string error;
};
TprOutcome tpr(const TprParams& p, std::span<const float> g, std::span<const uint32_t> random);

}  // namespace lpc::ref
