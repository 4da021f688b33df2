// The decomposition of a dense matrix into constrained fine-grained sparse matrices
// (spec/sparsity.md §5, US11500962B1): the spec's examples by hand; on seeded and arbitrary
// matrices the algebraic identities Σ S_j = W, disjoint supports, each S_j N:M, r minimal and
// W·X = Σ_j S_j·X in integers; and the fast implementation against the reference (RapidCheck; the
// seed is the runner's, printed at start).
#include <catch2/catch.hpp>

#include <algorithm>
#include <limits>
#include <random>
#include <vector>

#include "conformance/tests/support/property.hpp"
#include "impls/fast/sparsity/nm_sparse.hpp"
#include "reference/sparsity/nm_sparse.hpp"

namespace {

using lpc::NmLayout;
using lpc::NmPattern;

// Y = A·X in int64 (values small enough that nothing overflows), the test's own loop.
std::vector<int64_t> product(size_t rows, size_t k, size_t cols, const std::vector<int64_t>& a, const std::vector<int64_t>& x) {
  std::vector<int64_t> y(rows * cols, 0);
  for (size_t i = 0; i < rows; ++i)
    for (size_t t = 0; t < k; ++t)
      for (size_t c = 0; c < cols; ++c) y[i * cols + c] += a[i * k + t] * x[t * cols + c];
  return y;
}

// Checks §5.2 on a decomposition of W; returns r.
uint32_t check_split(NmPattern p, size_t rows, size_t k, const std::vector<int64_t>& w, const lpc::ref::NmDecomposition& d, uint64_t seed) {
  REQUIRE(d.parts.size() == lpc::nm_max_parts(p));
  std::vector<int64_t> sum(w.size(), 0);
  for (size_t e = 0; e < w.size(); ++e) {
    unsigned holders = 0;
    for (const auto& s : d.parts) {
      sum[e] += s[e];
      holders += s[e] != 0;
    }
    REQUIRE(holders <= 1);  // disjoint supports
  }
  REQUIRE(sum == w);  // Σ S_j = W
  for (size_t j = 0; j < d.parts.size(); ++j) {
    REQUIRE(!lpc::ref::nm_conformance_error(p, rows, k, d.parts[j]));  // each S_j is N:M
    if (j >= d.r) REQUIRE(std::all_of(d.parts[j].begin(), d.parts[j].end(), [](int64_t v) { return v == 0; }));
  }
  // r minimal: some group needs r matrices of at most N nonzeros (more than (r-1)·N nonzeros), and
  // no group needs more (each of the r parts holds at most N of it, checked above).
  size_t most = 0;
  for (size_t base = 0; base < w.size(); base += p.m)
    most = std::max<size_t>(most, static_cast<size_t>(std::count_if(w.begin() + base, w.begin() + base + p.m, [](int64_t v) { return v != 0; })));
  if (d.r == 0) REQUIRE(most == 0);
  else REQUIRE(most > size_t{d.r - 1} * p.n);
  REQUIRE(d.r <= lpc::nm_max_parts(p));
  // W·X = Σ S_j·X exactly in integers.
  std::mt19937_64 rng(seed);
  const size_t cols = 1 + rng() % 5;
  std::vector<int64_t> x(k * cols);
  for (auto& v : x) v = static_cast<int64_t>(rng() % 255) - 127;
  std::vector<int64_t> total(rows * cols, 0);
  for (const auto& s : d.parts) {
    const auto y = product(rows, k, cols, s, x);
    for (size_t e = 0; e < y.size(); ++e) total[e] += y[e];
  }
  REQUIRE(total == product(rows, k, cols, w, x));
  REQUIRE(lpc::ref::matmul_wrap32(rows, k, cols, w, x) == total);
  return d.r;
}

TEST_CASE("sparsity: the decomposition's worked examples (§5.4), by hand", "[decompose][known-answers]") {
  const auto two = lpc::ref::nm_decompose({2, 4}, 1, 8, std::vector<int64_t>{1, 2, 3, 4, 0, 0, 5, 0});
  CHECK(two.r == 2);
  CHECK(two.parts == std::vector<std::vector<int64_t>>{{1, 2, 0, 0, 0, 0, 5, 0}, {0, 0, 3, 4, 0, 0, 0, 0}});
  const auto one = lpc::ref::nm_decompose({1, 4}, 1, 4, std::vector<int64_t>{1, 2, 3, 0});
  CHECK(one.r == 3);
  CHECK(one.parts == std::vector<std::vector<int64_t>>{{1, 0, 0, 0}, {0, 2, 0, 0}, {0, 0, 3, 0}, {0, 0, 0, 0}});
  const auto zero = lpc::ref::nm_decompose({2, 4}, 2, 4, std::vector<int64_t>(8, 0));
  CHECK(zero.r == 0);
  // Fast, by hand too.
  std::vector<int16_t> parts(2 * 8);
  CHECK(lpc::fast::nm_decompose<int16_t>({2, 4}, 1, 8, std::vector<int16_t>{1, 2, 3, 4, 0, 0, 5, 0}, parts) == 2);
  CHECK(parts == std::vector<int16_t>{1, 2, 0, 0, 0, 0, 5, 0, 0, 0, 3, 4, 0, 0, 0, 0});
  std::vector<int32_t> four(4 * 4);
  CHECK(lpc::fast::nm_decompose<int32_t>({1, 4}, 1, 4, std::vector<int32_t>{1, 2, 3, 0}, four) == 3);
  CHECK(four == std::vector<int32_t>{1, 0, 0, 0, 0, 2, 0, 0, 0, 0, 3, 0, 0, 0, 0, 0});
}

TEST_CASE("sparsity: the split's identities on seeded matrices of every density", "[decompose]") {
  const uint64_t seed = 20261207;
  INFO("seed " << seed);
  std::mt19937_64 rng(seed);
  for (NmPattern p : {NmPattern{2, 4}, NmPattern{1, 4}, NmPattern{1, 2}, NmPattern{2, 8}, NmPattern{3, 8}, NmPattern{4, 16}, NmPattern{5, 7}})
    for (int density : {0, 10, 50, 90, 100}) {
      const size_t rows = 1 + rng() % 6, k = p.m * (1 + rng() % 9);
      std::vector<int64_t> w(rows * k);
      for (auto& v : w) v = static_cast<int>(rng() % 100) < density ? static_cast<int64_t>(rng() % 255) - 127 : 0;
      for (auto& v : w)
        if (density == 100 && v == 0) v = 1;
      INFO(lpc::nm_name(p) << " density " << density << " rows " << rows << " K " << k);
      const auto d = lpc::ref::nm_decompose(p, rows, k, w);
      const uint32_t r = check_split(p, rows, k, w, d, rng());
      if (density == 100) CHECK(r == lpc::nm_max_parts(p));  // a dense matrix needs ceil(M/N)
      if (density == 0) CHECK(r == 0);
    }
}

std::vector<int64_t> gen_matrix(size_t n, int64_t lo, int64_t hi) {
  const int zeros = *rc::gen::inRange(0, 101);  // percent
  std::vector<int64_t> a(n);
  for (auto& v : a) v = *rc::gen::inRange(0, 100) < zeros ? 0 : *rc::gen::inRange(lo, hi);
  return a;
}

NmPattern gen_pattern() {
  const uint32_t m = *rc::gen::element(2u, 4u, 4u, 4u, 8u, 3u, 16u, 7u);
  return {*rc::gen::inRange<uint32_t>(1, m), m};
}

template <class T>
void fast_matches_reference(const char* name) {
  lpc::test::property(std::string("compress, decompress, prune, decompose: fast equals the reference, ") + name, 150, [] {
    const NmPattern p = gen_pattern();
    const size_t rows = *rc::gen::inRange<size_t>(1, 5), k = p.m * *rc::gen::inRange<size_t>(1, 80);
    const NmLayout l{p, rows, k};
    const int64_t lo = std::numeric_limits<T>::min(), hi = std::numeric_limits<T>::max();
    const std::vector<int64_t> a64 = gen_matrix(rows * k, lo, hi);
    const std::vector<T> a(a64.begin(), a64.end());
    // prune
    std::vector<T> pruned(a.size());
    lpc::fast::nm_prune<T>(p, rows, k, a, pruned);
    const auto ref_pruned = lpc::ref::nm_prune(p, rows, k, a64);
    RC_ASSERT(std::vector<int64_t>(pruned.begin(), pruned.end()) == ref_pruned);
    // compress the original (conforming or not) and the pruned matrix
    for (const std::vector<int64_t>* m : {&a64, &ref_pruned}) {
      const std::vector<T> in(m->begin(), m->end());
      std::vector<T> values(l.values());
      std::vector<uint32_t> meta(l.meta_words());
      const auto error = lpc::fast::nm_compress<T>(p, rows, k, in, values, meta);
      const auto want = lpc::ref::nm_compress(p, rows, k, *m);
      RC_ASSERT(want.ok == !error);
      if (m == &a64) RC_CLASSIFY(want.ok, "the matrix conforms before pruning");
      if (!want.ok) {
        RC_ASSERT(want.error == *error);
        continue;
      }
      RC_ASSERT(std::vector<int64_t>(values.begin(), values.end()) == want.values);
      RC_ASSERT(meta == want.meta);
      std::vector<T> back(rows * k);
      RC_ASSERT(!lpc::fast::nm_decompress<T>(p, rows, k, values, meta, back));
      RC_ASSERT(std::vector<int64_t>(back.begin(), back.end()) == *m);
    }
    // decompose
    std::vector<T> parts(lpc::nm_max_parts(p) * rows * k);
    const uint32_t r = lpc::fast::nm_decompose<T>(p, rows, k, a, parts);
    const auto want = lpc::ref::nm_decompose(p, rows, k, a64);
    RC_ASSERT(r == want.r);
    for (size_t j = 0; j < want.parts.size(); ++j)
      RC_ASSERT(std::vector<int64_t>(parts.begin() + static_cast<std::ptrdiff_t>(j * rows * k), parts.begin() + static_cast<std::ptrdiff_t>((j + 1) * rows * k)) ==
                want.parts[j]);
  });
}

TEST_CASE("sparsity: fast equals the reference on arbitrary matrices", "[property]") {
  fast_matches_reference<int8_t>("int8");
  fast_matches_reference<int16_t>("int16");
  fast_matches_reference<int32_t>("int32");
  fast_matches_reference<int64_t>("int64");
}

TEST_CASE("sparsity: fast and reference agree on arbitrary metadata words", "[property]") {
  lpc::test::property("decompress of arbitrary words: the same error or the same matrix", 300, [] {
    const NmPattern p = gen_pattern();
    const size_t rows = *rc::gen::inRange<size_t>(1, 4), k = p.m * *rc::gen::inRange<size_t>(1, 40);
    const NmLayout l{p, rows, k};
    std::vector<uint32_t> meta(l.meta_words());
    // Mostly valid fields (from compressing a random conforming matrix), some words replaced by
    // arbitrary ones.
    const std::vector<int64_t> dense = lpc::ref::nm_prune(p, rows, k, gen_matrix(rows * k, -100, 100));
    const auto c = lpc::ref::nm_compress(p, rows, k, dense);
    RC_ASSERT(c.ok);
    meta = c.meta;
    const int corrupt = *rc::gen::inRange(0, 3);
    for (int i = 0; i < corrupt && !meta.empty(); ++i) meta[*rc::gen::inRange<size_t>(0, meta.size())] = *rc::gen::arbitrary<uint32_t>();
    std::vector<int32_t> values(c.values.begin(), c.values.end()), out(rows * k, 7);
    const auto error = lpc::fast::nm_decompress<int32_t>(p, rows, k, values, meta, out);
    const auto want = lpc::ref::nm_decompress(p, rows, k, c.values, std::vector<int64_t>(meta.begin(), meta.end()));
    RC_CLASSIFY(want.ok, "valid");
    RC_ASSERT(want.ok == !error);
    if (want.ok) RC_ASSERT(std::vector<int64_t>(out.begin(), out.end()) == want.a);
    else RC_ASSERT(*error == want.error);
  });
}

TEST_CASE("sparsity: the reference handles 10^5-element tensors in seconds", "[decompose][reference-speed]") {
  const size_t rows = 100, k = 1000;
  std::mt19937_64 rng(7);
  std::vector<int64_t> w(rows * k);
  for (auto& v : w) v = rng() % 3 ? static_cast<int64_t>(rng() % 255) - 127 : 0;
  const auto pruned = lpc::ref::nm_prune({2, 4}, rows, k, w);
  const auto c = lpc::ref::nm_compress({2, 4}, rows, k, pruned);
  REQUIRE(c.ok);
  const auto back = lpc::ref::nm_decompress({2, 4}, rows, k, c.values, std::vector<int64_t>(c.meta.begin(), c.meta.end()));
  REQUIRE(back.ok);
  CHECK(back.a == pruned);
  const auto d = lpc::ref::nm_decompose({2, 4}, rows, k, w);
  CHECK(d.r == 2);
}

}  // namespace
