// AdaComp (spec/codecs.md §1) on the reference and the fast implementation: known answers worked
// by hand from §1.2 and §1.4, exact message sizes and compression ratios, every message layout of
// layers of up to 6 elements (compress, decode, a trailing byte; every prefix up to 5), bad messages with
// the byte offsets §1.5 names, and the errors of §1.2.
#include <catch2/catch.hpp>

#include <bit>
#include <cmath>
#include <cstring>
#include <vector>

#include "conformance/tests/codecs/adacomp_support.hpp"

namespace {

using lpc::AdacompLayout;
using lpc::AdacompParams;
using lpc::test::AdacompImpl;
using lpc::test::compress;
using lpc::test::decode;
using lpc::test::spec_message;

using Bytes = std::vector<uint8_t>;

constexpr AdacompImpl kImpls[] = {AdacompImpl::Reference, AdacompImpl::Fast};

uint32_t bits(float x) { return std::bit_cast<uint32_t>(x); }

// Float vectors equal bit for bit (the sign of zero counts).
void require_bits(const std::vector<float>& got, const std::vector<float>& want) {
  REQUIRE(got.size() == want.size());
  for (size_t i = 0; i < want.size(); ++i) {
    INFO("element " << i << ": got " << got[i] << ", want " << want[i]);
    REQUIRE(bits(got[i]) == bits(want[i]));
  }
}

struct KnownAnswer {
  const char* what;
  uint32_t bin;
  std::vector<float> residue, gradient;
  Bytes index32, binned;  // §1.4, worked by hand
  std::vector<float> next_residue, update;
};

// Each worked from §1.2 by hand (comments give G, gmax, H, the selection and the scale).
std::vector<KnownAnswer> known_answers() {
  return {
      // G = 1 -3 0.5 2 | 0 0 -1, gmax 3 | 1, H = 2 -6 1 4 | 0 0 -2: selected 1, 3 | 6; scale (3 + 1)/2 = 2.
      // binned, w = 2: 1 1 0, (1 0) 1, (1 1) 0 | 1 0, (0 1) 1 -> bytes 0b11101011 = 235, 0b110010 = 50.
      {"two bins, the last short", 4, {0, 0, 0, 0, 0, 0, 0}, {1, -3, 0.5f, 2, 0, 0, -1},
       {3, 0, 0, 0, 0, 0, 0, 0x40, 1, 0, 0, 0, 3, 0, 0, 0, 6, 0, 0, 0, 0b101}, {3, 0, 0, 0, 0, 0, 0, 0x40, 235, 50},
       {1, -1, 0.5f, 0, 0, 0, 1}, {0, -2, 0, 2, 0, 0, -2}},
      // G = 0 0 0.75 +0 (−0 ⊕ +0 = +0), H = 4 -1 1 0: elements 0 and 1 reach gmax 0.75 with G = 0 and stay out.
      {"G = 0 is never selected", 4, {-4, 1, 0.5f, -0.0f}, {4, -1, 0.25f, 0},
       {1, 0, 0, 0, 0x00, 0x00, 0x40, 0x3f, 2, 0, 0, 0, 0}, {1, 0, 0, 0, 0x00, 0x00, 0x40, 0x3f, 0b01001}, {0, 0, 0, 0}, {0, 0, 0.75f, 0}},
      // Every bin all zero: nothing selected, scale 0, binned stream 0 0 0.
      {"all-zero bins", 2, {0, 0, 0, 0, 0}, {0, 0, 0, 0, 0}, {0, 0, 0, 0, 0, 0, 0, 0}, {0, 0, 0, 0, 0, 0, 0, 0, 0}, {0, 0, 0, 0, 0}, {0, 0, 0, 0, 0}},
      // −0 ⊕ −0 = −0 is kept in R'.
      {"negative zeros", 2, {-0.0f, -0.0f, 0}, {-0.0f, -0.0f, -0.0f}, {0, 0, 0, 0, 0, 0, 0, 0}, {0, 0, 0, 0, 0, 0, 0, 0, 0}, {-0.0f, -0.0f, 0}, {0, 0, 0}},
      // Ties: ΔW = 0 so H = G; |H| = gmax = 1 selects 0, 1, 2 and all of bin 1; scale 1.
      // binned, w = 2: 1 1 1 0, (0 0) 0, (1 0) 1, (0 1) 0 | 1 1 1 1 0, (0 0) 1, (1 0) 0, (0 1) 0, (1 1) 0.
      {"ties select", 4, {1, -1, 1, 0.5f, -1, 1, 1, 1}, {0, 0, 0, 0, 0, 0, 0, 0},
       {7, 0, 0, 0, 0, 0, 0x80, 0x3f, 0, 0, 0, 0, 1, 0, 0, 0, 2, 0, 0, 0, 4, 0, 0, 0, 5, 0, 0, 0, 6, 0, 0, 0, 7, 0, 0, 0, 0b0001010},
       {7, 0, 0, 0, 0, 0, 0x80, 0x3f, 0b10000111, 0b11101010, 0b00110001, 0b00011010}, {0, 0, 0, 0.5f, 0, 0, 0, 0}, {1, -1, 1, 0, -1, 1, 1, 1}},
      // ΔW against G: G = 2 0 -1 1, H = 1 -1 0 0, none reaches gmax 2; scale 2 is sent with count 0.
      {"a bin selecting nothing", 4, {3, 1, -2, 2}, {-1, -1, 1, -1}, {0, 0, 0, 0, 0, 0, 0, 0x40}, {0, 0, 0, 0, 0, 0, 0, 0x40, 0}, {2, 0, -1, 1}, {0, 0, 0, 0}},
      // One bin per element: gmax 2^-149 0 0, scale = fl32(2^-149 / 3) = +0; the update is −0, R' = G.
      {"the scale underflows to +0", 1, {0, 0, 0}, {-0x1p-149f, 0, 0}, {1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1},
       {1, 0, 0, 0, 0, 0, 0, 0, 0b00101}, {-0x1p-149f, 0, 0}, {-0.0f, 0, 0}},
      // Step 1 ties to even: G = 1, 1 − 2^-24, 1 + 2^-23; H_2 = 1 + 2^-22 ≥ gmax = 1 + 2^-23, H_0 = 1 and H_1 = 1 − 2^-23 below.
      {"step 1 rounds", 3, {1, 1, 1}, {0x1p-24f, -0x1p-24f, 0x1.8p-24f}, {1, 0, 0, 0, 0x01, 0x00, 0x80, 0x3f, 2, 0, 0, 0, 0},
       {1, 0, 0, 0, 0x01, 0x00, 0x80, 0x3f, 0b01001}, {1, 0x1.fffffep-1f, 0}, {0, 0, 0x1.000002p0f}},
      // G = 1.5·2^127 1 0; H_0 = 2.5·2^127 overflows to +inf and selects; scale = gmax.
      {"H overflows and selects", 3, {0x1p126f, 1, 0}, {0x1p127f, 0, 0}, {1, 0, 0, 0, 0x00, 0x00, 0x40, 0x7f, 0, 0, 0, 0, 0},
       {1, 0, 0, 0, 0x00, 0x00, 0x40, 0x7f, 0b0001}, {0, 1, 0}, {0x1.8p127f, 0, 0}},
      // Bins of 1: s = 1 ⊕ 1 = 2, 2 ⊕ 2^-30 = 2, scale = fl32(2/3) = 0x3f2aaaab; R'_2 = 2^-30 ⊖ scale = −scale.
      {"steps 5 and 7 round", 1, {0, 0, 0}, {1, 1, 0x1p-30f}, {3, 0, 0, 0, 0xab, 0xaa, 0x2a, 0x3f, 0, 0, 0, 0, 1, 0, 0, 0, 2, 0, 0, 0, 0},
       {3, 0, 0, 0, 0xab, 0xaa, 0x2a, 0x3f, 0b01001001, 0}, {0x1.555554p-2f, 0x1.555554p-2f, -0x1.555556p-1f},
       {0x1.555556p-1f, 0x1.555556p-1f, 0x1.555556p-1f}},
  };
}

TEST_CASE("adacomp: known answers worked by hand", "[adacomp][known-answers]") {
  for (const KnownAnswer& k : known_answers()) {
    for (AdacompImpl impl : kImpls) {
      for (AdacompLayout layout : {AdacompLayout::Index32, AdacompLayout::Binned}) {
        const AdacompParams p{k.bin, layout};
        const Bytes& want = layout == AdacompLayout::Index32 ? k.index32 : k.binned;
        INFO(k.what << " on " << lpc::test::name_of(impl) << (layout == AdacompLayout::Index32 ? ", index32" : ", binned"));
        const auto r = compress(impl, p, k.residue, k.gradient);
        REQUIRE(r.ok);
        CHECK(r.message == want);
        require_bits(r.next_residue, k.next_residue);
        require_bits(r.update, k.update);
        const auto d = decode(impl, p, k.residue.size(), want);
        REQUIRE(d.ok);
        require_bits(d.update, k.update);
        const uint32_t count = want[0];
        CHECK(want.size() == lpc::adacomp_message_bytes(p, k.residue.size(), count));
      }
    }
  }
}

TEST_CASE("adacomp: MXNet's zero rule (zero=mxnet, spec/codecs.md §1.6), worked by hand", "[adacomp][known-answers]") {
  const AdacompParams p{4, AdacompLayout::Index32, lpc::AdacompZeroRule::Mxnet};
  const AdacompParams p2{2, AdacompLayout::Index32, lpc::AdacompZeroRule::Mxnet};
  for (AdacompImpl impl : kImpls) {
    INFO(lpc::test::name_of(impl));
    // G = 0 0 0.75 +0, gmax 0.75, H = 4 -1 1 0: elements 0, 1 (G = 0, sent as -scale) and 2 selected.
    const auto a = compress(impl, p, std::vector<float>{-4, 1, 0.5f, -0.0f}, std::vector<float>{4, -1, 0.25f, 0});
    REQUIRE(a.ok);
    CHECK(a.message == Bytes{3, 0, 0, 0, 0x00, 0x00, 0x40, 0x3f, 0, 0, 0, 0, 1, 0, 0, 0, 2, 0, 0, 0, 0b011});
    require_bits(a.update, {-0.75f, -0.75f, 0.75f, 0});
    require_bits(a.next_residue, {0.75f, 0.75f, 0, 0});
    // All-zero bins: |H| = 0 >= gmax = 0 selects all five, scale +0, each update −0, R' = +0.
    const auto b = compress(impl, p2, std::vector<float>(5, 0.0f), std::vector<float>(5, 0.0f));
    REQUIRE(b.ok);
    CHECK(b.message == Bytes{5, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 2, 0, 0, 0, 3, 0, 0, 0, 4, 0, 0, 0, 0b11111});
    require_bits(b.update, std::vector<float>(5, -0.0f));
    require_bits(b.next_residue, std::vector<float>(5, 0.0f));
    // Without zeros the rules agree: the first known answer.
    const auto c = compress(impl, {4, AdacompLayout::Binned, lpc::AdacompZeroRule::Mxnet}, std::vector<float>(7, 0.0f), std::vector<float>{1, -3, 0.5f, 2, 0.25f, 0.25f, -1});
    const auto d = compress(impl, {4, AdacompLayout::Binned}, std::vector<float>(7, 0.0f), std::vector<float>{1, -3, 0.5f, 2, 0.25f, 0.25f, -1});
    REQUIRE((c.ok && d.ok));
    CHECK(c.message == d.message);
  }
}

TEST_CASE("adacomp: message sizes and compression ratios", "[adacomp][known-answers]") {
  // §1.4's example: n = 8, L_T = 4, c = 2: index32 8 + 8 + 1 = 17 bytes, binned 8 + ⌈(2 + 2·4)/8⌉ = 10.
  CHECK(lpc::adacomp_message_bytes({4, AdacompLayout::Index32}, 8, 2) == 17);
  CHECK(lpc::adacomp_message_bytes({4, AdacompLayout::Binned}, 8, 2) == 10);
  // The paper's conv setting: n = 5000, L_T = 50, one element per bin (c = 100). index32: 8 + 400 +
  // 13 = 421 bytes, ratio 160000/3368 = 47.51; binned, w = 6: 8 + ⌈(100 + 100·8)/8⌉ = 121 bytes,
  // ratio 160000/968 = 165.3. L_T = 500, n = 50000, c = 100: binned w = 9, 8 + ⌈(100 + 1100)/8⌉ = 158.
  std::vector<float> residue(5000, 0.0f), gradient(5000, 0.0f);
  for (size_t b = 0; b < 100; ++b) gradient[50 * b + b % 50] = (b % 3 == 0 ? -1.0f : 1.0f) * static_cast<float>(1 + b);
  for (AdacompImpl impl : kImpls) {
    INFO(lpc::test::name_of(impl));
    const auto a = compress(impl, {50, AdacompLayout::Index32}, residue, gradient);
    const auto b = compress(impl, {50, AdacompLayout::Binned}, residue, gradient);
    REQUIRE((a.ok && b.ok));
    CHECK(a.message.size() == 421);
    CHECK(b.message.size() == 121);
    CHECK(std::abs(32.0 * 5000 / (8.0 * a.message.size()) - 47.5059) < 1e-4);  // 20000/421
    CHECK(std::abs(32.0 * 5000 / (8.0 * b.message.size()) - 165.289) < 1e-3);   // 20000/121
  }
  CHECK(lpc::adacomp_message_bytes({500, AdacompLayout::Binned}, 50000, 100) == 158);
  CHECK(lpc::adacomp_message_bytes({1, AdacompLayout::Binned}, 3, 3) == 10);  // w = 0: 3 + 3·2 = 9 bits, 2 bytes
}

// A layer of n whose selection is exactly `mask` with signs `negative`: selected ±1, the others of
// a bin holding a selected element 0.5, other bins zero; R and ΔW split G by `split`
// (R = G, ΔW = 0; or R = ΔW = G/2, so H = 1.5·G).
struct Layer {
  std::vector<float> residue, gradient, g;
};
Layer layer_of(uint32_t bin, size_t n, uint32_t mask, uint32_t negative, bool split) {
  Layer l{std::vector<float>(n), std::vector<float>(n), std::vector<float>(n, 0.0f)};
  for (size_t start = 0; start < n; start += bin) {
    const size_t end = std::min(n, start + bin);
    bool any = false;
    for (size_t i = start; i < end; ++i) any |= ((mask >> i) & 1) != 0;
    for (size_t i = start; i < end && any; ++i) l.g[i] = (mask >> i) & 1 ? ((negative >> i) & 1 ? -1.0f : 1.0f) : 0.5f;
  }
  for (size_t i = 0; i < n; ++i) {
    l.residue[i] = split ? l.g[i] / 2 : l.g[i];
    l.gradient[i] = split ? l.g[i] / 2 : 0.0f;
  }
  return l;
}

TEST_CASE("adacomp: every message layout of layers of 1 to 6 elements", "[adacomp][exhaustive-small]") {
  size_t messages = 0;
  for (size_t n = 1; n <= 6; ++n) {
    for (uint32_t bin = 1; bin <= n + 1; ++bin) {
      for (AdacompLayout layout : {AdacompLayout::Index32, AdacompLayout::Binned}) {
        const AdacompParams p{bin, layout};
        for (uint32_t mask = 0; mask < (1u << n); ++mask) {
          for (uint32_t negative = mask;; negative = (negative - 1) & mask) {  // every sign pattern of the selected
            const Layer l = layer_of(bin, n, mask, negative, (mask ^ negative) & 1);
            std::vector<uint32_t> index;
            std::vector<bool> signs;
            size_t busy_bins = 0;
            for (size_t i = 0; i < n; ++i)
              if ((mask >> i) & 1) index.push_back(static_cast<uint32_t>(i)), signs.push_back((negative >> i) & 1);
            for (size_t start = 0; start < n; start += bin) busy_bins += ((mask >> start) & ((1u << std::min<size_t>(bin, n - start)) - 1)) != 0;
            const float scale = static_cast<float>(busy_bins) / static_cast<float>((n + bin - 1) / bin);  // §1.2 step 5: the gmax are 1 or 0
            std::vector<float> update(n, 0.0f), next = l.g;
            for (size_t j = 0; j < index.size(); ++j) {
              update[index[j]] = signs[j] ? -scale : scale;
              next[index[j]] = l.g[index[j]] - update[index[j]];
            }
            const Bytes want = spec_message(p, n, scale, index, signs);
            REQUIRE(want.size() == lpc::adacomp_message_bytes(p, n, index.size()));
            for (AdacompImpl impl : kImpls) {
              INFO(lpc::test::name_of(impl) << " n " << n << " bin " << bin << " layout " << static_cast<int>(layout) << " mask " << mask << " negative " << negative);
              const auto r = compress(impl, p, l.residue, l.gradient);
              REQUIRE(r.ok);
              REQUIRE(r.message == want);
              require_bits(r.update, update);
              require_bits(r.next_residue, next);
              const auto d = decode(impl, p, n, want);
              REQUIRE(d.ok);
              require_bits(d.update, update);
              for (size_t m = 0; m < want.size() && n <= 5; ++m) {  // every strict prefix (n <= 5): truncated at its end
                const auto t = decode(impl, p, n, std::span<const uint8_t>(want.data(), m));
                REQUIRE((!t.ok && t.offset == m));
              }
              Bytes longer = want;
              longer.push_back(0);
              const auto t = decode(impl, p, n, longer);
              REQUIRE((!t.ok && t.offset == want.size()));
            }
            ++messages;
            if (negative == 0) break;
          }
        }
      }
    }
  }
  CHECK(messages == 2 * (2 * 3 + 3 * 9 + 4 * 27 + 5 * 81 + 6 * 243 + 7 * 729));  // Σ_n (n + 1)·3^n per layout
}

// §1.5: bad messages and the byte offset of the first violation, worked by hand.
struct BadMessage {
  const char* what;
  AdacompParams p;
  uint64_t n;
  Bytes message;
  uint64_t offset;
};

Bytes with(Bytes m, size_t at, uint8_t value) {
  m[at] = value;
  return m;
}

std::vector<BadMessage> bad_messages() {
  // The first known answer: n = 7, L_T = 4.
  const Bytes i32 = {3, 0, 0, 0, 0, 0, 0, 0x40, 1, 0, 0, 0, 3, 0, 0, 0, 6, 0, 0, 0, 0b101};
  const Bytes bin = {3, 0, 0, 0, 0, 0, 0, 0x40, 235, 50};
  const AdacompParams pi{4, AdacompLayout::Index32}, pb{4, AdacompLayout::Binned};
  Bytes i32_short(i32.begin(), i32.end() - 1), i32_long = i32, bin_short(bin.begin(), bin.end() - 1), bin_long = bin;
  i32_long.push_back(0);
  bin_long.push_back(0);
  const Bytes one{1, 0, 0, 0, 0, 0, 0x80, 0x3f};  // count 1, scale 1
  auto tail = [](Bytes head, std::initializer_list<uint8_t> rest) {
    head.insert(head.end(), rest);
    return head;
  };
  return {
      {"empty", pi, 7, {}, 0},
      {"header cut", pi, 7, Bytes(i32.begin(), i32.begin() + 5), 5},
      {"count above n", pi, 7, with(i32, 0, 8), 0},
      {"scale NaN", pi, 7, with(with(i32, 6, 0xc0), 7, 0x7f), 4},
      {"scale +inf", pi, 7, with(with(i32, 6, 0x80), 7, 0x7f), 4},
      {"scale -2", pi, 7, with(i32, 7, 0xc0), 4},
      {"scale -0", pi, 7, with(i32, 7, 0x80), 4},
      {"index32 truncated", pi, 7, i32_short, 20},
      {"index32 trailing byte", pi, 7, i32_long, 21},
      {"index 7 of 7", pi, 7, with(i32, 12, 7), 12},
      {"index repeated", pi, 7, with(i32, 12, 1), 12},
      {"index decreasing", pi, 7, with(i32, 16, 2), 16},
      {"index 2^32 - 1", pi, 7, with(with(with(with(i32, 16, 0xff), 17, 0xff), 18, 0xff), 19, 0xff), 16},
      {"unused sign bit", pi, 7, with(i32, 20, 0b1101), 20},
      {"binned truncated", pb, 7, bin_short, 9},
      {"binned trailing byte", pb, 7, bin_long, 10},
      {"binned unused bit", pb, 7, with(bin, 9, 50 | 0x40), 9},
      {"binned count disagrees", pb, 7, with(bin, 0, 2), 0},
      {"binned count above n", pb, 7, with(bin, 0, 8), 0},
      // n = 3, L_T = 4 (one bin of 3): four ones, the fourth at bit 3 of byte 8.
      {"unary count past the bin", pb, 3, tail(with(one, 0, 3), {0x0f}), 8},
      // k = 1, the entry (offset 3 = 1 1, sign 0) from bit 2: offset 3 outside a bin of 3.
      {"offset outside the bin", pb, 3, tail(one, {0b01101}), 8},
      // n = 8, L_T = 8 (w = 3): k = 2 (1 1 0), entries at bits 3 and 7, offsets 5 and 5: the second
      // starts in byte 8 (bit 7).
      {"offsets not increasing", {8, AdacompLayout::Binned}, 8, tail(with(one, 0, 2), {0b10101011, 0b0010}), 8},
      // ... and with offsets 5, 6 (1 1 0, (1 0 1) 0, (0 1 1) 0) it is valid but for a trailing byte.
      {"valid but trailing", {8, AdacompLayout::Binned}, 8, tail(with(one, 0, 2), {0b00101011, 0b0011, 0}), 10},
      {"entry cut", {8, AdacompLayout::Binned}, 8, tail(with(one, 0, 2), {0b00101011}), 9},
  };
}

TEST_CASE("adacomp: bad messages are rejected at the byte offset §1.5 names", "[adacomp][errors]") {
  for (const BadMessage& b : bad_messages()) {
    for (AdacompImpl impl : kImpls) {
      INFO(b.what << " on " << lpc::test::name_of(impl));
      const auto d = decode(impl, b.p, b.n, b.message);
      REQUIRE_FALSE(d.ok);
      CHECK(d.offset == b.offset);
      CHECK(d.error.starts_with("byte offset " + std::to_string(b.offset) + ": "));
    }
  }
  for (AdacompImpl impl : kImpls) {  // valid neighbours: scale 0x7f000000 (2^127), offsets 5 and 6
    CHECK(decode(impl, {4, AdacompLayout::Index32}, 7, with({3, 0, 0, 0, 0, 0, 0, 0x40, 1, 0, 0, 0, 3, 0, 0, 0, 6, 0, 0, 0, 0b101}, 7, 0x7f)).ok);
    const auto d = decode(impl, {8, AdacompLayout::Binned}, 8, Bytes{2, 0, 0, 0, 0, 0, 0x80, 0x3f, 0b00101011, 0b0011});
    REQUIRE(d.ok);
    require_bits(d.update, {0, 0, 0, 0, 0, 1, 1, 0});
  }
}

TEST_CASE("adacomp: the errors of §1.2 name the tensor and the element", "[adacomp][errors]") {
  struct Case {
    std::vector<float> residue, gradient;
    uint32_t bin;
    const char* error;
  };
  const float nan = std::nanf(""), inf = INFINITY, big = 0x1.8p127f, max = 0x1.fffffep127f;
  const Case cases[] = {
      {{0, 0, nan}, {inf, 0, 0}, 2, "residue element 2 is not finite"},  // the residue first
      {{0, 0, 0}, {0, -inf, nan}, 2, "gradient element 1 is not finite"},
      {{1, big, big}, {0, big, big}, 2, "element 1: residue + gradient overflows float32"},
      {{max, 0, max}, {0, 0, 0}, 1, "the sum of the bin maxima overflows float32 at bin 2"},
  };
  for (const Case& c : cases) {
    for (AdacompImpl impl : kImpls) {
      INFO(c.error << " on " << lpc::test::name_of(impl));
      const auto r = compress(impl, {c.bin, AdacompLayout::Index32}, c.residue, c.gradient);
      REQUIRE_FALSE(r.ok);
      CHECK(r.error == c.error);
    }
  }
  CHECK(lpc::adacomp_params_error({4, AdacompLayout::Index32}, 0) == "a layer holds at least one element");
  CHECK(lpc::adacomp_params_error({1, AdacompLayout::Index32}, (1u << 24) + 1).has_value());
  CHECK_FALSE(lpc::adacomp_params_error({1, AdacompLayout::Index32}, 1u << 24).has_value());
}

}  // namespace
