// lpconform reference — a RoundingMap read in one source type's bit patterns: the breakpoints
// become ranges of the source's monotone keys, so one input costs an integer search instead of
// exact comparisons. The runner's oracle answers from it; the exhaustive sweep walks its ranges.
#pragma once

#include <cstdint>
#include <vector>

#include "reference/formats/codec.hpp"

namespace lpc::ref {

// The source bit patterns in value order: ascending key = ascending value, from the negative NaNs
// (key 0) through -inf, the negatives, -0, +0, the positives and +inf to the positive NaNs.
uint64_t source_key(Source source, uint64_t bits);
uint64_t source_bits(Source source, uint64_t key);  // the inverse

class SourceRanges {
 public:
  // Every key of `source` (2^width of them) tiled by ranges, each with the result map.lookup()
  // gives for all of its keys. Where a breakpoint falls between two source values is found by an
  // exact search over the keys (ExactValue comparisons), never by rounding it to a double.
  // Throws std::invalid_argument for an integer format under wrap (its results repeat with |x|:
  // no short list of ranges).
  SourceRanges(const RoundingMap& map, Source source);

  // The result for the source bit pattern `bits`; equals map.lookup(ExactValue::from_source(...)).
  EncodeResult lookup(uint64_t bits) const {
    const uint64_t key = bits & sign_ ? ~bits & mask_ : bits | sign_;  // source_key(), inline
    const uint64_t bucket = key >> bucket_shift_;
    size_t base = first_[bucket];
    size_t length = first_[bucket + 1] - base + 1;  // the range holding the bucket's last key included
    while (length > 1) {  // the last range of the window that begins at or below the key
      const size_t half = length / 2;
      base = begins_[base + half] <= key ? base + half : base;
      length -= half;
    }
    return results_[base];
  }

  Source source() const { return source_; }
  size_t size() const { return begins_.size(); }
  uint64_t begin(size_t i) const { return begins_[i]; }
  // One past the last key of range i (2^width for the last range; 0 when the width is 64).
  uint64_t end(size_t i) const { return i + 1 < begins_.size() ? begins_[i + 1] : end_key_; }
  const EncodeResult& result(size_t i) const { return results_[i]; }

 private:
  static constexpr int kBucketBits = 12;  // keys are first sorted into 4096 buckets by their top bits
  Source source_;
  uint64_t sign_, mask_;  // the source's sign bit and width mask
  int bucket_shift_ = 0;
  uint64_t end_key_ = 0;
  std::vector<uint64_t> begins_;       // ascending; begins_[0] == 0
  std::vector<EncodeResult> results_;  // results_[i] holds for keys [begins_[i], end(i))
  std::vector<uint32_t> first_;        // first_[b]: the range holding bucket b's first key; first_[4096]: the last range
};

}  // namespace lpc::ref
