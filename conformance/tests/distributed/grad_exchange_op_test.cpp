// The op grad-exchange's verification (conformance/ops/grad_exchange.cpp, spec/grad_exchange.md
// §5.5) catches a wrong subject: the reference's outputs pass; a unit started before its layer's
// backward ended, a plan that reduces an element twice or never, a plan issued in another order,
// a sum one ulp off (exact modes), and a sum outside γ_{R−1}·Σ|g_r| (free order) each fail — while
// another legitimate order passes the free-order bound.
#include <catch2/catch.hpp>

#include <cmath>
#include <string>
#include <vector>

#include "conformance/ops/derive.hpp"

namespace {

using namespace lpc::ops;

struct Run {
  OpCase c;
  std::vector<Tensor> want;
};

Run reference_run(const std::vector<std::pair<std::string, std::string>>& given) {
  const OpSchema* op = find_op("grad-exchange");
  REQUIRE(op != nullptr);
  Run r{{op, make_params(*op, given), {}}, {}};
  r.c.inputs = generated_inputs(*op, r.c.params);
  std::string error;
  REQUIRE((*op->binding("reference"))(r.c, r.want, error) == lpc::OpStatus::Ok);
  return r;
}

CompareSink judge(const Run& r, const std::vector<Tensor>& got) {
  CompareSink sink;
  r.c.op->compare(r.c, got, r.want, sink);
  return sink;
}

std::string first(const CompareSink& s) { return s.first.empty() ? "" : s.first[0].input + ": " + s.first[0].got + " / " + s.first[0].want; }

}  // namespace

TEST_CASE("grad-exchange op: the verification catches wrong subjects", "[grad-exchange][op]") {
  // The abstract's two layers (spec/grad_exchange.md §3.2): outputs sum, unit, layer, offset, count,
  // ready_ps, start_ps, end_ps, times.
  const Run r = reference_run({{"ranks", "3"}});
  CHECK(judge(r, r.want).mismatches == 0);

  std::vector<Tensor> early = r.want;
  early[6].ints[0] = 799;  // unit 0 (layer 1) before layer 1's backward ends at 800 ps
  const CompareSink e = judge(r, early);
  CHECK(e.mismatches >= 1);
  CHECK_THAT(first(e), Catch::Contains("not before layer 1's backward ends at 800 ps"));

  std::vector<Tensor> twice = r.want;
  twice[3].ints[2] = 0;  // unit 2 = (layer 0, offset 4) moved to offset 0: elements 0..3 twice
  CHECK_THAT(first(judge(r, twice)), Catch::Contains("layer 0: element 0 reduced twice"));

  std::vector<Tensor> reordered = r.want;  // units 1 and 2 swapped: complete, on time, but not the plan
  std::swap(reordered[3].ints[1], reordered[3].ints[2]);
  const CompareSink o = judge(r, reordered);
  CHECK(o.mismatches == 1);
  CHECK_THAT(first(o), Catch::Contains("offset[1]"));

  std::vector<Tensor> ulp = r.want;
  ulp[0].floats[5] = std::nextafter(static_cast<float>(ulp[0].floats[5]), INFINITY);
  CHECK_THAT(first(judge(r, ulp)), Catch::Contains("sum[5]"));
}

TEST_CASE("grad-exchange op: the free order is judged by the bound", "[grad-exchange][op]") {
  // One element, g = (1, 2^24, 1, −2^24): exact 2, rank order 0, pairwise 1, bound 6.0000018.
  Run r = reference_run({{"ranks", "4"}, {"layers", "1"}, {"order", "free"}});
  r.c.inputs[0].floats = {1.0, 0x1p24, 1.0, -0x1p24};
  std::string error;
  REQUIRE((*r.c.op->binding("reference"))(r.c, r.want, error) == lpc::OpStatus::Ok);
  CHECK(r.want[0].floats[0] == 1.0);
  REQUIRE(r.c.op->item_verification(r.c.params).kind == lpc::Verification::Kind::DotProductBound);
  std::vector<Tensor> got = r.want;
  for (double ok : {0.0, 2.0, 8.0, -4.0}) {
    got[0].floats[0] = ok;
    CHECK(judge(r, got).mismatches == 0);
  }
  for (double bad : {9.0, -5.0, 2.5e-8 + 2.0}) {  // beyond the bound; not a float32 value
    got[0].floats[0] = bad;
    CHECK(judge(r, got).mismatches == 1);
  }
  // The same element in rank order must be the reference's rank-order sum exactly: 0, not 1.
  Run exact = reference_run({{"ranks", "4"}, {"layers", "1"}, {"order", "rank"}});
  exact.c.inputs = r.c.inputs;
  REQUIRE((*exact.c.op->binding("reference"))(exact.c, exact.want, error) == lpc::OpStatus::Ok);
  CHECK(exact.want[0].floats[0] == 0.0);
  got = exact.want;
  got[0].floats[0] = 1.0;
  CHECK(judge(exact, got).mismatches == 1);
}
