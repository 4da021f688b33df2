// lpconform reference — the chip family in exact arithmetic (spec/chip.md §3, §4, §5):
//   (a) exact GEMM and exact direct convolution (NHWC, no padding): integers exact, floats as
//       exact rationals, with Σ|a·b| kept for the DOT_PRODUCT-style bound;
//   (b) the hardware-semantics reference: the chip's declared roundings, wraps and saturations
//       applied in the declared order, each rounding computed from its definition (the nearest
//       points of the accumulator's grid, found by rational comparison), not from bit tricks.
// Written independently of impls/chip; Boost.Multiprecision lives in chip.cpp only.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>

#include "reference/formats/exact_value.hpp"
#include "spec/chip/config.hpp"
#include "spec/chip/layer.hpp"

namespace lpc::ref::chip {

using lpc::chip::AccumulatorSpec;
using lpc::chip::ChipConfig;
using lpc::chip::ChipValues;
using lpc::chip::Layer;

// The outcome of comparing one float accumulator value with exact math (spec/chip.md §5.2).
struct BoundCheck {
  enum class Kind : uint8_t { Pass, Fail, Excluded } kind = Kind::Pass;
  std::string exact;  // the exact value (decimal), "nan", "inf", "-inf"
  std::string bound;  // the bound B, decimal rounded to 6 significant digits; empty for non-finite
  std::string error;  // |got - exact|, same style
};

// The exact result of a layer: per output, Σ a·b (or NaN / ±inf) and Σ|a·b|.
class ExactResult {
 public:
  size_t size() const;
  // Integer operands: the exact sum (|Σ| <= K·2^14 fits int64 for every K the suite takes) and
  // Σ|a·b|. Precondition: the layer had integer operands.
  int64_t integer_sum(size_t i) const;
  int64_t integer_abs_sum(size_t i) const;
  // Float operands: whether the accumulator value `got` is within the bound of spec/chip.md §5.2
  // for an accumulator `accumulator` with `fold_rows` (Excluded when an intermediate may overflow).
  BoundCheck check_float(size_t i, double got, const AccumulatorSpec& accumulator, uint32_t fold_rows) const;
  std::string to_string(size_t i) const;  // exact decimal, "nan", "inf", "-inf"

  struct Impl;
  explicit ExactResult(std::shared_ptr<const Impl> impl) : impl_(std::move(impl)) {}

 private:
  std::shared_ptr<const Impl> impl_;
};

// Exact C = A × B (a: M x K codes, b: K x N codes, row-major, one code per byte) or, for a
// convolution layer, the exact direct convolution of the NHWC ifmap `a` with the R x S x C x M
// filters `b`, output (oh·OW + ow) x M. Codes are decoded by reference/formats (ref::decode).
// Throws std::invalid_argument on wrong sizes.
ExactResult exact_layer(const Format& a_format, const Format& b_format, const Layer& layer, std::span<const uint8_t> a,
                        std::span<const uint8_t> b);

// The hardware-semantics reference of the chip `config` on `layer` (same operands as
// exact_layer, plus N int32 bias values when config.bias): accumulators and outputs as the
// declared semantics defines them. Requantization is reference/quantizers' requantize.
ChipValues hardware_layer(const ChipConfig& config, const Layer& layer, std::span<const uint8_t> a, std::span<const uint8_t> b,
                          std::span<const int32_t> bias);

// One declared float addition: round(acc + addend) into the accumulator (spec/chip.md §3.3), for
// finite or special exact values; the result's sign of zero per IEEE 754 §6.3, NaN any NaN.
ExactValue round_sum(const AccumulatorSpec& accumulator, const ExactValue& acc, const ExactValue& addend);

// The exact product of two codes (decode each, multiply; inf·0 is NaN).
ExactValue exact_product(const Format& a_format, uint32_t a_code, const Format& b_format, uint32_t b_code);

}  // namespace lpc::ref::chip
