// The oracle's fast route: a RoundingMap read as ranges of float32 and float64 bit patterns
// (ref::SourceRanges). Everything rests on where each range begins, so every range's first and
// last pattern and the patterns just outside it are checked against RoundingMap::lookup() on the
// exact value, plus seeded random patterns; the ranges must tile every key once. (bfloat16 and
// float16 sources are checked on all 2^16 inputs in encode_half_sources_test.cpp.)
#include <catch2/catch.hpp>

#include <random>
#include <string>
#include <vector>

#include "conformance/tests/formats/formats_support.hpp"
#include "conformance/tests/support/runner.hpp"
#include "reference/formats/source_ranges.hpp"

namespace lpc::test {
namespace {

void check_source(const Format& f, const EncodeParams& params, uint32_t r, Source source, std::mt19937_64& rng,
                  MismatchLog& log) {
  const ref::RoundingMap map(f, params, r);
  const ref::SourceRanges ranges(map, source);
  const int width = ref::source_width(source);
  const uint64_t last_key = width == 64 ? ~uint64_t{0} : (uint64_t{1} << width) - 1;
  const auto check_key = [&](uint64_t key) {
    const uint64_t bits = ref::source_bits(source, key);
    const ref::EncodeResult want = map.lookup(ref::ExactValue::from_source(source, bits));
    if (const ref::EncodeResult got = ranges.lookup(bits); got != want)
      log.add(describe({&f, params, source, bits, r, "reference SourceRanges::lookup()"}, got.code, got.flags, want));
  };
  REQUIRE(ranges.size() > 0);
  REQUIRE(ranges.begin(0) == 0);
  for (size_t i = 0; i < ranges.size(); ++i) {
    const uint64_t begin = ranges.begin(i), last = ranges.end(i) - 1;  // end 0 means 2^64: last is then ~0
    REQUIRE(last >= begin);
    if (i + 1 < ranges.size()) REQUIRE(ranges.begin(i + 1) == last + 1);
    else REQUIRE(last == last_key);
    if (begin > 0) check_key(begin - 1);
    check_key(begin);
    if (last > begin) check_key(begin + 1);
    if (last > begin + 1) check_key(last);
  }
  for (int i = 0; i < 4096; ++i) check_key(rng() & last_key);
}

TEST_CASE("SourceRanges: float32 and float64 patterns at every range edge and at random agree with RoundingMap",
          "[property][source-ranges]") {
  std::mt19937_64 rng(runner_options().seed);
  std::vector<const Format*> formats;
  for (const char* name : {"float8_e4m3fn", "float8_e5m2", "float8_e4m3fnuz", "float8_e8m0fnu", "float6_e2m3fn",
                           "float4_e2m1fn", "float4_e3m0_radix4", "binary8p4se", "binary8p1uf", "int8", "uint4",
                           "bfloat16", "float16"})
    formats.push_back(&format_by_name(name));
  for (const Format* f : formats) {
    MismatchLog log;
    for (Source source : {Source::F32, Source::F64}) {
      for (Rounding rounding : {Rounding::Rne, Rounding::Rna, Rounding::Rtz, Rounding::Rup, Rounding::Rdn, Rounding::Rto}) {
        for (Overflow overflow : overflows_for(*f)) {
          const EncodeParams params{rounding, overflow, 0};
          if (!ref::supports(*f, params) || (f->is_integer() && overflow == Overflow::Wrap)) continue;
          if (f->bits == 16 && rounding != Rounding::Rne && rounding != Rounding::Rtz) continue;  // 0.1 s a map
          check_source(*f, params, 0, source, rng, log);
        }
      }
      const EncodeParams stochastic{Rounding::SrA, Overflow::Sat, 3};
      if (f->bits <= 8 && ref::supports(*f, stochastic))
        for (uint32_t r : {0u, 3u, 7u}) check_source(*f, stochastic, r, source, rng, log);
    }
    INFO("format " << f->name << ", seed " << runner_options().seed << "\n" << log.report());
    CHECK(log.count() == 0);
  }
}

TEST_CASE("SourceRanges: an integer format under wrap has no ranges", "[property][source-ranges]") {
  const ref::RoundingMap map(format_by_name("int8"), EncodeParams{Rounding::Rne, Overflow::Wrap, 0});
  CHECK(map.periodic());
  CHECK_THROWS_AS(ref::SourceRanges(map, Source::F32), std::invalid_argument);
}

}  // namespace
}  // namespace lpc::test
