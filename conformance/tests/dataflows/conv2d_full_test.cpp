// conv2d in full (spec/convolution.md §1): padding (PyTorch's symmetric, TOSA's asymmetric),
// a stride per axis, dilation, groups and depthwise — known answers by hand through the chip's
// value model, the hardware-semantics reference and the fast layer; every preset's values on
// full layers checked as spec/chip.md §5 checks them; the timing of the full mode, and the
// scalesim mode keeping SCALE-Sim's topology row (its goldens are conformance/tests/chip).
#include <catch2/catch.hpp>

#include <cmath>
#include <cstdint>
#include <iterator>
#include <vector>

#include "conformance/chip/check.hpp"
#include "impls/chip/timing/conv_timing.hpp"
#include "impls/chip/values/values.hpp"
#include "impls/fast/gemm/layer.hpp"
#include "reference/chip/chip.hpp"
#include "spec/chip/config.hpp"

namespace {

using lpc::chip::ConvShape;
using Values = std::vector<int64_t>;

lpc::chip::ChipConfig int8_array() {
  lpc::chip::ChipConfig config = lpc::chip::chip_preset("int8-inference");
  config.bias = false;
  return config;
}

std::vector<uint8_t> codes(const Values& v) {
  std::vector<uint8_t> out(v.size());
  for (size_t i = 0; i < v.size(); ++i) out[i] = static_cast<uint8_t>(static_cast<int8_t>(v[i]));
  return out;
}

// The accumulators of the chip, the hardware-semantics reference and the fast layer all equal `want`.
void check_known(const ConvShape& conv, const Values& ifmap, const Values& filters, const Values& want) {
  const lpc::chip::Layer layer = lpc::chip::conv_layer(conv);
  const lpc::chip::ChipConfig config = int8_array();
  INFO("ofmap " << conv.ofmap_h() << " x " << conv.ofmap_w());
  CHECK(lpc::chip::values::run_layer(config, layer, codes(ifmap), codes(filters), {}).accumulators.ints == want);
  CHECK(lpc::ref::chip::hardware_layer(config, layer, codes(ifmap), codes(filters), {}).accumulators.ints == want);
  CHECK(lpc::fast::chip_layer(config, layer, codes(ifmap), codes(filters), {}).accumulators.ints == want);
}

}  // namespace

TEST_CASE("conv2d in full: known answers by hand", "[dataflows][conv2d][known-answers]") {
  SECTION("PyTorch padding 1: 3 x 3 ones over 1..9 gives the neighbourhood sums") {
    ConvShape conv{3, 3, 3, 3, 1, 1, 1};
    conv.pad_top = conv.pad_bottom = conv.pad_left = conv.pad_right = 1;
    check_known(conv, {1, 2, 3, 4, 5, 6, 7, 8, 9}, Values(9, 1), {12, 21, 16, 27, 45, 33, 24, 39, 28});
  }
  SECTION("dilation 2: a 2 x 2 kernel of ones spans 3 x 3 (a 3 x 3 ofmap); x[a][b] = 5a + b gives 20a + 4b + 24") {
    ConvShape conv{5, 5, 2, 2, 1, 1, 1};
    conv.dilation_h = conv.dilation_w = 2;
    Values x(25), want;
    for (int64_t i = 0; i < 25; ++i) x[i] = i;
    for (int64_t a = 0; a < 3; ++a)
      for (int64_t b = 0; b < 3; ++b) want.push_back(20 * a + 4 * b + 24);
    check_known(conv, x, Values(4, 1), want);
  }
  SECTION("TOSA asymmetric pads [1, 0, 0, 1]: the one input lands on the kernel's bottom-left") {
    ConvShape conv{1, 1, 2, 2, 1, 1, 1};
    conv.pad_top = 1, conv.pad_right = 1;
    check_known(conv, {4}, {1, 2, 3, 4}, {12});
  }
  SECTION("stride 1 x 2: every other column") {
    ConvShape conv{1, 5, 1, 1, 1, 1, 1};
    conv.stride_w = 2;
    check_known(conv, {1, 2, 3, 4, 5}, {3}, {3, 9, 15});
  }
  SECTION("depthwise (groups = C = 2, multiplier 2): each channel with its own two filters") {
    ConvShape conv{1, 1, 1, 1, 2, 4, 1};
    conv.groups = 2;  // filters 1 x 1 x 1 x 4: filters 0, 1 read channel 0, filters 2, 3 channel 1
    check_known(conv, {3, 7}, {2, -1, 5, 10}, {6, -3, 35, 70});
  }
  SECTION("groups 2 of 2 channels: no mixing across groups") {
    ConvShape conv{1, 1, 1, 1, 4, 2, 1};
    conv.groups = 2;  // filters 1 x 1 x 2 x 2: [c_local][m]
    check_known(conv, {1, 2, 3, 4}, {10, 20, 30, 40}, {1 * 10 + 2 * 30, 3 * 20 + 4 * 40});
  }
}

