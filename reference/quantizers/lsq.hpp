// lpconform reference — LSQ, the learned-step-size quantizer, exactly (spec/quantizers.md §1).
//
// Each float32 operation the spec names is its exact real result rounded once to float32 (round
// to nearest even, subnormals, overflow to infinity), computed in arbitrary precision (Boost
// cpp_rational in the .cpp only); decisions (clamped or not, which way a tie goes) are taken on
// exact values. Nothing here is shared with impls/.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>

#include "spec/quantizers/params.hpp"

namespace lpc::ref {

// One element of the forward and backward pass. `code` is the integer v̄ (after clipping);
// `clamped` is -1 (below), +1 (above) or 0 (inside the range) under the variant's convention.
struct LsqElement {
  float y = 0, dx = 0, ds = 0;
  int32_t code = 0;
  int clamped = 0;
};
struct LsqOutcome {
  bool ok = false;
  LsqElement element;
  std::string error;
};

// §1.1-1.4: forward y and backward dx, ds (this element's contribution, grad scale applied) of
// input x with upstream gradient dy. Precondition: lsq_params_error(p) == nullopt. Errors (§1.5):
// x NaN, dy not finite.
LsqOutcome lsq(const LsqParams& p, float x, float dy);

// §1.6 LSQ+: LSQ of u = fl32(x - beta), y = fl32(y_u + beta); dbeta = dy where clamped, else 0.
struct LsqPlusOutcome {
  bool ok = false;
  LsqElement element;
  float dbeta = 0;
  std::string error;
};
LsqPlusOutcome lsq_plus(const LsqParams& p, float beta, float x, float dy);

// §1.4 the gradient scale g = RN32(1 / sqrt(n·Q_P)), correctly rounded. ok == false for n == 0.
struct FloatOutcome {
  bool ok = false;
  float value = 0;
  std::string error;
};
FloatOutcome lsq_grad_scale(uint64_t n, int32_t qmax);

// §1.4 the initial step s0 = RN32(2·mean|v| / sqrt(Q_P)) with the exact mean. Errors: empty or
// non-finite v, a zero result, a result that overflows float32.
FloatOutcome lsq_initial_scale(std::span<const float> v, int32_t qmax);

// §1.7 the integer path. Sum of w[k]·x[k] in index order, exactly; ok == false ("overflow") when a
// partial sum leaves int32. `proven` is set when |w|·|x| bounds alone prove that no order can overflow.
struct IntegerDot {
  bool ok = false;
  bool proven = false;
  int32_t acc = 0;
  size_t overflow_index = 0;  // when !ok: the k whose partial sum first leaves int32
  std::string error;
};
IntegerDot lsq_integer_dot(std::span<const int32_t> w, std::span<const int32_t> x, int32_t w_max_magnitude, int32_t x_max_magnitude);

// §1.7 the float output: RN32(s_w·s_x·acc), one rounding of the exact product.
float lsq_output_float(int32_t acc, float scale_w, float scale_x);

}  // namespace lpc::ref
