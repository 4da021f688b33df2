// The implementations that ship with lpconform. Each adapter lives in its family folder
// (conformance/formats/reference_impl.cpp, conformance/formats/fast_impl.cpp) and is listed once in
// conformance/core/registry.cpp.
#pragma once

#include "conformance/core/implementation.hpp"

namespace lpc {
const Implementation& reference_implementation();  // exact oracle (reference/)
const Implementation& fast_implementation();       // optimized CPU (impls/fast/)
}  // namespace lpc
