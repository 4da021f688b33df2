// The EF-SignSGD ops (spec/codecs.md §1.7), AdaComp's 1-bit peer in the same error-feedback loop,
// under the declared float32 arithmetic and checked exactly:
//   ef-signsgd-compress: residue, gradient (one layer) -> the message (scale and one sign bit per
//   element), the next residue and the update Δ = ±scale.
//   ef-signsgd-decode: the message of a layer of `elements` -> Δ, or, for bad bytes, the byte offset
//   of the first violation (a result, so profiles check rejections).
#include <random>

#include "conformance/core/case.hpp"
#include "conformance/ops/derive.hpp"
#include "conformance/quantizers/cases.hpp"
#include "impls/fast/codecs/ef_signsgd.hpp"
#include "reference/codecs/ef_signsgd.hpp"

namespace lpc::ops {

namespace {

std::vector<float> floats_of(const Tensor& t) { return std::vector<float>(t.floats.begin(), t.floats.end()); }
std::vector<double> doubles_of(const std::vector<float>& v) { return std::vector<double>(v.begin(), v.end()); }
std::vector<uint8_t> bytes_of(const Tensor& t) { return std::vector<uint8_t>(t.ints.begin(), t.ints.end()); }

using Layer = std::pair<std::vector<float>, std::vector<float>>;  // residue, gradient

// The item parameter both ops take: the scale rule. One value today; 1-bit SGD's two means (§1.6)
// would be the second, with its own message.
ParamSpec scale_param() {
  ParamSpec scale{"scale", ParamType::Choice, ParamScope::Item, "the scale rule: l1, ‖R ⊕ g‖₁ / n summed in eight lanes (§1.7)", "spec/codecs.md §1.7", "l1"};
  scale.choices = [] { return std::vector<std::string>{"l1"}; };
  return scale;
}

// §1.7's decision points: zeros and -0 (Δ's sign from the sign bit), one element, every tail
// length of the eight lanes, lanes whose sums round, a scale that underflows, large magnitudes
// whose sum stays finite; then seeded layers up to 3000 elements.
std::vector<Layer> layers(const InputSpec& inputs, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::vector<Layer> out;
  if (inputs.boundary) {
    out.push_back({std::vector<float>(5, 0.0f), std::vector<float>(5, 0.0f)});
    out.push_back({{-0.0f, -0.0f, 0.0f, 1.0f}, {-0.0f, 0.0f, -0.0f, -3.0f}});
    out.push_back({{0.5f}, {-2.0f}});
    out.push_back({{1, 1, 1, 1, 1, 1, 1, 1, 0x1p-24f}, {0x1p-24f, 0, 0, 0, 0, 0, 0, 0, 0x1p-24f}});
    out.push_back({{0x1p-149f, 0, 0}, {0, -0x1p-149f, 0}});
    out.push_back({{0x1p125f, -0x1p125f, 0x1p124f}, {0x1p124f, 0, -0x1p123f}});
    for (size_t n : {7u, 8u, 9u, 15u, 16u, 17u, 63u}) {
      Layer l{std::vector<float>(n), std::vector<float>(n)};
      for (size_t i = 0; i < n; ++i) {
        l.first[i] = quantizer_cases::random_sign(rng, quantizer_cases::random_float(rng, -10, 2));
        l.second[i] = quantizer_cases::random_sign(rng, quantizer_cases::random_float(rng, -30, 0));
      }
      out.push_back(l);
    }
  }
  for (uint32_t k = 0; k < inputs.random; ++k) {
    const size_t n = 1 + rng() % 3000;
    const int centre = std::uniform_int_distribution<int>(-30, 10)(rng);
    Layer l{std::vector<float>(n), std::vector<float>(n)};
    for (size_t i = 0; i < n; ++i) {
      l.first[i] = rng() % 8 == 0 ? 0.0f : quantizer_cases::random_sign(rng, quantizer_cases::random_float(rng, centre - 8, centre));
      l.second[i] = rng() % 8 == 0 ? -0.0f : quantizer_cases::random_sign(rng, quantizer_cases::random_float(rng, centre - 6, centre + 2));
    }
    out.push_back(l);
  }
  return out;
}

OpSchema make_compress() {
  OpSchema op;
  op.name = "ef-signsgd-compress";
  op.summary = "EF-SignSGD (Karimireddy et al. 2019), one layer, one step: residue, gradient -> the message (scale, sign bits), the next residue, "
               "the update (spec/codecs.md §1.7, declared float32)";
  op.clause = "spec/codecs.md §1.7";
  op.params = {scale_param()};
  op.inputs = {{"residue", ElemType::Float32, {}, "R, the layer's residue of the previous step (finite)", false, true},
               {"gradient", ElemType::Float32, {}, "g, the layer's gradient, as long as the residue (finite)", false, true}};
  op.outputs = {{"message", ElemType::Int, {}, "the message bytes, 0..255: the scale, then a sign bit per element"},
                {"next_residue", ElemType::Float32, {}, "R' = p - Δ"},
                {"update", ElemType::Float32, {}, "Δ = ±scale by p's sign bit"}};
  op.verification.kind = Verification::Kind::Exact;
  op.verification.text = "exact: every message byte, every residue and update float32 bit";
  op.inputs_error = [](const OpCase& c) -> std::optional<std::string> {
    if (c.inputs[0].size() != c.inputs[1].size())
      return "residue has " + std::to_string(c.inputs[0].size()) + " elements, gradient " + std::to_string(c.inputs[1].size());
    return ref::ef_signsgd_inputs_error(floats_of(c.inputs[0]), floats_of(c.inputs[1]));
  };
  op.output_forms = [](const OpCase& c) {
    const size_t n = c.inputs[0].size();
    return list_forms(c, {ef_signsgd_message_bytes(n), n, n});
  };
  op.cases = [](const Params& item, const InputSpec& inputs, uint64_t seed) {
    std::vector<OpCase> out;
    for (const Layer& l : layers(inputs, seed))
      if (!ref::ef_signsgd_inputs_error(l.first, l.second)) out.push_back({nullptr, item, {Tensor::real_list(doubles_of(l.first)), Tensor::real_list(doubles_of(l.second))}});
    return out;
  };
  op.cost = [](const Params&, const InputSpec& inputs) { return uint64_t{inputs.boundary ? 300u : 0u} + uint64_t{inputs.random} * 3000; };
  op.bindings = {
      {"reference",
       [](const OpCase& c, std::vector<Tensor>& out, std::string& error) {
         const ref::EfSignOutcome r = ref::ef_signsgd_compress(floats_of(c.inputs[0]), floats_of(c.inputs[1]));
         if (!r.ok) {
           error = "reference ef-signsgd-compress: " + r.error;
           return OpStatus::Error;
         }
         out = {Tensor::integer_list(std::vector<int64_t>(r.message.begin(), r.message.end())), Tensor::real_list(doubles_of(r.next_residue)),
                Tensor::real_list(doubles_of(r.update))};
         return OpStatus::Ok;
       }},
      {"fast",
       [](const OpCase& c, std::vector<Tensor>& out, std::string& error) {
         const std::vector<float> residue = floats_of(c.inputs[0]), gradient = floats_of(c.inputs[1]);
         std::vector<float> next(residue.size()), update(residue.size());
         std::vector<uint8_t> message;
         if (auto e = fast::ef_signsgd_compress(residue, gradient, next, update, message)) {
           error = "fast ef-signsgd-compress: " + *e;
           return OpStatus::Error;
         }
         out = {Tensor::integer_list(std::vector<int64_t>(message.begin(), message.end())), Tensor::real_list(doubles_of(next)),
                Tensor::real_list(doubles_of(update))};
         return OpStatus::Ok;
       }},
  };
  return op;
}

OpSchema make_decode() {
  OpSchema op;
  op.name = "ef-signsgd-decode";
  op.summary = "EF-SignSGD message -> the update ±scale of its layer, or the byte offset where a bad message is rejected (spec/codecs.md §1.7)";
  op.clause = "spec/codecs.md §1.7";
  ParamSpec elements{"elements", ParamType::Int, ParamScope::Case, "n, the layer's elements (known to both ends, not in the message)", "spec/codecs.md §1.7",
                     "1"};
  elements.min = 1;
  elements.max = static_cast<int64_t>(kEfSignMaxElements);
  elements.fuzz_min = 1;
  elements.fuzz_max = 300;
  op.params = {scale_param(), elements};
  op.inputs = {{"message", ElemType::Int, {}, "the message bytes, 0..255 (any: a bad message is rejected at a byte offset)"}};
  TensorSpec update{"update", ElemType::Float32, {}, "±scale by each sign bit (n elements; none when rejected)"};
  update.optional = true;
  op.outputs = {update, {"error_offset", ElemType::Int, {}, "-1 for a valid message, else the byte offset of its first violation (§1.7)"}};
  op.verification.kind = Verification::Kind::Exact;
  op.verification.text = "exact: the rejection's byte offset, every update float32 bit";
  op.element_range = [](const Params&, size_t) -> std::optional<std::pair<int64_t, int64_t>> { return std::pair<int64_t, int64_t>{0, 255}; };
  op.inputs_error = [](const OpCase& c) -> std::optional<std::string> {
    for (size_t i = 0; i < c.inputs[0].size(); ++i)
      if (c.inputs[0].ints[i] < 0 || c.inputs[0].ints[i] > 255) return "message byte " + std::to_string(i) + " outside 0..255";
    return std::nullopt;
  };
  op.output_forms = [](const OpCase& c) { return list_forms(c, {static_cast<size_t>(c.params.integer("elements")), 1}); };
  op.cases = [](const Params& item, const InputSpec& inputs, uint64_t seed) {
    std::vector<OpCase> out;
    std::mt19937_64 flip(seed ^ 0x5eedULL);
    for (const Layer& l : layers(inputs, seed)) {
      const ref::EfSignOutcome r = ref::ef_signsgd_compress(l.first, l.second);
      if (!r.ok) continue;
      Params params = item;
      params.set("elements", static_cast<int64_t>(l.first.size()));
      std::vector<int64_t> m(r.message.begin(), r.message.end()), cut(m.begin(), m.end() - 1), longer = m, flipped = m;
      longer.push_back(0);
      flipped[flip() % m.size()] ^= int64_t{1} << (flip() % 8);  // a sign, the scale, or an unused bit
      for (auto* bytes : {&m, &cut, &longer, &flipped}) out.push_back({nullptr, params, {Tensor::integer_list(*bytes)}});
    }
    return out;
  };
  op.cost = [](const Params&, const InputSpec& inputs) { return uint64_t{inputs.boundary ? 100u : 0u} + uint64_t{inputs.random} * 300; };
  op.bindings = {
      {"reference",
       [](const OpCase& c, std::vector<Tensor>& out, std::string&) {
         const ref::EfSignDecoded r = ref::ef_signsgd_decode(static_cast<uint64_t>(c.params.integer("elements")), bytes_of(c.inputs[0]));
         out = {Tensor::real_list(doubles_of(r.update)), Tensor::integer_list({r.ok ? -1 : static_cast<int64_t>(r.error_offset)})};
         return OpStatus::Ok;
       }},
      {"fast",
       [](const OpCase& c, std::vector<Tensor>& out, std::string&) {
         std::vector<float> update(static_cast<size_t>(c.params.integer("elements")));
         const auto e = fast::ef_signsgd_decode(bytes_of(c.inputs[0]), update);
         if (e) update.clear();  // nothing half-written
         out = {Tensor::real_list(doubles_of(update)), Tensor::integer_list({e ? static_cast<int64_t>(e->offset) : -1})};
         return OpStatus::Ok;
       }},
  };
  return op;
}

}  // namespace

const OpSchema& ef_signsgd_compress_op() {
  static const OpSchema op = make_compress();
  return op;
}

const OpSchema& ef_signsgd_decode_op() {
  static const OpSchema op = make_decode();
  return op;
}

}  // namespace lpc::ops
