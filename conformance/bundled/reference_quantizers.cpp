// The exact reference's quantizer entry point (quantizer_entry_points.hpp): reference/quantizers per element.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <optional>
#include <stdexcept>
#include <vector>

#include "conformance/core/case.hpp"
#include "conformance/bundled/quantizer_entry_points.hpp"
#include "conformance/bundled/ulq_batch.hpp"
#include "reference/quantizers/ulq.hpp"

namespace lpc {

namespace {

// §5 over the whole tensor (ulq_batch.hpp).
OpStatus ulq(const QuantizeBatch& b, std::string& error) {
  const std::vector<double> w(b.x.begin(), b.x.end()), second(b.dy.begin(), b.dy.end());
  const auto quantize = [&](const UlqParams& p, bool curvature) {
    return ref::ulq_quantize(p, w, curvature ? second : std::vector<double>{}, curvature ? std::vector<double>{} : second);
  };
  const auto steps = [&](const std::vector<double>& ratios) { return ref::ulq_partition_steps(w, ratios); };
  return ulq_batch(b, error, "reference", quantize, steps);
}

}  // namespace

OpStatus reference_quantize(const QuantizeBatch& batch, std::string& error) {
  if (!batch.params) { error = "reference quantize: no parameters"; return OpStatus::Error; }
  try {
    switch (batch.op) {
      case Op::Ulq: return ulq(batch, error);
      default: return OpStatus::Unsupported;
    }
  } catch (const std::exception& e) {
    error = std::string("reference ") + op_info(batch.op).name + ": " + e.what();
    return OpStatus::Error;
  }
}

}  // namespace lpc
