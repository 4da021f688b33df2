// The op lsq-dot: LSQ's integer path (spec/quantizers.md §1.7) — acc = Σ w̄_k·x̄_k exactly, in
// index order, in int32; an int32 overflow of a partial sum is the op's result, with its index;
// otherwise y = RN32(s_w·s_x·acc), one rounding. Checked exactly.
#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <random>

#include "conformance/core/case.hpp"
#include "conformance/ops/derive.hpp"
#include "conformance/quantizers/cases.hpp"
#include "impls/fast/quantizers/lsq.hpp"
#include "reference/quantizers/lsq.hpp"

namespace lpc::ops {

namespace {

// The longest boundary vector: int8 x int8 reaches 2^31 in 131,072 products.
constexpr size_t kMaxLength = size_t{1} << 18;
constexpr int kBoundaryVectors = 12;

// A grid with its step, from the case's parameters ("w": w-grid, scale-w; "x": x-grid, scale-x).
LsqParams grid(const Params& p, char which) {
  LsqParams g = lsq_grid(format_by_name(p.text(which == 'w' ? "w-grid" : "x-grid")));
  g.scale = static_cast<float>(p.real(which == 'w' ? "scale-w" : "scale-x"));
  return g;
}

int32_t max_magnitude(const LsqParams& g) { return std::max(-g.qmin, g.qmax); }

struct DotGrids {
  LsqParams w, x;
  // The product of largest magnitude, max|w̄|·max|x̄| with its sign, and codes giving it.
  int64_t extreme = 0;
  int32_t extreme_w = 0, extreme_x = 0;
};

DotGrids dot_grids(const Params& p) {
  DotGrids g{grid(p, 'w'), grid(p, 'x')};
  for (int32_t w : {g.w.qmin, g.w.qmax})
    for (int32_t x : {g.x.qmin, g.x.qmax})
      if (std::llabs(int64_t{w} * x) > std::llabs(g.extreme) || (std::llabs(int64_t{w} * x) == std::llabs(g.extreme) && int64_t{w} * x < 0)) {
        g.extreme = int64_t{w} * x;
        g.extreme_w = w;
        g.extreme_x = x;
      }
  return g;
}

// A vector of code pairs under construction, with its scales ((1, 1) unless set).
struct Pairs {
  std::vector<int64_t> w, x;
  float s_w = 1, s_x = 1;
  void add(int32_t wk, int32_t xk, size_t count = 1) {
    w.insert(w.end(), count, wk);
    x.insert(x.end(), count, xk);
  }
  int64_t sum() const {
    int64_t s = 0;
    for (size_t k = 0; k < w.size(); ++k) s += w[k] * x[k];
    return s;
  }
};

// Appends products that move the index-order sum of v to exactly `target`: 1. the largest product
// toward the target while it fits — the extreme pair, or with the weight at its grid's other end
// when the extreme has the wrong sign; 2. the weight's end of that sign times x̄ = 1 (every grid
// holds 1, §1.1); 3. the remainder, less than one weight step, times 1.
void fill_to(Pairs& v, const DotGrids& g, int64_t target) {
  int64_t gap = target - v.sum();
  const bool up = gap > 0;
  int32_t w = g.extreme_w;
  if ((g.extreme > 0) != up) w = w == g.w.qmin ? g.w.qmax : g.w.qmin;
  const int64_t big = int64_t{w} * g.extreme_x;
  if (big != 0 && (big > 0) == up) {
    const int64_t n = gap / big;
    v.add(w, g.extreme_x, static_cast<size_t>(n));
    gap -= n * big;
  }
  const int32_t unit = up ? g.w.qmax : g.w.qmin;
  v.add(unit, 1, static_cast<size_t>(gap / unit));
  gap -= gap / unit * unit;
  if (gap != 0) v.add(static_cast<int32_t>(gap), 1);
}

// A grid's interesting codes: every code of a grid of at most 16, else both ends, their inner
// neighbours and -1, 0, 1.
std::vector<int32_t> probe_codes(const LsqParams& grid) {
  std::vector<int32_t> out;
  for (int32_t k = grid.qmin; k <= grid.qmax; ++k)
    if (grid.qmax - grid.qmin < 16 || k <= grid.qmin + 1 || k >= grid.qmax - 1 || (k >= -1 && k <= 1)) out.push_back(k);
  return out;
}

// One case per vector of code pairs with its s_w, s_x (1, 1 unless said). Boundary: the empty sum;
// every pair of the grids' end, ±1 and 0 codes; where ±2^31 is reachable in at most 2^18 products,
// K at the bound proof's edge and one past it, sums of exactly 2^31 - 1 and -2^31, one step past
// each, and back inside (an overflow in index order only), and an alternating sum past the proof's
// K; sums 1, -1, 3 under steps whose product meets the float32 overflow midpoint (and 1 ulp of s_x
// either side), the largest float and the subnormal tie 2^-150. random:N, N vectors of 1..1024
// pairs, one code in four at a grid end, steps over ±40 binades, one in eight aimed near the
// float32 overflow or subnormal range.
std::vector<OpCase> cases(const Params& item, const InputSpec& inputs, uint64_t seed) {
  std::mt19937_64 rng(seed);
  Params unit = item;
  unit.set("scale-w", 1.0);
  unit.set("scale-x", 1.0);
  const DotGrids g = dot_grids(unit);
  std::vector<Pairs> vectors;
  if (inputs.boundary) {
    // 1. The empty sum, and every pair of the grids' interesting codes.
    vectors.emplace_back();
    Pairs pairs;
    for (int32_t w : probe_codes(g.w))
      for (int32_t x : probe_codes(g.x)) pairs.add(w, x);
    vectors.push_back(pairs);
    // 2. Around the int32 edges where vectors that reach them are short enough: K at the bound
    //    proof's edge (K·max|w̄|·max|x̄| <= 2^31 - 1 just holds, then just fails), sums exactly
    //    2^31 - 1 and -2^31 and one step past each (an overflow at the last k), a sum that leaves
    //    int32 and comes back (an overflow in index order only), and a sum past the proof's K
    //    that never leaves int32 (the checked path, no overflow).
    const int64_t proof_k = INT32_MAX / std::llabs(g.extreme);
    if (static_cast<uint64_t>(proof_k) + 2 <= kMaxLength) {
      Pairs v;
      v.add(g.extreme_w, g.extreme_x, static_cast<size_t>(proof_k));
      vectors.push_back(v);
      v.add(g.extreme_w, g.extreme_x);
      vectors.push_back(v);
      for (int64_t edge : {int64_t{INT32_MAX}, int64_t{INT32_MIN}}) {
        Pairs e;
        fill_to(e, g, edge);
        vectors.push_back(e);
        e.add(edge > 0 ? 1 : -1, 1);
        vectors.push_back(e);
        e.add(edge > 0 ? -1 : 1, 1);  // back inside: the overflow happened in index order
        vectors.push_back(e);
      }
      Pairs alternating;
      const int32_t other_w = g.extreme_w == g.w.qmin ? g.w.qmax : g.w.qmin;
      for (int64_t k = 0; k <= proof_k; ++k) alternating.add(k % 2 ? other_w : g.extreme_w, g.extreme_x);
      vectors.push_back(alternating);
    }
    // 3. The float32 output's edges on small sums (§1.7, one rounding): s_w·s_x·acc at the midpoint
    //    between the largest float and 2^128 ((2^25 - 1)·2^103 = 18631·2^50 · 1801·2^53) and 1 ulp
    //    of s_x either side, exactly the largest float, and at the subnormal tie 2^-150 (acc = 1:
    //    +0; acc = -1: -0; acc = 3: 2^-148).
    const float s_mid_w = std::ldexp(18631.0f, 50), s_mid_x = std::ldexp(1801.0f, 53);
    const std::pair<float, float> edges[] = {
        {s_mid_w, s_mid_x},
        {s_mid_w, std::nextafter(s_mid_x, 0.0f)},
        {s_mid_w, std::nextafter(s_mid_x, INFINITY)},
        {0x1p64f, 0x1.fffffep63f},
        {0x1p-140f, 0x1p-10f},
        {0x1p-149f, 0.5f},
    };
    for (const auto& [s_w, s_x] : edges)
      for (int32_t acc : {1, -1, 3}) {
        Pairs v;
        v.add(acc > 0 ? 1 : -1, 1, static_cast<size_t>(std::abs(acc)));
        v.s_w = s_w;
        v.s_x = s_x;
        vectors.push_back(v);
      }
  }
  // 4. Random: K in 1..1024, one code in four at a grid end; scales over ±40 binades, one case in
  //    eight aimed at a product near the float32 overflow or subnormal range.
  for (uint32_t r = 0; r < inputs.random; ++r) {
    const size_t k = std::uniform_int_distribution<size_t>(1, 1024)(rng);
    Pairs v;
    auto code = [&](const LsqParams& grid) {
      if (rng() % 4 == 0) return rng() & 1 ? grid.qmin : grid.qmax;
      return std::uniform_int_distribution<int32_t>(grid.qmin, grid.qmax)(rng);
    };
    for (size_t i = 0; i < k; ++i) {
      const int32_t w = code(g.w);
      v.add(w, code(g.x));
    }
    v.s_w = quantizer_cases::random_float(rng, -40, 40);
    v.s_x = quantizer_cases::random_float(rng, -40, 40);
    const int64_t acc = v.sum();
    if (r % 8 == 7 && acc != 0) {
      const int target = rng() & 1 ? 127 : -150;
      const int e_x = std::clamp(target - std::ilogb(v.s_w) - static_cast<int>(std::log2(static_cast<double>(std::llabs(acc)))), -149, 110);
      v.s_x = std::ldexp(quantizer_cases::random_float(rng, 0, 0), e_x);
    }
    vectors.push_back(std::move(v));
  }
  std::vector<OpCase> out;
  for (Pairs& v : vectors) {
    Params p = item;
    p.set("scale-w", static_cast<double>(v.s_w));
    p.set("scale-x", static_cast<double>(v.s_x));
    if (lsq_params_error(grid(p, 'w')) || lsq_params_error(grid(p, 'x'))) p = unit;
    const uint64_t n = v.w.size();
    out.push_back({nullptr, p, {Tensor::integers({n}, std::move(v.w)), Tensor::integers({n}, std::move(v.x))}});
  }
  return out;
}

// Outputs: acc and y, or (after an overflow) neither; overflow_at, -1 for none.
std::vector<Tensor> outputs(bool ok, int32_t acc, float y, int64_t overflow_at) {
  if (!ok) return {Tensor::integers({0}, {}), Tensor::reals({0}, {}), Tensor::integers({1}, {overflow_at})};
  return {Tensor::integers({1}, {acc}), Tensor::reals({1}, {y}), Tensor::integers({1}, {-1})};
}

// The result in words: "int32 overflow at k = 65793" or "acc 7, y 0.5 (0x3f000000)"; a subject's
// outputs of the wrong sizes are described as they are.
std::string result_text(std::span<const Tensor> o) {
  if (o[2].size() == 1 && o[2].ints[0] >= 0 && o[0].size() == 0 && o[1].size() == 0) return "int32 overflow at k = " + std::to_string(o[2].ints[0]);
  if (o[2].size() == 1 && o[2].ints[0] == -1 && o[0].size() == 1 && o[1].size() == 1)
    return "acc " + std::to_string(o[0].ints[0]) + ", y " + float32_text(o[1].floats[0]);
  std::string s;
  for (size_t k = 0; k < 3; ++k) {
    s += std::string(k ? ", " : "") + (k == 0 ? "acc" : k == 1 ? "y" : "overflow_at") + " [";
    for (size_t i = 0; i < o[k].size() && i < 4; ++i) s += (i ? " " : "") + element_text(o[k], i);
    s += o[k].size() > 4 ? " ...]" : "]";
  }
  return s;
}

void compare(const OpCase& c, std::span<const Tensor> got, std::span<const Tensor> want, CompareSink& sink) {
  // §1.7: the overflow and where it happens exactly; without one, acc and y's bits.
  ++sink.checked;
  if (got[0] == want[0] && got[2] == want[2] && got[1].size() == want[1].size() && (want[1].size() == 0 || same_element(got[1], 0, want[1], 0)))
    return;
  const Params& p = c.params;
  sink.mismatch(std::to_string(c.inputs[0].size()) + " code pairs (" + p.text("w-grid") + " x " + p.text("x-grid") + "), s_w " +
                    float32_text(p.real("scale-w")) + ", s_x " + float32_text(p.real("scale-x")),
                result_text(got), result_text(want));
}

OpSchema make_schema() {
  OpSchema op;
  op.name = "lsq-dot";
  op.summary =
      "LSQ's integer path: acc = Σ w̄·x̄ exactly in int32 (an overflow and its index are the result), y = RN32(s_w·s_x·acc) (spec/quantizers.md §1.7)";
  op.clause = "spec/quantizers.md §1.7";
  ParamSpec w_grid{"w-grid", ParamType::Choice, ParamScope::Item, "the weight grid, a signed integer format", "spec/quantizers.md §1.1", "int8"};
  w_grid.choices = [] { return quantizer_cases::integer_grid_names(true); };
  w_grid.column = "format";
  ParamSpec x_grid{"x-grid", ParamType::Choice, ParamScope::Item, "the activation grid, an integer format", "spec/quantizers.md §1.1", "uint8"};
  x_grid.choices = [] { return quantizer_cases::integer_grid_names(); };
  x_grid.column = "source";
  ParamSpec scale_w{
      "scale-w", ParamType::Float32, ParamScope::Case, "the weight step s_w, a valid LSQ step of the weight grid", "spec/quantizers.md §1.5", "1"};
  ParamSpec scale_x{
      "scale-x", ParamType::Float32, ParamScope::Case, "the activation step s_x, a valid LSQ step of the activation grid", "spec/quantizers.md §1.5",
      "1"};
  op.params = {w_grid, x_grid, scale_w, scale_x};
  op.fixed_columns = {{"rounding", "-"}, {"overflow", "-"}};
  op.inputs = {{"w", ElemType::Int, {}, "the weight codes w̄_k, in the weight grid"},
               {"x", ElemType::Int, {}, "the activation codes x̄_k, in the activation grid"}};
  op.outputs = {{"acc", ElemType::Int, {}, "the int32 sum; empty after an overflow"},
                {"y", ElemType::Float32, {}, "RN32(s_w·s_x·acc); empty after an overflow"},
                {"overflow_at", ElemType::Int, {}, "the index k whose partial sum leaves int32; -1: none"}};
  op.verification.kind = Verification::Kind::Exact;
  op.verification.text = "exact: the int32 overflow and its index, else acc and y bits";
  op.params_error = [](const Params& p) -> std::optional<std::string> {
    for (char which : {'w', 'x'})
      if (auto e = lsq_params_error(grid(p, which)))
        return std::string(which == 'w' ? "scale-w on w-grid " + p.text("w-grid") : "scale-x on x-grid " + p.text("x-grid")) + ": " + *e;
    return std::nullopt;
  };
  op.element_range = [](const Params& p, size_t input) -> std::optional<std::pair<int64_t, int64_t>> {
    const LsqParams g = grid(p, input == 0 ? 'w' : 'x');
    return std::pair<int64_t, int64_t>{g.qmin, g.qmax};
  };
  op.inputs_error = [](const OpCase& c) -> std::optional<std::string> {
    if (c.inputs[0].size() != c.inputs[1].size())
      return "w and x need the same length, got " + std::to_string(c.inputs[0].size()) + " and " + std::to_string(c.inputs[1].size());
    for (size_t k = 0; k < 2; ++k) {
      const LsqParams g = grid(c.params, k == 0 ? 'w' : 'x');
      for (int64_t v : c.inputs[k].ints)
        if (v < g.qmin || v > g.qmax)
          return std::string(k == 0 ? "w " : "x ") + std::to_string(v) + " is outside the grid [" + std::to_string(g.qmin) + ", " +
                 std::to_string(g.qmax) + "]";
    }
    return std::nullopt;
  };
  op.fuzz_max_list = kMaxLength;
  op.cost = [](const Params&, const InputSpec& inputs) {
    return uint64_t{inputs.boundary ? kBoundaryVectors * kMaxLength / 4 : 0} + uint64_t{inputs.random} * 512;
  };
  op.output_forms = [](const OpCase& c) { return list_forms(c, {1, 1, 1}); };
  op.cases = cases;
  op.compare = compare;
  op.bindings = {
      {"reference",
       [](const OpCase& c, std::vector<Tensor>& out, std::string&) {
         const LsqParams w_grid = grid(c.params, 'w'), x_grid = grid(c.params, 'x');
         const std::vector<int32_t> w(c.inputs[0].ints.begin(), c.inputs[0].ints.end()), x(c.inputs[1].ints.begin(), c.inputs[1].ints.end());
         const ref::IntegerDot r = ref::lsq_integer_dot(w, x, max_magnitude(w_grid), max_magnitude(x_grid));
         out = outputs(r.ok, r.acc, r.ok ? ref::lsq_output_float(r.acc, w_grid.scale, x_grid.scale) : 0.0f, static_cast<int64_t>(r.overflow_index));
         return OpStatus::Ok;
       }},
      {"fast",
       [](const OpCase& c, std::vector<Tensor>& out, std::string& error) {
         // The kernels take int8 weight codes and uint8 or int8 activation codes.
         const LsqParams w_grid = grid(c.params, 'w'), x_grid = grid(c.params, 'x');
         const bool unsigned_x = x_grid.qmin == 0;
         if (w_grid.qmin < INT8_MIN || w_grid.qmax > INT8_MAX || x_grid.qmin < (unsigned_x ? 0 : INT8_MIN) ||
             x_grid.qmax > (unsigned_x ? UINT8_MAX : INT8_MAX)) {
           error = "fast lsq-dot: the kernels take int8 weight codes and uint8 or int8 activation codes";
           return OpStatus::Unsupported;
         }
         const std::vector<int8_t> w(c.inputs[0].ints.begin(), c.inputs[0].ints.end());
         size_t overflow_at = 0;
         const std::optional<int32_t> acc = unsigned_x
                                                ? fast::lsq_integer_dot(w, std::vector<uint8_t>(c.inputs[1].ints.begin(), c.inputs[1].ints.end()),
                                                                        max_magnitude(w_grid), max_magnitude(x_grid), &overflow_at)
                                                : fast::lsq_integer_dot(w, std::vector<int8_t>(c.inputs[1].ints.begin(), c.inputs[1].ints.end()),
                                                                        max_magnitude(w_grid), max_magnitude(x_grid), &overflow_at);
         out = outputs(acc.has_value(), acc.value_or(0), acc ? fast::lsq_output_float(*acc, w_grid.scale, x_grid.scale) : 0.0f,
                       static_cast<int64_t>(overflow_at));
         return OpStatus::Ok;
       }},
  };
  return op;
}

}  // namespace

const OpSchema& lsq_dot_op() {
  static const OpSchema op = make_schema();
  return op;
}

}  // namespace lpc::ops
