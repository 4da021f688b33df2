// The fast implementation's quantizer entry point (quantizer_entry_points.hpp): impls/fast/quantizers, in
// chunks of the variant's size.
#include <algorithm>
#include <cstdint>
#include <cmath>
#include <optional>
#include <stdexcept>
#include <vector>

#include "conformance/core/case.hpp"
#include "conformance/bundled/quantizer_entry_points.hpp"
#include "conformance/bundled/ulq_batch.hpp"
#include "impls/fast/quantizers/requantize.hpp"
#include "impls/fast/quantizers/dynamic_bits.hpp"
#include "impls/fast/quantizers/ulq.hpp"

namespace lpc {

namespace {

OpStatus element_error(const QuantizeBatch& b, size_t i, const std::string& why, std::string& error) {
  error = std::string("fast ") + op_info(b.op).name + ": element " + std::to_string(i) + ": " + why;
  if (b.failed_at) *b.failed_at = i;
  return OpStatus::Error;
}

// Elements per kernel call: the whole batch, or the variant's chunk rounded up to `multiple_of`.
size_t chunk_size(const FastQuantizeVariant& v, size_t n, size_t multiple_of) {
  if (v.chunk == 0 || n == 0) return std::max<size_t>(n, 1);
  return (v.chunk + multiple_of - 1) / multiple_of * multiple_of;
}

OpStatus requantize(const QuantizeBatch& b, std::string& error, const FastQuantizeVariant& v) {
  const RequantParams& p = b.params->requant;
  if (auto e = requant_params_error(p)) { error = "fast requantize: " + *e; return OpStatus::Error; }
  const size_t n = b.values.size();
  if (b.out.size() != n) { error = "fast requantize: out needs one entry per value"; return OpStatus::Error; }
  const size_t step = chunk_size(v, n, p.channels());  // chunks start at channel 0
  // The int32 -> int8 kernel where it applies (the hot path), else the int64 general path.
  const bool kernel = !v.general_path && p.output_type == IntType::I8 && p.input_type != IntType::I48;
  std::vector<int32_t> in32;
  std::vector<int8_t> out8;
  for (size_t begin = 0; begin < n; begin += step) {
    const size_t len = std::min(step, n - begin);
    if (!kernel) {
      if (auto e = fast::requantize(p, b.values.subspan(begin, len), b.out.subspan(begin, len)))
        return element_error(b, begin + e->index, e->message, error);
      continue;
    }
    in32.assign(b.values.begin() + begin, b.values.begin() + begin + len);
    out8.resize(len);
    if (auto e = fast::requantize_to_int8(p, in32, out8)) return element_error(b, begin + e->index, e->message, error);
    std::copy(out8.begin(), out8.end(), b.out.begin() + begin);
  }
  return OpStatus::Ok;
}

// §5 over the whole tensor, float32 throughout (ulq_batch.hpp).
OpStatus ulq(const QuantizeBatch& b, std::string& error) {
  const auto quantize = [&](const UlqParams& p, bool curvature) {
    return fast::ulq_quantize(p, b.x, curvature ? b.dy : std::span<const float>{}, curvature ? std::span<const float>{} : b.dy);
  };
  const auto steps = [&](const std::vector<double>& ratios) { return fast::ulq_partition_steps(std::vector<double>(b.x.begin(), b.x.end()), ratios); };
  return ulq_batch(b, error, "fast", quantize, steps);
}

// §6 over the whole map: y and the block bits in out, the low flags in elem_codes.
OpStatus dynbits(const QuantizeBatch& b, std::string& error) {
  const DynBitsParams& p = b.params->dynbits;
  if (auto e = dynbits_params_error(p)) { error = "fast dynbits: " + *e; return OpStatus::Error; }
  const size_t n = b.values.size(), blocks = static_cast<size_t>(p.block_count());
  if (n != static_cast<size_t>(p.element_count()) || b.out.size() != n + blocks || b.elem_codes.size() != n) {
    error = "fast dynbits: values need C·H·W entries, out one per element and per block, elem_codes one per element";
    return OpStatus::Error;
  }
  std::vector<int32_t> x(n), y(n);
  for (size_t i = 0; i < n; ++i) {
    if (b.values[i] < INT32_MIN || b.values[i] > INT32_MAX) return element_error(b, i, "not a signed " + std::to_string(p.high_bits) + "-bit integer", error);
    x[i] = static_cast<int32_t>(b.values[i]);
  }
  if (auto e = fast::dynbits(p, x, y, b.elem_codes, b.out.subspan(n))) return element_error(b, e->index, e->message, error);
  std::copy(y.begin(), y.end(), b.out.begin());
  return OpStatus::Ok;
}

}  // namespace

OpStatus fast_quantize(const QuantizeBatch& batch, std::string& error, const FastQuantizeVariant& variant) {
  if (!batch.params) { error = "fast quantize: no parameters"; return OpStatus::Error; }
  try {
    switch (batch.op) {
      case Op::Requantize: return requantize(batch, error, variant);
      case Op::Ulq: return ulq(batch, error);
      case Op::DynBits: return dynbits(batch, error);
      default: return OpStatus::Unsupported;
    }
  } catch (const std::exception& e) {
    error = std::string("fast ") + op_info(batch.op).name + ": " + e.what();
    return OpStatus::Error;
  }
}

}  // namespace lpc
