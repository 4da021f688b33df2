// lpconform reference — RoundingMap: the decision boundaries of encode, built by a second route
// (described in codec.hpp) from the decoded values of the format and the rounding rules solved
// for their thresholds. Of the encode route it uses only decode() and canonical_nan_code().
#include <algorithm>
#include <stdexcept>
#include <string>

#include <boost/multiprecision/cpp_int.hpp>

#include "reference/formats/codec.hpp"

namespace lpc::ref {
namespace {

using Integer = boost::multiprecision::cpp_int;

constexpr uint8_t kOverflowInexact = kFlagOverflow | kFlagInexact;

// A site: a value some x can round to — a value of the format, or an overflow candidate.
struct Site {
  ExactValue value;
  uint32_t code = 0;          // the format's code for value (unused for overflow sites of floats)
  bool even = false;          // its magnitude code is even (§5.1)
  bool out_of_range = false;  // past the finite range: landing here is overflow (§5.2)
};

// One §5.1 rule between neighbours with magnitudes a < b, solved for the fraction nu: the rule
// rounds away for nu below, at and above the threshold f = numerator / 2^log2_denominator in (0, 1);
// without a threshold the answer is `away_above` for every nu in (0, 1).
struct Decision {
  bool has_threshold = false;
  uint64_t numerator = 0;
  int log2_denominator = 0;
  bool away_below = false, away_at = false, away_above = false;
};

Decision always(bool away) { return {false, 0, 0, away, away, away}; }

Decision decide(const EncodeParams& p, uint32_t random, bool negative, bool a_is_even, bool b_is_even) {
  const int n = p.sr_bits;
  const uint64_t r = random & ((uint64_t{1} << n) - 1);
  const uint64_t two_to_n = uint64_t{1} << n;
  switch (p.rounding) {
    // Nearest: the midpoint f = 1/2; the tie goes to the even neighbour (rne) or away (rna).
    case Rounding::Rne: return {true, 1, 1, false, b_is_even, true};
    case Rounding::Rna: return {true, 1, 1, false, true, true};
    // Directed and odd: one answer for the whole open interval.
    case Rounding::Rtz: return always(false);
    case Rounding::Rup: return always(!negative);
    case Rounding::Rdn: return always(negative);
    case Rounding::Rto: return always(a_is_even);
    // A: floor(nu 2^N) >= 2^N - R  <=>  nu >= (2^N - R) / 2^N (an integer bound); R = 0: never.
    case Rounding::SrA:
      if (r == 0) return always(false);
      return {true, two_to_n - r, n, false, true, true};
    // B: floor(nu 2^(N+1)) >= 2^(N+1) - 2R - 1  <=>  nu >= (2^(N+1) - 2R - 1) / 2^(N+1).
    case Rounding::SrB: return {true, 2 * two_to_n - 2 * r - 1, n + 1, false, true, true};
    // C: RNE(nu 2^N) >= T = 2^N - R  <=>  nu 2^N > T - 1/2, or = T - 1/2 with the tie going to T,
    //    i.e. T even. Threshold (2T - 1) / 2^(N+1).
    case Rounding::SrC: {
      const uint64_t t = two_to_n - r;
      return {true, 2 * t - 1, n + 1, false, t % 2 == 0, true};
    }
  }
  throw std::logic_error("RoundingMap: unknown rounding mode");
}

ExactValue exact_from_integer(bool negative, Integer n, int64_t exponent) {
  if (n == 0) return ExactValue::zero(negative);
  const unsigned trailing_zeros = boost::multiprecision::lsb(n);
  n >>= trailing_zeros;
  if (boost::multiprecision::msb(n) >= 64) throw std::logic_error("RoundingMap: a threshold needs more than 64 bits");
  return ExactValue::finite(negative, static_cast<uint64_t>(n), static_cast<int32_t>(exponent + trailing_zeros));
}

// The point a + f (b - a) for magnitudes 0 <= a < b, with the sign of the interval.
ExactValue threshold_point(const ExactValue& a, const ExactValue& b, const Decision& d, bool negative) {
  // Both magnitudes as integers times 2^e0, e0 the smaller exponent; then scale by 2^L for f.
  const int64_t e0 = a.is_zero() ? b.exponent : std::min(a.exponent, b.exponent);
  const Integer a_scaled = a.is_zero() ? Integer(0) : Integer(a.significand) << static_cast<unsigned>(a.exponent - e0);
  const Integer b_scaled = Integer(b.significand) << static_cast<unsigned>(b.exponent - e0);
  const Integer t = (a_scaled << d.log2_denominator) + (b_scaled - a_scaled) * d.numerator;
  return exact_from_integer(negative, t, e0 - d.log2_denominator);
}

ExactValue magnitude_of(const ExactValue& v) { return ExactValue::finite(false, v.significand, v.exponent); }

int64_t integer_of(const ExactValue& v) {  // v an integer that fits
  const int64_t magnitude = static_cast<int64_t>(v.significand << v.exponent);
  return v.negative ? -magnitude : magnitude;
}

// Builds the map; the results follow spec/formats.md §5.2-5.4, stated here in terms of sites.
class Builder {
 public:
  Builder(const Format& f, const EncodeParams& p, uint32_t random) : f_(f), p_(p), random_(random) {
    if (f.is_integer()) collect_integer_sites();
    else collect_float_sites();
  }

