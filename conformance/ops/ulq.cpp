// The op ulq: the ULQ weight and activation quantizers of a float32 tensor (spec/quantizers.md §5):
// binary, ternary (exact L2 optimum), TWN, LAB and LAQ (with the curvature d), power-of-two (INQ's
// levels, with the §5.7 incremental partition), and the activation quantizer over a grid of
// candidate clips β (MSE, or the loss proxy with the gradient). Outputs per element the code and
// value (and the partition step), per tensor the scale, support, n1, LAQ's iterations and whether
// they converged. Checked exactly.
#include <algorithm>
#include <bit>
#include <charconv>
#include <cmath>
#include <limits>
#include <random>

#include "conformance/core/case.hpp"
#include "conformance/core/profile.hpp"  // glob_match
#include "conformance/ops/derive.hpp"
#include "conformance/quantizers/cases.hpp"
#include "impls/fast/quantizers/ulq.hpp"
#include "reference/quantizers/ulq.hpp"

namespace lpc::ops {

namespace {

constexpr size_t kW = 0, kD = 1, kGrad = 2, kBeta = 3, kRatio = 4;  // the inputs
constexpr float kBetas[] = {1.0f, 0.5f, 2.0f, 6.0f};                // the activation grid, plus one seeded β per case

// The variants as profiles name them and signatures carry (case.hpp ulq_variant): the weight
// methods, the partition, pow2_bB, activation_kK, activation_proxy_kK.
std::vector<std::string> variant_names() {
  std::vector<std::string> names = {"binary", "ternary", "ternary_twn", "lab", "laq", "partition"};
  for (int b = 2; b <= 8; ++b) names.push_back("pow2_b" + std::to_string(b));
  for (int k = 1; k <= 16; ++k) names.push_back("activation_k" + std::to_string(k));
  for (int k = 1; k <= 16; ++k) names.push_back("activation_proxy_k" + std::to_string(k));
  return names;
}

// The method, bits and criterion of a variant name; `partition` set for the partition.
UlqParams params_of(const std::string& variant, bool* partition = nullptr) {
  UlqParams p;
  if (partition) *partition = variant == "partition";
  const auto tail = [&](size_t at) { return std::stoi(variant.substr(at)); };
  if (variant == "binary")
    p.method = UlqMethod::Binary;
  else if (variant == "ternary" || variant == "partition")
    p.method = UlqMethod::Ternary;
  else if (variant == "ternary_twn")
    p.method = UlqMethod::TernaryTwn;
  else if (variant == "lab")
    p.method = UlqMethod::Lab;
  else if (variant == "laq")
    p.method = UlqMethod::Laq;
  else if (variant.starts_with("pow2_b"))
    p.method = UlqMethod::Pow2, p.bits = tail(6);
  else if (variant.starts_with("activation_proxy_k"))
    p.method = UlqMethod::Activation, p.criterion = UlqCriterion::LossProxy, p.bits = tail(18);
  else
    p.method = UlqMethod::Activation, p.bits = tail(12);
  p.precision = UlqPrecision::Float32;
  return p;
}

// A profile's rounding-column alternative as variant names: "pow2:4" is pow2_b4, "activation:2"
// activation_k2, "activation_proxy:2" activation_proxy_k2; a pattern matches the variants of its
// kind ("*" the bitless ones, "*:4" pow2 and activation at 4 bits).
std::vector<std::string> from_column(std::string_view alt) {
  const size_t colon = alt.find(':');
  std::vector<std::string> out;
  if (colon == std::string_view::npos) {
    for (const char* name : {"binary", "ternary", "ternary_twn", "lab", "laq", "partition"})
      if (glob_match(alt, name)) out.emplace_back(name);
  } else {
    int bits = 0;
    const std::string_view digits = alt.substr(colon + 1);
    const auto [ptr, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), bits);
    if (ec != std::errc() || ptr != digits.data() + digits.size() || bits < 1 || bits > 16)
      throw std::invalid_argument("parameter 'variant': '" + std::string(alt) + "': expected 1..16 bits after ':', like pow2:4 or activation:2");
    for (const auto& [kind, join] : {std::pair{"pow2", "_b"}, {"activation", "_k"}, {"activation_proxy", "_k"}}) {
      if (!glob_match(alt.substr(0, colon), kind)) continue;
      if (std::string_view(kind) == "pow2" && (bits < 2 || bits > 8))
        throw std::invalid_argument("parameter 'variant': ulq pow2 takes 2..8 bits (spec/quantizers.md §5.6), got " + std::to_string(bits));
      out.push_back(std::string(kind) + join + std::to_string(bits));
    }
  }
  if (out.empty())
    throw std::invalid_argument(
        "parameter 'variant': unknown ulq variant '" + std::string(alt) +
        "', expected binary, ternary, ternary_twn, lab, laq, partition, pow2:B, activation:K or activation_proxy:K (or a '*' pattern)");
  return out;
}

// A case's parameters: the variant's, with the candidate β of its input.
UlqParams case_params(const OpCase& c) {
  UlqParams p = params_of(c.params.text("variant"));
  p.betas.assign(c.inputs[kBeta].floats.begin(), c.inputs[kBeta].floats.end());
  return p;
}

uint64_t bits(float f) { return std::bit_cast<uint32_t>(f); }

// The weight methods' boundary tensors: zeros of both signs, all-equal, §5.11's known answers
// ([3, 1, 1], [1, 0, 0], LAQ's [4, 2, 1]), exact magnitude ties, subnormals, the largest float, huge
// ranges; INQ's level midpoints 1.5·2^e and 2^(n2-1) with neighbours, and tensors whose maximum
// sits on n1's breakpoint 0.75·2^k (4·max/3 = 2^k) with its neighbours (§5.6).
std::vector<std::vector<float>> weight_tensors() {
  const float tiny = std::numeric_limits<float>::denorm_min(), huge = std::numeric_limits<float>::max();
  std::vector<std::vector<float>> out = {
      {0.0f},
      {-0.0f},
      {1.5f},
      {-2.0f},
      {0, 0, -0.0f, 0},
      {1, 1, 1, 1, 1},
      {-3, 3, -3, 3},
      {3, 1, 1},
      {1, 0, 0},
      {4, 2, 1},
      {2, -1, 1, 0, -1, 1},
      {tiny},
      {tiny, -tiny, 3 * tiny, 0},
      {huge, -huge, huge},
      {huge, tiny, -1, 0},
      {1e30f, 1e-30f, -1e20f, 3e-38f, 7},
      {0.75f, 0.25f, 0.375f, -1.5f, 0.5f, 1},
      {5, 4, 4, 4, 3, 3, 1, 0, 0},
  };
  std::vector<uint64_t> levels;
  for (int e = -12; e <= 0; ++e) {
    quantizer_cases::add_with_neighbours(levels, std::ldexp(1.5f, e), 1);
    quantizer_cases::add_with_neighbours(levels, std::ldexp(1.0f, e), 1);
  }
  std::vector<float> midpoints = {1.0f};  // max 1: n1 = 0, so every bits' n2 - 1 is among the 2^e
  for (uint64_t b : levels)
    if (std::bit_cast<float>(static_cast<uint32_t>(b)) <= 1.0f) midpoints.push_back(-std::bit_cast<float>(static_cast<uint32_t>(b)));
  out.push_back(midpoints);
  for (int k : {-140, -1, 0, 1, 100, 128}) {
    std::vector<uint64_t> top;
    quantizer_cases::add_with_neighbours(top, std::ldexp(0.75f, k), 1);
    for (uint64_t b : top) out.push_back({std::bit_cast<float>(static_cast<uint32_t>(b)), std::ldexp(0.75f, k - 3), -std::ldexp(0.75f, k - 1)});
  }
  return out;
}

// N seeded tensors of 1..256 elements in turn: normal-like values of a random scale, small
// multiples of 1/8 (many exact ties), and magnitudes spread over float32's whole range (at most 64).
std::vector<std::vector<float>> random_tensors(uint32_t count, std::mt19937_64& rng) {
  std::vector<std::vector<float>> out;
  for (uint32_t t = 0; t < count; ++t) {
    const size_t n = std::uniform_int_distribution<size_t>(1, t % 3 == 2 ? 64 : 256)(rng);
    const int centre = std::uniform_int_distribution<int>(-30, 30)(rng);
    std::vector<float> v(n);
    for (float& e : v) {
      if (t % 3 == 0)
        e = quantizer_cases::random_sign(rng, quantizer_cases::random_float(rng, centre - 4, centre + 2));
      else if (t % 3 == 1)
        e = static_cast<float>(std::uniform_int_distribution<int>(-4, 4)(rng)) * 0.125f;
      else
        e = quantizer_cases::random_sign(rng, quantizer_cases::random_float(rng, -149, 127));
    }
    out.push_back(std::move(v));
  }
  return out;
}

// The activation quantizer's boundary tensor for one β (§5.8): the clip edges β and 0 with their
// neighbours, ±0, negative values, values far above β, and the grid points j·β/L and the RNE ties
// (j + 1/2)·β/L with neighbours (every j for L <= 64, else 64 spread over 0..L).
std::vector<float> activation_points(float beta, int bits) {
  const int levels = (1 << bits) - 1;
  std::vector<uint64_t> points;
  for (float v : {beta, 0.0f, -0.0f, -1.0f, 4 * beta, std::numeric_limits<float>::max()}) quantizer_cases::add_with_neighbours(points, v, 1);
  const int step = std::max(1, levels / 64);
  for (int j = 0; j <= levels; j += step)
    for (double f : {0.0, 0.5}) quantizer_cases::add_with_neighbours(points, static_cast<float>((j + f) * beta / levels), 1);
  std::vector<float> out;
  for (uint64_t b : points) out.push_back(std::bit_cast<float>(static_cast<uint32_t>(b)));
  return out;
}

// One case per tensor. Weight methods, boundary: weight_tensors(); activation, boundary: per β of
// the grid {1, 0.5, 2, 6, seeded} its points, and a tensor every β maps to 0 (the tie goes to the
// smallest β); random:N, N random_tensors (activation: uniform over [-1, 8)). d > 0 is 1 on every
// other tensor (so the known answers hold), else random over 2^±20; the loss proxy's gradient is
// 0 one time in eight, else random; the partition takes INQ's schedule (0.5, 0.75, 0.875, 1), or a
// seeded one on every other tensor.
std::vector<OpCase> cases(const Params& item, const InputSpec& inputs, uint64_t seed) {
  std::mt19937_64 rng(seed);
  bool partition = false;
  const UlqParams p = params_of(item.text("variant"), &partition);
  const bool activation = p.method == UlqMethod::Activation, proxy = activation && p.criterion == UlqCriterion::LossProxy;
  std::vector<double> betas;
  if (activation) {
    for (float b : kBetas) betas.push_back(b);
    betas.push_back(quantizer_cases::random_float(rng, -3, 3));
  }
  std::vector<std::vector<float>> tensors;
  if (inputs.boundary && activation) {
    for (double b : betas) tensors.push_back(activation_points(static_cast<float>(b), p.bits));
    tensors.push_back({-1.0f, -0.0f, 0.0f, -5.0f});
  } else if (inputs.boundary) {
    tensors = weight_tensors();
  }
  for (auto& t : random_tensors(inputs.random, rng)) {
    if (activation)  // around the grid: clipped below 0, inside, clipped above
      for (float& e : t) e = static_cast<float>(std::uniform_real_distribution<double>(-1.0, 8.0)(rng));
    tensors.push_back(std::move(t));
  }
  std::vector<OpCase> out;
  for (size_t t = 0; t < tensors.size(); ++t) {
    std::vector<double> w, d, grad;
    for (float e : tensors[t]) {
      w.push_back(std::bit_cast<float>(static_cast<uint32_t>(bits(e))));
      if (ulq_needs_curvature(p.method)) d.push_back(t % 2 == 0 ? 1.0f : quantizer_cases::random_float(rng, -20, 20));
      if (proxy) grad.push_back(rng() % 8 == 0 ? 0.0f : quantizer_cases::random_sign(rng, quantizer_cases::random_float(rng, -8, 4)));
    }
    std::vector<double> ratios;
    if (partition) ratios = {0.5, 0.75, 0.875, 1.0};
    if (partition && t % 2 == 1) {
      ratios.assign(std::uniform_int_distribution<size_t>(1, 5)(rng), 0);
      for (double& r : ratios) r = std::uniform_int_distribution<int>(1, 1000)(rng) / 1000.0;
      std::sort(ratios.begin(), ratios.end());
    }
    out.push_back({nullptr,
                   item,
                   {Tensor::real_list(std::move(w)), Tensor::real_list(std::move(d)), Tensor::real_list(std::move(grad)), Tensor::real_list(betas),
                    Tensor::real_list(std::move(ratios))}});
  }
  return out;
}

void compare(const OpCase& c, std::span<const Tensor> got, std::span<const Tensor> want, CompareSink& sink) {
  // Every element (code, value bits, the partition step), then the tensor's outputs.
  const size_t n = c.inputs[kW].size();
  const bool partition = want[7].size() == n && n > 0;  // a schedule was given
  for (size_t k = 0; k < want.size(); ++k)
    if (!same_size(c, k, got, want, sink)) return;
  const bool curvature = c.inputs[kD].size() == n && n > 0, gradient = c.inputs[kGrad].size() == n && n > 0;
  for (size_t i = 0; i < n; ++i) {
    ++sink.checked;
    if (got[0].ints[i] == want[0].ints[i] && same_element(got[1], i, want[1], i) && (!partition || got[7].ints[i] == want[7].ints[i])) continue;
    auto text = [&](std::span<const Tensor> o) {
      return "code " + std::to_string(o[0].ints[i]) + ", value " + float32_text(o[1].floats[i]) +
             (partition ? ", step " + std::to_string(o[7].ints[i]) : "");
    };
    sink.mismatch("w " + float32_text(c.inputs[kW].floats[i]) + (curvature ? ", d " + float32_text(c.inputs[kD].floats[i]) : "") +
                      (gradient ? ", grad " + float32_text(c.inputs[kGrad].floats[i]) : "") + " (element " + std::to_string(i) + " of " +
                      std::to_string(n) + "; the repro runs the whole tensor)",
                  text(got), text(want));
  }
  ++sink.checked;
  bool same = same_element(got[2], 0, want[2], 0);
  for (size_t k = 3; k <= 6; ++k) same = same && got[k].ints[0] == want[k].ints[0];
  if (same) return;
  auto tensor = [](std::span<const Tensor> o) {
    return "scale " + float32_text(o[2].floats[0]) + ", support " + std::to_string(o[3].ints[0]) + ", n1 " + std::to_string(o[4].ints[0]) +
           ", iterations " + std::to_string(o[5].ints[0]) + ", converged " + std::to_string(o[6].ints[0]);
  };
  sink.mismatch("the tensor of " + std::to_string(n) + " float32 values (scale, support, n1, iterations, converged)", tensor(got), tensor(want));
}

// The outputs of an outcome and the partition's steps.
std::vector<Tensor> outputs(const UlqResult& r, const std::vector<int>& steps) {
  return {Tensor::integer_list(std::vector<int64_t>(r.codes.begin(), r.codes.end())),
          Tensor::real_list(r.values),
          Tensor::real_list({r.scale}),
          Tensor::integer_list({static_cast<int64_t>(r.support)}),
          Tensor::integer_list({r.n1}),
          Tensor::integer_list({r.iterations}),
          Tensor::integer_list({r.converged ? 1 : 0}),
          Tensor::integer_list(std::vector<int64_t>(steps.begin(), steps.end()))};
}

OpSchema make_schema() {
  OpSchema op;
  op.name = "ulq";
  op.summary =
      "ULQ weight and activation quantizers: tensor -> codes, values, scale, support, n1, LAQ iterations, partition steps (spec/quantizers.md §5)";
  op.clause = "spec/quantizers.md §5";
  ParamSpec variant{
      "variant",
      ParamType::Choice,
      ParamScope::Item,
      "the method with its bits and criterion: binary, ternary, ternary_twn, lab, laq, partition (ternary with §5.7's schedule), pow2_bB, "
      "activation_kK, activation_proxy_kK",
      "spec/quantizers.md §5.1-5.8",
      "ternary"};
  variant.choices = variant_names;
  variant.column = "rounding";
  variant.report_as = "variant";
  variant.from_column = from_column;
  op.params = {variant};
  op.fixed_columns = {{"format", "-"}, {"overflow", "-"}, {"source", "float32"}};
  op.report_fields = [](const Params&) { return std::vector<std::pair<std::string, Value>>{{"format", std::string("float32")}}; };
  op.inputs = {
      {"w", ElemType::Float32, {}, "the tensor, finite float32 values"},
      {"d", ElemType::Float32, {}, "lab, laq: each element's curvature d > 0", true},
      {"grad", ElemType::Float32, {}, "activation_proxy: each element's gradient", true},
      {"beta", ElemType::Float32, {}, "activation: the candidate clips β, each finite and > 0", true},
      {"ratio", ElemType::Real, {}, "the §5.7 partition's schedule, ratios in (0, 1], non-decreasing (partition: required; others: optional)", true}};
  // Fuzzing draws inside the domain (random bits almost never give 64 positive curvatures or a
  // non-decreasing schedule): w and grad any finite value one time in four, else moderate values of
  // either sign; d and β moderate and positive; ratio i in [(i + 1)/4, (i + 2)/4), the fourth 1.
  auto moderate = [](ByteReader& bytes) { return (1 + static_cast<double>(bytes.take(255)) / 256) * std::ldexp(1.0, static_cast<int>(bytes.take(16)) - 8); };
  auto signed_value = [moderate](const Params&, size_t, ByteReader& bytes) {
    if (bytes.take(3) == 0) {
      const float v = std::bit_cast<float>(static_cast<uint32_t>(bytes.take(UINT32_MAX)));
      return std::isfinite(v) ? static_cast<double>(v) : 0.0;
    }
    return (bytes.take(1) ? -1 : 1) * static_cast<double>(static_cast<float>(moderate(bytes)));
  };
  auto positive = [moderate](const Params&, size_t, ByteReader& bytes) { return static_cast<double>(static_cast<float>(moderate(bytes))); };
  op.inputs[kW].fuzz_draw_real = signed_value;
  op.inputs[kGrad].fuzz_draw_real = signed_value;
  op.inputs[kD].fuzz_draw_real = positive;
  op.inputs[kBeta].fuzz_draw_real = positive;
  op.inputs[kRatio].fuzz_draw_real = [](const Params&, size_t i, ByteReader& bytes) {
    return std::min(1.0, (static_cast<double>(i) + 1 + static_cast<double>(bytes.take(255)) / 256) / 4);
  };
  op.outputs = {{"code", ElemType::Int, {}, "each element's code"},
                {"value", ElemType::Float32, {}, "each element's dequantized value"},
                {"scale", ElemType::Float32, {}, "α (binary .. laq), 2^n1 (pow2), the chosen β (activation)"},
                {"support", ElemType::Int, {}, "the number of nonzero codes"},
                {"n1", ElemType::Int, {}, "pow2: the top exponent"},
                {"iterations", ElemType::Int, {}, "laq: the updates of α"},
                {"converged", ElemType::Int, {}, "laq: 0 when the cap stopped the iteration"},
                {"step", ElemType::Int, {}, "with a schedule: each element's step (1-based; 0: never frozen)", true}};
  op.verification.kind = Verification::Kind::Exact;
  op.verification.text = "exact: codes, value bits, scale bits, support, n1, iterations, converged, partition steps";
  op.list_length = [](const Params& p, size_t input, size_t rows) -> size_t {
    bool partition = false;
    const UlqParams u = params_of(p.text("variant"), &partition);
    switch (input) {
      case kD:
        return ulq_needs_curvature(u.method) ? rows : 0;
      case kGrad:
        return u.method == UlqMethod::Activation && u.criterion == UlqCriterion::LossProxy ? rows : 0;
      case kBeta:
        return u.method == UlqMethod::Activation ? std::min<size_t>(rows, 4) : 0;
      case kRatio:
        return partition ? std::min<size_t>(rows, 4) : 0;
      default:
        return rows;
    }
  };
  op.element_error = [](const OpCase& c, size_t input, size_t i) -> std::optional<std::string> {
    const double v = c.inputs[input].floats.at(i);
    if ((input == kW || input == kGrad || input == kD) && !std::isfinite(v)) return c.op->inputs[input].name + " is not a finite float32 value";
    if (input == kD && !(v > 0)) return "d must be > 0";
    return std::nullopt;
  };
  op.inputs_error = [](const OpCase& c) -> std::optional<std::string> {
    bool partition = false;
    const UlqParams u = params_of(c.params.text("variant"), &partition);
    const UlqParams p = case_params(c);
    if (u.method != UlqMethod::Activation && !c.inputs[kBeta].floats.empty()) return "beta applies only to the activation variants";
    if (partition || !c.inputs[kRatio].floats.empty())  // any variant may take a schedule; the partition needs one
      if (auto e = ulq_ratios_error(c.inputs[kRatio].floats)) return e;
    if (auto e = ulq_params_error(p)) return e;
    size_t index = 0;
    if (auto e = ulq_input_error<double>(p, c.inputs[kW].floats, c.inputs[kD].floats, c.inputs[kGrad].floats, index))
      return "element " + std::to_string(index) + ": " + *e;
    return std::nullopt;
  };
  op.output_forms = [](const OpCase& c) {
    const size_t n = c.inputs[0].size();
    return list_forms(c, {n, n, 1, 1, 1, 1, 1, n});
  };
  op.cases = cases;
  op.cost = [](const Params&, const InputSpec& inputs) { return uint64_t{inputs.boundary ? 40u * 64u : 0u} + uint64_t{inputs.random} * 2000; };
  op.compare = compare;
  op.bindings = {
      {"reference",
       [](const OpCase& c, std::vector<Tensor>& out, std::string& error) {
         const UlqParams p = case_params(c);
         const UlqOutcome r = ref::ulq_quantize(p, c.inputs[kW].floats, c.inputs[kD].floats, c.inputs[kGrad].floats);
         if (!r.ok) {
           error = "reference ulq: element " + std::to_string(r.error_index) + ": " + r.error;
           return OpStatus::Error;
         }
         out = outputs(r.result,
                       c.inputs[kRatio].floats.empty() ? std::vector<int>{} : ref::ulq_partition_steps(c.inputs[kW].floats, c.inputs[kRatio].floats));
         return OpStatus::Ok;
       }},
      {"fast",
       [](const OpCase& c, std::vector<Tensor>& out, std::string& error) {
         const UlqParams p = case_params(c);
         auto floats = [](const Tensor& t) { return std::vector<float>(t.floats.begin(), t.floats.end()); };
         const std::vector<float> w = floats(c.inputs[kW]), d = floats(c.inputs[kD]), grad = floats(c.inputs[kGrad]);
         const UlqOutcome r = fast::ulq_quantize(p, std::span<const float>(w), std::span<const float>(d), std::span<const float>(grad));
         if (!r.ok) {
           error = "fast ulq: element " + std::to_string(r.error_index) + ": " + r.error;
           return OpStatus::Error;
         }
         out = outputs(r.result, c.inputs[kRatio].floats.empty() ? std::vector<int>{}
                                                                 : fast::ulq_partition_steps(c.inputs[kW].floats, c.inputs[kRatio].floats));
         return OpStatus::Ok;
       }},
  };
  return op;
}

}  // namespace

const OpSchema& ulq_op() {
  static const OpSchema op = make_schema();
  return op;
}

}  // namespace lpc::ops
