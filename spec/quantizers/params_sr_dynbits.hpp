// lpconform — parameters of spec/quantizers.md §3 (the fixed-point stochastic quantizer, two-phase
// rounding with GradScale) and §6 (dynamic per-block bit width), shared by the reference and every
// implementation. Plain values plus the validation rules the spec states; no arithmetic beyond it.
#pragma once

#include <array>
#include <cmath>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "spec/formats/modes.hpp"

namespace lpc {

// ---- §3.1 fixed-point stochastic rounding ---------------------------------------------------------

// Where the random offset is added (spec/quantizers.md §3.1).
enum class SrSign : uint8_t {
  Floor,      // two's complement: q = floor(x/s + R/2^N) on the signed value (the default)
  Magnitude,  // sign-magnitude, as P3109 does: q = sign(x)·floor(|x|/s + R/2^N)
};

struct SrFixedParams {
  SrSign sign = SrSign::Floor;
  float scale = 1.0f;  // s
  int32_t qmin = -128, qmax = 127;
  int sr_bits = 8;  // N: R is the low N bits of the element's random word
};

inline std::optional<std::string> sr_fixed_params_error(const SrFixedParams& p) {
  if (!(p.scale > 0.0f) || !std::isfinite(p.scale)) return "scale must be finite and > 0";
  if (p.qmin > p.qmax) return "qmin must be <= qmax";
  if (p.qmin < -(int32_t{1} << 30) || p.qmax > (int32_t{1} << 30)) return "qmin and qmax must lie in [-2^30, 2^30]";
  if (p.sr_bits < 0 || p.sr_bits > 24) return "sr_bits (N) must be in 0..24";
  return std::nullopt;
}

// ---- §3.2 two-phase rounding of radix-4 FP4 gradients ---------------------------------------------

enum class TprPhase : uint8_t {
  Even,  // grid ±2^e·4^k: the float4_e3m0_radix4 values times the GradScale 2^e
  Odd,   // grid ±2^(e+1)·4^k: the same codes, one more factor of two
};

struct TprParams {
  TprPhase phase = TprPhase::Even;
  Rounding rounding = Rounding::Rne;  // rne, sr_a, sr_b or sr_c (§3.2)
  int sr_bits = 0;                    // N for the stochastic roundings (1..24)
};

inline std::optional<std::string> tpr_params_error(const TprParams& p) {
  if (p.rounding != Rounding::Rne && !is_stochastic(p.rounding)) return "rounding must be rne, sr_a, sr_b or sr_c";
  if (is_stochastic(p.rounding) && (p.sr_bits < 1 || p.sr_bits > 24)) return "sr_bits (N) must be in 1..24 for a stochastic rounding";
  return std::nullopt;
}

// ---- §6 dynamic per-block bit width ---------------------------------------------------------------

enum class DynStat : uint8_t { Max, Mean, Sum };       // stat(g): max|x|, mean|x|, Σ|x| over the group
enum class DynLowValue : uint8_t { Truncate, Rne };   // how a low group's value drops d = b_h - b_l bits

// Budgets B* and B_min are in units of 1/256 bit (§6.3), so every bound is an exact integer.
inline constexpr int kDynBitsBudgetUnit = 256;

struct DynBitsParams {
  std::array<int64_t, 3> shape{1, 1, 1};  // C, H, W of the feature map (row-major)
  std::array<int64_t, 3> block{1, 1, 1};  // block extent in C, H, W (the hardware's parallelism)
  std::array<int64_t, 2> group{1, 1};     // group extent in H, W (all channels of the block)
  int high_bits = 8, low_bits = 4;        // b_h, b_l
  int64_t budget_256 = 6 * 256;           // B* · 256 (target mean bits per element)
  int64_t min_bits_256 = 4 * 256;         // B_min · 256 (floor on the mean bits)
  DynStat stat = DynStat::Max;
  DynLowValue low_value = DynLowValue::Truncate;
  std::vector<float> thresholds;  // τ_b, one per block in block order, or one for every block

  int64_t blocks_along(int axis) const { return (shape[axis] + block[axis] - 1) / block[axis]; }
  int64_t block_count() const { return blocks_along(0) * blocks_along(1) * blocks_along(2); }
  int64_t element_count() const { return shape[0] * shape[1] * shape[2]; }
};

inline std::optional<std::string> dynbits_params_error(const DynBitsParams& p) {
  for (int a = 0; a < 3; ++a)
    if (p.shape[a] < 1 || p.shape[a] > (int64_t{1} << 20)) return "shape: every extent must be in 1..2^20";
  if (p.element_count() > (int64_t{1} << 31)) return "shape: at most 2^31 elements";
  for (int a = 0; a < 3; ++a)
    if (p.block[a] < 1) return "block: every extent must be >= 1";
  for (int a = 0; a < 2; ++a) {
    if (p.group[a] < 1) return "group: every extent must be >= 1";
    if (p.block[a + 1] % p.group[a] != 0) return "group: the group's H and W extents must divide the block's (groups tile a block)";
  }
  if (p.high_bits < 2 || p.high_bits > 16) return "high bits b_h must be in 2..16";
  if (p.low_bits < 1 || p.low_bits >= p.high_bits)
    return p.low_bits == p.high_bits ? "low bits b_l equals high bits b_h: the bounds divide by b_h - b_l = 0" : "low bits b_l must be in 1..b_h-1";
  const int64_t lo = int64_t{p.low_bits} * kDynBitsBudgetUnit, hi = int64_t{p.high_bits} * kDynBitsBudgetUnit;
  if (p.budget_256 < lo || p.budget_256 > hi) return "budget B* must be in [b_l, b_h]";
  if (p.min_bits_256 < lo || p.min_bits_256 > p.budget_256) return "min bits B_min must be in [b_l, B*]";
  if (p.thresholds.size() != 1 && static_cast<int64_t>(p.thresholds.size()) != p.block_count())
    return "thresholds: expected 1 or " + std::to_string(p.block_count()) + " (one per block), got " + std::to_string(p.thresholds.size());
  for (float t : p.thresholds)
    if (std::isnan(t)) return "thresholds: NaN";
  return std::nullopt;
}

}  // namespace lpc
