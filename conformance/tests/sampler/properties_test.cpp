// Properties of the banked selection (spec/sampler.md §5), through the reference and the fast
// implementation, and fast against the reference on arbitrary rows (RapidCheck; the seed is the
// runner's, printed at start).
#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <vector>

#include "conformance/tests/support/property.hpp"
#include "impls/fast/sampler/multinomial.hpp"
#include "reference/sampler/multinomial.hpp"

namespace {

using lpc::Normalization;
using lpc::Replacement;
using lpc::SamplerFormat;
using lpc::SamplerParams;

// A row of weights: a fifth zeros, the rest of 1..24 significant bits over 2^-30 .. 2^10, some
// repeated (ties); at least one positive.
std::vector<float> gen_row(size_t max_n) {
  const size_t n = *rc::gen::inRange<size_t>(1, max_n + 1);
  std::vector<float> w(n);
  for (float& x : w) {
    const int kind = *rc::gen::inRange(0, 10);
    if (kind < 2) x = 0.0f;
    else if (kind == 2 && &x != w.data()) x = *(&x - 1);
    else x = std::ldexp(static_cast<float>(*rc::gen::inRange<uint32_t>(1, 1u << 24)), *rc::gen::inRange(-54, -13));
  }
  if (std::all_of(w.begin(), w.end(), [](float x) { return x == 0.0f; })) w[*rc::gen::inRange<size_t>(0, n)] = 1.0f;
  return w;
}

SamplerParams gen_params(Normalization normalize, Replacement replacement) {
  return SamplerParams{*rc::gen::element(SamplerFormat::Float32, SamplerFormat::Bfloat16, SamplerFormat::Float16), *rc::gen::inRange<uint32_t>(1, 40),
                       normalize, replacement};
}

std::vector<uint32_t> gen_words(size_t n) { return *rc::gen::container<std::vector<uint32_t>>(n, rc::gen::arbitrary<uint32_t>()); }

std::vector<int64_t> fast_indices(const SamplerParams& p, const std::vector<float>& w, const std::vector<uint32_t>& words) {
  std::vector<int64_t> index(words.size());
  const auto error = lpc::fast::multinomial(p, w, words, index);
  RC_ASSERT(!error);
  return index;
}

// -1 (past the total, normalize none) orders after every category.
int64_t rank(int64_t k, size_t n) { return k < 0 ? static_cast<int64_t>(n) : k; }

TEST_CASE("sampler: fast equals the reference on arbitrary rows", "[property]") {
  lpc::test::property("cumulative sums, every format, 1..39 banks, both normalizations", 300, [] {
    const SamplerParams p = gen_params(*rc::gen::element(Normalization::None, Normalization::Total), Replacement::With);
    const std::vector<float> w = gen_row(200);
    const auto want = lpc::ref::cumsum_banked(p, w);
    std::vector<float> got(w.size());
    const auto error = lpc::fast::cumsum_banked(p, w, got);
    RC_ASSERT(want.ok == !error);
    if (want.ok) RC_ASSERT(got == want.sums);
  });
  lpc::test::property("indices with and without replacement", 200, [] {
    const Replacement r = *rc::gen::element(Replacement::With, Replacement::Without);
    const SamplerParams p = gen_params(r == Replacement::With ? *rc::gen::element(Normalization::None, Normalization::Total) : Normalization::Total, r);
    const std::vector<float> w = gen_row(120);
    const std::vector<uint32_t> words = gen_words(*rc::gen::inRange<size_t>(0, r == Replacement::With ? 64 : 4));
    const auto want = lpc::ref::multinomial(p, w, words);
    RC_PRE(want.ok);  // without replacement, more draws than non-zero weights
    RC_ASSERT(fast_indices(p, w, words) == want.index);
  });
  lpc::test::property("few draws from many categories (fast's search over unnormalized sums), banks side by side", 40, [] {
    const SamplerParams p{*rc::gen::element(SamplerFormat::Float32, SamplerFormat::Bfloat16, SamplerFormat::Float16),
                          *rc::gen::element(1u, 8u, 13u, 64u), Normalization::Total, Replacement::With};
    const std::vector<float> w = gen_row(800);
    std::vector<uint32_t> words = gen_words(*rc::gen::inRange<size_t>(1, 4));
    // One word on a boundary Ĉ_j (as a word, when Ĉ_j is a multiple of 2^-24) and one step below it.
    const auto sums = lpc::ref::cumsum_banked(p, w);
    RC_PRE(sums.ok);
    const float c = sums.sums[*rc::gen::inRange<size_t>(0, w.size())];
    if (c < 1 && std::ldexp(c, 24) == std::floor(std::ldexp(c, 24))) {
      const uint32_t at = static_cast<uint32_t>(std::ldexp(c, 24)) << 8;
      words.push_back(at);
      if (at) words.push_back(at - 0x100);
    }
    const auto want = lpc::ref::multinomial(p, w, words);
    RC_PRE(want.ok);
    RC_ASSERT(fast_indices(p, w, words) == want.index);
  });
}

TEST_CASE("sampler: the index is non-decreasing in u", "[property]") {
  lpc::test::property("sorted words give sorted indices (reference and fast)", 200, [] {
    const SamplerParams p = gen_params(*rc::gen::element(Normalization::None, Normalization::Total), Replacement::With);
    const std::vector<float> w = gen_row(100);
    std::vector<uint32_t> words = gen_words(40);
    std::sort(words.begin(), words.end());
    const auto reference = lpc::ref::multinomial(p, w, words);
    RC_PRE(reference.ok);
    const std::vector<int64_t> fast = fast_indices(p, w, words);
    for (size_t s = 1; s < words.size(); ++s) {
      RC_ASSERT(rank(reference.index[s - 1], w.size()) <= rank(reference.index[s], w.size()));
      RC_ASSERT(rank(fast[s - 1], w.size()) <= rank(fast[s], w.size()));
    }
  });
}

TEST_CASE("sampler: zero-weight categories are never drawn and moving them changes nothing", "[property]") {
  lpc::test::property("zeros inserted anywhere (one bank): the same positive category; never a zero one", 200, [] {
    const SamplerFormat format = *rc::gen::element(SamplerFormat::Float32, SamplerFormat::Bfloat16, SamplerFormat::Float16);
    const SamplerParams p{format, 1, Normalization::Total, Replacement::With};
    std::vector<float> positive = gen_row(60);
    positive.erase(std::remove(positive.begin(), positive.end(), 0.0f), positive.end());
    RC_PRE(!positive.empty());
    // Interleave zeros: original position i goes to where[i].
    std::vector<float> spread;
    std::vector<size_t> where;
    for (float x : positive) {
      spread.insert(spread.end(), *rc::gen::inRange<size_t>(0, 4), 0.0f);
      where.push_back(spread.size());
      spread.push_back(x);
    }
    spread.insert(spread.end(), *rc::gen::inRange<size_t>(0, 3), 0.0f);
    const std::vector<uint32_t> words = gen_words(30);
    const auto plain = lpc::ref::multinomial(p, positive, words), with_zeros = lpc::ref::multinomial(p, spread, words);
    RC_PRE(plain.ok);
    RC_ASSERT(with_zeros.ok);
    for (size_t s = 0; s < words.size(); ++s) RC_ASSERT(static_cast<size_t>(with_zeros.index[s]) == where[static_cast<size_t>(plain.index[s])]);
    // Any bank count: never a zero weight, through either implementation.
    SamplerParams banked = p;
    banked.banks = *rc::gen::inRange<uint32_t>(1, 40);
    const auto reference = lpc::ref::multinomial(banked, spread, words);
    RC_ASSERT(reference.ok);
    const std::vector<int64_t> fast = fast_indices(banked, spread, words);
    for (size_t s = 0; s < words.size(); ++s) {
      RC_ASSERT(spread[static_cast<size_t>(reference.index[s])] > 0.0f);
      RC_ASSERT(spread[static_cast<size_t>(fast[s])] > 0.0f);
    }
  });
}

TEST_CASE("sampler: the bank count does not change the exact-real index", "[property]") {
  lpc::test::property("exact-real index, B = 1 against B = 1..64, with and without replacement", 150, [] {
    const Replacement r = *rc::gen::element(Replacement::With, Replacement::Without);
    SamplerParams one{*rc::gen::element(SamplerFormat::Float32, SamplerFormat::Bfloat16, SamplerFormat::Float16), 1,
                      r == Replacement::With ? *rc::gen::element(Normalization::None, Normalization::Total) : Normalization::Total, r};
    SamplerParams banked = one;
    banked.banks = *rc::gen::inRange<uint32_t>(1, 65);
    const std::vector<float> w = gen_row(100);
    const std::vector<uint32_t> words = gen_words(r == Replacement::With ? 30 : 3);
    const auto a = lpc::ref::multinomial_exact_real(one, w, words), b = lpc::ref::multinomial_exact_real(banked, w, words);
    RC_PRE(a.ok);
    RC_ASSERT(b.ok);
    RC_ASSERT(a.index == b.index);
  });
}

}  // namespace
