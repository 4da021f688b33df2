// lpconform fuzz — the chip GEMM, differential: the fast GEMM (impls/fast/gemm) and the chip's value
// model (impls/chip/values, accumulate_gemm: its float32 lanes and its bit-level adder), each
// separately against the hardware-semantics reference (reference/chip, hardware_layer), on small
// GEMMs under every PE mode's operand formats, integer and float accumulators and fold depths.
//
// Bytes, read with FuzzedDataProvider (control values from the end, codes from the front): the
// operand pair (int8/int4/int2 with signed or unsigned A, any FP8 pair incl. mixed,
// float4_e3m0_radix4 × int4); the accumulator (integer W 2..64 wrap | saturate, or float
// float32 / float16 / bfloat16 / e4m3 / e5m2 / e3m1 / e11m52, rne | rtz); the fold rows R of
// {0, 1, 2, 3, 7, 32}; the fast GEMM's instruction set (an unavailable one falls back to Auto); M,
// N in 1..12 and K in 1..64; then A (M·K codes) and B (K·N codes), one byte each, masked to the
// format's width, zeros where the input runs out. Two threads only when a hash of the whole input
// hits 1 in 1024 (the reason is fuzz_support.hpp's consume_variant: a byte would let libFuzzer turn
// threads on for most of the corpus, and a thread start costs far more than a run).
//
// Verdict (spec/chip.md §5.1: bit-exact, NaN as a class): every accumulator equal to the
// reference's — integers as values, floats by bit pattern so the sign of a zero counts (§3.3), any
// NaN equal to any NaN. The reference stops at W = 62 (spec/chip.md §2); for W = 63, 64 (fast
// only) no sum of K <= 64 products of at most 8-bit codes comes near 2^62, so the oracle is the
// exact sum of ref::chip::exact_layer. A fast GEMM that throws is a finding too.
#include <algorithm>
#include <bit>
#include <cmath>
#include <cstdio>
#include <string>
#include <vector>

#include "fuzz/support/fuzz_support.hpp"
#include "impls/chip/values/values.hpp"
#include "impls/fast/gemm/gemm.hpp"
#include "reference/chip/chip.hpp"

