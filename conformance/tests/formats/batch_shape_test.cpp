// The runner sends the inputs where the oracle's code changes again in small odd-sized batches
// (1, 15, 16, 17, ...: SIMD tails and every lane position), one element off alignment and without a
// flags buffer (conformance/formats/checks.cpp). Two planted bugs that only that pass reaches —
// a vector kernel's scalar tail that flushes the smallest subnormal, and the same defect on the
// path taken when no flags are asked for — FAIL, with the message saying where they showed; the
// unmodified fast implementation passes. The profile has boundary inputs only, so the first pass
// sends one batch whose tail holds the largest bit patterns (NaNs), never a subnormal.
// And the default profile's rows for the other holes: float64 sources (double rounding through
// float32), random-bit counts above 8, stochastic rounding from bfloat16.
#include <catch2/catch.hpp>

#include <bit>
#include <string>
#include <utility>
#include <vector>

#include "conformance/bundled/bundled.hpp"
#include "conformance/core/profile.hpp"
#include "conformance/core/runner.hpp"

namespace lpc {
namespace {

constexpr const char* kProfile =
    "@version 1\nop,format,rounding,overflow,source,inputs,requirement\n"
    "encode,float8_e4m3fn|float8_e5m2,rne,sat,float32|float64,boundary,required\n";

// fast, with the smallest subnormal result (magnitude code 1) flushed to zero on the elements
// `where` picks: the tail of a batch of n, or every element of a batch called without flags.
enum class Where { Tail, NoFlags };

Implementation planted(Where where) {
  Implementation impl = fast_implementation();
  impl.name = where == Where::Tail ? "fast-tail-bug" : "fast-flagless-bug";
  impl.encode = [where](const EncodeBatch& b, std::string& error) {
    const OpStatus status = fast_implementation().encode(b, error);
    const size_t n = b.inputs.size(), tail = n % 16 ? n - n % 16 : n;
    const size_t from = where == Where::Tail ? tail : b.flags.empty() ? 0 : n;
    for (size_t i = from; i < n; ++i)
      if ((b.codes[i] & 0x7F) == 1) b.codes[i] &= 0x80;
    return status;
  };
  return impl;
}

RunResult run(const Implementation& subject) {
  RunOptions options;
  options.threads = 2;
  return run_profile(parse_profile(kProfile, "batch-shape", "batch-shape.csv"), subject, reference_implementation(), options);
}

TEST_CASE("batch shape: a SIMD-tail bug and a bug of the flags-free path FAIL; fast passes", "[property][batch-shape]") {
  const RunResult clean = run(fast_implementation());
  REQUIRE(clean.items.size() == 4);
  for (const ItemResult& item : clean.items) {
    INFO(item.signature << ": " << item.message);
    CHECK(item.status == Status::Pass);
  }
  for (Where where : {Where::Tail, Where::NoFlags}) {
    const RunResult result = run(planted(where));
    REQUIRE(result.items.size() == 4);
    for (const ItemResult& item : result.items) {
      INFO(item.signature << ": " << item.message);
      CHECK(item.status == Status::Fail);
      CHECK(item.message.find("only when sent again in small odd-sized batches without a flags buffer") != std::string::npos);
      REQUIRE_FALSE(item.first_mismatches.empty());
      CHECK(item.first_mismatches[0].repro.find("lpconform eval encode") != std::string::npos);
    }
  }
}

// fast with one defect of the kind the default profile used to miss.
enum class Defect { F64ViaF32, EightRandomBits, NoDitherFromBfloat16 };

Implementation defective(Defect defect) {
  Implementation impl = fast_implementation();
  impl.name = "fast-defective";
  impl.encode = [defect](const EncodeBatch& b, std::string& error) {
    EncodeBatch changed = b;
    std::vector<uint64_t> inputs(b.inputs.begin(), b.inputs.end());
    std::vector<uint32_t> random(b.random.begin(), b.random.end());
    if (defect == Defect::F64ViaF32 && b.source == Source::F64)  // double rounding: float64 -> float32 -> format
      for (uint64_t& x : inputs) x = std::bit_cast<uint64_t>(double(float(std::bit_cast<double>(x))));
    if (defect == Defect::EightRandomBits && b.params.sr_bits > 8)  // R read as 8 bits
      for (uint32_t& r : random) r &= 0xFF;
    if (defect == Defect::NoDitherFromBfloat16 && b.source == Source::BF16 && is_stochastic(b.params.rounding))
      for (uint32_t& r : random) r = 0;  // every input rounded as if R were 0
    changed.inputs = inputs;
    changed.random = random;
    return fast_implementation().encode(changed, error);
  };
  return impl;
}

TEST_CASE("the default profile catches double rounding of float64, N > 8 random bits and bfloat16 dithering",
          "[property][batch-shape]") {
  const Profile profile = load_profile("lpconform-formats");
  const std::pair<Defect, const char*> cases[] = {
      {Defect::F64ViaF32, "*-encode-float8_e4m3fn-rne-sat-float64"},
      {Defect::EightRandomBits, "*-encode-float8_e4m3fn-sr_a_n12-sat-float*"},
      {Defect::NoDitherFromBfloat16, "*-encode-float8_e5m2-sr_b_n2-sat-bfloat16"}};
  for (const auto& [defect, only] : cases) {
    RunOptions options;
    options.threads = 2;
    options.only = only;
    const RunResult clean = run_profile(profile, fast_implementation(), reference_implementation(), options);
    const RunResult result = run_profile(profile, defective(defect), reference_implementation(), options);
    INFO("items " << only);
    REQUIRE_FALSE(result.items.empty());
    REQUIRE(clean.items.size() == result.items.size());
    for (size_t i = 0; i < result.items.size(); ++i) {
      INFO(result.items[i].signature << ": " << result.items[i].message);
      CHECK(clean.items[i].status == Status::Pass);
      CHECK(result.items[i].status == Status::Fail);
    }
  }
}

}  // namespace
}  // namespace lpc
