// EF-SignSGD (spec/codecs.md §1.7) on the reference and the fast implementation: known answers
// worked by hand (the eight-lane order visible in the scale), bad messages at their byte offsets,
// the errors; RapidCheck fast = reference on layers and on mutated messages, decode ∘ compress, and
// the exact telescoping identity over many steps.
#include <catch2/catch.hpp>

#include <bit>
#include <cmath>
#include <random>
#include <vector>

#include "conformance/tests/support/property.hpp"
#include "impls/fast/codecs/ef_signsgd.hpp"
#include "reference/codecs/adacomp_exact.hpp"
#include "reference/codecs/ef_signsgd.hpp"

namespace {

using boost::multiprecision::cpp_rational;
using Bytes = std::vector<uint8_t>;

struct Step {
  bool ok = false;
  std::string error;
  Bytes message;
  std::vector<float> next_residue, update;
};

Step compress(bool fast, const std::vector<float>& r, const std::vector<float>& g) {
  if (!fast) {
    lpc::ref::EfSignOutcome x = lpc::ref::ef_signsgd_compress(r, g);
    return {x.ok, x.error, x.message, x.next_residue, x.update};
  }
  Step s;
  s.next_residue.resize(r.size());
  s.update.resize(r.size());
  const auto e = lpc::fast::ef_signsgd_compress(r, g, s.next_residue, s.update, s.message);
  if (e) return {false, *e, {}, {}, {}};
  s.ok = true;
  return s;
}

struct Decoded {
  bool ok = false;
  uint64_t offset = 0;
  std::string error;
  std::vector<float> update;
};

Decoded decode(bool fast, uint64_t n, const Bytes& m) {
  if (!fast) {
    lpc::ref::EfSignDecoded x = lpc::ref::ef_signsgd_decode(n, m);
    return {x.ok, x.error_offset, x.error, x.update};
  }
  std::vector<float> u(n);
  const auto e = lpc::fast::ef_signsgd_decode(m, u);
  if (e) return {false, e->offset, e->message, {}};
  return {true, 0, "", u};
}

bool same_bits(const std::vector<float>& a, const std::vector<float>& b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i)
    if (std::bit_cast<uint32_t>(a[i]) != std::bit_cast<uint32_t>(b[i])) return false;
  return true;
}

struct KnownAnswer {
  const char* what;
  std::vector<float> residue, gradient;
  Bytes message;
  std::vector<float> next_residue, update;
};

TEST_CASE("ef-signsgd: known answers worked by hand", "[ef-signsgd][known-answers]") {
  const float third = 0x1.99999cp-4f;  // fl32((1 + 2^-23) / 10)
  const KnownAnswer answers[] = {
      // p = 1 -2 0.5 -0.5, lanes 1 2 0.5 0.5: s = (1 + 2) + (0.5 + 0.5) = 4, scale 1; signs 0b1010.
      {"signs and scale", {0, 0, 0, 0}, {1, -2, 0.5f, -0.5f}, {0x00, 0x00, 0x80, 0x3f, 0b1010}, {0, -1, -0.5f, 0.5f}, {1, -1, 1, -1}},
      // p = -0 +0 +0 -2 (−0 ⊕ −0 = −0 only): s = 2, scale 0.5; −0 sends −scale and keeps +0.5.
      {"signed zeros", {-0.0f, -0.0f, 0, 1}, {-0.0f, 0, -0.0f, -3}, {0x00, 0x00, 0x00, 0x3f, 0b1001}, {0.5f, -0.5f, -0.5f, -1.5f}, {-0.5f, 0.5f, 0.5f, -0.5f}},
      // p = 1 2^-24 0 0 0 0 0 0 0 2^-24: lane 1 holds 2^-24 ⊕ 2^-24 = 2^-23, so s = 1 + 2^-23 (index order would
      // give 1) and scale = fl32((1 + 2^-23)/10) = 0x3dccccce, not 0x3dcccccd.
      {"the lanes' order", {1, 0x1p-24f, 0, 0, 0, 0, 0, 0, 0, 0x1p-24f}, {0, 0, 0, 0, 0, 0, 0, 0, 0, 0},
       {0xce, 0xcc, 0xcc, 0x3d, 0, 0},
       {0x1.ccccccp-1f, -0x1.99998cp-4f, -third, -third, -third, -third, -third, -third, -third, -0x1.99998cp-4f},
       {third, third, third, third, third, third, third, third, third, third}},
      // p = 2^-149 -2^-149 0: s = 2^-148, scale = fl32(2^-148 / 3) = 2^-149.
      {"subnormal scale", {0x1p-149f, 0, 0}, {0, -0x1p-149f, 0}, {0x01, 0x00, 0x00, 0x00, 0b010}, {0, 0, -0x1p-149f}, {0x1p-149f, -0x1p-149f, 0x1p-149f}},
  };
  for (const KnownAnswer& k : answers) {
    for (bool fast : {false, true}) {
      INFO(k.what << (fast ? " on fast" : " on the reference"));
      const Step s = compress(fast, k.residue, k.gradient);
      REQUIRE(s.ok);
      CHECK(s.message == k.message);
      CHECK(s.message.size() == lpc::ef_signsgd_message_bytes(k.residue.size()));
      CHECK(same_bits(s.next_residue, k.next_residue));
      CHECK(same_bits(s.update, k.update));
      const Decoded d = decode(fast, k.residue.size(), k.message);
      REQUIRE(d.ok);
      CHECK(same_bits(d.update, k.update));
    }
  }
}

