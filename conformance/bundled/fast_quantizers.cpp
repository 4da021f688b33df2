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
#include "impls/fast/quantizers/ulq.hpp"

namespace lpc {

namespace {

// §5 over the whole tensor, float32 throughout (ulq_batch.hpp).
OpStatus ulq(const QuantizeBatch& b, std::string& error) {
  const auto quantize = [&](const UlqParams& p, bool curvature) {
    return fast::ulq_quantize(p, b.x, curvature ? b.dy : std::span<const float>{}, curvature ? std::span<const float>{} : b.dy);
  };
  const auto steps = [&](const std::vector<double>& ratios) { return fast::ulq_partition_steps(std::vector<double>(b.x.begin(), b.x.end()), ratios); };
  return ulq_batch(b, error, "fast", quantize, steps);
}

}  // namespace

OpStatus fast_quantize(const QuantizeBatch& batch, std::string& error) {
  if (!batch.params) { error = "fast quantize: no parameters"; return OpStatus::Error; }
  try {
    switch (batch.op) {
      case Op::Ulq: return ulq(batch, error);
      default: return OpStatus::Unsupported;
    }
  } catch (const std::exception& e) {
    error = std::string("fast ") + op_info(batch.op).name + ": " + e.what();
    return OpStatus::Error;
  }
}

}  // namespace lpc
