// lpconform fast — the portioned, overlapped gradient exchange (spec/grad_exchange.md): the plan
// and its timing (§2-§4) with a heap-driven event loop, the plan check (§5.4), the reductions in a
// declared order (§5.2), the bit-exact comparison and the portion-size choice (§4.3).
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "impls/fast/common/bit_compare.hpp"

#include "spec/distributed/grad_exchange.hpp"

namespace lpc::fast {

// §2-§4: the units, their issue order and their times. Precondition: exchange_config_error(c) is
// nullopt.
ExchangeSchedule plan_exchange(const ExchangeConfig& c);

// §5.4: the first rule a plan breaks for a network of `layer_elements` (a segment out of range, a
// unit number out of sequence, an element covered twice or never), naming the segment index and
// field, or nullopt. Untrusted input: any values are handled.
std::optional<std::string> plan_error(std::span<const uint64_t> layer_elements, std::span<const ExchangeSegment> segments);

// §5.2: out[i] = the ranks' element i added in `order` (Free: fast's own, ((g_{R−1} + g_{R−2}) + …) + g_0,
// judged by the bound), unit by unit in the plan's
// issue order, each element exactly once. `ranks` holds R rows of n = Σ layer_elements values,
// row-major. Preconditions: plan_error(...) is nullopt; out.size() == n.
void reduce_float32(std::span<const uint64_t> layer_elements, std::span<const ExchangeSegment> plan, std::span<const float> ranks, uint32_t rank_count,
                    ReductionOrder order, std::span<float> out);
void reduce_int64(std::span<const uint64_t> layer_elements, std::span<const ExchangeSegment> plan, std::span<const int64_t> ranks, uint32_t rank_count,
                  std::span<int64_t> out);

// §5.3's bit-equality checks: first_bit_difference (impls/fast/common/bit_compare.hpp).

// §4.3 (claim 14, link efficiency): the fewest elements per portion whose link efficiency
// B / (B + latency_ps / ps_per_byte) reaches percent/100 (B the portion's bytes); 1 with a free link.
uint64_t portion_for_efficiency(const ExchangeConfig& c, uint32_t percent);
// §4.3 (claim 14, completion time): among `candidates` (portion elements), the one whose schedule
// ends the step first; ties go to the larger portion (fewer units).
uint64_t portion_for_step_time(ExchangeConfig c, std::span<const uint64_t> candidates);

}  // namespace lpc::fast
