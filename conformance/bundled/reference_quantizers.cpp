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
#include "reference/quantizers/dynamic_bits.hpp"
#include "reference/quantizers/ulq.hpp"

namespace lpc {

namespace {

OpStatus element_error(const QuantizeBatch& batch, size_t i, const std::string& why, std::string& error) {
  error = std::string("reference ") + op_info(batch.op).name + ": element " + std::to_string(i) + ": " + why;
  if (batch.failed_at) *batch.failed_at = i;
  return OpStatus::Error;
}

// §5 over the whole tensor (ulq_batch.hpp).
OpStatus ulq(const QuantizeBatch& b, std::string& error) {
  const std::vector<double> w(b.x.begin(), b.x.end()), second(b.dy.begin(), b.dy.end());
  const auto quantize = [&](const UlqParams& p, bool curvature) {
    return ref::ulq_quantize(p, w, curvature ? second : std::vector<double>{}, curvature ? std::vector<double>{} : second);
  };
  const auto steps = [&](const std::vector<double>& ratios) { return ref::ulq_partition_steps(w, ratios); };
  return ulq_batch(b, error, "reference", quantize, steps);
}

// §6 over the whole map: y and the block bits in out, the low flags in elem_codes.
OpStatus dynbits(const QuantizeBatch& b, std::string& error) {
  const DynBitsParams& p = b.params->dynbits;
  if (auto e = dynbits_params_error(p)) { error = "reference dynbits: " + *e; return OpStatus::Error; }
  const size_t n = b.values.size(), blocks = static_cast<size_t>(p.block_count());
  if (b.out.size() != n + blocks || b.elem_codes.size() != n) {
    error = "reference dynbits: out needs one entry per element and per block, elem_codes one per element";
    return OpStatus::Error;
  }
  std::vector<int32_t> x(n);
  for (size_t i = 0; i < n; ++i) {
    if (b.values[i] < INT32_MIN || b.values[i] > INT32_MAX) return element_error(b, i, "not a signed " + std::to_string(p.high_bits) + "-bit integer", error);
    x[i] = static_cast<int32_t>(b.values[i]);
  }
  const ref::DynBitsOutcome r = ref::dynbits(p, x);
  if (!r.ok) { error = "reference dynbits: " + r.error; return OpStatus::Error; }
  std::copy(r.y.begin(), r.y.end(), b.out.begin());
  std::copy(r.block_bits.begin(), r.block_bits.end(), b.out.begin() + n);
  std::copy(r.low.begin(), r.low.end(), b.elem_codes.begin());
  return OpStatus::Ok;
}

}  // namespace

OpStatus reference_quantize(const QuantizeBatch& batch, std::string& error) {
  if (!batch.params) { error = "reference quantize: no parameters"; return OpStatus::Error; }
  try {
    switch (batch.op) {
      case Op::Ulq: return ulq(batch, error);
      case Op::DynBits: return dynbits(batch, error);
      default: return OpStatus::Unsupported;
    }
  } catch (const std::exception& e) {
    error = std::string("reference ") + op_info(batch.op).name + ": " + e.what();
    return OpStatus::Error;
  }
}

}  // namespace lpc
