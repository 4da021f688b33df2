// Encode from bfloat16 and float16 exhaustively (all 2^16 inputs) for every format, rounding and
// overflow policy: the fast implementation — Encoder::encode (general path, with flags) and
// Encoder::from_f32 (fast path), every instruction set, one and two threads — against the
// reference's RoundingMap (its exact breakpoints, walked in value order). On a sample, two
// independent reference routes (encode() and RoundingMap::lookup()) must agree with the walk; on
// every input, the oracle's route (SourceRanges::lookup()) must.
// Stochastic roundings A/B/C with N = 2 over every R for a representative subset of formats.
#include <catch2/catch.hpp>

#include <cfloat>
#include <cmath>
#include <random>
#include <string>
#include <vector>

#include "conformance/tests/formats/formats_support.hpp"
#include "conformance/tests/support/runner.hpp"
#include "reference/formats/source_ranges.hpp"

namespace lpc::test {
namespace {

// Every 257th input (a prime stride, so every sign/exponent/fraction region is hit) plus the last.
constexpr size_t kReferenceSampleStride = 257;

// Checks one (format, params, R) over the whole source domain; mismatches go to `log`.
// `random_words` (stochastic only) are the words fast receives: R in the low N bits, junk above.
void check_combination(const Format& f, const EncodeParams& params, const SourceDomain& domain, uint32_t r,
                       std::span<const uint32_t> random_words, MismatchLog& log) {
  const ref::RoundingMap map(f, params, r);
  const std::vector<ref::EncodeResult> want = params.overflow == Overflow::Wrap
                                                  ? expected_by_lookup(map, domain.values)
                                                  : expected_by_breakpoints(map, domain.values);

  // Two independent reference routes must agree with the breakpoint walk (which also checks the walk).
  const auto check_reference_routes = [&](size_t i) {
    const ref::ExactValue x = ref::ExactValue::from_source(domain.source, domain.bits[i]);
    const uint32_t word = random_words.empty() ? 0 : random_words[i];
    const auto agrees = [&](const ref::EncodeResult& got) {
      return got.flags == want[i].flags && got.unspecified == want[i].unspecified && code_accepted(f, want[i], got.code);
    };
    if (const ref::EncodeResult got = ref::encode(f, params, x, word); !agrees(got))
      log.add(describe({&f, params, domain.source, domain.bits[i], word, "reference encode()"}, got.code, got.flags, want[i]));
    if (const ref::EncodeResult got = map.lookup(x); !agrees(got))
      log.add(describe({&f, params, domain.source, domain.bits[i], word, "reference RoundingMap::lookup()"}, got.code,
                       got.flags, want[i]));
  };
  for (size_t i = 0; i < domain.bits.size(); i += kReferenceSampleStride) check_reference_routes(i);
  check_reference_routes(domain.bits.size() - 1);
  // The oracle's route, the map read in the source's bit patterns, on every input.
  if (!map.periodic()) {
    const ref::SourceRanges ranges(map, domain.source);
    for (size_t i = 0; i < domain.bits.size(); ++i)
      if (const ref::EncodeResult got = ranges.lookup(domain.bits[i]); got != want[i])
        log.add(describe({&f, params, domain.source, domain.bits[i], random_words.empty() ? 0 : random_words[i],
                          "reference SourceRanges::lookup()"}, got.code, got.flags, want[i]));
  }

  for (const fast::Variant& v : fast_variants()) {
    const fast::Encoder encoder(f, params, v);
    const FastResults general = fast_encode(encoder, domain.source, domain.bits, random_words);
    compare_batch({&f, params, domain.source, 0, 0, "fast encode() " + to_string(v)}, domain.bits, random_words,
                  general.codes, general.flags, want, log);
    if (is_stochastic(params.rounding)) continue;  // from_f32 takes no random words
    const std::vector<uint32_t> codes = fast_from_f32(encoder, domain.floats);
    compare_batch({&f, params, domain.source, 0, 0, "fast from_f32() " + to_string(v)}, domain.bits, {}, codes, {},
                  want, log);
  }
}

void sweep_deterministic(Source source) {
  const SourceDomain& domain = half_domain(source);
  for (const Format* f : formats_of_at_most_16_bits()) {
    MismatchLog log;
    for (Rounding rounding : kDeterministicRoundings) {
      for (Overflow overflow : overflows_for(*f)) {
        const EncodeParams params{rounding, overflow, 0};
        REQUIRE(ref::supports(*f, params));
        check_combination(*f, params, domain, 0, {}, log);
      }
    }
    INFO("format " << f->name << " from " << to_string(source) << "\n" << log.report());
    CHECK(log.count() == 0);
  }
}

// All 8-bit formats except the P3109 family, plus a few P3109 formats (the conformance minimum
// F8 = binary8p4se, binary8p3se; F4 = binary4p2sf; the scale format binary8p1uf; an unsigned
// extended one).
std::vector<const Format*> stochastic_subset() {
  std::vector<const Format*> out;
  for (const Format& f : all_formats())
    if (f.bits == 8 && !f.is_p3109()) out.push_back(&f);
  for (const char* name : {"binary8p4se", "binary8p3se", "binary4p2sf", "binary8p1uf", "binary6p3ue"})
    out.push_back(&format_by_name(name));
  return out;
}

void sweep_stochastic(Source source) {
  constexpr int kBits = 2;
  const SourceDomain& domain = half_domain(source);
  std::mt19937_64 rng(runner_options().seed);
  std::vector<uint32_t> words(domain.bits.size());
  for (const Format* f : stochastic_subset()) {
    MismatchLog log;
    for (Rounding rounding : kStochasticRoundings) {
      for (Overflow overflow : overflows_for(*f)) {
        const EncodeParams params{rounding, overflow, kBits};
        REQUIRE(ref::supports(*f, params));
        for (uint32_t r = 0; r < (1u << kBits); ++r) {
          // Only the low N bits of a random word are R (spec §5.1): fill the bits above with junk.
          for (uint32_t& w : words) w = static_cast<uint32_t>(rng()) << kBits | r;
          check_combination(*f, params, domain, r, words, log);
        }
      }
    }
    INFO("format " << f->name << " from " << to_string(source) << ", seed " << runner_options().seed << "\n" << log.report());
    CHECK(log.count() == 0);
  }
}

TEST_CASE("encode from bfloat16: all 2^16 inputs x every format, rounding and overflow", "[encode][bfloat16]") {
  sweep_deterministic(Source::BF16);
}

TEST_CASE("encode from float16: all 2^16 inputs x every format, rounding and overflow", "[encode][float16]") {
  sweep_deterministic(Source::F16);
}

TEST_CASE("stochastic rounding from bfloat16: N=2, every R, representative formats", "[encode][stochastic][bfloat16]") {
  sweep_stochastic(Source::BF16);
}

TEST_CASE("stochastic rounding from float16: N=2, every R, representative formats", "[encode][stochastic][float16]") {
  sweep_stochastic(Source::F16);
}

TEST_CASE("encode into float32 from bfloat16 and float16 is exact in every mode", "[encode][float32]") {
  // Every bfloat16 and float16 value is a float32, so every rounding gives the float32 with that
  // value and no flag (spec §5.1: an exact x never moves); NaN stays NaN; ±inf follows §5.2: ±max
  // with overflow|inexact under sat, ±inf without flags under nonsat and satprop.
  const Format& f = format_by_name("float32");
  for (Source source : {Source::BF16, Source::F16}) {
    const SourceDomain& domain = half_domain(source);
    MismatchLog log;
    for (Rounding rounding : kDeterministicRoundings) {
      for (Overflow overflow : overflows_for(f)) {
        const EncodeParams params{rounding, overflow, 0};
        std::vector<ref::EncodeResult> want(domain.bits.size());
        for (size_t i = 0; i < want.size(); ++i) {
          const double x = domain.values[i];
          if (std::isinf(x) && overflow == Overflow::Sat)
            want[i] = {float32_bits(std::copysign(FLT_MAX, x)), kFlagOverflow | kFlagInexact, false};
          else
            want[i] = {float32_bits(x), 0, false};
        }
        for (const fast::Variant& v : fast_variants()) {
          const fast::Encoder encoder(f, params, v);
          const FastResults general = fast_encode(encoder, source, domain.bits);
          compare_batch({&f, params, source, 0, 0, "fast encode() " + to_string(v)}, domain.bits, {}, general.codes,
                        general.flags, want, log);
          compare_batch({&f, params, source, 0, 0, "fast from_f32() " + to_string(v)}, domain.bits, {},
                        fast_from_f32(encoder, domain.floats), {}, want, log);
        }
        // The reference on a sample.
        for (size_t i = 0; i < domain.bits.size(); i += kReferenceSampleStride) {
          const ref::EncodeResult got = ref::encode(f, params, ref::ExactValue::from_source(source, domain.bits[i]));
          if (!code_accepted(f, want[i], got.code) || got.flags != want[i].flags)
            log.add(describe({&f, params, source, domain.bits[i], 0, "reference encode()"}, got.code, got.flags, want[i]));
        }
      }
    }
    INFO("float32 from " << to_string(source) << "\n" << log.report());
    CHECK(log.count() == 0);
  }
}

}  // namespace
}  // namespace lpc::test