TEST_CASE("ef-signsgd: bad messages and bad steps", "[ef-signsgd][errors]") {
  const Bytes good = {0x00, 0x00, 0x80, 0x3f, 0b1010};  // n = 4
  auto with = [](Bytes m, size_t at, uint8_t v) {
    m[at] = v;
    return m;
  };
  struct Bad {
    const char* what;
    Bytes message;
    uint64_t offset;
  };
  const Bad bad[] = {
      {"empty", {}, 0},
      {"scale cut", {0, 0, 0x80}, 3},
      {"scale NaN", with(with(good, 2, 0xc0), 3, 0x7f), 0},
      {"scale -0", with(with(good, 2, 0x00), 3, 0x80), 0},
      {"signs missing", Bytes(good.begin(), good.begin() + 4), 4},
      {"trailing byte", [&] { Bytes m = good; m.push_back(0); return m; }(), 5},
      {"unused sign bit", with(good, 4, 0b11010), 4},
  };
  for (const Bad& b : bad) {
    for (bool fast : {false, true}) {
      INFO(b.what << (fast ? " on fast" : " on the reference"));
      const Decoded d = decode(fast, 4, b.message);
      REQUIRE_FALSE(d.ok);
      CHECK(d.offset == b.offset);
      CHECK(d.error.starts_with("byte offset " + std::to_string(b.offset) + ": "));
    }
  }
  const float big = 0x1.8p127f;
  for (bool fast : {false, true}) {
    INFO((fast ? "fast" : "reference"));
    CHECK(compress(fast, {0, 0, NAN}, {INFINITY, 0, 0}).error == "residue element 2 is not finite");
    CHECK(compress(fast, {1, big}, {0, big}).error == "element 1: residue + gradient overflows float32");
    // lane 0 holds elements 0 and 8: 1.5·2^127 twice overflows.
    CHECK(compress(fast, {big, 0, 0, 0, 0, 0, 0, 0, -big}, std::vector<float>(9, 0.0f)).error == "the L1 norm overflows float32");
    CHECK(compress(fast, {}, {}).error == "a layer holds at least one element");
  }
}

// Layers of 1..n_max elements: a tenth ±0, the rest 1..24 significant bits around a per-layer exponent.
std::pair<std::vector<float>, std::vector<float>> gen_layer(size_t n_max) {
  const size_t n = *rc::gen::inRange<size_t>(1, n_max + 1);
  const int centre = *rc::gen::element(-140, -40, 0, 30);
  auto value = [&] {
    const int kind = *rc::gen::inRange(0, 10);
    if (kind == 0) return *rc::gen::element(0.0f, -0.0f);
    const float v = std::ldexp(static_cast<float>(*rc::gen::inRange<uint32_t>(1, 1u << 24)), centre + *rc::gen::inRange(-30, 4));
    return *rc::gen::arbitrary<bool>() ? -v : v;
  };
  std::vector<float> r(n), g(n);
  for (size_t i = 0; i < n; ++i) r[i] = value(), g[i] = value();
  return {r, g};
}

TEST_CASE("ef-signsgd: fast equals the reference", "[ef-signsgd][property]") {
  lpc::test::property("compress bit for bit, and decode of its message on both", 300, [] {
    const auto [r, g] = gen_layer(400);
    const Step want = compress(false, r, g), got = compress(true, r, g);
    RC_ASSERT(want.ok == got.ok);
    if (!want.ok) {
      RC_ASSERT(want.error == got.error);
      return;
    }
    RC_ASSERT(got.message == want.message);
    RC_ASSERT(same_bits(got.next_residue, want.next_residue));
    RC_ASSERT(same_bits(got.update, want.update));
    for (bool fast : {false, true}) {
      const Decoded d = decode(fast, r.size(), want.message);
      RC_ASSERT(d.ok);
      RC_ASSERT(same_bits(d.update, want.update));
    }
  });
  lpc::test::property("mutated messages: same verdict, byte offset and update", 300, [] {
    const size_t n = *rc::gen::inRange<size_t>(1, 40);
    Bytes m = *rc::gen::container<Bytes>(lpc::ef_signsgd_message_bytes(n) + *rc::gen::inRange(-2, 3), rc::gen::arbitrary<uint8_t>());
    if (m.size() >= 4 && *rc::gen::arbitrary<bool>()) m[3] = 0x3f;  // a plausible scale
    const Decoded want = decode(false, n, m), got = decode(true, n, m);
    RC_CLASSIFY(want.ok, "valid");
    RC_ASSERT(want.ok == got.ok);
    RC_ASSERT(want.offset == got.offset);
    RC_ASSERT(want.error == got.error);
    RC_ASSERT(same_bits(want.update, got.update));
  });
}

TEST_CASE("ef-signsgd: the telescoping identity holds exactly over many steps", "[ef-signsgd][identity]") {
  const uint64_t seed = 20261709;
  INFO("seed " << seed);
  std::mt19937_64 rng(seed);
  for (int run = 0; run < 4; ++run) {
    const size_t n = 1 + rng() % 20;
    std::vector<cpp_rational> residue(n, 0), sum_update(n, 0), sum_gradient(n, 0);
    for (int t = 0; t < 40; ++t) {
      std::vector<cpp_rational> gradient(n);
      for (auto& x : gradient) x = cpp_rational(static_cast<int64_t>(rng() % 2001) - 1000, 1 + static_cast<int64_t>(rng() % 12));
      const lpc::ref::EfSignExactStep s = lpc::ref::ef_signsgd_step_exact(residue, gradient);
      for (size_t i = 0; i < n; ++i) {
        REQUIRE((s.update[i] == s.scale || s.update[i] == -s.scale));
        sum_update[i] += s.update[i];
        sum_gradient[i] += gradient[i];
      }
      residue = s.next_residue;
    }
    for (size_t i = 0; i < n; ++i) REQUIRE(sum_update[i] + residue[i] == sum_gradient[i]);
  }
}

}  // namespace
