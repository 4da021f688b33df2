// lpconform fast — ULQ, loss-error-aware ultra-low-bit quantization (spec/quantizers.md §5).
//
// Same signatures and the same declared outputs as the reference: every decision (support, level,
// chosen β) and every rounded α is exact. Sums are estimated in double with a proven error bound,
// and only the candidates the bound cannot separate are settled in exact fixed-point integers
// (no Boost). The ternary support search sorts |w| by a radix sort of the float bit patterns.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "spec/quantizers/ulq_params.hpp"

namespace lpc::fast {

// §5.2-5.6, §5.8, bit-exact to ref::ulq_quantize (same errors, same outputs). The double spans
// hold float32 values when p.precision is Float32.
UlqOutcome ulq_quantize(const UlqParams& p, std::span<const double> w, std::span<const double> curvature, std::span<const double> gradient);

// The same for float32 data without a conversion (p.precision must be Float32).
UlqOutcome ulq_quantize(const UlqParams& p, std::span<const float> w, std::span<const float> curvature, std::span<const float> gradient);

// §5.7 one step of the incremental partition (see ref::ulq_partition_next).
std::vector<uint8_t> ulq_partition_next(std::span<const double> w, std::span<const uint8_t> frozen, size_t count);

// §5.7 the whole schedule on a fixed tensor (see ref::ulq_partition_steps).
std::vector<int> ulq_partition_steps(std::span<const double> w, std::span<const double> ratios);

// §5.10 E = |<g, ŵ - w>| + λ·||ŵ - w||², summed in double: verification mode is the bound of §5.10,
// not Exact.
double ulq_loss_error(std::span<const double> w, std::span<const double> w_hat, std::span<const double> gradient, double lambda);

}  // namespace lpc::fast
