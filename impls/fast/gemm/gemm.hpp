// lpconform fast — C = A × B with the chip's declared datapath semantics (spec/chip.md, the
// declared accumulation): exact products, then one rounding, wrap or saturation per addition, in
// the systolic order of a weight-stationary array. The optimized implementation under test:
// blocked, vectorized (AVX2 / AVX-512 VNNI chosen at run time, a portable fallback) and threaded
// over rows of C. It never includes reference/ (DESIGN.md rule 1); conformance/tests/gemm checks
// it against an exact oracle.
//
// The declared semantics, in brief (the normative text is spec/chip.md):
//   - A is M×K, B is K×N, both row-major arrays of codes, one code per byte, of formats from
//     spec/formats.csv of at most 8 bits (code bits above the format's width are ignored).
//   - Products are exact.
//   - Order: C[m][n] accumulates over k ascending. K is cut into folds of R consecutive k (fold f
//     holds k in [fR, fR+R)); within a fold a partial sum starts at +0 and adds the fold's
//     products in ascending k; the output accumulator starts at +0 and adds each fold's partial
//     sum in fold order. Every addition is rounded (float), wrapped or saturated (integer) the
//     same way. R = 0: a single fold holding all of K.
//   - Integer accumulator: two's complement, W bits; after each addition the result wraps mod 2^W
//     or saturates to [-2^(W-1), 2^(W-1)-1].
//   - Float accumulator: binary float with E exponent bits and M stored fraction bits, IEEE layout
//     (bias 2^(E-1)-1, subnormals, the all-ones exponent reserved for inf/NaN); acc <- round(acc +
//     p) with RNE (overflow -> ±inf) or truncation toward zero (overflow -> ±max finite). A NaN
//     operand gives NaN; inf·0 and inf - inf give NaN.
//
// Which path runs (each gives exactly the declared result; the choice never changes a value):
//   - integer, both operands signed integers of at most 8 bits, and either WRAP with W <= 32 (the
//     sum mod 2^32 decides the sum mod 2^W whatever the order or folding) or no intermediate sum
//     can reach 2^(W-1) (K·max|a|·max|b| below it and below 2^31: then every order gives the
//     exact sum): packed int8 dot products (VPDPBUSD / VPMADDWD) accumulated in int32, register
//     blocked 6 rows × 64 columns;
//   - float32 RNE accumulation when every product of the two formats is exact in float32 (every
//     FP8 pair, FP4 × INT4): a vector across 16 (8) columns of C, each lane adding its products in
//     ascending k, fold by fold — vectorized across outputs, never reassociated along k;
//   - a narrower float accumulator (E <= 8, M <= 21 with RNE or M <= 22 with truncation: float16,
//     bfloat16, e4m3-like custom widths) with the same exact float32 products: the same vectors,
//     each addition made exact by TwoSum, rounded to odd at float32 precision and then rounded on
//     the bit pattern to the accumulator (a rounding to odd 2+ bits finer than the target, then
//     the target rounding, is the target rounding of the exact sum: impls/common/narrow_float_lanes.hpp,
//     the one primitive this GEMM shares with the chip model);
//   - everything else (saturating or wide integer accumulators, float accumulators with E > 8 or
//     M above those bounds, float32 truncation): a scalar path that rounds every addition on the
//     bit pattern of the double sum when TwoSum shows it exact, on 128-bit integer significands
//     otherwise.
#pragma once

#include <cstdint>
#include <span>

#include "spec/chip/layer.hpp"
#include "spec/formats/format.hpp"

namespace lpc::fast {

// Instruction-set paths of the GEMM kernels. `Auto` picks the best the CPU supports; tests force
// each in turn. Avx512 needs AVX-512 F, BW, VL and VNNI.
enum class GemmIsa : uint8_t { Auto, Scalar, Avx2, Avx512 };
const char* to_string(GemmIsa);
bool gemm_isa_available(GemmIsa);  // Auto and Scalar are always available

enum class IntegerOverflow : uint8_t { Wrap, Saturate };
enum class FloatRounding : uint8_t { Rne, Truncate };

// The accumulator declaration: {integer W, wrap | saturate} or {float E, M, rne | truncate}.
struct Accumulator {
  bool is_float = false;
  int width = 32;                                  // integer: W, 2..64
  IntegerOverflow overflow = IntegerOverflow::Wrap;
  int exp_bits = 8, man_bits = 23;                 // float: E in 2..11, M in 1..52
  FloatRounding rounding = FloatRounding::Rne;

  static Accumulator integer(int width, IntegerOverflow overflow) { return {false, width, overflow, 8, 23, FloatRounding::Rne}; }
  static Accumulator floating(int exp_bits, int man_bits, FloatRounding rounding) {
    return {true, 32, IntegerOverflow::Wrap, exp_bits, man_bits, rounding};
  }
  static Accumulator float32(FloatRounding rounding = FloatRounding::Rne) { return floating(8, 23, rounding); }
  static Accumulator float16(FloatRounding rounding = FloatRounding::Rne) { return floating(5, 10, rounding); }
  static Accumulator bfloat16(FloatRounding rounding = FloatRounding::Rne) { return floating(8, 7, rounding); }
};

struct GemmParams {
  const Format* a_format = nullptr;  // activations (M×K)
  const Format* b_format = nullptr;  // weights (K×N)
  Accumulator accumulator;
  uint32_t fold_rows = 0;            // R: rows of the weight-stationary array; 0 = no folding
  GemmIsa isa = GemmIsa::Auto;       // internal variant: never changes a result
  int max_threads = 1;               // 0 = hardware concurrency; rows of C are split among threads
};

// C = A × B with an integer accumulator: c[m*N + n] is the final W-bit accumulator value,
// sign-extended. Throws std::invalid_argument when a format is missing, wider than 8 bits or not an
// integer format (products must be integers), when W is outside 2..64, when the accumulator is a
// float, when a span's size is not M·K, K·N or M·N, or when the requested ISA is unavailable.
void gemm_integer(const GemmParams& params, chip::GemmShape shape, std::span<const uint8_t> a,
                  std::span<const uint8_t> b, std::span<int64_t> c);

// C = A × B with a float accumulator: c[m*N + n] is the final accumulator value as a double (exact:
// every value of a format with E <= 11, M <= 52 is a double). NaN results are a quiet NaN (sign
// and payload unspecified). The declared semantics is about values; the sign of a zero result is
// IEEE 754's (§6.3: +0 for an exact cancellation, the exact sum's sign for an underflow to zero),
// the same on every path. Throws std::invalid_argument as
// gemm_integer does, and when the accumulator is an integer or E, M are outside 2..11, 1..52.
void gemm_float(const GemmParams& params, chip::GemmShape shape, std::span<const uint8_t> a,
                std::span<const uint8_t> b, std::span<double> c);

// Whether gemm_float takes a vector kernel (on every GemmIsa, Scalar included: the portable
// build of the same kernel) for these operand formats and this float accumulator, rather than its
// scalar bit-level path. False for an integer accumulator.
bool gemm_float_vectorized(const Format& a_format, const Format& b_format, const Accumulator& accumulator);

}  // namespace lpc::fast
