// lpconform — the quantizer entry points of the bundled implementations (Implementation::quantize):
// the exact reference (reference/quantizers) and the fast CPU code (impls/fast/quantizers). The
// adapters (conformance/bundled/reference.cpp, fast.cpp) install them, so
// "reference" and "fast" are one implementation each across families.
#pragma once

#include <cstddef>
#include <string>

#include "conformance/core/implementation.hpp"

namespace lpc {

// The reference: every element by reference/quantizers (exact rational arithmetic). Requantize with
// params->inexact fills out/out_high with TOSA INEXACT_ROUND's permitted range
// (ref::rescale_inexact_range) when out_high is given, else the SINGLE_ROUND value. An element the
// spec rejects is an Error naming it, with *failed_at set.
OpStatus reference_quantize(const QuantizeBatch& batch, std::string& error);

// The fast implementation's internal variants; results must not depend on them (the fuzzer picks
// them from its bytes). chunk: elements per kernel call (0: the whole batch; for per-channel
// requantization rounded up to a multiple of the channel count, for mx to a multiple of the block). general_path: requantize to i8
// through the int64 general path instead of the int32 -> int8 kernel (requantize_to_int8).
struct FastQuantizeVariant {
  size_t chunk = 0;
  bool general_path = false;
};

// The fast implementation (impls/fast/quantizers). INEXACT_ROUND is answered with SINGLE_ROUND
// (always in the permitted range, spec/quantizers.md §2.2).
OpStatus fast_quantize(const QuantizeBatch& batch, std::string& error, const FastQuantizeVariant& variant = {});

}  // namespace lpc
