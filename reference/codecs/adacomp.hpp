// lpconform reference — AdaComp (spec/codecs.md §1) under its declared float32 arithmetic (§1.2),
// modelled exactly: every float32 operation is the exact rational result rounded once (Boost
// cpp_rational in the .cpp only), the selection compares exact values, and the message is written
// and read bit by bit from §1.4's tables. The exact rational algorithm of §1.3 is in
// adacomp_exact.hpp. Nothing here is shared with impls/.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "spec/codecs/adacomp.hpp"

namespace lpc::ref {

struct AdacompOutcome {
  bool ok = false;
  std::string error;                // §1.2 "Errors", when !ok
  std::vector<uint8_t> message;     // §1.4
  std::vector<float> next_residue;  // R' (§1.2 step 7)
  std::vector<float> update;        // Gq (§1.2 step 6)
  uint32_t count = 0;               // c, the selected elements
  float scale = 0;                  // §1.2 step 5
};

// §1.2 "Errors": the first the step hits (parameters, a non-finite input, an overflowed G, an
// overflowed sum of the bin maxima), or nullopt. adacomp_compress fails with it.
std::optional<std::string> adacomp_inputs_error(const AdacompParams& p, std::span<const float> residue, std::span<const float> gradient);

// One step of §1.2 on one layer. residue.size() == gradient.size() is a precondition.
AdacompOutcome adacomp_compress(const AdacompParams& p, std::span<const float> residue, std::span<const float> gradient);

// §1.4: the message of a layer of n elements whose selected elements are `index` (increasing) with
// signs `negative` (true: −scale), written bit by bit. adacomp_compress writes its message with it.
std::vector<uint8_t> adacomp_message(const AdacompParams& p, uint64_t n, float scale, const std::vector<uint64_t>& index, const std::vector<bool>& negative);

struct AdacompDecoded {
  bool ok = false;
  std::string error;          // §1.5, when !ok: "byte offset K: ..."
  uint64_t error_offset = 0;  // K
  std::vector<float> update;  // U (n elements), when ok
};

// §1.5: the update a message of a layer of n elements gives, or the first violation.
// Precondition: adacomp_params_error(p, n) == nullopt.
AdacompDecoded adacomp_decode(const AdacompParams& p, uint64_t n, std::span<const uint8_t> message);

}  // namespace lpc::ref
