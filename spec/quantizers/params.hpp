// lpconform — parameters of the quantizer family (spec/quantizers.md), shared by the reference and
// every implementation so both present the same signature. Plain values, no arithmetic beyond the
// validation that spec/quantizers.md states as error rules.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace lpc {

// ---- §1 LSQ ---------------------------------------------------------------------------------------

// Which boundary convention the backward pass uses (spec/quantizers.md §1.3). Paper is the default.
enum class LsqVariant : uint8_t {
  Paper,  // compare the exact v/s with the bounds before rounding (Esser et al., eq. 3)
  Torch,  // PyTorch fake-quantize: t = fl32(x * fl32(1/s)), decide on RNE(t) after rounding
};

struct LsqParams {
  LsqVariant variant = LsqVariant::Paper;
  int32_t qmin = -128;      // -Q_N
  int32_t qmax = 127;       // Q_P
  float scale = 1.0f;       // s
  float grad_scale = 1.0f;  // g, multiplies ds
  // The declared variant lsq_fma (§1.3), torch only: ds's difference x_fq - x rounded once from
  // the exact code·s - x, as a fused multiply-add computes it, instead of from the rounded y.
  bool fused_difference = false;
};

// The error message for parameters spec/quantizers.md §1.5 rejects, or nullopt when they are valid.
inline std::optional<std::string> lsq_params_error(const LsqParams& p) {
  if (!(p.qmin <= 0 && p.qmin >= -32768)) return "qmin must be in [-32768, 0] (qmin = -Q_N)";
  if (!(p.qmax >= 1 && p.qmax <= 32767)) return "qmax must be in [1, 32767] (qmax = Q_P)";
  if (!(p.scale > 0.0f) || !(p.scale <= 3.4028234663852886e38f)) return "scale must be finite and > 0";
  const double largest = static_cast<double>(p.scale) * (p.qmax > -p.qmin ? p.qmax : -p.qmin);
  if (largest >= 3.4028235677973366e38) return "scale * max(Q_N, Q_P) overflows float32";
  if (p.variant == LsqVariant::Torch && !(1.0f / p.scale <= 3.4028234663852886e38f))
    return "variant torch: 1/scale overflows float32 (scale < 2^-128)";
  if (!(p.grad_scale > 0.0f) || !(p.grad_scale <= 3.4028234663852886e38f)) return "grad_scale must be finite and > 0";
  return std::nullopt;
}

// ---- §2 requantization ----------------------------------------------------------------------------

enum class RequantScheme : uint8_t {
  TosaSingleRound,  // TOSA RESCALE rounding_mode SINGLE_ROUND (scale32 or scale16)
  TosaDoubleRound,  // TOSA RESCALE rounding_mode DOUBLE_ROUND (scale32 only)
  Gemmlowp,         // RoundingDivideByPOT(SaturatingRoundingDoublingHighMul(v, m), shift - 31)
  XnnpackFp32,      // lrintf(clamp(fl32(fl32(v) * scale))) + zp
  XnnpackRndnu,     // (v * significand(scale) + 2^(k-1)) asr k, k from scale's exponent
};

enum class IntType : uint8_t { I8, U8, I16, U16, I32, I48 };

constexpr int64_t int_type_min(IntType t) {
  switch (t) {
    case IntType::I8: return -128;
    case IntType::I16: return -32768;
    case IntType::I32: return -2147483648LL;
    case IntType::I48: return -(int64_t{1} << 47);
    default: return 0;
  }
}
constexpr int64_t int_type_max(IntType t) {
  switch (t) {
    case IntType::I8: return 127;
    case IntType::U8: return 255;
    case IntType::I16: return 32767;
    case IntType::U16: return 65535;
    case IntType::I32: return 2147483647LL;
    case IntType::I48: return (int64_t{1} << 47) - 1;
  }
  return 0;
}
constexpr bool is_unsigned(IntType t) { return t == IntType::U8 || t == IntType::U16; }
std::string_view to_string(IntType t);
std::optional<IntType> parse_int_type(std::string_view name);
std::string_view to_string(RequantScheme s);
std::optional<RequantScheme> parse_requant_scheme(std::string_view name);

// One requantization: per tensor (one channel) or per channel, the channel of flat element i being
// i % channels (TOSA: the index of the last dimension).
struct RequantParams {
  RequantScheme scheme = RequantScheme::TosaSingleRound;
  bool scale32 = true;  // TOSA: 32-bit multiplier; false = scale16 (16-bit multiplier)
  IntType input_type = IntType::I32;
  IntType output_type = IntType::I8;
  int32_t input_zp = 0;
  int32_t output_zp = 0;
  std::vector<int32_t> multipliers{1 << 30};  // integer schemes, one per channel
  std::vector<int32_t> shifts{30};            // integer schemes, one per channel
  std::vector<float> scales;                  // XNNPACK schemes, one per channel
  size_t channels() const;
};

// The error message for parameters spec/quantizers.md §2.6 rejects, or nullopt when valid.
std::optional<std::string> requant_params_error(const RequantParams& p);

}  // namespace lpc
