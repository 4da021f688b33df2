// The chip's weight path (spec/weight_codecs.md §5): the banks hold the matrix at the addresses
// §3.5 gives, read back by index; the same verdicts as the reference on every prefix and bit flip
// of small blocks; the timing worked by hand from §5.3-§5.5.
#include <catch2/catch.hpp>

#include <vector>

#include "impls/chip/weights/weights.hpp"
#include "reference/weight_codecs/weight_codecs.hpp"

namespace {

using lpc::WcCodec;
using lpc::WcParams;

TEST_CASE("weight_codecs chip: bank b, address a holds W[b + (a div cols)·banks][a mod cols] (§3.5)", "[weight_codecs][chip]") {
  // 5 x 3 over 3 banks: rows 0, 3 in bank 0; 1, 4 in bank 1; 2 in bank 2. W[i][j] = 10 i + j + 1.
  std::vector<uint16_t> m;
  for (uint16_t i = 0; i < 5; ++i)
    for (uint16_t j = 0; j < 3; ++j) m.push_back(static_cast<uint16_t>(10 * i + j + 1));
  for (WcCodec codec : {WcCodec::Zvc, WcCodec::Zrle, WcCodec::Huffman, WcCodec::Dict}) {
    const WcParams p{codec, 8, codec == WcCodec::Zvc ? 4u : 4u, 5, 3, 3};
    const lpc::chip::WeightLoad load = lpc::chip::load_weight_block(lpc::ref::wc_encode(p, m));
    REQUIRE(load.error.ok());
    REQUIRE(load.banks.size() == 3);
    CHECK(load.banks[0] == std::vector<uint16_t>{1, 2, 3, 31, 32, 33});
    CHECK(load.banks[1] == std::vector<uint16_t>{11, 12, 13, 41, 42, 43});
    CHECK(load.banks[2] == std::vector<uint16_t>{21, 22, 23});
    CHECK(lpc::chip::dense_from_banks(load) == m);
  }
}

TEST_CASE("weight_codecs chip: same verdict as the reference on every prefix and bit flip", "[weight_codecs][chip]") {
  const std::vector<uint16_t> m = {0, 3, 0, 0, 1, 0, 0, 2, 2, 0, 0, 0, 0, 0, 3, 1};
  uint64_t checked = 0;
  for (const WcParams& p : {WcParams{WcCodec::Zvc, 2, 3, 4, 4, 2}, WcParams{WcCodec::Zvc, 2, 33, 2, 8, 1}, WcParams{WcCodec::Zrle, 2, 2, 4, 4, 3},
                            WcParams{WcCodec::Huffman, 2, 2, 2, 8, 2}, WcParams{WcCodec::Huffman, 2, 3, 1, 16, 1}, WcParams{WcCodec::Dict, 2, 3, 4, 4, 1}}) {
    const std::vector<uint8_t> block = lpc::ref::wc_encode(p, m);
    std::vector<std::vector<uint8_t>> variants;
    for (size_t len = 0; len <= block.size(); ++len) variants.emplace_back(block.begin(), block.begin() + static_cast<ptrdiff_t>(len));
    for (size_t bit = 0; bit < 8 * block.size(); ++bit) {
      variants.push_back(block);
      variants.back()[bit / 8] ^= static_cast<uint8_t>(1u << (bit % 8));
    }
    for (const auto& b : variants) {
      const lpc::ref::WcDecoded want = lpc::ref::wc_decode(b);
      const lpc::chip::WeightLoad got = lpc::chip::load_weight_block(b);
      INFO("reference " << want.error.offset << " " << want.error.message << "; chip " << got.error.offset << " " << got.error.message);
      REQUIRE(got.error.offset == want.error.offset);
      REQUIRE(lpc::chip::dense_from_banks(got) == want.matrix);
      ++checked;
    }
  }
  CHECK(checked > 1500);
}

TEST_CASE("weight_codecs chip: timing worked by hand (§5.2-§5.5)", "[weight_codecs][chip]") {
  // The ZVC block of codecs_test.cpp: 1x8, w 4, B 8; 35 bytes, payload bytes 32..34, T = 20 bits.
  const std::vector<uint16_t> m = {0, 3, 0, 0, 5, 0, 0, 15};
  const std::vector<uint8_t> block = lpc::ref::wc_encode({WcCodec::Zvc, 4, 8, 1, 8, 1}, m);
  REQUIRE(block.size() == 35);
  // link 32 B/cycle, latency 20: byte 32 arrives at 20 + 1 + 1 = 22, byte 34 too. c = max(ceil(20/64),
  // ceil(8/8)) = 1. F = max(22 + 1, 22 + 1) = 23.
  lpc::chip::WeightLoad load = lpc::chip::load_weight_block(block);
  REQUIRE(load.error.ok());
  CHECK(load.bytes_moved == 35);
  CHECK(load.dense_bytes == 8);
  CHECK(load.decode_cycles == 1);
  CHECK(load.load_cycles == 23);
  // A narrow link (1 B/cycle) and a slow decoder (1 bit, 1 code per cycle): byte 32 arrives at
  // 20 + 32 + 1 = 53, byte 34 at 55; c = max(20, 8) = 20; F = max(53 + 20, 55 + 1) = 73.
  load = lpc::chip::load_weight_block(block, {1, 20, 1, 1});
  CHECK(load.decode_cycles == 20);
  CHECK(load.load_cycles == 73);
  // 8 bits per cycle: c = max(3, 8) = 8; F = max(53 + 8, 56) = 61.
  load = lpc::chip::load_weight_block(block, {1, 20, 8, 1});
  CHECK(load.load_cycles == 61);
  // Overlap: a layer computing 50 cycles hides 50 of 61; one computing 100 hides all.
  CHECK(lpc::chip::exposed_load_cycles(61, 50) == 11);
  CHECK(lpc::chip::exposed_load_cycles(61, 100) == 0);
  // Two banks decode in parallel: 2 x 64 zeros under ZRLE (no pairs, empty payloads) — each bank's
  // c = 64 / 8 = 8 codes-bound, both start when their (empty) payloads' offset 40 arrives: 20 + 1 + 1.
  load = lpc::chip::load_weight_block(lpc::ref::wc_encode({WcCodec::Zrle, 8, 4, 2, 64, 2}, std::vector<uint16_t>(128, 0)));
  REQUIRE(load.error.ok());
  CHECK(load.bytes_moved == 40);
  CHECK(load.dense_bytes == 128);
  CHECK(load.bank_cycles == std::vector<uint64_t>{8, 8});
  CHECK(load.load_cycles == 22 + 8);
}

}  // namespace
