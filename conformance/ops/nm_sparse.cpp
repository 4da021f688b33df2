// The N:M sparsity ops (spec/sparsity.md), checked exactly against the reference:
//   nm-compress:   a conforming matrix A -> its values and metadata words (§2.4)
//   nm-decompress: values and metadata words (untrusted) -> the dense matrix (§2.5)
//   nm-prune:      A -> the N largest |a| of each group kept, ties to the lower index (§4)
//   nm-decompose:  W -> the canonical split into ceil(M/N) N:M matrices and r (§5)
//   sparse-matmul: W, X -> Y = W·X run as r N:M passes on the chip's systolic array (§6)
// Matrices are lists in row-major order; `k` (a multiple of M) gives the row length and the list's
// length the rows. The element type (int8, int16, int32) bounds the values and picks the fast
// kernels; the reference computes on int64.
#include <algorithm>
#include <bit>
#include <random>

#include "conformance/ops/derive.hpp"
#include "impls/chip/sparse/sparse_matmul.hpp"
#include "impls/fast/sparsity/nm_sparse.hpp"
#include "reference/sparsity/nm_sparse.hpp"

namespace lpc::ops {

namespace {

constexpr const char* kElements[] = {"int8", "int16", "int32"};
constexpr int64_t kMaxElements = int64_t{1} << 22;

NmPattern pattern_of(const Params& p) { return {static_cast<uint32_t>(p.integer("n")), static_cast<uint32_t>(p.integer("m"))}; }
size_t k_of(const Params& p) { return static_cast<size_t>(p.integer("k")); }

std::pair<int64_t, int64_t> element_bounds(const Params& p) {
  const std::string& e = p.text("element");
  if (e == "int8") return {INT8_MIN, INT8_MAX};
  if (e == "int16") return {INT16_MIN, INT16_MAX};
  return {INT32_MIN, INT32_MAX};
}

// Calls f with a value of the fast element type of `p` (int8_t{}, int16_t{} or int32_t{}).
template <class F>
auto with_element(const Params& p, F&& f) {
  const std::string& e = p.text("element");
  if (e == "int8") return f(int8_t{});
  if (e == "int16") return f(int16_t{});
  return f(int32_t{});
}

template <class T>
std::vector<T> narrow(const std::vector<int64_t>& v) {
  return std::vector<T>(v.begin(), v.end());
}
template <class T>
std::vector<int64_t> widen(const std::vector<T>& v) {
  return std::vector<int64_t>(v.begin(), v.end());
}

// N and M, the item parameters of every op of the family.
std::vector<ParamSpec> pattern_params() {
  ParamSpec n{"n", ParamType::Int, ParamScope::Item, "N, the most nonzeros a group may keep (1 .. M-1)", "spec/sparsity.md §1", "2"};
  n.min = 1;
  n.max = kMaxNmGroup - 1;
  n.signature_join = "-n";
  ParamSpec m{"m", ParamType::Int, ParamScope::Item, "M, the group length along K (2 .. 16)", "spec/sparsity.md §1", "4"};
  m.min = 2;
  m.max = kMaxNmGroup;
  m.signature_join = "-m";
  return {n, m};
}

std::vector<ParamSpec> common_params() {
  std::vector<ParamSpec> params = pattern_params();
  ParamSpec element{"element", ParamType::Choice, ParamScope::Item, "the element type: the values' range and the fast kernels' width", "spec/sparsity.md §1",
                    "int16"};
  element.choices = [] { return std::vector<std::string>(std::begin(kElements), std::end(kElements)); };
  ParamSpec k{"k", ParamType::Int, ParamScope::Case, "K, the row length (a multiple of M); the rows are the matrix's length / K", "spec/sparsity.md §1", "4"};
  k.min = 1;
  k.max = 1 << 20;
  k.fuzz_values = {"4", "8", "16", "32", "36", "48", "240", "252"};
  params.insert(params.end(), {element, k});
  return params;
}

std::optional<std::string> params_error(const Params& p) { return nm_pattern_error(pattern_of(p)); }

// The rows of a matrix list of `size` elements, or an error naming the tensor.
std::optional<std::string> rows_error(const Params& p, const char* tensor, size_t size) {
  if (auto e = nm_shape_error(pattern_of(p), k_of(p))) return e;
  if (size % k_of(p) != 0) return std::string(tensor) + " holds " + std::to_string(size) + " elements, not a whole number of rows of K = " + std::to_string(k_of(p));
  if (static_cast<int64_t>(size) > kMaxElements) return std::string(tensor) + " holds more than 2^22 elements";
  return std::nullopt;
}
size_t rows_of(const OpCase& c) { return c.inputs[0].size() / k_of(c.params); }

// The rows of an nm-decompress case, from its values' length.
size_t decompress_rows(const OpCase& c) {
  const NmLayout l{pattern_of(c.params), 1, k_of(c.params)};
  return l.values_per_row() ? c.inputs[0].size() / l.values_per_row() : 0;
}

std::optional<std::pair<int64_t, int64_t>> matrix_range(const Params& p, size_t input) {
  if (input == 0) return element_bounds(p);
  return std::pair<int64_t, int64_t>{0, UINT32_MAX};  // nm-decompress's meta words
}

// ---- fuzzing ---------------------------------------------------------------------------------------

// A matrix element from fuzzer bytes: 0 three times in four (so that a group often conforms),
// else any value of the element type.
int64_t sparse_draw(const Params& p, size_t, ByteReader& bytes) {
  if (bytes.take(3) != 0) return 0;
  const auto [lo, hi] = element_bounds(p);
  return lo + static_cast<int64_t>(bytes.take(static_cast<uint64_t>(hi - lo)));
}

// A metadata word from fuzzer bytes: one time in 32 any word (an invalid one is rejected before
// an implementation sees it), else word `index` of a row of valid fields, each field drawn
// alone (a field straddling two words is then valid only by chance) and the bits after the row's
// last field zero.
int64_t meta_draw(const Params& p, size_t index, ByteReader& bytes) {
  if (bytes.take(31) == 0) return static_cast<int64_t>(bytes.take(UINT32_MAX));
  const NmLayout per{pattern_of(p), 1, k_of(p)};
  const size_t words = per.meta_words_per_row();
  if (!words) return 0;
  const uint32_t w = nm_field_bits(per.pattern), b = nm_index_bits(per.pattern);
  const size_t first_bit = index % words * 32, end_bit = std::min(first_bit + 32, per.groups_per_row() * w);
  uint64_t word = 0;
  for (size_t g = first_bit / w; g * w < end_bit; ++g) {
    // N distinct indices: a drawn mask with its highest bits cleared or its lowest free bits set.
    uint32_t mask = static_cast<uint32_t>(bytes.take((uint64_t{1} << per.pattern.m) - 1));
    while (static_cast<uint32_t>(std::popcount(mask)) > per.pattern.n) mask &= ~(uint32_t{1} << (31 - std::countl_zero(mask)));
    for (uint32_t t = 0; static_cast<uint32_t>(std::popcount(mask)) < per.pattern.n; ++t) mask |= uint32_t{1} << t;
    uint64_t field = 0;
    for (uint32_t j = 0; mask; ++j, mask &= mask - 1) field |= uint64_t(std::countr_zero(mask)) << (j * b);
    for (uint32_t bit = 0; bit < w; ++bit) {
      const size_t at = g * w + bit;
      if (at >= first_bit && at < end_bit) word |= (field >> bit & 1) << (at - first_bit);
    }
  }
  return static_cast<int64_t>(word);
}

// ---- case generation -----------------------------------------------------------------------------

struct Matrix {
  size_t k;
  std::vector<int64_t> a;
};

// A value of the element type: mostly small, sometimes an extreme, never 0.
int64_t random_value(std::mt19937_64& rng, std::pair<int64_t, int64_t> bounds) {
  const unsigned kind = rng() % 8;
  if (kind == 0) return bounds.first;
  if (kind == 1) return bounds.second;
  const int64_t v = static_cast<int64_t>(rng() % 255) - 127;
  return v ? v : 1;
}

std::vector<int64_t> random_matrix(std::mt19937_64& rng, size_t size, unsigned zero_percent, std::pair<int64_t, int64_t> bounds) {
  std::vector<int64_t> a(size);
  for (auto& v : a) v = rng() % 100 < zero_percent ? 0 : random_value(rng, bounds);
  return a;
}

// Boundary matrices (spec/sparsity.md §2.6, §4, §5.4): every nonzero mask of a group, one group a
// mask in one row (masks of more than N nonzeros too; `conforming` prunes them by §4, which keeps
// them as they are when they conform); all zeros across a metadata word; a dense matrix; the
// element type's extremes; ties of magnitude. Then `random` seeded matrices of 1..8 rows, 1..70
// groups and every density.
std::vector<Matrix> matrices(const Params& item, const InputSpec& inputs, uint64_t seed, bool conforming) {
  const NmPattern p = pattern_of(item);
  const auto bounds = element_bounds(item);
  std::mt19937_64 rng(seed);
  std::vector<Matrix> out;
  if (inputs.boundary) {
    const uint32_t masks = p.m <= 10 ? 1u << p.m : 1024;
    std::vector<int64_t> every;
    for (uint32_t mask = 0; mask < masks; ++mask)
      for (uint32_t t = 0; t < p.m; ++t) every.push_back(mask >> t & 1 ? (t % 2 ? bounds.first : bounds.second) - static_cast<int64_t>(mask % 3) * (t % 2 ? -1 : 1) : 0);
    out.push_back({size_t{p.m} * 4, every});
    out.push_back({size_t{p.m} * 9, std::vector<int64_t>(size_t{p.m} * 18, 0)});
    std::vector<int64_t> dense(size_t{p.m} * 6);
    for (size_t i = 0; i < dense.size(); ++i) dense[i] = static_cast<int64_t>(i % 7) - 3 ? static_cast<int64_t>(i % 7) - 3 : bounds.first;
    out.push_back({size_t{p.m} * 3, dense});
    std::vector<int64_t> ties(size_t{p.m} * 4);
    for (size_t i = 0; i < ties.size(); ++i) ties[i] = i % 2 ? 2 : -2;
    out.push_back({size_t{p.m} * 2, ties});
    out.push_back({p.m, std::vector<int64_t>(p.m, bounds.second)});
  }
  for (uint32_t i = 0; i < inputs.random; ++i) {
    const size_t rows = 1 + rng() % 8, k = size_t{p.m} * (1 + rng() % 70);
    out.push_back({k, random_matrix(rng, rows * k, static_cast<unsigned>(rng() % 101), bounds)});
  }
  if (conforming)
    for (Matrix& m : out) m.a = ref::nm_prune(p, m.a.size() / m.k, m.k, m.a);
  return out;
}

std::vector<OpCase> matrix_cases(const Params& item, const InputSpec& inputs, uint64_t seed, bool conforming) {
  std::vector<OpCase> out;
  for (Matrix& m : matrices(item, inputs, seed, conforming)) {
    Params p = item;
    p.set("k", static_cast<int64_t>(m.k));
    out.push_back({nullptr, p, {Tensor::integer_list(std::move(m.a))}});
  }
  return out;
}

// nm-decompress: the compressed form of each conforming matrix, and for each boundary set one row
// holding every valid field (non-canonical ones among them) with nonzero values.
std::vector<OpCase> decompress_cases(const Params& item, const InputSpec& inputs, uint64_t seed) {
  const NmPattern p = pattern_of(item);
  const auto bounds = element_bounds(item);
  std::vector<OpCase> out;
  for (const OpCase& c : matrix_cases(item, inputs, seed, true)) {
    const auto z = ref::nm_compress(p, c.inputs[0].size() / k_of(c.params), k_of(c.params), c.inputs[0].ints);
    if (!z.ok) throw std::logic_error("nm-decompress case generation: " + z.error);
    out.push_back({nullptr, c.params, {Tensor::integer_list(z.values), Tensor::integer_list(std::vector<int64_t>(z.meta.begin(), z.meta.end()))}});
  }
  if (inputs.boundary) {
    const auto fields = ref::nm_valid_fields(p);
    const size_t groups = std::min<size_t>(fields.size(), 4096);
    // The stream of one row holding the fields in order, as words (§2.3), and N values per group.
    std::vector<int64_t> values, meta;
    const uint32_t w = nm_field_bits(p);
    uint64_t word = 0;
    uint32_t used = 0;
    for (size_t g = 0; g < groups; ++g) {
      for (uint32_t j = 0; j < p.n; ++j) values.push_back(j % 2 ? bounds.first + static_cast<int64_t>(g % 5) : bounds.second - static_cast<int64_t>(g % 5));
      for (uint32_t bit = 0; bit < w; ++bit) {
        word |= (fields[g].field >> bit & 1) << used;
        if (++used == 32) meta.push_back(static_cast<int64_t>(word)), word = 0, used = 0;
      }
    }
    if (used) meta.push_back(static_cast<int64_t>(word));
    Params params = item;
    params.set("k", static_cast<int64_t>(groups * p.m));
    out.push_back({nullptr, params, {Tensor::integer_list(std::move(values)), Tensor::integer_list(std::move(meta))}});
  }
  return out;
}

OpSchema base_schema(const char* name, const char* summary, const char* clause) {
  OpSchema op;
  op.name = name;
  op.summary = summary;
  op.clause = clause;
  op.params = common_params();
  op.verification.kind = Verification::Kind::Exact;
  op.params_error = params_error;
  op.element_range = matrix_range;
  op.cost = [](const Params& item, const InputSpec& inputs) {
    return (uint64_t{inputs.boundary ? 6u : 0u} + inputs.random) * 2000 + uint64_t(item.integer("m")) * 100;
  };
  return op;
}

OpStatus fail(std::string& error, const char* who, const std::string& why) {
  error = std::string(who) + ": " + why;
  return OpStatus::Error;
}

// ---- the ops -------------------------------------------------------------------------------------

OpSchema make_compress() {
  OpSchema op = base_schema("nm-compress", "N:M sparsity: a conforming matrix -> its kept values and metadata words (spec/sparsity.md §2.4)",
                            "spec/sparsity.md §2");
  op.inputs = {{"a", ElemType::Int, {}, "A, rows x K row-major, at most N nonzeros in every group of M along K"}};
  op.inputs[0].fuzz_draw = sparse_draw;
  op.outputs = {{"values", ElemType::Int, {}, "the N kept values of each group, rows x (K/M)·N"},
                {"meta", ElemType::Code, {}, "the metadata words, rows x ceil((K/M)·N·ceil(log2 M) / 32), LSB first (§2.3)"}};
  op.verification.text = "exact: every value and metadata word";
  op.inputs_error = [](const OpCase& c) -> std::optional<std::string> {
    if (auto e = rows_error(c.params, "a", c.inputs[0].size())) return e;
    if (auto e = ref::nm_conformance_error(pattern_of(c.params), rows_of(c), k_of(c.params), c.inputs[0].ints)) return "a: " + *e;
    return std::nullopt;
  };
  op.output_forms = [](const OpCase& c) {
    const NmLayout l{pattern_of(c.params), rows_of(c), k_of(c.params)};
    return list_forms(c, {l.values(), l.meta_words()});
  };
  op.cases = [](const Params& item, const InputSpec& inputs, uint64_t seed) { return matrix_cases(item, inputs, seed, true); };
  op.bindings = {
      {"reference",
       [](const OpCase& c, std::vector<Tensor>& out, std::string& error) {
         const auto z = ref::nm_compress(pattern_of(c.params), rows_of(c), k_of(c.params), c.inputs[0].ints);
         if (!z.ok) return fail(error, "reference nm-compress", z.error);
         out = {Tensor::integer_list(z.values), Tensor::integer_list(std::vector<int64_t>(z.meta.begin(), z.meta.end()))};
         return OpStatus::Ok;
       }},
      {"fast",
       [](const OpCase& c, std::vector<Tensor>& out, std::string& error) {
         const NmLayout l{pattern_of(c.params), rows_of(c), k_of(c.params)};
         return with_element(c.params, [&](auto zero) {
           using T = decltype(zero);
           const std::vector<T> a = narrow<T>(c.inputs[0].ints);
           std::vector<T> values(l.values());
           std::vector<uint32_t> meta(l.meta_words());
           if (auto e = fast::nm_compress<T>(l.pattern, l.rows, l.k, a, values, meta)) return fail(error, "fast nm-compress", *e);
           out = {Tensor::integer_list(widen(values)), Tensor::integer_list(std::vector<int64_t>(meta.begin(), meta.end()))};
           return OpStatus::Ok;
         });
       }},
  };
  return op;
}

OpSchema make_decompress() {
  OpSchema op = base_schema("nm-decompress", "N:M sparsity: values and untrusted metadata words -> the dense matrix (spec/sparsity.md §2.5)",
                            "spec/sparsity.md §2");
  op.inputs = {{"values", ElemType::Int, {}, "the N kept values of each group, rows x (K/M)·N (the rows follow from its length)"},
               {"meta", ElemType::Code, {}, "the metadata words, rows x ceil((K/M)·N·ceil(log2 M) / 32), each 0 .. 2^32-1 (§2.3)"}};
  op.inputs[1].fuzz_draw = meta_draw;
  op.outputs = {{"a", ElemType::Int, {}, "A, rows x K row-major"}};
  op.verification.text = "exact: every element";
  op.list_length = [](const Params& p, size_t input, size_t rows) -> size_t {
    if (input == 0) return rows;
    const NmLayout per{pattern_of(p), 1, k_of(p)};
    return per.values_per_row() ? rows / per.values_per_row() * per.meta_words_per_row() : 0;
  };
  op.inputs_error = [](const OpCase& c) -> std::optional<std::string> {
    const NmLayout per{pattern_of(c.params), 1, k_of(c.params)};
    if (auto e = nm_shape_error(per.pattern, per.k)) return e;
    if (c.inputs[0].size() % per.values_per_row())
      return "values holds " + std::to_string(c.inputs[0].size()) + " elements, not a whole number of rows of " + std::to_string(per.values_per_row());
    if (static_cast<int64_t>(decompress_rows(c) * k_of(c.params)) > kMaxElements) return "the matrix would hold more than 2^22 elements";
    if (auto e = ref::nm_metadata_error(per.pattern, decompress_rows(c), per.k, c.inputs[0].ints, c.inputs[1].ints)) return *e;
    return std::nullopt;
  };
  op.output_forms = [](const OpCase& c) { return list_forms(c, {decompress_rows(c) * k_of(c.params)}); };
  op.cases = decompress_cases;
  op.bindings = {
      {"reference",
       [](const OpCase& c, std::vector<Tensor>& out, std::string& error) {
         const auto d = ref::nm_decompress(pattern_of(c.params), decompress_rows(c), k_of(c.params), c.inputs[0].ints, c.inputs[1].ints);
         if (!d.ok) return fail(error, "reference nm-decompress", d.error);
         out = {Tensor::integer_list(d.a)};
         return OpStatus::Ok;
       }},
      {"fast",
       [](const OpCase& c, std::vector<Tensor>& out, std::string& error) {
         const NmLayout l{pattern_of(c.params), decompress_rows(c), k_of(c.params)};
         std::vector<uint32_t> meta;
         for (int64_t w : c.inputs[1].ints) {
           if (w < 0 || w > UINT32_MAX) return fail(error, "fast nm-decompress", "meta word " + std::to_string(meta.size()) + " outside 0 .. 2^32 - 1");
           meta.push_back(static_cast<uint32_t>(w));
         }
         return with_element(c.params, [&](auto zero) {
           using T = decltype(zero);
           const std::vector<T> values = narrow<T>(c.inputs[0].ints);
           std::vector<T> a(l.elements());
           if (auto e = fast::nm_decompress<T>(l.pattern, l.rows, l.k, values, meta, a)) return fail(error, "fast nm-decompress", *e);
           out = {Tensor::integer_list(widen(a))};
           return OpStatus::Ok;
         });
       }},
  };
  return op;
}

OpSchema make_prune() {
  OpSchema op = base_schema("nm-prune", "N:M sparsity: keep the N largest |a| of each group, ties to the lower index (spec/sparsity.md §4)",
                            "spec/sparsity.md §4");
  op.inputs = {{"a", ElemType::Int, {}, "A, rows x K row-major"}};
  op.inputs[0].fuzz_draw = sparse_draw;
  op.outputs = {{"pruned", ElemType::Int, {}, "A with all but the N largest |a| of each group set to 0"}};
  op.verification.text = "exact: every element";
  op.inputs_error = [](const OpCase& c) { return rows_error(c.params, "a", c.inputs[0].size()); };
  op.cases = [](const Params& item, const InputSpec& inputs, uint64_t seed) { return matrix_cases(item, inputs, seed, false); };
  op.bindings = {
      {"reference",
       [](const OpCase& c, std::vector<Tensor>& out, std::string&) {
         out = {Tensor::integer_list(ref::nm_prune(pattern_of(c.params), rows_of(c), k_of(c.params), c.inputs[0].ints))};
         return OpStatus::Ok;
       }},
      {"fast",
       [](const OpCase& c, std::vector<Tensor>& out, std::string&) {
         return with_element(c.params, [&](auto zero) {
           using T = decltype(zero);
           const std::vector<T> a = narrow<T>(c.inputs[0].ints);
           std::vector<T> pruned(a.size());
           fast::nm_prune<T>(pattern_of(c.params), rows_of(c), k_of(c.params), a, pruned);
           out = {Tensor::integer_list(widen(pruned))};
           return OpStatus::Ok;
         });
       }},
  };
  return op;
}

OpSchema make_decompose() {
  OpSchema op = base_schema("nm-decompose",
                            "US11500962B1: W -> the canonical split into ceil(M/N) constrained fine-grained N:M matrices with disjoint supports, and the "
                            "minimal r (spec/sparsity.md §5)",
                            "spec/sparsity.md §5");
  op.inputs = {{"w", ElemType::Int, {}, "W, rows x K row-major"}};
  op.inputs[0].fuzz_draw = sparse_draw;
  op.outputs = {{"parts", ElemType::Int, {}, "S_0 .. S_{ceil(M/N)-1}, each rows x K, back to back; S_j for j >= r all zero"},
                {"r", ElemType::Int, {}, "r = max over groups of ceil(nonzeros / N), one value"}};
  op.verification.text = "exact: every element of every part, and r";
  op.inputs_error = [](const OpCase& c) { return rows_error(c.params, "w", c.inputs[0].size()); };
  op.output_forms = [](const OpCase& c) { return list_forms(c, {nm_max_parts(pattern_of(c.params)) * c.inputs[0].size(), 1}); };
  op.cases = [](const Params& item, const InputSpec& inputs, uint64_t seed) { return matrix_cases(item, inputs, seed, false); };
  op.bindings = {
      {"reference",
       [](const OpCase& c, std::vector<Tensor>& out, std::string&) {
         const auto d = ref::nm_decompose(pattern_of(c.params), rows_of(c), k_of(c.params), c.inputs[0].ints);
         std::vector<int64_t> parts;
         for (const auto& s : d.parts) parts.insert(parts.end(), s.begin(), s.end());
         out = {Tensor::integer_list(std::move(parts)), Tensor::integer_list({int64_t{d.r}})};
         return OpStatus::Ok;
       }},
      {"fast",
       [](const OpCase& c, std::vector<Tensor>& out, std::string&) {
         return with_element(c.params, [&](auto zero) {
           using T = decltype(zero);
           const NmPattern p = pattern_of(c.params);
           const std::vector<T> w = narrow<T>(c.inputs[0].ints);
           std::vector<T> parts(nm_max_parts(p) * w.size());
           const uint32_t r = fast::nm_decompose<T>(p, rows_of(c), k_of(c.params), w, parts);
           out = {Tensor::integer_list(widen(parts)), Tensor::integer_list({int64_t{r}})};
           return OpStatus::Ok;
         });
       }},
  };
  return op;
}

// ---- sparse-matmul (spec/sparsity.md §6): Y = W·X with W run as r constrained fine-grained N:M
// matrices — on the chip's systolic array with the metadata as mux select, by the fast decomposition,
// or exactly. Checked exactly: Y against the exact integer product in the int32 accumulator, and the
// passes against the minimal r of §5.1.

constexpr int64_t kMaxMatmulMacs = int64_t{1} << 22;

size_t cols_of(const Params& p) { return static_cast<size_t>(p.integer("cols")); }
chip::ArrayShape array_of(const Params& p) {
  const uint32_t side = static_cast<uint32_t>(std::stoul(p.text("array")));
  return {side, side};
}

std::vector<int8_t> bytes_of(const Tensor& t) { return std::vector<int8_t>(t.ints.begin(), t.ints.end()); }

// Boundary: W all zero (r = 0), exactly N nonzeros per group (r = 1), dense (r = ceil(M/N)),
// -128 everywhere against X = -128 (the largest products), compressed K on the array's row count
// and one past it, W's rows one past the array's columns. Random: 1..40 rows, K = M·(1..12),
// 1..9 columns, every density.
std::vector<OpCase> matmul_cases(const Params& item, const InputSpec& inputs, uint64_t seed) {
  const NmPattern p = pattern_of(item);
  const chip::ArrayShape array = array_of(item);
  std::mt19937_64 rng(seed);
  struct Shape {
    size_t rows, k, cols;
    int density;  // percent nonzero; -1: exactly N per group; -2: all -128
  };
  std::vector<Shape> shapes;
  const size_t k_fold = (array.rows + p.n - 1) / p.n * p.m;  // compressed K >= the array's rows
  if (inputs.boundary)
    shapes = {{3, p.m * 2, 2, 0},   {4, p.m * 3, 3, -1},          {5, p.m * 2, 2, 100}, {2, p.m, 3, -2},
              {array.cols + 1, k_fold, 2, 60}, {2, k_fold + p.m, 3, 100}};
  for (uint32_t i = 0; i < inputs.random; ++i)
    shapes.push_back({1 + rng() % 40, p.m * (1 + rng() % 12), 1 + rng() % 9, static_cast<int>(rng() % 101)});
  std::vector<OpCase> out;
  for (const Shape& s : shapes) {
    std::vector<int64_t> w(s.rows * s.k), x(s.k * s.cols);
    for (size_t e = 0; e < w.size(); ++e) {
      const int64_t v = static_cast<int64_t>(rng() % 256) - 128;
      w[e] = s.density == -2 ? -128 : s.density == -1 ? (e % p.m < p.n ? (v ? v : 1) : 0) : static_cast<int>(rng() % 100) < s.density ? (v ? v : 1) : 0;
    }
    for (auto& v : x) v = s.density == -2 ? -128 : static_cast<int64_t>(rng() % 256) - 128;
    Params params = item;
    params.set("k", static_cast<int64_t>(s.k));
    params.set("cols", static_cast<int64_t>(s.cols));
    out.push_back({nullptr, params, {Tensor::integer_list(std::move(w)), Tensor::integer_list(std::move(x))}});
  }
  return out;
}

OpSchema make_sparse_matmul() {
  OpSchema op;
  op.name = "sparse-matmul";
  op.summary = "US11500962B1: Y = W·X with W run as r constrained fine-grained N:M matrices on the systolic array, the metadata as mux select; "
               "int8 operands, int32 accumulator (spec/sparsity.md §6)";
  op.clause = "spec/sparsity.md §5, §6";
  ParamSpec array{"array", ParamType::Choice, ParamScope::Item, "the weight-stationary array, R x C (values do not depend on it; the chip's folds do)",
                  "spec/sparsity.md §6", "32x32"};
  array.choices = [] { return std::vector<std::string>{"4x4", "8x8", "16x16", "32x32"}; };
  ParamSpec k{"k", ParamType::Int, ParamScope::Case, "K, W's row length and X's rows (a multiple of M); W's rows are its length / K", "spec/sparsity.md §6",
              "4"};
  k.min = 1;
  k.max = 1 << 16;
  k.fuzz_values = {"4", "8", "16"};
  ParamSpec cols{"cols", ParamType::Int, ParamScope::Case, "the columns of X and Y", "spec/sparsity.md §6", "1"};
  cols.min = 1;
  cols.max = 1 << 16;
  cols.fuzz_min = 1;
  cols.fuzz_max = 4;
  op.params = pattern_params();
  op.params.insert(op.params.end(), {array, k, cols});
  op.inputs = {{"w", ElemType::Int, {}, "W, rows x K int8 weights, row-major"}, {"x", ElemType::Int, {}, "X, K x cols int8 activations, row-major"}};
  op.outputs = {{"y", ElemType::Int, {}, "Y = W·X, rows x cols, in the int32 accumulator (two's complement)"},
                {"passes", ElemType::Int, {}, "the passes run: r of the canonical split (spec/sparsity.md §5.1), one value"}};
  op.verification.kind = Verification::Kind::Exact;
  op.verification.text = "exact: every accumulator, and the passes";
  op.params_error = [](const Params& p) { return nm_pattern_error(pattern_of(p)); };
  op.element_range = [](const Params&, size_t) -> std::optional<std::pair<int64_t, int64_t>> { return std::pair<int64_t, int64_t>{-128, 127}; };
  op.list_length = [](const Params& p, size_t input, size_t rows) -> size_t { return input == 1 ? k_of(p) * cols_of(p) : rows / k_of(p) * k_of(p); };
  op.inputs_error = [](const OpCase& c) -> std::optional<std::string> {
    if (auto e = nm_shape_error(pattern_of(c.params), k_of(c.params))) return e;
    if (c.inputs[0].size() % k_of(c.params)) return "w holds " + std::to_string(c.inputs[0].size()) + " elements, not a whole number of rows of K";
    if (c.inputs[1].size() != k_of(c.params) * cols_of(c.params))
      return "x holds " + std::to_string(c.inputs[1].size()) + " elements, K·cols = " + std::to_string(k_of(c.params) * cols_of(c.params));
    if (static_cast<double>(c.inputs[0].size()) * static_cast<double>(cols_of(c.params)) > kMaxMatmulMacs) return "rows·K·cols above 2^22 multiply-accumulates";
    return std::nullopt;
  };
  op.output_forms = [](const OpCase& c) { return list_forms(c, {rows_of(c) * cols_of(c.params), 1}); };
  op.cases = matmul_cases;
  op.cost = [](const Params&, const InputSpec& inputs) { return (uint64_t{inputs.boundary ? 6u : 0u} + inputs.random) * 4000; };
  op.bindings = {
      {"reference",
       [](const OpCase& c, std::vector<Tensor>& out, std::string&) {
         const NmPattern p = pattern_of(c.params);
         const auto d = ref::nm_decompose(p, rows_of(c), k_of(c.params), c.inputs[0].ints);
         out = {Tensor::integer_list(ref::matmul_wrap32(rows_of(c), k_of(c.params), cols_of(c.params), c.inputs[0].ints, c.inputs[1].ints)),
                Tensor::integer_list({int64_t{d.r}})};
         return OpStatus::Ok;
       }},
      {"fast",
       // The fast decomposition, then Σ_j S_j·X over each part's nonzeros, wrapped to int32.
       [](const OpCase& c, std::vector<Tensor>& out, std::string&) {
         const NmPattern p = pattern_of(c.params);
         const size_t rows = rows_of(c), k = k_of(c.params), cols = cols_of(c.params);
         const std::vector<int8_t> w = bytes_of(c.inputs[0]), x = bytes_of(c.inputs[1]);
         std::vector<int8_t> parts(nm_max_parts(p) * w.size());
         const uint32_t r = fast::nm_decompose<int8_t>(p, rows, k, w, parts);
         std::vector<uint32_t> acc(rows * cols, 0);
         for (uint32_t j = 0; j < r; ++j)
           for (size_t i = 0; i < rows; ++i)
             for (size_t t = 0; t < k; ++t)
               if (const int32_t v = parts[j * w.size() + i * k + t])
                 for (size_t col = 0; col < cols; ++col) acc[i * cols + col] += static_cast<uint32_t>(v * x[t * cols + col]);
         std::vector<int64_t> y(acc.size());
         for (size_t e = 0; e < acc.size(); ++e) y[e] = static_cast<int32_t>(acc[e]);
         out = {Tensor::integer_list(std::move(y)), Tensor::integer_list({int64_t{r}})};
         return OpStatus::Ok;
       }},
      {"chip",
       [](const OpCase& c, std::vector<Tensor>& out, std::string& error) {
         try {
           const auto r = chip::sparse::sparse_matmul(pattern_of(c.params), array_of(c.params), rows_of(c), k_of(c.params), cols_of(c.params),
                                                      bytes_of(c.inputs[0]), bytes_of(c.inputs[1]));
           out = {Tensor::integer_list(std::vector<int64_t>(r.y.begin(), r.y.end())), Tensor::integer_list({int64_t{r.timing.passes}})};
           return OpStatus::Ok;
         } catch (const std::invalid_argument& e) {
           error = std::string("chip sparse-matmul: ") + e.what();
           return OpStatus::Error;
         }
       }},
  };
  return op;
}

}  // namespace

const OpSchema& nm_compress_op() {
  static const OpSchema op = make_compress();
  return op;
}

const OpSchema& nm_decompress_op() {
  static const OpSchema op = make_decompress();
  return op;
}

const OpSchema& nm_prune_op() {
  static const OpSchema op = make_prune();
  return op;
}

const OpSchema& nm_decompose_op() {
  static const OpSchema op = make_decompose();
  return op;
}

const OpSchema& sparse_matmul_op() {
  static const OpSchema op = make_sparse_matmul();
  return op;
}

}  // namespace lpc::ops
