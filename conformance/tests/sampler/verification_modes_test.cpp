// The multinomial op's Boundary-bounded and Statistical items through the runner (spec/sampler.md
// §2.10-2.11; conformance/ops/derive.cpp check_item): the bound of §2.10 by hand, every
// implementation of the declared association inside it, a subject of another association (a
// pairwise tree) passing the boundary items it fails exactly; the χ² item passing the fast sampler
// and failing a sampler biased by +5% on one of ten categories and one that returns a zero-weight
// category; the sample size for the stated power against the research notes' table; QUALITY_WARNING
// in report.json, JUnit and the summaries as a status that never gates. Seeds are fixed and printed.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "conformance/core/profile.hpp"
#include "conformance/core/runner.hpp"
#include "conformance/ops/derive.hpp"
#include "conformance/statistics/chi_square.hpp"
#include "impls/fast/sampler/multinomial.hpp"
#include "reference/sampler/multinomial.hpp"
#include "reports/writers/report.hpp"

namespace {

using lpc::Implementation;
using lpc::OpStatus;
using lpc::Status;
using lpc::ops::OpCase;
using lpc::ops::Tensor;

constexpr uint32_t kEps = 0x100;  // one step of u (2^-24) in a word

uint32_t word_of(double u) { return static_cast<uint32_t>(std::ldexp(u, 24)) << 8; }

lpc::RunResult run(const std::string& rows, const Implementation& subject, uint64_t seed = lpc::kDefaultSeed) {
  const lpc::Profile profile = lpc::parse_profile("@version 1.0\nop,params,inputs,requirement\n" + rows, "modes-test", "modes-test.csv");
  lpc::RunOptions options;
  options.seed = seed;
  options.threads = 2;
  return lpc::run_profile(profile, subject, *lpc::find_implementation("reference"), options);
}

size_t count(const lpc::RunResult& r, Status s) {
  return static_cast<size_t>(std::count_if(r.items.begin(), r.items.end(), [&](const lpc::ItemResult& i) { return i.status == s; }));
}

// A subject that runs fast and then changes multinomial's indices by `change` (row, sample, index).
Implementation altered(std::string name, std::function<void(const OpCase&, std::vector<int64_t>&)> change) {
  Implementation impl = *lpc::find_implementation("fast");
  impl.name = std::move(name);
  impl.selector.clear();
  impl.run = [change](const OpCase& c, std::vector<Tensor>& out, std::string& error) {
    const OpStatus s = lpc::ops::bundled_run("fast", c, out, error);
    if (s == OpStatus::Ok && c.op->name == "multinomial") change(c, out[0].ints);
    return s;
  };
  return impl;
}

uint64_t mix(uint64_t z) {
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return z ^ (z >> 31);
}

// +5% relative on the heaviest category: each draw of another category moves to it with
// probability q = 0.05 p / (1 - p), so its share becomes p + q (1 - p) = 1.05 p.
void bias_heaviest(const OpCase& c, std::vector<int64_t>& index) {
  const std::vector<double>& w = c.inputs[0].floats;
  const size_t target = static_cast<size_t>(std::max_element(w.begin(), w.end()) - w.begin());
  double total = 0;
  for (double x : w) total += x;
  const double p = w[target] / total, q = 0.05 * p / (1 - p);
  const uint64_t row = static_cast<uint64_t>(c.params.integer("row"));
  for (size_t s = 0; s < index.size(); ++s)
    if (index[s] != static_cast<int64_t>(target) && static_cast<double>(mix(row << 32 | s) >> 11) * 0x1p-53 < q) index[s] = static_cast<int64_t>(target);
}

// A sum of w[0..j] as a balanced pairwise tree in float32 (an association §2.3-2.5 does not declare).
float pairwise(const std::vector<double>& w, size_t begin, size_t end) {
  if (end - begin == 1) return static_cast<float>(w[begin]);
  const size_t mid = begin + (end - begin) / 2;
  return pairwise(w, begin, mid) + pairwise(w, mid, end);
}

// A float32 sampler whose every sum C_j is its own pairwise tree, normalized by one float division.
// `skip_zeros`: the tree of C_j is over the positive weights among w_0..w_j, so a zero weight
// repeats the previous sum; without it a zero-weight category's tree differs from its
// predecessor's, and the category can be drawn (the zero-weight bugs of research §6).
void tree_sampler(const OpCase& c, std::vector<int64_t>& index, bool skip_zeros) {
  const std::vector<double>& all = c.inputs[0].floats;
  const size_t n = all.size();
  std::vector<float> sums(n);
  std::vector<double> w;
  for (size_t j = 0; j < n; ++j) {
    if (all[j] != 0 || !skip_zeros) w.push_back(all[j]);
    sums[j] = w.empty() ? 0.0f : pairwise(w, 0, w.size());
  }
  const float total = sums.back();
  if (c.params.text("normalize") == "total")
    for (float& s : sums) s /= total;
  for (size_t s = 0; s < index.size(); ++s) {
    const float u = std::ldexp(static_cast<float>(c.inputs[1].ints[s] >> 8), -24);
    const int64_t k = std::count_if(sums.begin(), sums.end(), [&](float x) { return u >= x; });
    index[s] = k == static_cast<int64_t>(n) ? -1 : k;
  }
}

}  // namespace

