// The compressed weight block (spec/weight_codecs.md): blocks worked out by hand, exact sizes
// from §3.4's formula, every small matrix round-tripped through the reference and the fast
// implementation (and their encoders byte for byte), package-merge against a brute-force search
// for optimal length-limited codes, and corrupted blocks rejected at the offsets §4 names.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <functional>
#include <vector>

#include "impls/fast/weight_codecs/weight_codecs.hpp"
#include "reference/weight_codecs/weight_codecs.hpp"

namespace {

using lpc::WcCodec;
using lpc::WcParams;
using Bytes = std::vector<uint8_t>;

Bytes header(WcCodec codec, uint8_t w, uint8_t param, uint32_t rows, uint32_t cols, uint32_t banks, uint32_t d) {
  Bytes b = {0x4C, 0x50, 0x57, 0x42, 1, static_cast<uint8_t>(codec), w, param};
  for (uint32_t v : {rows, cols, banks, d})
    for (int j = 0; j < 4; ++j) b.push_back(static_cast<uint8_t>(v >> (8 * j)));
  return b;
}
void append(Bytes& b, std::initializer_list<uint8_t> more) { b.insert(b.end(), more); }

// Both decoders on `block`: the same verdict; returns the reference's.
lpc::ref::WcDecoded decode_both(const Bytes& block) {
  lpc::ref::WcDecoded want = lpc::ref::wc_decode(block);
  for (bool simd : {false, true}) {
    WcParams h;
    std::vector<uint16_t> got;
    const lpc::WcError e = lpc::fast::wc_decode(block, h, got, simd);
    INFO("simd " << simd << ", reference: " << want.error.offset << " " << want.error.message << "; fast: " << e.offset << " " << e.message);
    REQUIRE(e.offset == want.error.offset);
    REQUIRE(got == want.matrix);
  }
  return want;
}

void require_error(const Bytes& block, int64_t offset, const std::string& words) {
  const lpc::ref::WcDecoded r = decode_both(block);
  INFO(r.error.message);
  CHECK(r.error.offset == offset);
  CHECK(r.error.message.find(words) != std::string::npos);
  CHECK(r.matrix.empty());
}

// §3.4's size, from the counts the spec's formulas name.
uint64_t expected_size(const WcParams& p, const std::vector<uint16_t>& m) {
  std::vector<uint16_t> distinct(m);
  std::sort(distinct.begin(), distinct.end());
  distinct.erase(std::unique(distinct.begin(), distinct.end()), distinct.end());
  const uint64_t d = distinct.size();
  uint64_t bytes = 24 + 8 * p.banks;
  if (p.codec == WcCodec::Huffman || p.codec == WcCodec::Dict) bytes += (d * p.width + 7) / 8;
  std::vector<int> lengths;
  if (p.codec == WcCodec::Huffman) {
    bytes += (d + 1) / 2;
    std::vector<uint64_t> f(d, 0);
    for (uint16_t c : m) ++f[std::lower_bound(distinct.begin(), distinct.end(), c) - distinct.begin()];
    lengths = lpc::ref::wc_package_merge(f, static_cast<int>(p.param));
  }
  for (uint32_t b = 0; b < p.banks; ++b) {
    std::vector<uint16_t> seq;
    for (uint32_t i = b; i < p.rows; i += p.banks)
      for (uint32_t j = 0; j < p.cols; ++j) seq.push_back(m[i * p.cols + j]);
    const uint64_t n = seq.size(), nnz = n - std::count(seq.begin(), seq.end(), 0);
    uint64_t t = 0;
    if (p.codec == WcCodec::Zvc) t = (n + p.param - 1) / p.param * p.param + nnz * p.width;
    if (p.codec == WcCodec::Zrle) {
      uint64_t fillers = 0, z = 0;
      for (uint16_t c : seq) {
        if (c == 0) ++z;
        else fillers += z >> p.param, z = 0;
      }
      t = (nnz + fillers) * (p.param + p.width);
    }
    if (p.codec == WcCodec::Dict) t = n * p.param;
    if (p.codec == WcCodec::Huffman)
      for (uint16_t c : seq) t += lengths[std::lower_bound(distinct.begin(), distinct.end(), c) - distinct.begin()];
    bytes += (t + 7) / 8;
  }
  return bytes;
}

// Encodes with both encoders (byte-equal), checks the size and decodes with both (the matrix back).
Bytes round_trip(const WcParams& p, const std::vector<uint16_t>& m) {
  const Bytes want = lpc::ref::wc_encode(p, m);
  REQUIRE(lpc::fast::wc_encode(p, m) == want);
  REQUIRE(want.size() == expected_size(p, m));
  const lpc::ref::WcDecoded r = decode_both(want);
  REQUIRE(r.error.ok());
  REQUIRE(r.matrix == m);
  return want;
}

TEST_CASE("weight_codecs: ZVC block worked by hand (§2.1, §3)", "[weight_codecs]") {
  // 1x8, w = 4, B = 8: codes 0 3 0 0 5 0 0 15 -> mask bits 1, 4, 7 = 0x92; values 3, 5, 15 at
  // bits 8.. -> 0x53 0x0f; T = 8 + 3·4 = 20 bits, 3 bytes; nnz 3.
  Bytes want = header(WcCodec::Zvc, 4, 8, 1, 8, 1, 0);
  append(want, {3, 0, 0, 0, 3, 0, 0, 0, 0x92, 0x53, 0x0f});
  CHECK(round_trip({WcCodec::Zvc, 4, 8, 1, 8, 1}, {0, 3, 0, 0, 5, 0, 0, 15}) == want);
  SECTION("corrupted") {
    Bytes b = want;
    b.pop_back();
    require_error(b, 34, "truncated");  // the payloads need 3 bytes, 2 left
    b = want;
    b.push_back(0);
    require_error(b, 35, "over-long");
    b = want;
    b[24] = 2;  // the record says 2 non-zeros, the mask holds 3
    require_error(b, 24, "masks hold 3");
    b = want;
    b[34] = 0x1f;  // a padding bit (bit 20)
    require_error(b, 34, "padding");
    b = want;
    b[33] = 0x50;  // the value 3 becomes 0
    require_error(b, 33, "zero value under a set mask bit");
    b = want;
    b[4] = 2;
    require_error(b, 4, "version");
    b = want;
    b[7] = 0;
    require_error(b, 7, "parameter");
    b = want;
    b[16] = 2;  // two banks for one row
    require_error(b, 16, "banks");
    b = want;
    b[20] = 1;  // a codebook under ZVC
    require_error(b, 20, "codebook size");
    b = want;
    b[0] = 'X';
    require_error(b, 0, "magic");
    require_error(Bytes(want.begin(), want.begin() + 23), 23, "header");
  }
  SECTION("a mask bit past the declared length") {
    // 1x6 under B = 8: mask bits 6 and 7 must be 0.
    Bytes b = header(WcCodec::Zvc, 4, 8, 1, 6, 1, 0);
    append(b, {1, 0, 0, 0, 2, 0, 0, 0, 0x41, 0x09});  // bits 0 and 6: position 6 is past n
    require_error(b, 32, "past the bank's 6 codes");
  }
}

TEST_CASE("weight_codecs: ZRLE block worked by hand (§2.2)", "[weight_codecs]") {
  // 1x10, w = 4, r = 2: five zeros, 7, four zeros. z = 5 = 1·4 + 1: the filler (3, 0) = 0b000011
  // for four zeros, then (1, 7) = 1 | 7 << 2 = 29; bits 0..5 then 6..11: 0x43 0x07. Trailing zeros
  // implied. T = 2·6 = 12 bits.
  Bytes want = header(WcCodec::Zrle, 4, 2, 1, 10, 1, 0);
  append(want, {2, 0, 0, 0, 2, 0, 0, 0, 0x43, 0x07});
  CHECK(round_trip({WcCodec::Zrle, 4, 2, 1, 10, 1}, {0, 0, 0, 0, 0, 7, 0, 0, 0, 0}) == want);
  // Runs of 2^r - 1 and 2^r zeros: (3, 9) alone; a filler and (0, 9).
  Bytes three = header(WcCodec::Zrle, 4, 2, 1, 4, 1, 0);
  append(three, {1, 0, 0, 0, 1, 0, 0, 0, 3 | 9 << 2});
  CHECK(round_trip({WcCodec::Zrle, 4, 2, 1, 4, 1}, {0, 0, 0, 9}) == three);
  Bytes four = header(WcCodec::Zrle, 4, 2, 1, 5, 1, 0);
  append(four, {2, 0, 0, 0, 2, 0, 0, 0, 0x03, 0x09});  // (3,0) at bits 0..5, (0,9) = 36 at 6..11
  CHECK(round_trip({WcCodec::Zrle, 4, 2, 1, 5, 1}, {0, 0, 0, 0, 9}) == four);
  SECTION("corrupted") {
    Bytes b = want;
    b[24] = 1;  // the filler is now the last pair
    require_error(b, 32, "filler");
    b = want;
    b[24] = 3;  // a third pair needs bits 12..17 of a 16-bit payload
    require_error(b, 34, "truncated");
    b = want;
    b[32] = 0x42;  // the filler's run 2 with value 0
    require_error(b, 32, "run other than 2^r - 1");
    // (3, 0) (3, 7): 4 + 3 + 1 = 8 codes fit 10; in 1x7 they run past.
    Bytes past = header(WcCodec::Zrle, 4, 2, 1, 7, 1, 0);
    append(past, {2, 0, 0, 0, 2, 0, 0, 0, 0xc3, 0x07});
    require_error(past, 32, "run past");
  }
}

TEST_CASE("weight_codecs: canonical Huffman block worked by hand (§2.5)", "[weight_codecs]") {
  // 1x8, w = 4, L = 3: 5 5 3 1 5 2 3 5. Codebook 1 2 3 5 (frequencies 1 1 2 4); package-merge
  // (worked in the spec's steps): lengths 3 3 2 1; canonical codes 5:0, 3:10, 1:110, 2:111.
  // Payload d d c a d b c d = 0 0 10 110 0 111 10 0: 14 bits, bytes 0x34 0x0f.
  Bytes want = header(WcCodec::Huffman, 4, 3, 1, 8, 1, 4);
  append(want, {0x21, 0x53, 0x33, 0x12, 8, 0, 0, 0, 2, 0, 0, 0, 0x34, 0x0f});
  CHECK(round_trip({WcCodec::Huffman, 4, 3, 1, 8, 1}, {5, 5, 3, 1, 5, 2, 3, 5}) == want);
  const std::vector<uint64_t> f = {1, 1, 2, 4};
  CHECK(lpc::ref::wc_package_merge(f, 3) == std::vector<int>{3, 3, 2, 1});
  CHECK(lpc::fast::wc_package_merge(f, 3) == std::vector<int>{3, 3, 2, 1});
  // L = 2 forces every length to 2 (List_1 = a b c [ab] d [cd], all six selected).
  CHECK(lpc::ref::wc_package_merge(f, 2) == std::vector<int>{2, 2, 2, 2});
  CHECK(lpc::fast::wc_package_merge(f, 2) == std::vector<int>{2, 2, 2, 2});
  CHECK(lpc::ref::wc_canonical_codes(std::vector<int>{3, 3, 2, 1}) == std::vector<uint32_t>{6, 7, 2, 0});
  SECTION("corrupted") {
    Bytes b = want;
    b[27] = 0x13;  // lengths 3 3 3 1: Kraft 1/8·3 + 1/2 < 1
    require_error(b, 26, "Kraft");
    b = want;
    b[26] = 0x34;  // length 4 > L = 3
    require_error(b, 26, "code length 4");
    b = want;
    b[26] = 0x30;  // length 0
    require_error(b, 26, "code length 0");
    b = want;
    b[25] = 0x23;  // entries 1 2 3 2: not increasing
    require_error(b, 25, "not above");
    b = want;
    b[28] = 9;  // 9 codes declared for a bank of 8
    require_error(b, 28, "declares 9 codes");
    b = want;
    b[37] = 0x4f;  // padding bit 14
    require_error(b, 37, "padding");
    b = want;
    b[37] = 0xff;  // bits 8.. become 111 111 11: d d c a d b b, then the eighth code needs bit 16
    require_error(b, 38, "truncated");
  }
  SECTION("one symbol: the code 0 of one bit, a 1 bit is no code") {
    Bytes one = header(WcCodec::Huffman, 8, 4, 1, 3, 1, 1);
    append(one, {0x2a, 0x01, 3, 0, 0, 0, 1, 0, 0, 0, 0x00});
    CHECK(round_trip({WcCodec::Huffman, 8, 4, 1, 3, 1}, {42, 42, 42}) == one);
    Bytes b = one;
    b[34] = 0x02;  // bit 1: the second code begins with 1
    require_error(b, 34, "no code word");
  }
}

TEST_CASE("weight_codecs: dictionary block over two banks worked by hand (§2.4, §3.5)", "[weight_codecs]") {
  // 2x2, w = 8, k = 2, banks 2: [[7, 0], [200, 7]]; codebook 0 7 200; bank 0 = row 0: indices
  // 1 0 -> 0x01; bank 1 = row 1: 2 1 -> 2 | 1 << 2 = 0x06.
  Bytes want = header(WcCodec::Dict, 8, 2, 2, 2, 2, 3);
  append(want, {0x00, 0x07, 0xc8, 2, 0, 0, 0, 1, 0, 0, 0, 2, 0, 0, 0, 1, 0, 0, 0, 0x01, 0x06});
  CHECK(round_trip({WcCodec::Dict, 8, 2, 2, 2, 2}, {7, 0, 200, 7}) == want);
  Bytes b = want;
  b[44] = 0x07;  // index 3 of a 3-entry codebook at bank 1's bits 0..1
  require_error(b, 44, "index 3");
  const std::vector<uint16_t> m = {7, 0, 200, 7}, wide = {7, 0};  // three codes for 1-bit indices; 7 in 2 bits
  CHECK_THROWS_AS(lpc::ref::wc_encode({WcCodec::Dict, 8, 1, 2, 2, 2}, m), std::invalid_argument);
  CHECK_THROWS_AS(lpc::fast::wc_encode({WcCodec::Dict, 8, 1, 2, 2, 2}, m), std::invalid_argument);
  CHECK_THROWS_AS(lpc::ref::wc_encode({WcCodec::Zvc, 2, 8, 1, 2, 1}, wide), std::invalid_argument);
  CHECK_THROWS_AS(lpc::fast::wc_encode({WcCodec::Zvc, 2, 8, 1, 2, 1}, wide), std::invalid_argument);
}

// Every matrix of `count` codes of w bits (as a counter in base 2^w), for each shape and codec.
void every_matrix(uint32_t w, uint32_t count, const std::function<void(const std::vector<uint16_t>&)>& check) {
  std::vector<uint16_t> m(count, 0);
  for (;;) {
    check(m);
    size_t i = 0;
    while (i < count && ++m[i] == (1u << w)) m[i++] = 0;
    if (i == count) return;
  }
}

TEST_CASE("weight_codecs: every small matrix round-trips, exact sizes, fast encoder = reference (exhaustive)", "[weight_codecs]") {
  uint64_t blocks = 0;
  struct Shape {
    uint32_t rows, cols, banks;
  };
  for (const Shape s : {Shape{1, 6, 1}, Shape{3, 2, 2}, Shape{6, 1, 4}})
    every_matrix(2, 6, [&](const std::vector<uint16_t>& m) {
      for (uint32_t block : {1u, 3u, 8u, 64u}) round_trip({WcCodec::Zvc, 2, block, s.rows, s.cols, s.banks}, m), ++blocks;
      for (uint32_t run : {1u, 2u, 16u}) round_trip({WcCodec::Zrle, 2, run, s.rows, s.cols, s.banks}, m), ++blocks;
      for (uint32_t l : {2u, 3u, 15u}) round_trip({WcCodec::Huffman, 2, l, s.rows, s.cols, s.banks}, m), ++blocks;
      for (uint32_t k : {2u, 5u}) round_trip({WcCodec::Dict, 2, k, s.rows, s.cols, s.banks}, m), ++blocks;
    });
  CHECK(blocks == 3 * 4096 * 12);
}

TEST_CASE("weight_codecs: every prefix and every single-bit flip of small blocks, fast = reference", "[weight_codecs]") {
  uint64_t variants = 0, rejected = 0, prefixes = 0;
  const std::vector<uint16_t> m = {0, 3, 0, 0, 1, 0, 0, 2, 2, 0, 0, 0, 0, 0, 3, 1};
  for (const WcParams& p : {WcParams{WcCodec::Zvc, 2, 3, 4, 4, 2}, WcParams{WcCodec::Zvc, 8, 32, 2, 8, 1}, WcParams{WcCodec::Zrle, 2, 2, 4, 4, 3},
                            WcParams{WcCodec::Huffman, 2, 2, 2, 8, 2}, WcParams{WcCodec::Huffman, 2, 3, 1, 16, 1}, WcParams{WcCodec::Dict, 2, 3, 4, 4, 1}}) {
    const Bytes block = lpc::ref::wc_encode(p, m);
    for (size_t len = 0; len < block.size(); ++len) {
      const auto r = decode_both(Bytes(block.begin(), block.begin() + static_cast<ptrdiff_t>(len)));
      CHECK(r.error.offset >= 0);  // a proper prefix is never a valid block
      ++variants, ++prefixes, ++rejected;
    }
    for (size_t bit = 0; bit < 8 * block.size(); ++bit) {
      Bytes b = block;
      b[bit / 8] ^= static_cast<uint8_t>(1u << (bit % 8));
      rejected += !decode_both(b).error.ok();
      ++variants;
    }
  }
  // Blocks long enough for the AVX-512 ZVC kernel, three banks decoded two at a time: every bit flip.
  std::vector<uint16_t> wide(4 * 96);
  for (size_t i = 0; i < wide.size(); ++i) wide[i] = static_cast<uint16_t>(i % 3 == 0 ? 0 : 1 + (i * 37) % 200);
  for (const WcParams& p : {WcParams{WcCodec::Zvc, 8, 32, 4, 96, 3}, WcParams{WcCodec::Zvc, 16, 64, 4, 96, 2}}) {
    const Bytes block = lpc::ref::wc_encode(p, wide);
    for (size_t bit = 0; bit < 8 * block.size(); bit += 3) {
      Bytes b = block;
      b[bit / 8] ^= static_cast<uint8_t>(1u << (bit % 8));
      rejected += !decode_both(b).error.ok();
      ++variants;
    }
  }
  INFO(variants << " variants, " << rejected << " rejected");
  CHECK(rejected > prefixes);
}

// The least Σ f·l over every length vector with l_i <= L and Σ 2^-l_i <= 1 (brute force).
uint64_t optimal_cost(const std::vector<uint64_t>& f, int max_length) {
  uint64_t best = UINT64_MAX;
  std::vector<int> l(f.size(), 1);
  for (;;) {
    double kraft = 0;
    uint64_t cost = 0;
    for (size_t i = 0; i < f.size(); ++i) kraft += std::ldexp(1.0, -l[i]), cost += f[i] * static_cast<uint64_t>(l[i]);
    if (kraft <= 1.0) best = std::min(best, cost);
    size_t i = 0;
    while (i < l.size() && ++l[i] > max_length) l[i++] = 1;
    if (i == l.size()) return best;
  }
}

TEST_CASE("weight_codecs: package-merge lengths are optimal, within L, Kraft sum exactly 1 (exhaustive small alphabets)", "[weight_codecs]") {
  uint64_t checked = 0;
  for (size_t d = 2; d <= 5; ++d)
    for (int max_length = 1; max_length <= (d < 5 ? 5 : 4); ++max_length) {
      if (d > (size_t{1} << max_length)) continue;
      const uint64_t max_f = d < 5 ? 6 : 4;
      std::vector<uint64_t> f(d, 1);
      for (;;) {  // every frequency vector over 1..6 (ties included)
        const std::vector<int> l = lpc::ref::wc_package_merge(f, max_length);
        REQUIRE(lpc::fast::wc_package_merge(f, max_length) == l);
        uint64_t kraft = 0, cost = 0;
        for (size_t i = 0; i < d; ++i) {
          REQUIRE(l[i] >= 1);
          REQUIRE(l[i] <= max_length);
          kraft += uint64_t{1} << (max_length - l[i]);
          cost += f[i] * static_cast<uint64_t>(l[i]);
        }
        REQUIRE(kraft == uint64_t{1} << max_length);
        REQUIRE(cost == optimal_cost(f, max_length));
        ++checked;
        size_t i = 0;
        while (i < d && ++f[i] > max_f) f[i++] = 1;
        if (i == d) break;
      }
    }
  CHECK(checked > 8000);
}

}  // namespace
