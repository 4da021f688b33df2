// lpconform — the cases of a quantizer item (spec/quantizers.md): the parameter sets an item checks
// and, per set, its boundary and seeded random inputs.
//
// An item fixes what a profile names (lsq: grid and variant; requantize: mode and types); its
// cases add the rest (scale and grad scale; multipliers, shifts or float scales, zero points, per
// tensor and per channel) from a small fixed set plus seeded values, one case per parameter set.
// Random choices come from std::mt19937_64 seeded with the item's seed (runner.hpp item_seed).
#pragma once

#include <cstdint>
#include <utility>
#include <vector>

#include "conformance/core/case.hpp"

namespace lpc::quantizer_cases {

// The cases of a quantizer item (lsq, lsq-init, requantize), in a fixed order:
//   lsq: scales {1, 0.25, 0.1, seeded} with grad scales {1, 1, 0.0125, seeded}; per set the
//     boundary inputs are the exact decision points of §1.1-1.3 — k·s and the ties (k + 1/2)·s for
//     every code k of the grid and two beyond each end, as the nearest float32 and its neighbours
//     1 and 2 ulps away, the torch variant's ties (k + 1/2)/fl32(1/s) likewise — plus ±0, ±inf,
//     ±1, ±0.5, the smallest subnormal and normal and the largest float; random inputs are half
//     uniform over the grid's range widened by three steps, half any finite float32. dy is 1 for
//     one input in four, else a random float32 in ±[2^-8, 2^9).
//   lsq-init: boundary, eight fixed tensors (one element, symmetric, powers of two, tiny, huge);
//     random:N, N tensors of 1..512 elements of mixed magnitudes; one case per tensor.
//   requantize: per mode about eight parameter sets (identity, 1/2, 1/3, the DOUBLE_ROUND witness
//     437450373/2^33, the largest multiplier, seeded values with zero points, one per-channel set
//     of three channels), those §2.6 rejects skipped. Boundary inputs: the ties value·scale = k + 1/2
//     (both DOUBLE_ROUND stages) for k in -3..3 and at the output type's clamp edges, each with
//     neighbours ±2, and the ends of the input domain; random inputs half uniform over the domain,
//     half of random magnitude. Every input lies in the domain (domain() below).
std::vector<Case> make_cases(const Item& item, uint64_t seed);

// The inputs a requantization accepts (spec/quantizers.md §2.2 REQUIRE, §2.4): the closed range of
// input values that no channel rejects. Throws std::invalid_argument when it is empty.
std::pair<int64_t, int64_t> domain(const RequantParams& params);

// A rough cost of the item, in reference evaluations, for the runner's scheduling and sharding.
uint64_t cost(const Item& item);

}  // namespace lpc::quantizer_cases
