// lpconform fast — the fixed-point stochastic quantizer q = floor(x/s + R/2^N)
// (spec/quantizers.md §3.1), in exact integer arithmetic on the float32 significands.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>

#include "spec/quantizers/params_sr_dynbits.hpp"

namespace lpc::fast {

struct SrError {
  size_t index = 0;
  std::string message;
};

// code[i] = clamp(q, qmin, qmax) and y[i] = RN32(code[i]·s) for every x[i] with the random word
// random[i] (low p.sr_bits bits used), bit-exact to §3.1. Precondition: sr_fixed_params_error(p)
// == nullopt, all spans the same size. Returns the first NaN element (outputs then unspecified).
std::optional<SrError> sr_fixed(const SrFixedParams& p, std::span<const float> x, std::span<const uint32_t> random, std::span<int32_t> code,
                                std::span<float> y);

}  // namespace lpc::fast
