// The registry of bundled implementations: one line per implementation, "reference" first.
#include "conformance/core/bundled.hpp"

namespace lpc {

const std::vector<const Implementation*>& implementations() {
  static const std::vector<const Implementation*> all = {
      &reference_implementation(),
      &fast_implementation(),
  };
  return all;
}

const Implementation* find_implementation(std::string_view name) {
  for (const Implementation* impl : implementations())
    if (impl->name == name) return impl;
  return nullptr;
}

}  // namespace lpc
