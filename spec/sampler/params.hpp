// lpconform — parameters of the multinomial sampler family (spec/sampler.md), shared by the
// reference and every implementation so both present the same signature. Plain values and the
// validation spec/sampler.md states; no arithmetic.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

namespace lpc {

// §2.1: the element format of the weights and sums.
enum class SamplerFormat : uint8_t { Float32, Bfloat16, Float16 };
// §2.6.
enum class Normalization : uint8_t { None, Total };
// §2.8.
enum class Replacement : uint8_t { With, Without };

inline constexpr uint32_t kMaxBanks = 1024;

// The declared arithmetic of spec/sampler.md §2.
struct SamplerParams {
  SamplerFormat format = SamplerFormat::Float32;
  uint32_t banks = 1;  // B, 1..kMaxBanks
  Normalization normalize = Normalization::Total;
  Replacement replacement = Replacement::With;
};

// The error message for parameters spec/sampler.md rejects, or nullopt.
inline std::optional<std::string> sampler_params_error(const SamplerParams& p) {
  if (p.banks < 1 || p.banks > kMaxBanks) return "banks must be in [1, 1024]";
  if (p.replacement == Replacement::Without && p.normalize != Normalization::Total)
    return "sampling without replacement needs normalize total (spec/sampler.md §2.8)";
  return std::nullopt;
}

// §3: Random123's counter-based generators.
inline constexpr int kPhiloxMaxRounds = 16;
inline constexpr int kThreefryMaxRounds = 72;

}  // namespace lpc
