// lpconform fast — OCP MX block scaling (spec/quantizers.md §4): quantize float32 to E8M0 scales
// and element codes, dequantize, and the MX dot product in its declared float32 order.
//
// The block maximum is an integer max over float32 magnitude bits; the scale exponent comes from
// its exponent field; elements are converted by the fast format converter
// (impls/fast/formats/convert.hpp) or, for float elements under RNE with whole 16-lane blocks, by an
// AVX-512 kernel that fuses the three steps. Never includes reference/ (DESIGN.md rule 1).
#pragma once

#include <cstdint>
#include <memory>
#include <span>

#include "impls/fast/formats/convert.hpp"
#include "spec/quantizers/mx_params.hpp"

namespace lpc::fast {
namespace detail {
struct MxPlan;  // derived constants (mx.cpp)
}

// A compiled MX quantizer for one MxParams. variant.isa pins the instruction set (tests sweep it;
// results never change); it runs on one thread. Throws std::invalid_argument when
// mx_params_error(params) reports an error, or when variant.isa is not available.
class MxQuantizer {
 public:
  explicit MxQuantizer(const MxParams& params, Variant variant = {});

  // §4.2-4.4, bit-exact to the reference: scales[b] for block b of params.block consecutive
  // elements (the last may be shorter), codes[i] one element code per byte. Where the scale is NaN
  // the element codes are 0. Throws std::invalid_argument unless scales.size() == ceil(n / block)
  // and codes.size() == n.
  void quantize(std::span<const float> x, std::span<uint8_t> scales, std::span<uint8_t> codes) const;

  const MxParams& params() const { return params_; }

 private:
  MxParams params_;
  std::shared_ptr<const detail::MxPlan> plan_;
};

// §4.5: out[i] = X_b · P_i exactly (every MX value is a float64); NaN for a NaN scale or NaN
// element, ±inf for an E5M2 infinity. Same size rules as quantize.
void mx_dequantize(const Format& element, int block, std::span<const uint8_t> scales, std::span<const uint8_t> codes, std::span<double> out);

// §4.6: the dot product of two MX vectors of equal length and block size in the declared order:
// per block, a float32 sum in index order from +0 of the float32 products of the element values;
// times fl32(X_a · X_b); the block results summed in block order from +0.
float mx_dot(const Format& element_a, std::span<const uint8_t> scales_a, std::span<const uint8_t> codes_a, const Format& element_b,
             std::span<const uint8_t> scales_b, std::span<const uint8_t> codes_b, int block);

}  // namespace lpc::fast
