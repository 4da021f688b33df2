// The sparse systolic matmul on the chip model (spec/sparsity.md §6): a product and cycle counts
// worked out by hand, and the chip's Y and passes against the exact integer product and the
// minimal r of the reference on seeded matrices of every density, pattern and array size, and on
// arbitrary ones (RapidCheck; the seed is the runner's, printed at start).
#include <catch2/catch.hpp>

#include <random>
#include <vector>

#include "conformance/tests/support/property.hpp"
#include "impls/chip/sparse/sparse_matmul.hpp"
#include "reference/sparsity/nm_sparse.hpp"

namespace {

using lpc::NmPattern;
using lpc::chip::ArrayShape;
namespace sparse = lpc::chip::sparse;

TEST_CASE("sparse matmul: a product by hand", "[chip-sparse][known-answers]") {
  // W = 1 2 3 4 | 0 0 5 0 (2:4: S_0 = 1 2 0 0 | 0 0 5 0, S_1 = 0 0 3 4 | 0 0 0 0), X = 1..8:
  // Y = 1 + 4 + 9 + 16 + 5·7 = 65, in two passes; -128·-128·8 = 131072 for the extremes.
  const std::vector<int8_t> w = {1, 2, 3, 4, 0, 0, 5, 0}, x = {1, 2, 3, 4, 5, 6, 7, 8};
  for (ArrayShape array : {ArrayShape{1, 1}, ArrayShape{4, 4}, ArrayShape{32, 32}}) {
    const auto r = sparse::sparse_matmul({2, 4}, array, 1, 8, 1, w, x);
    CHECK(r.y == std::vector<int32_t>{65});
    CHECK(r.timing.passes == 2);
  }
  const auto extreme = sparse::sparse_matmul({1, 4}, {4, 4}, 1, 8, 1, std::vector<int8_t>(8, -128), std::vector<int8_t>(8, -128));
  CHECK(extreme.y == std::vector<int32_t>{131072});
  CHECK(extreme.timing.passes == 4);
  const auto zero = sparse::sparse_matmul({2, 4}, {4, 4}, 2, 4, 3, std::vector<int8_t>(8, 0), std::vector<int8_t>(12, 5));
  CHECK(zero.y == std::vector<int32_t>(6, 0));
  CHECK(zero.timing.passes == 0);
  CHECK(zero.timing.sparse_cycles == 0);
}

TEST_CASE("sparse matmul: cycles of the r passes against the dense run, by hand", "[chip-sparse][known-answers]") {
  // 4x4 array, weight-stationary: cycles_per_fold = 2R + C + T - 2 = 8 + 4 + 5 - 2 = 15 with T = 5
  // columns of X; total = folds · 15 - 1 (spec/chip_timing.md §3). W: 4 rows, K = 16.
  // Dense: Sr = 16 -> 4 folds, 59 cycles. 2:4 pass: Sr = K/2 = 8 -> 2 folds, 29 cycles.
  const auto dense_split = sparse::sparse_matmul_timing({2, 4}, {4, 4}, 4, 16, 5, 2);
  CHECK(dense_split.dense.total_cycles == 59);
  CHECK(dense_split.pass.total_cycles == 29);
  CHECK(dense_split.sparse_cycles == 58);
  CHECK(dense_split.saved_cycles == 1);
  CHECK(dense_split.dense_macs == 320);
  CHECK(dense_split.sparse_macs == 320);
  const auto two_four = sparse::sparse_matmul_timing({2, 4}, {4, 4}, 4, 16, 5, 1);  // W already 2:4: one pass
  CHECK(two_four.sparse_cycles == 29);
  CHECK(two_four.saved_cycles == 30);
  CHECK(two_four.sparse_macs == 160);
  // 1:4 of a dense W: 4 passes of Sr = 4 (1 fold, 14 cycles) = 56 against 59.
  const auto one_four = sparse::sparse_matmul_timing({1, 4}, {4, 4}, 4, 16, 5, 4);
  CHECK(one_four.pass.total_cycles == 14);
  CHECK(one_four.sparse_cycles == 56);
  CHECK(one_four.saved_cycles == 3);
  // 1:4 where every group holds one nonzero: one pass, 14 cycles, 45 saved.
  CHECK(sparse::sparse_matmul_timing({1, 4}, {4, 4}, 4, 16, 5, 1).saved_cycles == 45);
  // The timing the array reports is the closed form of its passes.
  std::vector<int8_t> w(4 * 16, 0), x(16 * 5, 1);
  for (size_t i = 0; i < w.size(); i += 4) w[i] = 3;
  const auto run = sparse::sparse_matmul({1, 4}, {4, 4}, 4, 16, 5, w, x);
  CHECK(run.timing.passes == 1);
  CHECK(run.timing.sparse_cycles == 14);
  CHECK(run.y == std::vector<int32_t>(20, 12));
  CHECK_THROWS_WITH(sparse::sparse_matmul_timing({2, 4}, {4, 4}, 4, 6, 5, 1), Catch::Contains("K = 6 is not a multiple of M = 4"));
}

TEST_CASE("sparse matmul: the chip equals the exact product and the minimal r", "[chip-sparse]") {
  const uint64_t seed = 20261208;
  INFO("seed " << seed);
  std::mt19937_64 rng(seed);
  for (NmPattern p : {NmPattern{2, 4}, NmPattern{1, 4}, NmPattern{3, 4}, NmPattern{1, 2}, NmPattern{2, 8}, NmPattern{3, 7}, NmPattern{4, 16}})
    for (ArrayShape array : {ArrayShape{1, 1}, ArrayShape{3, 5}, ArrayShape{8, 8}, ArrayShape{32, 32}})
      for (int trial = 0; trial < 4; ++trial) {
        const size_t rows = 1 + rng() % 20, k = p.m * (1 + rng() % 8), cols = 1 + rng() % 6;
        const int density = static_cast<int>(rng() % 101);
        std::vector<int8_t> w(rows * k), x(k * cols);
        for (auto& v : w) v = static_cast<int>(rng() % 100) < density ? static_cast<int8_t>(rng()) : int8_t{0};
        for (auto& v : x) v = static_cast<int8_t>(rng());
        INFO(lpc::nm_name(p) << " array " << array.rows << "x" << array.cols << " rows " << rows << " K " << k << " cols " << cols << " density "
                             << density);
        const auto got = sparse::sparse_matmul(p, array, rows, k, cols, w, x);
        const std::vector<int64_t> w64(w.begin(), w.end()), x64(x.begin(), x.end());
        const auto want = lpc::ref::matmul_wrap32(rows, k, cols, w64, x64);
        REQUIRE(std::vector<int64_t>(got.y.begin(), got.y.end()) == want);
        REQUIRE(got.timing.passes == lpc::ref::nm_decompose(p, rows, k, w64).r);
      }
}

TEST_CASE("sparse matmul: the chip equals the exact product on arbitrary matrices and arrays", "[chip-sparse][property]") {
  lpc::test::property("Y and the passes of any N:M, array R x C, shape and density", 200, [] {
    const uint32_t m = *rc::gen::inRange<uint32_t>(2, 17);
    const NmPattern p{*rc::gen::inRange<uint32_t>(1, m), m};
    const ArrayShape array{*rc::gen::inRange<uint32_t>(1, 10), *rc::gen::inRange<uint32_t>(1, 10)};
    const size_t rows = *rc::gen::inRange<size_t>(1, 12), k = p.m * *rc::gen::inRange<size_t>(1, 6), cols = *rc::gen::inRange<size_t>(1, 5);
    const int zeros = *rc::gen::inRange(0, 101);
    std::vector<int8_t> w(rows * k), x(k * cols);
    for (auto& v : w) v = *rc::gen::inRange(0, 100) < zeros ? int8_t{0} : *rc::gen::arbitrary<int8_t>();
    for (auto& v : x) v = *rc::gen::arbitrary<int8_t>();
    const auto got = sparse::sparse_matmul(p, array, rows, k, cols, w, x);
    const std::vector<int64_t> w64(w.begin(), w.end()), x64(x.begin(), x.end());
    RC_ASSERT(std::vector<int64_t>(got.y.begin(), got.y.end()) == lpc::ref::matmul_wrap32(rows, k, cols, w64, x64));
    const uint32_t r = lpc::ref::nm_decompose(p, rows, k, w64).r;
    RC_ASSERT(got.timing.passes == r);
    RC_ASSERT(got.timing.sparse_cycles == r * got.timing.pass.total_cycles);
    RC_CLASSIFY(r == 0, "r = 0");
    RC_CLASSIFY(r == lpc::nm_max_parts(p), "r = ceil(M/N)");
  });
}

}  // namespace