  std::vector<Breakpoint> breakpoints() const {
    std::vector<Breakpoint> points;
    points.reserve(2 * sites_.size());
    for (size_t i = 0; i < sites_.size(); ++i) {
      Breakpoint here{sites_[i].value, exact_result(sites_[i]), {}};
      if (i + 1 == sites_.size()) {  // above the last site: everything rounds past the range
        here.above = out_of_range_result(sites_[i]);
        points.push_back(here);
        break;
      }
      // The open interval to the next site: magnitudes a < b, on one side of zero.
      const Site& lo = sites_[i];
      const Site& hi = sites_[i + 1];
      const bool negative = lo.value.negative && !lo.value.is_zero();
      const Site& a = negative ? hi : lo;
      const Site& b = negative ? lo : hi;
      const bool tiny = f_.is_float() && compare(magnitude_of(b.value), smallest_normal_) <= 0;
      // §5.1: zero-less formats take every 0 < |x| < smallest up to the smallest, in every mode.
      const Decision d = (f_.is_float() && !f_.has_zero && a.value.is_zero())
                             ? always(true)
                             : decide(p_, random_, negative, a.even, b.even);
      auto land = [&](bool away) { return landing_result(away ? b : a, negative, tiny); };
      if (!d.has_threshold) {
        here.above = land(d.away_above);
        points.push_back(here);
        continue;
      }
      // Going up through the interval, nu rises on the positive side and falls on the negative.
      const ExactValue t = threshold_point(magnitude_of(a.value), magnitude_of(b.value), d, negative);
      here.above = land(negative ? d.away_above : d.away_below);
      points.push_back(here);
      points.push_back({t, land(d.away_at), land(negative ? d.away_below : d.away_above)});
    }
    return points;
  }

  EncodeResult below_first() const {
    if (f_.is_float() && !f_.is_signed) return invalid_nan(true);  // §5.3 negative into unsigned
    if (f_.is_integer() && p_.overflow == Overflow::Wrap) return exact_result(sites_.front());  // never consulted
    return out_of_range_result(sites_.front());
  }

  EncodeResult negative_zero() const {
    if (f_.is_integer()) return {0, 0, false};
    if (!f_.has_zero) return invalid_nan(true);  // E8M0: zero is invalid
    return {f_.neg_zero ? negative_zero_code_ : 0u, 0, false};
  }

  // §5.2 "+-inf input" column with §5.3 (unsigned: -inf is NaN) and §5.4 flags.
  EncodeResult infinity(bool negative) const {
    if (f_.is_integer()) {
      if (p_.overflow == Overflow::Wrap) return {0, kFlagInvalid, true};
      return {negative ? min_code_ : max_code_, kOverflowInexact, false};
    }
    if (negative && !f_.is_signed) return invalid_nan(true);
    if (f_.has_inf() && p_.overflow != Overflow::Sat) return {infinity_code_[negative], 0, false};
    if (f_.has_nan() && p_.overflow == Overflow::NonSat) return invalid_nan(negative);
    return {negative ? min_code_ : max_code_, kOverflowInexact, false};
  }

  // §5.3 NaN input.
  EncodeResult nan(bool negative) const {
    if (f_.is_float() && f_.has_nan()) return {canonical_nan_code(f_, negative), 0, false};
    return {0, kFlagInvalid, true};
  }

