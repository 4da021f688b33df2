// The op sparse-matmul (spec/sparsity.md §6): Y = W·X with W run as r constrained fine-grained
// N:M matrices (US11500962B1) — on the chip's systolic array with the metadata as mux select, by
// the fast decomposition, or exactly. Checked exactly: Y against the exact integer product in the
// int32 accumulator, and the number of passes against the minimal r of §5.1.
#include <algorithm>
#include <random>

#include "conformance/ops/derive.hpp"
#include "impls/chip/sparse/sparse_matmul.hpp"
#include "impls/fast/sparsity/nm_sparse.hpp"
#include "reference/sparsity/nm_sparse.hpp"

namespace lpc::ops {

namespace {

constexpr int64_t kMaxMacs = int64_t{1} << 22;

NmPattern pattern_of(const Params& p) { return {static_cast<uint32_t>(p.integer("n")), static_cast<uint32_t>(p.integer("m"))}; }
size_t k_of(const Params& p) { return static_cast<size_t>(p.integer("k")); }
size_t cols_of(const Params& p) { return static_cast<size_t>(p.integer("cols")); }
size_t rows_of(const OpCase& c) { return c.inputs[0].size() / k_of(c.params); }
chip::ArrayShape array_of(const Params& p) {
  const uint32_t side = static_cast<uint32_t>(std::stoul(p.text("array")));
  return {side, side};
}

std::vector<int8_t> bytes_of(const Tensor& t) { return std::vector<int8_t>(t.ints.begin(), t.ints.end()); }

// Boundary: W all zero (r = 0), exactly N nonzeros per group (r = 1), dense (r = ceil(M/N)),
// -128 everywhere against X = -128 (the largest products), compressed K on the array's row count
// and one past it, W's rows one past the array's columns. Random: 1..40 rows, K = M·(1..12),
// 1..9 columns, every density.
std::vector<OpCase> cases(const Params& item, const InputSpec& inputs, uint64_t seed) {
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

OpSchema make_schema() {
  OpSchema op;
  op.name = "sparse-matmul";
  op.summary = "US11500962B1: Y = W·X with W run as r constrained fine-grained N:M matrices on the systolic array, the metadata as mux select; "
               "int8 operands, int32 accumulator (spec/sparsity.md §6)";
  op.clause = "spec/sparsity.md §5, §6";
  ParamSpec n{"n", ParamType::Int, ParamScope::Item, "N, the most nonzeros a group may keep (1 .. M-1)", "spec/sparsity.md §1", "2"};
  n.min = 1;
  n.max = kMaxNmGroup - 1;
  n.signature_join = "-n";
  ParamSpec m{"m", ParamType::Int, ParamScope::Item, "M, the group length along K (2 .. 16)", "spec/sparsity.md §1", "4"};
  m.min = 2;
  m.max = kMaxNmGroup;
  m.signature_join = "-m";
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
  op.params = {n, m, array, k, cols};
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
    if (static_cast<double>(c.inputs[0].size()) * static_cast<double>(cols_of(c.params)) > kMaxMacs) return "rows·K·cols above 2^22 multiply-accumulates";
    return std::nullopt;
  };
  op.output_forms = [](const OpCase& c) { return list_forms(c, {rows_of(c) * cols_of(c.params), 1}); };
  op.cases = cases;
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

const OpSchema& sparse_matmul_op() {
  static const OpSchema op = make_schema();
  return op;
}

}  // namespace lpc::ops
