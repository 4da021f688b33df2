// Transposed convolution (spec/convolution.md §2): known answers worked out by hand, the research
// grid differentially against the scatter reference (fast and the chip's rotated-kernel dataflow),
// the adjoint identity with the chip's forward conv2d, the equivalence with a stride-1 conv2d over
// the zero-upsampled input with the 180°-rotated kernel, the per-axis runs against brute force,
// RapidCheck fast/chip vs reference, and the chip's timing against hand-computed counts.
#include <catch2/catch.hpp>

#include <cstdint>
#include <iostream>
#include <random>
#include <string>
#include <vector>

#include "conformance/ops/derive.hpp"
#include "conformance/tests/support/property.hpp"
#include "conformance/tests/support/runner.hpp"
#include "impls/chip/timing/conv_timing.hpp"
#include "impls/chip/values/conv_transpose.hpp"
#include "impls/chip/values/values.hpp"
#include "impls/fast/convolution/conv_transpose.hpp"
#include "reference/convolution/conv_transpose.hpp"
#include "spec/chip/config.hpp"

namespace {

using lpc::conv::TransposedConvShape;
using Values = std::vector<int64_t>;

lpc::chip::ChipConfig int8_array() {
  lpc::chip::ChipConfig config = lpc::chip::chip_preset("int8-inference");
  config.bias = false;  // accumulators only: the array and its summation
  return config;
}

std::vector<uint8_t> codes(const Values& v) {
  std::vector<uint8_t> out(v.size());
  for (size_t i = 0; i < v.size(); ++i) out[i] = static_cast<uint8_t>(static_cast<int8_t>(v[i]));
  return out;
}

Values fast_of(const TransposedConvShape& s, const Values& x, const Values& w) {
  Values y(s.output_size());
  lpc::fast::conv_transpose2d(s, x, w, y);
  return y;
}

Values chip_of(const TransposedConvShape& s, const Values& x, const Values& w) {
  return lpc::chip::values::conv_transpose2d(int8_array(), s, codes(x), codes(w)).ints;
}

TransposedConvShape shape(uint32_t h, uint32_t w, uint32_t c, uint32_t m, uint32_t kh, uint32_t kw, uint32_t stride_h, uint32_t stride_w) {
  TransposedConvShape s;
  s.in_h = h, s.in_w = w, s.in_channels = c, s.out_channels = m, s.kernel_h = kh, s.kernel_w = kw, s.stride_h = stride_h, s.stride_w = stride_w;
  return s;
}

// All three implementations give the hand-computed `want`.
void check_known(const TransposedConvShape& s, const Values& x, const Values& w, const Values& want) {
  INFO("out " << s.out_h() << " x " << s.out_w());
  CHECK(lpc::ref::conv::conv_transpose2d(s, x, w) == want);
  CHECK(fast_of(s, x, w) == want);
  CHECK(chip_of(s, x, w) == want);
}

}  // namespace

