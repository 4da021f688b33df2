// lpconform fast — two-phase rounding with GradScale (spec/quantizers.md §3.2-3.3).
//
// rne: a vectorized kernel on the bits of g (rne_kernel). The stochastic modes: v = g·2^-(e+phase)
// is formed in float32 (two multiplications by powers of two, 2^-(e+phase) split so each factor is
// a float32) and handed to the format converter's encode(). The product is exact unless v
// falls below 2^-126, and there rounding cannot change a result: the grid's first step is
// [0, 4^-6], every decision compares floor(ν·2^K) or RNE(ν·2^N) (K <= 25) or ν with 1/2, and for
// v < 2^-126 all of these are 0 (ν·2^25 = v·2^37 < 1) whether v is exact, rounded, or flushed to a
// signed zero (the sign survives). An overflow to ±inf (only with a caller's scale exponent that
// is too small) saturates to ±max like the exact value does.
#include "impls/fast/quantizers/two_phase.hpp"

#include <algorithm>
#include <bit>
#include <cmath>
#include <vector>

#include "impls/fast/formats/convert.hpp"

namespace lpc::fast {

namespace {

// The largest |g| bit pattern (0x7f800000 and above: inf or NaN), vectorized per ISA.
__attribute__((target_clones("arch=x86-64-v4", "arch=x86-64-v3", "default"))) uint32_t largest_magnitude_bits(const float* g, size_t n) {
  uint32_t largest = 0;
  for (size_t i = 0; i < n; ++i) largest = std::max(largest, std::bit_cast<uint32_t>(g[i]) & 0x7fffffffu);
  return largest;
}

// rne onto the phase's grid, from the bits of g (spec/formats.md §5.1 on v = |g|·2^-shift, with
// v = 2^E'·(1 + f), f in [0, 1)). The grid points are 4^k = field k + 7, k = -6..0, and 0:
//   E' >= 0:           v >= 1, the largest point (saturation): field 7.
//   E' = 2k (even):    v in [4^k, 2·4^k), below the midpoint 2.5·4^k: field k + 7.
//   E' = 2k + 1 (odd): v = 2·4^k·(1 + f) against 2.5·4^k: up iff f > 1/4; f = 1/4 is the tie
//                      between fields k + 7 and k + 8, which goes to the even one.
//   E' = -13:          v in [2^-13, 2^-12), against the midpoint 2^-13 of [0, 4^-6]: field 1,
//                      except the tie v = 2^-13, which goes to the even field 0.
//   E' <= -14:         field 0 (the sign stays: -0 exists).
// Subnormal g are first scaled by 2^64 (exact) and their exponent corrected. y = ±2^p with
// p = 2(field - 7) + shift is built from bits: normal, subnormal (2^-150 is the tie between 0 and
// 2^-149 and goes to 0, as RN32 does), or inf. Branch-free so the loop vectorizes.
__attribute__((target_clones("arch=x86-64-v4", "arch=x86-64-v3", "default"))) void rne_kernel(const float* __restrict g, uint8_t* __restrict codes,
                                                                                               float* __restrict y, size_t n, int shift) {
  for (size_t i = 0; i < n; ++i) {
    const uint32_t bits = std::bit_cast<uint32_t>(g[i]);
    const uint32_t magnitude = bits & 0x7fffffffu;
    const int subnormal = magnitude < 0x00800000u;
    const uint32_t normal = std::bit_cast<uint32_t>(std::bit_cast<float>(magnitude) * (subnormal ? 0x1p64f : 1.0f));
    const int exponent = static_cast<int>(normal >> 23) - 127 - 64 * subnormal - shift;  // E'
    const uint32_t fraction = normal & 0x7fffffu;                                       // f·2^23
    const int base = (exponent >> 1) + 7;                                               // floor(E'/2) + 7
    const int up = (exponent & 1) & (static_cast<int>(fraction > 0x200000u) | (static_cast<int>(fraction == 0x200000u) & base));
    int field = base + up;
    field = exponent == -13 ? static_cast<int>(fraction != 0) : field;
    field = exponent < -13 ? 0 : field;
    field = exponent >= 0 ? 7 : field;
    field = magnitude == 0 ? 0 : field;
    const int p = 2 * (field - 7) + shift, biased = p + 127;
    const uint32_t subnormal_bits = p >= -149 ? 1u << std::min(std::max(p + 149, 0), 22) : 0u;
    uint32_t y_magnitude = biased >= 255 ? 0x7f800000u : biased >= 1 ? static_cast<uint32_t>(biased) << 23 : subnormal_bits;
    y_magnitude = field == 0 ? 0u : y_magnitude;
    codes[i] = static_cast<uint8_t>(((bits >> 28) & 8u) | static_cast<uint32_t>(field));
    y[i] = std::bit_cast<float>((bits & 0x80000000u) | y_magnitude);
  }
}

const Format& radix4() {
  static const Format& f = format_by_name("float4_e3m0_radix4");
  return f;
}

}  // namespace

GradScale tpr_grad_scale(std::span<const float> g) {
  GradScale out;
  const uint32_t largest = largest_magnitude_bits(g.data(), g.size());
  if (largest >= 0x7f800000) {  // find the first offender for the message
    for (size_t i = 0; i < g.size(); ++i)
      if (!std::isfinite(g[i])) {
        out.error = TprError{i, std::string("gradient is ") + (std::isnan(g[i]) ? "NaN" : "infinite") + "; GradScale needs finite values (spec/quantizers.md §3.3)"};
        return out;
      }
  }
  if (largest == 0) return out;
  // Positive float32 bits order like their values: the top bit position is the unbiased exponent
  // (or, for a subnormal, the fraction's top bit - 149); a power of two has no other bit set.
  const int biased = static_cast<int>(largest >> 23);
  const uint32_t fraction = largest & 0x7fffff;
  const int top = biased == 0 ? static_cast<int>(std::bit_width(fraction)) - 1 - 149 : biased - 127;
  const bool power_of_two = biased == 0 ? std::has_single_bit(fraction) : fraction == 0;
  out.scale_exp = top + (power_of_two ? 0 : 1);
  return out;
}

void tpr_quantize(const TprParams& p, int scale_exp, std::span<const float> g, std::span<const uint32_t> random, std::span<uint8_t> codes,
                  std::span<float> y) {
  const int shift = scale_exp + (p.phase == TprPhase::Odd ? 1 : 0);
  if (!is_stochastic(p.rounding)) return rne_kernel(g.data(), codes.data(), y.data(), g.size(), shift);
  // The 16 possible outputs at this scale: ±4^(e-7)·2^shift, rounded once to float32 by ldexp.
  float table[16];
  for (uint32_t c = 0; c < 16; ++c) {
    const int field = static_cast<int>(c & 7);
    const float magnitude = field == 0 ? 0.0f : std::ldexp(1.0f, 2 * (field - 7) + shift);
    table[c] = (c & 8) ? -magnitude : magnitude;
  }
  const Encoder encoder(radix4(), {p.rounding, Overflow::Sat, p.sr_bits}, Variant{Isa::Auto, 1, 0});
  const float factor_a = std::ldexp(1.0f, -shift / 2), factor_b = std::ldexp(1.0f, -shift + shift / 2);  // each within float32
  constexpr size_t kChunk = 4096;
  std::vector<uint64_t> scaled_bits(kChunk);
  std::vector<uint32_t> chunk_codes(kChunk);
  for (size_t begin = 0; begin < g.size(); begin += kChunk) {
    const size_t n = std::min(kChunk, g.size() - begin);
    for (size_t i = 0; i < n; ++i) scaled_bits[i] = std::bit_cast<uint32_t>(g[begin + i] * factor_a * factor_b);
    encoder.encode(Source::F32, std::span<const uint64_t>(scaled_bits.data(), n), random.subspan(begin, n), std::span<uint32_t>(chunk_codes.data(), n), {});
    for (size_t i = 0; i < n; ++i) {
      codes[begin + i] = static_cast<uint8_t>(chunk_codes[i]);
      y[begin + i] = table[chunk_codes[i] & 15];
    }
  }
}

}  // namespace lpc::fast
