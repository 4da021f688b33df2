// lpconform — declared variants of encode (spec/formats.md §7): legitimate, documented departures
// from the default semantics that an implementation declares and the verdict then honours. The
// oracle computes under them: the reference's results, transformed before (its inputs) and after
// (codes and flags) by the rules of §7, never by the subject's code.
#pragma once

#include <string>
#include <vector>

#include "conformance/core/implementation.hpp"

namespace lpc {

// The variants of spec/formats.md §7 (daz, ftz, tininess_after_rounding, snan_invalid,
// f64_via_f32), then those the registry's ops declare (lsq_fma), by name.
const std::vector<std::string>& known_variants();
// known_variants() joined with ", ", for messages.
std::string known_variants_text();
// Where a known variant is defined and what it applies to: {"encode", "spec/formats.md §7"}.
std::pair<std::string, std::string> variant_scope(const std::string& name);

// Which variants a run applies: a profile's required ones always, its forbidden ones never, the
// others when the subject declares them.
struct VariantRules {
  std::vector<std::string> required, forbidden;
};
std::vector<std::string> applied_variants(const std::vector<std::string>& declared, const VariantRules& rules);

// `oracle` computing encode under `variants` (the others' entry points unchanged); `oracle` must
// outlive the result. Throws std::invalid_argument for an unknown variant.
Implementation under_variants(const Implementation& oracle, const std::vector<std::string>& variants);

}  // namespace lpc