TEST_CASE("conv-transpose2d known answers by hand", "[dataflows][known-answers]") {
  SECTION("stride 2, K 2, 1-D: each input scatters its own block") {
    // O = (2 - 1)·2 + 2 = 4; y[2i + k] = x[i]·w[k].
    check_known(shape(2, 1, 1, 1, 2, 1, 2, 1), {1, 2}, {3, 5}, {3, 5, 6, 10});
  }
  SECTION("stride 2, 2 x 2 kernel, 2 x 2 input: a 4 x 4 mosaic of x[i][j]·w") {
    const Values want = {1, -1, 2, -2, 2, 5, 4, 10, 3, -3, 4, -4, 6, 15, 8, 20};
    check_known(shape(2, 2, 1, 1, 2, 2, 2, 2), {1, 2, 3, 4}, {1, -1, 2, 5}, want);
  }
  SECTION("stride 3 > K = 1: gaps of zeros between the inputs") {
    check_known(shape(2, 1, 1, 1, 1, 1, 3, 1), {4, -5}, {7}, {28, 0, 0, -35});
  }
  SECTION("dilation 2: o = i + 2k") {
    TransposedConvShape s = shape(2, 1, 1, 1, 2, 1, 1, 1);
    s.dilation_h = 2;  // O = 1 + 2·1 + 1 = 4: y0 = x0w0, y1 = x1w0, y2 = x0w1, y3 = x1w1
    check_known(s, {2, 3}, {5, 7}, {10, 15, 14, 21});
  }
  SECTION("PyTorch padding 1, stride 1, K 3: overlapping taps summed") {
    // O = 1 - 2 + 2 + 1 = 2; o = i + k - 1: y0 = x0w1 + x1w0, y1 = x0w2 + x1w1.
    const TransposedConvShape s = lpc::conv::from_pytorch(shape(2, 1, 1, 1, 3, 1, 1, 1), 1, 0, 0, 0);
    check_known(s, {2, 3}, {5, 7, 11}, {2 * 7 + 3 * 5, 2 * 11 + 3 * 7});
  }
  SECTION("maximal output_padding: stride 3, output_padding 2 adds two zero rows") {
    const TransposedConvShape s = lpc::conv::from_pytorch(shape(1, 1, 1, 1, 1, 1, 3, 1), 0, 0, 2, 0);
    check_known(s, {-6}, {9}, {-54, 0, 0});
  }
  SECTION("TOSA negative out_pads crop: top -2, bottom -1, stride 2, K 3") {
    // O = 2 + (-3) + 3 = 2; o = 2i + k - 2: y0 = x0w2 + x1w0, y1 = x1w1 (x1w2 lands on 2, cropped).
    TransposedConvShape s = shape(2, 1, 1, 1, 3, 1, 2, 1);
    s.pad_top = -2, s.pad_bottom = -1;
    check_known(s, {2, 3}, {5, 7, 11}, {2 * 11 + 3 * 5, 3 * 7});
  }
  SECTION("groups 2: each output channel sees its own input channel") {
    TransposedConvShape s = shape(1, 1, 2, 2, 1, 1, 1, 1);
    s.groups = 2;  // weight 1 x 1 x 2 x 1: w[c][0]
    check_known(s, {3, 7}, {2, 5}, {6, 35});
  }
  SECTION("int8 extremes: -128·-128 summed over 16 taps and 4 channels") {
    const TransposedConvShape s = shape(1, 1, 4, 1, 4, 4, 1, 1);
    const Values x(4, -128), w(64, -128);
    check_known(s, x, w, Values(16, 4 * 16384));
  }
}

TEST_CASE("conv-transpose2d: the runs of the rotated kernel equal brute force", "[dataflows][runs]") {
  // Every (in, out, stride, dilation, pad, k) of a small box: the run is exactly the set of i with
  // 0 <= i·stride + k·dilation + pad < out, and it is contiguous.
  uint64_t checked = 0;
  for (int64_t in = 1; in <= 6; ++in)
    for (int64_t out = 1; out <= 14; ++out)
      for (int64_t stride = 1; stride <= 4; ++stride)
        for (int64_t dilation = 1; dilation <= 3; ++dilation)
          for (int64_t pad = -6; pad <= 4; ++pad)
            for (int64_t k = 0; k <= 3; ++k) {
              const lpc::conv::TapRun run = lpc::conv::tap_run(in, out, stride, dilation, pad, k);
              for (int64_t i = 0; i < in; ++i) {
                const int64_t o = i * stride + k * dilation + pad;
                const bool hit = o >= 0 && o < out;
                const bool inside = i >= run.first && i < run.first + run.count;
                if (hit != inside) FAIL("in " << in << " out " << out << " stride " << stride << " d " << dilation << " pad " << pad << " k " << k << " i " << i);
                ++checked;
              }
            }
  CHECK(checked == 6 * 7 / 2 * 14 * 4 * 3 * 11 * 4);
}

