// The op tpr: two-phase rounding of a float32 gradient tensor onto radix-4 FP4
// (float4_e3m0_radix4) with GradScale (spec/quantizers.md §3.2-3.4): the scale exponent e of the
// tensor, then per element the code of g / 2^(e + phase) and y = RN32(decode(code)·2^(e + phase)).
// Checked exactly: the exponent, and each element's code and y bits.
#include <charconv>
#include <cmath>
#include <limits>
#include <random>

#include "conformance/core/case.hpp"
#include "conformance/ops/derive.hpp"
#include "conformance/quantizers/cases.hpp"
#include "impls/fast/quantizers/two_phase.hpp"
#include "reference/quantizers/two_phase.hpp"

namespace lpc::ops {

namespace {

// The GradScale exponents the boundary tensors take: float32's smallest subnormal, the normal
// boundary, ordinary ones, and 128 (a maximum above 2^127).
constexpr int kScaleExponents[] = {-149, -140, -126, -125, -20, -1, 0, 1, 20, 100, 127, 128};
constexpr int kRandomTensorSize = 256;

TprParams params_of(const Params& p) {
  TprParams t;
  t.phase = p.text("phase") == "even" ? TprPhase::Even : TprPhase::Odd;
  t.rounding = *parse_rounding(p.text("rounding"));
  t.sr_bits = static_cast<int>(p.integer("sr_bits"));
  return t;
}

// The scale exponent the case fixes ("auto": GradScale's, §3.4), or nullopt.
std::optional<int> given_scale_exp(const Params& p) {
  const std::string& text = p.text("scale_exp");
  if (text == "auto") return std::nullopt;
  return std::stoi(text);
}

// Boundary: per GradScale exponent E, one tensor whose maximum fixes e = E (§3.4: 2^E itself, the
// largest float below it, or just above 2^(E-1)), then for both phases' scales 2^E and 2^(E+1) the
// §3.3 decision points of each grid step [4^k, 4^(k+1)]: the grid values, the midpoint 2.5·4^k (the
// RNE switch) and the quarter points (stochastic fractions 1/4, 3/4), the underflow step [0, 4^-6]
// likewise, each with its float32 neighbours and a random sign; an all-zero tensor and §3.3's
// known answers. random:N, tensors of 256 mixed magnitudes below a random binade, signed zeros
// among them. Stochastic roundings: random words with R at its decision points 0, 2^(N-1) - 1,
// 2^(N-1), 2^N - 1 and random, the high bits random.
std::vector<OpCase> cases(const Params& item, const InputSpec& inputs, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::vector<std::vector<float>> tensors;
  if (inputs.boundary) {
    for (size_t t = 0; t < std::size(kScaleExponents); ++t) {
      const int e = kScaleExponents[t];
      std::vector<uint64_t> raw;
      for (int phase = 0; phase < 2; ++phase) {
        double low = 0;
        for (int k = -6; k <= 0; ++k) {
          const double high = std::ldexp(1.0, 2 * k);
          for (double f : {0.0, 0.25, 0.5, 0.75}) {
            const float v = static_cast<float>(std::ldexp(low + f * (high - low), e + phase));
            if (std::isfinite(v)) quantizer_cases::add_with_neighbours(raw, v);
          }
          low = high;
        }
      }
      const float max_float = std::numeric_limits<float>::max();
      const float head = e == 128     ? max_float
                         : t % 3 == 0 ? static_cast<float>(std::ldexp(1.0, e))
                         : t % 3 == 1 ? std::nextafter(static_cast<float>(std::ldexp(1.0, e)), 0.0f)
                                      : std::nextafter(static_cast<float>(std::ldexp(1.0, e - 1)), max_float);
      std::vector<float> tensor = {rng() & 1 ? -head : head};
      for (uint64_t r : raw) {
        const float v = std::bit_cast<float>(static_cast<uint32_t>(r));
        if (std::fabs(v) <= head) tensor.push_back(quantizer_cases::random_sign(rng, v));
      }
      tensors.push_back(std::move(tensor));
    }
    tensors.push_back({0.0f, -0.0f});                       // all zeros: e = 0
    tensors.push_back({1.0f, 0.3125f, -0.625f, 0.09375f});  // §3.3 known answers
  }
  for (uint32_t done = 0; done < inputs.random; done += kRandomTensorSize) {
    const int centre = std::uniform_int_distribution<int>(-130, 127)(rng);
    std::vector<float> tensor(std::min<uint32_t>(kRandomTensorSize, inputs.random - done));
    for (float& v : tensor)
      v = rng() % 32 == 0 ? quantizer_cases::random_sign(rng, 0.0f)
                          : quantizer_cases::random_sign(rng, quantizer_cases::random_float(rng, std::max(centre - 16, -149), centre));
    tensors.push_back(std::move(tensor));
  }
  const TprParams p = params_of(item);
  Params params = item;
  params.set("scale_exp", std::string("auto"));
  std::vector<OpCase> out;
  for (const auto& tensor : tensors) {
    const uint64_t n = tensor.size();
    std::vector<int64_t> random;
    if (is_stochastic(p.rounding))
      for (uint32_t r : quantizer_cases::random_words(p.sr_bits, tensor.size(), rng)) random.push_back(r);
    out.push_back(
        {nullptr, params, {Tensor::reals({n}, std::vector<double>(tensor.begin(), tensor.end())), Tensor::integer_list(std::move(random))}});
  }
  return out;
}

// The case that keeps element i's scale: the tensor's first largest element and element i.
OpCase largest_and(const OpCase& c, size_t i) {
  const Tensor& g = c.inputs[0];
  size_t largest = 0;
  for (size_t j = 1; j < g.size(); ++j)
    if (std::fabs(g.floats[j]) > std::fabs(g.floats[largest])) largest = j;
  std::vector<size_t> keep = {largest};
  if (i != largest) keep.push_back(i);
  OpCase one{c.op, c.params, {Tensor::reals({}, {}), Tensor::integers({}, {})}};
  for (size_t j : keep) {
    one.inputs[0].floats.push_back(g.floats[j]);
    if (c.inputs[1].size()) one.inputs[1].ints.push_back(c.inputs[1].ints[j]);
  }
  for (Tensor& t : one.inputs) t.shape = {t.size()};
  return one;
}

void compare(const OpCase& c, std::span<const Tensor> got, std::span<const Tensor> want, CompareSink& sink) {
  const size_t n = c.inputs[0].size();
  if (got[0].size() != 1 || got[1].size() != n || got[2].size() != n) {
    ++sink.checked;
    sink.mismatch(
        "the tensor of " + std::to_string(n) + " elements",
        std::to_string(got[0].size()) + " scale exponents, " + std::to_string(got[1].size()) + " codes, " + std::to_string(got[2].size()) + " values",
        "1 scale exponent, one code and one value per element");
    return;
  }
  static const Format& fp4 = format_by_name("float4_e3m0_radix4");
  auto text = [](std::span<const Tensor> o, size_t i) {
    return "scale_exp " + std::to_string(o[0].ints[0]) + ", code " + code_hex(fp4, static_cast<uint32_t>(o[1].ints[i])) + ", y " +
           float32_text(o[2].floats[i]);
  };
  for (size_t i = 0; i < n; ++i) {
    ++sink.checked;
    if (got[0].ints[0] == want[0].ints[0] && got[1].ints[i] == want[1].ints[i] && same_element(got[2], i, want[2], i)) continue;
    sink.mismatch("g " + float32_text(c.inputs[0].floats[i]) + (c.inputs[1].size() ? ", random " + std::to_string(c.inputs[1].ints[i]) : "") +
                      " (element " + std::to_string(i) + " of " + std::to_string(n) + "; the repro keeps the tensor's largest element)",
                  text(got, i), text(want, i), sink.first.size() < sink.max_recorded ? largest_and(c, i) : OpCase{});
  }
}

std::vector<Tensor> outputs(int scale_exp, const std::vector<uint8_t>& codes, const std::vector<float>& y) {
  return {Tensor::integers({1}, {scale_exp}), Tensor::integers({codes.size()}, std::vector<int64_t>(codes.begin(), codes.end())),
          Tensor::reals({y.size()}, std::vector<double>(y.begin(), y.end()))};
}

OpSchema make_schema() {
  OpSchema op;
  op.name = "tpr";
  op.summary =
      "two-phase rounding of a float32 gradient tensor onto radix-4 FP4 with GradScale: scale exponent, codes, y (spec/quantizers.md §3.2-3.4)";
  op.clause = "spec/quantizers.md §3.2-3.4";
  ParamSpec phase{"phase", ParamType::Choice, ParamScope::Item, "even: the grid ±2^e·4^k; odd: ±2^(e+1)·4^k", "spec/quantizers.md §3.3", "even"};
  phase.choices = [] { return std::vector<std::string>{"even", "odd"}; };
  phase.column = "overflow";
  phase.report_as = "phase";
  ParamSpec rounding{
      "rounding", ParamType::Choice, ParamScope::Item, "the element rounding: rne, or stochastic sr_a, sr_b, sr_c", "spec/quantizers.md §3.2", "rne"};
  rounding.choices = [] { return std::vector<std::string>{"rne", "sr_a", "sr_b", "sr_c"}; };
  rounding.column = "rounding";
  rounding.part = ParamSpec::Part::BeforeColon;
  ParamSpec sr_bits{
      "sr_bits", ParamType::Int, ParamScope::Item, "N, the random bits of a stochastic rounding (1..24; rne: 0)", "spec/quantizers.md §3.2", "0"};
  sr_bits.max = 24;
  sr_bits.column = "rounding";
  sr_bits.part = ParamSpec::Part::AfterColon;
  sr_bits.signature_join = "_n";
  sr_bits.omit_default = true;
  sr_bits.aliases = ",--sr-bits";
  ParamSpec scale_exp{"scale_exp",
                      ParamType::Text,
                      ParamScope::Case,
                      "auto: GradScale's exponent of the tensor; or an exponent E in -149..128 to replay a scale 2^E chosen elsewhere",
                      "spec/quantizers.md §3.4",
                      "auto"};
  scale_exp.aliases = ",--scale-exp";
  op.params = {phase, rounding, sr_bits, scale_exp};
  op.sweep = {"phase", "sr_bits", "rounding"};  // within a phase, the rounding column's alternatives in order
  op.fixed_columns = {{"format", "float4_e3m0_radix4"}, {"source", "float32"}};
  op.inputs = {{"g", ElemType::Float32, {}, "the gradient tensor, float32, finite", false, true},
               {"random", ElemType::Int, {}, "each element's random word (stochastic roundings only; R: its low N bits)", true}};
  op.outputs = {{"scale_exp", ElemType::Int, {}, "the scale exponent e"},
                {"code", ElemType::Code, {}, "each element's float4_e3m0_radix4 code"},
                {"y", ElemType::Float32, {}, "decode(code)·2^(e + phase)"}};
  op.verification.kind = Verification::Kind::Exact;
  op.verification.text = "exact: GradScale exponent, codes, y bits";
  op.params_error = [](const Params& p) -> std::optional<std::string> {
    const TprParams t = params_of(p);
    if (t.rounding == Rounding::Rne && t.sr_bits != 0) return "rne takes no random bits (sr_bits 0)";
    if (auto e = tpr_params_error(t)) return e;
    const std::string& s = p.text("scale_exp");
    if (s == "auto") return std::nullopt;
    int v = 0;
    const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (ec != std::errc() || end != s.data() + s.size() || v < -149 || v > 128)
      return "scale_exp: expected auto or an integer in -149..128, got '" + s + "'";
    return std::nullopt;
  };
  op.element_range = [](const Params&, size_t input) -> std::optional<std::pair<int64_t, int64_t>> {
    if (input == 1) return std::pair<int64_t, int64_t>{0, UINT32_MAX};
    return std::nullopt;
  };
  op.list_length = [](const Params& p, size_t input, size_t rows) -> size_t {
    return input == 1 && !is_stochastic(params_of(p).rounding) ? 0 : rows;
  };
  op.inputs_error = [](const OpCase& c) -> std::optional<std::string> {
    const bool stochastic = is_stochastic(params_of(c.params).rounding);
    if (stochastic && c.inputs[1].size() != c.inputs[0].size())
      return "a stochastic rounding needs one random word per element: " + std::to_string(c.inputs[0].size()) + " elements, " +
             std::to_string(c.inputs[1].size()) + " words";
    if (!stochastic && c.inputs[1].size()) return "rne reads no random words";
    for (double g : c.inputs[0].floats)
      if (!std::isfinite(g)) return "g is not finite; GradScale needs finite gradients (spec/quantizers.md §3.3)";
    for (int64_t r : c.inputs[1].ints)
      if (r < 0 || r > UINT32_MAX) return "random word " + std::to_string(r) + " outside 0 .. 2^32 - 1";
    return std::nullopt;
  };
  op.output_forms = [](const OpCase& c) {
    const size_t n = c.inputs[0].size();
    return list_forms(c, {1, n, n});
  };
  op.cases = cases;
  op.cost = [](const Params&, const InputSpec& inputs) { return uint64_t{inputs.boundary ? 2000u : 0u} + uint64_t{inputs.random}; };
  op.compare = compare;
  op.bindings = {
      {"reference",
       [](const OpCase& c, std::vector<Tensor>& out, std::string& error) {
         const TprParams p = params_of(c.params);
         const std::vector<float> g(c.inputs[0].floats.begin(), c.inputs[0].floats.end());
         int e = 0;
         if (const auto given = given_scale_exp(c.params)) {
           e = *given;
         } else {
           const ref::GradScaleOutcome scale = ref::tpr_grad_scale(g);
           if (!scale.ok) {
             error = "reference tpr: element " + std::to_string(scale.bad_index) + ": " + scale.error;
             return OpStatus::Error;
           }
           e = scale.scale_exp;
         }
         std::vector<uint8_t> codes(g.size());
         std::vector<float> y(g.size());
         for (size_t i = 0; i < g.size(); ++i) {
           const ref::TprElement r = ref::tpr_element(p, e, g[i], c.inputs[1].size() ? static_cast<uint32_t>(c.inputs[1].ints[i]) : 0);
           codes[i] = r.code;
           y[i] = r.y;
         }
         out = outputs(e, codes, y);
         return OpStatus::Ok;
       }},
      {"fast",
       [](const OpCase& c, std::vector<Tensor>& out, std::string& error) {
         const std::vector<float> g(c.inputs[0].floats.begin(), c.inputs[0].floats.end());
         const std::vector<uint32_t> random(c.inputs[1].ints.begin(), c.inputs[1].ints.end());
         int e = 0;
         if (const auto given = given_scale_exp(c.params)) {
           e = *given;
         } else {
           const fast::GradScale scale = fast::tpr_grad_scale(g);
           if (scale.error) {
             error = "fast tpr: element " + std::to_string(scale.error->index) + ": " + scale.error->message;
             return OpStatus::Error;
           }
           e = scale.scale_exp;
         }
         std::vector<uint8_t> codes(g.size());
         std::vector<float> y(g.size());
         fast::tpr_quantize(params_of(c.params), e, g, random, codes, y);
         out = outputs(e, codes, y);
         return OpStatus::Ok;
       }},
  };
  return op;
}

}  // namespace

const OpSchema& tpr_op() {
  static const OpSchema op = make_schema();
  return op;
}

}  // namespace lpc::ops
