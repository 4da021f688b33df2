// Properties of AdaComp (spec/codecs.md §1): fast equals the reference on arbitrary layers and on
// arbitrary (mutated) messages, decode inverts compress, the exact algorithm's telescoping identity
// Σ Gq_t + R_T = Σ ΔW_t + R_0 over many steps in rationals, the float32 loop's identity with its
// roundings bounded exactly, and the float32 arithmetic equal to the exact one where nothing
// rounds. RapidCheck's seed is the runner's, printed at start; the std::mt19937_64 seeds are fixed
// and printed by INFO on failure.
#include <catch2/catch.hpp>

#include <bit>
#include <cmath>
#include <random>
#include <vector>

#include "conformance/tests/codecs/adacomp_support.hpp"
#include "conformance/tests/support/property.hpp"
#include "reference/codecs/adacomp_exact.hpp"

namespace {

using boost::multiprecision::cpp_int;
using boost::multiprecision::cpp_rational;
using lpc::AdacompLayout;
using lpc::AdacompParams;
using lpc::test::AdacompImpl;

uint32_t bits(float x) { return std::bit_cast<uint32_t>(x); }

bool same_bits(const std::vector<float>& a, const std::vector<float>& b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i)
    if (bits(a[i]) != bits(b[i])) return false;
  return true;
}

// The exact value of a finite float32.
cpp_rational exact(float x) {
  int e = 0;
  const float m = std::frexp(x, &e);  // x = m·2^e, |m| in [0.5, 1)
  const cpp_rational scaled(static_cast<int64_t>(std::ldexp(m, 24)));
  return e - 24 >= 0 ? scaled * cpp_rational(cpp_int(1) << (e - 24)) : scaled / cpp_rational(cpp_int(1) << (24 - e));
}

// A float32 of the generator's choosing: a fifth ±0, some repeats of the previous (ties), the rest
// 1..24 significant bits at exponents around a per-layer centre (subnormals when it is low).
float gen_value(int centre, float previous) {
  const int kind = *rc::gen::inRange(0, 10);
  if (kind == 0) return 0.0f;
  if (kind == 1) return -0.0f;
  if (kind == 2) return -previous;
  if (kind == 3) return previous;
  const float v = std::ldexp(static_cast<float>(*rc::gen::inRange<uint32_t>(1, 1u << 24)), centre + *rc::gen::inRange(-30, 4));
  return *rc::gen::arbitrary<bool>() ? -v : v;
}

struct Layer {
  AdacompParams p;
  std::vector<float> residue, gradient;
};

Layer gen_layer(size_t max_n) {
  Layer l;
  l.p.bin = *rc::gen::element<uint32_t>(1, 2, 3, 7, 8, 16, 50, 64, 500, *rc::gen::inRange<uint32_t>(1, 100));
  l.p.layout = *rc::gen::element(AdacompLayout::Index32, AdacompLayout::Binned);
  l.p.zero = *rc::gen::element(lpc::AdacompZeroRule::Skip, lpc::AdacompZeroRule::Skip, lpc::AdacompZeroRule::Mxnet);
  const size_t n = *rc::gen::inRange<size_t>(1, max_n + 1);
  const int centre = *rc::gen::element(-140, -60, -10, 0, 20, 90);
  float prev = 1.0f;
  for (size_t i = 0; i < n; ++i) {
    l.gradient.push_back(prev = gen_value(centre, prev));
    l.residue.push_back(prev = gen_value(centre - *rc::gen::inRange(0, 3), prev));
  }
  return l;
}

