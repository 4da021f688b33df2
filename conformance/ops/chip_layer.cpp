#include "conformance/ops/chip_layer.hpp"

#include <fstream>
#include <sstream>
#include <stdexcept>

#include "conformance/chip/check.hpp"
#include "conformance/ops/derive.hpp"
#include "impls/chip/values/values.hpp"
#include "impls/fast/gemm/layer.hpp"
#include "reference/chip/chip.hpp"

namespace lpc::ops::chip_layer {

namespace {

std::vector<std::string> preset_names() {
  std::vector<std::string> names;
  for (const chip::ChipPreset& p : chip::chip_presets()) names.emplace_back(p.name);
  return names;
}

std::vector<std::string> data_set_names() {
  std::vector<std::string> names;
  for (chip::conformance::DataSet d : chip::conformance::kAllDataSets) names.emplace_back(chip::conformance::to_string(d));
  return names;
}

std::vector<uint8_t> codes(const Tensor& t) {
  std::vector<uint8_t> out(t.ints.size());
  for (size_t i = 0; i < out.size(); ++i) {
    if (t.ints[i] < 0 || t.ints[i] > 255) throw std::invalid_argument("code " + std::to_string(t.ints[i]) + " outside [0, 255]");
    out[i] = static_cast<uint8_t>(t.ints[i]);
  }
  return out;
}

std::vector<int32_t> bias_values(const Tensor& t) { return std::vector<int32_t>(t.ints.begin(), t.ints.end()); }

Tensor to_tensor(const chip::ChipTensor& t, std::vector<uint64_t> shape) {
  return t.is_float ? Tensor::reals(std::move(shape), t.floats) : Tensor::integers(std::move(shape), t.ints);
}

chip::ChipTensor to_chip(const Tensor& t) {
  chip::ChipTensor c;
  c.is_float = t.is_float;
  c.ints = t.ints;
  c.floats = t.floats;
  return c;
}

chip::conformance::LayerData layer_data(const OpCase& c) { return {codes(c.inputs[0]), codes(c.inputs[1]), bias_values(c.inputs[2])}; }

}  // namespace

std::vector<ParamSpec> common_params() {
  ParamSpec preset{"preset",          ParamType::Choice, ParamScope::Item, "the chip: PE mode, operand formats, accumulator, vector processor",
                   "spec/chip.md §2", "int8-inference"};
  preset.choices = preset_names;
  ParamSpec data{
      "data",  ParamType::Choice, ParamScope::Item, "the operands' data set (random, large, cancel, sparse, saturate, specials)", "spec/chip.md §5.3",
      "random"};
  data.choices = data_set_names;
  ParamSpec config{"config",          ParamType::Text, ParamScope::Case, "a chip config file used instead of the preset; none: the preset",
                   "spec/chip.md §2", "none"};
  ParamSpec seed{"seed", ParamType::Int, ParamScope::Case, "seed of the operands (std::mt19937_64)", "spec/chip.md §5.3", "1"};
  seed.max = int64_t{1} << 62;
  return {preset, data, config, seed};
}

chip::ChipConfig config_of(const Params& p) {
  const std::string& path = p.text("config");
  if (path == "none") return chip::chip_preset(p.text("preset"));
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::invalid_argument("parameter 'config': cannot read '" + path + "'");
  std::ostringstream text;
  text << in.rdbuf();
  return chip::parse_chip_config(text.str(), path);
}

std::vector<Tensor> make_inputs(const Params& p, const chip::Layer& layer, std::vector<uint64_t> a_shape, std::vector<uint64_t> b_shape) {
  const chip::ChipConfig config = config_of(p);
  chip::conformance::LayerData d =
      chip::conformance::make_layer_data(config, layer, chip::conformance::parse_data_set(p.text("data")), static_cast<uint64_t>(p.integer("seed")));
  auto widen = [](const std::vector<uint8_t>& v) { return std::vector<int64_t>(v.begin(), v.end()); };
  const uint64_t n = d.bias.size();
  return {Tensor::integers(std::move(a_shape), widen(d.a)), Tensor::integers(std::move(b_shape), widen(d.b)),
          Tensor::integers({n}, std::vector<int64_t>(d.bias.begin(), d.bias.end()))};
}

namespace {

std::vector<uint64_t> out_shape_of(const chip::Layer& layer) {
  if (layer.conv) return {layer.conv->ofmap_h(), layer.conv->ofmap_w(), layer.conv->filters};
  return {layer.gemm.m, layer.gemm.n};
}

std::vector<std::pair<std::string, Binding>> bindings(LayerOf layer_of) {
  enum class Which { Reference, Chip, Fast };
  auto bind = [=](Which which) -> Binding {
    return [=](const OpCase& c, std::vector<Tensor>& outputs, std::string&) {
      const chip::ChipConfig config = config_of(c.params);
      const chip::Layer layer = layer_of(c);
      const chip::conformance::LayerData d = layer_data(c);
      const chip::ChipValues v = which == Which::Reference ? ref::chip::hardware_layer(config, layer, d.a, d.b, d.bias)
                                 : which == Which::Chip    ? chip::values::run_layer(config, layer, d.a, d.b, d.bias)
                                                           : fast::chip_layer(config, layer, d.a, d.b, d.bias);
      outputs = {to_tensor(v.accumulators, out_shape_of(layer)), to_tensor(v.outputs, out_shape_of(layer))};
      return OpStatus::Ok;
    };
  };
  return {{"reference", bind(Which::Reference)}, {"chip", bind(Which::Chip)}, {"fast", bind(Which::Fast)}};
}

std::function<void(const OpCase&, std::span<const Tensor>, std::span<const Tensor>, CompareSink&)> compare(LayerOf layer_of) {
  return [=](const OpCase& c, std::span<const Tensor> got, std::span<const Tensor> want, CompareSink& sink) {
    // 1. Bit-exact against the hardware-semantics reference: accumulators and outputs.
    compare_exact(c, got, want, sink);
    if (got[0].size() != want[0].size()) return;
    // 2. The accumulators against exact math, every row.
    const chip::ChipConfig config = config_of(c.params);
    const chip::Layer layer = layer_of(c);
    std::vector<uint64_t> rows(layer.gemm.m);
    for (uint64_t r = 0; r < rows.size(); ++r) rows[r] = r;
    const uint64_t n = layer.gemm.n;
    const auto counts =
        chip::conformance::check_exact_math(config, layer, layer_data(c), rows, to_chip(got[0]), [&](size_t i, std::string g, std::string w) {
          sink.mismatch("accumulator[" + std::to_string(i / n) + "," + std::to_string(i % n) + "] vs exact math", std::move(g), std::move(w));
        });
    sink.checked += counts.checked;
    sink.excluded += counts.excluded;
  };
}

std::function<std::optional<std::string>(const OpCase&)> inputs_error(LayerOf layer_of) {
  return [=](const OpCase& c) -> std::optional<std::string> {
    chip::Layer layer;
    try {
      layer = layer_of(c);
    } catch (const std::invalid_argument& e) {
      return e.what();
    }
    const chip::ChipConfig config = config_of(c.params);
    const Format* formats[] = {config.a_format, config.b_format};
    for (size_t k = 0; k < 2; ++k)
      for (int64_t code : c.inputs[k].ints)
        if (code < 0 || code >= static_cast<int64_t>(formats[k]->code_count()))
          return c.op->inputs[k].name + ": code " + std::to_string(code) + " is not a code of " + formats[k]->name;
    const size_t bias = c.inputs[2].ints.size();
    if (config.bias && bias != layer.gemm.n) return "this chip adds a bias: give " + std::to_string(layer.gemm.n) + " values in --bias FILE";
    if (!config.bias && bias) return "this chip has no bias; drop --bias";
    for (int64_t v : c.inputs[2].ints)
      if (v < INT32_MIN || v > INT32_MAX) return "bias value " + std::to_string(v) + " is not an int32";
    return std::nullopt;
  };
}

}  // namespace

void bind(OpSchema& op, LayerOf layer_of) {
  op.verification.kind = Verification::Kind::Exact;
  op.verification.text =
      "exact: accumulators and outputs bit for bit against the hardware-semantics reference (NaN as a class, -0 kept); accumulators against "
      "exact math: integers exact (mod 2^W with wrap), floats within the dot-product bound (spec/chip.md §5.2)";
  op.inputs_error = inputs_error(layer_of);
  op.compare = compare(layer_of);
  op.bindings = bindings(layer_of);
  op.output_forms = [=](const OpCase& c) {
    const bool real = config_of(c.params).accumulator.is_float;
    const std::vector<uint64_t> shape = out_shape_of(layer_of(c));
    return std::vector<Tensor>{{real, shape, {}, {}}, {real, shape, {}, {}}};
  };
}

}  // namespace lpc::ops::chip_layer
