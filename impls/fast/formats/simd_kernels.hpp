// lpconform fast — the batch kernels float32 -> codes (round to nearest even / away, toward zero)
// and codes -> float32, one translation unit per instruction set (simd_kernels_{scalar,avx2,
// avx512}.cpp, each compiled with its own flags), chosen at run time by convert.cpp.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>

#include "impls/fast/formats/scalar_codec.hpp"

namespace lpc::fast::detail {

// Lane constants of the float32 kernel. Per lane it finds the magnitude code of |x| on the
// target grid by one of two routes, both exact:
//   normal binades (|x| >= the smallest normal): the float32 bits are already exponent-then-
//     fraction, so adding the rounding increment below bit s = 23 - M and shifting right by s
//     rounds, and a carry moves into the exponent field, i.e. to the next code; subtracting
//     (127 - B) << M rebases the exponent: code = ((bits + increment) >> s) - offset;
//   the subnormal binade (and every integer): |x| * 2^(M - emin) is exact and below 2^M (below
//     2^30 after a clamp for integers), so rounding it to an integer with an explicit rounding
//     mode (never MXCSR's) gives the code.
struct KernelPlan {
  Rounding rounding = Rounding::Rne;  // Rne, Rna or Rtz
  bool integer = false;               // two's complement result instead of sign-magnitude
  bool negative_is_nan = false;       // unsigned floats: every negative non-zero input is NaN
  bool keep_negative_zero = false;    // the sign survives on a zero magnitude
  int32_t quantum_shift = 0;          // s = 23 - M (floats)
  int32_t exponent_offset = 0;        // (127 - B) << M
  int32_t min_normal_bits = 0;        // float32 bits of the smallest normal (integers: above +inf)
  float subnormal_scale = 1.0f;       // 2^(M - emin); 1 for integers
  int32_t max_magnitude[2] = {};      // [negative]: larger magnitudes overflow
  int32_t overflow_code[2] = {};      // [negative]: full codes for overflow, Inf and NaN inputs
  int32_t inf_code[2] = {};
  int32_t nan_code[2] = {};
  int32_t sign_bit = 0;
  int32_t code_mask = 0;
};

// The kernel plan for (format, params), or nothing when the combination needs the general path
// (stochastic or directed roundings, radix 4, zero-less, wrap, wide formats).
std::optional<KernelPlan> make_kernel_plan(const FormatConstants& c, const EncodeParams& params);

// Encodes in[0..n) to out (1, 2 or 4 bytes per code). Every ISA gives identical codes.
void encode_f32_scalar(const KernelPlan& plan, const float* in, size_t n, void* out, int out_bytes);
void encode_f32_avx2(const KernelPlan& plan, const float* in, size_t n, void* out, int out_bytes);
void encode_f32_avx512(const KernelPlan& plan, const float* in, size_t n, void* out, int out_bytes);

// out[i] = table[codes[i]] for a 256-entry table of float32 values. (AVX2 has no kernel: its
// gather measured slower than the plain table loop.)
void decode_u8_scalar(const float* table, const uint8_t* codes, size_t n, float* out);
void decode_u8_avx512(const float* table, const uint8_t* codes, size_t n, float* out);

}  // namespace lpc::fast::detail
