// lpconform fast — requantization (spec/quantizers.md §2): an int64 general path for every scheme
// and type, and a vectorized int32 -> int8 path for the hot case.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>

#include "spec/quantizers/params.hpp"

namespace lpc::fast {

// The first element a REQUIRE of the spec rejects, and why.
struct RequantError {
  size_t index = 0;
  std::string message;
};

// Requantizes in[i] (values of p.input_type) into out[i] (values of p.output_type), channel
// i % p.channels(). Precondition: requant_params_error(p) == nullopt and out.size() == in.size().
// Returns the first failing element (out is then unspecified), or nullopt.
std::optional<RequantError> requantize(const RequantParams& p, std::span<const int64_t> in, std::span<int64_t> out);

// The same for int32 storage in, int8 storage out: p.input_type is any but i48 and p.output_type
// is i8 (std::invalid_argument otherwise). Per tensor, AVX-512 / AVX2 / scalar chosen at run time
// (target_clones); per channel through the general path.
std::optional<RequantError> requantize_to_int8(const RequantParams& p, std::span<const int32_t> in, std::span<int8_t> out);

// §2.7 float scale -> (multiplier, shift), by frexp as TFLite's QuantizeMultiplier does.
struct MultiplierShift {
  bool ok = false;
  int32_t multiplier = 0;
  int32_t shift = 0;
  std::string error;
};
MultiplierShift quantize_multiplier(double scale, bool scale16);

}  // namespace lpc::fast
