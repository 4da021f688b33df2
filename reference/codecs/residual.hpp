// lpconform reference — the first step the error-feedback compressors share (spec/codecs.md §1.2
// step 1, §1.7 step 1): G = R ⊕ g, each sum exact and rounded once to float32, and its errors.
// Internal to reference/codecs.
#pragma once

#include <optional>
#include <span>
#include <string>
#include <vector>

namespace lpc::ref {

// G_i = RN32(R_i + g_i) into `g` (an exact zero is +0 unless both are -0), or the first error: a
// non-finite residue element (all of them first), gradient element, or the first G_i that
// overflows. Precondition: r.size() == d.size().
std::optional<std::string> residual_sum(std::span<const float> r, std::span<const float> d, std::vector<float>& g);

}  // namespace lpc::ref
