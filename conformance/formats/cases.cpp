#include "conformance/formats/cases.hpp"

#include <algorithm>
#include <bit>
#include <cmath>
#include <random>
#include <stdexcept>

#include "reference/formats/codec.hpp"

namespace lpc::cases {

namespace {

// The bit layout of a binary interchange source type.
struct SourceLayout {
  int exp_bits, man_bits;
  uint64_t sign() const { return uint64_t{1} << (exp_bits + man_bits); }
  uint64_t exp_all_ones() const { return ((uint64_t{1} << exp_bits) - 1) << man_bits; }  // +inf
  uint64_t man_mask() const { return (uint64_t{1} << man_bits) - 1; }
  int bias() const { return (1 << (exp_bits - 1)) - 1; }
};

SourceLayout layout_of(Source source) {
  switch (source) {
    case Source::F32: return {8, 23};
    case Source::F64: return {11, 52};
    case Source::BF16: return {8, 7};
    case Source::F16: return {5, 10};
  }
  throw std::logic_error("unknown source");
}

void require_wide(Source source) {
  if (source != Source::F32 && source != Source::F64)
    throw std::invalid_argument(std::string("boundary and random inputs are generated for float32 and float64, not ") + to_string(source));
}

// The non-NaN source values in order map to consecutive integers (negative values below zero), so
// "n ulps away" is integer addition. -0 and +0 both map to 0.
int64_t ordered_key(const SourceLayout& l, uint64_t bits) {
  const int64_t magnitude = static_cast<int64_t>(bits & (l.sign() - 1));
  return (bits & l.sign()) ? -magnitude : magnitude;
}
uint64_t from_ordered_key(const SourceLayout& l, int64_t key) {
  return key < 0 ? (l.sign() | static_cast<uint64_t>(-key)) : static_cast<uint64_t>(key);
}

// The source value nearest to `x` (a float64), as bits. float64 -> float32 rounds to nearest.
uint64_t nearest_source_bits(Source source, double x) {
  if (source == Source::F64) return std::bit_cast<uint64_t>(x);
  return std::bit_cast<uint32_t>(static_cast<float>(x));
}

// The tininess boundary (spec/formats.md §7.3): below the smallest normal value N the format's
// result rounds with the subnormal spacing, but "tiny after rounding" rounds with half of it, so the
// two definitions part at N·(1 - 2^-(m+1)) (delivered: a tie to N; unbounded: N's neighbour below)
// and at N·(1 - 2^-(m+2)) (the unbounded rounding's own tie). Those points and two source ulps
// either side, both signs; radix-2 float formats with subnormals only.
void add_tininess_boundaries(const Format& format, Source source, const SourceLayout& l, std::vector<uint64_t>& out) {
  if (!format.is_float() || !format.subnormals || format.radix != 2) return;
  const double n = ref::decode(format, uint32_t{1} << format.man_bits).to_double();
  for (int k : {format.man_bits + 1, format.man_bits + 2}) {
    const int64_t key = ordered_key(l, nearest_source_bits(source, n - std::ldexp(n, -k)));
    for (int64_t d = -2; d <= 2; ++d) {
      const uint64_t bits = from_ordered_key(l, key + d);
      out.push_back(bits);
      out.push_back(bits ^ l.sign());
    }
  }
}

void add_specials(const SourceLayout& l, std::vector<uint64_t>& out) {
  const uint64_t inf = l.exp_all_ones(), quiet = uint64_t{1} << (l.man_bits - 1);
  const uint64_t one = static_cast<uint64_t>(l.bias()) << l.man_bits;
  const uint64_t magnitudes[] = {
      0, inf, inf | quiet, inf | 1, inf | (quiet - 1), inf | l.man_mask(), inf | quiet | 1,
      1, l.man_mask(), uint64_t{1} << l.man_bits, inf - 1, one};
  for (uint64_t m : magnitudes) {
    out.push_back(m);
    out.push_back(m | l.sign());
  }
}

void add_breakpoints(const ref::RoundingMap& map, Source source, const SourceLayout& l, std::vector<uint64_t>& out) {
  const int64_t max_key = static_cast<int64_t>(l.exp_all_ones());  // +inf
  for (const ref::Breakpoint& b : map.breakpoints()) {
    double point;
    try {
      point = b.point.to_double();
    } catch (const std::domain_error&) {
      continue;  // not a float64: outside every source type the suite reads
    }
    const int64_t key = ordered_key(l, nearest_source_bits(source, point));
    for (int64_t step = -2; step <= 2; ++step)
      if (key + step >= -max_key && key + step <= max_key) out.push_back(from_ordered_key(l, key + step));
  }
}

// Binary exponents (of 2) from just below the format's smallest positive value to just above its
// largest: a sampling range, so an estimate from the descriptor is enough.
std::pair<int, int> format_binades(const Format& f) {
  if (f.is_integer()) return {-3, f.bits + 3};
  const int log2_radix = f.radix == 4 ? 2 : 1;
  const int smallest = (1 - f.bias) * log2_radix - f.man_bits;
  const int largest = ((1 << f.exp_bits) - 1 - f.bias) * log2_radix + log2_radix;
  return {smallest - 3, largest + 3};
}

uint64_t random_significand(const SourceLayout& l, std::mt19937_64& rng) {
  const uint64_t mask = l.man_mask();
  if (rng() % 4 != 0) return rng() & mask;
  const int bit = static_cast<int>(rng() % l.man_bits);
  switch (rng() % 6) {
    case 0: return 0;
    case 1: return mask;
    case 2: return uint64_t{1} << bit;                  // walking one
    case 3: return mask & ~(uint64_t{1} << bit);        // walking zero
    case 4: return mask & ~((uint64_t{1} << bit) - 1);  // a run of leading ones
    default: return (uint64_t{1} << bit) - 1;           // a run of trailing ones
  }
}

}  // namespace

std::vector<uint64_t> all_source_patterns(Source source) {
  if (source != Source::BF16 && source != Source::F16)
    throw std::invalid_argument(std::string("every bit pattern is enumerated only for 16-bit sources, not ") + to_string(source));
  std::vector<uint64_t> out(uint64_t{1} << 16);
  for (uint64_t i = 0; i < out.size(); ++i) out[i] = i;
  return out;
}

std::vector<uint64_t> all_codes(const Format& format) {
  if (format.bits > 16) throw std::invalid_argument("every code is enumerated only for formats of at most 16 bits, not " + format.name);
  std::vector<uint64_t> out(format.code_count());
  for (uint64_t i = 0; i < out.size(); ++i) out[i] = i;
  return out;
}

std::vector<uint64_t> boundary_inputs(const Format& format, const EncodeParams& params, Source source) {
  require_wide(source);
  const SourceLayout l = layout_of(source);
  std::vector<uint64_t> out;
  add_specials(l, out);
  if (is_stochastic(params.rounding)) {
    const uint32_t top = (uint32_t{1} << params.sr_bits) - 1;
    for (uint32_t r : {uint32_t{0}, (top + 1) / 2, top}) add_breakpoints(ref::RoundingMap(format, params, r), source, l, out);
  } else {
    add_breakpoints(ref::RoundingMap(format, params), source, l, out);
  }
  add_tininess_boundaries(format, source, l, out);
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

std::vector<uint64_t> random_inputs(const Format& format, Source source, size_t count, uint64_t seed) {
  require_wide(source);
  const SourceLayout l = layout_of(source);
  const auto [lo, hi] = format_binades(format);
  const int min_normal = 1 - l.bias(), max_exp = l.bias();
  const int lo_clamped = std::max(lo, min_normal - l.man_bits), hi_clamped = std::min(hi, max_exp);
  std::mt19937_64 rng(seed);
  std::vector<uint64_t> out(count);
  for (uint64_t& bits : out) {
    uint64_t significand = random_significand(l, rng);
    uint64_t exponent_field;
    if (rng() % 2 == 0 || lo_clamped > hi_clamped) {
      exponent_field = rng() % (uint64_t{1} << l.exp_bits);  // any binade, zero/subnormal and inf/NaN included
    } else {
      const int binade = lo_clamped + static_cast<int>(rng() % static_cast<uint64_t>(hi_clamped - lo_clamped + 1));
      if (binade >= min_normal) {
        exponent_field = static_cast<uint64_t>(binade + l.bias());
      } else {
        // A subnormal binade: the leading significand bit sits man_bits - (min_normal - binade).
        const int lead = l.man_bits - (min_normal - binade);
        exponent_field = 0;
        significand = (uint64_t{1} << lead) | (significand & ((uint64_t{1} << lead) - 1));
      }
    }
    bits = (rng() % 2 ? l.sign() : 0) | (exponent_field << l.man_bits) | significand;
  }
  return out;
}

std::vector<uint32_t> random_words(size_t count, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::vector<uint32_t> out(count);
  for (uint32_t& r : out) r = static_cast<uint32_t>(rng() >> 32);
  return out;
}

}  // namespace lpc::cases