namespace {

// The op's cases of one item (boundary grid and `random` seeded ones), as the profile expands them.
std::vector<lpc::ops::OpCase> op_cases(const std::string& convention, const std::string& data, bool all, uint32_t random, uint64_t seed) {
  const lpc::ops::OpSchema& op = *lpc::ops::find_op("conv-transpose2d");
  const lpc::ops::Params item = lpc::ops::make_params(op, {{"convention", convention}, {"data", data}});
  lpc::InputSpec inputs;
  inputs.all = all;
  inputs.random = random;
  std::vector<lpc::ops::OpCase> out = op.cases(item, inputs, seed);
  for (auto& c : out) c.op = &op;
  return out;
}

TransposedConvShape shape_of_case(const lpc::ops::OpCase& c) {
  auto u = [&](const char* n) { return static_cast<uint32_t>(c.params.integer(n)); };
  TransposedConvShape s = shape(u("h"), u("w"), u("c"), u("m"), u("r"), u("s"), u("stride_h"), u("stride_w"));
  s.dilation_h = u("dilation_h"), s.dilation_w = u("dilation_w"), s.groups = u("groups");
  if (c.params.text("convention") == "pytorch") return lpc::conv::from_pytorch(s, u("padding_h"), u("padding_w"), u("output_padding_h"), u("output_padding_w"));
  s.pad_top = c.params.integer("pad_top"), s.pad_bottom = c.params.integer("pad_bottom");
  s.pad_left = c.params.integer("pad_left"), s.pad_right = c.params.integer("pad_right");
  return s;
}

int64_t dot(const Values& a, const Values& b) {
  int64_t sum = 0;
  for (size_t i = 0; i < a.size(); ++i) sum += a[i] * b[i];
  return sum;
}

Values random_int8(size_t n, std::mt19937_64& rng) {
  Values v(n);
  for (int64_t& x : v) x = std::uniform_int_distribution<int64_t>(-128, 127)(rng);
  return v;
}

// The chip's forward conv2d (spec/convolution.md §1) on int8 codes: its int32 accumulators.
Values chip_conv2d(const lpc::chip::ConvShape& conv, const Values& ifmap, const Values& filters) {
  return lpc::chip::values::run_layer(int8_array(), lpc::chip::conv_layer(conv), codes(ifmap), codes(filters), {}).accumulators.ints;
}

}  // namespace

// What a set of cases covers of the grid's features (dataflow-conformance.md §2).
struct GridFeatures {
  uint64_t cases = 0, s_above_k = 0, dilated = 0, max_output_padding = 0, negative_pads = 0;
  void add(const lpc::ops::OpCase& c, const TransposedConvShape& s) {
    const bool pytorch = c.params.text("convention") == "pytorch";
    const int64_t output_padding = c.params.integer("output_padding_h");
    ++cases;
    s_above_k += s.stride_h > s.kernel_h;
    dilated += s.dilation_h > 1;
    negative_pads += !pytorch && s.pad_top < 0;
    max_output_padding += pytorch && output_padding > 0 && output_padding == std::max(s.stride_h, s.dilation_h) - 1;
  }
  void print(const char* what) const {
    std::cout << "  " << what << ": " << cases << " cases: " << s_above_k << " with s > K, " << dilated << " dilated, " << max_output_padding
              << " at the maximal output_padding, " << negative_pads << " with a negative TOSA pad\n";
  }
};

TEST_CASE("conv-transpose2d: the research grid against the scatter reference", "[dataflows][grid]") {
  // The whole grid (inputs `all`); the profile's `boundary` is every 29th case of it.
  const uint64_t seed = lpc::test::runner_options().seed;
  std::cout << "conv-transpose2d grid: seed " << seed << "\n";
  GridFeatures features;
  for (const char* convention : {"pytorch", "tosa"})
    for (const lpc::ops::OpCase& c : op_cases(convention, "random", true, 0, seed)) {
      const TransposedConvShape s = shape_of_case(c);
      const Values& x = c.inputs[0].ints;
      const Values& w = c.inputs[1].ints;
      const Values want = lpc::ref::conv::conv_transpose2d(s, x, w);
      INFO(lpc::ops::repro_command(c, "chip"));
      REQUIRE(fast_of(s, x, w) == want);
      REQUIRE(chip_of(s, x, w) == want);
      features.add(c, s);
    }
  features.print("the grid");
  CHECK(features.cases > 4000);
  CHECK(features.s_above_k > 500);
  CHECK(features.dilated > 500);
  CHECK(features.max_output_padding > 300);
  CHECK(features.negative_pads > 300);
}

