// lpconform — the portioned, overlapped gradient exchange (spec/grad_exchange.md): the plan's
// configuration, its segments and schedule, and the configuration rules, shared by the reference
// and every implementation. No arithmetic on gradient values here.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace lpc {

// §2: how gradients are cut into exchange units.
//   Portions: US20210097396A1 — each layer's gradients split into portions of at most
//     portion_elements elements (the last one short); a unit never spans two layers.
//   DdpBuckets: PyTorch DDP — whole tensors in gradient-ready order (layer L first) packed into
//     buckets; a bucket closes once its bytes reach >= the current cap (first_cap_bytes for the
//     first bucket, cap_bytes for every later one).
enum class ExchangeScheme : uint8_t { Portions, DdpBuckets };
// §3: which ready unit the link takes next. LowerLayerFirst (the patent's order, claims 10-12 as
// read in §3): the unit whose lowest layer is lowest, then the lowest offset. ReadyOrder (DDP,
// Horovod): the unit that became ready first, then the one created first.
enum class ExchangePriority : uint8_t { LowerLayerFirst, ReadyOrder };

inline constexpr uint64_t kExchangeMaxLayers = 4096;
inline constexpr uint64_t kExchangeMaxElements = uint64_t{1} << 40;  // per layer
inline constexpr uint64_t kExchangeMaxTimePs = uint64_t{1} << 62;   // every time of a schedule stays below

struct ExchangeConfig {
  std::vector<uint64_t> layer_elements;  // parameter order: [0] is the input-side layer 1, backward runs from the back
  uint32_t element_bytes = 4;
  ExchangeScheme scheme = ExchangeScheme::Portions;
  ExchangePriority priority = ExchangePriority::LowerLayerFirst;
  uint64_t portion_elements = 1;                  // Portions
  uint64_t first_cap_bytes = uint64_t{1} << 20;   // DdpBuckets: DDP's _DEFAULT_FIRST_BUCKET_BYTES
  uint64_t cap_bytes = uint64_t{25} << 20;        // DdpBuckets: bucket_cap_mb = 25
  // §4 timing model, integer picoseconds: layer l's backward takes layer_elements[l] * compute_ps_per_element;
  // a unit of B bytes holds the (one, serial) link for latency_ps + B * ps_per_byte.
  uint64_t compute_ps_per_element = 0;
  uint64_t latency_ps = 0;
  uint64_t ps_per_byte = 0;
};

// One piece of a unit: `count` elements of layer `layer` from `offset`. A plan lists its segments
// unit by unit in issue order (unit 0 is sent first), a unit's segments in gradient-ready order.
struct ExchangeSegment {
  uint64_t unit = 0, layer = 0, offset = 0, count = 0;
  bool operator==(const ExchangeSegment&) const = default;
};

// The plan and its timing (§4): per unit, when all its gradients exist (ready), when the link
// starts sending it and when it is done.
struct ExchangeSchedule {
  std::vector<ExchangeSegment> segments;
  std::vector<uint64_t> ready_ps, start_ps, end_ps;  // per unit
  uint64_t backward_ps = 0;      // the whole backward pass
  uint64_t step_ps = 0;          // max(backward_ps, the last unit's end)
  uint64_t serial_step_ps = 0;   // §4.2: backward, then one message of every gradient byte
  bool operator==(const ExchangeSchedule&) const = default;
};

// The first rule a configuration breaks (§2.3), or nullopt.
__extension__ typedef unsigned __int128 ExchangeU128;

inline std::optional<std::string> exchange_config_error(const ExchangeConfig& c) {
  if (c.layer_elements.empty()) return "a network holds at least one layer";
  if (c.layer_elements.size() > kExchangeMaxLayers) return "a network holds at most 4096 layers";
  if (c.element_bytes != 1 && c.element_bytes != 2 && c.element_bytes != 4 && c.element_bytes != 8) return "element_bytes must be 1, 2, 4 or 8";
  uint64_t total = 0;
  for (size_t l = 0; l < c.layer_elements.size(); ++l) {
    if (c.layer_elements[l] == 0) return "layer " + std::to_string(l) + " holds no elements";
    if (c.layer_elements[l] > kExchangeMaxElements) return "layer " + std::to_string(l) + " holds more than 2^40 elements";
    total += c.layer_elements[l];
  }
  if (total > kExchangeMaxElements) return "the network holds more than 2^40 elements";
  if (c.scheme == ExchangeScheme::Portions && c.portion_elements == 0) return "portion_elements must be at least 1";
  if (c.scheme == ExchangeScheme::DdpBuckets && (c.first_cap_bytes == 0 || c.cap_bytes == 0)) return "bucket caps must be at least 1 byte";
  // Every time stays below 2^62 ps: total·compute + units·latency + bytes·ps_per_byte, bounded loosely.
  const ExchangeU128 bound = static_cast<ExchangeU128>(total) * c.compute_ps_per_element +
                                  static_cast<ExchangeU128>(total + c.layer_elements.size()) * c.latency_ps +
                                  static_cast<ExchangeU128>(total) * c.element_bytes * c.ps_per_byte * 2;
  if (bound >= kExchangeMaxTimePs) return "the schedule's times would reach 2^62 ps";
  return std::nullopt;
}

}  // namespace lpc

namespace lpc {

// §5.2: the order a reduction adds the ranks' values of one element in. RankOrder: ((g0 + g1) + g2)
// + …; Pairwise: the sum of ranks [lo, hi) is sum[lo, lo + h) + sum[lo + h, hi), h the largest
// power of two below hi − lo (recursive doubling's order for a power-of-two R); Free: any order,
// judged by the bound of §5.3.
enum class ReductionOrder : uint8_t { RankOrder, Pairwise, Free };

inline constexpr uint32_t kExchangeMaxRanks = 64;
// §5.1: the magnitudes the op's inputs stay within, so no sum overflows: float32 |g| <= 2^120,
// integers |g| <= 2^46 (R·2^46 < 2^53: every sum is exact in a float64 as well).
inline constexpr int kExchangeMaxFloatExponent = 120;
inline constexpr int64_t kExchangeMaxInteger = int64_t{1} << 46;

}  // namespace lpc

#include <string_view>
#include <variant>

namespace lpc {

// §2.3: a network's layer sizes as text, "n1,n2,...,nL" (decimal, each 1..2^40, at most 4096
// layers, no spaces): the list, or an error naming the byte offset. Untrusted input.
inline std::variant<std::vector<uint64_t>, std::string> parse_layer_elements(std::string_view text) {
  std::vector<uint64_t> out;
  size_t i = 0;
  while (true) {
    const size_t begin = i;
    uint64_t v = 0;
    while (i < text.size() && text[i] >= '0' && text[i] <= '9') {
      v = v * 10 + static_cast<uint64_t>(text[i] - '0');
      if (v > kExchangeMaxElements) return "byte " + std::to_string(begin) + ": a layer holds at most 2^40 elements";
      ++i;
    }
    if (i == begin) return "byte " + std::to_string(i) + ": expected a layer's element count (decimal digits)";
    if (v == 0) return "byte " + std::to_string(begin) + ": a layer holds at least one element";
    if (out.size() == kExchangeMaxLayers) return "byte " + std::to_string(begin) + ": at most 4096 layers";
    out.push_back(v);
    if (i == text.size()) return out;
    if (text[i] != ',') return "byte " + std::to_string(i) + ": expected ',' between layer sizes";
    ++i;
  }
}

}  // namespace lpc
