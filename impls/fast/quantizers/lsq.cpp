// lpconform fast — LSQ (spec/quantizers.md §1).
//
// Paper variant, why float64 is exact here (§1.3): with x = X·2^a, s = S·2^b (X, S < 2^24) and a
// bound or a half-integer m with |m| <= 2^15 + 1/2, x/s - m is either 0 or at least 2^-26 in
// magnitude (2x - 2m·s is a nonzero multiple of 2^min(a+1, b)), while fl64(x/s) is within
// 2^-53·2^16 = 2^-37 of x/s, and x/s of two floats never overflows or underflows float64. So
// fl64(x/s) lies on the same side of every bound and every tie as x/s, and equals a tie only when
// x/s does: comparisons and round-half-even on it are exact. The residual r = n·s - x is exact in
// float64 (n·s has <= 40 bits; when n != 0, |x| >= s/2 so x's exponent is at least s's minus 2 and
// r has <= 26 bits). Converting t = fl64(r/s) to float32 does not double-round: were t a float32
// midpoint M != r/s, then with r = R·2^a (|R| < 2^26), s = S·2^b (S < 2^24), M = m·2^c (m < 2^25),
// R·2^(a-b-c) - S·m = S·(r/s - M)·2^-c would be nonzero, a multiple of 2^(a-b-c) > S·m·2^-27, yet
// smaller than S·m·2^-53 in magnitude. So e = RN32(r/s) is a plain conversion.
#include "impls/fast/quantizers/lsq.hpp"

#include <bit>
#include <cmath>
#include <limits>
#include <vector>

