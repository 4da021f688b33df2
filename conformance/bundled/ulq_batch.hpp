// The Ulq batch layout (conformance/core/implementation.hpp, Op::Ulq), filled the same way by the
// reference and the fast adapters: only the quantizer they call differs.
#pragma once
#include <algorithm>
#include <iterator>
#include <string>
#include <vector>

#include "conformance/core/implementation.hpp"
#include "spec/quantizers/ulq_params.hpp"

namespace lpc {

// Runs spec/quantizers.md §5 over the whole tensor in float32 and writes the batch: codes then
// support, n1, iterations and converged in out (then each element's §5.7 step when the case has a
// partition), values then the scale in y. quantize(params, curvature) returns the implementation's
// UlqOutcome, with dy passed as the curvature d (LAB, LAQ) or as the gradient otherwise;
// partition_steps(ratios) its §5.7 steps. `who` ("reference", "fast") starts every message. An
// input the quantizer rejects is an Error naming the element, with *failed_at set.
template <class Quantize, class PartitionSteps>
OpStatus ulq_batch(const QuantizeBatch& b, std::string& error, const std::string& who, Quantize quantize, PartitionSteps partition_steps) {
  const size_t n = b.x.size();
  const std::vector<double>& ratios = b.params->ulq_partition;
  if (b.out.size() != n + 4 + (ratios.empty() ? 0 : n) || b.y.size() != n + 1) {
    error = who + " ulq: out needs n + 4 entries (+ n with a partition) and y n + 1";
    return OpStatus::Error;
  }
  if (!ratios.empty())
    if (auto e = ulq_ratios_error(ratios)) { error = who + " ulq: " + *e; return OpStatus::Error; }
  UlqParams p = b.params->ulq;
  p.precision = UlqPrecision::Float32;
  if (auto e = ulq_params_error(p)) { error = who + " ulq: " + *e; return OpStatus::Error; }
  const UlqOutcome r = quantize(p, ulq_needs_curvature(p.method));
  if (!r.ok) {  // the parameters are valid: an input error
    error = who + " ulq: element " + std::to_string(r.error_index) + ": " + r.error;
    if (b.failed_at) *b.failed_at = r.error_index;
    return OpStatus::Error;
  }
  for (size_t i = 0; i < n; ++i) {
    b.out[i] = r.result.codes[i];
    b.y[i] = static_cast<float>(r.result.values[i]);
  }
  b.y[n] = static_cast<float>(r.result.scale);
  const int64_t tensor[] = {static_cast<int64_t>(r.result.support), r.result.n1, r.result.iterations, r.result.converged};
  std::copy(std::begin(tensor), std::end(tensor), b.out.begin() + n);
  if (!ratios.empty()) {
    const std::vector<int> steps = partition_steps(ratios);
    std::copy(steps.begin(), steps.end(), b.out.begin() + n + 4);
  }
  return OpStatus::Ok;
}

}  // namespace lpc
