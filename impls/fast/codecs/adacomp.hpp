// lpconform fast — AdaComp (spec/codecs.md §1) in the declared float32 arithmetic of §1.2: one pass
// per bin (G = R ⊕ ΔW stored as the next residue while the bin's maximum |G| is taken on the float
// bits, then H = G ⊕ ΔW compared with it eight lanes at a time, AVX2 chosen at run time), the scale
// summed bin by bin in order, the selected elements' updates and residues patched afterwards, and
// the message of §1.4 packed word by word. Independent of reference/.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "spec/codecs/adacomp.hpp"

namespace lpc::fast {

struct AdacompSummary {
  uint32_t count = 0;  // c
  float scale = 0;
};

// One step of §1.2. Preconditions: residue, gradient and next_residue hold n elements; update holds n
// (filled with Gq) or none (not computed). `message` is replaced by §1.4's bytes. Returns §1.2's
// error (the outputs then unspecified), or nullopt; `summary` (optional) gets c and the scale.
std::optional<std::string> adacomp_compress(const AdacompParams& p, std::span<const float> residue, std::span<const float> gradient,
                                            std::span<float> next_residue, std::span<float> update, std::vector<uint8_t>& message,
                                            AdacompSummary* summary = nullptr);

struct AdacompDecodeError {
  uint64_t offset = 0;  // the byte offset of §1.5
  std::string message;  // "byte offset K: ..."
};

// §1.5: the update of a message of a layer of update.size() elements. Never reads outside
// `message`. Returns the first violation (update then unspecified), or nullopt.
// Precondition: adacomp_params_error(p, update.size()) == nullopt.
std::optional<AdacompDecodeError> adacomp_decode(const AdacompParams& p, std::span<const uint8_t> message, std::span<float> update);

}  // namespace lpc::fast