TEST_CASE("conv-transpose2d: the profile's boundary subset of the grid keeps every feature", "[dataflows][grid]") {
  const lpc::ops::OpSchema& op = *lpc::ops::find_op("conv-transpose2d");
  lpc::InputSpec boundary;
  boundary.boundary = true;
  GridFeatures features;
  for (const char* convention : {"pytorch", "tosa"})
    for (const lpc::ops::OpCase& c : op.cases(lpc::ops::make_params(op, {{"convention", convention}}), boundary, lpc::test::runner_options().seed))
      features.add(c, shape_of_case(c));
  features.print("the profile's boundary subset");
  CHECK(features.s_above_k >= 20);
  CHECK(features.dilated >= 20);
  CHECK(features.max_output_padding >= 10);
  CHECK(features.negative_pads >= 10);
}

TEST_CASE("conv-transpose2d: the adjoint identity <conv(z), x> = <z, convT(x)>, exact", "[dataflows][adjoint]") {
  const uint64_t seed = lpc::test::runner_options().seed;
  std::cout << "adjoint identity: seed " << seed << "\n";
  std::mt19937_64 rng(seed);
  uint64_t checked = 0, through_chip_conv = 0;
  for (const char* convention : {"pytorch", "tosa"})
    for (const lpc::ops::OpCase& c : op_cases(convention, "random", true, 0, seed)) {
      const TransposedConvShape s = shape_of_case(c);
      const Values& x = c.inputs[0].ints;
      const Values& w = c.inputs[1].ints;
      const Values z = random_int8(s.output_size(), rng);
      const int64_t right = dot(z, lpc::ref::conv::conv_transpose2d(s, x, w));
      INFO(lpc::ops::repro_command(c, "reference"));
      // 1. The exact forward conv of the reference (its own loop, a gather over z).
      REQUIRE(dot(lpc::ref::conv::conv2d_adjoint(s, z, w), x) == right);
      ++checked;
      // 2. The chip's conv2d with stride, dilation, TOSA pads and groups, where the pads it needs
      //    are non-negative: pad_top = -top, pad_bottom in [-bottom, -bottom + stride - 1].
      const int64_t pt = -s.pad_top, pl = -s.pad_left;
      const int64_t pb = std::max<int64_t>(0, -s.pad_bottom), pr = std::max<int64_t>(0, -s.pad_right);
      if (pt < 0 || pl < 0 || pb > -s.pad_bottom + s.stride_h - 1 || pr > -s.pad_right + s.stride_w - 1) continue;
      lpc::chip::ConvShape conv{static_cast<uint32_t>(s.out_h()), static_cast<uint32_t>(s.out_w()), s.kernel_h, s.kernel_w, s.out_channels, s.in_channels, s.stride_h};
      conv.stride_w = s.stride_w, conv.dilation_h = s.dilation_h, conv.dilation_w = s.dilation_w, conv.groups = s.groups;
      conv.pad_top = static_cast<uint32_t>(pt), conv.pad_bottom = static_cast<uint32_t>(pb), conv.pad_left = static_cast<uint32_t>(pl),
      conv.pad_right = static_cast<uint32_t>(pr);
      if (lpc::chip::shape_error(conv) || conv.ofmap_h() != s.in_h || conv.ofmap_w() != s.in_w) continue;
      // filters R x S x (C_out/groups) x C_in: [kh][kw][m_local][c] = w[kh][kw][c][m_local]
      Values filters(w.size());
      const uint64_t gin = s.group_in(), gout = s.group_out();
      for (uint64_t k = 0; k < uint64_t{s.kernel_h} * s.kernel_w; ++k)
        for (uint64_t ch = 0; ch < s.in_channels; ++ch)
          for (uint64_t ml = 0; ml < gout; ++ml) filters[(k * gout + ml) * s.in_channels + ch] = w[(k * s.in_channels + ch) * gout + ml];
      (void)gin;
      REQUIRE(dot(chip_conv2d(conv, z, filters), x) == right);
      ++through_chip_conv;
    }
  std::cout << "  " << checked << " cases, " << through_chip_conv << " of them through the chip's conv2d\n";
  CHECK(through_chip_conv > 1000);
}

