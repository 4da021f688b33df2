// lpconform chip — the value model of the bundled chip (spec/chip.md §1, §3, §4): values computed
// the way the hardware computes them. Products come from the PE mode's multiplier (integer
// multiply, FP8 significand multiply, or the FP4 × INT4 binary shifter); the accumulator is a
// W-bit two's complement register or a float register rounded after every addition, in the
// weight-stationary array's fold order (float accumulators on float32 lanes across output
// columns where they cover them, else on the bit-level adder and rounder); then the vector
// processor (bias, the rescale unit of spec/quantizers.md §2, float32 scaling) and the activation
// unit.
//
// An implementation under test like any vendor's: it never includes reference/ (DESIGN.md rule 1)
// nor impls/fast (its datapath is its own; the one shared primitive is spec/chip.md §3.5);
// conformance/chip checks it against reference/chip.
#pragma once

#include <cstdint>
#include <span>

#include "spec/chip/config.hpp"
#include "spec/chip/layer.hpp"

namespace lpc::chip::values {

// ---- the whole core ------------------------------------------------------------------------------

// Runs `layer` on the chip `config` (which must satisfy config_error() == nullopt).
//   a: a GEMM's A (M x K codes, row-major) or a convolution's input feature map (H x W x C codes,
//      NHWC); b: B (K x N codes, row-major; for a convolution the filters R x S x C x M, which is
//      the im2col B with K in (r, s, c) order, spec/chip/layer.hpp); one code per byte, bits above
//      the format's width ignored. bias: N int32 values when config.bias, else empty.
// Throws std::invalid_argument when a span has the wrong size.
ChipValues run_layer(const ChipConfig& config, const Layer& layer, std::span<const uint8_t> a,
                     std::span<const uint8_t> b, std::span<const int32_t> bias);

// The im2col matrix of a convolution's group `group` (spec/chip/layer.hpp): row p = oh·OW + ow,
// column (r·S + s)·C/groups + c holds ifmap[y·W·C + x·C + group·C/groups + c] with
// y = oh·stride + r·dilation_h − pad_top, x = ow·stride_w + s·dilation_w − pad_left, or code 0
// (+0) where (y, x) lies in the padding (spec/convolution.md §1).
void im2col(const ConvShape& conv, std::span<const uint8_t> ifmap, std::span<uint8_t> out, uint32_t group = 0);

// ---- the array: the replaceable inner GEMM ---------------------------------------------------------

struct GemmKernelParams {
  const Format* a_format = nullptr;
  const Format* b_format = nullptr;
  AccumulatorSpec accumulator;
  uint32_t fold_rows = 0;  // R; 0 = one fold holding all of K
  // Float accumulators: true sends every addition through the bit-level adder and rounder
  // (float_accumulate) even where the float32 lanes cover them. Never changes a value.
  bool bit_level = false;
};

// C = A × B accumulated as spec/chip.md §3 declares; `out` gets the accumulators (ints sign-extended
// from W bits, or float values as doubles), M·N of them. Integer formats multiply as integers;
// FP4 × INT4 goes through the shifter unit; other float pairs multiply significands. A float
// accumulator runs on float32 lanes across output columns (each lane in the declared order) when
// float_lanes_cover says so, else on float_accumulate. Throws std::invalid_argument for a missing
// format, an integer accumulator with float operands, or wrong span sizes.
void accumulate_gemm(const GemmKernelParams& params, GemmShape shape, std::span<const uint8_t> a,
                     std::span<const uint8_t> b, ChipTensor& out);

// Whether the float32 lanes run this float accumulator: float32 RNE, or E <= 8 with M <= 21 (RNE)
// or M <= 22 (truncation) (impls/common/narrow_float_lanes.hpp), and every product of the two
// formats a float32.
bool float_lanes_cover(const Format& a_format, const Format& b_format, const AccumulatorSpec& accumulator);

// ---- units exposed for exhaustive tests ----------------------------------------------------------

// A product as the multiplier hands it to the adder: (-1)^negative · magnitude · 2^exponent, or
// a NaN / an infinity (magnitude unused).
struct Product {
  bool nan = false, inf = false;
  bool negative = false;
  uint64_t magnitude = 0;
  int exponent = 0;
};

// The FP4 × INT4 PE (spec/chip.md §1.3): the int4 multiplicand's magnitude shifted left by twice
// the FP4 exponent field (less one), the sign the XOR of both signs; the exponent is the fixed
// point of the shifter's output, 2·(1 − bias) (−12 for bias 7). FP4 exponent field 0 gives zero.
Product shifter_product(const Format& fp4, uint8_t fp4_code, uint8_t int4_code);

// The float accumulator's adder and rounder (spec/chip.md §3.3): the bit pattern of
// round(acc + p), acc given by its bit pattern in the layout (E, M) of `accumulator`.
uint64_t float_accumulate(const AccumulatorSpec& accumulator, uint64_t acc_bits, const Product& p);

// The value of a bit pattern of the accumulator layout, as a double (exact).
double float_bits_to_double(const AccumulatorSpec& accumulator, uint64_t bits);

}  // namespace lpc::chip::values
