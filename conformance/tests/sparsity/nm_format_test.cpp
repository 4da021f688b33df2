// The N:M compressed format (spec/sparsity.md §2): every 2:4 group pattern and every 2:4 field
// exhaustively against tables written by hand, the spec's worked examples, metadata errors, prune
// (§4), through the reference and the fast implementation at every element width.
#include <catch2/catch.hpp>

#include <cstdint>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include "impls/fast/sparsity/nm_sparse.hpp"
#include "reference/sparsity/nm_sparse.hpp"

namespace {

using lpc::NmLayout;
using lpc::NmPattern;

constexpr NmPattern k24{2, 4};
using I64 = std::vector<int64_t>;

struct Compressed {
  std::optional<std::string> error;
  std::vector<int64_t> values;
  std::vector<uint32_t> meta;
};

// The fast implementation at element type T, on int64 data that fits T.
template <class T>
Compressed fast_compress(NmPattern p, size_t rows, size_t k, const std::vector<int64_t>& a) {
  const NmLayout l{p, rows, k};
  std::vector<T> in(a.begin(), a.end()), values(l.values());
  Compressed out;
  out.meta.resize(l.meta_words());
  out.error = lpc::fast::nm_compress<T>(p, rows, k, in, values, out.meta);
  out.values.assign(values.begin(), values.end());
  return out;
}

template <class T>
std::optional<std::string> fast_decompress(NmPattern p, size_t rows, size_t k, const std::vector<int64_t>& values, const std::vector<uint32_t>& meta,
                                           std::vector<int64_t>& a) {
  std::vector<T> v(values.begin(), values.end()), out(rows * k, T{99});
  auto error = lpc::fast::nm_decompress<T>(p, rows, k, v, meta, out);
  a.assign(out.begin(), out.end());
  return error;
}

std::vector<int64_t> words64(const std::vector<uint32_t>& w) { return {w.begin(), w.end()}; }

template <class T>
void check_group_patterns() {
  // Kept positions of a 2:4 group by its nonzero mask (bit t: element t nonzero), by hand from
  // §2.4: the nonzeros, filled with the lowest free positions; 0 marks a rejected mask (3-4 nonzeros).
  const uint32_t want_nibble[16] = {0x4, 0x4, 0x4, 0x4, 0x8, 0x8, 0x9, 0, 0xC, 0xC, 0xD, 0, 0xE, 0, 0, 0};
  for (unsigned mask = 0; mask < 16; ++mask)
    for (int sign : {1, -1}) {
      std::vector<int64_t> a(4, 0);
      for (unsigned t = 0; t < 4; ++t)
        if (mask >> t & 1) a[t] = sign * static_cast<int64_t>(t + 5);
      INFO("mask " << mask << " sign " << sign);
      const auto ref = lpc::ref::nm_compress(k24, 1, 4, a);
      const Compressed fast = fast_compress<T>(k24, 1, 4, a);
      if (!want_nibble[mask]) {
        CHECK(!ref.ok);
        REQUIRE(fast.error);
        CHECK_THAT(*fast.error, Catch::Contains("row 0, group 0 (columns 0..3) holds " + std::to_string(__builtin_popcount(mask)) + " nonzeros"));
        CHECK(ref.error == *fast.error);
        continue;
      }
      REQUIRE(ref.ok);
      REQUIRE(!fast.error);
      CHECK(ref.meta == std::vector<uint32_t>{want_nibble[mask]});
      CHECK(fast.meta == std::vector<uint32_t>{want_nibble[mask]});
      const std::vector<int64_t> want_values = {a[want_nibble[mask] & 3], a[want_nibble[mask] >> 2]};
      CHECK(ref.values == want_values);
      CHECK(fast.values == want_values);
      std::vector<int64_t> back;
      CHECK(!fast_decompress<T>(k24, 1, 4, fast.values, fast.meta, back));
      CHECK(back == a);
      const auto ref_back = lpc::ref::nm_decompress(k24, 1, 4, ref.values, words64(ref.meta));
      REQUIRE(ref_back.ok);
      CHECK(ref_back.a == a);
    }
  // The eleven conforming masks three times in one row (33 groups: the vector kernels' 8-group
  // words, then a scalar tail), each group's nibble from the table, and every non-conforming mask
  // at each position of a word found at its group.
  std::vector<int64_t> row;
  std::vector<uint32_t> want_meta(5, 0);
  size_t g = 0;
  for (int round = 0; round < 3; ++round)
    for (unsigned mask = 0; mask < 16; ++mask) {
      if (!want_nibble[mask]) continue;
      for (unsigned t = 0; t < 4; ++t) row.push_back(mask >> t & 1 ? static_cast<int64_t>(std::numeric_limits<T>::min()) + t : 0);
      want_meta[g / 8] |= want_nibble[mask] << (4 * (g % 8));
      ++g;
    }
  const Compressed long_row = fast_compress<T>(k24, 1, row.size(), row);
  REQUIRE(!long_row.error);
  CHECK(long_row.meta == want_meta);
  CHECK(long_row.values == lpc::ref::nm_compress(k24, 1, row.size(), row).values);
  std::vector<int64_t> back;
  CHECK(!fast_decompress<T>(k24, 1, row.size(), long_row.values, long_row.meta, back));
  CHECK(back == row);
  for (unsigned mask : {7u, 11u, 13u, 14u, 15u})
    for (size_t at : {size_t{0}, size_t{5}, size_t{8}, size_t{31}, size_t{32}}) {
      std::vector<int64_t> bad = row;
      for (unsigned t = 0; t < 4; ++t) bad[at * 4 + t] = mask >> t & 1 ? 1 : 0;
      const Compressed e = fast_compress<T>(k24, 1, bad.size(), bad);
      REQUIRE(e.error);
      CHECK_THAT(*e.error, Catch::Contains("row 0, group " + std::to_string(at) + " "));
    }
}

TEST_CASE("sparsity: every 2:4 group pattern, compress and back", "[format][exhaustive-group]") {
  check_group_patterns<int8_t>();
  check_group_patterns<int16_t>();
  check_group_patterns<int32_t>();
  check_group_patterns<int64_t>();
}

TEST_CASE("sparsity: the six valid 2:4 nibbles, and every metadata word of two groups", "[format][exhaustive-group]") {
  const std::vector<NmPattern> patterns = {k24};
  const auto fields = lpc::ref::nm_valid_fields(k24);
  std::vector<uint64_t> listed;
  for (const auto& f : fields) listed.push_back(f.field);
  CHECK(listed == std::vector<uint64_t>{0x4, 0x8, 0xC, 0x9, 0xD, 0xE});  // research notes §7, in index order (0,1) (0,2) (0,3) (1,2) (1,3) (2,3)
  auto valid = [](uint32_t nibble) { return nibble == 0x4 || nibble == 0x8 || nibble == 0xC || nibble == 0x9 || nibble == 0xD || nibble == 0xE; };
  // K = 8: two groups use bits 0..7 of the row's one word; bits 8..31 must be zero. Every word below
  // 2^12 through both implementations (the reference on every 16th).
  const std::vector<int64_t> values = {11, -12, 13, -14};
  for (uint32_t word = 0; word < (1u << 12); ++word) {
    const bool want_ok = word < 256 && valid(word & 15) && valid(word >> 4);
    std::vector<int64_t> a;
    INFO("word " << word);
    for (auto error : {fast_decompress<int16_t>(k24, 1, 8, values, {word}, a), fast_decompress<int64_t>(k24, 1, 8, values, {word}, a)}) {
      REQUIRE(!error == want_ok);
      if (error && word >= 256) CHECK_THAT(*error, Catch::Contains("set after the row's last field (bits from 8 of its last word must be zero)"));
      if (error && word < 256) CHECK_THAT(*error, Catch::Contains(valid(word & 15) ? "group 1), bits 4..7" : "group 0), bits 0..3"));
    }
    if (want_ok) {
      std::vector<int64_t> want(8, 0);
      want[word & 3] = 11, want[word >> 2 & 3] = -12, want[4 + (word >> 4 & 3)] = 13, want[4 + (word >> 6 & 3)] = -14;
      CHECK(a == want);
    }
    if (word % 16 == 0 || word < 256) {
      const auto ref = lpc::ref::nm_decompress(k24, 1, 8, values, I64{int64_t{word}});
      CHECK(ref.ok == want_ok);
      if (want_ok) CHECK(ref.a == a);
    }
  }
}

TEST_CASE("sparsity: the spec's worked examples (§2.6), by hand", "[format][known-answers]") {
  struct Example {
    NmPattern p;
    std::vector<int64_t> a;
    std::vector<int64_t> values;
    std::vector<uint32_t> meta;
  };
  std::vector<int64_t> two_eight(16, 0);
  two_eight[6] = 3, two_eight[7] = -1, two_eight[8] = 4, two_eight[13] = 2;
  const std::vector<Example> examples = {
      {k24, {0, 5, 0, -3, 7, 0, 0, 0}, {5, -3, 7, 0}, {0x4D}},
      {k24, std::vector<int64_t>(32, 0), std::vector<int64_t>(16, 0), {0x44444444}},
      {k24, std::vector<int64_t>(36, 0), std::vector<int64_t>(18, 0), {0x44444444, 0x4}},
      {{1, 4}, {0, 0, 9, 0, 0, 0, 0, 0}, {9, 0}, {0x2}},
      {{2, 8}, two_eight, {3, -1, 4, 2}, {0xA3E}},
      {{1, 2}, {0, 7, 8, 0, 0, 0}, {7, 8, 0}, {0b001}},  // indices 1, 0, 0 (fill)
  };
  for (const Example& e : examples) {
    const size_t k = e.a.size();
    INFO(lpc::nm_name(e.p) << " K " << k);
    const auto ref = lpc::ref::nm_compress(e.p, 1, k, e.a);
    REQUIRE(ref.ok);
    CHECK(ref.values == e.values);
    CHECK(ref.meta == e.meta);
    const Compressed fast = fast_compress<int32_t>(e.p, 1, k, e.a);
    REQUIRE(!fast.error);
    CHECK(fast.values == e.values);
    CHECK(fast.meta == e.meta);
    std::vector<int64_t> back;
    CHECK(!fast_decompress<int32_t>(e.p, 1, k, e.values, e.meta, back));
    CHECK(back == e.a);
  }
}

TEST_CASE("sparsity: untrusted metadata and shapes are errors naming the word, its bits, the row and the group", "[format][errors]") {
  std::vector<int64_t> out;
  // Row 1 (K = 36: 9 groups, 2 words a row), group 4 holds 0x3 (indices 3, 0): meta word 2, bits 16..19.
  const std::vector<uint32_t> meta = {0x44444444, 0x4, 0x44434444, 0x4};
  const std::vector<int64_t> values(36, 1);
  const std::string want = "meta word 2 (row 1, group 4), bits 16..19: field 0x3 is not a valid 2:4 field (indices 3, 0; they must increase and be below 4)";
  auto fast = fast_decompress<int16_t>(k24, 2, 36, values, meta, out);
  REQUIRE(fast);
  CHECK(*fast == want);
  CHECK(out == std::vector<int64_t>(72, 99));  // nothing written
  CHECK(lpc::ref::nm_decompress(k24, 2, 36, values, words64(meta)).error == want);
  // A bit after row 0's last field (bit 4 of its second word).
  const std::string padding = "meta word 1 (row 0), bit 5: set after the row's last field (bits from 4 of its last word must be zero)";
  CHECK(fast_decompress<int16_t>(k24, 2, 36, values, {0x44444444, 0x24, 0x44444444, 0x4}, out) == padding);
  CHECK(lpc::ref::nm_decompress(k24, 2, 36, values, I64{0x44444444, 0x24, 0x44444444, 0x4}).error == padding);
  // Sizes, a word out of range (the reference reads untrusted int64 words), K not a multiple of M.
  CHECK_THAT(*fast_decompress<int16_t>(k24, 2, 36, values, {0x44444444, 0x4, 0x44444444}, out), Catch::Contains("meta holds 3 words, 2:4 of 2 x 36 needs 4"));
  CHECK_THAT(*fast_decompress<int16_t>(k24, 2, 36, std::vector<int64_t>(35), meta, out), Catch::Contains("values holds 35 elements, 2:4 of 2 x 36 needs 36"));
  CHECK_THAT(lpc::ref::nm_decompress(k24, 1, 4, I64{1, 2}, I64{int64_t{1} << 32}).error, Catch::Contains("meta word 0 = 4294967296 is outside 0 .. 2^32 - 1"));
  CHECK_THAT(lpc::ref::nm_decompress(k24, 1, 4, I64{1, 2}, I64{-1}).error, Catch::Contains("meta word 0 = -1 is outside"));
  CHECK_THAT(*fast_decompress<int16_t>(k24, 1, 6, {1, 2}, {0x4}, out), Catch::Contains("K = 6 is not a multiple of M = 4"));
  CHECK_THAT(lpc::ref::nm_compress(k24, 1, 6, std::vector<int64_t>(6)).error, Catch::Contains("K = 6 is not a multiple of M = 4"));
  // A 2:8 field straddling two words (w = 6: group 5 at stream bits 30..35) with indices 7, 7.
  const uint64_t stream = 0b111111ull << 30 | 0x28 << 6 | 0x3E;  // groups 0, 1 valid, groups 2..4 zero fields (indices 0, 0: invalid)
  const std::vector<uint32_t> straddle = {static_cast<uint32_t>(stream), static_cast<uint32_t>(stream >> 32)};
  const std::string bad = "meta word 0 (row 0, group 2), bits 12..17: field 0x0 is not a valid 2:8 field (indices 0, 0; they must increase and be below 8)";
  CHECK(fast_decompress<int8_t>({2, 8}, 1, 48, std::vector<int64_t>(12), straddle, out) == bad);
  CHECK(lpc::ref::nm_decompress({2, 8}, 1, 48, std::vector<int64_t>(12), words64(straddle)).error == bad);
  uint64_t valid_stream = 0;
  for (unsigned g = 0; g < 6; ++g) valid_stream |= uint64_t{g == 5 ? 0x3Fu : 0x08u} << (6 * g);  // (0, 1) five times, then (7, 7)
  const std::vector<uint32_t> straddle2 = {static_cast<uint32_t>(valid_stream), static_cast<uint32_t>(valid_stream >> 32)};
  const std::string bad2 = "meta word 0 (row 0, group 5), bits 30..35: field 0x3f is not a valid 2:8 field (indices 7, 7; they must increase and be below 8)";
  CHECK(fast_decompress<int8_t>({2, 8}, 1, 48, std::vector<int64_t>(12), straddle2, out) == bad2);
  CHECK(lpc::ref::nm_decompress({2, 8}, 1, 48, std::vector<int64_t>(12), words64(straddle2)).error == bad2);
}

TEST_CASE("sparsity: prune keeps the N largest magnitudes, ties to the lower index (§4), by hand", "[format][prune][known-answers]") {
  struct Example {
    NmPattern p;
    std::vector<int64_t> a, want;
  };
  const int64_t lowest = std::numeric_limits<int64_t>::min(), highest = std::numeric_limits<int64_t>::max();
  const std::vector<Example> examples = {
      {k24, {3, -7, 7, 1}, {0, -7, 7, 0}},
      {k24, {5, -5, 5, 0}, {5, -5, 0, 0}},
      {k24, {0, 0, 0, 0, 1, 0, 0, 0}, {0, 0, 0, 0, 1, 0, 0, 0}},
      {k24, {1, 2, 3, 4}, {0, 0, 3, 4}},
      {{1, 4}, {-2, 2, -2, 2}, {-2, 0, 0, 0}},
      {{3, 4}, {9, 8, 7, 6, 1, 1, 1, 1}, {9, 8, 7, 0, 1, 1, 1, 0}},
  };
  for (const Example& e : examples) {
    const size_t k = e.a.size();
    INFO(lpc::nm_name(e.p) << " " << Catch::Detail::stringify(e.a));
    CHECK(lpc::ref::nm_prune(e.p, 1, k, e.a) == e.want);
    std::vector<int32_t> in(e.a.begin(), e.a.end()), out(k);
    lpc::fast::nm_prune<int32_t>(e.p, 1, k, in, out);
    CHECK(std::vector<int64_t>(out.begin(), out.end()) == e.want);
  }
  // |-2^63| = 2^63 exceeds 2^63 - 1: the most negative value wins.
  const std::vector<int64_t> extreme = {highest, lowest, 0, -highest};
  const std::vector<int64_t> want = {highest, lowest, 0, 0};
  CHECK(lpc::ref::nm_prune({1, 4}, 1, 4, extreme) == std::vector<int64_t>{0, lowest, 0, 0});
  CHECK(lpc::ref::nm_prune(k24, 1, 4, extreme) == want);
  std::vector<int64_t> out(4);
  lpc::fast::nm_prune<int64_t>(k24, 1, 4, extreme, out);
  CHECK(out == want);
  lpc::fast::nm_prune<int64_t>({1, 4}, 1, 4, extreme, out);
  CHECK(out == std::vector<int64_t>{0, lowest, 0, 0});
  std::vector<int8_t> bytes = {-128, 127, -127, 0}, pruned(4);
  lpc::fast::nm_prune<int8_t>({1, 4}, 1, 4, bytes, pruned);
  CHECK(pruned == std::vector<int8_t>{-128, 0, 0, 0});
}

}  // namespace
