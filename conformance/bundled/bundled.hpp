// The implementations that ship with lpconform, one file each in this folder (reference.cpp, fast.cpp,
// chip.cpp), listed once in conformance/core/registry.cpp. Their registry-op entry points are the bindings each op declares
// (conformance/ops).
#pragma once

#include "conformance/core/implementation.hpp"

namespace lpc {
const Implementation& reference_implementation();  // exact oracle (reference/)
const Implementation& fast_implementation();       // optimized CPU (impls/fast/)
const Implementation& chip_implementation();       // the bundled chip model (impls/chip/), registry ops only
}  // namespace lpc
