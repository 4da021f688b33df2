// Decode: every code of every format of at most 16 bits (exhaustively) and float32 codes (sampled
// patterns) decode identically in fast (to_f32 and to_f64, every instruction set and thread count)
// and in the reference (spec/formats.md §2). NaN is compared as a class; the sign of zero is checked.
#include <catch2/catch.hpp>

#include <bit>
#include <cmath>
#include <random>
#include <vector>

#include "conformance/tests/formats/formats_support.hpp"
#include "conformance/tests/support/runner.hpp"

namespace lpc::test {
namespace {

// Whether the fast value `got` is the reference value `want`: same class, sign and value (so -0
// and +0 differ); any NaN matches a NaN.
bool same_value(const ref::ExactValue& want, double got) {
  if (want.is_nan()) return std::isnan(got);
  return !std::isnan(got) && ref::ExactValue::from_source(Source::F64, std::bit_cast<uint64_t>(got)) == want;
}

std::string describe_decode(const Format& f, const std::string& route, uint32_t code, double got,
                            const ref::ExactValue& want) {
  const std::string code_hex = hex(code, f.code_bytes() * 2);
  return route + ": format=" + f.name + " code=" + code_hex + "\n  got  " +
         ref::ExactValue::from_source(Source::F64, std::bit_cast<uint64_t>(got)).to_string() + "\n  want " +
         want.to_string() + "\n  signature decode/" + f.name + "/" + code_hex +
         "\n  repro: lpconform eval decode --format " + f.name + " --impl fast <<< $'code\\n" + code_hex + "'\n";
}

// Decodes `codes` with every fast variant through to_f64 and, for formats of at most 16 bits,
// to_f32, and compares each value with the reference decode.
void check_decode(const Format& f, const std::vector<uint32_t>& codes, MismatchLog& log) {
  std::vector<ref::ExactValue> want;
  want.reserve(codes.size());
  for (uint32_t code : codes) want.push_back(ref::decode(f, code));
  for (const fast::Variant& v : fast_variants()) {
    const fast::Decoder decoder(f, v);
    std::vector<double> as_f64(codes.size());
    decoder.to_f64(codes, as_f64);
    for (size_t i = 0; i < codes.size(); ++i)
      if (!same_value(want[i], as_f64[i]))
        log.add(describe_decode(f, "fast to_f64 " + to_string(v), codes[i], as_f64[i], want[i]));
    if (f.bits > 16) continue;
    std::vector<float> as_f32(codes.size());
    if (f.code_bytes() == 1) {
      const std::vector<uint8_t> narrow(codes.begin(), codes.end());
      decoder.to_f32(std::span<const uint8_t>(narrow), as_f32);
    } else {
      const std::vector<uint16_t> narrow(codes.begin(), codes.end());
      decoder.to_f32(std::span<const uint16_t>(narrow), as_f32);
    }
    for (size_t i = 0; i < codes.size(); ++i)
      if (!same_value(want[i], as_f32[i]))
        log.add(describe_decode(f, "fast to_f32 " + to_string(v), codes[i], as_f32[i], want[i]));
  }
}

TEST_CASE("every code of every format of at most 16 bits decodes identically in fast and reference", "[decode]") {
  size_t formats = 0;
  for (const Format* f : formats_of_at_most_16_bits()) {
    ++formats;
    std::vector<uint32_t> codes(f->code_count());
    for (uint32_t c = 0; c < codes.size(); ++c) codes[c] = c;
    MismatchLog log;
    check_decode(*f, codes, log);
    INFO(log.report());
    CHECK(log.count() == 0);
  }
  CHECK(formats == all_formats().size() - 1);  // all but float32
}

TEST_CASE("float32 codes decode identically in fast and reference (sampled patterns)", "[decode]") {
  const Format& f = format_by_name("float32");
  // TestFloat-style patterns: every sign and exponent field with the significands 0, 1, max, max-1
  // and every walking one and walking zero; then seeded random patterns.
  std::vector<uint32_t> significands = {0, 1, 0x7FFFFF, 0x7FFFFE};
  for (int bit = 0; bit < 23; ++bit) {
    significands.push_back(1u << bit);
    significands.push_back(0x7FFFFF & ~(1u << bit));
  }
  std::vector<uint32_t> codes;
  for (uint32_t sign = 0; sign < 2; ++sign)
    for (uint32_t exponent = 0; exponent < 256; ++exponent)
      for (uint32_t significand : significands) codes.push_back(sign << 31 | exponent << 23 | significand);
  std::mt19937_64 rng(runner_options().seed);
  for (int i = 0; i < 65536; ++i) codes.push_back(static_cast<uint32_t>(rng()));
  MismatchLog log;
  check_decode(f, codes, log);
  INFO("seed " << runner_options().seed << "\n" << log.report());
  CHECK(log.count() == 0);
}

}  // namespace
}  // namespace lpc::test