 private:
  // Step 1: the values of the format; step 2: the overflow site past each end.
  void collect_float_sites() {
    const uint32_t sign_bit = f_.is_signed ? 1u << (f_.bits - 1) : 0u;
    for (uint32_t code = 0; code < f_.code_count(); ++code) {
      const ExactValue v = decode(f_, code);
      if (v.is_nan()) continue;
      if (v.is_inf()) { infinity_code_[v.negative] = code; continue; }
      if (v.is_zero() && v.negative) { negative_zero_code_ = code; continue; }  // merged with +0
      sites_.push_back({v, code, ((code & ~sign_bit) & 1u) == 0, false});
    }
    sort_sites();
    max_code_ = sites_.back().code;
    min_code_ = sites_.front().code;
    // The grid point past max: §2's formula for the next magnitude code, read with one more
    // exponent bit and no special codes.
    Format wider = f_;
    wider.bits += 1;
    wider.exp_bits += 1;
    wider.inf = InfEncoding::None;
    wider.nan = NanEncoding::None;
    const uint32_t past_max_code = (sites_.back().code & ~sign_bit) + 1;
    const ExactValue past_max = decode(wider, past_max_code);
    const bool past_max_even = past_max_code % 2 == 0;
    sites_.push_back({past_max, 0, past_max_even, true});
    if (f_.is_signed) sites_.insert(sites_.begin(), {ExactValue::finite(true, past_max.significand, past_max.exponent), 0, past_max_even, true});
    // E8M0 has no zero; x = 0 and the gap below its smallest value still need a site.
    if (!f_.has_zero) sites_.insert(sites_.begin(), {ExactValue::zero(false), 0, true, false});
    smallest_normal_ = decode(f_, f_.subnormals ? 1u << f_.man_bits : 0u);
  }

  // Step 1: the integers of the format; step 2: the out-of-range integers that matter.
  void collect_integer_sites() {
    for (uint32_t code = 0; code < f_.code_count(); ++code) {
      const ExactValue v = decode(f_, code);
      sites_.push_back({v, code, v.is_zero() || v.exponent > 0, false});
    }
    sort_sites();
    max_code_ = sites_.back().code;
    min_code_ = sites_.front().code;
    const int64_t min_value = integer_of(sites_.front().value), max_value = integer_of(sites_.back().value);
    const int64_t reach = int64_t{2} << f_.bits;  // wrap: one full period beyond 2^K on each side
    auto add = [&](int64_t n) {
      sites_.push_back({ExactValue::finite(n < 0, static_cast<uint64_t>(n < 0 ? -n : n), 0), 0, n % 2 == 0, true});
    };
    if (p_.overflow == Overflow::Wrap) {
      for (int64_t n = -reach; n < min_value; ++n) add(n);
      for (int64_t n = max_value + 1; n <= reach; ++n) add(n);
    } else {
      add(min_value - 1);
      add(max_value + 1);
    }
    sort_sites();
  }

  void sort_sites() {
    std::sort(sites_.begin(), sites_.end(), [](const Site& x, const Site& y) { return compare(x.value, y.value) < 0; });
  }

  EncodeResult invalid_nan(bool negative) const {
    if (!f_.has_nan()) return {0, kFlagInvalid, true};
    return {canonical_nan_code(f_, negative), kFlagInvalid, false};
  }

  // x exactly at the site.
  EncodeResult exact_result(const Site& s) const {
    if (s.out_of_range) return out_of_range_result(s);
    if (s.value.is_zero() && f_.is_float() && !f_.has_zero) return invalid_nan(false);  // E8M0: x = +0
    return {s.code, 0, false};
  }

  // x inexact, rounded to the site (§5.3 zero sign, §5.4 flags; tiny: |x| < smallest normal).
  EncodeResult landing_result(const Site& s, bool negative, bool tiny) const {
    if (s.out_of_range) return out_of_range_result(s);
    const uint8_t flags = kFlagInexact | (tiny ? kFlagUnderflow : 0);
    if (s.value.is_zero() && f_.is_float() && negative && f_.neg_zero) return {negative_zero_code_, flags, false};
    return {s.code, flags, false};
  }