TEST_CASE("boundary-bounded: the permitted range of spec/sampler.md §2.10 by hand", "[sampler][modes]") {
  // float32, weights 1 and 1 normalized: C*_0 = 1/2, N = 2, β_0 = γ_6 · 1/2 + 8η/2 + η, just above
  // 3 · 2^-24 (γ_6 = 6ε / (1 - 6ε), ε = 2^-24, η = 2^-149).
  const lpc::SamplerParams p{lpc::SamplerFormat::Float32, 1, lpc::Normalization::Total, lpc::Replacement::With};
  const std::vector<float> w = {1, 1};
  const uint32_t half = word_of(0.5);
  const std::vector<uint32_t> words = {half - 4 * kEps, half - 3 * kEps, half - kEps, half, half + 2 * kEps, half + 3 * kEps, 0, 0xffffffffu};
  const lpc::ref::BoundedOutcome b = lpc::ref::multinomial_bounded(p, w, words);
  REQUIRE(b.ok);
  CHECK(b.index == std::vector<int64_t>{0, 0, 0, 1, 1, 1, 0, 1});
  CHECK(b.low == std::vector<int64_t>{0, 0, 0, 0, 0, 0, 0, 1});   // u < 1/2 + β_0 up to 1/2 + 3 · 2^-24
  CHECK(b.high == std::vector<int64_t>{0, 1, 1, 1, 1, 1, 0, 1});  // u >= 1/2 - β_0 from 1/2 - 3 · 2^-24; never past N - 1 under total
  // A zero weight between: C*_0 = C*_1, so the neighbours of 1/2 are 0 and 2; 1 is in the range,
  // and the comparison refuses it (a zero-weight category is never permitted).
  const lpc::ref::BoundedOutcome z = lpc::ref::multinomial_bounded(p, std::vector<float>{1, 0, 1}, std::vector<uint32_t>{half - kEps});
  REQUIRE(z.ok);
  CHECK(z.index == std::vector<int64_t>{0});
  CHECK(z.high == std::vector<int64_t>{2});
  // bfloat16 (ε = 2^-8) with 200 categories: (2N + 2)ε >= 1, the bound says nothing.
  const lpc::SamplerParams q{lpc::SamplerFormat::Bfloat16, 1, lpc::Normalization::Total, lpc::Replacement::With};
  const lpc::ref::BoundedOutcome all = lpc::ref::multinomial_bounded(q, std::vector<float>(200, 1.0f), std::vector<uint32_t>{half});
  REQUIRE(all.ok);
  CHECK(all.low == std::vector<int64_t>{0});
  CHECK(all.high == std::vector<int64_t>{199});
}

