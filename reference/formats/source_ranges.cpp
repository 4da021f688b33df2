// lpconform reference — SourceRanges: a RoundingMap's breakpoints placed among one source type's
// bit patterns by exact search.
#include "reference/formats/source_ranges.hpp"

#include <bit>
#include <cmath>
#include <stdexcept>

namespace lpc::ref {
namespace {

uint64_t sign_bit(Source source) { return uint64_t{1} << (source_width(source) - 1); }

uint64_t width_mask(Source source) {
  const int w = source_width(source);
  return w == 64 ? ~uint64_t{0} : (uint64_t{1} << w) - 1;
}

uint64_t key_of(uint64_t bits, uint64_t sign, uint64_t mask) { return bits & sign ? ~bits & mask : bits | sign; }

}  // namespace

uint64_t source_bits(Source source, uint64_t key) {
  return key & sign_bit(source) ? key & ~sign_bit(source) : ~key & width_mask(source);
}

uint64_t source_key(Source source, uint64_t bits) { return key_of(bits, sign_bit(source), width_mask(source)); }

SourceRanges::SourceRanges(const RoundingMap& map, Source source)
    : source_(source), sign_(sign_bit(source)), mask_(width_mask(source)) {
  if (map.periodic())
    throw std::invalid_argument("SourceRanges: an integer format under wrap has results that repeat with |x|");
  const int width = source_width(source);
  const uint64_t sign = sign_, mask = mask_;
  const uint64_t exponent_ones = width == 64 ? 0x7FF0000000000000u : width == 32 ? 0x7F800000u
                                 : source == Source::BF16 ? 0x7F80u : 0x7C00u;
  const uint64_t key_negative_inf = source_key(source, sign | exponent_ones);
  const uint64_t key_negative_zero = source_key(source, sign), key_positive_zero = key_negative_zero + 1;
  const uint64_t key_positive_inf = source_key(source, exponent_ones);
  const auto value_at = [&](uint64_t key) { return ExactValue::from_source(source, source_bits(source, key)); };
  // Every source value is a float64 and so is every breakpoint (ExactValue::to_double throws
  // otherwise), so comparing the two as float64s is exact, and much cheaper.
  const auto double_at = [&](uint64_t key) {
    const uint64_t bits = source_bits(source, key);
    switch (source) {
      case Source::F64: return std::bit_cast<double>(bits);
      case Source::F32: return double(std::bit_cast<float>(static_cast<uint32_t>(bits)));
      case Source::BF16: return double(std::bit_cast<float>(static_cast<uint32_t>(bits << 16)));
      case Source::F16: break;
    }
    return value_at(key).to_double();
  };

  const auto add = [&](uint64_t begin, uint64_t end, const EncodeResult& r) {
    if (begin < end) {
      begins_.push_back(begin);
      results_.push_back(r);
    }
  };
  add(0, key_negative_inf, map.at_nan(true));
  add(key_negative_inf, key_negative_inf + 1, map.at_negative_inf());
  uint64_t cursor = key_negative_inf + 1;
  const EncodeResult* open = &map.below_first();  // the result of the range being extended
  for (const Breakpoint& bp : map.breakpoints()) {
    if (bp.point.is_zero()) {
      add(cursor, key_negative_zero, *open);
      add(key_negative_zero, key_positive_zero, map.at_negative_zero());
      add(key_positive_zero, key_positive_zero + 1, bp.at);
      cursor = key_positive_zero + 1;
    } else {
      // The first finite key at or above the point (+inf's key when every finite value is below).
      const double point = bp.point.to_double();
      uint64_t lo = key_negative_inf + 1, hi = key_positive_inf;
      if (source == Source::F64) {  // the point is a float64: its own key
        lo = hi = source_key(source, std::bit_cast<uint64_t>(point));
      } else if (source == Source::F32) {  // the float32 nearest the point, stepped up if below it
        float f = static_cast<float>(point);
        if (std::isinf(f)) {
          lo = hi = f > 0 ? key_positive_inf : key_negative_inf + 1;
        } else {
          if (static_cast<double>(f) < point) f = std::nextafter(f, INFINITY);
          lo = hi = source_key(source, std::bit_cast<uint32_t>(f));
        }
      }
      while (lo < hi) {  // bfloat16, float16: a search over 2^16 keys
        const uint64_t mid = lo + (hi - lo) / 2;
        if (double_at(mid) >= point) hi = mid;
        else lo = mid + 1;
      }
      // Zero has two keys; a point above zero lies above both, one below zero below -0's.
      add(cursor, lo, *open);
      cursor = lo;
      if (lo != key_positive_inf && compare(value_at(lo), bp.point) == 0) {
        add(lo, lo + 1, bp.at);
        cursor = lo + 1;
      }
    }
    open = &bp.above;
  }
  add(cursor, key_positive_inf, *open);
  add(key_positive_inf, key_positive_inf + 1, map.at_positive_inf());
  add(key_positive_inf + 1, mask, map.at_nan(false));  // runs on to the last key, mask, inclusive
  end_key_ = width == 64 ? 0 : mask + 1;

  bucket_shift_ = width - kBucketBits;
  first_.resize((size_t{1} << kBucketBits) + 1);
  size_t i = 0;
  for (size_t b = 0; b < (size_t{1} << kBucketBits); ++b) {
    const uint64_t first_key = uint64_t{b} << bucket_shift_;
    while (i + 1 < begins_.size() && begins_[i + 1] <= first_key) ++i;
    first_[b] = static_cast<uint32_t>(i);
  }
  first_.back() = static_cast<uint32_t>(begins_.size() - 1);
}

}  // namespace lpc::ref
