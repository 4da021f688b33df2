// lpconform reference — EF-SignSGD (spec/codecs.md §1.7) under its declared float32 arithmetic,
// modelled exactly (each float32 operation is the exact rational result rounded once; Boost in the
// .cpp only), and the message of §1.7 written and read bit by bit. The exact rational step is in
// adacomp_exact.hpp beside AdaComp's. Nothing here is shared with impls/.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "spec/codecs/ef_signsgd.hpp"

namespace lpc::ref {

struct EfSignOutcome {
  bool ok = false;
  std::string error;  // §1.7 "Errors", when !ok
  std::vector<uint8_t> message;
  std::vector<float> next_residue, update;  // R', Δ
  float scale = 0;
};

// The first error of §1.7 the step hits, or nullopt. ef_signsgd_compress fails with it.
std::optional<std::string> ef_signsgd_inputs_error(std::span<const float> residue, std::span<const float> gradient);

// One step of §1.7. residue.size() == gradient.size() is a precondition.
EfSignOutcome ef_signsgd_compress(std::span<const float> residue, std::span<const float> gradient);

struct EfSignDecoded {
  bool ok = false;
  std::string error;  // "byte offset K: ..."
  uint64_t error_offset = 0;
  std::vector<float> update;
};

// §1.7 decoding of a layer of n elements (precondition: ef_signsgd_size_error(n) == nullopt).
EfSignDecoded ef_signsgd_decode(uint64_t n, std::span<const uint8_t> message);

}  // namespace lpc::ref