TEST_CASE("boundary-bounded: the declared association always lies within the bound", "[sampler][modes]") {
  // The fast sampler (per-bank sequential, §2.3-2.5) on seeded rows at every format, bank count and
  // normalization, its words on and around the exact-real boundaries.
  const uint64_t seed = 20261810;
  INFO("seed " << seed);
  std::mt19937_64 rng(seed);
  size_t flips = 0, words_checked = 0;
  for (int trial = 0; trial < 60; ++trial) {
    const auto format = static_cast<lpc::SamplerFormat>(trial % 3);
    const lpc::SamplerParams p{format, static_cast<uint32_t>(1 + rng() % 9), trial % 2 ? lpc::Normalization::Total : lpc::Normalization::None,
                               lpc::Replacement::With};
    const size_t n = 1 + rng() % (format == lpc::SamplerFormat::Bfloat16 ? 20 : 120);
    std::vector<float> w(n);
    for (float& x : w) x = rng() % 8 == 0 ? 0.0f : std::ldexp(static_cast<float>(1 + rng() % 1000), -static_cast<int>(rng() % 12));
    if (std::all_of(w.begin(), w.end(), [](float x) { return x == 0; })) w[0] = 1;
    if (p.normalize == lpc::Normalization::None) {  // probabilities summing to about 1
      double total = 0;
      for (float x : w) total += x;
      for (float& x : w) x = static_cast<float>(x / total);
    }
    std::vector<uint32_t> words;
    double running = 0, total = 0;
    for (float x : w) total += x;
    for (float x : w) {
      running += x;
      const uint32_t at = word_of(std::min(running / (p.normalize == lpc::Normalization::Total ? total : 1.0), 1.0 - 0x1p-24));
      for (int d = -3; d <= 3; ++d) words.push_back(at + static_cast<uint32_t>(d) * kEps);
    }
    for (int i = 0; i < 32; ++i) words.push_back(static_cast<uint32_t>(rng()));
    const lpc::ref::BoundedOutcome b = lpc::ref::multinomial_bounded(p, w, words);
    if (!b.ok) continue;  // a row this format rejects (every weight below its smallest subnormal)
    std::vector<int64_t> index(words.size());
    REQUIRE(!lpc::fast::multinomial(p, w, words, index));
    for (size_t s = 0; s < words.size(); ++s) {
      const int64_t k = index[s] == -1 ? static_cast<int64_t>(n) : index[s];
      INFO("trial " << trial << ", word " << words[s] << ", fast " << index[s] << ", exact-real " << b.index[s]);
      CHECK(k >= b.low[s]);
      CHECK(k <= b.high[s]);
      flips += index[s] != b.index[s];
      ++words_checked;
    }
  }
  CHECK(flips > 0);  // the rows do reach the flips the bound exists for
  std::printf("boundary-bounded: %zu of %zu fast indices differ from the exact-real one, all within the bound (seed %llu)\n", flips, words_checked,
              static_cast<unsigned long long>(seed));
}

TEST_CASE("boundary-bounded items through the runner: another association passes them and fails exact", "[sampler][modes]") {
  const std::string arithmetic = "element=float32;banks=1|4;normalize=total|none;replacement=with;rng=words";
  const Implementation tree = altered("tree", [](const OpCase& c, std::vector<int64_t>& index) { tree_sampler(c, index, true); });
  const lpc::RunResult bounded = run("multinomial," + arithmetic + ";verify=boundary,boundary+random:4,required\n", tree);
  REQUIRE(bounded.items.size() == 4);
  for (const auto& item : bounded.items) {
    INFO(item.signature << ": " << item.message << (item.first_mismatches.empty() ? std::string() : "; first: " + item.first_mismatches[0].input + " got " + item.first_mismatches[0].got + " want " + item.first_mismatches[0].want + " repro " + item.first_mismatches[0].repro));
    CHECK(item.status == Status::Pass);
    CHECK(item.verification.kind == lpc::Verification::Kind::BoundaryBounded);
    CHECK(item.checked > 0);
  }
  CHECK(bounded.items[0].signature == "tree-multinomial-float32-b1-total-with-words-boundary");
  const lpc::RunResult exact = run("multinomial," + arithmetic + ",boundary+random:4,required\n", tree);
  CHECK(count(exact, Status::Fail) > 0);
  // The naive tree (a zero weight's sum its own tree) draws zero-weight categories next to a
  // boundary: it fails the boundary items, and says why.
  const Implementation naive = altered("naive-tree", [](const OpCase& c, std::vector<int64_t>& index) { tree_sampler(c, index, false); });
  const lpc::RunResult failed =
      run("multinomial,element=float32;banks=1;normalize=total;replacement=with;rng=words;verify=boundary,boundary+random:16,required\n", naive);
  REQUIRE(count(failed, Status::Fail) == 1);
  REQUIRE(!failed.items[0].first_mismatches.empty());
  CHECK(failed.items[0].first_mismatches[0].got.find("(a zero-weight category)") != std::string::npos);
}

TEST_CASE("statistical: the sample size for the stated power (research notes §6)", "[sampler][modes]") {
  // Power 0.99 at α = 1e-6, df 9: 7.2e3 / 8.0e4 / 7.2e5 draws for w = 0.1 / 0.03 / 0.01; 3.2e5 for w = 0.0149.
  CHECK(lpc::statistics::chi_square_samples(0.1, 9, 1e-6, 0.99) == Approx(7.2e3).epsilon(0.02));
  CHECK(lpc::statistics::chi_square_samples(0.03, 9, 1e-6, 0.99) == Approx(8.0e4).epsilon(0.02));
  CHECK(lpc::statistics::chi_square_samples(0.01, 9, 1e-6, 0.99) == Approx(7.2e5).epsilon(0.02));
  CHECK(lpc::statistics::chi_square_samples(0.0149, 9, 1e-6, 0.99) == Approx(3.2e5).epsilon(0.03));
}

