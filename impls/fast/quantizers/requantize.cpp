// lpconform fast — requantization (spec/quantizers.md §2).
//
// The integer schemes are all one formula, r = (v·m + round) asr shift, with round = 2^(shift-1)
// (single rounding, ties up), plus ±2^30 by the sign of v when DOUBLE_ROUND and shift > 31 (TOSA
// apply_scale_32). gemmlowp's SRDHM-then-RoundingDivideByPOT is that DOUBLE_ROUND formula with
// shift = 31 + exponent (§2.4 proves the identity; the gemmlowp oracle test checks it), and
// XNNPACK rndnu is single rounding with m = the 24-bit significand of the scale and shift = 150 -
// its biased exponent (§2.5). So one kernel serves four schemes; the fp32 scheme has its own.
#include "impls/fast/quantizers/requantize.hpp"

#include <algorithm>
#include <bit>
#include <cmath>
#include <stdexcept>

namespace lpc::fast {

namespace {

// One channel's integer constants: r = (v·multiplier + round + (v >= 0 ? away : -away)) asr shift.
struct IntegerScale {
  int64_t multiplier = 0;
  int64_t round = 0;
  int64_t away = 0;       // 2^30 for DOUBLE_ROUND with shift > 31, else 0
  int shift = 0;
  int64_t half_range = 0;  // REQUIRE -half_range <= v < half_range (TOSA), or 0: no requirement
};

__extension__ typedef __int128 int128;

IntegerScale integer_scale(const RequantParams& p, size_t c) {
  IntegerScale k;
  if (p.scheme == RequantScheme::XnnpackRndnu) {
    // scale = significand·2^(biased_exponent - 150) exactly, for 2^-32 <= scale < 1 (normal).
    const uint32_t bits = std::bit_cast<uint32_t>(p.scales[c]);
    k.multiplier = (bits & 0x7fffff) | 0x800000;
    k.shift = 150 - static_cast<int>(bits >> 23);
  } else {
    k.multiplier = p.multipliers[c];
    k.shift = p.shifts[c];
    if (p.scheme != RequantScheme::Gemmlowp) k.half_range = int64_t{1} << (k.shift - 1);
  }
  k.round = int64_t{1} << (k.shift - 1);
  if (p.scheme != RequantScheme::TosaSingleRound && p.scheme != RequantScheme::XnnpackRndnu && k.shift > 31) k.away = int64_t{1} << 30;
  return k;
}

// The general path: 128-bit products so that scale16 with i48 inputs cannot overflow.
std::optional<std::string> requantize_one(const RequantParams& p, const IntegerScale* k, int64_t input, size_t c, int64_t& out) {
  const int64_t v = input - p.input_zp;
  int64_t r = 0;
  if (p.scheme == RequantScheme::XnnpackFp32) {
    const float lo = static_cast<float>(int_type_min(p.output_type) - p.output_zp);
    const float hi = static_cast<float>(int_type_max(p.output_type) - p.output_zp);
    r = static_cast<int64_t>(std::nearbyint(std::clamp(static_cast<float>(v) * p.scales[c], lo, hi)));
  } else {
    if (k->half_range && (v < -k->half_range || v >= k->half_range))
      return "value " + std::to_string(v) + " outside [-2^" + std::to_string(k->shift - 1) + ", 2^" + std::to_string(k->shift - 1) + ") required by shift " +
             std::to_string(k->shift);
    if (p.scheme == RequantScheme::Gemmlowp && (v < INT32_MIN || v > INT32_MAX)) return "value " + std::to_string(v) + " minus zero point does not fit int32 (gemmlowp)";
    const int128 product = static_cast<int128>(v) * k->multiplier + k->round + (v >= 0 ? k->away : -k->away);
    const int128 wide = product >> k->shift;  // arithmetic shift: floor division by 2^shift
    if (wide < INT32_MIN || wide > INT32_MAX) return "scaled value does not fit int32 (scale16 REQUIRE)";
    r = static_cast<int64_t>(wide);
  }
  out = std::clamp<int64_t>(r + p.output_zp, int_type_min(p.output_type), int_type_max(p.output_type));
  return std::nullopt;
}

// ---- the int32 -> int8 kernels (auto-vectorized per ISA by target_clones) ----------------------

// Integer kernel. Every value v = in - zp fits int32 (validated), |v·m| < 2^62, so the int64 sum
// cannot overflow. The range requirement is checked separately (range_violated).
__attribute__((target_clones("arch=x86-64-v4", "arch=x86-64-v3", "default"))) void integer_kernel(const int32_t* __restrict in, int8_t* __restrict out,
                                                                                                   size_t n, int32_t input_zp, int32_t multiplier,
                                                                                                   int64_t round, int64_t away, int shift, int32_t lo,
                                                                                                   int32_t hi, int32_t output_zp) {
  for (size_t i = 0; i < n; ++i) {
    const int32_t v = in[i] - input_zp;
    const int64_t r = (static_cast<int64_t>(v) * multiplier + round + (v >= 0 ? away : -away)) >> shift;
    out[i] = static_cast<int8_t>(std::clamp<int64_t>(r, lo, hi) + output_zp);
  }
}

// Whether some v = in - zp lies outside [-half_range, half_range) (TOSA's REQUIRE for the shift).
__attribute__((target_clones("arch=x86-64-v4", "arch=x86-64-v3", "default"))) bool range_violated(const int32_t* in, size_t n, int32_t input_zp,
                                                                                                   int64_t half_range) {
  uint32_t bad = 0;  // an integer reduction vectorizes; a bool one does not
  for (size_t i = 0; i < n; ++i) {
    const int64_t v = static_cast<int64_t>(in[i]) - input_zp;
    bad |= static_cast<uint32_t>((v < -half_range) | (v >= half_range));
  }
  return bad != 0;
}

// fp32 kernel: lrintf(clamp(fl32(v)·scale, lo, hi)) + zp, all float32 operations.
__attribute__((target_clones("arch=x86-64-v4", "arch=x86-64-v3", "default"))) void fp32_kernel(const int32_t* __restrict in, int8_t* __restrict out, size_t n, int32_t input_zp,
                                                                                                 float scale, float lo, float hi, int32_t output_zp) {
  for (size_t i = 0; i < n; ++i) {
    const float f = std::min(std::max(static_cast<float>(in[i] - input_zp) * scale, lo), hi);
    out[i] = static_cast<int8_t>(static_cast<int32_t>(std::nearbyint(f)) + output_zp);
  }
}

std::optional<RequantError> first_error(const RequantParams& p, std::span<const int32_t> in) {
  std::vector<IntegerScale> scales(p.channels());
  for (size_t c = 0; c < scales.size(); ++c) scales[c] = integer_scale(p, c);
  for (size_t i = 0; i < in.size(); ++i) {
    int64_t ignored = 0;
    if (auto e = requantize_one(p, &scales[i % scales.size()], in[i], i % scales.size(), ignored)) return RequantError{i, *e};
  }
  return std::nullopt;
}

}  // namespace

std::optional<RequantError> requantize(const RequantParams& p, std::span<const int64_t> in, std::span<int64_t> out) {
  const size_t channels = p.channels();
  std::vector<IntegerScale> scales(channels);
  if (p.scheme != RequantScheme::XnnpackFp32)
    for (size_t c = 0; c < channels; ++c) scales[c] = integer_scale(p, c);
  for (size_t i = 0; i < in.size(); ++i) {
    const size_t c = i % channels;
    if (auto e = requantize_one(p, &scales[c], in[i], c, out[i])) return RequantError{i, *e};
  }
  return std::nullopt;
}

std::optional<RequantError> requantize_to_int8(const RequantParams& p, std::span<const int32_t> in, std::span<int8_t> out) {
  if (p.output_type != IntType::I8 || p.input_type == IntType::I48)
    throw std::invalid_argument("requantize_to_int8: needs output type i8 and an input type of at most 32 bits");
  const size_t channels = p.channels();
  const int32_t lo = -128 - p.output_zp, hi = 127 - p.output_zp;  // XNNPACK order: clamp, then add zp
  // Per tensor: one vectorized kernel call. Per channel: the general path (channel = i % channels).
  bool bad = false;
  if (channels == 1) {
    if (p.scheme == RequantScheme::XnnpackFp32) {
      fp32_kernel(in.data(), out.data(), in.size(), p.input_zp, p.scales[0], static_cast<float>(lo), static_cast<float>(hi), p.output_zp);
    } else {
      const IntegerScale k = integer_scale(p, 0);
      // int32 storage holds |v| <= 2^31 + 255: shifts of 33 and more cannot break the requirement.
      bad = k.half_range != 0 && k.half_range <= (int64_t{1} << 31) && range_violated(in.data(), in.size(), p.input_zp, k.half_range);
      if (!bad)
        integer_kernel(in.data(), out.data(), in.size(), p.input_zp, static_cast<int32_t>(k.multiplier), k.round, k.away, k.shift, lo, hi, p.output_zp);
    }
  } else {
    std::vector<int64_t> wide_in(in.begin(), in.end()), wide_out(in.size());
    if (auto e = requantize(p, wide_in, wide_out)) return e;
    std::transform(wide_out.begin(), wide_out.end(), out.begin(), [](int64_t v) { return static_cast<int8_t>(v); });
  }
  if (bad) return first_error(p, in);
  return std::nullopt;
}

MultiplierShift quantize_multiplier(double scale, bool scale16) {
  const int bits = scale16 ? 15 : 31;
  if (!(scale >= 0) || std::isinf(scale)) return {false, 0, 0, "scale must be finite and >= 0"};
  if (scale == 0) return {true, 0, bits, {}};
  int exponent = 0;
  const double fraction = std::frexp(scale, &exponent);                    // scale = fraction·2^exponent, fraction in [0.5, 1)
  int64_t m = std::llround(std::ldexp(fraction, bits));                    // exact product, rounded half away from zero
  if (m == (int64_t{1} << bits)) {                                         // rounded up to 2^bits: renormalize
    m >>= 1;
    ++exponent;
  }
  const int shift = bits - exponent;
  if (shift < 2 || shift > 62) return {false, 0, 0, "scale " + std::to_string(scale) + " needs shift " + std::to_string(shift) + ", outside [2, 62]"};
  return {true, static_cast<int32_t>(m), shift, {}};
}

}  // namespace lpc::fast
