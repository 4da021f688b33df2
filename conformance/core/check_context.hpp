// lpconform — what every check of an item gets from the runner: subject, oracle, the item's seed,
// how many mismatches to record, and a progress counter.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>

#include "conformance/core/verdict.hpp"

namespace lpc {

struct CheckContext {
  const Implementation* subject = nullptr;
  const Implementation* oracle = nullptr;
  uint64_t seed = 0;                             // this item's seed (derived by the runner)
  size_t max_mismatches = 10;                    // how many mismatches to record (all are counted)
  std::atomic<uint64_t>* inputs_done = nullptr;  // progress counter, may be null
  uint64_t statistical_items = 1;                // m: the profile's Statistical items (Bonferroni)
};

}  // namespace lpc
