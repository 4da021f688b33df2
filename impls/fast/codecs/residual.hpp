// lpconform fast — what the error-feedback compressors (spec/codecs.md §1.2, §1.7) share: the first
// error of their first step, R ⊕ g, in the spec's order. Their fast passes only see that some
// |R ⊕ g| has the bits of an infinity or a NaN; this rescans to name it. Internal to impls/fast/codecs.
#pragma once

#include <cmath>
#include <optional>
#include <span>
#include <string>

namespace lpc::fast {

// A non-finite residue element (all of them first), then gradient element, then the first i whose
// R_i ⊕ g_i overflows; nullopt when there is none.
inline std::optional<std::string> residual_inputs_error(std::span<const float> r, std::span<const float> d) {
  for (size_t i = 0; i < r.size(); ++i)
    if (!std::isfinite(r[i])) return "residue element " + std::to_string(i) + " is not finite";
  for (size_t i = 0; i < d.size(); ++i)
    if (!std::isfinite(d[i])) return "gradient element " + std::to_string(i) + " is not finite";
  for (size_t i = 0; i < r.size(); ++i)
    if (std::isinf(r[i] + d[i])) return "element " + std::to_string(i) + ": residue + gradient overflows float32";
  return std::nullopt;
}

}  // namespace lpc::fast
