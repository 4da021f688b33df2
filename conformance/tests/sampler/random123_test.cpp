// Random123's known-answer vectors (spec/sampler/random123_kat.txt, copied from DEShawResearch/
// random123 tests/kat_vectors) through the reference's Philox4x32-R and Threefry4x32-R.
#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

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