TEST_CASE("adacomp: fast equals the reference on arbitrary layers", "[adacomp][property]") {
  lpc::test::property("compress: message, next residue and update bit for bit; decode of the message", 300, [] {
    const Layer l = gen_layer(300);
    const auto want = lpc::test::compress(AdacompImpl::Reference, l.p, l.residue, l.gradient);
    const auto got = lpc::test::compress(AdacompImpl::Fast, l.p, l.residue, l.gradient);
    RC_ASSERT(want.ok == got.ok);
    if (!want.ok) {
      RC_ASSERT(want.error == got.error);
      return;
    }
    RC_CLASSIFY(want.message[0] == 0 && want.message[1] == 0, "nothing selected");
    RC_ASSERT(got.message == want.message);
    RC_ASSERT(same_bits(got.next_residue, want.next_residue));
    RC_ASSERT(same_bits(got.update, want.update));
    // The message size of §1.4 and decode ∘ compress = the update, on both decoders.
    const uint32_t count = want.message[0] | want.message[1] << 8 | want.message[2] << 16 | uint32_t{want.message[3]} << 24;
    RC_ASSERT(want.message.size() == lpc::adacomp_message_bytes(l.p, l.residue.size(), count));
    for (AdacompImpl impl : {AdacompImpl::Reference, AdacompImpl::Fast}) {
      const auto d = lpc::test::decode(impl, l.p, l.residue.size(), want.message);
      RC_ASSERT(d.ok);
      RC_ASSERT(same_bits(d.update, want.update));
    }
  });
}

TEST_CASE("adacomp: fast and the reference decode arbitrary messages alike", "[adacomp][property]") {
  lpc::test::property("mutated messages: same verdict, byte offset and update", 600, [] {
    const Layer l = gen_layer(80);
    auto r = lpc::test::compress(AdacompImpl::Reference, l.p, l.residue, l.gradient);
    RC_PRE(r.ok);
    std::vector<uint8_t> m = r.message;
    const int mutations = *rc::gen::inRange(0, 4);
    for (int k = 0; k < mutations; ++k) {
      switch (*rc::gen::inRange(0, 5)) {
        case 0: if (!m.empty()) m[*rc::gen::inRange<size_t>(0, m.size())] ^= static_cast<uint8_t>(1u << *rc::gen::inRange(0, 8)); break;
        case 1: if (!m.empty()) m[*rc::gen::inRange<size_t>(0, m.size())] = *rc::gen::arbitrary<uint8_t>(); break;
        case 2: m.resize(*rc::gen::inRange<size_t>(0, m.size() + 1)); break;
        case 3: m.push_back(*rc::gen::arbitrary<uint8_t>()); break;
        default: if (m.size() >= 4) m[*rc::gen::inRange<size_t>(0, 4)] = static_cast<uint8_t>(*rc::gen::inRange(0, 3)); break;  // small counts
      }
    }
    const auto want = lpc::test::decode(AdacompImpl::Reference, l.p, l.residue.size(), m);
    const auto got = lpc::test::decode(AdacompImpl::Fast, l.p, l.residue.size(), m);
    RC_CLASSIFY(want.ok, "valid");
    RC_ASSERT(want.ok == got.ok);
    if (want.ok) {
      RC_ASSERT(same_bits(got.update, want.update));
    } else {
      RC_ASSERT(got.offset == want.offset);
      RC_ASSERT(got.error == want.error);
      RC_ASSERT(want.offset <= m.size());
    }
  });
}

TEST_CASE("adacomp: the telescoping identity holds exactly over many steps (§1.3)", "[adacomp][identity]") {
  const uint64_t seed = 20261707;
  INFO("seed " << seed);
  std::mt19937_64 rng(seed);
  for (int run = 0; run < 6; ++run) {
    const uint32_t bin = 1 + rng() % 8;
    const size_t n = 1 + rng() % 24;
    std::vector<cpp_rational> residue(n), r0(n), sum_update(n, 0), sum_gradient(n, 0);
    for (auto& x : residue) x = cpp_rational(static_cast<int64_t>(rng() % 201) - 100, 1 + static_cast<int64_t>(rng() % 97));
    r0 = residue;
    size_t selected = 0;
    for (int t = 0; t < 60; ++t) {  // the scale's denominators grow as nb^t: 60 steps keep it quick
      std::vector<cpp_rational> gradient(n);
      for (auto& x : gradient) x = rng() % 7 == 0 ? cpp_rational(0) : cpp_rational(static_cast<int64_t>(rng() % 2001) - 1000, 1 + static_cast<int64_t>(rng() % 12));
      const lpc::ref::AdacompExactStep s = lpc::ref::adacomp_step_exact(bin, residue, gradient);
      for (size_t i = 0; i < n; ++i) {
        const cpp_rational g = residue[i] + gradient[i];
        REQUIRE((s.update[i] == 0 || s.update[i] == s.scale || s.update[i] == -s.scale));
        REQUIRE((s.update[i] == 0 || (s.update[i] > 0) == (g > 0)));  // the sign of G
        sum_update[i] += s.update[i];
        sum_gradient[i] += gradient[i];
      }
      selected += s.selected.size();
      residue = s.next_residue;
    }
    for (size_t i = 0; i < n; ++i) REQUIRE(sum_update[i] + residue[i] == sum_gradient[i] + r0[i]);
    CHECK(selected > 0);
  }
}

