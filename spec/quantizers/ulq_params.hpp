// lpconform — parameters and results of the ULQ quantizers (spec/quantizers.md §5), shared by the
// reference and every implementation so both present the same signature. Plain values and the
// validation that §5.9 states as error rules; no arithmetic.
#pragma once

#include <cmath>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace lpc {

// §5.1-5.7: which quantizer runs.
enum class UlqMethod : uint8_t {
  Binary,      // §5.2  T = sign(w), α = ||w||_1 / n
  Ternary,     // §5.3  exact L2-optimal support: the k* largest |w|
  TernaryTwn,  // §5.4  TWN: Δ = 0.7·mean|w|
  Lab,         // §5.5  loss-aware binary, diagonal weights d
  Laq,         // §5.5  loss-aware ternary, fixed-point iteration
  Pow2,        // §5.6  INQ power-of-two levels
  Activation,  // §5.8  clipped k-bit activations, β from a grid
};

// §5.1: the precision of the data: inputs must be values of it, outputs are rounded to it.
enum class UlqPrecision : uint8_t { Float32, Float64 };

// §5.8: the error β minimizes.
enum class UlqCriterion : uint8_t { Mse, LossProxy };

// §5.5: the LAQ iteration cap.
constexpr int kLaqIterationCap = 64;

struct UlqParams {
  UlqMethod method = UlqMethod::Ternary;
  UlqPrecision precision = UlqPrecision::Float32;
  int bits = 4;                // pow2: 2..8 (levels 0, ±2^n2..±2^n1); activation: 1..16
  std::vector<double> betas;   // activation: the candidate grid, each finite, > 0, a value of `precision`
  UlqCriterion criterion = UlqCriterion::Mse;
};

// One quantization of a whole tensor. codes[i]: -1/0/+1 (binary, ternary, LAB, LAQ); pow2: 0 or
// ±j, the level ±2^(n1-j+1); activation: 0..2^k-1. values[i]: the dequantized value, a value of
// the precision (float32 values held in a double). scale: α (binary .. LAQ), 2^n1 (pow2, 0 for an
// all-zero tensor), the chosen β (activation), each a value of the precision.
struct UlqResult {
  std::vector<int32_t> codes;
  std::vector<double> values;
  double scale = 0;
  size_t support = 0;    // number of nonzero codes
  int n1 = 0;            // pow2: the top exponent
  int iterations = 0;    // LAQ: updates of α performed
  bool converged = true; // LAQ: false when the cap stopped the iteration
};

struct UlqOutcome {
  bool ok = false;
  UlqResult result;
  size_t error_index = 0;  // the first offending element when !ok and the error is per element
  std::string error;
};

inline bool ulq_needs_curvature(UlqMethod m) { return m == UlqMethod::Lab || m == UlqMethod::Laq; }

inline std::string_view to_string(UlqMethod m) {
  switch (m) {
    case UlqMethod::Binary: return "binary";
    case UlqMethod::Ternary: return "ternary";
    case UlqMethod::TernaryTwn: return "ternary-twn";
    case UlqMethod::Lab: return "lab";
    case UlqMethod::Laq: return "laq";
    case UlqMethod::Pow2: return "pow2";
    case UlqMethod::Activation: return "activation";
  }
  return "?";
}

inline std::optional<UlqMethod> parse_ulq_method(std::string_view name) {
  for (UlqMethod m : {UlqMethod::Binary, UlqMethod::Ternary, UlqMethod::TernaryTwn, UlqMethod::Lab, UlqMethod::Laq, UlqMethod::Pow2, UlqMethod::Activation})
    if (to_string(m) == name) return m;
  return std::nullopt;
}

// True when v is a finite value of the precision (every finite double is a Float64 value).
inline bool ulq_is_value_of(UlqPrecision p, double v) {
  return std::isfinite(v) && (p == UlqPrecision::Float64 || static_cast<double>(static_cast<float>(v)) == v);
}

// The error message for parameters §5.9 rejects, or nullopt when they are valid.
inline std::optional<std::string> ulq_params_error(const UlqParams& p) {
  if (p.method == UlqMethod::Pow2 && (p.bits < 2 || p.bits > 8)) return "pow2 needs bits in [2, 8]";
  if (p.method == UlqMethod::Activation) {
    if (p.bits < 1 || p.bits > 16) return "activation needs bits in [1, 16]";
    if (p.betas.empty()) return "activation needs at least one candidate beta";
    const double levels = static_cast<double>((1 << p.bits) - 1);
    for (double b : p.betas) {
      if (!(b > 0) || !ulq_is_value_of(p.precision, b)) return "every candidate beta must be finite, > 0 and a value of the precision";
      // β·(2^k - 1) is exact in double for a float32 β, so these tests are the precision's overflow.
      const double product = b * levels;
      if (p.precision == UlqPrecision::Float32 ? std::isinf(static_cast<float>(product)) : std::isinf(product))
        return "beta * (2^bits - 1) overflows the precision";
    }
  }
  return std::nullopt;
}

// §5.9 input errors: the message for the first element that is not a finite value of the precision,
// has d <= 0, or lacks its d or gradient column (`index` is set to the element), or for an empty
// tensor; nullopt when the input is valid for p. T is float or double.
template <class T>
std::optional<std::string> ulq_input_error(const UlqParams& p, std::span<const T> w, std::span<const T> d, std::span<const T> g, size_t& index) {
  index = 0;
  if (w.empty()) return "the tensor is empty";
  const bool needs_d = ulq_needs_curvature(p.method);
  const bool needs_g = p.method == UlqMethod::Activation && p.criterion == UlqCriterion::LossProxy;
  if (needs_d && d.size() != w.size()) return "method " + std::string(to_string(p.method)) + " needs the curvature d for every element";
  if (needs_g && g.size() != w.size()) return "the loss-proxy criterion needs the gradient for every element";
  const std::string precision = p.precision == UlqPrecision::Float32 ? "float32" : "float64";
  for (size_t i = 0; i < w.size(); ++i) {
    index = i;
    if (!ulq_is_value_of(p.precision, w[i])) return "w is not a finite " + precision + " value";
    if (needs_d && !(d[i] > 0)) return "d must be > 0";
    if (needs_d && !ulq_is_value_of(p.precision, d[i])) return "d is not a finite " + precision + " value";
    if (needs_g && !ulq_is_value_of(p.precision, g[i])) return "grad is not a finite " + precision + " value";
  }
  return std::nullopt;
}

// §5.7: the error message for partition ratios it rejects (each in (0, 1], non-decreasing), or nullopt.
inline std::optional<std::string> ulq_ratios_error(const std::vector<double>& ratios) {
  if (ratios.empty()) return "the partition needs at least one ratio";
  for (size_t j = 0; j < ratios.size(); ++j) {
    if (!(ratios[j] > 0 && ratios[j] <= 1)) return "partition ratio " + std::to_string(j + 1) + " is not in (0, 1]";
    if (j > 0 && ratios[j] < ratios[j - 1]) return "partition ratios must be non-decreasing (ratio " + std::to_string(j + 1) + " is smaller than the one before)";
  }
  return std::nullopt;
}

}  // namespace lpc
