// The fast implementation's quantizer entry point (quantizer_entry_points.hpp): impls/fast/quantizers.
#include <algorithm>
#include <cstdint>
#include <cmath>
#include <optional>
#include <stdexcept>
#include <vector>

#include "conformance/core/case.hpp"
#include "conformance/bundled/quantizer_entry_points.hpp"
#include "conformance/bundled/ulq_batch.hpp"
#include "impls/fast/quantizers/dynamic_bits.hpp"
#include "impls/fast/quantizers/ulq.hpp"

namespace lpc {

namespace {

OpStatus element_error(const QuantizeBatch& b, size_t i, const std::string& why, std::string& error) {
  error = std::string("fast ") + op_info(b.op).name + ": element " + std::to_string(i) + ": " + why;
  if (b.failed_at) *b.failed_at = i;
  return OpStatus::Error;
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

OpStatus fast_quantize(const QuantizeBatch& batch, std::string& error) {
  if (!batch.params) { error = "fast quantize: no parameters"; return OpStatus::Error; }
  try {
    switch (batch.op) {
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
