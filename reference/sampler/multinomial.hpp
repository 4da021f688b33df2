// lpconform reference — the banked cumulative sum and the multinomial selection of
// spec/sampler.md §2, in exact rational arithmetic (Boost cpp_rational in the .cpp only): every sum
// of §2.4-2.6 is the exact sum of its two operands rounded once to the declared format, u is the
// exact dyadic ⌊x/2^8⌋·2^-24, and the index is the count #{j : u >= Ĉ_j} of §1 step 5, compared
// exactly. Nothing here is shared with impls/.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "spec/sampler/params.hpp"

namespace lpc::ref {

// §2.9: the first rule the weights break under `p`, or nullopt. `samples`: the number of draws of a
// multinomial case (an all-zero row and, without replacement, too many draws are errors), or
// nullopt for the cumulative sum alone. Precondition: sampler_params_error(p) == nullopt.
std::optional<std::string> sampler_weights_error(const SamplerParams& p, std::span<const float> weights, std::optional<size_t> samples);

struct SumsOutcome {
  bool ok = false;
  std::vector<float> sums;  // Ĉ_j (§2.6), values of the format; +inf where a sum overflowed (normalize none)
  std::string error;
};

// §2.2-2.6: the global cumulative sums of the declared arithmetic (p.replacement is ignored).
SumsOutcome cumsum_banked(const SamplerParams& p, std::span<const float> weights);

struct IndexOutcome {
  bool ok = false;
  std::vector<int64_t> index;  // one per word: k of §2.8, or -1 past the total (normalize none)
  std::string error;
};

// §2.7-2.8: one draw per word, with or without replacement (sequential removal).
IndexOutcome multinomial(const SamplerParams& p, std::span<const float> weights, std::span<const uint32_t> words);

// The exact-real index (spec/sampler.md §2.6, §5): the same banked algorithm with every rounding of
// the sums left out (the weights still rounded to the format, §2.2). Its result does not depend on
// p.banks; the properties check that.
IndexOutcome multinomial_exact_real(const SamplerParams& p, std::span<const float> weights, std::span<const uint32_t> words);

struct BoundedOutcome {
  bool ok = false;
  std::vector<int64_t> index;      // the exact-real index of each word (-1 past the total)
  std::vector<int64_t> low, high;  // the categories spec/sampler.md §2.10 permits, low..high (N: "no category", -1)
  std::string error;
};

// §2.10 (Boundary-bounded, with replacement): the exact-real index of each word, and the range of
// indices an implementation of undeclared association may return: a neighbour k of the exact-real
// index k* is permitted when u lies within the rounding bound β_j of every exact-real boundary C*_j
// between k and k*.
BoundedOutcome multinomial_bounded(const SamplerParams& p, std::span<const float> weights, std::span<const uint32_t> words);

}  // namespace lpc::ref
