// The error-feedback gradient compressors (spec/codecs.md §1), under their declared float32
// arithmetic and checked exactly:
//   adacomp-compress: residue, gradient (one layer) -> the message bytes (§1.4), the next residue
//   and the dequantized update (§1.2), for a bin length L_T and a message layout.
//   adacomp-decode: the message bytes of a layer of `elements` -> the dense update (§1.5), or, for
//   bad bytes, the byte offset of the first violation (a result, so profiles check rejections).
//   ef-signsgd-compress, ef-signsgd-decode: the same for EF-SignSGD (§1.7), one scale and one sign
//   bit per element.
#include <algorithm>
#include <cmath>
#include <functional>
#include <limits>
#include <random>

#include "conformance/core/case.hpp"
#include "conformance/ops/derive.hpp"
#include "conformance/quantizers/cases.hpp"
#include "impls/fast/codecs/adacomp.hpp"
#include "impls/fast/codecs/ef_signsgd.hpp"
#include "reference/codecs/adacomp.hpp"
#include "reference/codecs/ef_signsgd.hpp"

namespace lpc::ops {

namespace {

AdacompParams params_of(const Params& p) {
  AdacompParams a;
  a.bin = static_cast<uint32_t>(p.integer("bin"));
  a.layout = p.text("layout") == "binned" ? AdacompLayout::Binned : AdacompLayout::Index32;
  if (const Value* zero = p.find("zero")) a.zero = std::get<std::string>(*zero) == "mxnet" ? AdacompZeroRule::Mxnet : AdacompZeroRule::Skip;
  return a;
}

std::vector<ParamSpec> item_params() {
  ParamSpec bin{"bin", ParamType::Int, ParamScope::Item, "L_T, the bin length (uniform bins, the last one short)", "spec/codecs.md §1.1", "50"};
  bin.min = 1;
  bin.max = kAdacompMaxBin;
  bin.signature_join = "-b";
  bin.fuzz_min = 1;
  bin.fuzz_max = 40;
  ParamSpec layout{"layout", ParamType::Choice, ParamScope::Item, "the message layout: index32 (uint32 indices), binned (offset within the bin)",
                   "spec/codecs.md §1.4", "index32"};
  layout.choices = [] { return std::vector<std::string>{"index32", "binned"}; };
  return {bin, layout};
}

std::vector<float> floats_of(const Tensor& t) { return std::vector<float>(t.floats.begin(), t.floats.end()); }
std::vector<double> doubles_of(const std::vector<float>& v) { return std::vector<double>(v.begin(), v.end()); }
std::vector<int64_t> ints_of(const std::vector<uint8_t>& v) { return std::vector<int64_t>(v.begin(), v.end()); }
std::vector<uint8_t> bytes_of(const Tensor& t) { return std::vector<uint8_t>(t.ints.begin(), t.ints.end()); }

// A compress step's outputs: message, next_residue, update.
std::vector<Tensor> step_outputs(const std::vector<uint8_t>& message, const std::vector<float>& next, const std::vector<float>& update) {
  return {Tensor::integer_list(ints_of(message)), Tensor::real_list(doubles_of(next)), Tensor::real_list(doubles_of(update))};
}
// A decode's outputs: the update (none when rejected: nothing half-written) and error_offset (-1: valid).
std::vector<Tensor> decode_outputs(const std::vector<float>& update, std::optional<uint64_t> rejected_at) {
  return {Tensor::real_list(rejected_at ? std::vector<double>{} : doubles_of(update)), Tensor::integer_list({rejected_at ? static_cast<int64_t>(*rejected_at) : -1})};
}
// Both decode ops' inputs, outputs and verification.
void declare_decode(OpSchema& op, const std::string& clause) {
  op.inputs = {{"message", ElemType::Int, {}, "the message bytes, 0..255 (any: a bad message is rejected at a byte offset)"}};
  TensorSpec update{"update", ElemType::Float32, {}, "the layer's update (n elements; none when rejected)"};
  update.optional = true;
  op.outputs = {update, {"error_offset", ElemType::Int, {}, "-1 for a valid message, else the byte offset of its first violation (" + clause + ")"}};
  op.verification.kind = Verification::Kind::Exact;
  op.verification.text = "exact: the rejection's byte offset, every update float32 bit";
  op.element_range = [](const Params&, size_t) -> std::optional<std::pair<int64_t, int64_t>> { return std::pair<int64_t, int64_t>{0, 255}; };
  op.inputs_error = [](const OpCase& c) -> std::optional<std::string> {
    for (size_t i = 0; i < c.inputs[0].size(); ++i)
      if (c.inputs[0].ints[i] < 0 || c.inputs[0].ints[i] > 255) return "message byte " + std::to_string(i) + " outside 0..255";
    return std::nullopt;
  };
  op.output_forms = [](const OpCase& c) { return list_forms(c, {static_cast<size_t>(c.params.integer("elements")), 1}); };
}
// A message, then the same cut by its last byte, with a byte appended and with one bit flipped
// (by `rng`): the decode cases of one layer.
void push_messages(std::vector<OpCase>& out, const Params& params, const std::vector<uint8_t>& message, std::mt19937_64& rng) {
  std::vector<int64_t> m = ints_of(message), cut(m.begin(), m.end() - 1), longer = m, flipped = m;
  longer.push_back(0);
  flipped[rng() % m.size()] ^= int64_t{1} << (rng() % 8);
  for (auto* bytes : {&m, &cut, &longer, &flipped}) out.push_back({nullptr, params, {Tensor::integer_list(*bytes)}});
}
// Both compress ops' inputs and outputs.
void declare_compress(OpSchema& op) {
  op.inputs = {{"residue", ElemType::Float32, {}, "R, the layer's residue of the previous step (finite)", false, true},
               {"gradient", ElemType::Float32, {}, "the layer's gradient, as long as the residue (finite)", false, true}};
  op.outputs = {{"message", ElemType::Int, {}, "the message bytes, 0..255"},
                {"next_residue", ElemType::Float32, {}, "R', the residue the next step starts from"},
                {"update", ElemType::Float32, {}, "the update the message decodes to"}};
  op.verification.kind = Verification::Kind::Exact;
  op.verification.text = "exact: every message byte, every residue and update float32 bit";
}
std::optional<std::string> size_error(const OpCase& c) {
  if (c.inputs[0].size() == c.inputs[1].size()) return std::nullopt;
  return "residue has " + std::to_string(c.inputs[0].size()) + " elements, gradient " + std::to_string(c.inputs[1].size());
}
// The fast binding of a compress op: `step` fills the next residue, the update and the message of
// case c, or returns the step's error.
using FastStep = std::function<std::optional<std::string>(const OpCase& c, std::span<const float> residue, std::span<const float> gradient,
                                                          std::span<float> next, std::span<float> update, std::vector<uint8_t>& message)>;
Binding fast_compress(std::string name, FastStep step) {
  return [name = std::move(name), step = std::move(step)](const OpCase& c, std::vector<Tensor>& out, std::string& error) {
    const std::vector<float> residue = floats_of(c.inputs[0]), gradient = floats_of(c.inputs[1]);
    std::vector<float> next(residue.size()), update(residue.size());
    std::vector<uint8_t> message;
    const auto e = step(c, residue, gradient, next, update, message);
    if (e) error = "fast " + name + ": " + *e;
    else out = step_outputs(message, next, update);
    return e ? OpStatus::Error : OpStatus::Ok;
  };
}
// The decode ops' case parameter: the layer's length, which the message does not carry.
ParamSpec elements_param(int64_t max, const std::string& clause) {
  ParamSpec elements{"elements", ParamType::Int, ParamScope::Case, "n, the layer's elements (known to both ends, not in the message)", clause, "1"};
  elements.min = 1;
  elements.max = max;
  elements.fuzz_min = 1;
  elements.fuzz_max = 300;
  return elements;
}

// ---- cases: one layer per case -------------------------------------------------------------------

struct Layer {
  std::vector<float> residue, gradient;
};

// A seeded layer of n elements: magnitudes over a few binades around 2^centre, some zeros and
// signed zeros, the residue a little smaller than the gradient (as after earlier steps).
Layer random_layer(std::mt19937_64& rng, size_t n) {
  const int centre = std::uniform_int_distribution<int>(-30, 10)(rng);
  Layer l{std::vector<float>(n), std::vector<float>(n)};
  for (size_t i = 0; i < n; ++i) {
    const unsigned kind = rng() % 16;
    auto value = [&](int shift) { return quantizer_cases::random_sign(rng, quantizer_cases::random_float(rng, centre - 6 + shift, centre + 2 + shift)); };
    l.gradient[i] = kind == 0 ? 0.0f : kind == 1 ? -0.0f : value(0);
    l.residue[i] = kind == 2 ? -l.gradient[i] : kind < 5 ? 0.0f : value(-2);  // kind 2: G = 0 exactly, H = ΔW
  }
  return l;
}

// §1.2's decision points for bin length L: all-zero layers and bins, signed zeros, G = 0 with a
// large ΔW, ties |H| = gmax, ΔW opposite to G (a bin selecting nothing), short last bins, one
// element, a scale that underflows to +0, an H that overflows, roundings in steps 1 and 7.
std::vector<Layer> boundary_layers(uint32_t bin, std::mt19937_64& rng) {
  const size_t L = bin;
  std::vector<Layer> layers;
  layers.push_back({std::vector<float>(2 * L + 1, 0.0f), std::vector<float>(2 * L + 1, 0.0f)});    // all zero
  layers.push_back({std::vector<float>(L + 1, -0.0f), std::vector<float>(L + 1, -0.0f)});          // -0 kept in R'
  layers.push_back({{-4, 1, 0.5f, -0.0f}, {4, -1, 0.25f, 0.0f}});                                 // G = 0 beside H = 4
  layers.push_back({{1, -1, 1, 0.5f, -1, 1, 1, 1}, {0, 0, 0, 0, 0, 0, 0, 0}});                     // ties: ΔW = 0, |H| = gmax
  layers.push_back({{3, 1, -2, 2}, {-1, -1, 1, -1}});                                             // ΔW against G
  layers.push_back({{0.75f}, {0.5f}});                                                            // one element
  layers.push_back({{1, 1, 1}, {0x1p-24f, -0x1p-24f, 0x1.8p-24f}});                                // step 1 ties to even
  layers.push_back({{0x1p126f, 1, 0}, {0x1p127f, 0, 0}});  // G = 1.5·2^127, H = 2.5·2^127 overflows to +inf and selects
  Layer tiny{std::vector<float>(3 * L, 0.0f), std::vector<float>(3 * L, 0.0f)};                    // scale = 2^-149 / 3 -> +0
  tiny.gradient[0] = -0x1p-149f;
  layers.push_back(tiny);
  layers.push_back({{0.1f, 0.3f, -0.7f, 1e-3f, 5.0f, -5.0f, 2.5f}, {0.2f, -0.1f, -0.3f, 0.0f, 1e-7f, 3.0f, -7.5f}});  // inexact steps 5, 7
  for (size_t n : {3 * L + 1, 2 * L - 1, L + 1}) layers.push_back(random_layer(rng, n));  // short last bins
  return layers;
}

std::vector<Layer> item_layers(const Params& item, const InputSpec& inputs, uint64_t seed) {
  std::mt19937_64 rng(seed);
  const AdacompParams p = params_of(item);
  std::vector<Layer> layers;
  if (inputs.boundary) layers = boundary_layers(p.bin, rng);
  for (uint32_t k = 0; k < inputs.random; ++k) {
    const size_t n = 1 + rng() % std::min<size_t>(2000, size_t{p.bin} * 40 + 1);
    layers.push_back(random_layer(rng, n));
  }
  std::erase_if(layers, [&](const Layer& l) { return adacomp_params_error(p, l.residue.size()).has_value(); });
  return layers;
}

std::vector<OpCase> compress_cases(const Params& item, const InputSpec& inputs, uint64_t seed) {
  std::vector<OpCase> out;
  for (const Layer& l : item_layers(item, inputs, seed))
    out.push_back({nullptr, item, {Tensor::real_list(doubles_of(l.residue)), Tensor::real_list(doubles_of(l.gradient))}});
  return out;
}

// The messages of the same layers, as the reference writes them, each also cut, lengthened and
// bit-flipped (§1.5's rejections, or another valid message).
std::vector<OpCase> decode_cases(const Params& item, const InputSpec& inputs, uint64_t seed) {
  std::vector<OpCase> out;
  std::mt19937_64 rng(seed ^ 0x5eedULL);
  for (const Layer& l : item_layers(item, inputs, seed)) {
    const ref::AdacompOutcome r = ref::adacomp_compress(params_of(item), l.residue, l.gradient);
    if (!r.ok) continue;
    Params params = item;
    params.set("elements", static_cast<int64_t>(l.residue.size()));
    push_messages(out, params, r.message, rng);
  }
  return out;
}

// ---- adacomp-compress, adacomp-decode ------------------------------------------------------------

OpSchema make_compress() {
  OpSchema op;
  op.name = "adacomp-compress";
  op.summary = "AdaComp (US11295208B2), one layer, one step: residue, gradient -> the message, the next residue, the update Gq "
               "(spec/codecs.md §1.2, declared float32)";
  op.clause = "spec/codecs.md §1.1-1.4";
  op.params = item_params();
  ParamSpec zero{"zero", ParamType::Choice, ParamScope::Item,
                 "the rule for G = 0 and all-zero bins: skip (never selected, §1.2 step 4) or mxnet (|H| >= gmax alone selects, sign bit G > 0; §1.6)",
                 "spec/codecs.md §1.2, §1.6", "skip"};
  zero.choices = [] { return std::vector<std::string>{"skip", "mxnet"}; };
  zero.omit_default = true;
  op.params.push_back(zero);
  declare_compress(op);
  op.params_error = [](const Params& p) -> std::optional<std::string> { return adacomp_params_error(params_of(p), 1); };
  op.inputs_error = [](const OpCase& c) -> std::optional<std::string> {
    if (auto e = size_error(c)) return e;
    return ref::adacomp_inputs_error(params_of(c.params), floats_of(c.inputs[0]), floats_of(c.inputs[1]));
  };
  // The message is as long as the reference's (§1.4: its size follows from the count).
  op.output_forms = [](const OpCase& c) {
    const ref::AdacompOutcome r = ref::adacomp_compress(params_of(c.params), floats_of(c.inputs[0]), floats_of(c.inputs[1]));
    const size_t n = c.inputs[0].size();
    return list_forms(c, {r.ok ? r.message.size() : 0, n, n});
  };
  op.cases = compress_cases;
  op.cost = [](const Params&, const InputSpec& inputs) { return uint64_t{inputs.boundary ? 600u : 0u} + uint64_t{inputs.random} * 3000; };
  op.bindings = {
      {"reference",
       [](const OpCase& c, std::vector<Tensor>& out, std::string& error) {
         const ref::AdacompOutcome r = ref::adacomp_compress(params_of(c.params), floats_of(c.inputs[0]), floats_of(c.inputs[1]));
         if (!r.ok) error = "reference adacomp-compress: " + r.error;
         else out = step_outputs(r.message, r.next_residue, r.update);
         return r.ok ? OpStatus::Ok : OpStatus::Error;
       }},
      {"fast", fast_compress(op.name, [](const OpCase& c, std::span<const float> r, std::span<const float> d, std::span<float> next, std::span<float> update,
                                         std::vector<uint8_t>& message) { return fast::adacomp_compress(params_of(c.params), r, d, next, update, message); })},
  };
  return op;
}

OpSchema make_decode() {
  OpSchema op;
  op.name = "adacomp-decode";
  op.summary = "AdaComp message -> the dense update of its layer, or the byte offset where a bad message is rejected (spec/codecs.md §1.5)";
  op.clause = "spec/codecs.md §1.4-1.5";
  op.params = item_params();
  op.params.push_back(elements_param(1 << 26, "spec/codecs.md §1.4"));
  declare_decode(op, "§1.5");
  op.params_error = [](const Params& p) { return adacomp_params_error(params_of(p), static_cast<uint64_t>(p.integer("elements"))); };
  op.cases = decode_cases;
  op.cost = [](const Params&, const InputSpec& inputs) { return uint64_t{inputs.boundary ? 300u : 0u} + uint64_t{inputs.random} * 1500; };
  op.bindings = {
      {"reference",
       [](const OpCase& c, std::vector<Tensor>& out, std::string&) {
         const ref::AdacompDecoded r = ref::adacomp_decode(params_of(c.params), static_cast<uint64_t>(c.params.integer("elements")), bytes_of(c.inputs[0]));
         out = decode_outputs(r.update, r.ok ? std::nullopt : std::optional<uint64_t>(r.error_offset));
         return OpStatus::Ok;
       }},
      {"fast",
       [](const OpCase& c, std::vector<Tensor>& out, std::string&) {
         std::vector<float> update(static_cast<size_t>(c.params.integer("elements")));
         const auto e = fast::adacomp_decode(params_of(c.params), bytes_of(c.inputs[0]), update);
         out = decode_outputs(update, e ? std::optional<uint64_t>(e->offset) : std::nullopt);
         return OpStatus::Ok;
       }},
  };
  return op;
}

// ---- ef-signsgd-compress, ef-signsgd-decode (§1.7) -----------------------------------------------

// The item parameter both take: the scale rule. One value today; 1-bit SGD's two means (§1.6)
// would be the second, with its own message.
ParamSpec scale_param() {
  ParamSpec scale{"scale", ParamType::Choice, ParamScope::Item, "the scale rule: l1, ‖R ⊕ g‖₁ / n summed in eight lanes (§1.7)", "spec/codecs.md §1.7", "l1"};
  scale.choices = [] { return std::vector<std::string>{"l1"}; };
  return scale;
}

// §1.7's decision points: zeros and -0 (Δ's sign from the sign bit), one element, every tail
// length of the eight lanes, lanes whose sums round, subnormal scales, large magnitudes whose sum
// stays finite; then seeded layers up to 3000 elements.
std::vector<Layer> sign_layers(const InputSpec& inputs, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::vector<Layer> out;
  auto value = [&](int lo, int hi) { return quantizer_cases::random_sign(rng, quantizer_cases::random_float(rng, lo, hi)); };
  if (inputs.boundary) {
    out.push_back({std::vector<float>(5, 0.0f), std::vector<float>(5, 0.0f)});
    out.push_back({{-0.0f, -0.0f, 0.0f, 1.0f}, {-0.0f, 0.0f, -0.0f, -3.0f}});
    out.push_back({{0.5f}, {-2.0f}});
    out.push_back({{1, 1, 1, 1, 1, 1, 1, 1, 0x1p-24f}, {0x1p-24f, 0, 0, 0, 0, 0, 0, 0, 0x1p-24f}});
    out.push_back({{0x1p-149f, 0, 0}, {0, -0x1p-149f, 0}});
    out.push_back({{0x1p125f, -0x1p125f, 0x1p124f}, {0x1p124f, 0, -0x1p123f}});
    for (size_t n : {7u, 8u, 9u, 15u, 16u, 17u, 63u}) {
      Layer l{std::vector<float>(n), std::vector<float>(n)};
      for (size_t i = 0; i < n; ++i) l.residue[i] = value(-10, 2), l.gradient[i] = value(-30, 0);
      out.push_back(l);
    }
  }
  for (uint32_t k = 0; k < inputs.random; ++k) {
    const size_t n = 1 + rng() % 3000;
    const int centre = std::uniform_int_distribution<int>(-30, 10)(rng);
    Layer l{std::vector<float>(n), std::vector<float>(n)};
    for (size_t i = 0; i < n; ++i) {
      l.residue[i] = rng() % 8 == 0 ? 0.0f : value(centre - 8, centre);
      l.gradient[i] = rng() % 8 == 0 ? -0.0f : value(centre - 6, centre + 2);
    }
    out.push_back(l);
  }
  std::erase_if(out, [](const Layer& l) { return ref::ef_signsgd_inputs_error(l.residue, l.gradient).has_value(); });
  return out;
}

OpSchema make_sign_compress() {
  OpSchema op;
  op.name = "ef-signsgd-compress";
  op.summary = "EF-SignSGD (Karimireddy et al. 2019), one layer, one step: residue, gradient -> the message (scale, sign bits), the next residue, "
               "the update (spec/codecs.md §1.7, declared float32)";
  op.clause = "spec/codecs.md §1.7";
  op.params = {scale_param()};
  declare_compress(op);
  op.inputs_error = [](const OpCase& c) -> std::optional<std::string> {
    if (auto e = size_error(c)) return e;
    return ref::ef_signsgd_inputs_error(floats_of(c.inputs[0]), floats_of(c.inputs[1]));
  };
  op.output_forms = [](const OpCase& c) {
    const size_t n = c.inputs[0].size();
    return list_forms(c, {ef_signsgd_message_bytes(n), n, n});
  };
  op.cases = [](const Params& item, const InputSpec& inputs, uint64_t seed) {
    std::vector<OpCase> out;
    for (const Layer& l : sign_layers(inputs, seed)) out.push_back({nullptr, item, {Tensor::real_list(doubles_of(l.residue)), Tensor::real_list(doubles_of(l.gradient))}});
    return out;
  };
  op.cost = [](const Params&, const InputSpec& inputs) { return uint64_t{inputs.boundary ? 300u : 0u} + uint64_t{inputs.random} * 3000; };
  op.bindings = {
      {"reference",
       [](const OpCase& c, std::vector<Tensor>& out, std::string& error) {
         const ref::EfSignOutcome r = ref::ef_signsgd_compress(floats_of(c.inputs[0]), floats_of(c.inputs[1]));
         if (!r.ok) error = "reference ef-signsgd-compress: " + r.error;
         else out = step_outputs(r.message, r.next_residue, r.update);
         return r.ok ? OpStatus::Ok : OpStatus::Error;
       }},
      {"fast", fast_compress(op.name, [](const OpCase&, std::span<const float> r, std::span<const float> d, std::span<float> next, std::span<float> update,
                                         std::vector<uint8_t>& message) { return fast::ef_signsgd_compress(r, d, next, update, message); })},
  };
  return op;
}

OpSchema make_sign_decode() {
  OpSchema op;
  op.name = "ef-signsgd-decode";
  op.summary = "EF-SignSGD message -> the update ±scale of its layer, or the byte offset where a bad message is rejected (spec/codecs.md §1.7)";
  op.clause = "spec/codecs.md §1.7";
  op.params = {scale_param(), elements_param(static_cast<int64_t>(kEfSignMaxElements), "spec/codecs.md §1.7")};
  declare_decode(op, "§1.7");
  op.cases = [](const Params& item, const InputSpec& inputs, uint64_t seed) {
    std::vector<OpCase> out;
    std::mt19937_64 rng(seed ^ 0x5eedULL);
    for (const Layer& l : sign_layers(inputs, seed)) {
      Params params = item;
      params.set("elements", static_cast<int64_t>(l.residue.size()));
      push_messages(out, params, ref::ef_signsgd_compress(l.residue, l.gradient).message, rng);
    }
    return out;
  };
  op.cost = [](const Params&, const InputSpec& inputs) { return uint64_t{inputs.boundary ? 100u : 0u} + uint64_t{inputs.random} * 300; };
  op.bindings = {
      {"reference",
       [](const OpCase& c, std::vector<Tensor>& out, std::string&) {
         const ref::EfSignDecoded r = ref::ef_signsgd_decode(static_cast<uint64_t>(c.params.integer("elements")), bytes_of(c.inputs[0]));
         out = decode_outputs(r.update, r.ok ? std::nullopt : std::optional<uint64_t>(r.error_offset));
         return OpStatus::Ok;
       }},
      {"fast",
       [](const OpCase& c, std::vector<Tensor>& out, std::string&) {
         std::vector<float> update(static_cast<size_t>(c.params.integer("elements")));
         const auto e = fast::ef_signsgd_decode(bytes_of(c.inputs[0]), update);
         out = decode_outputs(update, e ? std::optional<uint64_t>(e->offset) : std::nullopt);
         return OpStatus::Ok;
       }},
  };
  return op;
}

}  // namespace

const OpSchema& adacomp_compress_op() {
  static const OpSchema op = make_compress();
  return op;
}

const OpSchema& adacomp_decode_op() {
  static const OpSchema op = make_decode();
  return op;
}

const OpSchema& ef_signsgd_compress_op() {
  static const OpSchema op = make_sign_compress();
  return op;
}

const OpSchema& ef_signsgd_decode_op() {
  static const OpSchema op = make_sign_decode();
  return op;
}

}  // namespace lpc::ops
