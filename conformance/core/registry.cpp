// The registry of bundled implementations: one line per implementation, "reference" first.
#include "conformance/bundled/bundled.hpp"
#include "conformance/plugin/plugin_implementation.hpp"

namespace lpc {

const std::vector<const Implementation*>& implementations() {
  static const std::vector<const Implementation*> all = {
      &reference_implementation(),
      &fast_implementation(),
      &chip_implementation(),
  };
  return all;
}

const Implementation* find_implementation(std::string_view name) {
  // "plugin:PATH": a vendor plugin, loaded on first use, run out of process (conformance/plugin).
  if (name.starts_with(plugin::kImplementationPrefix)) return &plugin::plugin_implementation(name.substr(plugin::kImplementationPrefix.size()));
  for (const Implementation* impl : implementations())
    if (impl->name == name) return impl;
  return nullptr;
}

}  // namespace lpc
