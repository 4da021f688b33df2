// MX block scaling (spec/quantizers.md §4): the fast implementation against the exact reference on
// every element format × scale rule × element rounding — structured blocks (all-zero, NaN, Inf,
// the max at every float32 binade with every element code and every midpoint between codes,
// maxima that round past the element max, tiny maxima that clamp the scale, ragged last blocks),
// seeded random blocks, every (scale, code) pair for dequantize, the dot product bit-exact in its
// declared order and within its bound of the exact value — plus known answers from the sources
// and RapidCheck properties (power-of-two invariance, the dequantization error bound).
#include "impls/fast/quantizers/mx.hpp"

#include <bit>
#include <catch2/catch.hpp>
#include <cmath>
#include <limits>
#include <random>
#include <sstream>
#include <vector>

#include "conformance/tests/support/property.hpp"
#include "reference/formats/codec.hpp"
#include "reference/quantizers/mx.hpp"

namespace lpc::test {
namespace {

std::ostringstream g_mismatch_log;
#define LOG_MISMATCH(what) (g_mismatch_log << what << "\n")

constexpr float kInf = std::numeric_limits<float>::infinity();
constexpr MxScaleRule kRules[] = {MxScaleRule::Ocp, MxScaleRule::Tosa, MxScaleRule::Ceil, MxScaleRule::NoSat};

MxParams params(std::string_view element, MxScaleRule rule = MxScaleRule::Ocp, Rounding rounding = Rounding::Rne, int block = 32) {
  return MxParams{&format_by_name(element), block, rule, rounding};
}

struct Quantized {
  std::vector<uint8_t> scales, codes;
};

size_t block_count(const MxParams& p, size_t n) { return (n + static_cast<size_t>(p.block) - 1) / static_cast<size_t>(p.block); }

Quantized reference(const MxParams& p, const std::vector<float>& x) {
  Quantized q{std::vector<uint8_t>(block_count(p, x.size())), std::vector<uint8_t>(x.size())};
  ref::mx_quantize(p, x, q.scales, q.codes);
  return q;
}

Quantized fast_quantize(const MxParams& p, const std::vector<float>& x, fast::Isa isa = fast::Isa::Auto) {
  Quantized q{std::vector<uint8_t>(block_count(p, x.size())), std::vector<uint8_t>(x.size())};
  fast::MxQuantizer(p, fast::Variant{isa, 1, 0}).quantize(x, q.scales, q.codes);
  return q;
}

std::vector<fast::Isa> isas() {
  std::vector<fast::Isa> out{fast::Isa::Scalar};
  for (fast::Isa isa : {fast::Isa::Avx2, fast::Isa::Avx512})
    if (fast::isa_available(isa)) out.push_back(isa);
  return out;
}

std::string describe(const MxParams& p) {
  return p.element->name + " rule=" + to_string(p.scale_rule) + " rounding=" + to_string(p.rounding) + " block=" + std::to_string(p.block);
}

// The fast quantizer on every ISA against the reference: scale codes always, element codes where
// the scale is not NaN (§4.4 leaves them free there). Returns the number of mismatches.
int compare(const MxParams& p, const std::vector<float>& x) {
  const Quantized want = reference(p, x);
  int mismatches = 0;
  for (fast::Isa isa : isas()) {
    const Quantized got = fast_quantize(p, x, isa);
    for (size_t i = 0; i < x.size(); ++i) {
      const size_t b = i / static_cast<size_t>(p.block);
      const bool scale_ok = got.scales[b] == want.scales[b];
      const bool code_ok = want.scales[b] == kMxScaleNan || got.codes[i] == want.codes[i];
      if (scale_ok && code_ok) continue;
      if (++mismatches <= 5)
        LOG_MISMATCH(describe(p) << " isa=" << fast::to_string(isa) << " x[" << i << "]=" << x[i] << " (0x" << std::hex
                                 << std::bit_cast<uint32_t>(x[i]) << ") block max bits scale got 0x" << int(got.scales[b]) << " want 0x"
                                 << int(want.scales[b]) << " code got 0x" << int(got.codes[i]) << " want 0x" << int(want.codes[i]) << std::dec);
    }
  }
  return mismatches;
}

// Structured blocks for one element format: for every float32 binade t of the block maximum (the
// subnormal ones by their top bit), a block led by the maximum 1.f·2^t with f from a list of
// significands that sit on, just below and just above the element max's, followed by every
// element value and every midpoint between neighbouring values, scaled to that block, both signs.
std::vector<float> binade_sweep(const Format& element, int exponent_stride) {
  const ref::MxElementRange range = ref::mx_element_range(element);
  std::vector<double> grid;  // element values (≥ 0) and midpoints, relative to 2^emax
  std::vector<double> values;
  for (uint32_t c = 0; c < element.code_count(); ++c) {
    const ref::ExactValue v = ref::decode(element, c);
    if (v.is_finite() && !v.negative) values.push_back(v.to_double() * (element.is_integer() ? 0x1p-6 : 1.0));
  }
  std::sort(values.begin(), values.end());
  for (size_t i = 0; i < values.size(); ++i) {
    grid.push_back(std::ldexp(values[i], -range.emax));
    if (i + 1 < values.size()) grid.push_back(std::ldexp((values[i] + values[i + 1]) / 2, -range.emax));
  }
  const double max_significand = std::ldexp(range.max.to_double(), -range.emax);
  const double leads[] = {
      1.0, max_significand, std::nextafter(max_significand, 0.0), std::nextafter(max_significand, 2.0), (max_significand + 2.0) / 2, 2.0 - 0x1p-23};
  std::vector<float> x;
  for (int t = -149; t <= 127; t += exponent_stride) {
    for (double lead : leads) {
      const float m = static_cast<float>(std::ldexp(lead, t));
      if (m == 0 || !std::isfinite(m)) continue;
      x.push_back(m);
      for (double g : grid)
        for (double sign : {1.0, -1.0}) {
          x.push_back(static_cast<float>(sign * std::ldexp(g, t)));
          if (x.size() % 32 == 0) x.push_back(m);  // every block carries its maximum
        }
      while (x.size() % 32) x.push_back(-m);
    }
  }
  return x;
}

std::vector<float> special_blocks() {
  std::vector<float> x(32 * 8, 0.0f);
  x[32] = -0.0f;                                                            // block 1: zeros with -0
  for (int i = 64; i < 96; ++i) x[i] = static_cast<float>(i - 80) * 0.37f;  // block 2: NaN at 70
  x[70] = std::numeric_limits<float>::quiet_NaN();
  for (int i = 96; i < 128; ++i) x[i] = static_cast<float>(i) * 1e-3f;  // block 3: -inf at 127
  x[127] = -kInf;
  x[128] = 0x1p-149f;                          // block 4: a single smallest subnormal
  x[160] = std::numeric_limits<float>::max();  // block 5: the float32 max and tiny ones
  x[161] = -0x1p-149f;
  x[192] = 0x1.8p-130f, x[193] = -0x1p-140f;                           // block 6: subnormal maxima, scale clamps
  for (int i = 224; i < 256; ++i) x[i] = -std::ldexp(1.75f, i - 240);  // block 7: a spread of binades
  return x;
}

std::vector<float> random_values(std::mt19937& rng, size_t n, int block) {
  std::vector<float> x(n);
  std::uniform_int_distribution<int> center(-150, 128), spread(0, 24);
  std::uniform_int_distribution<uint32_t> bits;
  for (size_t first = 0; first < n; first += static_cast<size_t>(block)) {
    const int c = center(rng), s = spread(rng);
    for (size_t i = first; i < std::min(n, first + static_cast<size_t>(block)); ++i) {
      const int biased = std::clamp(c + std::uniform_int_distribution<int>(-s, 0)(rng) + 127, 0, 254);
      x[i] = std::bit_cast<float>((bits(rng) & 0x807FFFFFu) | (static_cast<uint32_t>(biased) << 23));
    }
  }
  return x;
}

bool g_exhaustive = false;

void structured_sweep() {
  for (std::string_view element : kMxElementFormats) {
    const Format& f = format_by_name(element);
    for (Rounding rounding : kDeterministicRoundings)
      for (MxScaleRule rule : kRules) {
        // Quick tier: every 13th float32 binade under RNE, every 41st for the other roundings;
        // the exhaustive tier ([.exhaustive] below) takes every binade for every combination.
        const bool primary = rounding == Rounding::Rne;
        const std::vector<float> sweep = binade_sweep(f, g_exhaustive ? 1 : primary ? 13 : 41);
        const std::vector<float> specials = special_blocks();
        for (int block : {32, 16, 7}) {
          const MxParams p = params(element, rule, rounding, block);
          if (block == 32 || (primary && rule == MxScaleRule::Ocp) || g_exhaustive) CHECK(compare(p, sweep) == 0);
          CHECK(compare(p, specials) == 0);
        }
      }
  }
  INFO(g_mismatch_log.str());
  CHECK(g_mismatch_log.str().empty());
}

TEST_CASE("MX quantize: fast equals the reference on structured blocks, every format, rule and rounding", "[mx][structured]") { structured_sweep(); }

TEST_CASE("MX quantize: the structured sweep over every float32 binade for every combination", "[.exhaustive][mx-exhaustive]") {
  g_exhaustive = true;
  structured_sweep();
}

TEST_CASE("MX quantize: fast equals the reference on seeded random blocks and ragged tails", "[mx][random]") {
  const uint32_t seed = 20231001;
  std::mt19937 rng(seed);
  INFO("seed " << seed);
  for (std::string_view element : kMxElementFormats)
    for (MxScaleRule rule : kRules)
      for (Rounding rounding : {Rounding::Rne, Rounding::Rna, Rounding::Rtz, Rounding::Rup, Rounding::Rdn, Rounding::Rto})
        for (int block : {32, 48, 33, 1}) {
          const size_t n = static_cast<size_t>(block) * 5 + static_cast<size_t>(block) / 2 + 1;  // ragged last block
          CHECK(compare(params(element, rule, rounding, block), random_values(rng, n, block)) == 0);
        }
  INFO(g_mismatch_log.str());
  CHECK(g_mismatch_log.str().empty());
}

// Known answers, each computed by hand from its source.
TEST_CASE("MX quantize: known answers", "[mx][known]") {
  const auto one_block = [](const MxParams& p, std::vector<float> x) {
    x.resize(static_cast<size_t>(p.block), 0.0f);
    return reference(p, x);
  };
  const auto both = [&](const MxParams& p, std::vector<float> x) {
    const Quantized r = one_block(p, x);
    x.resize(static_cast<size_t>(p.block), 0.0f);
    CHECK(compare(p, x) == 0);
    return r;
  };
  // Rouhani et al. 2023 (arXiv 2310.10537) Algorithm 1 / OCP MX §6.3, E2M1 (emax 2): amax 7 gives
  // X = 2^(2-2) = 1 and 7 clamps to 6 (code 0x7); amax 6 gives X = 1, code 0x7; 0.25 is a tie -> 0.
  Quantized q = both(params("float4_e2m1fn"), {7.0f, -1.25f, 0.25f, 0.75f});
  CHECK(q.scales[0] == 127);
  CHECK(q.codes[0] == 0x7);
  CHECK(q.codes[1] == 0xA);  // -1.25 -> -1 (tie to even between 1 and 1.5)
  CHECK(q.codes[2] == 0x0);
  CHECK(q.codes[3] == 0x2);  // 0.75 -> 1 (tie to even)
  // TOSA calc_block_scale: non-E4M3 uses floor(log2(amax / 6)) + 1, so amax 6 already doubles X.
  q = both(params("float4_e2m1fn", MxScaleRule::Tosa), {6.0f, 7.0f});
  CHECK(q.scales[0] == 128);
  CHECK(q.codes[0] == 0x5);  // 3
  CHECK(q.codes[1] == 0x6);  // 3.5 -> 4 (tie to even)
  // TOSA E4M3 uses ceil(log2(amax / 448)): amax 448 keeps X = 1, amax 449 doubles it.
  CHECK(both(params("float8_e4m3fn", MxScaleRule::Tosa), {448.0f}).scales[0] == 127);
  CHECK(both(params("float8_e4m3fn", MxScaleRule::Tosa), {449.0f}).scales[0] == 128);
  // ceil: amax 6 keeps X = 1 for E2M1; nosat: 6.5 rounds to 6 (X = 1), 7 ties up to 8 (X = 2).
  CHECK(both(params("float4_e2m1fn", MxScaleRule::Ceil), {6.0f}).scales[0] == 127);
  CHECK(both(params("float4_e2m1fn", MxScaleRule::NoSat), {6.5f}).scales[0] == 127);
  CHECK(both(params("float4_e2m1fn", MxScaleRule::NoSat), {7.0f}).scales[0] == 128);
  // OCP: E8M0 has no zero; an all-zero block takes 2^-127 (TOSA normal_min; gfloat). -0 stays -0.
  q = both(params("float4_e2m1fn"), {0.0f, -0.0f});
  CHECK(q.scales[0] == 0x00);
  CHECK(q.codes[1] == 0x8);
  // microxcaling _shared_exponents: an exponent below -127 clamps to -127; NaN or Inf -> NaN scale.
  q = both(params("float4_e2m1fn"), {0x1p-140f, 0x1p-128f});
  CHECK(q.scales[0] == 0x00);
  CHECK(q.codes[1] == 0x1);  // 2^-128 / 2^-127 = 0.5
  CHECK(both(params("float8_e5m2"), {1.0f, kInf}).scales[0] == kMxScaleNan);
  CHECK(both(params("float8_e5m2"), {std::numeric_limits<float>::quiet_NaN()}).scales[0] == kMxScaleNan);
  // The float32 max (2^127 · (2 - 2^-23)) under E4M3 (emax 8): X = 2^119, the element 448 (saturated).
  q = both(params("float8_e4m3fn"), {std::numeric_limits<float>::max()});
  CHECK(q.scales[0] == 246);
  CHECK(q.codes[0] == 0x7E);
  // MXINT8 (OCP MX §5.3.3: two's complement, implicit 2^-6; emax 0): 1.99 -> 127.36 -> 127; -1.999
  // -> -127.936 -> -128 (0x80, reachable under saturation to [-128, 127]); 1.999 saturates to 127.
  q = both(params("int8"), {1.99f, -1.999f, 1.999f});
  CHECK(q.scales[0] == 127);
  CHECK(q.codes[0] == 127);
  CHECK(q.codes[1] == 0x80);
  CHECK(q.codes[2] == 127);
  INFO(g_mismatch_log.str());
  CHECK(g_mismatch_log.str().empty());
}

TEST_CASE("MX dequantize: fast equals the exact value for every scale and element code", "[mx][dequantize]") {
  for (std::string_view element : kMxElementFormats) {
    const Format& f = format_by_name(element);
    std::vector<uint8_t> scales, codes;
    for (uint32_t s = 0; s < 256; ++s)
      for (uint32_t c = 0; c < f.code_count(); ++c) scales.push_back(static_cast<uint8_t>(s)), codes.push_back(static_cast<uint8_t>(c));
    std::vector<double> got(codes.size());
    fast::mx_dequantize(f, 1, scales, codes, got);
    int mismatches = 0;
    for (size_t i = 0; i < codes.size(); ++i) {
      const ref::ExactValue want = ref::mx_value(f, scales[i], codes[i]);
      const bool ok = want.is_nan() ? std::isnan(got[i]) : (got[i] == want.to_double() && std::signbit(got[i]) == want.negative);
      if (!ok && ++mismatches <= 3)
        LOG_MISMATCH(element << " scale " << int(scales[i]) << " code " << int(codes[i]) << " got " << got[i] << " want " << want.to_string());
    }
    CHECK(mismatches == 0);
  }
  // Known values (OCP MX Table: E8M0 0x00 = 2^-127, 0xFE = 2^127; E5M2 max 57344; E2M1 0x7 = 6).
  CHECK(ref::mx_value(format_by_name("float8_e5m2"), 0xFE, 0x7B).to_double() == 57344.0 * 0x1p127);
  CHECK(ref::mx_value(format_by_name("float4_e2m1fn"), 0x00, 0x1).to_double() == 0x1p-128);
  CHECK(ref::mx_value(format_by_name("int8"), 127, 0x80).to_double() == -2.0);
  CHECK(ref::mx_value(format_by_name("float4_e2m1fn"), 0xFF, 0x0).is_nan());
  INFO(g_mismatch_log.str());
  CHECK(g_mismatch_log.str().empty());
}

TEST_CASE("MX dot: fast equals the declared float32 order exactly, which lies within the bound", "[mx][dot]") {
  const uint32_t seed = 7;
  std::mt19937 rng(seed);
  INFO("seed " << seed);
  const std::string_view pairs[][2] = {{"float4_e2m1fn", "float4_e2m1fn"},
                                       {"float8_e4m3fn", "float8_e5m2"},
                                       {"float6_e2m3fn", "float6_e3m2fn"},
                                       {"int8", "int8"},
                                       {"float8_e5m2", "int8"}};
  int checked = 0;
  for (const auto& pair : pairs)
    for (int block : {32, 16, 5})
      for (int trial = 0; trial < 20; ++trial) {
        const size_t n = static_cast<size_t>(block) * (1 + trial % 6) + static_cast<size_t>(trial % 3);
        // Block magnitudes within 2^±40 keep X_a·X_b a float32 normal (the bound's premise).
        std::vector<float> xa(n), xb(n);
        std::normal_distribution<float> normal;
        std::uniform_int_distribution<int> binade(-40, 40);
        for (size_t first = 0; first < n; first += static_cast<size_t>(block)) {
          const int ea = binade(rng), eb = binade(rng);
          for (size_t i = first; i < std::min(n, first + static_cast<size_t>(block)); ++i)
            xa[i] = std::ldexp(normal(rng), ea), xb[i] = std::ldexp(normal(rng), eb);
        }
        if (trial == 19) xa[n / 2] = std::numeric_limits<float>::quiet_NaN();
        const MxParams pa = params(pair[0], MxScaleRule::Ocp, Rounding::Rne, block), pb = params(pair[1], MxScaleRule::Ocp, Rounding::Rne, block);
        const Quantized qa = reference(pa, xa), qb = reference(pb, xb);
        const ref::MxVector va{pa.element, block, qa.scales, qa.codes}, vb{pb.element, block, qb.scales, qb.codes};
        const float want = ref::mx_dot(va, vb);
        const float got = fast::mx_dot(*pa.element, qa.scales, qa.codes, *pb.element, qb.scales, qb.codes, block);
        const bool same = std::bit_cast<uint32_t>(got) == std::bit_cast<uint32_t>(want) || (std::isnan(got) && std::isnan(want));
        if (!same) LOG_MISMATCH(pair[0] << "·" << pair[1] << " block " << block << " n " << n << " got " << got << " want " << want);
        const ref::MxDotCheck check = ref::mx_dot_check(va, vb, want);
        if (trial == 19) {
          CHECK(std::isnan(want));
          CHECK_FALSE(check.applicable);
        } else {
          ++checked;
          if (!check.within_bound) LOG_MISMATCH("declared order " << want << " outside bound " << check.bound << " of exact " << check.exact);
        }
      }
  CHECK(checked == 5 * 3 * 19);
  // Known answer: one E2M1 block, X_a = 2, X_b = 1/2: (6·6 + 0.5·(-1)) · 1 = 35.5.
  const std::vector<uint8_t> sa{128}, sb{126}, ca{0x7, 0x1}, cb{0x7, 0xA};
  const Format& e2m1 = format_by_name("float4_e2m1fn");
  CHECK(fast::mx_dot(e2m1, sa, ca, e2m1, sb, cb, 32) == 35.5f);
  CHECK(ref::mx_dot({&e2m1, 32, sa, ca}, {&e2m1, 32, sb, cb}) == 35.5f);
  INFO(g_mismatch_log.str());
  CHECK(g_mismatch_log.str().empty());
}

TEST_CASE("MX properties: power-of-two invariance and the dequantization error bound", "[mx][property]") {
  property("scaling a block by 2^k moves its scale code by k and keeps its codes", 300, [] {
    const auto element = *rc::gen::elementOf(std::vector<std::string_view>(std::begin(kMxElementFormats), std::end(kMxElementFormats)));
    const auto rule = *rc::gen::elementOf(std::vector<MxScaleRule>(std::begin(kRules), std::end(kRules)));
    const int k = *rc::gen::inRange(-20, 21);
    const auto significands =
        *rc::gen::container<std::vector<float>>(32, rc::gen::map(rc::gen::inRange(-1000000, 1000001), [](int v) { return v * 1e-3f; }));
    std::vector<float> scaled(significands.size());
    for (size_t i = 0; i < scaled.size(); ++i) scaled[i] = std::ldexp(significands[i], k);  // exact: far from the float32 limits
    const MxParams p = params(element, rule);
    const Quantized a = fast_quantize(p, significands), b = fast_quantize(p, scaled);
    RC_PRE(a.scales[0] > 0 && a.scales[0] < 254 && a.scales[0] + k > 0 && a.scales[0] + k < 254);  // no E8M0 clamp
    RC_ASSERT(int(b.scales[0]) == int(a.scales[0]) + k);
    RC_ASSERT(a.codes == b.codes);
  });
  property("|x - dequantize(quantize(x))| <= X · 2^(emax - M + 1) under ocp and RNE", 300, [] {
    const auto element = *rc::gen::elementOf(std::vector<std::string_view>(std::begin(kMxElementFormats), std::end(kMxElementFormats)));
    const int center = *rc::gen::inRange(-100, 100);
    const auto bits = *rc::gen::container<std::vector<uint32_t>>(32, rc::gen::arbitrary<uint32_t>());
    std::vector<float> x(bits.size());
    for (size_t i = 0; i < x.size(); ++i)
      x[i] = std::ldexp(std::bit_cast<float>((bits[i] & 0x807FFFFFu) | 0x3F800000u), center - static_cast<int>(bits[i] % 23));
    const MxParams p = params(element);
    const Quantized q = fast_quantize(p, x);
    std::vector<double> y(x.size());
    fast::mx_dequantize(*p.element, p.block, q.scales, q.codes, y);
    const Format& f = *p.element;
    const int fraction_bits = f.is_integer() ? kMxInt8FractionBits : f.man_bits;
    const double bound = std::ldexp(1.0, q.scales[0] - kMxScaleBias + ref::mx_element_range(f).emax - fraction_bits + 1);
    for (size_t i = 0; i < x.size(); ++i) RC_ASSERT(std::fabs(x[i] - y[i]) <= bound);
  });
}

}  // namespace
}  // namespace lpc::test
