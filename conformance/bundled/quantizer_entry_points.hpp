// lpconform — the quantizer entry points of the bundled implementations (Implementation::quantize):
// the exact reference (reference/quantizers) and the fast CPU code (impls/fast/quantizers). The
// adapters (conformance/bundled/reference.cpp, fast.cpp) install them, so
// "reference" and "fast" are one implementation each across families.
#pragma once

#include <cstddef>
#include <string>

#include "conformance/core/implementation.hpp"

namespace lpc {

// The reference: reference/quantizers (exact rational arithmetic). An element the spec rejects is an
// Error naming it, with *failed_at set.
OpStatus reference_quantize(const QuantizeBatch& batch, std::string& error);

// The fast implementation (impls/fast/quantizers).
OpStatus fast_quantize(const QuantizeBatch& batch, std::string& error);

}  // namespace lpc