namespace lpc::fast {

namespace {

constexpr size_t kBlock = 512;
__extension__ typedef unsigned __int128 uint128;
__extension__ typedef __int128 int128;

// One block of the paper variant, branch-free so that it vectorizes: the clip happens before the
// rounding (the same for integer bounds), and r/s is computed in every lane. Returns the OR of the
// "bad input" lanes.
__attribute__((target_clones("arch=x86-64-v4", "arch=x86-64-v3", "default"))) bool paper_kernel(
    const float* __restrict x, const float* __restrict dy, float* __restrict y, float* __restrict dx, float* __restrict ds, size_t n, float s, double qmin, double qmax, float g) {
  uint32_t bad = 0;  // an integer reduction vectorizes; a bool one does not
  const double sd = s;
  for (size_t i = 0; i < n; ++i) {
    const double xd = x[i];
    const double q = xd / sd;
    const bool clamped = (q <= qmin) | (q >= qmax);
    const double code = std::nearbyint(std::min(std::max(q, qmin), qmax)) + 0.0;  // + 0.0: a zero code is +0
    const double t = (code * sd - xd) / sd;
    const float e = static_cast<float>(t);
    y[i] = static_cast<float>(code) * s;
    dx[i] = clamped ? 0.0f : dy[i];
    ds[i] = (dy[i] * (clamped ? static_cast<float>(code) : e)) * g;
    bad |= static_cast<uint32_t>((x[i] != x[i]) | !(std::fabs(dy[i]) <= std::numeric_limits<float>::max()));
  }
  return bad != 0;
}

__attribute__((target_clones("arch=x86-64-v4", "arch=x86-64-v3", "default"))) bool torch_kernel(
    const float* __restrict x, const float* __restrict dy, float* __restrict y, float* __restrict dx, float* __restrict ds, size_t n, float s, float inv,
    float qmin, float qmax, float g) {
  uint32_t bad = 0;
  for (size_t i = 0; i < n; ++i) {
    const float code = std::nearbyint(x[i] * inv);  // t = fl32(x·fl32(1/s)), then RNE
    const bool clamped = (code < qmin) | (code > qmax);
    const float clipped = std::min(std::max(code, qmin), qmax) + 0.0f;
    const float fake = clipped * s;
    y[i] = fake;
    dx[i] = clamped ? 0.0f : dy[i];
    const float inside = (dy[i] * (fake - x[i])) * inv;
    ds[i] = (clamped ? dy[i] * clipped : inside) * g;
    bad |= static_cast<uint32_t>((x[i] != x[i]) | !(std::fabs(dy[i]) <= std::numeric_limits<float>::max()));
  }
  return bad != 0;
}

std::optional<LsqError> find_bad(std::span<const float> x, std::span<const float> dy, size_t offset) {
  for (size_t i = 0; i < x.size(); ++i) {
    if (std::isnan(x[i])) return LsqError{offset + i, "input x is NaN"};
    if (!std::isfinite(dy[i])) return LsqError{offset + i, "upstream gradient dy is not finite"};
  }
  return std::nullopt;
}

}  // namespace

std::optional<LsqError> lsq_forward_backward(const LsqParams& p, std::span<const float> x, std::span<const float> dy, std::span<float> y,
                                             std::span<float> dx, std::span<float> ds) {
  const float inv = 1.0f / p.scale;
  for (size_t start = 0; start < x.size(); start += kBlock) {
    const size_t n = std::min(kBlock, x.size() - start);
    const float* xs = x.data() + start;
    const float* dys = dy.data() + start;
    bool bad = false;
    if (p.variant == LsqVariant::Paper) {
      bad = paper_kernel(xs, dys, y.data() + start, dx.data() + start, ds.data() + start, n, p.scale, p.qmin, p.qmax, p.grad_scale);
    } else {
      bad = torch_kernel(xs, dys, y.data() + start, dx.data() + start, ds.data() + start, n, p.scale, inv, static_cast<float>(p.qmin),
                         static_cast<float>(p.qmax), p.grad_scale);
    }
    if (bad) return find_bad({xs, n}, {dys, n}, start);
  }
  return std::nullopt;
}

std::optional<LsqError> lsq_plus_forward_backward(const LsqParams& p, float beta, std::span<const float> x, std::span<const float> dy, std::span<float> y,
                                                  std::span<float> dx, std::span<float> ds, std::span<float> dbeta) {
  std::vector<float> u(x.size());
  for (size_t i = 0; i < x.size(); ++i) u[i] = x[i] - beta;
  if (auto e = lsq_forward_backward(p, u, dy, y, dx, ds)) return e;
  for (size_t i = 0; i < x.size(); ++i) {
    // Clamped exactly where the STE zeroed dx although dy was not zero; dy == 0 gives 0 either way.
    dbeta[i] = (dx[i] == 0.0f) ? dy[i] : 0.0f;
    y[i] = y[i] + beta;
  }
  return std::nullopt;
}

std::optional<float> lsq_grad_scale(uint64_t n, int32_t qmax) {
  if (n == 0 || qmax <= 0) return std::nullopt;
  // fl64(1/sqrt(M)) is within 2^-52 relative of the truth; rounding it to float32 is right unless
  // it lands within that distance of a float32 midpoint. There the sign of mid²·M - 1, an exact
  // 128-bit integer comparison, decides. M = n·Q_P < 2^64·2^15 is kept small by
  // requiring M < 2^63 (larger tensors do not exist), so that k²·M < 2^115 below.
  const uint128 m = static_cast<uint128>(n) * static_cast<uint32_t>(qmax);
  if (m >> 63) return std::nullopt;
  const double approx = 1.0 / std::sqrt(static_cast<double>(m));
  const float f = static_cast<float>(approx);
  const float other = std::nextafter(f, approx > f ? INFINITY : 0.0f);
  const double mid = (static_cast<double>(f) + other) / 2;  // exact in float64
  if (std::fabs(approx - mid) > std::ldexp(std::fabs(mid), -45)) return f;
  // mid = K·2^e with K < 2^25: compare K²·M with 2^(-2e).
  int e = 0;
  const double fraction = std::frexp(mid, &e);
  const auto k = static_cast<uint128>(std::ldexp(fraction, 26));  // mid = k·2^(e-26)
  const int p2 = -2 * (e - 26);                                              // compare k²·M with 2^p2
  const uint128 lhs = k * k * m;
  const bool mid_below_truth = p2 >= 128 || lhs < (static_cast<uint128>(1) << p2);
  const float low = std::min(f, other), high = std::max(f, other);
  return mid_below_truth ? high : low;
}

std::optional<float> lsq_initial_scale(std::span<const float> v, int32_t qmax) {
  if (v.empty() || qmax <= 0) return std::nullopt;
  double sum = 0;
  for (float x : v) sum += std::fabs(static_cast<double>(x));
  if (!std::isfinite(sum)) return std::nullopt;
  const float s0 = static_cast<float>(2.0 * (sum / static_cast<double>(v.size())) / std::sqrt(static_cast<double>(qmax)));
  if (s0 == 0 || !std::isfinite(s0)) return std::nullopt;
  return s0;
}

namespace {

template <class Activation>
std::optional<int32_t> integer_dot(std::span<const int8_t> w, std::span<const Activation> x, int32_t w_max_magnitude, int32_t x_max_magnitude,
                                   size_t* overflow_index) {
  const size_t n = std::min(w.size(), x.size());
  const bool proven = static_cast<int128>(n) * w_max_magnitude * x_max_magnitude <= INT32_MAX;
  if (proven) {
    int32_t acc = 0;  // no partial sum can leave int32 (each is bounded by k·max|w|·max|x|)
    for (size_t k = 0; k < n; ++k) acc += static_cast<int32_t>(w[k]) * x[k];
    return acc;
  }
  int64_t acc = 0;  // |product| < 2^15, so the int64 sum is exact and one step past int32 is caught
  for (size_t k = 0; k < n; ++k) {
    acc += static_cast<int32_t>(w[k]) * x[k];
    if (acc < INT32_MIN || acc > INT32_MAX) {
      if (overflow_index) *overflow_index = k;
      return std::nullopt;
    }
  }
  return static_cast<int32_t>(acc);
}

}  // namespace

std::optional<int32_t> lsq_integer_dot(std::span<const int8_t> w, std::span<const uint8_t> x, int32_t w_max_magnitude, int32_t x_max_magnitude,
                                       size_t* overflow_index) {
  return integer_dot(w, x, w_max_magnitude, x_max_magnitude, overflow_index);
}

std::optional<int32_t> lsq_integer_dot(std::span<const int8_t> w, std::span<const int8_t> x, int32_t w_max_magnitude, int32_t x_max_magnitude,
                                       size_t* overflow_index) {
  return integer_dot(w, x, w_max_magnitude, x_max_magnitude, overflow_index);
}

float lsq_output_float(int32_t acc, float scale_w, float scale_x) {
  // p = s_w·s_x is exact in float64 (48 bits); p·acc needs up to 80: hi + lo exactly (fma), and
  // hi alone rounds to the right float32 unless hi is a float32 midpoint, where lo's sign decides.
  const double p = static_cast<double>(scale_w) * scale_x;
  double hi = p * acc;
  const double lo = std::fma(p, static_cast<double>(acc), -hi);
  if (lo != 0 && (std::bit_cast<uint64_t>(hi) & 0x0fffffffu) == 0) hi = std::nextafter(hi, lo > 0 ? INFINITY : -INFINITY);
  return static_cast<float>(hi);
}

}  // namespace lpc::fast
