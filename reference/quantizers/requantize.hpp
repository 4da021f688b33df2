// lpconform reference — requantization, exactly (spec/quantizers.md §2).
//
// Every scheme is written as the real-number rounding it performs — value·m/2^shift, or
// value·scale — rounded by the rule the spec states, in arbitrary precision (Boost cpp_rational in
// the .cpp only), with no shift-and-add tricks: an independent algorithm for the fast code and
// for gemmlowp to be compared with.
#pragma once

#include <cstdint>
#include <string>

#include "spec/quantizers/params.hpp"

namespace lpc::ref {

// The outcome of one element: ok with the output value, or the spec's error (a REQUIRE that
// fails: the value out of range for the shift, an int32 overflow) with its message.
struct RequantOutcome {
  bool ok = false;
  int64_t value = 0;
  std::string error;
};

// Requantizes one input `input` (of p.input_type) of channel `channel` by p (which must satisfy
// requant_params_error(p) == nullopt). §2.1-2.5.
RequantOutcome requantize(const RequantParams& p, int64_t input, size_t channel);

// TOSA INEXACT_ROUND (§2.2): the closed range [lo, hi] a conforming RESCALE may return for this
// input, computed from ref = (input - input_zp)·m·2^-shift exactly, eb = 1/2 + (3|ref| + |ref+zp|)·2^-24,
// clipped to the output type. Only for the TOSA schemes.
struct InexactRange {
  int64_t lo = 0;
  int64_t hi = 0;
};
InexactRange rescale_inexact_range(const RequantParams& p, int64_t input, size_t channel);

// §2.7: a real scale > 0 as (multiplier, shift) with multiplier in [2^(B-1), 2^B) (B = 31, or 15
// for scale16), multiplier·2^-shift = scale rounded half away from zero to B significant bits
// (a multiplier rounding up to 2^B becomes 2^(B-1) with shift - 1). scale == 0 gives (0, B).
// ok == false with a message for a negative, NaN or infinite scale and when shift leaves [2, 62].
struct MultiplierShift {
  bool ok = false;
  int32_t multiplier = 0;
  int32_t shift = 0;
  std::string error;
};
MultiplierShift quantize_multiplier(double scale, bool scale16);

}  // namespace lpc::ref
