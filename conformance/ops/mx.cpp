// The OCP MX ops (spec/quantizers.md §4). An MX vector is one E8M0 scale code per block of `block`
// elements and one element code per element.
//   mx: float32 x -> the MX vector under a scale rule and an element rounding (§4.2-4.4); checked
//   exactly, element codes free in a block whose scale is NaN.
//   mx-dequantize: X·P of every element, exactly (§4.5); checked exactly, NaN as a class.
//   mx-dot: the dot product of two MX vectors in the declared float32 order (§4.6); checked on its
//   bits, and within the §4.6 bound of the exact dot product where the bound applies.
#include <algorithm>
#include <bit>
#include <cmath>
#include <limits>
#include <random>

#include "conformance/core/case.hpp"
#include "conformance/ops/derive.hpp"
#include "conformance/quantizers/cases.hpp"
#include "impls/fast/quantizers/mx.hpp"
#include "reference/formats/codec.hpp"
#include "reference/quantizers/mx.hpp"

namespace lpc::ops {

namespace {

const Format& element_of(const Params& p) { return format_by_name(p.text("element")); }
size_t block_of(const Params& p) { return static_cast<size_t>(p.integer("block")); }
size_t blocks(size_t n, size_t k) { return (n + k - 1) / k; }

std::vector<uint8_t> codes(const Tensor& t) { return std::vector<uint8_t>(t.ints.begin(), t.ints.end()); }

std::string code_text(const Format& f, int64_t code) { return code_hex(f, static_cast<uint32_t>(code)); }

// The element and block parameters both ops take.
std::vector<ParamSpec> params() {
  ParamSpec element{"element", ParamType::Choice, ParamScope::Item, "the element format", "spec/quantizers.md §4.1", "float8_e4m3fn"};
  element.choices = [] { return std::vector<std::string>(std::begin(kMxElementFormats), std::end(kMxElementFormats)); };
  element.column = "format";
  element.aliases = ",--elem";
  ParamSpec block{"block", ParamType::Int, ParamScope::Item, "elements per shared scale (OCP MX v1.0: 32)", "spec/quantizers.md §4.1, §4.7", "32"};
  block.min = 1;
  block.max = 65536;
  block.signature_join = "-k";
  block.fuzz_min = 1;
  block.fuzz_max = 40;
  return {element, block};
}

// Element codes in [0, code count), scale codes in [0, 255].
std::optional<std::pair<int64_t, int64_t>> code_range(const Params& p, bool scale) {
  return std::pair<int64_t, int64_t>{0, scale ? 0xff : static_cast<int64_t>(element_of(p).code_count()) - 1};
}

// The first rule the MX vectors (scale, elem) at inputs `at`, `at + 1` break: a scale per block,
// codes inside their formats.
std::optional<std::string> vector_error(const OpCase& c, size_t at, size_t n) {
  const Tensor &scale = c.inputs[at], &elem = c.inputs[at + 1];
  const std::string &scale_name = c.op->inputs[at].name, &elem_name = c.op->inputs[at + 1].name;
  if (elem.size() != n)
    return elem_name + " has " + std::to_string(elem.size()) + " elements, expected " + std::to_string(n) + " as the other vector";
  const size_t k = block_of(c.params);
  if (scale.size() != blocks(n, k))
    return scale_name + " needs one E8M0 code per block of " + std::to_string(k) + " elements: " + std::to_string(blocks(n, k)) + " for " +
           std::to_string(n) + ", got " + std::to_string(scale.size());
  for (int64_t s : scale.ints)
    if (s < 0 || s > 0xff) return scale_name + " code " + std::to_string(s) + " is not an E8M0 code (0x00 .. 0xff)";
  const Format& f = element_of(c.params);
  for (int64_t e : elem.ints)
    if (e < 0 || e >= static_cast<int64_t>(f.code_count())) return elem_name + " code " + std::to_string(e) + " is not a code of " + f.name;
  return std::nullopt;
}

// The codes of an MX element format by role, found by decoding every code (reference codec).
struct ElementCodes {
  std::vector<uint8_t> finite, special;                                          // finite codes ascending by value; NaN and ±inf codes
  uint8_t zero = 0, negative_zero = 0, max = 0, negative_max = 0, smallest = 0;  // smallest: least positive
  bool has_negative_zero = false;
};

ElementCodes element_codes(const Format& element) {
  ElementCodes r;
  std::vector<std::pair<double, uint8_t>> finite;
  for (uint32_t code = 0; code < element.code_count(); ++code) {
    const ref::ExactValue v = ref::decode(element, code);
    const uint8_t c = static_cast<uint8_t>(code);
    if (!v.is_finite()) {
      r.special.push_back(c);
      continue;
    }
    if (v.is_zero() && v.negative) {
      r.negative_zero = c;
      r.has_negative_zero = true;
    }
    finite.emplace_back(v.to_double(), c);
  }
  std::sort(finite.begin(), finite.end());
  for (const auto& [value, code] : finite) {
    r.finite.push_back(code);
    if (value == 0 && !(r.has_negative_zero && code == r.negative_zero)) r.zero = code;
  }
  r.negative_max = finite.front().second;
  r.max = finite.back().second;
  r.smallest = std::upper_bound(finite.begin(), finite.end(), std::make_pair(0.0, uint8_t{255}))->second;
  return r;
}

// One MX vector as codes: scale code per block, element code per element.
struct CodeVector {
  std::vector<int64_t> scales, codes;
};

uint8_t pick(const std::vector<uint8_t>& codes, std::mt19937_64& rng) { return codes[rng() % codes.size()]; }

// `n` elements in blocks of k, scale codes from `scale_of(block)`, element codes from `code_of(i)`.
template <class ScaleOf, class CodeOf>
CodeVector mx_vector(size_t n, size_t k, ScaleOf scale_of, CodeOf code_of) {
  CodeVector v;
  for (size_t i = 0; i < n; ++i) {
    if (i % k == 0) v.scales.push_back(scale_of(i / k));
    v.codes.push_back(code_of(i));
  }
  return v;
}

Tensor list(std::vector<int64_t> v) { return Tensor::integer_list(std::move(v)); }

// ---- mx (§4.2-4.4) ------------------------------------------------------------------------------

// The block-max binades the boundary blocks visit: both E8M0 clamps (§4.2), float32 subnormals
// (§4.3 tiny maxima), ordinary binades and the top of float32.
constexpr int kBinades[] = {-149, -140, -133, -128, -127, -126, -120, -100, -64, -10, -1, 0, 1, 10, 64, 100, 120, 126, 127};
// The binades whose boundary blocks sweep every element decision point of the grid.
constexpr int kGridBinades[] = {-126, 0, 120};

// The non-negative finite values of an MX element format, ascending (MXINT8: code · 2^-6, §4.1).
std::vector<double> element_grid(const Format& element) {
  std::vector<double> grid;
  for (uint32_t code = 0; code < element.code_count(); ++code) {
    const ref::ExactValue v = ref::decode(element, code);
    if (!v.is_finite()) continue;
    const double d = v.to_double() * (element.is_integer() ? std::ldexp(1.0, -kMxInt8FractionBits) : 1.0);
    if (d >= 0) grid.push_back(d);
  }
  std::sort(grid.begin(), grid.end());
  grid.erase(std::unique(grid.begin(), grid.end()), grid.end());
  return grid;
}

// The element decision points of §4.4 at unit scale: every grid value and every midpoint between
// neighbours (the ties of the nearest roundings; the directed roundings decide on grid values).
std::vector<double> element_points(const std::vector<double>& grid) {
  std::vector<double> points(grid);
  for (size_t i = 0; i + 1 < grid.size(); ++i) points.push_back((grid[i] + grid[i + 1]) / 2);
  return points;
}

uint64_t bits(float f) { return std::bit_cast<uint32_t>(f); }

// Appends one block of `block` elements: `head` first, then the rest drawn from `fill` in order
// starting at *next (cycling), each with a random sign, skipping values above |head| so that head
// stays the block maximum.
void add_block(std::vector<uint64_t>& out, int block, float head, const std::vector<float>& fill, size_t& next, std::mt19937_64& rng) {
  out.push_back(bits(head));
  for (int i = 1, tries = 0; i < block && tries < 4 * block && !fill.empty(); ++tries) {
    const float v = fill[next++ % fill.size()];
    if (std::fabs(v) > std::fabs(head)) continue;
    out.push_back(bits(quantizer_cases::random_sign(rng, v)));
    ++i;
  }
  while (out.size() % block) out.push_back(bits(0.0f));
}

// Boundary, one case: 1. scale decisions (§4.2): block maxima at 2^E (ocp's floor),
// max_elem·2^(E-emax) (ceil's and tosa's power-of-two quotient) and (max_elem + ulp/2)·2^(E-emax)
// (nosat's rounding of the max past max_elem), each with its float32 neighbours 1 ulp away, over
// binades from the float32 subnormals past both E8M0 clamps to 2^127, the rest of each block drawn
// from the element points at that scale; 2. every element decision point (§4.4) at three scales;
// 3. all-zero, subnormal, largest-float, ±inf and NaN blocks; 4. a ragged last block. random:N,
// one case of N elements in blocks around random binades, one block in sixteen holding a zero, an
// infinity or a NaN.
std::vector<OpCase> quantize_cases(const Params& item, const InputSpec& inputs, uint64_t seed) {
  std::mt19937_64 rng(seed);
  const int k = static_cast<int>(block_of(item));
  const std::vector<double> grid = element_grid(element_of(item));
  const double max_elem = grid.back(), top_ulp = grid.back() - grid[grid.size() - 2];
  const int emax = std::ilogb(max_elem);
  const std::vector<double> points = element_points(grid);
  // Element points at scale 2^e and at twice it (every rule picks floor(log2 amax) - emax_elem or
  // one more, §4.2), with their float32 neighbours.
  auto scaled_points = [&](int e) {
    std::vector<uint64_t> raw;
    for (double pt : points)
      for (int twice = 0; twice < 2; ++twice) {
        const float v = static_cast<float>(std::ldexp(pt, e + twice));
        if (std::isfinite(v)) quantizer_cases::add_with_neighbours(raw, v, 1);
      }
    std::vector<float> out;
    for (uint64_t r : raw) out.push_back(std::bit_cast<float>(static_cast<uint32_t>(r)));
    std::shuffle(out.begin(), out.end(), rng);
    return out;
  };
  std::vector<OpCase> cases;
  auto add_case = [&](const std::vector<uint64_t>& x) {
    std::vector<double> values;
    for (uint64_t b : x) values.push_back(std::bit_cast<float>(static_cast<uint32_t>(b)));
    cases.push_back({nullptr, item, {Tensor::real_list(std::move(values))}});
  };
  if (inputs.boundary) {
    std::vector<uint64_t> x;
    for (int binade : kBinades) {
      const std::vector<float> fill = scaled_points(binade - emax);
      size_t next = 0;
      for (double head : {std::ldexp(1.0, binade), std::ldexp(max_elem, binade - emax), std::ldexp(max_elem + top_ulp / 2, binade - emax)}) {
        const float h = static_cast<float>(head);
        if (!std::isfinite(h) || h == 0) continue;
        std::vector<uint64_t> around;
        quantizer_cases::add_with_neighbours(around, h, 1);
        for (uint64_t a : around) add_block(x, k, quantizer_cases::random_sign(rng, std::bit_cast<float>(static_cast<uint32_t>(a))), fill, next, rng);
      }
    }
    for (int binade : kGridBinades) {
      const std::vector<float> fill = scaled_points(binade - emax);
      const float head = static_cast<float>(std::ldexp(max_elem, binade - emax));
      for (size_t next = 0; next < fill.size();) add_block(x, k, head, fill, next, rng);
    }
    constexpr float kInf = std::numeric_limits<float>::infinity();
    const float nan = std::numeric_limits<float>::quiet_NaN(), tiny = std::numeric_limits<float>::denorm_min();
    const std::vector<std::vector<float>> specials = {{0.0f},
                                                      {-0.0f, 0.0f, -0.0f},
                                                      {tiny, -tiny, 2 * tiny, 3 * tiny, std::numeric_limits<float>::min()},
                                                      {std::numeric_limits<float>::max(), -1.0f, 0x1p100f},
                                                      {kInf, 1.0f, -2.0f},
                                                      {1.0f, -kInf},
                                                      {0.5f, nan, 3.0f},
                                                      {-nan}};
    for (const auto& block : specials) {
      for (float v : block) x.push_back(bits(v));
      while (x.size() % k) x.push_back(bits(x.size() % 2 ? -0.0f : 0.0f));
    }
    for (float v : {1.0f, 6.5f, -7.0f, 0.25f, -0.0f, 448.0f, 100.0f}) x.push_back(bits(v));
    add_case(x);
  }
  if (inputs.random) {
    std::vector<uint64_t> x;
    constexpr float kSpecials[] = {0.0f, -0.0f, std::numeric_limits<float>::infinity(), std::numeric_limits<float>::quiet_NaN()};
    while (x.size() < inputs.random) {
      const int centre = std::uniform_int_distribution<int>(-140, 127)(rng);
      const int spread = std::uniform_int_distribution<int>(0, 12)(rng);
      const size_t special_at = rng() % (16 * static_cast<size_t>(k));
      for (int i = 0; i < k && x.size() < inputs.random; ++i) {
        float v = quantizer_cases::random_sign(rng, quantizer_cases::random_float(rng, std::max(centre - spread, -149), centre));
        if (static_cast<size_t>(i) == special_at) v = kSpecials[rng() % 4];
        x.push_back(bits(v));
      }
    }
    add_case(x);
  }
  return cases;
}

MxParams mx_params_of(const Params& p) {
  return MxParams{&element_of(p), static_cast<int>(block_of(p)), *parse_mx_scale_rule(p.text("scale_rule")), *parse_rounding(p.text("rounding"))};
}

// The element's whole block: its scale decides the element's code.
OpCase quantize_block(const OpCase& c, size_t i) {
  const size_t k = block_of(c.params), begin = i / k * k, end = std::min(begin + k, c.inputs[0].size());
  std::vector<double> x(c.inputs[0].floats.begin() + static_cast<ptrdiff_t>(begin), c.inputs[0].floats.begin() + static_cast<ptrdiff_t>(end));
  return {c.op, c.params, {Tensor::real_list(std::move(x))}};
}

void quantize_compare(const OpCase& c, std::span<const Tensor> got, std::span<const Tensor> want, CompareSink& sink) {
  // Element codes of a block whose scale is NaN are unspecified (§4.4): only the scale counts.
  const size_t n = c.inputs[0].size(), k = block_of(c.params);
  if (got[0].size() != blocks(n, k) || got[1].size() != n) {
    ++sink.checked;
    sink.mismatch("the tensor of " + std::to_string(n) + " elements",
                  std::to_string(got[0].size()) + " scales, " + std::to_string(got[1].size()) + " codes",
                  "one scale per block, one code per element");
    return;
  }
  static const Format& e8m0 = format_by_name("float8_e8m0fnu");
  const Format& element = element_of(c.params);
  auto codes = [&](int64_t scale, int64_t elem) { return "scale " + code_text(e8m0, scale) + ", element " + code_text(element, elem); };
  for (size_t i = 0; i < n; ++i) {
    ++sink.checked;
    const int64_t want_scale = want[0].ints[i / k], got_scale = got[0].ints[i / k];
    if (got_scale == want_scale && (want_scale == kMxScaleNan || got[1].ints[i] == want[1].ints[i])) continue;
    sink.mismatch("x " + float32_text(c.inputs[0].floats[i]) + " (element " + std::to_string(i % k) + " of block " + std::to_string(i / k) +
                      "; the repro runs its block)",
                  codes(got_scale, got[1].ints[i]), want_scale == kMxScaleNan ? "scale 0xff (NaN), any element" : codes(want_scale, want[1].ints[i]),
                  sink.first.size() < sink.max_recorded ? quantize_block(c, i) : OpCase{});
  }
}

std::vector<Tensor> quantized(const std::vector<uint8_t>& scales, const std::vector<uint8_t>& codes) {
  return {list(std::vector<int64_t>(scales.begin(), scales.end())), list(std::vector<int64_t>(codes.begin(), codes.end()))};
}

OpSchema make_quantize() {
  OpSchema op;
  op.name = "mx";
  op.summary = "OCP MX block quantization: float32 -> E8M0 scale codes (one per block) and element codes (spec/quantizers.md §4.2-4.4)";
  op.clause = "spec/quantizers.md §4.2-4.4";
  op.params = params();
  ParamSpec rule{
      "scale_rule", ParamType::Choice, ParamScope::Item, "how a block's maximum picks its scale: ocp, tosa, ceil, nosat", "spec/quantizers.md §4.2",
      "ocp"};
  rule.choices = [] { return std::vector<std::string>{"ocp", "tosa", "ceil", "nosat"}; };
  rule.column = "overflow";
  rule.report_as = "scale_rule";
  rule.aliases = ",--scale-rule";
  ParamSpec rounding{"rounding", ParamType::Choice, ParamScope::Item, "the element rounding (deterministic)", "spec/quantizers.md §4.4", "rne"};
  rounding.choices = [] {
    std::vector<std::string> names;
    for (Rounding r : kDeterministicRoundings) names.emplace_back(to_string(r));
    return names;
  };
  rounding.column = "rounding";
  op.params.insert(op.params.begin() + 1, {rule, rounding});
  op.fixed_columns = {{"source", "float32"}};
  op.inputs = {{"x", ElemType::Float32, {}, "the tensor, float32 (NaN and ±inf included), in blocks of `block`"}};
  op.outputs = {{"scale", ElemType::Code, {}, "each block's E8M0 scale code (0xff: NaN)"},
                {"elem", ElemType::Code, {}, "each element's code (any code in a block whose scale is NaN)"}};
  op.verification.kind = Verification::Kind::Exact;
  op.verification.text = "exact: scale and element codes (element codes free where the scale is NaN)";
  op.params_error = [](const Params& p) { return mx_params_error(mx_params_of(p)); };
  op.output_forms = [](const OpCase& c) {
    const size_t n = c.inputs[0].size();
    return list_forms(c, {blocks(n, block_of(c.params)), n});
  };
  op.cases = quantize_cases;
  op.cost = [](const Params&, const InputSpec& inputs) { return uint64_t{inputs.boundary ? 12000u : 0u} + uint64_t{inputs.random}; };
  op.compare = quantize_compare;
  op.bindings = {
      {"reference",
       [](const OpCase& c, std::vector<Tensor>& out, std::string&) {
         const std::vector<float> x(c.inputs[0].floats.begin(), c.inputs[0].floats.end());
         std::vector<uint8_t> scales(blocks(x.size(), block_of(c.params))), codes(x.size());
         ref::mx_quantize(mx_params_of(c.params), x, scales, codes);
         out = quantized(scales, codes);
         return OpStatus::Ok;
       }},
      {"fast",
       [](const OpCase& c, std::vector<Tensor>& out, std::string&) {
         const std::vector<float> x(c.inputs[0].floats.begin(), c.inputs[0].floats.end());
         std::vector<uint8_t> scales(blocks(x.size(), block_of(c.params))), codes(x.size());
         fast::MxQuantizer(mx_params_of(c.params)).quantize(x, scales, codes);
         out = quantized(scales, codes);
         return OpStatus::Ok;
       }},
  };
  return op;
}

// ---- mx-dequantize (§4.5) -----------------------------------------------------------------------

// Boundary: every element code (zeros, subnormals, the max, NaN and ±inf codes) under every E8M0
// scale code, 0xFF (NaN) included, in whole blocks per scale; then a ragged last block of seven
// under scale 0x7f. random:N, N random codes in blocks under random scales (the length need not be
// a multiple of the block).
std::vector<OpCase> dequantize_cases(const Params& item, const InputSpec& inputs, uint64_t seed) {
  std::mt19937_64 rng(seed);
  const size_t k = block_of(item), count = element_of(item).code_count();
  std::vector<OpCase> cases;
  if (inputs.boundary) {
    CodeVector v;
    const size_t per_scale = blocks(count, k) * k;
    for (int64_t scale = 0; scale <= 0xff; ++scale)
      for (size_t i = 0; i < per_scale; ++i) {
        if (i % k == 0) v.scales.push_back(scale);
        v.codes.push_back(static_cast<int64_t>(i % count));
      }
    for (size_t code : {size_t{0}, size_t{1}, size_t{2}, count - 1, count / 2, size_t{3}, count / 2 - 1})
      v.codes.push_back(static_cast<int64_t>(code));
    v.scales.resize(blocks(v.codes.size(), k), 0x7f);
    cases.push_back({nullptr, item, {list(std::move(v.scales)), list(std::move(v.codes))}});
  }
  if (inputs.random) {
    CodeVector v;
    for (uint32_t i = 0; i < inputs.random; ++i) {
      if (i % k == 0) v.scales.push_back(static_cast<int64_t>(rng() & 0xff));
      v.codes.push_back(static_cast<int64_t>(rng() % count));
    }
    cases.push_back({nullptr, item, {list(std::move(v.scales)), list(std::move(v.codes))}});
  }
  return cases;
}

// The element i alone, under its block's scale.
OpCase dequantize_element(const OpCase& c, size_t i) {
  return {c.op, c.params, {list({c.inputs[0].ints[i / block_of(c.params)]}), list({c.inputs[1].ints[i]})}};
}

void dequantize_compare(const OpCase& c, std::span<const Tensor> got, std::span<const Tensor> want, CompareSink& sink) {
  // §4.5: X·P exactly, so the bits (zeros keep their sign); NaN as a class.
  if (!same_size(c, 0, got, want, sink)) return;
  static const Format& e8m0 = format_by_name("float8_e8m0fnu");
  const size_t k = block_of(c.params);
  for (size_t i = 0; i < want[0].size(); ++i) {
    ++sink.checked;
    if (same_element(got[0], i, want[0], i)) continue;
    sink.mismatch("scale " + code_text(e8m0, c.inputs[0].ints[i / k]) + ", element " + code_text(element_of(c.params), c.inputs[1].ints[i]) +
                      " (element " + std::to_string(i % k) + " of block " + std::to_string(i / k) +
                      "; the repro runs it alone under its block's scale)",
                  element_text(got[0], i), element_text(want[0], i), sink.first.size() < sink.max_recorded ? dequantize_element(c, i) : OpCase{});
  }
}

OpSchema make_dequantize() {
  OpSchema op;
  op.name = "mx-dequantize";
  op.summary = "MX dequantization: E8M0 scale codes (one per block) and element codes -> X·P exactly (spec/quantizers.md §4.5)";
  op.clause = "spec/quantizers.md §4.5";
  op.params = params();
  op.fixed_columns = {{"rounding", "-"}, {"overflow", "-"}, {"source", "-"}};
  op.report_fields = [](const Params&) { return std::vector<std::pair<std::string, Value>>{{"source", std::string("codes")}}; };
  op.inputs = {{"scale", ElemType::Code, {}, "the E8M0 scale code X of each block, in block order"},
               {"elem", ElemType::Code, {}, "the element code P of each element (element i in block i / block)"}};
  op.outputs = {{"value", ElemType::Real, {}, "X·P of each element, exactly; NaN for a NaN scale or element"}};
  op.verification.kind = Verification::Kind::Exact;
  op.verification.text = "exact: value (NaN as a class)";
  op.element_range = [](const Params& p, size_t input) { return code_range(p, input == 0); };
  op.list_length = [](const Params& p, size_t input, size_t rows) { return input == 0 ? blocks(rows, block_of(p)) : rows; };
  op.inputs_error = [](const OpCase& c) { return vector_error(c, 0, c.inputs[1].size()); };
  op.cases = dequantize_cases;
  op.cost = [](const Params& item, const InputSpec& inputs) {
    return (inputs.boundary ? 256 * uint64_t{element_of(item).code_count()} : 0) + uint64_t{inputs.random};
  };
  op.compare = dequantize_compare;
  op.bindings = {
      {"reference",
       [](const OpCase& c, std::vector<Tensor>& out, std::string&) {
         const Format& f = element_of(c.params);
         const size_t k = block_of(c.params);
         std::vector<double> values(c.inputs[1].size());
         for (size_t i = 0; i < values.size(); ++i)
           values[i] = ref::mx_value(f, static_cast<uint8_t>(c.inputs[0].ints[i / k]), static_cast<uint8_t>(c.inputs[1].ints[i])).to_double();
         out = {Tensor::real_list(std::move(values))};
         return OpStatus::Ok;
       }},
      {"fast",
       [](const OpCase& c, std::vector<Tensor>& out, std::string&) {
         std::vector<double> values(c.inputs[1].size());
         fast::mx_dequantize(element_of(c.params), static_cast<int>(block_of(c.params)), codes(c.inputs[0]), codes(c.inputs[1]), values);
         out = {Tensor::real_list(std::move(values))};
         return OpStatus::Ok;
       }},
  };
  return op;
}

// ---- mx-dot (§4.6) ------------------------------------------------------------------------------

// Scale-code pairs around the §4.6 limits of fl32(X_A·X_B): e_A + e_B = -150, -149, -148 (0, the
// least subnormal, twice it), 127 and 128 (the top, +inf), both E8M0 ends and NaN.
constexpr std::pair<uint8_t, uint8_t> kScalePairs[] = {{0x00, 0x68}, {0x00, 0x69}, {0x00, 0x6a}, {0x7f, 0x7f}, {0xfe, 0x7f},
                                                       {0xfe, 0x80}, {0x00, 0x00}, {0xfe, 0xfe}, {0x01, 0xfe}, {0x70, 0x90},
                                                       {0xff, 0x7f}, {0x7f, 0xff}, {0x60, 0x7f}};

// One case per vector pair. Boundary: the scale products' limits on a block of every finite code
// against the reversed order and on max × max; zeros (signed, against the max, 0 · inf); max
// magnitudes that cancel and a sum that overflows float32; least-subnormal elements; large-then-tiny
// sums whose order matters and blocks of very different scales; a NaN scale; NaN and ±inf element
// codes against the max, zero and each other; ragged last blocks. random:N, N pairs of 1..4.5
// blocks with scales near a random base (one in sixteen near an E8M0 end), one in sixteen holding
// NaN or ±inf codes and NaN scales.
std::vector<OpCase> dot_cases(const Params& item, const InputSpec& inputs, uint64_t seed) {
  std::mt19937_64 rng(seed);
  const size_t k = block_of(item);
  const ElementCodes e = element_codes(element_of(item));
  std::vector<OpCase> cases;
  auto add = [&](const CodeVector& a, const CodeVector& b) {
    cases.push_back({nullptr, item, {list(a.scales), list(a.codes), list(b.scales), list(b.codes)}});
  };
  auto constant = [&](size_t n, uint8_t scale, uint8_t code) {
    return mx_vector(
        n, k, [&](size_t) { return scale; }, [&](size_t) { return code; });
  };
  auto random_finite = [&](size_t n, uint8_t scale) {
    return mx_vector(
        n, k, [&](size_t) { return scale; }, [&](size_t) { return pick(e.finite, rng); });
  };
  if (inputs.boundary) {
    // 1. The scale product's limits (§4.6) on one block of every finite code against the reversed
    //    order, and on max × max.
    for (const auto& scale_pair : kScalePairs) {
      const uint8_t sa = scale_pair.first, sb = scale_pair.second;  // clang 14 cannot capture a structured binding
      const size_t n = e.finite.size();
      add(mx_vector(
              k, k, [&](size_t) { return sa; }, [&](size_t i) { return e.finite[i % n]; }),
          mx_vector(
              k, k, [&](size_t) { return sb; }, [&](size_t i) { return e.finite[n - 1 - i % n]; }));
      add(constant(k, sa, e.max), constant(k, sb, e.max));
    }
    // 2. Zeros: all-zero blocks (signed zeros: -0 · +0 products, +0 start), zero against the max.
    add(constant(k, 0x7f, e.zero), constant(k, 0x7f, e.zero));
    if (e.has_negative_zero) add(constant(k, 0x7f, e.negative_zero), constant(k, 0x7f, e.max));
    add(constant(k, 0x00, e.zero), constant(k, 0xfe, e.max));
    add(constant(k, 0xfe, e.zero), constant(k, 0xfe, e.max));  // 0 · fl32(X_A·X_B) = 0 · inf: NaN
    // 3. Max magnitude: cancellation max·max - max·max, and a sum that overflows float32.
    add(mx_vector(
            2 * k, k, [](size_t) { return uint8_t{0x7f}; }, [&](size_t i) { return i % 2 ? e.negative_max : e.max; }),
        constant(2 * k, 0x7f, e.max));
    add(constant(4 * k, 0xf8, e.max), constant(4 * k, 0xf8, e.max));
    // 4. Subnormal (least positive) elements at the smallest and the unit scale.
    for (uint8_t s : {uint8_t{0x00}, uint8_t{0x7f}, uint8_t{0x90}}) add(constant(k, s, e.smallest), constant(k, 0x7f, e.smallest));
    // 5. Order: one large product then many tiny ones (each lost to rounding in the declared order,
    //    kept by the exact sum), and the reverse; block results of very different scales.
    add(mx_vector(
            k, k, [](size_t) { return uint8_t{0x7f}; }, [&](size_t i) { return i == 0 ? e.max : e.smallest; }),
        mx_vector(
            k, k, [](size_t) { return uint8_t{0x7f}; }, [&](size_t i) { return i == 0 ? e.max : e.max; }));
    add(mx_vector(
            k, k, [](size_t) { return uint8_t{0x7f}; }, [&](size_t i) { return i + 1 == k ? e.max : e.smallest; }),
        constant(k, 0x7f, e.max));
    add(mx_vector(
            3 * k, k, [](size_t b) { return static_cast<uint8_t>(0x7f + 30 - 30 * static_cast<int>(b)); },
            [&](size_t) { return pick(e.finite, rng); }),
        mx_vector(
            3 * k, k, [](size_t b) { return static_cast<uint8_t>(0x7f - 10 * static_cast<int>(b)); }, [&](size_t) { return pick(e.finite, rng); }));
    // 6. NaN scale in one block of two; NaN and ±inf element codes (where the format has them)
    //    against the max, zero and each other (inf·0 and inf - inf are NaN).
    add(mx_vector(
            2 * k, k, [](size_t b) { return b ? kMxScaleNan : uint8_t{0x7f}; }, [&](size_t) { return e.max; }),
        constant(2 * k, 0x7f, e.max));
    for (uint8_t special : e.special)
      for (uint8_t other : {e.max, e.zero, e.negative_max}) {
        add(mx_vector(
                k, k, [](size_t) { return uint8_t{0x7f}; }, [&](size_t i) { return i == 3 ? special : e.max; }),
            constant(k, 0x7f, other));
        for (uint8_t special_b : e.special)
          add(mx_vector(
                  k, k, [](size_t) { return uint8_t{0x7f}; }, [&](size_t i) { return i == 3 ? special : e.zero; }),
              mx_vector(
                  k, k, [](size_t) { return uint8_t{0x7f}; }, [&](size_t i) { return i == 3 ? special_b : other; }));
      }
    // 7. Ragged last block: 3 blocks and 7 elements, and a vector shorter than one block.
    add(random_finite(3 * k + 7, 0x7f), random_finite(3 * k + 7, 0x80));
    add(random_finite(5, 0x7e), random_finite(5, 0x81));
  }
  for (uint32_t t = 0; t < inputs.random; ++t) {
    // 8. Random vectors of 1..4.5 blocks; scales near a random base (one in sixteen near an E8M0
    //    end); one vector in sixteen may hold NaN or ±inf codes and a NaN scale.
    const size_t n = std::uniform_int_distribution<size_t>(1, 4 * k + k / 2)(rng);
    const int base = t % 16 == 1   ? static_cast<int>(rng() % 16)
                     : t % 16 == 2 ? 0xee + static_cast<int>(rng() % 16)
                                   : 0x60 + static_cast<int>(rng() % 64);
    const bool specials = t % 16 == 3;
    auto vector = [&] {
      return mx_vector(
          n, k,
          [&](size_t) {
            if (specials && rng() % 8 == 0) return kMxScaleNan;
            return static_cast<uint8_t>(std::clamp(base + static_cast<int>(rng() % 17) - 8, 0, 0xfe));
          },
          [&](size_t) { return specials && !e.special.empty() && rng() % 32 == 0 ? pick(e.special, rng) : pick(e.finite, rng); });
    };
    const CodeVector a = vector(), b = vector();
    add(a, b);
  }
  return cases;
}

void dot_compare(const OpCase& c, std::span<const Tensor> got, std::span<const Tensor> want, CompareSink& sink) {
  // §4.6: the declared order's float32 bits (any NaN for NaN) and, where the bound applies (a
  // finite result, every fl32(X_A·X_B) at least 2^-149 — a finite result means no step
  // overflowed), within γ_m·Σ|X_A X_B P_A P_B| + 2B·2^-149 of the exact dot product.
  ++sink.checked;
  const std::string input = "two MX vectors of " + std::to_string(c.inputs[1].size()) + " elements (" + c.params.text("element") + ", block " +
                            std::to_string(block_of(c.params)) + ")";
  if (got[0].size() != 1) {
    sink.mismatch(input, std::to_string(got[0].size()) + " values", "one float32");
    return;
  }
  const float g = static_cast<float>(got[0].floats[0]), w = static_cast<float>(want[0].floats[0]);
  bool ok = std::bit_cast<uint32_t>(g) == std::bit_cast<uint32_t>(w) || (std::isnan(g) && std::isnan(w));
  const std::vector<uint8_t> sa = codes(c.inputs[0]), ea = codes(c.inputs[1]), sb = codes(c.inputs[2]), eb = codes(c.inputs[3]);
  const int k = static_cast<int>(block_of(c.params));
  const ref::MxVector va{&element_of(c.params), k, sa, ea}, vb{&element_of(c.params), k, sb, eb};
  bool bound_applies = std::isfinite(w);
  for (size_t b = 0; b < sa.size(); ++b)
    bound_applies = bound_applies && sa[b] != kMxScaleNan && sb[b] != kMxScaleNan && int{sa[b]} + int{sb[b]} - 2 * kMxScaleBias >= -149;
  const ref::MxDotCheck bound = ref::mx_dot_check(va, vb, g);
  if (bound_applies && bound.applicable) ok = ok && bound.within_bound;
  if (ok) return;
  sink.mismatch(
      input, float32_text(g) + (bound_applies && bound.applicable ? std::string(bound.within_bound ? ", within" : ", outside") + " the bound" : ""),
      float32_text(w) + (bound_applies && bound.applicable ? " (exact " + bound.exact + ", bound " + bound.bound + ")" : ""));
}

OpSchema make_dot() {
  OpSchema op;
  op.name = "mx-dot";
  op.summary = "MX dot product of two MX vectors given as codes, in the declared float32 order (spec/quantizers.md §4.6)";
  op.clause = "spec/quantizers.md §4.6";
  op.params = params();
  op.fixed_columns = {{"rounding", "-"}, {"overflow", "-"}, {"source", "-"}};
  op.report_fields = [](const Params&) { return std::vector<std::pair<std::string, Value>>{{"source", std::string("codes")}}; };
  op.inputs = {{"a_scale", ElemType::Code, {}, "vector A's E8M0 scale code of each block"},
               {"a_elem", ElemType::Code, {}, "vector A's element codes"},
               {"b_scale", ElemType::Code, {}, "vector B's E8M0 scale code of each block"},
               {"b_elem", ElemType::Code, {}, "vector B's element codes, as many as A's"}};
  op.outputs = {
      {"y", ElemType::Float32, {}, "the dot product: per block a float32 sum of products from +0, times fl32(X_A·X_B), summed in block order"}};
  op.verification.kind = Verification::Kind::Exact;
  op.verification.text = "exact: float32 bits in the declared order (any NaN for NaN), and within the §4.6 bound of the exact dot product";
  op.element_range = [](const Params& p, size_t input) { return code_range(p, input % 2 == 0); };
  op.list_length = [](const Params& p, size_t input, size_t rows) { return input % 2 == 0 ? blocks(rows, block_of(p)) : rows; };
  op.inputs_error = [](const OpCase& c) -> std::optional<std::string> {
    const size_t n = c.inputs[1].size();
    if (auto e = vector_error(c, 0, n)) return e;
    return vector_error(c, 2, n);
  };
  op.output_forms = [](const OpCase& c) { return list_forms(c, {1}); };
  op.cases = dot_cases;
  op.cost = [](const Params&, const InputSpec& inputs) { return 64 * ((inputs.boundary ? 100 : 0) + uint64_t{inputs.random}); };
  op.compare = dot_compare;
  op.bindings = {
      {"reference",
       [](const OpCase& c, std::vector<Tensor>& out, std::string&) {
         const std::vector<uint8_t> sa = codes(c.inputs[0]), ea = codes(c.inputs[1]), sb = codes(c.inputs[2]), eb = codes(c.inputs[3]);
         const int k = static_cast<int>(block_of(c.params));
         const float y = ref::mx_dot({&element_of(c.params), k, sa, ea}, {&element_of(c.params), k, sb, eb});
         out = {Tensor::reals({1}, {y})};
         return OpStatus::Ok;
       }},
      {"fast",
       [](const OpCase& c, std::vector<Tensor>& out, std::string&) {
         const Format& f = element_of(c.params);
         const float y =
             fast::mx_dot(f, codes(c.inputs[0]), codes(c.inputs[1]), f, codes(c.inputs[2]), codes(c.inputs[3]), static_cast<int>(block_of(c.params)));
         out = {Tensor::reals({1}, {y})};
         return OpStatus::Ok;
       }},
  };
  return op;
}

}  // namespace

const OpSchema& mx_op() {
  static const OpSchema op = make_quantize();
  return op;
}

const OpSchema& mx_dequantize_op() {
  static const OpSchema op = make_dequantize();
  return op;
}

const OpSchema& mx_dot_op() {
  static const OpSchema op = make_dot();
  return op;
}

}  // namespace lpc::ops