TEST_CASE("conv2d in full: every preset's values on full layers (spec/chip.md §5)", "[dataflows][conv2d][presets]") {
  // Padding, dilation, strides per axis, groups and depthwise, on every preset and data set: the
  // chip bit-exact against the hardware-semantics reference and its accumulators against exact
  // math; the fast layer bit-exact against the same reference.
  std::vector<ConvShape> shapes;
  auto add = [&](ConvShape c, uint32_t pt, uint32_t pb, uint32_t pl, uint32_t pr, uint32_t sw, uint32_t dh, uint32_t dw, uint32_t g) {
    c.pad_top = pt, c.pad_bottom = pb, c.pad_left = pl, c.pad_right = pr, c.stride_w = sw, c.dilation_h = dh, c.dilation_w = dw, c.groups = g;
    shapes.push_back(c);
  };
  add({7, 6, 3, 3, 4, 6, 2}, 1, 1, 1, 1, 0, 1, 1, 2);
  add({9, 8, 3, 2, 3, 3, 1}, 0, 2, 1, 0, 2, 2, 3, 1);
  add({5, 5, 3, 3, 6, 6, 1}, 1, 1, 1, 1, 0, 1, 1, 6);
  add({6, 9, 2, 3, 40, 8, 1}, 0, 1, 2, 0, 3, 2, 1, 4);
  uint64_t checked = 0;
  for (const lpc::chip::ChipPreset& preset : lpc::chip::chip_presets())
    for (lpc::chip::conformance::DataSet data : lpc::chip::conformance::kAllDataSets)
      for (const ConvShape& conv : shapes) {
        const lpc::chip::ChipConfig config = lpc::chip::chip_preset(preset.name);
        const lpc::chip::Layer layer = lpc::chip::conv_layer(conv);
        const lpc::chip::conformance::LayerData d = lpc::chip::conformance::make_layer_data(config, layer, data, 7 + checked);
        const lpc::chip::conformance::ValueVerdict v = lpc::chip::conformance::check_values(config, layer, d, "conv2d full");
        INFO(preset.name << " " << lpc::chip::conformance::to_string(data) << " groups " << conv.groups);
        REQUIRE(v.pass);
        CHECK(v.compared == layer.gemm.m * layer.gemm.n);
        const lpc::chip::ChipValues want = lpc::ref::chip::hardware_layer(config, layer, d.a, d.b, d.bias);
        const lpc::chip::ChipValues fast = lpc::fast::chip_layer(config, layer, d.a, d.b, d.bias);
        REQUIRE(fast.accumulators.size() == want.accumulators.size());
        for (size_t i = 0; i < want.accumulators.size(); ++i) {
          if (want.accumulators.is_float) {
            const double g = fast.accumulators.floats[i], w = want.accumulators.floats[i], go = fast.outputs.floats[i], wo = want.outputs.floats[i];
            REQUIRE(((std::isnan(g) && std::isnan(w)) || (g == w && std::signbit(g) == std::signbit(w))));
            REQUIRE(((std::isnan(go) && std::isnan(wo)) || (go == wo && std::signbit(go) == std::signbit(wo))));
          } else {
            REQUIRE(fast.accumulators.ints[i] == want.accumulators.ints[i]);
            REQUIRE(fast.outputs.ints[i] == want.outputs.ints[i]);
          }
        }
        ++checked;
      }
  CHECK(checked == lpc::chip::chip_presets().size() * std::size(lpc::chip::conformance::kAllDataSets) * shapes.size());
}

TEST_CASE("conv2d in full: timing, and the scalesim mode stays SCALE-Sim's row", "[dataflows][conv2d][timing]") {
  using lpc::chip::Dataflow;
  SECTION("a SCALE-Sim row with one group times as the scalesim mode where stride divides H - R") {
    const lpc::chip::Layer layer = lpc::chip::conv_layer({9, 9, 3, 3, 8, 16, 2});
    const lpc::chip::TimingReport full = lpc::chip::conv_timing(layer, {8, 8}, Dataflow::WeightStationary);
    const lpc::chip::TimingReport scalesim = lpc::chip::scalesim_timing(layer, {8, 8}, Dataflow::WeightStationary);
    CHECK(full.total_cycles == scalesim.total_cycles);
    CHECK(full.ifmap_sram_reads == scalesim.ifmap_sram_reads);
    CHECK(full.ofmap_sram_writes == scalesim.ofmap_sram_writes);
  }
  SECTION("groups run back to back: 4 x 4 input, padding 1, 3 x 3, C = M = 8 in 2 groups on 4 x 4, ws") {
    ConvShape conv{4, 4, 3, 3, 8, 8, 1};
    conv.pad_top = conv.pad_bottom = conv.pad_left = conv.pad_right = 1;
    conv.groups = 2;
    // A group: M = 16 pixels, N = 4, K = 3·3·4 = 36 → 9 row folds, 1 column fold, 2·4 + 4 + 16 - 2
    // = 26 cycles per fold; 2 groups: 18 folds, 468 cycles, the last at 467. MACs 2·16·4·36.
    const lpc::chip::TimingReport t = lpc::chip::conv_timing(lpc::chip::conv_layer(conv), {4, 4}, Dataflow::WeightStationary);
    CHECK(t.folds == 18);
    CHECK(t.cycles_per_fold == 26);
    CHECK(t.total_cycles == 467);
    CHECK(t.macs == 2 * 16 * 4 * 36);
    CHECK(t.filter_sram_reads == 2 * 36 * 4);
  }
  SECTION("the scalesim mode refuses what SCALE-Sim's topology row cannot say") {
    ConvShape conv{9, 9, 3, 3, 8, 16, 1};
    conv.pad_top = 1;
    CHECK_THROWS_WITH(lpc::chip::scalesim_timing(lpc::chip::conv_layer(conv), {8, 8}, Dataflow::WeightStationary),
                      Catch::Contains("scalesim timing mode takes SCALE-Sim's topology row"));
  }
  SECTION("shape rules name the field") {
    ConvShape conv{4, 4, 3, 3, 4, 6, 1};
    conv.groups = 3;
    CHECK(lpc::chip::shape_error(conv).value() == "groups = 3 must divide the input channels C = 4");
    conv.groups = 1, conv.dilation_h = 2;
    CHECK(lpc::chip::shape_error(conv).value().find("dilation_h*(R-1)+1 = 5 exceeds the padded input height") != std::string::npos);
    conv.pad_top = 1;
    CHECK_FALSE(lpc::chip::shape_error(conv));
  }
}
