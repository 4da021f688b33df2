// The op dynbits: dynamic per-block bit width (spec/quantizers.md §6). A C·H·W integer feature map
// in blocks (the hardware's parallelism) of groups; a group whose statistic (max, mean or sum of
// |x|) is below its block's threshold runs at b_l bits (low), within the budgets B* and B_min;
// outputs per element the low flag and y (x, or its low-precision value), per block its bits.
// Checked exactly.
#include <array>
#include <charconv>
#include <cmath>
#include <limits>
#include <random>

#include "conformance/core/case.hpp"
#include "conformance/ops/derive.hpp"
#include "impls/fast/quantizers/dynamic_bits.hpp"
#include "reference/quantizers/dynamic_bits.hpp"

namespace lpc::ops {

namespace {

constexpr int64_t U = kDynBitsBudgetUnit;

// "C,H,W" (or "H,W"): exactly N positive integers; nullopt otherwise.
template <size_t N>
std::optional<std::array<int64_t, N>> extents(const std::string& text) {
  std::array<int64_t, N> out{};
  size_t at = 0;
  for (size_t k = 0; k < N; ++k) {
    const size_t end = k + 1 < N ? text.find(',', at) : text.size();
    if (end == std::string::npos) return std::nullopt;
    const auto [p, ec] = std::from_chars(text.data() + at, text.data() + end, out[k]);
    if (ec != std::errc() || p != text.data() + end || out[k] < 1) return std::nullopt;
    at = end + 1;
  }
  return out;
}

template <size_t N>
std::string extents_text(const std::array<int64_t, N>& e) {
  std::string s;
  for (size_t k = 0; k < N; ++k) s += (k ? "," : "") + std::to_string(e[k]);
  return s;
}

// Bits as a multiple of 1/256 (its shortest decimal is exact), or nullopt.
std::optional<int64_t> units(double bits) {
  const double scaled = bits * U;
  if (!std::isfinite(bits) || scaled != std::floor(scaled) || std::fabs(scaled) > 1e9) return std::nullopt;
  return static_cast<int64_t>(scaled);
}

// The parameters of a case (thresholds from its input); nullopt with the reason when malformed.
std::optional<DynBitsParams> params_of(const Params& p, std::string* why = nullptr) {
  DynBitsParams d;
  const auto shape = extents<3>(p.text("shape")), block = extents<3>(p.text("block"));
  const auto group = extents<2>(p.text("group"));
  auto fail = [&](std::string reason) -> std::optional<DynBitsParams> {
    if (why) *why = std::move(reason);
    return std::nullopt;
  };
  if (!shape) return fail("shape: expected C,H,W, three positive integers, got '" + p.text("shape") + "'");
  if (!block) return fail("block: expected C,H,W, three positive integers, got '" + p.text("block") + "'");
  if (!group) return fail("group: expected H,W, two positive integers, got '" + p.text("group") + "'");
  d.shape = *shape;
  d.block = *block;
  d.group = *group;
  d.high_bits = static_cast<int>(p.integer("high_bits"));
  d.low_bits = static_cast<int>(p.integer("low_bits"));
  const auto budget = units(p.real("budget")), min_bits = units(p.real("min_bits"));
  if (!budget) return fail("budget: expected a number of bits that is a multiple of 1/256 (e.g. 6, 5.5, 4.25)");
  if (!min_bits) return fail("min_bits: expected a number of bits that is a multiple of 1/256");
  d.budget_256 = *budget;
  d.min_bits_256 = *min_bits == 0 ? int64_t{d.low_bits} * U : *min_bits;  // 0: b_l, no floor
  d.stat = *parse_dynbits_stat(p.text("stat"));
  d.low_value = *parse_dynbits_low_value(p.text("low_value"));
  d.thresholds = {0.0f};  // checked with the case's thresholds
  return d;
}

DynBitsParams case_params(const OpCase& c) {
  DynBitsParams d = *params_of(c.params);
  d.thresholds.assign(c.inputs[1].floats.begin(), c.inputs[1].floats.end());
  return d;
}

// A case: the item's statistic and low value with these layout, widths, budgets (in 1/256 bits)
// and thresholds, on the map x.
OpCase make_case(const Params& item, std::array<int64_t, 3> shape, std::array<int64_t, 3> block, std::array<int64_t, 2> group, int high_bits,
                 int low_bits, int64_t budget_256, int64_t min_bits_256, const std::vector<float>& thresholds, const std::vector<int64_t>& x) {
  Params p = item;
  p.set("shape", extents_text(shape));
  p.set("block", extents_text(block));
  p.set("group", extents_text(group));
  p.set("high_bits", int64_t{high_bits});
  p.set("low_bits", int64_t{low_bits});
  p.set("budget", static_cast<double>(budget_256) / U);
  p.set("min_bits", static_cast<double>(min_bits_256) / U);
  return {nullptr, p, {Tensor::integer_list(x), Tensor::real_list(std::vector<double>(thresholds.begin(), thresholds.end()))}};
}

// `n` values of the signed `high_bits`-bit range: half small (|x| < 2^(b_h/2)), half anywhere.
std::vector<int64_t> random_map(size_t n, int high_bits, std::mt19937_64& rng) {
  const int64_t top = (int64_t{1} << (high_bits - 1)) - 1, small = int64_t{1} << (high_bits / 2);
  std::vector<int64_t> x(n);
  for (int64_t& v : x)
    v = rng() & 1 ? std::uniform_int_distribution<int64_t>(-small, small - 1)(rng) : std::uniform_int_distribution<int64_t>(-top - 1, top)(rng);
  return x;
}

// Boundary: §6.5's ragged 1×5×5 map in 1×4×4 blocks of 2×2 groups all low (τ = +inf, B_min = b_l),
// all high (τ = -inf, B* = b_h) and between; an all-zero map with τ = 0; §6.4's examples one per
// group, all low; thresholds on the statistics themselves (strict <), per block; budgets 1/256 off
// the integers, B_min = B*; the widths 16/1, 16/15, 2/1. random:N, N maps up to 4×12×12 in random
// blocks of whole groups (possibly larger than the map), random widths and budgets, one threshold
// for all blocks or one each (±inf among them).
std::vector<OpCase> cases(const Params& item, const InputSpec& inputs, uint64_t seed) {
  std::mt19937_64 rng(seed);
  constexpr float kInf = std::numeric_limits<float>::infinity();
  std::vector<OpCase> out;
  if (inputs.boundary) {
    const std::vector<int64_t> ragged = random_map(25, 8, rng);
    out.push_back(make_case(item, {1, 5, 5}, {1, 4, 4}, {2, 2}, 8, 4, 4 * U, 4 * U, {kInf}, ragged));
    out.push_back(make_case(item, {1, 5, 5}, {1, 4, 4}, {2, 2}, 8, 4, 8 * U, 4 * U, {-kInf}, ragged));
    out.push_back(make_case(item, {1, 5, 5}, {1, 4, 4}, {2, 2}, 8, 4, 6 * U, 5 * U, {8, -kInf, 40.5f, kInf}, ragged));
    out.push_back(make_case(item, {2, 4, 6}, {1, 2, 3}, {1, 1}, 8, 4, 6 * U, 4 * U, {0}, std::vector<int64_t>(48, 0)));
    const std::vector<int64_t> examples = {127, 24, 40, -8, -24, -128, 8, 7, -7, 15, -16, 0};
    out.push_back(make_case(item, {1, 1, 12}, {1, 1, 12}, {1, 1}, 8, 4, 4 * U, 4 * U, {kInf}, examples));
    const std::vector<int64_t> steps = {0,   1,   2,   3,   4,   5,   6,   7,  8,  9,  10, 11, 12, 13, 14, 15,
                                        -16, -15, -14, -13, -12, -11, -10, -9, -8, -7, -6, -5, -4, -3, -2, -1};
    for (float tau : {0.0f, 1.0f, 2.5f, 8.0f, 16.0f, 30.0f, 7.5f})
      out.push_back(make_case(item, {2, 4, 4}, {2, 4, 4}, {2, 2}, 8, 4, 6 * U, 4 * U, {tau}, steps));
    out.push_back(make_case(item, {2, 4, 4}, {1, 2, 4}, {1, 2}, 8, 4, 5 * U + 1, 4 * U + 1, {3, 8, -kInf, kInf}, steps));
    out.push_back(make_case(item, {2, 4, 4}, {2, 2, 2}, {1, 1}, 8, 4, 6 * U, 6 * U, {4.5f}, steps));
    out.push_back(make_case(item, {1, 6, 6}, {1, 4, 4}, {2, 2}, 16, 1, 9 * U, 3 * U, {1000}, random_map(36, 16, rng)));
    out.push_back(make_case(item, {1, 6, 6}, {1, 4, 4}, {2, 2}, 16, 15, 16 * U - 1, 15 * U, {kInf}, random_map(36, 16, rng)));
    out.push_back(make_case(item, {3, 3, 3}, {2, 2, 2}, {1, 1}, 2, 1, U + U / 2, U, {1}, random_map(27, 2, rng)));
  }
  for (uint32_t t = 0; t < inputs.random; ++t) {
    auto extent = [&](int64_t lo, int64_t hi) { return std::uniform_int_distribution<int64_t>(lo, hi)(rng); };
    const std::array<int64_t, 3> shape = {extent(1, 4), extent(1, 12), extent(1, 12)};
    const std::array<int64_t, 2> group = {extent(1, 3), extent(1, 3)};
    const std::array<int64_t, 3> block = {extent(1, 5), group[0] * extent(1, 4), group[1] * extent(1, 4)};
    const int high_bits = static_cast<int>(extent(2, 16)), low_bits = static_cast<int>(extent(1, high_bits - 1));
    const int64_t budget = extent(low_bits * U, high_bits * U), min_bits = extent(low_bits * U, budget);
    DynBitsParams layout;
    layout.shape = shape;
    layout.block = block;
    const size_t blocks = rng() & 1 ? 1 : static_cast<size_t>(layout.block_count());
    const int64_t top = int64_t{1} << (high_bits - 1);
    std::vector<float> thresholds(blocks);
    for (float& tau : thresholds) {
      const uint64_t kind = rng() % 8;
      tau = kind == 0 ? -kInf : kind == 1 ? kInf : static_cast<float>(extent(0, 2 * top)) / (kind == 2 ? 2.0f : 1.0f);
    }
    out.push_back(make_case(item, shape, block, group, high_bits, low_bits, budget, min_bits, thresholds,
                            random_map(static_cast<size_t>(shape[0] * shape[1] * shape[2]), high_bits, rng)));
  }
  return out;
}

void compare(const OpCase& c, std::span<const Tensor> got, std::span<const Tensor> want, CompareSink& sink) {
  // Every element (its low flag and y), then every block (its bits).
  const size_t n = c.inputs[0].size(), blocks = want[2].size();
  if (got[0].size() != n || got[1].size() != n || got[2].size() != blocks) {
    ++sink.checked;
    sink.mismatch(
        "the map of " + std::to_string(n) + " elements",
        std::to_string(got[0].size()) + " flags, " + std::to_string(got[1].size()) + " values, " + std::to_string(got[2].size()) + " block bits",
        std::to_string(n) + " flags and values, " + std::to_string(blocks) + " block bits");
    return;
  }
  const std::string map = c.params.text("shape") + " map";
  for (size_t i = 0; i < n; ++i) {
    ++sink.checked;
    if (got[0].ints[i] == want[0].ints[i] && got[1].ints[i] == want[1].ints[i]) continue;
    auto text = [&](std::span<const Tensor> o) { return "low " + std::to_string(o[0].ints[i]) + ", y " + std::to_string(o[1].ints[i]); };
    sink.mismatch(
        "x " + std::to_string(c.inputs[0].ints[i]) + " (element " + std::to_string(i) + " of the " + map + "; the repro runs the whole map)",
        text(got), text(want));
  }
  for (size_t b = 0; b < blocks; ++b) {
    ++sink.checked;
    if (got[2].ints[b] == want[2].ints[b]) continue;
    sink.mismatch("block " + std::to_string(b) + " of the " + map + " (its bits; the repro prints them)", "bits " + std::to_string(got[2].ints[b]),
                  "bits " + std::to_string(want[2].ints[b]));
  }
}

std::vector<Tensor> outputs(const std::vector<uint8_t>& low, const std::vector<int32_t>& y, const std::vector<int64_t>& bits) {
  return {Tensor::integer_list(std::vector<int64_t>(low.begin(), low.end())), Tensor::integer_list(std::vector<int64_t>(y.begin(), y.end())),
          Tensor::integer_list(bits)};
}

OpSchema make_schema() {
  OpSchema op;
  op.name = "dynbits";
  op.summary = "dynamic per-block bit width: integer feature map -> per-element low flags and values, per-block bits (spec/quantizers.md §6)";
  op.clause = "spec/quantizers.md §6";
  ParamSpec stat{"stat", ParamType::Choice, ParamScope::Item, "the group statistic: max, mean or sum of |x|", "spec/quantizers.md §6.2", "max"};
  stat.choices = [] { return std::vector<std::string>{"max", "mean", "sum"}; };
  stat.column = "rounding";
  stat.in_report = false;
  ParamSpec low_value{"low_value",
                      ParamType::Choice,
                      ParamScope::Item,
                      "how a low group drops d = b_h - b_l bits: truncate (x asr d << d) or rne",
                      "spec/quantizers.md §6.4",
                      "truncate"};
  low_value.choices = [] { return std::vector<std::string>{"truncate", "rne"}; };
  low_value.column = "overflow";
  low_value.in_report = false;
  low_value.aliases = ",--low-value";
  auto text = [](const char* name, const char* doc, const char* fallback) {
    return ParamSpec{name, ParamType::Text, ParamScope::Case, doc, "spec/quantizers.md §6.1", fallback};
  };
  ParamSpec shape = text("shape", "C,H,W of the feature map (row-major)", "1,1,1");
  ParamSpec block = text("block", "block extents C,H,W (the hardware's parallelism; edge blocks are cut)", "1,1,1");
  ParamSpec group = text("group", "group extents H,W (all channels of the block); they divide the block's H and W", "1,1");
  ParamSpec high_bits{"high_bits", ParamType::Int, ParamScope::Case, "the base bit width b_h", "spec/quantizers.md §6.1", "8"};
  high_bits.min = 2;
  high_bits.max = 16;
  high_bits.aliases = ",--high-bits";
  ParamSpec low_bits{"low_bits", ParamType::Int, ParamScope::Case, "the low bit width b_l, below b_h", "spec/quantizers.md §6.1", "4"};
  low_bits.min = 1;
  low_bits.max = 15;
  low_bits.aliases = ",--low-bits";
  ParamSpec budget{
      "budget", ParamType::Real, ParamScope::Case, "the target mean bits B* in [b_l, b_h], a multiple of 1/256", "spec/quantizers.md §6.3", "6"};
  ParamSpec min_bits{
      "min_bits", ParamType::Real, ParamScope::Case, "the floor B_min on the mean bits in [b_l, B*]; 0: b_l (no floor)", "spec/quantizers.md §6.3",
      "0"};
  min_bits.aliases = ",--min-bits";
  // Fuzzing: maps of at most 64 elements (a case's rows), blocks of whole groups or not (rejected),
  // budgets on and off the integers.
  shape.fuzz_values = {"1,1,1", "1,5,5", "2,4,4", "1,6,6", "3,3,3", "1,1,12", "2,4,6", "4,4,4"};
  block.fuzz_values = {"1,1,1", "1,4,4", "2,2,2", "1,2,4", "2,4,4", "1,2,3", "5,8,8"};
  group.fuzz_values = {"1,1", "2,2", "1,2", "2,1"};
  budget.fuzz_values = {"1.5", "2", "4", "4.00390625", "5", "6", "6.5", "8", "16"};
  min_bits.fuzz_values = {"0", "1", "4", "4.00390625", "5"};
  op.params = {stat, low_value, shape, block, group, high_bits, low_bits, budget, min_bits};
  op.fixed_columns = {{"format", "-"}, {"source", "-"}};
  op.report_fields = [](const Params& item) {
    return std::vector<std::pair<std::string, Value>>{
        {"format", std::string("int")}, {"variant", item.text("stat") + "-" + item.text("low_value")}, {"source", std::string("int")}};
  };
  op.inputs = {{"x", ElemType::Int, {}, "the C·H·W map, row-major, signed b_h-bit integers"},
               {"threshold", ElemType::Float32, {}, "τ: one for every block, or one per block in block order (±inf allowed)", false, false, true}};
  op.outputs = {{"low", ElemType::Int, {}, "1 where the element's group runs at b_l bits"},
                {"y", ElemType::Int, {}, "x, or its low-precision value at the b_h scale"},
                {"bits", ElemType::Int, {}, "each block's bits, Σ |g|·bits(g) over its groups, in block order"}};
  op.verification.kind = Verification::Kind::Exact;
  op.verification.text = "exact: low flags, y, block bits";
  op.params_error = [](const Params& p) -> std::optional<std::string> {
    std::string why;
    const auto d = params_of(p, &why);
    if (!d) return why;
    return dynbits_params_error(*d);
  };
  op.element_range = [](const Params& p, size_t input) -> std::optional<std::pair<int64_t, int64_t>> {
    if (input != 0) return std::nullopt;
    const int64_t top = (int64_t{1} << (p.integer("high_bits") - 1)) - 1;
    return std::pair<int64_t, int64_t>{-top - 1, top};
  };
  op.list_length = [](const Params& p, size_t input, size_t rows) -> size_t {
    const auto d = params_of(p);
    if (input == 0) return d ? static_cast<size_t>(d->element_count()) : rows;
    return 1;
  };
  op.inputs_error = [](const OpCase& c) -> std::optional<std::string> {
    const DynBitsParams d = case_params(c);
    if (static_cast<int64_t>(c.inputs[0].size()) != d.element_count())
      return "x needs C·H·W = " + std::to_string(d.element_count()) + " values, got " + std::to_string(c.inputs[0].size());
    if (auto e = dynbits_params_error(d)) return e;
    const int64_t top = (int64_t{1} << (d.high_bits - 1)) - 1;
    for (int64_t v : c.inputs[0].ints)
      if (v < -top - 1 || v > top) return "x " + std::to_string(v) + " is not a signed " + std::to_string(d.high_bits) + "-bit integer";
    return std::nullopt;
  };
  op.output_forms = [](const OpCase& c) {
    const size_t n = c.inputs[0].size();
    return list_forms(c, {n, n, static_cast<size_t>(case_params(c).block_count())});
  };
  op.cases = cases;
  op.cost = [](const Params&, const InputSpec& inputs) { return uint64_t{inputs.boundary ? 20u * 50u : 0u} + uint64_t{inputs.random} * 200; };
  op.compare = compare;
  op.bindings = {
      {"reference",
       [](const OpCase& c, std::vector<Tensor>& out, std::string& error) {
         const std::vector<int32_t> x(c.inputs[0].ints.begin(), c.inputs[0].ints.end());
         const ref::DynBitsOutcome r = ref::dynbits(case_params(c), x);
         if (!r.ok) {
           error = "reference dynbits: " + r.error;
           return OpStatus::Error;
         }
         out = outputs(r.low, r.y, r.block_bits);
         return OpStatus::Ok;
       }},
      {"fast",
       [](const OpCase& c, std::vector<Tensor>& out, std::string& error) {
         const DynBitsParams d = case_params(c);
         const std::vector<int32_t> x(c.inputs[0].ints.begin(), c.inputs[0].ints.end());
         std::vector<int32_t> y(x.size());
         std::vector<uint8_t> low(x.size());
         std::vector<int64_t> bits(static_cast<size_t>(d.block_count()));
         if (auto e = fast::dynbits(d, x, y, low, bits)) {
           error = "fast dynbits: element " + std::to_string(e->index) + ": " + e->message;
           return OpStatus::Error;
         }
         out = outputs(low, y, bits);
         return OpStatus::Ok;
       }},
  };
  return op;
}

}  // namespace

const OpSchema& dynbits_op() {
  static const OpSchema op = make_schema();
  return op;
}

}  // namespace lpc::ops
