// lpconform — the cases of a quantizer item (spec/quantizers.md): the parameter sets an item checks
// and, per set, its boundary and seeded random inputs.
//
// An item fixes what a profile names (the ulq variant); its cases add the rest (betas, d or the
// gradient) from a small fixed set plus seeded values. The case generators' shared draws
// (random_float, add_with_neighbours, random_words, random_sign) and requantize's domain serve the
// op modules of conformance/ops too.
// Random choices come from std::mt19937_64 seeded with the item's seed (runner.hpp item_seed).
#pragma once

#include <cstdint>
#include <random>
#include <utility>
#include <vector>

#include "conformance/core/case.hpp"

namespace lpc::quantizer_cases {

// The cases of a ulq item, in a fixed order:
//   ulq: one case per tensor. Weight methods, boundary: zeros of both signs, all-equal, §5.11's
//     known answers, magnitude ties, subnormals, the largest float, huge ranges, INQ's level
//     midpoints and n1's breakpoints 0.75·2^k with neighbours; random:N, N tensors of 1..256
//     elements (scaled normal-like, multiples of 1/8, spread over float32's range). d > 0 is 1 on
//     every other boundary tensor, else random over 2^±20; the partition takes INQ's schedule or a
//     seeded one. Activation: the grid {1, 0.5, 2, 6, seeded}; boundary tensors hold each β's clip
//     edges, grid points and RNE ties with neighbours, and an all-nonpositive tensor (β tie);
//     random tensors over [-1, 8]; proxy gradients random, one in eight zero.
std::vector<Case> make_cases(const Item& item, uint64_t seed);

// A float32 with a uniformly random 24-bit significand and an exponent in [lo, hi] (the case
// generators' magnitude draw; conformance/ops modules use it too).
float random_float(std::mt19937_64& rng, int lo, int hi);

// v or -v, by a coin of rng.
float random_sign(std::mt19937_64& rng, float v);

// Appends the bits of x and of its float32 neighbours 1 to `ulps` ulps away on both sides (finite ones).
void add_with_neighbours(std::vector<uint64_t>& out, float x, int ulps = 2);

// The random words of `n` elements for a rounding that reads R from the low `sr_bits` (0..24) bits:
// R cycles through its decision points 0, 2^(N-1) - 1, 2^(N-1), 2^N - 1 (against the dyadic
// fractions 0, 1/4, 1/2, 3/4 the inputs hold) and random values; the high bits are random (an
// implementation must ignore them).
std::vector<uint32_t> random_words(int sr_bits, size_t n, std::mt19937_64& rng);

// The inputs a requantization accepts (spec/quantizers.md §2.2 REQUIRE, §2.4): the closed range of
// input values that no channel rejects. Throws std::invalid_argument when it is empty.
std::pair<int64_t, int64_t> domain(const RequantParams& params);

// A rough cost of the item, in reference evaluations, for the runner's scheduling and sharding.
uint64_t cost(const Item& item);

}  // namespace lpc::quantizer_cases
