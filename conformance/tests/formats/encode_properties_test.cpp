// Encode from float32 and float64: RapidCheck properties whose expected results the test derives
// itself from spec/formats.md (never from the code under test), checked on three routes — fast
// Encoder::encode (general path, flags), fast Encoder::from_f32 (float32 inputs, deterministic
// modes) and reference encode():
//   - representable values round-trip exactly, without flags;
//   - x between adjacent grid points a < b at an exact fraction ν = j/2^L rounds per the §5.1 table
//     (ties, near-ties, float64 inputs closer to a midpoint than float32 can resolve — no double
//     rounding — overflow decided after rounding, underflow flags);
//   - monotonicity and sign symmetry;
//   - ±inf, far overflow and NaN per policy;
//   - stochastic rounding: over every R (N <= 4) the set of R that round away is exactly the one
//     the P3109 formulas give for the exact ν.
#include <algorithm>
#include <bit>
#include <cmath>
#include <optional>
#include <string>
#include <vector>

#include "conformance/tests/formats/formats_support.hpp"
#include "conformance/tests/support/property.hpp"

namespace lpc {
// How RapidCheck prints the axes in counterexamples.
inline void showValue(Rounding r, std::ostream& os) { os << to_string(r); }
inline void showValue(Overflow o, std::ostream& os) { os << to_string(o); }
inline void showValue(Source s, std::ostream& os) { os << to_string(s); }
}  // namespace lpc

