// lpconform fast — the portioned, overlapped gradient exchange (spec/grad_exchange.md).
#include "impls/fast/distributed/grad_exchange.hpp"

#include <algorithm>
#include <cstring>
#include <queue>
#include <tuple>

namespace lpc::fast {

namespace {

struct Unit {
  std::vector<ExchangeSegment> segments;  // unit field filled at issue
  uint64_t lowest_layer = 0, first_offset = 0, ready = 0, bytes = 0, created = 0;
};

// §2.1 / §2.2: the units in creation (gradient-ready) order, each with its ready time.
std::vector<Unit> make_units(const ExchangeConfig& c, const std::vector<uint64_t>& layer_end) {
  std::vector<Unit> units;
  const size_t L = c.layer_elements.size();
  if (c.scheme == ExchangeScheme::Portions) {
    for (size_t l = L; l-- > 0;)
      for (uint64_t offset = 0; offset < c.layer_elements[l]; offset += c.portion_elements) {
        const uint64_t count = std::min(c.portion_elements, c.layer_elements[l] - offset);
        units.push_back({{{0, l, offset, count}}, l, offset, layer_end[l], count * c.element_bytes, units.size()});
      }
    return units;
  }
  Unit open;
  for (size_t l = L; l-- > 0;) {
    open.segments.push_back({0, l, 0, c.layer_elements[l]});
    open.bytes += c.layer_elements[l] * c.element_bytes;
    open.lowest_layer = l;
    open.ready = layer_end[l];
    if (open.bytes >= (units.empty() ? c.first_cap_bytes : c.cap_bytes)) {
      open.created = units.size();
      units.push_back(std::move(open));
      open = Unit{};
    }
  }
  if (!open.segments.empty()) {
    open.created = units.size();
    units.push_back(std::move(open));
  }
  return units;
}

}  // namespace

ExchangeSchedule plan_exchange(const ExchangeConfig& c) {
  const size_t L = c.layer_elements.size();
  // §4.1: layer l's backward ends once every layer above it and l itself are done.
  std::vector<uint64_t> layer_end(L);
  uint64_t t = 0, total = 0;
  for (size_t l = L; l-- > 0;) {
    t += c.layer_elements[l] * c.compute_ps_per_element;
    layer_end[l] = t;
    total += c.layer_elements[l];
  }
  std::vector<Unit> units = make_units(c, layer_end);

  // §3: a min-heap of ready units by priority; the link takes the best one whenever it is free.
  using Key = std::tuple<uint64_t, uint64_t, uint64_t>;
  auto key = [&](const Unit& u) {
    return c.priority == ExchangePriority::LowerLayerFirst ? Key{u.lowest_layer, u.first_offset, u.created} : Key{u.ready, u.created, 0};
  };
  std::priority_queue<std::pair<Key, size_t>, std::vector<std::pair<Key, size_t>>, std::greater<>> ready;
  ExchangeSchedule s;
  s.backward_ps = t;
  uint64_t link_free = 0;
  size_t next = 0;  // units are created in non-decreasing ready time
  for (uint64_t id = 0; id < units.size(); ++id) {
    if (ready.empty() && units[next].ready > link_free) link_free = units[next].ready;
    while (next < units.size() && units[next].ready <= link_free) {
      ready.push({key(units[next]), next});
      ++next;
    }
    const Unit& u = units[ready.top().second];
    ready.pop();
    for (ExchangeSegment seg : u.segments) {
      seg.unit = id;
      s.segments.push_back(seg);
    }
    s.ready_ps.push_back(u.ready);
    s.start_ps.push_back(link_free);
    link_free += c.latency_ps + u.bytes * c.ps_per_byte;
    s.end_ps.push_back(link_free);
  }
  s.step_ps = std::max(s.backward_ps, link_free);
  s.serial_step_ps = s.backward_ps + c.latency_ps + total * c.element_bytes * c.ps_per_byte;
  return s;
}

std::optional<std::string> plan_error(std::span<const uint64_t> layer_elements, std::span<const ExchangeSegment> segments) {
  const size_t L = layer_elements.size();
  std::vector<std::vector<std::pair<uint64_t, uint64_t>>> pieces(L);
  for (size_t i = 0; i < segments.size(); ++i) {
    const ExchangeSegment& g = segments[i];
    const std::string at = "segment " + std::to_string(i) + ": ";
    const uint64_t expected = i == 0 ? 0 : segments[i - 1].unit;
    if (g.unit != expected && !(i > 0 && g.unit == expected + 1))
      return at + "unit " + std::to_string(g.unit) + " out of sequence (units are numbered 0, 1, ... in issue order)";
    if (g.layer >= L) return at + "layer " + std::to_string(g.layer) + " outside the network's " + std::to_string(L) + " layers";
    if (g.count == 0) return at + "count 0 (a segment holds at least one element)";
    if (g.offset > layer_elements[g.layer] || g.count > layer_elements[g.layer] - g.offset)
      return at + "offset " + std::to_string(g.offset) + " + count " + std::to_string(g.count) + " exceeds layer " + std::to_string(g.layer) + "'s " +
             std::to_string(layer_elements[g.layer]) + " elements";
    pieces[g.layer].push_back({g.offset, g.count});
  }
  for (size_t l = 0; l < L; ++l) {
    auto& p = pieces[l];
    std::sort(p.begin(), p.end());
    uint64_t covered = 0;  // elements [0, covered) seen once
    for (const auto& [offset, count] : p) {
      if (offset < covered) return "layer " + std::to_string(l) + ": element " + std::to_string(offset) + " reduced twice";
      if (offset > covered) return "layer " + std::to_string(l) + ": element " + std::to_string(covered) + " never reduced";
      covered = offset + count;
    }
    if (covered < layer_elements[l]) return "layer " + std::to_string(l) + ": element " + std::to_string(covered) + " never reduced";
  }
  return std::nullopt;
}

namespace {

std::vector<uint64_t> layer_starts(std::span<const uint64_t> layer_elements) {
  std::vector<uint64_t> start(layer_elements.size() + 1, 0);
  for (size_t l = 0; l < layer_elements.size(); ++l) start[l + 1] = start[l] + layer_elements[l];
  return start;
}

float pairwise(const float* v, size_t n) {
  if (n == 1) return v[0];
  size_t h = 1;
  while (h * 2 < n) h *= 2;
  return pairwise(v, h) + pairwise(v + h, n - h);
}

}  // namespace

void reduce_float32(std::span<const uint64_t> layer_elements, std::span<const ExchangeSegment> plan, std::span<const float> ranks, uint32_t rank_count,
                    ReductionOrder order, std::span<float> out) {
  const std::vector<uint64_t> start = layer_starts(layer_elements);
  const size_t n = start.back();
  float column[kExchangeMaxRanks];
  for (const ExchangeSegment& g : plan) {
    const size_t begin = start[g.layer] + g.offset, end = begin + g.count;
    if (order == ReductionOrder::RankOrder) {
      std::memcpy(out.data() + begin, ranks.data() + begin, g.count * sizeof(float));
      for (uint32_t r = 1; r < rank_count; ++r) {
        const float* row = ranks.data() + r * n;
        for (size_t i = begin; i < end; ++i) out[i] += row[i];
      }
      continue;
    }
    if (order == ReductionOrder::Free) {  // fast's own free order: the ranks folded from the last one down
      std::memcpy(out.data() + begin, ranks.data() + (rank_count - 1) * n + begin, g.count * sizeof(float));
      for (uint32_t r = rank_count - 1; r-- > 0;) {
        const float* row = ranks.data() + r * n;
        for (size_t i = begin; i < end; ++i) out[i] += row[i];
      }
      continue;
    }
    for (size_t i = begin; i < end; ++i) {
      for (uint32_t r = 0; r < rank_count; ++r) column[r] = ranks[r * n + i];
      out[i] = pairwise(column, rank_count);
    }
  }
}

void reduce_int64(std::span<const uint64_t> layer_elements, std::span<const ExchangeSegment> plan, std::span<const int64_t> ranks, uint32_t rank_count,
                  std::span<int64_t> out) {
  const std::vector<uint64_t> start = layer_starts(layer_elements);
  const size_t n = start.back();
  for (const ExchangeSegment& g : plan) {
    const size_t begin = start[g.layer] + g.offset, end = begin + g.count;
    std::memcpy(out.data() + begin, ranks.data() + begin, g.count * sizeof(int64_t));
    for (uint32_t r = 1; r < rank_count; ++r)
      for (size_t i = begin; i < end; ++i) out[i] += ranks[r * n + i];
  }
}

uint64_t portion_for_efficiency(const ExchangeConfig& c, uint32_t percent) {
  uint64_t largest = 1;
  for (uint64_t n : c.layer_elements) largest = std::max(largest, n);
  if (c.latency_ps == 0 || percent == 0) return 1;
  if (c.ps_per_byte == 0 || percent >= 100) return largest;  // no portion reaches it: one per layer
  // B·ps_per_byte·(100 − p) >= p·latency, B = e·element_bytes.
  const ExchangeU128 need = static_cast<ExchangeU128>(percent) * c.latency_ps;
  const ExchangeU128 per = static_cast<ExchangeU128>(c.element_bytes) * c.ps_per_byte * (100 - percent);
  const ExchangeU128 e = (need + per - 1) / per;
  return std::max<uint64_t>(1, e > largest ? largest : static_cast<uint64_t>(e));
}

uint64_t portion_for_step_time(ExchangeConfig c, std::span<const uint64_t> candidates) {
  uint64_t best = 0, best_step = 0;
  for (uint64_t p : candidates) {
    c.portion_elements = p;
    const uint64_t step = plan_exchange(c).step_ps;
    if (best == 0 || step < best_step || (step == best_step && p > best)) best = p, best_step = step;
  }
  return best;
}

}  // namespace lpc::fast
