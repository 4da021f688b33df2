// lpconform reference — the portioned, overlapped gradient exchange (spec/grad_exchange.md) by its
// definitions: units built portion by portion or bucket by bucket (§2), the link's choices made by
// rescanning every unsent unit at each decision (§3), element coverage counted one by one (§5.4),
// and every sum in exact integer arithmetic (float32 values as integer multiples of 2^-149, §5.2,
// §5.3). Boost-free header.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "spec/distributed/grad_exchange.hpp"

namespace lpc::ref {

// §2-§4. Precondition: exchange_config_error(c) is nullopt.
ExchangeSchedule plan_exchange(const ExchangeConfig& c);

// §5.4: the first rule the plan breaks, or nullopt. Counts every element's reductions, so it
// declines networks above 2^24 elements (an error saying so).
std::optional<std::string> plan_error(std::span<const uint64_t> layer_elements, std::span<const ExchangeSegment> segments);

// §5.2: element i of the R ranks (ranks[r·n + i]) added in `order` (RankOrder or Pairwise), every
// partial sum rounded to float32 (to nearest, ties to even), from the exact sums.
std::vector<float> reduce_float32(std::span<const float> ranks, uint32_t rank_count, ReductionOrder order);

// §5.3: |got − s| <= γ_{R−1}·Σ_r|g_r| for element i (s the exact sum; γ_h = h·u/(1 − h·u),
// u = 2^-24), decided exactly. False for a non-finite got.
bool within_sum_bound(std::span<const float> ranks, uint32_t rank_count, size_t i, float got);

// §5.1: the exact sums of integers (inputs within ±2^46, R <= 64).
std::vector<int64_t> reduce_int64(std::span<const int64_t> ranks, uint32_t rank_count);

}  // namespace lpc::ref
