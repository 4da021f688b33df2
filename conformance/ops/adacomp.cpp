// The AdaComp ops (spec/codecs.md §1), under the declared float32 arithmetic and checked exactly:
//   adacomp-compress: residue, gradient (one layer) -> the message bytes (§1.4), the next residue
//   and the dequantized update (§1.2), for a bin length L_T and a message layout.
//   adacomp-decode: the message bytes of a layer of `elements` -> the dense update (§1.5), or, for
//   bad bytes, the byte offset of the first violation (a result, so profiles check rejections).
#include <algorithm>
#include <cmath>
#include <limits>
#include <random>

#include "conformance/core/case.hpp"
#include "conformance/ops/derive.hpp"
#include "conformance/quantizers/cases.hpp"
#include "impls/fast/codecs/adacomp.hpp"
#include "reference/codecs/adacomp.hpp"

namespace lpc::ops {

namespace {

AdacompParams params_of(const Params& p) {
  AdacompParams a;
  a.bin = static_cast<uint32_t>(p.integer("bin"));
  a.layout = p.text("layout") == "binned" ? AdacompLayout::Binned : AdacompLayout::Index32;
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

// The messages of the same layers, as the reference writes them, each also cut by its last byte,
// with a byte appended, and with one seeded bit flipped (§1.5's rejections, or another valid message).
std::vector<OpCase> decode_cases(const Params& item, const InputSpec& inputs, uint64_t seed) {
  std::vector<OpCase> out;
  std::mt19937_64 rng(seed ^ 0x5eedULL);
  for (const Layer& l : item_layers(item, inputs, seed)) {
    const ref::AdacompOutcome r = ref::adacomp_compress(params_of(item), l.residue, l.gradient);
    if (!r.ok) continue;
    Params params = item;
    params.set("elements", static_cast<int64_t>(l.residue.size()));
    std::vector<int64_t> m = ints_of(r.message), cut(m.begin(), m.end() - 1), longer = m, flipped = m;
    longer.push_back(0);
    flipped[rng() % m.size()] ^= int64_t{1} << (rng() % 8);
    for (auto* bytes : {&m, &cut, &longer, &flipped}) out.push_back({nullptr, params, {Tensor::integer_list(*bytes)}});
  }
  return out;
}

// ---- adacomp-compress ----------------------------------------------------------------------------

OpSchema make_compress() {
  OpSchema op;
  op.name = "adacomp-compress";
  op.summary = "AdaComp (US11295208B2), one layer, one step: residue, gradient -> the message, the next residue, the update Gq "
               "(spec/codecs.md §1.2, declared float32)";
  op.clause = "spec/codecs.md §1.1-1.4";
  op.params = item_params();
  op.inputs = {{"residue", ElemType::Float32, {}, "R, the layer's residue of the previous step (finite)", false, true},
               {"gradient", ElemType::Float32, {}, "ΔW, the layer's gradient, as long as the residue (finite)", false, true}};
  op.outputs = {{"message", ElemType::Int, {}, "the message bytes, 0..255 (§1.4: count, scale, indices or bit stream, signs)"},
                {"next_residue", ElemType::Float32, {}, "R' = G - Gq (§1.2 step 7)"},
                {"update", ElemType::Float32, {}, "Gq: ±scale where selected, +0 elsewhere (§1.2 step 6)"}};
  op.verification.kind = Verification::Kind::Exact;
  op.verification.text = "exact: every message byte, every residue and update float32 bit";
  op.params_error = [](const Params& p) -> std::optional<std::string> { return adacomp_params_error(params_of(p), 1); };
  op.inputs_error = [](const OpCase& c) -> std::optional<std::string> {
    if (c.inputs[0].size() != c.inputs[1].size())
      return "residue has " + std::to_string(c.inputs[0].size()) + " elements, gradient " + std::to_string(c.inputs[1].size());
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
         if (!r.ok) {
           error = "reference adacomp-compress: " + r.error;
           return OpStatus::Error;
         }
         out = {Tensor::integer_list(ints_of(r.message)), Tensor::real_list(doubles_of(r.next_residue)), Tensor::real_list(doubles_of(r.update))};
         return OpStatus::Ok;
       }},
      {"fast",
       [](const OpCase& c, std::vector<Tensor>& out, std::string& error) {
         const std::vector<float> residue = floats_of(c.inputs[0]), gradient = floats_of(c.inputs[1]);
         std::vector<float> next(residue.size()), update(residue.size());
         std::vector<uint8_t> message;
         if (auto e = fast::adacomp_compress(params_of(c.params), residue, gradient, next, update, message)) {
           error = "fast adacomp-compress: " + *e;
           return OpStatus::Error;
         }
         out = {Tensor::integer_list(ints_of(message)), Tensor::real_list(doubles_of(next)), Tensor::real_list(doubles_of(update))};
         return OpStatus::Ok;
       }},
  };
  return op;
}

// ---- adacomp-decode ------------------------------------------------------------------------------

std::vector<uint8_t> bytes_of(const OpCase& c) { return std::vector<uint8_t>(c.inputs[0].ints.begin(), c.inputs[0].ints.end()); }

OpSchema make_decode() {
  OpSchema op;
  op.name = "adacomp-decode";
  op.summary = "AdaComp message -> the dense update of its layer, or the byte offset where a bad message is rejected (spec/codecs.md §1.5)";
  op.clause = "spec/codecs.md §1.4-1.5";
  op.params = item_params();
  ParamSpec elements{"elements", ParamType::Int, ParamScope::Case, "n, the layer's elements (known to both ends, not in the message)", "spec/codecs.md §1.4",
                     "1"};
  elements.min = 1;
  elements.max = 1 << 26;
  elements.fuzz_min = 1;
  elements.fuzz_max = 300;
  op.params.push_back(elements);
  op.inputs = {{"message", ElemType::Int, {}, "the message bytes, 0..255 (any: a bad message is rejected at a byte offset)"}};
  TensorSpec update{"update", ElemType::Float32, {}, "U: ±scale at the message's indices, +0 elsewhere (n elements; none when rejected)"};
  update.optional = true;
  op.outputs = {update, {"error_offset", ElemType::Int, {}, "-1 for a valid message, else the byte offset of its first violation (§1.5)"}};
  op.verification.kind = Verification::Kind::Exact;
  op.verification.text = "exact: the rejection's byte offset, every update float32 bit";
  op.params_error = [](const Params& p) { return adacomp_params_error(params_of(p), static_cast<uint64_t>(p.integer("elements"))); };
  op.element_range = [](const Params&, size_t) -> std::optional<std::pair<int64_t, int64_t>> { return std::pair<int64_t, int64_t>{0, 255}; };
  op.inputs_error = [](const OpCase& c) -> std::optional<std::string> {
    for (size_t i = 0; i < c.inputs[0].size(); ++i)
      if (c.inputs[0].ints[i] < 0 || c.inputs[0].ints[i] > 255) return "message byte " + std::to_string(i) + " outside 0..255";
    return std::nullopt;
  };
  op.output_forms = [](const OpCase& c) { return list_forms(c, {static_cast<size_t>(c.params.integer("elements")), 1}); };
  op.cases = decode_cases;
  op.cost = [](const Params&, const InputSpec& inputs) { return uint64_t{inputs.boundary ? 300u : 0u} + uint64_t{inputs.random} * 1500; };
  op.bindings = {
      {"reference",
       [](const OpCase& c, std::vector<Tensor>& out, std::string&) {
         const ref::AdacompDecoded r = ref::adacomp_decode(params_of(c.params), static_cast<uint64_t>(c.params.integer("elements")), bytes_of(c));
         out = {Tensor::real_list(doubles_of(r.update)), Tensor::integer_list({r.ok ? -1 : static_cast<int64_t>(r.error_offset)})};
         return OpStatus::Ok;
       }},
      {"fast",
       [](const OpCase& c, std::vector<Tensor>& out, std::string&) {
         std::vector<float> update(static_cast<size_t>(c.params.integer("elements")));
         const auto e = fast::adacomp_decode(params_of(c.params), bytes_of(c), update);
         if (e) update.clear();  // nothing half-written
         out = {Tensor::real_list(doubles_of(update)), Tensor::integer_list({e ? static_cast<int64_t>(e->offset) : -1})};
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

}  // namespace lpc::ops
