// The registry of bundled implementations: one line per implementation, "reference" first.
#include "conformance/bundled/bundled.hpp"
#include "conformance/core/variants.hpp"
#include "conformance/plugin/plugin_implementation.hpp"

#include <algorithm>

#include <cctype>
#include <stdexcept>

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
  if (name.starts_with(plugin::kImplementationPrefix)) {
    const Implementation& loaded = plugin::plugin_implementation(name.substr(plugin::kImplementationPrefix.size()));
    for (const Implementation* bundled : implementations())
      if (bundled->name == loaded.name)
        throw std::invalid_argument("--impl " + std::string(name) + ": the plugin declares the name '" + loaded.name +
                                    "' of a bundled implementation; give it a name of its own");
    for (const std::string& v : loaded.variants)
      if (std::find(known_variants().begin(), known_variants().end(), v) == known_variants().end())
        throw std::invalid_argument("--impl " + std::string(name) + ": the plugin declares the unknown variant '" + v +
                                    "'; known: " + known_variants_text() + " (`lpconform list variants`)");
    return &loaded;
  }
  for (const Implementation* impl : implementations())
    if (impl->name == name) return impl;
  return nullptr;
}

std::string shell_word(std::string_view text) {
  bool safe = !text.empty();
  for (char ch : text)
    safe = safe && (std::isalnum(static_cast<unsigned char>(ch)) || std::string_view("-_.,:/+=@%").find(ch) != std::string_view::npos);
  if (safe) return std::string(text);
  std::string out = "'";
  for (char ch : text) out += ch == '\'' ? std::string("'\\''") : std::string(1, ch);
  return out + "'";
}

std::string impl_argument(const Implementation& impl) { return shell_word(impl.selector.empty() ? impl.name : impl.selector); }

}  // namespace lpc