TEST_CASE("conv-transpose2d equals a stride-1 conv2d over the zero-upsampled input with the rotated kernel", "[dataflows][upsampled]") {
  const uint64_t seed = lpc::test::runner_options().seed;
  std::cout << "zero upsampling: seed " << seed << "\n";
  uint64_t checked = 0;
  for (const char* convention : {"pytorch", "tosa"})
    for (const lpc::ops::OpCase& c : op_cases(convention, "random", true, 16, seed)) {
      const TransposedConvShape s = shape_of_case(c);
      const Values& x = c.inputs[0].ints;
      const Values& w = c.inputs[1].ints;
      // The upsampled input: (in - 1)·stride + 1 per axis, x[i] at i·stride, zeros between;
      // padded by P' = d(K - 1) + top before and d(K - 1) + bottom after (spec/convolution.md §2.4).
      const int64_t pt = int64_t{s.dilation_h} * (s.kernel_h - 1) + s.pad_top, pb = int64_t{s.dilation_h} * (s.kernel_h - 1) + s.pad_bottom;
      const int64_t pl = int64_t{s.dilation_w} * (s.kernel_w - 1) + s.pad_left, pr = int64_t{s.dilation_w} * (s.kernel_w - 1) + s.pad_right;
      if (pt < 0 || pb < 0 || pl < 0 || pr < 0) continue;  // a crop beyond the window: no zero padding expresses it
      const uint32_t uh = (s.in_h - 1) * s.stride_h + 1, uw = (s.in_w - 1) * s.stride_w + 1;
      Values up(uint64_t{uh} * uw * s.in_channels, 0);
      for (uint64_t i = 0; i < s.in_h; ++i)
        for (uint64_t j = 0; j < s.in_w; ++j)
          for (uint64_t ch = 0; ch < s.in_channels; ++ch) up[((i * s.stride_h) * uw + j * s.stride_w) * s.in_channels + ch] = x[(i * s.in_w + j) * s.in_channels + ch];
      // The rotated kernel as conv2d filters R x S x (C_in/groups) x C_out.
      const uint64_t gin = s.group_in(), gout = s.group_out();
      Values filters(w.size());
      for (uint64_t kh = 0; kh < s.kernel_h; ++kh)
        for (uint64_t kw = 0; kw < s.kernel_w; ++kw)
          for (uint64_t ch = 0; ch < s.in_channels; ++ch)
            for (uint64_t ml = 0; ml < gout; ++ml)
              filters[(((s.kernel_h - 1 - kh) * s.kernel_w + (s.kernel_w - 1 - kw)) * gin + ch % gin) * s.out_channels + ch / gin * gout + ml] =
                  w[((kh * s.kernel_w + kw) * s.in_channels + ch) * gout + ml];
      lpc::chip::ConvShape conv{uh, uw, s.kernel_h, s.kernel_w, s.in_channels, s.out_channels, 1};
      conv.pad_top = static_cast<uint32_t>(pt), conv.pad_bottom = static_cast<uint32_t>(pb), conv.pad_left = static_cast<uint32_t>(pl),
      conv.pad_right = static_cast<uint32_t>(pr), conv.dilation_h = s.dilation_h, conv.dilation_w = s.dilation_w, conv.groups = s.groups;
      INFO(lpc::ops::repro_command(c, "reference"));
      REQUIRE(conv.ofmap_h() == s.out_h());
      REQUIRE(conv.ofmap_w() == s.out_w());
      REQUIRE(chip_conv2d(conv, up, filters) == lpc::ref::conv::conv_transpose2d(s, x, w));
      ++checked;
    }
  std::cout << "  " << checked << " cases\n";
  CHECK(checked > 3000);
}

