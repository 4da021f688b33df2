// lpconform reference — the portioned, overlapped gradient exchange by its definitions
// (spec/grad_exchange.md §2-§5).
#include "reference/distributed/grad_exchange.hpp"

#include <cmath>
#include <cstring>

#include <boost/multiprecision/cpp_int.hpp>

namespace lpc::ref {

using boost::multiprecision::cpp_int;

namespace {

struct Unit {
  std::vector<ExchangeSegment> segments;
  uint64_t ready = 0, bytes = 0, lowest_layer = 0, first_offset = 0;
  bool sent = false;
};

// §4.1: the end of layer l's backward: the compute of layers L−1 down to l.
uint64_t backward_end(const ExchangeConfig& c, size_t l) {
  uint64_t t = 0;
  for (size_t j = l; j < c.layer_elements.size(); ++j) t += c.layer_elements[j] * c.compute_ps_per_element;
  return t;
}

// §2.1: portion k of layer l holds elements [k·P, min((k+1)·P, n_l)); units are created layer L−1
// first. §2.2: DDP's buckets: tensors in gradient-ready order, each bucket closed at >= its cap.
std::vector<Unit> units_of(const ExchangeConfig& c) {
  std::vector<Unit> units;
  const size_t L = c.layer_elements.size();
  if (c.scheme == ExchangeScheme::Portions) {
    for (size_t step = 0; step < L; ++step) {
      const size_t l = L - 1 - step;
      const uint64_t n = c.layer_elements[l], portions = (n + c.portion_elements - 1) / c.portion_elements;
      for (uint64_t k = 0; k < portions; ++k) {
        const uint64_t first = k * c.portion_elements, last = std::min(n, first + c.portion_elements);
        Unit u;
        u.segments = {{0, l, first, last - first}};
        u.ready = backward_end(c, l);
        u.bytes = (last - first) * c.element_bytes;
        u.lowest_layer = l;
        u.first_offset = first;
        units.push_back(u);
      }
    }
    return units;
  }
  std::vector<size_t> bucket;  // layers of the open bucket
  uint64_t bytes = 0;
  auto close = [&] {
    Unit u;
    for (size_t l : bucket) u.segments.push_back({0, l, 0, c.layer_elements[l]});
    u.lowest_layer = bucket.back();  // the last tensor added is the lowest layer and the last ready
    u.ready = backward_end(c, u.lowest_layer);
    u.bytes = bytes;
    units.push_back(u);
    bucket.clear();
    bytes = 0;
  };
  for (size_t step = 0; step < L; ++step) {
    const size_t l = L - 1 - step;
    bucket.push_back(l);
    bytes += c.layer_elements[l] * c.element_bytes;
    const uint64_t cap = units.empty() ? c.first_cap_bytes : c.cap_bytes;
    if (bytes >= cap) close();
  }
  if (!bucket.empty()) close();
  return units;
}

// §3: does unit a go before unit b (both ready)? a_index < b_index is creation order.
bool before(const ExchangeConfig& c, const Unit& a, size_t a_index, const Unit& b, size_t b_index) {
  if (c.priority == ExchangePriority::LowerLayerFirst) {
    if (a.lowest_layer != b.lowest_layer) return a.lowest_layer < b.lowest_layer;
    if (a.first_offset != b.first_offset) return a.first_offset < b.first_offset;
    return a_index < b_index;
  }
  if (a.ready != b.ready) return a.ready < b.ready;
  return a_index < b_index;
}

}  // namespace

ExchangeSchedule plan_exchange(const ExchangeConfig& c) {
  std::vector<Unit> units = units_of(c);
  ExchangeSchedule s;
  s.backward_ps = backward_end(c, 0);
  uint64_t link_free = 0, total_bytes = 0;
  for (const Unit& u : units) total_bytes += u.bytes;
  for (uint64_t id = 0; id < units.size(); ++id) {
    // The link is free at link_free; if nothing unsent is ready then, it waits for the earliest.
    uint64_t now = link_free;
    bool any_ready = false;
    uint64_t earliest = UINT64_MAX;
    for (const Unit& u : units)
      if (!u.sent) {
        any_ready = any_ready || u.ready <= now;
        earliest = std::min(earliest, u.ready);
      }
    if (!any_ready) now = earliest;
    size_t pick = units.size();
    for (size_t j = 0; j < units.size(); ++j)
      if (!units[j].sent && units[j].ready <= now && (pick == units.size() || before(c, units[j], j, units[pick], pick))) pick = j;
    Unit& u = units[pick];
    u.sent = true;
    for (ExchangeSegment g : u.segments) {
      g.unit = id;
      s.segments.push_back(g);
    }
    s.ready_ps.push_back(u.ready);
    s.start_ps.push_back(now);
    link_free = now + c.latency_ps + u.bytes * c.ps_per_byte;
    s.end_ps.push_back(link_free);
  }
  s.step_ps = std::max(s.backward_ps, link_free);
  s.serial_step_ps = s.backward_ps + c.latency_ps + total_bytes * c.ps_per_byte;
  return s;
}

std::optional<std::string> plan_error(std::span<const uint64_t> layer_elements, std::span<const ExchangeSegment> segments) {
  const size_t L = layer_elements.size();
  std::vector<uint64_t> start(L + 1, 0);
  for (size_t l = 0; l < L; ++l) {
    start[l + 1] = start[l] + layer_elements[l];
    if (start[l + 1] > (uint64_t{1} << 24)) return std::string("the reference counts coverage element by element: at most 2^24 elements");
  }
  std::vector<uint8_t> times(start[L], 0);
  uint64_t unit = 0;
  for (size_t i = 0; i < segments.size(); ++i) {
    const ExchangeSegment& g = segments[i];
    const std::string at = "segment " + std::to_string(i) + ": ";
    const bool in_sequence = i == 0 ? g.unit == 0 : (g.unit == unit || g.unit == unit + 1);
    if (!in_sequence) return at + "unit " + std::to_string(g.unit) + " out of sequence (units are numbered 0, 1, ... in issue order)";
    unit = g.unit;
    if (g.layer >= L) return at + "layer " + std::to_string(g.layer) + " outside the network's " + std::to_string(L) + " layers";
    if (g.count == 0) return at + "count 0 (a segment holds at least one element)";
    const uint64_t n = layer_elements[g.layer];
    if (g.offset >= n || g.count > n - g.offset)
      return at + "offset " + std::to_string(g.offset) + " + count " + std::to_string(g.count) + " exceeds layer " + std::to_string(g.layer) + "'s " +
             std::to_string(n) + " elements";
    for (uint64_t k = 0; k < g.count; ++k) {
      uint8_t& t = times[start[g.layer] + g.offset + k];
      if (t == 1) return "layer " + std::to_string(g.layer) + ": element " + std::to_string(g.offset + k) + " reduced twice";
      t = 1;
    }
  }
  for (size_t l = 0; l < L; ++l)
    for (uint64_t k = 0; k < layer_elements[l]; ++k)
      if (times[start[l] + k] == 0) return "layer " + std::to_string(l) + ": element " + std::to_string(k) + " never reduced";
  return std::nullopt;
}

namespace {

// A finite float32 as the integer k with value k·2^-149.
cpp_int scaled(float x) {
  int e = 0;
  const double m = std::frexp(static_cast<double>(x), &e);  // x = m·2^e, 0.5 <= |m| < 1
  const int64_t mant = static_cast<int64_t>(std::ldexp(m, 24));  // exact: 24 significant bits
  cpp_int k = mant;
  const int shift = e - 24 + 149;  // negative only for subnormals, whose low mant bits are zero
  return shift >= 0 ? cpp_int(k << shift) : cpp_int(k >> -shift);
}

// k·2^-149 rounded to float32, to nearest, ties to even (no overflow within §5.1's bounds).
float rounded(const cpp_int& k) {
  if (k == 0) return 0.0f;
  const bool negative = k < 0;
  const cpp_int a = negative ? cpp_int(-k) : k;
  const int bits = static_cast<int>(boost::multiprecision::msb(a)) + 1;
  cpp_int q = a;
  int shift = 0;
  if (bits > 24) {
    shift = bits - 24;
    q = a >> shift;
    const cpp_int rest = a - (q << shift), half = cpp_int(1) << (shift - 1);
    if (rest > half || (rest == half && (q & 1) != 0)) ++q;
  }
  const float value = static_cast<float>(std::ldexp(q.convert_to<double>(), shift - 149));
  return negative ? -value : value;
}

// a + b in float32 (IEEE 754 §6.3): the exact sum rounded; an exact zero is -0 only when both
// addends are -0, else +0 (rounding to nearest).
float add32(float a, float b) {
  const cpp_int s = scaled(a) + scaled(b);
  if (s == 0) return std::signbit(a) && std::signbit(b) ? -0.0f : 0.0f;
  return rounded(s);
}

float pairwise(const std::vector<float>& v, size_t lo, size_t hi) {
  if (hi - lo == 1) return v[lo];
  size_t h = 1;
  while (h * 2 < hi - lo) h *= 2;
  return add32(pairwise(v, lo, lo + h), pairwise(v, lo + h, hi));
}

}  // namespace

std::vector<float> reduce_float32(std::span<const float> ranks, uint32_t rank_count, ReductionOrder order) {
  const size_t n = ranks.size() / rank_count;
  std::vector<float> out(n), column(rank_count);
  for (size_t i = 0; i < n; ++i) {
    for (uint32_t r = 0; r < rank_count; ++r) column[r] = ranks[r * n + i];
    if (order == ReductionOrder::Pairwise) {
      out[i] = pairwise(column, 0, rank_count);
      continue;
    }
    float s = column[0];
    for (uint32_t r = 1; r < rank_count; ++r) s = add32(s, column[r]);
    out[i] = s;
  }
  return out;
}

bool within_sum_bound(std::span<const float> ranks, uint32_t rank_count, size_t i, float got) {
  if (!std::isfinite(got)) return false;
  const size_t n = ranks.size() / rank_count;
  cpp_int s = 0, a = 0;
  for (uint32_t r = 0; r < rank_count; ++r) {
    const cpp_int k = scaled(ranks[r * n + i]);
    s += k;
    a += k < 0 ? cpp_int(-k) : k;
  }
  cpp_int d = scaled(got) - s;
  if (d < 0) d = -d;
  const cpp_int h = rank_count - 1;
  // γ_h = h/(2^24 − h): d <= γ_h·a  <=>  d·(2^24 − h) <= h·a.
  return d * ((cpp_int(1) << 24) - h) <= h * a;
}

std::vector<int64_t> reduce_int64(std::span<const int64_t> ranks, uint32_t rank_count) {
  const size_t n = ranks.size() / rank_count;
  std::vector<int64_t> out(n);
  for (size_t i = 0; i < n; ++i) {
    cpp_int s = 0;
    for (uint32_t r = 0; r < rank_count; ++r) s += ranks[r * n + i];
    out[i] = s.convert_to<int64_t>();
  }
  return out;
}

}  // namespace lpc::ref
