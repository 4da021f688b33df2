// The sampler ops (spec/sampler.md §2, §4), both under the declared arithmetic (format, banks,
// normalization) and checked exactly:
//   cumsum-banked: float32 weights -> the banked global cumulative sums Ĉ (§2.2-2.6), as float32 bits.
//   multinomial: weights and one random word per sample (or the words of §3.3 from a seed, a row
//   and a sample count) -> the selected category of each sample (§2.7-2.8), with or without
//   replacement.
#include <algorithm>
#include <cmath>
#include <limits>
#include <random>

#include "conformance/core/case.hpp"
#include "conformance/ops/derive.hpp"
#include "conformance/quantizers/cases.hpp"
#include "impls/fast/sampler/multinomial.hpp"
#include "impls/fast/sampler/random123.hpp"
#include "reference/sampler/multinomial.hpp"
#include "reference/sampler/random123.hpp"

namespace lpc::ops {

const OpSchema& cumsum_banked_op();  // below; a statistical item's oracle distribution runs it

namespace {

constexpr const char* kFormats[] = {"float32", "bfloat16", "float16"};

SamplerParams params_of(const Params& p) {
  SamplerParams s;
  const std::string& f = p.text("element");
  s.format = f == "float32" ? SamplerFormat::Float32 : f == "bfloat16" ? SamplerFormat::Bfloat16 : SamplerFormat::Float16;
  s.banks = static_cast<uint32_t>(p.integer("banks"));
  s.normalize = p.text("normalize") == "total" ? Normalization::Total : Normalization::None;
  if (const Value* r = p.find("replacement")) s.replacement = std::get<std::string>(*r) == "without" ? Replacement::Without : Replacement::With;
  return s;
}

// The item parameters both ops take.
std::vector<ParamSpec> arithmetic_params(const char* default_normalize) {
  ParamSpec element{"element", ParamType::Choice, ParamScope::Item, "the element format of the weights and every sum", "spec/sampler.md §2.1", "float32"};
  element.choices = [] { return std::vector<std::string>(std::begin(kFormats), std::end(kFormats)); };
  ParamSpec banks{"banks", ParamType::Int, ParamScope::Item, "B, the memory banks the categories are spread over (contiguous sets)", "spec/sampler.md §2.3",
                  "1"};
  banks.min = 1;
  banks.max = kMaxBanks;
  banks.signature_join = "-b";
  banks.fuzz_min = 1;
  banks.fuzz_max = 40;
  ParamSpec normalize{"normalize", ParamType::Choice, ParamScope::Item, "none, or total: every sum divided by the last, rounded once",
                      "spec/sampler.md §2.6", default_normalize};
  normalize.choices = [] { return std::vector<std::string>{"none", "total"}; };
  return {element, banks, normalize};
}

TensorSpec weights_spec() {
  TensorSpec w{"weights", ElemType::Float32, {}, "the weights, float32, finite and >= 0 (rounded to the format first, §2.2)", false, true};
  w.non_negative = true;
  return w;
}

std::vector<float> weights_of(const OpCase& c) { return std::vector<float>(c.inputs[0].floats.begin(), c.inputs[0].floats.end()); }

// The smallest positive value, and an eighth of the largest, of each format.
float tiny_of(SamplerFormat f) { return f == SamplerFormat::Float32 ? 0x1p-149f : f == SamplerFormat::Bfloat16 ? 0x1p-133f : 0x1p-24f; }
float huge_of(SamplerFormat f) { return f == SamplerFormat::Float16 ? 8188.0f : std::numeric_limits<float>::max() / 8; }
int precision_of(SamplerFormat f) { return f == SamplerFormat::Float32 ? 24 : f == SamplerFormat::Bfloat16 ? 8 : 11; }

// A seeded row of n weights: mixed magnitudes around 2^centre, a tenth zeros, some repeated.
std::vector<float> random_row(std::mt19937_64& rng, size_t n, SamplerFormat f) {
  const int centre = std::uniform_int_distribution<int>(f == SamplerFormat::Float16 ? -8 : -30, 4)(rng);
  std::vector<float> w(n);
  for (size_t j = 0; j < n; ++j) {
    const unsigned kind = rng() % 10;
    w[j] = kind == 0 ? 0.0f : kind == 1 && j > 0 ? w[j - 1] : quantizer_cases::random_float(rng, centre - 6, centre + 3);
  }
  if (std::all_of(w.begin(), w.end(), [](float x) { return x == 0.0f; })) w[0] = 1.0f;
  return w;
}

// The boundary rows of an item (spec/sampler.md §4): zeros at the ends and in between, ties, tiny
// and huge weights, weights below half an ulp of the running sum (unreachable with one bank) after
// a large one, one category, rows whose last banks are short or empty.
std::vector<std::vector<float>> boundary_rows(const SamplerParams& p, std::mt19937_64& rng) {
  const float tiny = tiny_of(p.format), huge = huge_of(p.format), absorbed = std::ldexp(1.0f, -precision_of(p.format) - 1);
  std::vector<std::vector<float>> rows = {
      {0, 0.25f, 0, 0.5f, 0.25f, 0},
      std::vector<float>(8, 1.0f),
      {tiny, 1, tiny, huge, tiny},
      {1, absorbed, absorbed, absorbed, absorbed, absorbed, absorbed, absorbed, 0.75f * absorbed, 3 * absorbed},
      {3},
      {0, 0, 5},
  };
  rows.push_back(random_row(rng, p.banks + 1, p.format));          // L = 2: the last banks empty
  rows.push_back(random_row(rng, 3 * size_t{p.banks} - 1, p.format));  // the last bank one short
  return rows;
}

// The sums the reference gives a valid row (case generation picks words on their boundaries).
std::vector<float> reference_sums(const SamplerParams& p, const std::vector<float>& w) {
  const ref::SumsOutcome r = ref::cumsum_banked(p, w);
  return r.ok ? r.sums : std::vector<float>{};
}

// ---- cumsum-banked -------------------------------------------------------------------------------

std::vector<OpCase> cumsum_cases(const Params& item, const InputSpec& inputs, uint64_t seed) {
  std::mt19937_64 rng(seed);
  const SamplerParams p = params_of(item);
  std::vector<std::vector<float>> rows;
  if (inputs.boundary) rows = boundary_rows(p, rng);
  for (uint32_t i = 0; i < inputs.random; ++i) rows.push_back(random_row(rng, 1 + rng() % 300, p.format));
  std::vector<OpCase> out;
  for (const auto& w : rows)
    if (!ref::sampler_weights_error(p, w, std::nullopt)) out.push_back({nullptr, item, {Tensor::real_list(std::vector<double>(w.begin(), w.end()))}});
  return out;
}

OpSchema make_cumsum() {
  OpSchema op;
  op.name = "cumsum-banked";
  op.summary = "the banked cumulative sum of US10997277B1: weights -> the global sums, normalized or not, in the declared format (spec/sampler.md §2)";
  op.clause = "spec/sampler.md §2.2-2.6";
  op.params = arithmetic_params("none");
  op.inputs = {weights_spec()};
  op.outputs = {{"sums", ElemType::Float32, {}, "Ĉ_j, values of the format (+inf where a sum overflowed under normalize none)"}};
  op.verification.kind = Verification::Kind::Exact;
  op.verification.text = "exact: every sum's float32 bits";
  op.params_error = [](const Params& p) { return sampler_params_error(params_of(p)); };
  op.inputs_error = [](const OpCase& c) { return ref::sampler_weights_error(params_of(c.params), weights_of(c), std::nullopt); };
  op.cases = cumsum_cases;
  op.cost = [](const Params&, const InputSpec& inputs) { return uint64_t{inputs.boundary ? 100u : 0u} + uint64_t{inputs.random} * 150; };
  op.bindings = {
      {"reference",
       [](const OpCase& c, std::vector<Tensor>& out, std::string& error) {
         const ref::SumsOutcome r = ref::cumsum_banked(params_of(c.params), weights_of(c));
         if (!r.ok) {
           error = "reference cumsum-banked: " + r.error;
           return OpStatus::Error;
         }
         out = {Tensor::real_list(std::vector<double>(r.sums.begin(), r.sums.end()))};
         return OpStatus::Ok;
       }},
      {"fast",
       [](const OpCase& c, std::vector<Tensor>& out, std::string& error) {
         const std::vector<float> w = weights_of(c);
         std::vector<float> sums(w.size());
         if (auto e = fast::cumsum_banked(params_of(c.params), w, sums)) {
           error = "fast cumsum-banked: " + *e;
           return OpStatus::Error;
         }
         out = {Tensor::real_list(std::vector<double>(sums.begin(), sums.end()))};
         return OpStatus::Ok;
       }},
  };
  return op;
}

// ---- multinomial ---------------------------------------------------------------------------------

// The random words of a case: the list (rng words) or §3.3's from seed, row and samples.
size_t sample_count(const OpCase& c) {
  return c.params.text("rng") == "words" ? c.inputs[1].size() : static_cast<size_t>(c.params.integer("samples"));
}

// The word of u = `u` (a multiple of 2^-24 in [0, 1)).
uint32_t word_of(double u) { return static_cast<uint32_t>(std::ldexp(u, 24)) << 8; }

// Words for one row: u = 0, the largest u, each sum Ĉ_j below 1 that is a multiple of 2^-24 and
// the u one step (2^-24) below it, then `extra` seeded words; at most `limit` in all.
std::vector<uint32_t> boundary_words(const std::vector<float>& sums, size_t extra, size_t limit, std::mt19937_64& rng) {
  std::vector<uint32_t> words = {0, 0xffffffffu};
  for (float c : sums) {
    const double scaled = std::ldexp(static_cast<double>(c), 24);
    if (c > 0 && c < 1 && scaled == std::floor(scaled)) {
      words.push_back(word_of(c));
      words.push_back(word_of(c) - 0x100);
    }
  }
  for (size_t i = 0; i < extra; ++i) words.push_back(static_cast<uint32_t>(rng()));
  if (words.size() > limit) words.resize(limit);
  return words;
}

std::vector<OpCase> multinomial_cases(const Params& item, const InputSpec& inputs, uint64_t seed) {
  std::mt19937_64 rng(seed);
  const SamplerParams p = params_of(item);
  const bool without = p.replacement == Replacement::Without;
  const std::string& generator = item.text("rng");
  std::vector<std::vector<float>> rows;
  if (inputs.boundary) rows = boundary_rows(p, rng);
  for (uint32_t i = 0; i < inputs.random; ++i) rows.push_back(random_row(rng, 1 + rng() % (without ? 64 : 300), p.format));
  std::vector<OpCase> out;
  uint32_t row_number = 0;
  for (const auto& w : rows) {
    const size_t positive = static_cast<size_t>(std::count_if(w.begin(), w.end(), [&](float x) { return x > 0; }));
    // Without replacement: every category drawn on small rows, 16 draws on larger ones.
    const size_t limit = without ? std::min<size_t>(positive, 16) : 64;
    if (ref::sampler_weights_error(p, w, limit)) continue;  // a weight rounded to 0 in this format: fewer draws fit
    Params params = item;
    std::vector<uint32_t> words;
    const bool own_words = generator != "words";
    if (!own_words) words = boundary_words(reference_sums(p, w), without ? limit : 16, limit, rng);
    params.set("seed", own_words ? static_cast<int64_t>(rng() >> 1) : int64_t{0});
    params.set("row", own_words ? int64_t{row_number++} : int64_t{0});
    params.set("samples", own_words ? static_cast<int64_t>(limit) : int64_t{0});
    out.push_back({nullptr, params, {Tensor::real_list(std::vector<double>(w.begin(), w.end())), Tensor::integer_list(std::vector<int64_t>(words.begin(), words.end()))}});
  }
  return out;
}

std::vector<uint32_t> case_words(const OpCase& c) { return std::vector<uint32_t>(c.inputs[1].ints.begin(), c.inputs[1].ints.end()); }

// The verification an item declares (spec/sampler.md §2.10, §2.11): exact (the declared
// association), boundary (undeclared association: the exact-real index, or a neighbour within the
// rounding bound), statistical (the subject's own draws against the oracle's probabilities).
const std::string& verify_of(const Params& p) { return p.text("verify"); }

// A weight that F rounds to +0 (§2.2): at most half F's smallest subnormal (the tie goes to even, 0).
bool rounds_to_zero(float w, SamplerFormat f) { return w <= tiny_of(f) / 2; }

// ---- Statistical items (§2.11) ---------------------------------------------------------------------

constexpr uint64_t kMaxSamplesPerCase = uint64_t{1} << 20;

// The row a statistical item draws from: ten categories, one of them (at a seeded place) zero, the
// others seeded in [1/2, 2).
std::vector<float> statistical_row(uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::vector<float> w(10);
  for (float& x : w) x = std::uniform_real_distribution<float>(0.5f, 2.0f)(rng);
  w[rng() % w.size()] = 0;
  return w;
}

std::vector<OpCase> statistical_draws(const Params& item, uint64_t seed, uint64_t n) {
  const std::vector<float> w = statistical_row(seed);
  const int64_t generator_seed = static_cast<int64_t>(seed >> 1);
  std::vector<OpCase> out;
  for (uint64_t done = 0, row = 0; done < n; ++row) {
    const uint64_t k = std::min(kMaxSamplesPerCase, n - done);
    Params params = item;
    params.set("seed", generator_seed);
    params.set("row", static_cast<int64_t>(row));
    params.set("samples", static_cast<int64_t>(k));
    out.push_back({nullptr, params, {Tensor::real_list(std::vector<double>(w.begin(), w.end())), Tensor::integer_list({})}});
    done += k;
  }
  return out;
}

// The probability of category j: the share of the 2^24 values of u (§2.7) in [Ĉ_{j-1}, Ĉ_j), the
// sums Ĉ (normalize total) from the oracle's cumsum-banked.
OpStatus statistical_distribution(const OpCase& c, const Implementation& oracle, std::vector<double>& probabilities, std::string& error) {
  Params params;
  for (const char* name : {"element", "banks", "normalize"}) params.set(name, *c.params.find(name));
  const OpCase sums_case{&cumsum_banked_op(), params, {c.inputs[0]}};
  std::vector<Tensor> sums;
  if (const OpStatus s = run_case(oracle, sums_case, sums, error); s != OpStatus::Ok) return s;
  probabilities.clear();
  double below = 0;  // ceil(Ĉ_{j-1} · 2^24)
  for (size_t j = 0; j < sums[0].size(); ++j) {
    const double at = std::min(std::ceil(std::ldexp(sums[0].floats[j], 24)), std::ldexp(1.0, 24));
    probabilities.push_back(std::ldexp(at - below, -24));  // Ĉ is non-decreasing, so at >= below
    below = at;
  }
  return OpStatus::Ok;
}

std::optional<std::string> statistical_tally(const OpCase& c, std::span<const Tensor> got, std::vector<uint64_t>& counts) {
  if (got.empty() || got[0].size() != sample_count(c)) return "the subject returned " + std::to_string(got.empty() ? 0 : got[0].size()) + " indices for " + std::to_string(sample_count(c)) + " samples";
  for (size_t s = 0; s < got[0].size(); ++s) {
    const int64_t k = got[0].ints[s];
    if (k < 0 || static_cast<uint64_t>(k) >= counts.size())
      return "row " + std::to_string(c.params.integer("row")) + ", sample " + std::to_string(s) + ": index " + std::to_string(k) + " of " +
             std::to_string(counts.size()) + " categories";
    ++counts[static_cast<size_t>(k)];
  }
  return std::nullopt;
}

OpSchema make_multinomial() {
  OpSchema op;
  op.name = "multinomial";
  op.summary = "multinomial sampling by banked cumulative sums (US10997277B1): weights, one random word per sample -> the category each selects, "
               "k = #{j : u >= Ĉ_j} (spec/sampler.md §2)";
  op.clause = "spec/sampler.md §2, §3.3";
  op.params = arithmetic_params("total");
  ParamSpec replacement{"replacement", ParamType::Choice, ParamScope::Item, "with, or without (sequential removal; needs normalize total)",
                        "spec/sampler.md §2.8", "with"};
  replacement.choices = [] { return std::vector<std::string>{"with", "without"}; };
  ParamSpec generator{"rng", ParamType::Choice, ParamScope::Item,
                      "words (the random list gives each sample's word), or philox / threefry (the words of (seed, row, sample), §3.3)", "spec/sampler.md §3.3",
                      "words"};
  generator.choices = [] { return std::vector<std::string>{"words", "philox", "threefry"}; };
  ParamSpec seed{"seed", ParamType::Int, ParamScope::Case, "the generator's seed σ (rng philox, threefry), 0 .. 2^63 - 1", "spec/sampler.md §3.3", "0"};
  seed.max = std::numeric_limits<int64_t>::max();
  ParamSpec row{"row", ParamType::Int, ParamScope::Case, "the row number in the counter (rng philox, threefry), 0 .. 2^32 - 1", "spec/sampler.md §3.3", "0"};
  row.max = UINT32_MAX;
  ParamSpec samples{"samples", ParamType::Int, ParamScope::Case, "the samples drawn with rng philox or threefry (ignored with rng words: one sample per random word)",
                    "spec/sampler.md §3.3", "0"};
  samples.max = 1 << 20;
  samples.fuzz_min = 0;
  samples.fuzz_max = 64;
  ParamSpec verify{"verify", ParamType::Choice, ParamScope::Item,
                   "exact (the declared association), boundary (undeclared association: the exact-real index or a neighbour within the rounding bound), "
                   "or statistical (χ² of the subject's draws)",
                   "spec/sampler.md §2.10-2.11", "exact"};
  verify.choices = [] { return std::vector<std::string>{"exact", "boundary", "statistical"}; };
  verify.omit_default = true;
  op.params.insert(op.params.end(), {replacement, generator, verify, seed, row, samples});
  TensorSpec random{"random", ElemType::Code, {}, "one 32-bit word per sample, u = its top 24 bits × 2^-24 (rng words; empty otherwise)"};
  random.optional = true;
  op.inputs = {weights_spec(), random};
  op.outputs = {{"index", ElemType::Int, {}, "the category of each sample, 0 .. N-1; -1 past the total (normalize none)"},
                {"low", ElemType::Int, {}, "verify boundary: the least index §2.10 permits (the reference; implementations leave it empty)", true},
                {"high", ElemType::Int, {}, "verify boundary: the greatest index §2.10 permits, N for -1 (the reference)", true}};
  op.verification.kind = Verification::Kind::Exact;
  op.verification.text = "exact: every index";
  op.item_verification = [](const Params& item) {
    Verification v;
    const std::string& mode = verify_of(item);
    if (mode == "boundary") {
      v.kind = Verification::Kind::BoundaryBounded;
      v.text = "boundary-bounded: the exact-real index, or a neighbour where u lies within the rounding bound of every boundary between them "
               "(spec/sampler.md §2.10); never a zero-weight category";
    } else if (mode == "statistical") {
      v.kind = Verification::Kind::Statistical;
      v.false_failure_rate = 1e-6;
      v.effect_size = 0.0149;
      v.power = 0.99;
      v.text = "statistical: chi2 goodness of fit of the subject's draws against the oracle's probabilities, family-wise false-failure rate 1e-06 "
               "(Bonferroni over the profile's statistical items), N for power 0.99 at Cohen's w = 0.0149 (+5% on one of ten categories), "
               "cells expected below 5 pooled (spec/sampler.md §2.11)";
    } else {
      v.kind = Verification::Kind::Exact;
      v.text = "exact: every index";
    }
    return v;
  };
  op.statistical = StatisticalDeclaration{statistical_draws, statistical_distribution, statistical_tally};
  op.params_error = [](const Params& p) -> std::optional<std::string> {
    if (auto e = sampler_params_error(params_of(p))) return e;
    const std::string& mode = verify_of(p);
    if (mode != "exact" && p.text("replacement") != "with") return "verify " + mode + " needs replacement with (spec/sampler.md §2.10-2.11)";
    if (mode == "statistical" && (p.text("rng") == "words" || p.text("normalize") != "total"))
      return "verify statistical needs rng philox or threefry and normalize total (spec/sampler.md §2.11)";
    return std::nullopt;
  };
  op.element_range = [](const Params&, size_t input) -> std::optional<std::pair<int64_t, int64_t>> {
    if (input == 1) return std::pair<int64_t, int64_t>{0, UINT32_MAX};
    return std::nullopt;
  };
  op.list_length = [](const Params& p, size_t input, size_t rows) -> size_t { return input == 1 && p.text("rng") != "words" ? 0 : rows; };
  op.inputs_error = [](const OpCase& c) -> std::optional<std::string> {
    if (c.params.text("rng") != "words" && c.inputs[1].size()) return "rng " + c.params.text("rng") + " draws its own words: the random list must be empty";
    for (int64_t r : c.inputs[1].ints)
      if (r < 0 || r > UINT32_MAX) return "random word " + std::to_string(r) + " outside 0 .. 2^32 - 1";
    return ref::sampler_weights_error(params_of(c.params), weights_of(c), sample_count(c));
  };
  op.output_forms = [](const OpCase& c) {
    const size_t n = sample_count(c);
    return list_forms(c, {n, n, n});
  };
  op.cases = multinomial_cases;
  op.cost = [](const Params& item, const InputSpec& inputs) {
    if (verify_of(item) == "statistical") return uint64_t{4000};
    const uint64_t per_row = item.text("replacement") == "without" ? 16 * 64 : 300;
    return (uint64_t{inputs.boundary ? 8u : 0u} + inputs.random) * per_row;
  };
  // Sample by sample; with replacement a mismatch reruns that sample's word alone.
  op.compare = [](const OpCase& c, std::span<const Tensor> got, std::span<const Tensor> want, CompareSink& sink) {
    if (!same_size(c, 0, got, want, sink)) return;
    if (verify_of(c.params) == "boundary") {
      // §2.10: index within the oracle's low..high (N standing for -1), never a zero-weight category.
      const int64_t n = static_cast<int64_t>(c.inputs[0].size());
      const SamplerFormat f = params_of(c.params).format;
      for (size_t s = 0; s < want[0].size(); ++s) {
        ++sink.checked;
        const int64_t k = got[0].ints[s] == -1 ? n : got[0].ints[s];
        const bool in_range = k >= want[1].ints[s] && k <= want[2].ints[s] && k >= 0 && k <= n;
        if (in_range && (k == n || !rounds_to_zero(static_cast<float>(c.inputs[0].floats[static_cast<size_t>(k)]), f))) continue;
        sink.mismatch("sample " + std::to_string(s) + (c.params.text("rng") == "words" ? ", word " + std::to_string(c.inputs[1].ints[s]) : std::string()),
                      element_text(got[0], s) + (in_range ? " (a zero-weight category)" : ""),
                      "exact-real " + element_text(want[0], s) + ", permitted " + std::to_string(want[1].ints[s]) + " .. " + std::to_string(want[2].ints[s]));
      }
      return;
    }
    const bool words = c.params.text("rng") == "words", alone = words && c.params.text("replacement") == "with";
    for (size_t s = 0; s < want[0].size(); ++s) {
      ++sink.checked;
      if (same_element(got[0], s, want[0], s)) continue;
      std::string input = "sample " + std::to_string(s);
      OpCase smaller;
      if (words) {
        const uint32_t x = static_cast<uint32_t>(c.inputs[1].ints[s]);
        input += ", word " + std::to_string(x) + " (u = " + float32_text(std::ldexp(static_cast<double>(x >> 8), -24)) + ")";
        if (alone && sink.first.size() < sink.max_recorded) smaller = {c.op, c.params, {c.inputs[0], Tensor::integer_list({c.inputs[1].ints[s]})}};
      }
      sink.mismatch(input, element_text(got[0], s), element_text(want[0], s), smaller);
    }
  };
  op.bindings = {
      {"reference",
       [](const OpCase& c, std::vector<Tensor>& out, std::string& error) {
         std::vector<uint32_t> words = case_words(c);
         if (c.params.text("rng") != "words") {
           const auto g = c.params.text("rng") == "philox" ? ref::CounterGenerator::Philox : ref::CounterGenerator::Threefry;
           for (size_t s = 0; s < sample_count(c); ++s)
             words.push_back(ref::sample_word(g, static_cast<uint64_t>(c.params.integer("seed")), static_cast<uint32_t>(c.params.integer("row")), s));
         }
         if (verify_of(c.params) == "boundary") {
           const ref::BoundedOutcome b = ref::multinomial_bounded(params_of(c.params), weights_of(c), words);
           if (!b.ok) {
             error = "reference multinomial: " + b.error;
             return OpStatus::Error;
           }
           out = {Tensor::integer_list(b.index), Tensor::integer_list(b.low), Tensor::integer_list(b.high)};
           return OpStatus::Ok;
         }
         const ref::IndexOutcome r = ref::multinomial(params_of(c.params), weights_of(c), words);
         if (!r.ok) {
           error = "reference multinomial: " + r.error;
           return OpStatus::Error;
         }
         out = {Tensor::integer_list(r.index), Tensor::integer_list({}), Tensor::integer_list({})};
         return OpStatus::Ok;
       }},
      {"fast",
       [](const OpCase& c, std::vector<Tensor>& out, std::string& error) {
         std::vector<uint32_t> words = case_words(c);
         if (c.params.text("rng") != "words") {
           words.resize(sample_count(c));
           fast::sample_words(c.params.text("rng") == "philox" ? fast::CounterRng::Philox : fast::CounterRng::Threefry,
                              static_cast<uint64_t>(c.params.integer("seed")), static_cast<uint32_t>(c.params.integer("row")), 0, words);
         }
         std::vector<int64_t> index(words.size());
         if (auto e = fast::multinomial(params_of(c.params), weights_of(c), words, index)) {
           error = "fast multinomial: " + *e;
           return OpStatus::Error;
         }
         out = {Tensor::integer_list(std::move(index)), Tensor::integer_list({}), Tensor::integer_list({})};
         return OpStatus::Ok;
       }},
  };
  return op;
}

}  // namespace

const OpSchema& cumsum_banked_op() {
  static const OpSchema op = make_cumsum();
  return op;
}

const OpSchema& multinomial_op() {
  static const OpSchema op = make_multinomial();
  return op;
}

}  // namespace lpc::ops
