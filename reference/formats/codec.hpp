// lpconform reference — exact decode and encode for every format, rounding and overflow policy.
//
// An independent, readable rendering of spec/formats.md in exact arithmetic: decode applies the
// formula of §2; encode locates |x| between adjacent grid points (§5.1) with exact rational
// arithmetic and applies §5.2-5.4 case by case. It shares no code with impls/.
#pragma once

#include <cstdint>
#include <vector>

#include "reference/formats/exact_value.hpp"
#include "spec/formats/format.hpp"
#include "spec/formats/modes.hpp"

namespace lpc::ref {

// The exact value of `code` (spec/formats.md §2). Bits of `code` above the format width must be 0.
ExactValue decode(const Format& format, uint32_t code);

struct EncodeResult {
  uint32_t code = 0;
  uint8_t flags = 0;         // kFlag* bits (spec/formats.md §5.4)
  bool unspecified = false;  // the code is implementation-defined (NaN into a NaN-less format, ...):
                             // any code is permitted; `flags` is still the expected flags
  friend bool operator==(const EncodeResult&, const EncodeResult&) = default;
};

// Encode x (spec/formats.md §5). `random` supplies R (its low params.sr_bits bits) for the
// stochastic roundings and is ignored otherwise. Throws std::invalid_argument for a combination
// the spec rejects (e.g. `wrap` on a float format, sr_bits outside 1..24 for a stochastic mode).
EncodeResult encode(const Format& format, const EncodeParams& params, const ExactValue& x, uint32_t random = 0);

// True when `params` is a valid combination for `format` (the combinations encode accepts): floats
// take overflow sat, nonsat or satprop, integers sat or wrap; stochastic roundings need sr_bits in
// 1..24; a float format with a zero must have subnormals (§2 makes zero a subnormal).
bool supports(const Format& format, const EncodeParams& params);

// The canonical NaN code of spec/formats.md §5.3 for a NaN of sign `negative`: ieee — the sign,
// exponent all ones, only the top fraction bit; all_ones — the sign and every magnitude bit;
// neg_zero — 100...0. Unsigned formats ignore the sign. Throws std::invalid_argument when the
// format has no NaN.
uint32_t canonical_nan_code(const Format& format, bool negative);

// The exact decision boundaries of encode for one (format, params, R): the map from the extended
// reals to results is piecewise constant; it changes only at the breakpoints. Built by a second,
// independent route (all finite values of the format, sorted, with the rounding thresholds between
// neighbours computed exactly), so lookup() agreeing with encode() is itself a check.
// Exhaustive sweeps use it to check billions of inputs without exact arithmetic per input.
//
// How it is built (rounding_map.cpp): (1) decode every code; the finite values, sorted, ±0 merged,
// are the sites, each with its code and the parity of its magnitude code. (2) Add the overflow
// sites: for floats ±(the grid point one magnitude code past the largest finite one); for integers
// min−1 and max+1 (sat) or every integer of [−2^(K+1), 2^(K+1)] outside the range (wrap). (3) Every
// rule of the §5.1 table, solved for the fraction ν, rounds away iff ν is above a threshold f
// (ν = f having its own answer), or never, or always: between each pair of neighbouring sites the
// threshold point a + f·(b − a), mirrored for negatives, becomes a breakpoint. (4) Results take
// their codes from step 1 and their flags from §5.4; ±inf, NaN, −0 and overflow follow §5.2/§5.3.
//
// Integers under wrap: the result is periodic in |x| with period 2^K once out of range, so lookup
// first reduces |x| >= 2^(K+1) by a multiple of 2^K into [2^K, 2^(K+1)); the breakpoints cover
// [−2^(K+1), 2^(K+1)], and neither below_first() nor the last point's `above` is ever consulted
// (both hold the result for x = ±2^(K+1)).
struct Breakpoint {
  ExactValue point;    // finite, strictly ascending across the list; zero appears once (as +0)
  EncodeResult at;     // result for x == point (for zero: x == +0)
  EncodeResult above;  // result for point < x < next breakpoint (or < +inf after the last one)
};

class RoundingMap {
 public:
  // Formats of at most 16 bits. `random` as in encode(). Throws std::invalid_argument for a wider
  // format or a combination encode() rejects. About 0.1-0.3 us per code of the format.
  RoundingMap(const Format& format, const EncodeParams& params, uint32_t random = 0);

  // The result for x (binary search). Equals encode(format, params, x, random) for every x.
  EncodeResult lookup(const ExactValue& x) const;

  const std::vector<Breakpoint>& breakpoints() const { return points_; }
  const EncodeResult& below_first() const { return below_first_; }  // -inf < x < first point
  const EncodeResult& at_negative_zero() const { return negative_zero_; }
  const EncodeResult& at_negative_inf() const { return negative_inf_; }
  const EncodeResult& at_positive_inf() const { return positive_inf_; }
  const EncodeResult& at_nan(bool negative = false) const { return nan_[negative ? 1 : 0]; }  // NaN of that sign
  // Integers under wrap: results repeat with |x| (lookup folds |x| >= 2^(K+1) back).
  bool periodic() const { return wrap_period_bits_ > 0; }

 private:
  std::vector<Breakpoint> points_;
  EncodeResult below_first_, negative_zero_, negative_inf_, positive_inf_, nan_[2];
  int wrap_period_bits_ = 0;  // K for integers under wrap (lookup reduces |x| >= 2^(K+1)), else 0
};

}  // namespace lpc::ref
