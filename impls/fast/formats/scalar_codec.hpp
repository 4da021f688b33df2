// lpconform fast — the per-element bit algorithm: format constants derived from a descriptor, the
// general encoder (any source type, any rounding, flags) and the code decoder.
//
// Private to impls/fast. Every batch path (SIMD kernels, tables) is checked against these
// functions for equality; they in turn are checked against the exact reference by conformance/.
#pragma once

#include <cstdint>

#include "spec/formats/format.hpp"
#include "spec/formats/modes.hpp"

namespace lpc::fast::detail {

// Everything the encoder and decoder need to know about a format, derived once from the
// descriptor by decoding its codes (no per-format hand-written constants).
struct FormatConstants {
  bool is_float = true;
  bool is_signed = true;
  bool radix4 = false;
  bool zero_less = false;     // E8M0: exponent field 0 is an ordinary binade, no zero code
  bool neg_zero = false;
  bool has_nan = false;
  bool has_inf = false;
  int bits = 0;
  int man_bits = 0;
  int bias = 0;
  int min_normal_log2 = 0;    // log2 of the smallest normal (zero-less: of the smallest positive)
  int max_finite_log2 = 0;    // floor(log2(largest finite value))
  uint32_t code_mask = 0;
  uint32_t sign_bit = 0;      // 0 for unsigned floats and for integers
  uint64_t max_magnitude = 0;  // floats: largest finite magnitude code; integers: largest value
  uint64_t min_magnitude = 0;  // integers: magnitude of the most negative value (0 when unsigned)
  uint32_t max_code[2] = {};   // [negative]: the code of +-max (integers: max / min)
  uint32_t inf_code[2] = {};   // [negative]: +-Inf codes (valid when has_inf)
  uint32_t nan_code[2] = {};   // [negative]: canonical NaN (spec/formats.md §5.3) when has_nan,
                               // else the declared code for NaN into a NaN-less format (0)
};

// Derives the constants; throws std::invalid_argument for a descriptor this code cannot handle.
FormatConstants derive_constants(const Format& format);

// Throws std::invalid_argument (naming format, rounding, overflow) when spec/formats.md rejects the
// combination: wrap on a float, nonsat/satprop on an integer, sr_bits outside 1..24.
void check_params(const Format& format, const EncodeParams& params);

// The value of `code` (spec/formats.md §2): exact, as every format value is a float64. NaN codes
// give a quiet NaN (sign of the code), Inf codes +-inf. Bits above the format width are ignored.
double decode_code(const FormatConstants& c, uint32_t code);

struct CodeAndFlags {
  uint32_t code;
  uint8_t flags;
};

// Encodes one value of type `source` (its bit pattern in the low bits of `bits`) under `params`
// (spec/formats.md §5): round on the grid first, then decide overflow, then apply the policy.
// `random` supplies R for the stochastic modes (its low params.sr_bits bits).
CodeAndFlags encode_one(const FormatConstants& c, const EncodeParams& params, Source source, uint64_t bits,
                        uint32_t random);

}  // namespace lpc::fast::detail
