// lpconform fast — LSQ forward and backward (spec/quantizers.md §1), vectorized.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>

#include "spec/quantizers/params.hpp"

namespace lpc::fast {

struct LsqError {
  size_t index = 0;
  std::string message;
};

// Forward y and backward dx, ds (per element, grad scale applied) for every x[i], dy[i], bit-exact
// to spec/quantizers.md §1.1-1.5. Precondition: lsq_params_error(p) == nullopt, all spans the same
// size. Returns the first element with a NaN x or a non-finite dy (outputs then unspecified).
std::optional<LsqError> lsq_forward_backward(const LsqParams& p, std::span<const float> x, std::span<const float> dy, std::span<float> y,
                                             std::span<float> dx, std::span<float> ds);

// §1.6 LSQ+ with offset beta: u = fl32(x - beta), LSQ of u, y = fl32(y_u + beta), dbeta[i] = dy[i]
// where clamped, else 0. Same preconditions; beta must be finite.
std::optional<LsqError> lsq_plus_forward_backward(const LsqParams& p, float beta, std::span<const float> x, std::span<const float> dy, std::span<float> y,
                                                  std::span<float> dx, std::span<float> ds, std::span<float> dbeta);

// §1.4 g = RN32(1/sqrt(n·Q_P)), correctly rounded; nullopt for n == 0 or qmax <= 0.
std::optional<float> lsq_grad_scale(uint64_t n, int32_t qmax);

// §1.4 s0 = 2·mean|v|/sqrt(Q_P) (verification mode Ulp(1): the mean is summed in float64);
// nullopt for an empty tensor, a NaN/inf in it, or a zero or non-finite result.
std::optional<float> lsq_initial_scale(std::span<const float> v, int32_t qmax);

// §1.7 the integer path: sum of w[k]·x[k] in int32. nullopt when a partial sum (index order)
// overflows int32, with that k stored in *overflow_index when given; when k·max|w|·max|x| < 2^31
// the check is skipped, as no order can overflow. Unsigned activations, or signed ones.
std::optional<int32_t> lsq_integer_dot(std::span<const int8_t> w, std::span<const uint8_t> x, int32_t w_max_magnitude, int32_t x_max_magnitude,
                                       size_t* overflow_index = nullptr);
std::optional<int32_t> lsq_integer_dot(std::span<const int8_t> w, std::span<const int8_t> x, int32_t w_max_magnitude, int32_t x_max_magnitude,
                                       size_t* overflow_index = nullptr);

// §1.7 RN32(s_w·s_x·acc) with one rounding.
float lsq_output_float(int32_t acc, float scale_w, float scale_x);

}  // namespace lpc::fast
