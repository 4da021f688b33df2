// Declared variants (spec/formats.md §7) against a real implementation: the CPU's own float32 ->
// float16 conversion (x86 F16C, VCVTPS2PH, with its exception flags from MXCSR). x86 detects
// tininess after rounding and raises invalid for a signalling NaN, both documented choices IEEE
// 754 permits; declared, the verdict honours them and every item passes; undeclared, the flags
// differ exactly there and the items FAIL. Skipped where the CPU has no F16C.
#include <catch2/catch.hpp>

#include <bit>
#include <cstdint>
#include <string>

#if defined(__x86_64__)
#include <immintrin.h>
#endif

#include "conformance/bundled/bundled.hpp"
#include "conformance/core/profile.hpp"
#include "conformance/core/runner.hpp"
#include "conformance/core/variants.hpp"

namespace lpc {
namespace {

#if defined(__x86_64__)
// One conversion under MXCSR rounding control `rc` (0 nearest, 1 down, 2 up, 3 toward zero), its
// flags read back from MXCSR. The asm statements keep their order.
__attribute__((target("f16c"))) uint16_t f16c_convert(uint32_t bits, unsigned rc, uint8_t& flags) {
  const unsigned saved = _mm_getcsr();
  _mm_setcsr((saved & ~0x603Fu) | (rc << 13));
  __m128 x = _mm_castsi128_ps(_mm_cvtsi32_si128(static_cast<int>(bits)));
  __m128i h;
  asm volatile("vcvtps2ph $4, %1, %0" : "=x"(h) : "x"(x));  // imm 4: MXCSR's rounding
  const unsigned after = _mm_getcsr();
  _mm_setcsr(saved);
  flags = static_cast<uint8_t>(((after & 0x20) ? kFlagInexact : 0) | ((after & 0x10) ? kFlagUnderflow : 0) | ((after & 0x08) ? kFlagOverflow : 0) |
                               ((after & 0x01) ? kFlagInvalid : 0));
  return static_cast<uint16_t>(_mm_extract_epi16(h, 0));
}

Implementation f16c(std::vector<std::string> variants) {
  Implementation impl;
  impl.name = "f16c";
  impl.version = "x86";
  impl.description = "VCVTPS2PH (test subject)";
  impl.produces_flags = true;
  impl.variants = std::move(variants);
  impl.encode = [](const EncodeBatch& b, std::string&) {
    int rc = -1;
    switch (b.params.rounding) {
      case Rounding::Rne: rc = 0; break;
      case Rounding::Rdn: rc = 1; break;
      case Rounding::Rup: rc = 2; break;
      case Rounding::Rtz: rc = 3; break;
      default: break;
    }
    if (b.format->name != "float16" || b.source != Source::F32 || b.params.overflow != Overflow::NonSat || rc < 0) return OpStatus::Unsupported;
    for (size_t i = 0; i < b.inputs.size(); ++i) {
      uint8_t flags = 0;
      b.codes[i] = f16c_convert(static_cast<uint32_t>(b.inputs[i]), static_cast<unsigned>(rc), flags);
      if (!b.flags.empty()) b.flags[i] = flags;
    }
    return OpStatus::Ok;
  };
  return impl;
}

constexpr const char* kProfile =
    "@version 1\nop,format,rounding,overflow,source,inputs,requirement\nencode,float16,rne|rtz|rup|rdn,nonsat,float32,boundary+random:20000,required\n";

RunResult run(const Implementation& subject, const std::string& profile_text = kProfile) {
  RunOptions options;
  options.threads = 2;
  return run_profile(parse_profile(profile_text, "f16c", "f16c.csv"), subject, reference_implementation(), options);
}

TEST_CASE("variants: x86 F16C conforms under tininess after rounding and sNaN -> invalid, and only under them", "[variants]") {
  if (!__builtin_cpu_supports("f16c")) {
    WARN("this CPU has no F16C: skipped");
    return;
  }
  const RunResult declared = run(f16c({"tininess_after_rounding", "snan_invalid"}));
  CHECK(declared.variants == std::vector<std::string>{"tininess_after_rounding", "snan_invalid"});
  for (const ItemResult& r : declared.items) {
    INFO(r.signature << ": " << r.message);
    CHECK(r.status == Status::Pass);
  }
  // Undeclared, each deviation is a FAIL in the flags: the tininess boundary's inputs (underflow)
  // and a signalling NaN (invalid).
  for (const char* missing : {"tininess_after_rounding", "snan_invalid"}) {
    INFO("without " << missing);
    const RunResult partial = run(f16c({std::string(missing) == "snan_invalid" ? "tininess_after_rounding" : "snan_invalid"}));
    bool failed = false;
    for (const ItemResult& r : partial.items) {
      if (r.status != Status::Fail) continue;
      failed = true;
      REQUIRE(!r.first_mismatches.empty());
      const Mismatch& m = r.first_mismatches[0];
      CHECK((m.got == m.want || m.want == "any NaN (" + m.got + ")"));  // the codes agree: only the flags differ
      CHECK(m.got_flags != m.want_flags);
    }
    CHECK(failed);
  }
  // A profile that forbids a variant checks without it, whatever the subject declares.
  const RunResult forbidden = run(f16c({"tininess_after_rounding", "snan_invalid"}), std::string("@forbid-variants snan_invalid\n") + kProfile);
  CHECK(forbidden.variants == std::vector<std::string>{"tininess_after_rounding"});
  CHECK(!forbidden.required_passed());
}

#endif  // __x86_64__

TEST_CASE("variants: the oracle under ftz and daz flushes, with the flags of spec/formats.md §7", "[variants]") {
  const Implementation oracle = under_variants(reference_implementation(), {"daz", "ftz"});
  const Format& e4m3 = format_by_name("float8_e4m3fn");
  // float32 inputs: 2^-6 (the smallest normal), 2^-8 (a subnormal result), 2^-130 (a subnormal
  // input), -2^-9 (the smallest negative subnormal result).
  const std::vector<uint64_t> inputs = {0x3c800000, 0x3b800000, 0x00200000, 0xbb000000};
  std::vector<uint32_t> codes(inputs.size());
  std::vector<uint8_t> flags(inputs.size()), unspecified(inputs.size());
  EncodeBatch b{&e4m3, {Rounding::Rne, Overflow::Sat, 0}, Source::F32, inputs, {}, codes, flags, unspecified};
  std::string error;
  REQUIRE(oracle.encode(b, error) == OpStatus::Ok);
  CHECK(codes == std::vector<uint32_t>{0x08, 0x00, 0x00, 0x80});  // min normal kept; subnormal results flushed, sign kept
  CHECK(flags[0] == 0);
  CHECK(flags[1] == (kFlagUnderflow | kFlagInexact));
  CHECK(flags[2] == 0);  // daz reads 2^-130 as +0: exact, no flag (without daz: +0 with underflow and inexact)
  CHECK(flags[3] == (kFlagUnderflow | kFlagInexact));
  CHECK_THROWS_WITH(under_variants(reference_implementation(), {"fast_math"}), Catch::Contains("unknown variant 'fast_math'"));
}

}  // namespace
}  // namespace lpc