TEST_CASE("adacomp: the float32 loop keeps the identity up to its roundings (§1.3)", "[adacomp][identity]") {
  // Per step and element, Gq + R' − (R + ΔW) = (G − (R + ΔW)) + (R' − (G − Gq)): two roundings, each
  // at most 2^-24 of its result (float32 sums are exact where subnormal). Over T steps the residue
  // of the identity is at most the sum of these bounds; checked in rationals on fast's outputs.
  const uint64_t seed = 20261708;
  INFO("seed " << seed);
  std::mt19937_64 rng(seed);
  const cpp_rational u = cpp_rational(1, 1 << 24);
  for (uint32_t bin : {1u, 5u, 50u}) {
    const size_t n = 333;
    std::vector<float> residue(n, 0.0f), next(n), update(n), gradient(n);
    std::vector<cpp_rational> lhs(n, 0), rhs(n, 0), bound(n, 0);
    std::vector<uint8_t> message;
    for (int t = 0; t < 200; ++t) {
      for (float& g : gradient) g = std::ldexp(static_cast<float>(static_cast<int64_t>(rng() % (1u << 24)) - (1 << 23)), -20 - static_cast<int>(rng() % 12));
      REQUIRE_FALSE(lpc::fast::adacomp_compress({bin, AdacompLayout::Binned}, residue, gradient, next, update, message));
      for (size_t i = 0; i < n; ++i) {
        const cpp_rational g = exact(residue[i] + gradient[i]);  // the G of step 1, one float32 addition
        lhs[i] += exact(update[i]);
        rhs[i] += exact(gradient[i]);
        bound[i] += u * (abs(g) + abs(exact(next[i])));
      }
      residue = next;
    }
    for (size_t i = 0; i < n; ++i) {
      lhs[i] += exact(residue[i]);
      REQUIRE(abs(lhs[i] - rhs[i]) <= bound[i]);
    }
  }
}

TEST_CASE("adacomp: where nothing rounds, float32 equals the exact algorithm", "[adacomp][identity]") {
  // Multiples of 2^-8 below 16 in magnitude, nb a power of two up to 8: every G, H, Σ gmax, the
  // scale and G − Gq fit 24 bits, so §1.2 and §1.3 agree exactly.
  lpc::test::property("dyadic layers, nb = 1, 2, 4, 8", 300, [] {
    const uint32_t bin = *rc::gen::inRange<uint32_t>(1, 20);
    const size_t nb = size_t{1} << *rc::gen::inRange(0, 4);
    const size_t n = (nb - 1) * bin + *rc::gen::inRange<size_t>(1, bin + 1);
    std::vector<float> residue(n), gradient(n);
    std::vector<cpp_rational> r_exact(n), d_exact(n);
    for (size_t i = 0; i < n; ++i) {
      residue[i] = std::ldexp(static_cast<float>(*rc::gen::inRange(-2047, 2048)), -8);
      gradient[i] = std::ldexp(static_cast<float>(*rc::gen::inRange(-2047, 2048)), -8);
      r_exact[i] = exact(residue[i]);
      d_exact[i] = exact(gradient[i]);
    }
    const lpc::ref::AdacompExactStep want = lpc::ref::adacomp_step_exact(bin, r_exact, d_exact);
    const auto got = lpc::test::compress(AdacompImpl::Fast, {bin, AdacompLayout::Index32}, residue, gradient);
    RC_ASSERT(got.ok);
    for (size_t i = 0; i < n; ++i) {
      RC_ASSERT(exact(got.update[i]) == want.update[i]);
      RC_ASSERT(exact(got.next_residue[i]) == want.next_residue[i]);
    }
    RC_ASSERT(got.message[0] == want.selected.size());
  });
}

}  // namespace
