// lpconform fast — the banked cumulative sum and the multinomial selection of spec/sampler.md §2 in
// float32 arithmetic: each sum one float32 operation rounded on to the declared format (bit
// manipulation), banks summed side by side (the bank-parallel loop vectorizes across banks), and
// the selection by binary search on the non-decreasing sums. Independent of reference/.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>

#include "spec/sampler/params.hpp"

namespace lpc::fast {

// §2.2-2.6: sums[j] = Ĉ_j. Precondition: sampler_params_error(p) == nullopt, sums.size() ==
// weights.size(). Returns the §2.9 error the weights give (sums then unspecified), or nullopt.
std::optional<std::string> cumsum_banked(const SamplerParams& p, std::span<const float> weights, std::span<float> sums);

// §2.7-2.8: index[s] = the category word s selects (-1 past the total under normalize none), with
// or without replacement. Precondition as above, index.size() == words.size().
std::optional<std::string> multinomial(const SamplerParams& p, std::span<const float> weights, std::span<const uint32_t> words, std::span<int64_t> index);

}  // namespace lpc::fast