TEST_CASE("conv-transpose2d: fast and chip against the reference on random layers", "[dataflows][property]") {
  lpc::test::property("fast and chip equal the scatter reference", 200, [] {
    const bool pytorch = *rc::gen::arbitrary<bool>();
    TransposedConvShape s = shape(*rc::gen::inRange(1, 7), *rc::gen::inRange(1, 7), 0, 0, *rc::gen::inRange(1, 5), *rc::gen::inRange(1, 5),
                                  *rc::gen::inRange(1, 6), *rc::gen::inRange(1, 6));
    s.groups = pytorch ? *rc::gen::inRange(1, 4) : 1;
    s.in_channels = s.groups * *rc::gen::inRange(1, 4);
    s.out_channels = s.groups * *rc::gen::inRange(1, 4);
    if (pytorch) {
      s.dilation_h = *rc::gen::inRange(1, 4), s.dilation_w = *rc::gen::inRange(1, 4);
      s = lpc::conv::from_pytorch(s, *rc::gen::inRange(0, 4), *rc::gen::inRange(0, 4),
                                  *rc::gen::inRange<uint32_t>(0, std::max(s.stride_h, s.dilation_h)), *rc::gen::inRange<uint32_t>(0, std::max(s.stride_w, s.dilation_w)));
    } else {
      s.pad_top = *rc::gen::inRange<int64_t>(1 - int64_t{s.kernel_h}, 4), s.pad_bottom = *rc::gen::inRange<int64_t>(1 - int64_t{s.kernel_h}, 4);
      s.pad_left = *rc::gen::inRange<int64_t>(1 - int64_t{s.kernel_w}, 4), s.pad_right = *rc::gen::inRange<int64_t>(1 - int64_t{s.kernel_w}, 4);
    }
    RC_PRE(!lpc::conv::shape_error(s));
    RC_CLASSIFY(s.stride_h > s.kernel_h, "s > K");
    RC_CLASSIFY(s.pad_top < 0 && !pytorch, "negative TOSA pad");
    Values x(s.input_size()), w(s.weight_size());
    for (int64_t& v : x) v = *rc::gen::inRange<int64_t>(-128, 128);
    for (int64_t& v : w) v = *rc::gen::inRange<int64_t>(-128, 128);
    const Values want = lpc::ref::conv::conv_transpose2d(s, x, w);
    RC_ASSERT(fast_of(s, x, w) == want);
    RC_ASSERT(chip_of(s, x, w) == want);
  });
}

TEST_CASE("conv-transpose2d timing: the rotated dataflow against zero upsampling, by hand", "[dataflows][timing]") {
  // 2 x 2 input, 2 x 2 kernel, stride 2, C_in 3, C_out 5 on a 4 x 4 array, P = 1.
  const TransposedConvShape s = shape(2, 2, 3, 5, 2, 2, 2, 2);
  const lpc::chip::TransposedConvTiming t = lpc::chip::conv_transpose_timing(s, {4, 4});
  // Rotated: each of the 4 kernel elements meets all 4 inputs (runs of 2 x 2). A pass: K = 3 <= 4
  // rows (1 row fold), N = 5 columns (2 column folds), 2·4 + 4 + 4 - 2 = 14 cycles per fold:
  // 4 passes · 2 folds · 14 = 112 cycles, the last at 111. MACs 4 · 4 · 3 · 5 = 240, all useful.
  CHECK(t.rotated.passes == 4);
  CHECK(t.rotated.folds == 8);
  CHECK(t.rotated.total_cycles == 111);
  CHECK(t.rotated.macs == 240);
  CHECK(t.rotated.useful_macs == 240);
  CHECK(t.rotated.filter_sram_reads == 60);   // every weight once
  CHECK(t.rotated.ifmap_sram_reads == 96);    // 4 passes · 2 column folds · 4 rows · 3 channels
  CHECK(t.rotated.ofmap_sram_writes == 80);   // 4 passes · 1 row fold · 4 rows · 5 columns
  CHECK(t.rotated.overall_util == Approx(100.0 * 240 / (111 * 16)).epsilon(1e-12));
  // Upsampled: a 4 x 4 output = 16 rows, K = 2·2·3 = 12 (3 row folds), N = 5 (2 column folds):
  // 6 folds of 2·4 + 4 + 16 - 2 = 26 cycles = 156, the last at 155; 16 · 5 · 12 = 960 MACs.
  CHECK(t.upsampled.folds == 6);
  CHECK(t.upsampled.total_cycles == 155);
  CHECK(t.upsampled.macs == 960);
  CHECK(t.upsampled.useful_macs == 240);
  CHECK(t.upsampled.filter_sram_reads == 60);
  CHECK(t.upsampled.ifmap_sram_reads == 384);
  CHECK(t.upsampled.ofmap_sram_writes == 240);
  SECTION("the decoder layer: 4 x 4, stride 2, 256 -> 128 channels, 32 x 32, PyTorch padding 1, on 32 x 32") {
    const TransposedConvShape d = lpc::conv::from_pytorch(shape(32, 32, 256, 128, 4, 4, 2, 2), 1, 1, 0, 0);
    const lpc::chip::TransposedConvTiming td = lpc::chip::conv_transpose_timing(d, {32, 32});
    // 64 x 64 output; every rotated element meets a 31 x 31 or 32 x 32 run (the padding crops one
    // row or column for the outer taps); useful MACs = the scatter's: (32·32 - ...) summed.
    CHECK(d.out_h() == 64);
    CHECK(td.rotated.passes == 16);
    CHECK(td.rotated.useful_macs == td.upsampled.useful_macs);
    CHECK(td.upsampled.macs == uint64_t{64} * 64 * 128 * 16 * 256);
    CHECK(td.rotated.useful_macs == uint64_t{4 * 32 * 32 + 8 * 31 * 32 + 4 * 31 * 31} * 256 * 128);
    CHECK(td.rotated.total_cycles * 3 < td.upsampled.total_cycles);
  }
}