TEST_CASE("statistical items through the runner: fast passes, a +5% bias and a zero-weight draw fail", "[sampler][modes]") {
  const std::string rows = "multinomial,element=float32|bfloat16;banks=1|8;normalize=total;replacement=with;rng=philox;verify=statistical,random:1,required\n";
  const uint64_t seed = 20261811;
  INFO("run seed " << seed);
  const lpc::RunResult fast = run(rows, *lpc::find_implementation("fast"), seed);
  REQUIRE(fast.items.size() == 4);
  for (const auto& item : fast.items) {
    INFO(item.signature << ": " << item.message);
    CHECK(non_failing(item.status));
    REQUIRE(item.statistical);
    CHECK(item.statistical->tests == 4);  // Bonferroni over the profile's 4 statistical items
    CHECK(item.statistical->alpha == Approx(1e-6 / 4));
    CHECK(item.statistical->samples == item.checked);
    CHECK(item.checked > 300000);
    CHECK(item.statistical->degrees_of_freedom == 8);  // ten categories, one of weight 0
  }
  const lpc::RunResult biased = run(rows, altered("biased", bias_heaviest), seed);
  for (const auto& item : biased.items) {
    INFO(item.signature << ": " << item.message);
    CHECK(item.status == Status::Fail);
    CHECK(item.message.find("chi2") != std::string::npos);
    REQUIRE(!item.first_mismatches.empty());
  }
  const lpc::RunResult zero = run(rows, altered("zero", [](const OpCase& c, std::vector<int64_t>& index) {
                                    for (size_t j = 0; j < c.inputs[0].size(); ++j)
                                      if (c.inputs[0].floats[j] == 0) index[0] = static_cast<int64_t>(j);
                                  }),
                                  seed);
  for (const auto& item : zero.items) {
    INFO(item.signature << ": " << item.message);
    CHECK(item.status == Status::Fail);
    CHECK(item.message.find("probability is 0") != std::string::npos);
  }
  // The verdict does not depend on a filter: m counts the profile's statistical items.
  const lpc::Profile profile = lpc::parse_profile("@version 1.0\nop,params,inputs,requirement\n" + rows, "modes-test", "modes-test.csv");
  lpc::RunOptions only;
  only.seed = seed;
  only.only = fast.items[0].signature;
  const lpc::RunResult one = lpc::run_profile(profile, *lpc::find_implementation("fast"), *lpc::find_implementation("reference"), only);
  REQUIRE(one.items.size() == 1);
  CHECK(one.items[0].statistical->tests == 4);
  CHECK(one.items[0].statistical->statistic == fast.items[0].statistical->statistic);
}

TEST_CASE("QUALITY_WARNING reaches report.json, JUnit and the summaries and never gates", "[sampler][modes]") {
  const std::string rows = "multinomial,element=float32;banks=1;normalize=total;replacement=with;rng=philox;verify=statistical,random:1,required\n";
  lpc::RunResult r = run(rows, *lpc::find_implementation("fast"));
  REQUIRE(r.items.size() == 1);
  r.items[0].status = Status::QualityWarning;  // as a p-value between α and the warning level gives
  r.items[0].message = "statistical: chi2 = 40 on 8 df, p = 1e-05";
  CHECK(r.required_passed());
  const lpc::reports::Document doc = lpc::reports::report_document(r);
  lpc::reports::validate_report(doc);
  CHECK(doc["verdict"] == "PASS");
  CHECK(lpc::reports::exit_status(doc) == 0);
  CHECK(doc["items"][0]["status"] == "QUALITY_WARNING");
  CHECK(doc["items"][0]["statistical"]["seed"].get<uint64_t>() == r.items[0].statistical->seed);
  const std::string junit = lpc::reports::render_junit(doc);
  CHECK(junit.find("<failure") == std::string::npos);
  CHECK(junit.find("<error") == std::string::npos);
  CHECK(junit.find("QUALITY_WARNING: statistical: chi2 = 40") != std::string::npos);
  CHECK(lpc::reports::render_markdown(doc).find("Quality warnings") != std::string::npos);
  CHECK(lpc::reports::render_summary_text(doc).find("QUALITY_WARNING (never gating)") != std::string::npos);
}