  // Rounded to an out-of-range site (or beyond the last): §5.2, with overflow | inexact (§5.4).
  EncodeResult out_of_range_result(const Site& s) const {
    const bool negative = s.value.negative;
    if (f_.is_integer()) {
      if (p_.overflow == Overflow::Sat) return {negative ? min_code_ : max_code_, kOverflowInexact, false};
      const uint64_t wrapped = static_cast<uint64_t>(integer_of(s.value)) & f_.code_mask();  // modulo 2^K
      return {static_cast<uint32_t>(wrapped), kOverflowInexact, false};
    }
    const uint32_t max_code = negative ? min_code_ : max_code_;
    if (p_.overflow != Overflow::NonSat) return {max_code, kOverflowInexact, false};
    // nonsat: a directed mode keeps the finite bound on the side it rounds toward (IEEE 754 §7.4).
    const Rounding m = p_.rounding;
    const bool toward_the_bound = m == Rounding::Rtz || m == Rounding::Rto || (m == Rounding::Rup && negative) ||
                                  (m == Rounding::Rdn && !negative);
    if (toward_the_bound) return {max_code, kOverflowInexact, false};
    if (f_.has_inf()) return {infinity_code_[negative], kOverflowInexact, false};
    if (f_.has_nan()) return {canonical_nan_code(f_, negative), kOverflowInexact, false};
    return {max_code, kOverflowInexact, false};
  }

  const Format& f_;
  EncodeParams p_;
  uint32_t random_;
  std::vector<Site> sites_;  // ascending
  ExactValue smallest_normal_;
  uint32_t max_code_ = 0, min_code_ = 0;  // codes of +max and -max (or min)
  uint32_t infinity_code_[2] = {0, 0};
  uint32_t negative_zero_code_ = 0;
};

}  // namespace

RoundingMap::RoundingMap(const Format& format, const EncodeParams& params, uint32_t random) {
  if (!supports(format, params))
    throw std::invalid_argument("RoundingMap: unsupported combination for format '" + format.name + "' (rounding '" +
                                to_string(params.rounding) + "', overflow '" + to_string(params.overflow) +
                                "', sr_bits " + std::to_string(params.sr_bits) + ")");
  if (format.bits > 16)
    throw std::invalid_argument("RoundingMap: format '" + format.name + "' has " + std::to_string(format.bits) +
                                " bits; maps are built for formats of at most 16 bits");
  const Builder builder(format, params, random);
  points_ = builder.breakpoints();
  below_first_ = builder.below_first();
  negative_zero_ = builder.negative_zero();
  negative_inf_ = builder.infinity(true);
  positive_inf_ = builder.infinity(false);
  nan_[0] = builder.nan(false);
  nan_[1] = builder.nan(true);
  if (format.is_integer() && params.overflow == Overflow::Wrap) wrap_period_bits_ = format.bits;
}

EncodeResult RoundingMap::lookup(const ExactValue& x) const {
  if (x.is_nan()) return nan_[x.negative ? 1 : 0];
  if (x.is_inf()) return x.negative ? negative_inf_ : positive_inf_;
  if (x.is_zero() && x.negative) return negative_zero_;
  ExactValue y = x;
  // Integers under wrap: |x| >= 2^(K+1) moves by a multiple of 2^K into [2^K, 2^(K+1)). That keeps
  // the fraction, the parity of floor(|x|), the sign and "out of range", so the result is the same.
  const int k = wrap_period_bits_;
  if (k > 0 && !x.is_zero() && x.top_bit_position() >= k + 1) {
    if (x.exponent >= k) {
      y = ExactValue::finite(x.negative, 1, k);  // |x| is a multiple of 2^K
    } else {
      const int shift = k - x.exponent;  // < 63: |x| >= 2^(K+1) needs significand >= 2^(shift+1)
      const uint64_t low = x.significand & ((uint64_t{1} << shift) - 1);
      y = ExactValue::finite(x.negative, low | (uint64_t{1} << shift), x.exponent);
    }
  }
  // The last breakpoint <= y.
  auto after = std::upper_bound(points_.begin(), points_.end(), y,
                                [](const ExactValue& v, const Breakpoint& b) { return compare(v, b.point) < 0; });
  if (after == points_.begin()) return below_first_;
  const Breakpoint& at_or_below = *(after - 1);
  return compare(at_or_below.point, y) == 0 ? at_or_below.at : at_or_below.above;
}

}  // namespace lpc::ref