TEST_CASE("conv-transpose2d timing: MACs and passes against a count of the scatter", "[dataflows][timing]") {
  // For every case of the profile's grid subset and seeded random layers: the rotated dataflow
  // issues exactly the scatter's in-range products (counted here pair by pair), one pass per group
  // and kernel element that meets any input, and the upsampled approach OH·OW·KH·KW·C_in/G·C_out
  // MACs; the rotated dataflow never takes more cycles than zero upsampling on these layers' arrays.
  const lpc::ops::OpSchema& op = *lpc::ops::find_op("conv-transpose2d");
  lpc::InputSpec inputs;
  inputs.boundary = true;
  inputs.random = 32;
  uint64_t checked = 0;
  for (const char* convention : {"pytorch", "tosa"})
    for (lpc::ops::OpCase c : op.cases(lpc::ops::make_params(op, {{"convention", convention}}), inputs, lpc::test::runner_options().seed)) {
      c.op = &op;
      const TransposedConvShape s = shape_of_case(c);
      uint64_t pairs = 0, passes = 0;
      for (int64_t kh = 0; kh < s.kernel_h; ++kh)
        for (int64_t kw = 0; kw < s.kernel_w; ++kw) {
          uint64_t met = 0;
          for (int64_t ih = 0; ih < s.in_h; ++ih)
            for (int64_t iw = 0; iw < s.in_w; ++iw) {
              const int64_t oh = ih * s.stride_h + kh * s.dilation_h + s.pad_top, ow = iw * s.stride_w + kw * s.dilation_w + s.pad_left;
              met += oh >= 0 && oh < s.out_h() && ow >= 0 && ow < s.out_w();
            }
          pairs += met;
          passes += met > 0;
        }
      const lpc::chip::TransposedConvTiming t = lpc::chip::conv_transpose_timing(s, {4, 4});
      INFO(lpc::ops::repro_command(c, "chip"));
      REQUIRE(t.rotated.useful_macs == pairs * s.in_channels * s.group_out());
      REQUIRE(t.rotated.macs == t.rotated.useful_macs);
      REQUIRE(t.rotated.passes == passes * s.groups);
      REQUIRE(t.upsampled.macs == static_cast<uint64_t>(s.out_h() * s.out_w()) * s.kernel_h * s.kernel_w * s.in_channels * s.group_out());
      REQUIRE(t.rotated.filter_sram_reads <= s.weight_size());
      ++checked;
    }
  CHECK(checked > 200);
}
