// lpconform fast — EF-SignSGD (spec/codecs.md §1.7) in its declared float32 arithmetic: p = R ⊕ g
// and its magnitudes summed eight lanes at a time (the declared lane order is the vector's), the
// sign bits taken by movemask straight into the message, then Δ and R' in a second vector pass.
// Independent of reference/.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "spec/codecs/ef_signsgd.hpp"

namespace lpc::fast {

// One step of §1.7. Preconditions: residue, gradient and next_residue hold n elements; update holds
// n (filled with Δ) or none. `message` is replaced by §1.7's bytes. Returns §1.7's error (outputs
// then unspecified), or nullopt.
std::optional<std::string> ef_signsgd_compress(std::span<const float> residue, std::span<const float> gradient, std::span<float> next_residue,
                                               std::span<float> update, std::vector<uint8_t>& message);

struct EfSignDecodeError {
  uint64_t offset = 0;
  std::string message;  // "byte offset K: ..."
};

// §1.7 decoding into update (n = update.size()); never reads outside `message`.
// Precondition: ef_signsgd_size_error(n) == nullopt.
std::optional<EfSignDecodeError> ef_signsgd_decode(std::span<const uint8_t> message, std::span<float> update);

}  // namespace lpc::fast
