// The exact reference (reference/formats) as an Implementation: the oracle the harness compares
// every subject with. Encode answers per input from ref::encode, or, for formats of at most 16
// bits and batches large enough to repay it, from a cached ref::RoundingMap (equal to encode for
// every input, and about a hundred times faster per lookup), read as ranges of the source's bit
// patterns (ref::SourceRanges: an integer search per input).
#include <map>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <string>
#include <tuple>
#include <vector>

#include "conformance/bundled/bundled.hpp"
#include "conformance/ops/derive.hpp"
#include "reference/formats/codec.hpp"
#include "reference/formats/source_ranges.hpp"

#ifndef LPC_VERSION  // set by the lpc_root_include target; a bare compile still builds
#define LPC_VERSION "unversioned"
#endif

namespace lpc {
namespace {

// Maps are cached per descriptor (by value, so formats from a user's own table are safe), per
// params and per R. The key holds every descriptor field that decode and encode read.
using MapKey = std::tuple<FormatKind, int, bool, int, int, int, int, InfEncoding, NanEncoding, bool, bool, bool,
                          Rounding, Overflow, int, uint32_t>;

MapKey map_key(const Format& f, const EncodeParams& p, uint32_t r) {
  const int sr_bits = is_stochastic(p.rounding) ? p.sr_bits : 0;
  return {f.kind, f.bits, f.is_signed, f.exp_bits, f.man_bits, f.radix, f.bias, f.inf, f.nan, f.neg_zero,
          f.has_zero, f.subnormals, p.rounding, p.overflow, sr_bits, r};
}

// Thread-safe: the runner calls entry points from several threads. A map is built outside the
// lock; when two threads race, the first one stored wins and both use it. The cache is emptied
// when it would exceed kCacheBreakpoints (about 128 MiB); maps in use stay alive with their users.
constexpr size_t kCacheBreakpoints = size_t{4} << 20;

std::shared_ptr<const ref::RoundingMap> cached_map(const Format& f, const EncodeParams& p, uint32_t r) {
  static std::mutex mutex;
  static std::map<MapKey, std::shared_ptr<const ref::RoundingMap>> cache;
  static size_t cached_breakpoints = 0;
  const MapKey key = map_key(f, p, r);
  {
    const std::lock_guard<std::mutex> lock(mutex);
    if (auto it = cache.find(key); it != cache.end()) return it->second;
  }
  auto built = std::make_shared<const ref::RoundingMap>(f, p, r);
  const std::lock_guard<std::mutex> lock(mutex);
  if (cached_breakpoints + built->breakpoints().size() > kCacheBreakpoints) {
    cache.clear();
    cached_breakpoints = 0;
  }
  auto [it, inserted] = cache.emplace(key, std::move(built));
  if (inserted) cached_breakpoints += it->second->breakpoints().size();
  return it->second;
}

// A map read in one source type's bit patterns (ref::SourceRanges), cached beside the maps: one
// lookup is then an integer search. Not for integers under wrap (their results repeat with |x|).
std::shared_ptr<const ref::SourceRanges> cached_ranges(const Format& f, const EncodeParams& p, uint32_t r, Source source) {
  static std::mutex mutex;
  static std::map<std::pair<MapKey, Source>, std::shared_ptr<const ref::SourceRanges>> cache;
  static size_t cached_ranges = 0;
  const auto key = std::make_pair(map_key(f, p, r), source);
  {
    const std::lock_guard<std::mutex> lock(mutex);
    if (auto it = cache.find(key); it != cache.end()) return it->second;
  }
  auto built = std::make_shared<const ref::SourceRanges>(*cached_map(f, p, r), source);
  const std::lock_guard<std::mutex> lock(mutex);
  if (cached_ranges + built->size() > kCacheBreakpoints) {
    cache.clear();
    cached_ranges = 0;
  }
  auto [it, inserted] = cache.emplace(key, std::move(built));
  if (inserted) cached_ranges += it->second->size();
  return it->second;
}

// Measured (g++ 12 -O2): encode() takes about 3-10 us per input; building a map about 0.1-0.3 us
// per code of the format (0.03 ms for an 8-bit format, 35 ms for a 16-bit one). So a map pays once
// the batch has more than about one input per 8 codes — per value of R for the stochastic
// roundings, which need one map each.
bool maps_pay_off(const Format& f, const EncodeParams& p, size_t batch_size) {
  if (f.bits > 16) return false;
  const uint64_t maps_needed = is_stochastic(p.rounding) ? uint64_t{1} << p.sr_bits : 1;
  return batch_size >= maps_needed * f.code_count() / 8;
}

OpStatus encode_batch(const EncodeBatch& batch, std::string& error) {
  const Format& format = *batch.format;
  const size_t n = batch.inputs.size();
  if (!ref::supports(format, batch.params)) return OpStatus::Unsupported;
  const bool stochastic = is_stochastic(batch.params.rounding);
  if (batch.codes.size() != n || (!batch.flags.empty() && batch.flags.size() != n) ||
      (!batch.unspecified.empty() && batch.unspecified.size() != n) ||
      (!batch.random.empty() && batch.random.size() != n) || (stochastic && n > 0 && batch.random.empty())) {
    error = "reference encode: span sizes do not match " + std::to_string(n) +
            " inputs (codes, flags, unspecified and random need one entry per input or none; stochastic rounding "
            "of any input needs the random words)";
    return OpStatus::Error;
  }
  const uint32_t random_mask = stochastic ? (uint32_t{1} << batch.params.sr_bits) - 1 : 0;
  // The maps this batch uses, one per value of R, fetched from the cache on first use.
  // Integers under wrap keep the map (ranges would repeat without end); everything else reads
  // the map's ranges in the source's bit patterns.
  const bool use_maps = maps_pay_off(format, batch.params, n);
  const bool periodic = format.is_integer() && batch.params.overflow == Overflow::Wrap;
  std::vector<std::shared_ptr<const ref::RoundingMap>> maps(use_maps && periodic ? random_mask + 1 : 0);
  std::vector<std::shared_ptr<const ref::SourceRanges>> ranges(use_maps && !periodic ? random_mask + 1 : 0);
  const int width = ref::source_width(batch.source);
  const uint64_t above_width = width == 64 ? 0 : ~uint64_t{0} << width;
  try {
    for (size_t i = 0; i < n; ++i) {
      const uint32_t r = batch.random.empty() ? 0 : batch.random[i] & random_mask;
      ref::EncodeResult result;
      if (!ranges.empty() && !(batch.inputs[i] & above_width)) {
        if (!ranges[r]) ranges[r] = cached_ranges(format, batch.params, r, batch.source);
        result = ranges[r]->lookup(batch.inputs[i]);
      } else {
        const ref::ExactValue x = ref::ExactValue::from_source(batch.source, batch.inputs[i]);  // throws on stray bits
        if (!maps.empty()) {
          if (!maps[r]) maps[r] = cached_map(format, batch.params, r);
          result = maps[r]->lookup(x);
        } else {
          result = ref::encode(format, batch.params, x, r);
        }
      }
      batch.codes[i] = result.code;  // unspecified results carry code 0 (declared below)
      if (!batch.flags.empty()) batch.flags[i] = result.flags;
      if (!batch.unspecified.empty()) batch.unspecified[i] = result.unspecified ? 1 : 0;
    }
  } catch (const std::exception& e) {
    error = std::string("reference encode to '") + format.name + "': " + e.what();
    return OpStatus::Error;
  }
  return OpStatus::Ok;
}

OpStatus decode_batch(const DecodeBatch& batch, std::string& error) {
  if (batch.values.size() != batch.codes.size()) {
    error = "reference decode: " + std::to_string(batch.codes.size()) + " codes but " +
            std::to_string(batch.values.size()) + " output values";
    return OpStatus::Error;
  }
  try {
    for (size_t i = 0; i < batch.codes.size(); ++i) batch.values[i] = ref::decode(*batch.format, batch.codes[i]).to_double();
  } catch (const std::exception& e) {
    error = std::string("reference decode of '") + batch.format->name + "': " + e.what();
    return OpStatus::Error;
  }
  return OpStatus::Ok;
}

Implementation make_reference() {
  Implementation impl;
  impl.name = "reference";
  impl.version = LPC_VERSION;
  impl.description =
      "Exact oracle: spec/formats.md in arbitrary-precision rational arithmetic (Boost.Multiprecision), "
      "cross-checked against exact decision-boundary maps built from the decoded values";
  impl.produces_flags = true;
  impl.declarations = {
      {"nan_encoding", "the canonical NaN of spec/formats.md §5.3 with the sign of x (ieee: only the top fraction "
                       "bit set; all_ones; the neg_zero code); payloads are not propagated"},
      {"nan_into_nanless", "code 0 with the invalid flag (marked unspecified)"},
      {"inf_into_integer_wrap", "code 0 with the invalid flag (marked unspecified)"},
      {"decode_nan", "a quiet float64 NaN with the sign bit of the code (no sign for a neg_zero NaN)"},
  };
  impl.encode = encode_batch;
  impl.decode = decode_batch;
  impl.run = [](const ops::OpCase& c, std::vector<ops::Tensor>& out, std::string& error) { return ops::bundled_run("reference", c, out, error); };
  return impl;
}

}  // namespace

const Implementation& reference_implementation() {
  static const Implementation impl = make_reference();
  return impl;
}

}  // namespace lpc
