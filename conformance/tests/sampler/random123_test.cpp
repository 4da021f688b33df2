// Random123's known-answer vectors (spec/sampler/random123_kat.txt, copied from DEShawResearch/
// random123 tests/kat_vectors) through the reference's and the fast Philox4x32-R and
// Threefry4x32-R (every ISA path), and the fast sample words against the reference's.
#include <catch2/catch.hpp>

#include <filesystem>
#include <random>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "impls/fast/sampler/random123.hpp"
#include "reference/sampler/random123.hpp"

namespace {

struct KnownAnswer {
  std::string name;  // philox4x32 or threefry4x32
  int rounds = 0;
  lpc::ref::Words4 counter{}, expected{};
  std::vector<uint32_t> key;  // 2 (philox) or 4 (threefry) words
  std::string line;
};

// The philox4x32 and threefry4x32 lines of a kat_vectors file ('#' lines and other generators skipped).
std::vector<KnownAnswer> read_known_answers(const std::string& path) {
  std::ifstream in(path);
  REQUIRE(in);
  std::vector<KnownAnswer> out;
  for (std::string line; std::getline(in, line);) {
    std::istringstream fields(line);
    KnownAnswer k;
    fields >> k.name >> k.rounds;
    if (k.name != "philox4x32" && k.name != "threefry4x32") continue;
    k.line = line;
    k.key.resize(k.name == "philox4x32" ? 2 : 4);
    fields >> std::hex;
    for (uint32_t& w : k.counter) fields >> w;
    for (uint32_t& w : k.key) fields >> w;
    for (uint32_t& w : k.expected) fields >> w;
    REQUIRE(fields);
    out.push_back(k);
  }
  return out;
}

TEST_CASE("sampler: the reference matches every Random123 philox4x32 and threefry4x32 known answer", "[random123]") {
  const std::vector<KnownAnswer> answers = read_known_answers(LPC_RANDOM123_KAT);
  CHECK(answers.size() == 15);  // philox4x32 R = 7, 10; threefry4x32 R = 13, 20, 72; three vectors each
  for (const KnownAnswer& k : answers) {
    INFO(k.line);
    const lpc::ref::Words4 got = k.name == "philox4x32" ? lpc::ref::philox4x32(k.rounds, k.counter, {k.key[0], k.key[1]})
                                                        : lpc::ref::threefry4x32(k.rounds, k.counter, {k.key[0], k.key[1], k.key[2], k.key[3]});
    CHECK(got == k.expected);
  }
}

// The ISA paths this CPU has: the portable one always, the AVX-512 kernel where present.
std::vector<lpc::fast::Isa> isas() {
  std::vector<lpc::fast::Isa> out = {lpc::fast::Isa::Scalar};
  if (lpc::fast::isa_available(lpc::fast::Isa::Avx512)) out.push_back(lpc::fast::Isa::Avx512);
  return out;
}

TEST_CASE("sampler: fast matches every Random123 known answer on every ISA path", "[random123]") {
  for (const KnownAnswer& k : read_known_answers(LPC_RANDOM123_KAT))
    for (const lpc::fast::Isa isa : isas()) {
      INFO(k.line << " on " << lpc::fast::to_string(isa));
      // 65 copies: 64 through the vector kernel (its chunk), one through the remainder.
      constexpr int kCopies = 65;
      std::vector<uint32_t> counters, out(kCopies * 4);
      for (int b = 0; b < kCopies; ++b) counters.insert(counters.end(), k.counter.begin(), k.counter.end());
      lpc::fast::CounterRngSpec spec{k.name == "philox4x32" ? lpc::fast::CounterRng::Philox : lpc::fast::CounterRng::Threefry, k.rounds, {}};
      std::copy(k.key.begin(), k.key.end(), spec.key.begin());
      lpc::fast::random123_blocks(spec, counters, out, isa);
      for (int b = 0; b < kCopies; ++b) CHECK(std::equal(k.expected.begin(), k.expected.end(), out.begin() + 4 * b));
    }
}

TEST_CASE("sampler: fast sample words equal the reference's (spec/sampler.md §3.3)", "[random123]") {
  // Seeded: std::mt19937_64(20261801). Starts at any lane, lengths past one vector, block numbers
  // whose low word wraps inside a vector.
  std::mt19937_64 rng(20261801);
  for (int t = 0; t < 40; ++t) {
    const uint64_t seed = rng() >> 1;
    const uint32_t row = static_cast<uint32_t>(rng());
    const uint64_t first = t % 4 == 0 ? (uint64_t{1} << 34) - 4 * 5 - t % 3 : rng() % 100000;
    const size_t n = 1 + rng() % 600;
    for (const auto generator : {lpc::fast::CounterRng::Philox, lpc::fast::CounterRng::Threefry})
      for (const lpc::fast::Isa isa : isas()) {
        INFO("seed " << seed << " row " << row << " first " << first << " n " << n << " isa " << lpc::fast::to_string(isa));
        std::vector<uint32_t> got(n);
        lpc::fast::sample_words(generator, seed, row, first, got, isa);
        const auto reference = generator == lpc::fast::CounterRng::Philox ? lpc::ref::CounterGenerator::Philox : lpc::ref::CounterGenerator::Threefry;
        for (size_t i = 0; i < n; ++i) {
          INFO("sample " << first + i);
          REQUIRE(got[i] == lpc::ref::sample_word(reference, seed, row, first + i));
        }
      }
  }
}

TEST_CASE("sampler: the spec's copy holds every philox4x32 and threefry4x32 line of the research file", "[random123]") {
  if (!std::filesystem::exists(LPC_RANDOM123_RESEARCH_KAT)) {
    WARN("SKIPPED: the research copy of Random123's kat_vectors is not here (" << LPC_RANDOM123_RESEARCH_KAT << ")");
    return;
  }
  const std::vector<KnownAnswer> research = read_known_answers(LPC_RANDOM123_RESEARCH_KAT), spec = read_known_answers(LPC_RANDOM123_KAT);
  REQUIRE(research.size() == spec.size());
  for (size_t i = 0; i < spec.size(); ++i) CHECK(research[i].line == spec[i].line);
}

}  // namespace