namespace lpc::fuzz {
namespace {

using chip::PeMode;

struct OperandPair {
  PeMode mode;
  const char* a_format;
  const char* b_format;
};
constexpr OperandPair kPairs[] = {
    {PeMode::Int8, "int8", "int8"},
    {PeMode::Int8, "uint8", "int8"},
    {PeMode::Int4, "int4", "int4"},
    {PeMode::Int4, "uint4", "int4"},
    {PeMode::Int2, "int2", "int2"},
    {PeMode::Int2, "uint2", "int2"},
    {PeMode::Fp8, "float8_e4m3fn", "float8_e4m3fn"},
    {PeMode::Fp8, "float8_e4m3fn", "float8_e5m2"},
    {PeMode::Fp8, "float8_e4m3fn", "float8_e4m3b11fnuz"},
    {PeMode::Fp8, "float8_e5m2", "float8_e4m3fn"},
    {PeMode::Fp8, "float8_e5m2", "float8_e5m2"},
    {PeMode::Fp8, "float8_e5m2", "float8_e4m3b11fnuz"},
    {PeMode::Fp8, "float8_e4m3b11fnuz", "float8_e4m3fn"},
    {PeMode::Fp8, "float8_e4m3b11fnuz", "float8_e5m2"},
    {PeMode::Fp8, "float8_e4m3b11fnuz", "float8_e4m3b11fnuz"},
    {PeMode::Fp4Int4, "float4_e3m0_radix4", "int4"},
};
struct FloatLayout {
  int exp_bits, man_bits;
};
constexpr FloatLayout kFloatAccumulators[] = {{8, 23}, {5, 10}, {8, 7}, {4, 3}, {5, 2}, {3, 1}, {11, 52}};
constexpr uint32_t kFoldRows[] = {0, 1, 2, 3, 7, 32};
constexpr int kChipMaxIntBits = 62;  // spec/chip.md §2: int<W>, W in [2, 62]

// One GEMM case: the chip config (fold rows = array rows x the PE mode's packing), the fast variant,
// the operands.
struct GemmCase {
  chip::ChipConfig config;
  chip::Layer layer;
  fast::GemmParams fast;
  std::vector<uint8_t> a, b;
};

GemmCase consume_case(FuzzedDataProvider& provider, const uint8_t* data, size_t size) {
  GemmCase c;
  // 1. Operands and accumulator: the integer modes take an integer accumulator, the others a float.
  const OperandPair& pair = provider.PickValueInArray(kPairs);
  c.config.pe_mode = pair.mode;
  c.config.a_format = find_format(pair.a_format);
  c.config.b_format = find_format(pair.b_format);
  chip::AccumulatorSpec& acc = c.config.accumulator;
  acc.is_float = pair.mode == PeMode::Fp8 || pair.mode == PeMode::Fp4Int4;
  if (acc.is_float) {
    const auto [e, m] = provider.PickValueInArray(kFloatAccumulators);
    acc.exp_bits = e, acc.man_bits = m;
    acc.rounding = provider.ConsumeBool() ? chip::FloatRounding::NearestEven : chip::FloatRounding::TowardZero;
    c.fast.accumulator = fast::Accumulator::floating(e, m, acc.rounding == chip::FloatRounding::NearestEven ? fast::FloatRounding::Rne : fast::FloatRounding::Truncate);
  } else {
    acc.int_bits = provider.ConsumeIntegralInRange<int>(2, 64);
    acc.overflow = provider.ConsumeBool() ? chip::IntOverflow::Saturate : chip::IntOverflow::Wrap;
    c.fast.accumulator = fast::Accumulator::integer(acc.int_bits, acc.overflow == chip::IntOverflow::Saturate ? fast::IntegerOverflow::Saturate : fast::IntegerOverflow::Wrap);
  }
  // 2. Fold rows: the weight-stationary array's rows (0: one fold holding all of K).
  c.config.array = {provider.PickValueInArray(kFoldRows), 32};
  // 3. The fast GEMM's internal variant, which must not change a value.
  constexpr fast::GemmIsa kIsas[] = {fast::GemmIsa::Auto, fast::GemmIsa::Scalar, fast::GemmIsa::Avx2, fast::GemmIsa::Avx512};
  c.fast.isa = provider.PickValueInArray(kIsas);
  if (!fast::gemm_isa_available(c.fast.isa)) c.fast.isa = fast::GemmIsa::Auto;
  uint64_t hash = 0xcbf29ce484222325u;  // FNV-1a over the whole input, as consume_variant
  for (size_t i = 0; i < size; ++i) hash = (hash ^ data[i]) * 0x100000001b3u;
  c.fast.max_threads = hash % 1024 == 0 ? 2 : 1;
  c.fast.a_format = c.config.a_format;
  c.fast.b_format = c.config.b_format;
  c.fast.fold_rows = c.config.fold_rows();
  // 4. Shape, then the codes.
  chip::GemmShape& s = c.layer.gemm;
  s.m = provider.ConsumeIntegralInRange<uint64_t>(1, 12);
  s.n = provider.ConsumeIntegralInRange<uint64_t>(1, 12);
  s.k = provider.ConsumeIntegralInRange<uint64_t>(1, 64);
  auto codes = [&](size_t count, const Format& format) {
    std::vector<uint8_t> v = provider.ConsumeBytes<uint8_t>(count);
    v.resize(count, 0);
    for (uint8_t& code : v) code &= static_cast<uint8_t>(format.code_mask());
    return v;
  };
  c.a = codes(s.m * s.k, *c.config.a_format);
  c.b = codes(s.k * s.n, *c.config.b_format);
  return c;
}

std::string accumulator_text(const chip::AccumulatorSpec& acc) {
  if (!acc.is_float) return acc.name() + (acc.overflow == chip::IntOverflow::Saturate ? "_saturate" : "_wrap");
  return acc.name() + (acc.rounding == chip::FloatRounding::NearestEven ? "_rne" : "_rtz");
}

std::string value_text(const chip::ChipTensor& t, size_t i) {
  if (!t.is_float) return std::to_string(t.ints[i]);
  char text[40];
  std::snprintf(text, sizeof text, "%a", t.floats[i]);
  return std::isnan(t.floats[i]) ? "nan" : text;
}

bool same_value(const chip::ChipTensor& got, const chip::ChipTensor& want, size_t i) {
  if (!want.is_float) return got.ints[i] == want.ints[i];
  if (std::isnan(want.floats[i])) return std::isnan(got.floats[i]);
  return std::bit_cast<uint64_t>(got.floats[i]) == std::bit_cast<uint64_t>(want.floats[i]);  // -0 != +0
}

// `lpconform eval gemm` on this case through bash process substitution (config, A and B inline);
// `impl` is chip or reference. Empty when the chip cannot be configured so (W > 62).
std::string eval_gemm_command(const GemmCase& c, const char* impl) {
  const chip::ChipConfig& cfg = c.config;
  if (!cfg.accumulator.is_float && cfg.accumulator.int_bits > kChipMaxIntBits) return "";
  const chip::GemmShape& s = c.layer.gemm;
  const uint64_t rows = cfg.array.rows == 0 ? s.k : cfg.array.rows;  // R = 0 folds as R = K
  std::string config = "pe_mode = " + std::string(to_string(cfg.pe_mode)) + "\\na_format = " + cfg.a_format->name + "\\nb_format = " +
                       cfg.b_format->name + "\\narray = " + std::to_string(rows) + "x32\\naccumulator = " + cfg.accumulator.name() + "\\n";
  config += cfg.accumulator.is_float ? std::string("rounding = ") + (cfg.accumulator.rounding == chip::FloatRounding::NearestEven ? "rne" : "rtz")
                                     : std::string("overflow = ") + (cfg.accumulator.overflow == chip::IntOverflow::Saturate ? "saturate" : "wrap");
  auto matrix = [](const std::vector<uint8_t>& codes, uint64_t cols) {
    std::string text = "row,col,code";
    for (size_t i = 0; i < codes.size(); ++i) text += "\\n" + std::to_string(i / cols) + "," + std::to_string(i % cols) + "," + std::to_string(codes[i]);
    return text;
  };
  return std::string("lpconform eval gemm --impl ") + impl + " --config <(printf '" + config + "\\n') --a <(printf '" + matrix(c.a, s.k) +
         "\\n') --b <(printf '" + matrix(c.b, s.n) + "\\n')";
}

std::string case_text(const GemmCase& c) {
  const chip::GemmShape& s = c.layer.gemm;
  return "M=" + std::to_string(s.m) + " N=" + std::to_string(s.n) + " K=" + std::to_string(s.k) + " R=" + std::to_string(c.config.array.rows) + " " +
         c.config.a_format->name + " x " + c.config.b_format->name + " -> " + accumulator_text(c.config.accumulator);
}

// Reports the first accumulator where `got` differs from `want`, if any.
void compare(const std::string& signature, const chip::ChipTensor& got, const chip::ChipTensor& want, const GemmCase& c, const std::string& variant,
             const std::string& repro) {
  for (size_t i = 0; i < want.size(); ++i) {
    if (same_value(got, want, i)) continue;
    const uint64_t n = c.layer.gemm.n;
    report_finding(signature,
                   "C[" + std::to_string(i / n) + "][" + std::to_string(i % n) + "]: got " + value_text(got, i) + ", the reference " + value_text(want, i) +
                       "\n" + case_text(c) + (variant.empty() ? "" : "\n" + variant),
                   repro);
  }
}

}  // namespace
}  // namespace lpc::fuzz

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace lpc;
  using namespace lpc::fuzz;
  FuzzedDataProvider provider(data, size);
  const GemmCase c = consume_case(provider, data, size);
  const chip::GemmShape& s = c.layer.gemm;
  const chip::AccumulatorSpec& acc = c.config.accumulator;
  const bool chip_range = acc.is_float || acc.int_bits <= kChipMaxIntBits;

  // 1. The oracle: the hardware-semantics reference; beyond its W range the exact sum (no wrap or
  //    saturation can happen there, see the top).
  chip::ChipTensor want;
  if (chip_range) {
    want = ref::chip::hardware_layer(c.config, c.layer, c.a, c.b, {}).accumulators;
  } else {
    const ref::chip::ExactResult exact = ref::chip::exact_layer(*c.config.a_format, *c.config.b_format, c.layer, c.a, c.b);
    for (size_t i = 0; i < exact.size(); ++i) want.ints.push_back(exact.integer_sum(i));
  }

  // 2. The fast GEMM, in the chosen variant.
  const std::string pair = c.config.a_format->name + "x" + c.config.b_format->name;
  const std::string fast_signature = "fast_gemm-" + pair + "-" + accumulator_text(acc);
  const std::string variant = std::string("fast variant: isa=") + fast::to_string(c.fast.isa) + " threads=" + std::to_string(c.fast.max_threads);
  chip::ChipTensor got;
  got.is_float = acc.is_float;
  try {
    if (acc.is_float) {
      got.floats.resize(s.m * s.n);
      fast::gemm_float(c.fast, s, c.a, c.b, got.floats);
    } else {
      got.ints.resize(s.m * s.n);
      fast::gemm_integer(c.fast, s, c.a, c.b, got.ints);
    }
  } catch (const std::exception& e) {
    report_finding(fast_signature + "-error", std::string("fast GEMM threw: ") + e.what() + "\n" + case_text(c) + "\n" + variant,
                   eval_gemm_command(c, "reference"));
  }
  compare(fast_signature, got, want, c, variant, eval_gemm_command(c, "reference"));
  if (!chip_range) return 0;

  // 3. The chip's value model, the array alone: its float32 lanes (where they cover the case) and
  //    its bit-level adder, each against the reference.
  for (const bool bit_level : {false, true}) {
    if (bit_level && !acc.is_float) break;
    const chip::values::GemmKernelParams kernel{c.config.a_format, c.config.b_format, acc, c.config.fold_rows(), bit_level};
    chip::ChipTensor chip_values;
    chip::values::accumulate_gemm(kernel, s, c.a, c.b, chip_values);
    compare("chip-" + std::string(to_string(c.config.pe_mode)) + "-" + accumulator_text(acc), chip_values, want, c,
            bit_level ? "chip variant: bit-level" : "chip variant: lanes", eval_gemm_command(c, "chip"));
  }
  return 0;
}
