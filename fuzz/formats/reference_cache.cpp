#include "fuzz/formats/reference_cache.hpp"

#include <memory>
#include <unordered_map>
#include <vector>

namespace lpc::fuzz {
namespace {

// About 40 bytes a breakpoint: the 36 maps of the two 16-bit formats take about 100 MiB, so the
// cache is emptied beyond 8 Mi breakpoints rather than growing with every (format, params) seen.
constexpr size_t kCacheBreakpoints = size_t{8} << 20;

const ref::RoundingMap& cached_map(size_t format_index, const EncodeParams& params) {
  // One word per (format, rounding, overflow), for a hash lookup.
  const uint64_t key = uint64_t{format_index} | uint64_t(params.rounding) << 32 | uint64_t(params.overflow) << 40;
  static std::unordered_map<uint64_t, std::unique_ptr<const ref::RoundingMap>> cache;
  static size_t cached_breakpoints = 0;
  if (auto it = cache.find(key); it != cache.end()) return *it->second;
  auto built = std::make_unique<const ref::RoundingMap>(all_formats()[format_index], params);
  if (cached_breakpoints + built->breakpoints().size() > kCacheBreakpoints) {
    cache.clear();
    cached_breakpoints = 0;
  }
  cached_breakpoints += built->breakpoints().size();
  return *cache.emplace(key, std::move(built)).first->second;
}

}  // namespace

ref::EncodeResult reference_encode(size_t format_index, const EncodeParams& params, const ref::ExactValue& x,
                                   uint32_t random, bool& used_map) {
  const Format& format = all_formats()[format_index];
  used_map = format.bits <= 16 && !is_stochastic(params.rounding);
  if (used_map) return cached_map(format_index, params).lookup(x);
  return ref::encode(format, params, x, random);
}

double reference_value(size_t format_index, uint32_t code) {
  const Format& format = all_formats()[format_index];
  if (format.bits > 16) return ref::decode(format, code).to_double();
  struct Table {
    std::vector<double> values;
    std::vector<bool> known;
  };
  static std::vector<Table> tables(all_formats().size());
  Table& table = tables[format_index];
  if (table.values.empty()) {
    table.values.resize(format.code_count());
    table.known.resize(format.code_count());
  }
  if (!table.known[code]) {
    table.values[code] = ref::decode(format, code).to_double();
    table.known[code] = true;
  }
  return table.values[code];
}

}  // namespace lpc::fuzz
