// lpconform reference — ULQ, loss-error-aware ultra-low-bit quantization, exactly
// (spec/quantizers.md §5).
//
// Inputs are float32 or float64 values (held in doubles); every sum, mean, threshold and error is
// an exact rational (Boost cpp_rational in the .cpp only), every decision is taken on exact values,
// and a float output is the exact value rounded once to the precision, ties to even (§5.1), except
// the activation quantizer, whose float operations §5.8 names one by one. Nothing here is shared
// with impls/.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "spec/quantizers/ulq_params.hpp"

namespace lpc::ref {

// §5.2-5.6, §5.8: quantizes the tensor w. `curvature` (d, LAB/LAQ) and `gradient` (∇L, activation
// with the loss-proxy criterion) are empty or as long as w. Errors (§5.9): bad parameters, an empty
// tensor, an element that is not a finite value of the precision, d <= 0, a missing column.
UlqOutcome ulq_quantize(const UlqParams& p, std::span<const double> w, std::span<const double> curvature, std::span<const double> gradient);

// §5.7 one step of the incremental partition: the frozen set grows to `count` elements by adding
// the unfrozen ones of largest |w| (ties: lower index first); frozen elements stay frozen.
// frozen[i] is 0 or 1; returns the new mask. count is capped at w.size().
std::vector<uint8_t> ulq_partition_next(std::span<const double> w, std::span<const uint8_t> frozen, size_t count);

// §5.7 the whole schedule on a fixed tensor: step[i] = the first j (1-based) whose cumulative count
// ceil(σ_j·n) covers element i's rank, 0 if none. Precondition: ulq_ratios_error(ratios) == nullopt.
std::vector<int> ulq_partition_steps(std::span<const double> w, std::span<const double> ratios);

// §5.10 the loss-error proxy E = |<g, ŵ - w>| + λ·||ŵ - w||², exact, rounded once to float64.
double ulq_loss_error(std::span<const double> w, std::span<const double> w_hat, std::span<const double> gradient, double lambda);

}  // namespace lpc::ref
