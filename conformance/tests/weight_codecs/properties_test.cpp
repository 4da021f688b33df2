// The fast weight codecs against the reference on arbitrary matrices and arbitrary corruptions
// (RapidCheck; the seed is the runner's, printed at start): the encoders agree byte for byte, both
// decoders give back the matrix, and on a corrupted block both give the same verdict — the same
// matrix, or the same error offset — with the SIMD kernel and without.
#include <catch2/catch.hpp>

#include <algorithm>
#include <set>
#include <vector>

#include "conformance/tests/support/property.hpp"
#include "impls/fast/weight_codecs/weight_codecs.hpp"
#include "reference/weight_codecs/weight_codecs.hpp"

namespace {

using lpc::WcCodec;
using lpc::WcParams;

// Parameters and a matrix that fits them: up to 2^k (2^L) distinct codes for the dictionary
// (Huffman); widths 8 and 16 and blocks of 32 and 64 often, so the SIMD kernel runs.
std::pair<WcParams, std::vector<uint16_t>> gen_block(size_t max_elements) {
  WcParams p;
  p.codec = *rc::gen::element(WcCodec::Zvc, WcCodec::Zrle, WcCodec::Huffman, WcCodec::Dict);
  p.width = *rc::gen::oneOf(rc::gen::element(8u, 16u), rc::gen::inRange(1u, 17u));
  p.param = p.codec == WcCodec::Zvc ? *rc::gen::oneOf(rc::gen::element(32u, 64u), rc::gen::inRange(1u, 65u))
                                     : *rc::gen::inRange(1u, lpc::wc_param_max(p.codec) + 1);
  p.rows = *rc::gen::inRange(1u, 9u);
  p.cols = *rc::gen::inRange<uint32_t>(1, static_cast<uint32_t>(max_elements / p.rows) + 1);
  p.banks = *rc::gen::inRange(1u, p.rows + 1);
  const uint32_t top = (1u << p.width) - 1;
  uint64_t limit = uint64_t{1} << p.width;
  if (p.codec == WcCodec::Huffman || p.codec == WcCodec::Dict) limit = std::min(limit, uint64_t{1} << p.param);
  const uint32_t palette_size = *rc::gen::inRange<uint32_t>(1, static_cast<uint32_t>(std::min<uint64_t>(limit, 300)) + 1);
  std::vector<uint16_t> palette = {0};
  for (uint32_t i = 1; i < palette_size; ++i) palette.push_back(static_cast<uint16_t>(*rc::gen::inRange<uint32_t>(1, top + 1)));
  const int zero_percent = *rc::gen::element(0, 10, 50, 90, 100);
  std::vector<uint16_t> m(size_t{p.rows} * p.cols);
  for (uint16_t& c : m)
    c = *rc::gen::inRange(0, 100) < zero_percent ? 0 : palette[*rc::gen::inRange<size_t>(palette.size() > 1 ? 1 : 0, palette.size())];
  return {p, m};
}

void same_verdict(const std::vector<uint8_t>& block) {
  const lpc::ref::WcDecoded want = lpc::ref::wc_decode(block);
  for (bool simd : {false, true}) {
    WcParams h;
    std::vector<uint16_t> got;
    const lpc::WcError e = lpc::fast::wc_decode(block, h, got, simd);
    RC_ASSERT(e.offset == want.error.offset);
    RC_ASSERT(got == want.matrix);
  }
  RC_CLASSIFY(want.error.ok(), "valid");
}

TEST_CASE("weight_codecs: fast = reference on arbitrary matrices and corruptions (RapidCheck)", "[weight_codecs]") {
  lpc::test::property("encoders agree byte for byte and both decoders give the matrix back", 300, [] {
    const auto [p, m] = gen_block(4000);
    const std::vector<uint8_t> block = lpc::ref::wc_encode(p, m);
    RC_ASSERT(lpc::fast::wc_encode(p, m) == block);
    const lpc::ref::WcDecoded r = lpc::ref::wc_decode(block);
    RC_ASSERT(r.error.ok());
    RC_ASSERT(r.matrix == m);
    same_verdict(block);
  });
  lpc::test::property("corrupted blocks: the same matrix or the same error offset", 500, [] {
    const auto [p, m] = gen_block(600);
    std::vector<uint8_t> block = lpc::ref::wc_encode(p, m);
    const int edits = *rc::gen::inRange(1, 4);
    for (int k = 0; k < edits && !block.empty(); ++k) {
      const size_t at = *rc::gen::inRange<size_t>(0, block.size());
      switch (*rc::gen::inRange(0, 4)) {
        case 0: block[at] ^= static_cast<uint8_t>(1u << *rc::gen::inRange(0, 8)); break;
        case 1: block[at] = *rc::gen::arbitrary<uint8_t>(); break;
        case 2: block.resize(at); break;
        case 3: block.insert(block.begin() + static_cast<ptrdiff_t>(at), *rc::gen::arbitrary<uint8_t>()); break;
      }
    }
    same_verdict(block);
  });
  lpc::test::property("arbitrary bytes behind a valid header prefix", 300, [] {
    const auto [p, m] = gen_block(64);
    std::vector<uint8_t> block = lpc::ref::wc_encode(p, m);
    const size_t keep = *rc::gen::inRange<size_t>(0, block.size() + 1);
    block.resize(keep);
    const std::vector<uint8_t> tail = *rc::gen::container<std::vector<uint8_t>>(rc::gen::arbitrary<uint8_t>());
    block.insert(block.end(), tail.begin(), tail.end());
    same_verdict(block);
  });
}

TEST_CASE("weight_codecs: a 10^5-code matrix through the reference in seconds, fast equal", "[weight_codecs]") {
  // The bar for the reference: property tests of 10^5-element tensors in seconds.
  std::vector<uint16_t> m(100000);
  uint32_t x = 12345;  // a fixed LCG: density about 1/2, codes 1..255 skewed low
  for (uint16_t& c : m) {
    x = x * 1664525u + 1013904223u;
    c = (x >> 31) ? static_cast<uint16_t>(1 + ((x >> 8) & 0xff) % (1 + ((x >> 20) & 0x3f))) : 0;
  }
  for (WcCodec codec : {WcCodec::Zvc, WcCodec::Zrle, WcCodec::Huffman, WcCodec::Dict}) {
    const WcParams p{codec, 8, codec == WcCodec::Zvc ? 32u : codec == WcCodec::Zrle ? 4u : codec == WcCodec::Huffman ? 12u : 8u, 100, 1000, 4};
    const std::vector<uint8_t> block = lpc::ref::wc_encode(p, m);
    CHECK(lpc::fast::wc_encode(p, m) == block);
    const lpc::ref::WcDecoded r = lpc::ref::wc_decode(block);
    REQUIRE(r.error.ok());
    CHECK(r.matrix == m);
    WcParams h;
    std::vector<uint16_t> got;
    CHECK(lpc::fast::wc_decode(block, h, got).ok());
    CHECK(got == m);
  }
}

}  // namespace