namespace lpc::test {
namespace {

// ---- Drawing ------------------------------------------------------------------------------------

const std::vector<std::string>& small_format_names() {
  static const std::vector<std::string> names = [] {
    std::vector<std::string> out;
    for (const Format* f : formats_of_at_most_16_bits()) out.push_back(f->name);
    return out;
  }();
  return names;
}

const Format& draw_format() { return format_by_name(*rc::gen::elementOf(small_format_names())); }

template <typename T, size_t Size>
T draw_one_of(const T (&values)[Size]) {
  return *rc::gen::elementOf(std::vector<T>(values, values + Size));
}

// ---- What the spec says, derived here ----------------------------------------------------------

// Adjacent grid points a < b (spec §5.1), b possibly the grid point past the largest finite value.
struct Neighbours {
  double a = 0, b = 0;
  uint32_t code_a = 0;  // magnitude code of a; b's is code_a + 1 (codes count on past the max)
  bool b_beyond_max = false;
};

Neighbours neighbours(const Format& f, size_t index) {
  const auto& grid = nonnegative_grid(f);
  Neighbours n{grid[index].value, 0, grid[index].code, index + 1 == grid.size()};
  n.b = n.b_beyond_max ? grid_point_after_max(f) : grid[index + 1].value;
  return n;
}

uint32_t with_sign(const Format& f, uint32_t magnitude_code, bool negative) {
  return negative ? negated_code(f, magnitude_code) : magnitude_code;
}

// Tininess threshold of §5.4: the smallest positive normal value (radix^(1−B)), or the smallest
// positive value for formats without subnormals.
double tiny_threshold(const Format& f) {
  if (f.subnormals) return std::pow(static_cast<double>(f.radix), 1 - f.bias);
  const auto& grid = nonnegative_grid(f);
  return grid[0].value > 0 ? grid[0].value : grid[1].value;
}

// Codes of ±inf (§1, §3) and of some NaN (§5.3; NaN results are compared as a class).
uint32_t inf_code(const Format& f, bool negative) {
  const uint32_t positive = f.inf == InfEncoding::Ieee ? ((1u << f.exp_bits) - 1) << f.man_bits
                            : f.is_signed              ? (1u << (f.bits - 1)) - 1
                                                       : (1u << f.bits) - 2;
  return with_sign(f, positive, negative);
}
uint32_t some_nan_code(const Format& f) {
  switch (f.nan) {
    case NanEncoding::Ieee: return (((1u << f.exp_bits) - 1) << f.man_bits) | (1u << (f.man_bits - 1));
    case NanEncoding::AllOnes: return f.code_mask();
    case NanEncoding::NegZero: return 1u << (f.bits - 1);
    case NanEncoding::None: break;
  }
  throw std::logic_error("some_nan_code: " + f.name + " has no NaN");
}

// §5.2: the result of a finite overflow (r > max) of sign `negative` for float formats.
ref::EncodeResult float_overflow(const Format& f, Rounding rounding, Overflow overflow, bool negative) {
  const uint8_t flags = kFlagOverflow | kFlagInexact;
  const uint32_t max = with_sign(f, nonnegative_grid(f).back().code, negative);
  if (overflow != Overflow::NonSat) return {max, flags, false};
  const bool directed_keeps_max = rounding == Rounding::Rtz || rounding == Rounding::Rto ||
                                  (rounding == Rounding::Rup && negative) || (rounding == Rounding::Rdn && !negative);
  if (directed_keeps_max || (!f.has_inf() && !f.has_nan())) return {max, flags, false};
  return {f.has_inf() ? inf_code(f, negative) : some_nan_code(f), flags, false};
}

// §5.1: whether the magnitude rounds away from zero (to b) at ν = j/2^L > 0, for the deterministic
// roundings. a is even when its magnitude code is even (then b is odd).
bool rounds_away(Rounding rounding, uint64_t j, int L, bool negative, uint32_t code_a) {
  const uint64_t half = uint64_t{1} << (L - 1);
  const bool a_even = code_a % 2 == 0;
  switch (rounding) {
    case Rounding::Rne: return j > half || (j == half && !a_even);
    case Rounding::Rna: return j >= half;
    case Rounding::Rtz: return false;
    case Rounding::Rup: return !negative;
    case Rounding::Rdn: return negative;
    case Rounding::Rto: return a_even;
    default: throw std::logic_error("rounds_away: deterministic roundings only");
  }
}

// The expected result for x = ±(a + (b − a)·ν), given whether the magnitude rounds to b (§5.1–5.4).
ref::EncodeResult expected_between(const Format& f, const Neighbours& n, bool negative, bool exact, bool away,
                                   Rounding rounding, Overflow overflow, double magnitude) {
  if (exact) return {with_sign(f, n.code_a, negative), 0, false};
  uint8_t flags = kFlagInexact;
  if (f.is_float() && magnitude < tiny_threshold(f)) flags |= kFlagUnderflow;
  if (!away || !n.b_beyond_max) return {with_sign(f, away ? n.code_a + 1 : n.code_a, negative), flags, false};
  if (f.is_float()) return float_overflow(f, rounding, overflow, negative);
  // Integers: −(max + 1) is in range for two's complement; otherwise out of range.
  if (negative) return {negated_code(f, n.code_a + 1), flags, false};
  if (overflow == Overflow::Wrap) return {(n.code_a + 1) & f.code_mask(), kFlagOverflow | kFlagInexact, false};
  return {n.code_a, kFlagOverflow | kFlagInexact, false};
}

// ---- Running the three routes --------------------------------------------------------------------

// Runs x through fast encode(), fast from_f32() (float32 source, deterministic rounding) and the
// reference; the property fails with every mismatching route described.
void expect_all_routes(const Format& f, const EncodeParams& params, Source source, uint64_t bits, uint32_t random,
                       const ref::EncodeResult& want) {
  std::string failures;
  const auto check = [&](const char* route, uint32_t code, std::optional<uint8_t> flags) {
    if (!code_accepted(f, want, code) || (flags && *flags != want.flags))
      failures += describe({&f, params, source, bits, random, route}, code, flags, want);
  };
  const fast::Encoder encoder(f, params);
  const uint64_t in[1] = {bits};
  const uint32_t words[1] = {random};
  uint32_t code[1];
  uint8_t flags[1];
  encoder.encode(source, in, is_stochastic(params.rounding) ? std::span<const uint32_t>(words) : std::span<const uint32_t>(),
                 code, flags);
  check("fast encode()", code[0], flags[0]);
  if (source == Source::F32 && !is_stochastic(params.rounding)) {
    const float x[1] = {std::bit_cast<float>(static_cast<uint32_t>(bits))};
    check("fast from_f32()", fast_from_f32(encoder, x)[0], std::nullopt);
  }
  const ref::EncodeResult r = ref::encode(f, params, ref::ExactValue::from_source(source, bits), random);
  check("reference encode()", r.code, r.flags);
  if (!failures.empty()) RC_FAIL(failures);
}

// The bit pattern of ±magnitude in `source`.
uint64_t source_bits(Source source, double value) {
  return source == Source::F32 ? uint64_t{float32_bits(value)} : std::bit_cast<uint64_t>(value);
}

// A source that holds `value` exactly: float32 or float64 at random when float32 can, else float64.
Source draw_source_for(double value) {
  if (!is_float32(value)) return Source::F64;
  return *rc::gen::element(Source::F32, Source::F64);
}

// x between the neighbours at index `index` with ν = j/2^L.
struct Between {
  Neighbours n;
  uint64_t j;
  int L;
  double magnitude;
};

Between draw_between(const Format& f) {
  const auto& grid = nonnegative_grid(f);
  const size_t last = grid.size() - 1;
  const size_t index = *rc::gen::weightedOneOf<size_t>(
      {{1, rc::gen::just<size_t>(0)}, {2, rc::gen::just(last)}, {1, rc::gen::just(last - 1)},
       {6, rc::gen::inRange<size_t>(0, grid.size())}});
  const int L = *rc::gen::weightedOneOf<int>({{1, rc::gen::inRange(1, 13)}, {1, rc::gen::inRange(13, 41)}});
  const uint64_t full = uint64_t{1} << L, half = full / 2;
  uint64_t j = *rc::gen::weightedOneOf<uint64_t>({{3, rc::gen::just(half)},
                                                  {1, rc::gen::just(half + 1)},
                                                  {1, rc::gen::just(half - 1)},
                                                  {1, rc::gen::just<uint64_t>(1)},
                                                  {4, rc::gen::inRange<uint64_t>(0, full)}});
  j = std::min(j, full - 1);
  const Neighbours n = neighbours(f, index);
  // Exact: a is a multiple of the spacing's unit, so a + (b − a)·j/2^L needs at most 11 + 42 bits.
  const double magnitude = n.a + (n.b - n.a) * std::ldexp(static_cast<double>(j), -L);
  RC_ASSERT(magnitude >= n.a);
  RC_ASSERT(magnitude < n.b);
  return {n, j, L, magnitude};
}

// ---- Properties ---------------------------------------------------------------------------------

TEST_CASE("float32/float64 encode: properties derived from the spec", "[property]") {
  property("representable values round-trip exactly, without flags", 300, [] {
    const Format& f = draw_format();
    const auto& grid = nonnegative_grid(f);
    const GridPoint p = grid[*rc::gen::inRange<size_t>(0, grid.size())];
    const bool negative = f.is_signed && *rc::gen::arbitrary<bool>();
    const double value = negative ? -p.value : p.value;
    const Source source = draw_source_for(value);
    RC_CLASSIFY(f.is_p3109(), "p3109");
    RC_CLASSIFY(f.is_integer(), "integer");
    RC_CLASSIFY(source == Source::F64, "float64");
    for (Rounding rounding : kDeterministicRoundings)
      for (Overflow overflow : overflows_for(f))
        expect_all_routes(f, {rounding, overflow, 0}, source, source_bits(source, value), 0,
                          {with_sign(f, p.code, negative), 0, false});
  });

  property("x between adjacent grid points rounds per spec §5.1-5.4 (ties, near-ties, overflow, underflow)", 600, [] {
    const Format& f = draw_format();
    const Between x = draw_between(f);
    const bool negative = f.is_signed && *rc::gen::arbitrary<bool>();
    const double value = negative ? -x.magnitude : x.magnitude;
    const Source source = draw_source_for(value);
    RC_CLASSIFY(x.j * 2 == (uint64_t{1} << x.L), "tie");
    RC_CLASSIFY(x.n.b_beyond_max, "next to overflow");
    RC_CLASSIFY(!is_float32(value), "float64 only");
    for (Rounding rounding : kDeterministicRoundings) {
      const bool exact = x.j == 0;
      const bool away = !exact && rounds_away(rounding, x.j, x.L, negative, x.n.code_a);
      for (Overflow overflow : overflows_for(f))
        expect_all_routes(f, {rounding, overflow, 0}, source, source_bits(source, value), 0,
                          expected_between(f, x.n, negative, exact, away, rounding, overflow, x.magnitude));
    }
  });

  property("monotonic: x <= y implies value(enc(x)) <= value(enc(y))", 300, [] {
    const Format& f = draw_format();
    double x = draw_between(f).magnitude, y = draw_between(f).magnitude;
    if (f.is_signed && *rc::gen::arbitrary<bool>()) x = -x;
    if (f.is_signed && *rc::gen::arbitrary<bool>()) y = -y;
    if (y < x) std::swap(x, y);
    const Rounding rounding = draw_one_of(kDeterministicRoundings);
    const Overflow overflow = *rc::gen::elementOf(std::vector<Overflow>(overflows_for(f).begin(), overflows_for(f).end()));
    const fast::Encoder encoder(f, {rounding, overflow, 0});
    const uint64_t in[2] = {std::bit_cast<uint64_t>(x), std::bit_cast<uint64_t>(y)};
    uint32_t codes[2];
    uint8_t flags[2];
    encoder.encode(Source::F64, in, {}, codes, flags);
    const ref::ExactValue vx = ref::decode(f, codes[0]), vy = ref::decode(f, codes[1]);
    RC_PRE(!vx.is_nan() && !vy.is_nan());  // NaN results (nonsat overflow without Inf) have no order
    if (overflow == Overflow::Wrap) RC_PRE(!(flags[0] & kFlagOverflow) && !(flags[1] & kFlagOverflow));
    if (ref::compare(vx, vy) > 0)
      RC_FAIL("fast encode() " + f.name + " " + to_string(rounding) + " " + to_string(overflow) + ": x=" +
              ref::ExactValue::from_source(Source::F64, in[0]).to_string() + " -> " + hex(codes[0], 4) + " (" +
              vx.to_string() + ") but y=" + ref::ExactValue::from_source(Source::F64, in[1]).to_string() + " -> " +
              hex(codes[1], 4) + " (" + vy.to_string() + ")");
  });

  property("sign symmetry: enc(-x) = -enc(x) for rne/rna/rtz/rto, enc_rup(-x) = -enc_rdn(x)", 300, [] {
    const Format& f = draw_format();
    RC_PRE(f.is_float() && f.is_signed);
    const double x = draw_between(f).magnitude;
    const Overflow overflow = *rc::gen::elementOf(std::vector<Overflow>(overflows_for(f).begin(), overflows_for(f).end()));
    for (auto [positive_mode, negative_mode] : {std::pair{Rounding::Rne, Rounding::Rne}, {Rounding::Rna, Rounding::Rna},
                                                {Rounding::Rtz, Rounding::Rtz}, {Rounding::Rto, Rounding::Rto},
                                                {Rounding::Rdn, Rounding::Rup}, {Rounding::Rup, Rounding::Rdn}}) {
      const fast::Encoder pos(f, {positive_mode, overflow, 0}), neg(f, {negative_mode, overflow, 0});
      const uint64_t in_pos[1] = {std::bit_cast<uint64_t>(x)}, in_neg[1] = {std::bit_cast<uint64_t>(-x)};
      uint32_t code_pos[1], code_neg[1];
      uint8_t flags_pos[1], flags_neg[1];
      pos.encode(Source::F64, in_pos, {}, code_pos, flags_pos);
      neg.encode(Source::F64, in_neg, {}, code_neg, flags_neg);
      // The expectation for -x is the mirror of the result for +x (NaN as a class).
      const ref::EncodeResult mirrored{is_nan_code(f, code_pos[0]) ? code_pos[0] : negated_code(f, code_pos[0]),
                                       flags_pos[0], false};
      if (!code_accepted(f, mirrored, code_neg[0]) || flags_neg[0] != flags_pos[0])
        RC_FAIL(describe({&f, {negative_mode, overflow, 0}, Source::F64, in_neg[0], 0, "fast encode()"}, code_neg[0],
                         flags_neg[0], mirrored) +
                "  (want = mirror of fast encode() of +x under " + to_string(positive_mode) + ")\n");
    }
  });

  property("stochastic rounding: the R that round away are exactly those of the P3109 formulas", 400, [] {
    const Format& f = draw_format();
    const Rounding rounding = draw_one_of(kStochasticRoundings);
    const Overflow overflow = *rc::gen::elementOf(std::vector<Overflow>(overflows_for(f).begin(), overflows_for(f).end()));
    const int N = *rc::gen::inRange(1, 5);
    const Between x = draw_between(f);
    const bool negative = f.is_signed && *rc::gen::arbitrary<bool>();
    const double value = negative ? -x.magnitude : x.magnitude;
    const Source source = draw_source_for(value);
    // ⌊ν·2^s⌋ and RNE(ν·2^s) from ν = j/2^L in integers.
    const auto floor_scaled = [&](int s) { return s >= x.L ? x.j << (s - x.L) : x.j >> (x.L - s); };
    const auto rne_scaled = [&](int s) {
      if (s >= x.L) return x.j << (s - x.L);
      const uint64_t q = x.j >> (x.L - s), rem = x.j & ((uint64_t{1} << (x.L - s)) - 1), half = uint64_t{1} << (x.L - s - 1);
      return q + (rem > half || (rem == half && (q & 1)));
    };
    const uint64_t two_n = uint64_t{1} << N;
    int expected_away = 0;
    for (uint64_t R = 0; R < two_n; ++R) {
      bool away = false;
      if (x.j != 0) {
        switch (rounding) {
          case Rounding::SrA: away = floor_scaled(N) + R >= two_n; break;
          case Rounding::SrB: away = floor_scaled(N + 1) + (2 * R + 1) >= 2 * two_n; break;
          default: away = rne_scaled(N) + R >= two_n; break;
        }
      }
      expected_away += away;
      // Stochastic overflow follows the nearest modes (§5.2): Rne stands in for them here.
      const ref::EncodeResult want =
          expected_between(f, x.n, negative, x.j == 0, away, Rounding::Rne, overflow, x.magnitude);
      const uint32_t word = static_cast<uint32_t>(R | (*rc::gen::inRange<uint32_t>(0, 1u << 20) << N));
      expect_all_routes(f, {rounding, overflow, N}, source, source_bits(source, value), word, want);
    }
    RC_CLASSIFY(expected_away == 0, "P(away)=0");
    RC_CLASSIFY(expected_away == static_cast<int>(two_n), "P(away)=1");
  });
}

// ---- Exhaustive over formats and modes, no randomness ------------------------------------------

TEST_CASE("±inf, far overflow and NaN inputs per policy (spec §5.2-5.4)", "[property]") {
  for (const Format* fp : formats_of_at_most_16_bits()) {
    const Format& f = *fp;
    MismatchLog log;
    const auto expect = [&](const EncodeParams& params, Source source, double x, const ref::EncodeResult& want) {
      const uint64_t bits = source == Source::F32 ? uint64_t{std::bit_cast<uint32_t>(static_cast<float>(x))} : std::bit_cast<uint64_t>(x);
      const fast::Encoder encoder(f, params);
      const uint64_t in[1] = {bits};
      uint32_t code[1];
      uint8_t flags[1];
      encoder.encode(source, in, {}, code, flags);
      compare_batch({&f, params, source, 0, 0, "fast encode()"}, in, {}, code, flags, {&want, 1}, log);
      const ref::EncodeResult r = ref::encode(f, params, ref::ExactValue::from_source(source, bits));
      const uint32_t got_code[1] = {r.code};
      const uint8_t got_flags[1] = {r.flags};
      compare_batch({&f, params, source, 0, 0, "reference encode()"}, in, {}, got_code, got_flags, {&want, 1}, log);
    };
    const double after_max = grid_point_after_max(f);
    const uint32_t max = nonnegative_grid(f).back().code;
    for (Rounding rounding : kDeterministicRoundings) {
      for (Overflow overflow : overflows_for(f)) {
        const EncodeParams params{rounding, overflow, 0};
        for (Source source : {Source::F32, Source::F64}) {
          for (bool negative : {false, true}) {
            const double sign = negative ? -1 : 1;
            // ±inf (§5.2 table, §5.3, §5.4).
            ref::EncodeResult want_inf;
            if (f.is_integer()) {
              if (overflow == Overflow::Wrap) want_inf = {0, kFlagInvalid, true};
              else if (negative) want_inf = {f.is_signed ? negated_code(f, max + 1) : 0u, kFlagOverflow | kFlagInexact, false};
              else want_inf = {max, kFlagOverflow | kFlagInexact, false};
            } else if (negative && !f.is_signed) {
              want_inf = {some_nan_code(f), kFlagInvalid, false};
            } else if (overflow == Overflow::Sat || (overflow == Overflow::SatProp && !f.has_inf()) ||
                       (overflow == Overflow::NonSat && !f.has_inf() && !f.has_nan())) {
              want_inf = {with_sign(f, max, negative), kFlagOverflow | kFlagInexact, false};
            } else if (f.has_inf()) {
              want_inf = {inf_code(f, negative), 0, false};
            } else {
              want_inf = {some_nan_code(f), kFlagInvalid, false};
            }
            expect(params, source, sign * INFINITY, want_inf);
            // Far overflow: every mode rounds to a grid point >= after_max > max.
            if (!negative || f.is_signed) {
              const double far = 2 * after_max;  // an integer for integer formats
              if (source == Source::F32 && !is_float32(far)) continue;
              ref::EncodeResult want_far;
              if (f.is_float()) want_far = float_overflow(f, rounding, overflow, negative);
              else if (overflow == Overflow::Wrap)
                want_far = {static_cast<uint32_t>(static_cast<int64_t>(sign * far)) & f.code_mask(), kFlagOverflow | kFlagInexact, false};
              else want_far = {negative ? negated_code(f, max + 1) : max, kFlagOverflow | kFlagInexact, false};
              expect(params, source, sign * far, want_far);
            }
          }
          // NaN of either sign, quiet and signalling payloads: NaN (no flag), or unspecified + invalid.
          for (uint64_t nan_bits : source == Source::F32 ? std::vector<uint64_t>{0x7FC00000, 0xFFC00000, 0x7F800001, 0xFFBFFFFF}
                                                         : std::vector<uint64_t>{0x7FF8000000000000, 0xFFF8000000000000, 0x7FF0000000000001}) {
            const double x = source_value(source, nan_bits);
            const ref::EncodeResult want = f.has_nan() ? ref::EncodeResult{some_nan_code(f), 0, false}
                                                       : ref::EncodeResult{0, kFlagInvalid, true};
            expect(params, source, x, want);
          }
        }
      }
    }
    INFO("format " << f.name << "\n" << log.report());
    CHECK(log.count() == 0);
  }
}

TEST_CASE("float64 inputs convert directly, without double rounding through float32", "[property]") {
  // ../shared/research/formats.md §4 (ml_dtypes PR #401): via float32 this input becomes -432, a tie,
  // then -448 (0xfe); converted directly it is below the midpoint: -416 (0xfd).
  const Format& f = format_by_name("float8_e4m3fn");
  const double x = -431.99999999999994;
  REQUIRE(static_cast<float>(x) == -432.0f);
  const uint64_t in[1] = {std::bit_cast<uint64_t>(x)};
  const ref::EncodeResult want{0xFD, kFlagInexact, false};
  MismatchLog log;
  for (const fast::Variant& v : fast_variants()) {
    const fast::Encoder encoder(f, {Rounding::Rne, Overflow::Sat, 0}, v);
    uint32_t code[1];
    uint8_t flags[1];
    encoder.encode(Source::F64, in, {}, code, flags);
    compare_batch({&f, {Rounding::Rne, Overflow::Sat, 0}, Source::F64, 0, 0, "fast encode() " + to_string(v)}, in, {},
                  code, flags, {&want, 1}, log);
  }
  INFO(log.report());
  CHECK(log.count() == 0);
  // float64 -> float32 under rne/nonsat must agree with the hardware's IEEE conversion.
  property("float64 -> float32 (rne, nonsat) equals the IEEE hardware conversion", 2000, [] {
    const Format& f32 = format_by_name("float32");
    // Exponents mostly around float32's range (normal, subnormal, overflow), some anywhere.
    const uint64_t exponent = *rc::gen::weightedOneOf<uint64_t>(
        {{3, rc::gen::inRange<uint64_t>(1023 - 160, 1023 + 130)}, {1, rc::gen::inRange<uint64_t>(0, 2047)}});
    const uint64_t bits = uint64_t{*rc::gen::arbitrary<bool>()} << 63 | exponent << 52 |
                          (*rc::gen::arbitrary<uint64_t>() & ((uint64_t{1} << 52) - 1));
    const double value = std::bit_cast<double>(bits);
    RC_PRE(!std::isnan(value));
    const float hardware = static_cast<float>(value);
    const fast::Encoder encoder(f32, {Rounding::Rne, Overflow::NonSat, 0});
    const uint64_t in[1] = {bits};
    uint32_t code[1];
    uint8_t flags[1];
    encoder.encode(Source::F64, in, {}, code, flags);
    const ref::EncodeResult r = ref::encode(f32, {Rounding::Rne, Overflow::NonSat, 0}, ref::ExactValue::from_source(Source::F64, bits));
    RC_CLASSIFY(std::fpclassify(hardware) == FP_SUBNORMAL, "float32 subnormal");
    RC_CLASSIFY(std::isinf(hardware), "overflow");
    RC_ASSERT(code[0] == std::bit_cast<uint32_t>(hardware));
    RC_ASSERT(r.code == std::bit_cast<uint32_t>(hardware));
  });
}

}  // namespace
}  // namespace lpc::test
