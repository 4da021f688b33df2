// The bundled chip model (impls/chip, spec/chip.md) as an Implementation: the registry ops it binds
// (gemm, conv2d), computed by its value model under the preset or config each case names.
#include "conformance/bundled/bundled.hpp"
#include "conformance/ops/derive.hpp"

#ifndef LPC_VERSION
#define LPC_VERSION "unversioned"
#endif

namespace lpc {

const Implementation& chip_implementation() {
  static const Implementation impl = [] {
    Implementation i;
    i.name = "chip";
    i.version = LPC_VERSION;
    i.description = "the bundled chip model: systolic array, declared accumulators, vector processor (impls/chip, spec/chip.md)";
    i.declarations = {{"accumulation_order", "the weight-stationary fold order of spec/chip.md §3.1, under each case's preset"}};
    i.run = [](const ops::OpCase& c, std::vector<ops::Tensor>& out, std::string& error) { return ops::bundled_run("chip", c, out, error); };
    return i;
  }();
  return impl;
}

}  // namespace lpc
