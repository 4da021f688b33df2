// lpconform — parameters of AdaComp (spec/codecs.md §1), shared by the reference and every
// implementation so both present the same signature: plain values, the validation and the message
// sizes spec/codecs.md states; no arithmetic on values.
#pragma once

#include <bit>
#include <cstdint>
#include <optional>
#include <string>

namespace lpc {

// §1.4: the message layouts.
enum class AdacompLayout : uint8_t { Index32, Binned };
// §1.2 step 4 / §1.6: the suite's rule (G_i = 0 and all-zero bins never selected) or MXNet's
// (|H_i| >= gmax_b alone selects, the sign bit is G_i > 0: a selected zero goes out as -scale).
enum class AdacompZeroRule : uint8_t { Skip, Mxnet };

inline constexpr uint32_t kAdacompMaxBin = 1u << 24;    // L_T, §1.1
inline constexpr uint64_t kAdacompMaxBins = 1u << 24;   // nb, §1.1 (nb is a float32 integer)
inline constexpr uint64_t kAdacompMaxElements = 0x7fffffffu;
inline constexpr size_t kAdacompHeaderBytes = 8;        // count, scale (§1.4)

struct AdacompParams {
  uint32_t bin = 50;  // L_T
  AdacompLayout layout = AdacompLayout::Index32;
  AdacompZeroRule zero = AdacompZeroRule::Skip;
};

// nb = ⌈n / L_T⌉ (§1.1).
inline uint64_t adacomp_bins(const AdacompParams& p, uint64_t n) { return (n + p.bin - 1) / p.bin; }

// The error for a layer of n elements spec/codecs.md §1.1 rejects, or nullopt.
inline std::optional<std::string> adacomp_params_error(const AdacompParams& p, uint64_t n) {
  if (p.bin < 1 || p.bin > kAdacompMaxBin) return "bin (L_T) must be in [1, 2^24]";
  if (n == 0) return "a layer holds at least one element";
  if (n > kAdacompMaxElements) return "a layer holds at most 2^31 - 1 elements";
  if (adacomp_bins(p, n) > kAdacompMaxBins) return "a layer of " + std::to_string(n) + " elements in bins of " + std::to_string(p.bin) + " has more than 2^24 bins";
  return std::nullopt;
}

// w = ⌈log2 L_T⌉: the offset bits of a binned entry (§1.4).
inline int adacomp_offset_bits(const AdacompParams& p) { return static_cast<int>(std::bit_width(p.bin - 1)); }

// §1.4: the size in bytes of the message of c selected elements in a layer of n.
inline uint64_t adacomp_message_bytes(const AdacompParams& p, uint64_t n, uint64_t c) {
  if (p.layout == AdacompLayout::Index32) return kAdacompHeaderBytes + 4 * c + (c + 7) / 8;
  const uint64_t bits = adacomp_bins(p, n) + c * static_cast<uint64_t>(adacomp_offset_bits(p) + 2);
  return kAdacompHeaderBytes + (bits + 7) / 8;
}

}  // namespace lpc
