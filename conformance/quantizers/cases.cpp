#include "conformance/quantizers/cases.hpp"

#include <algorithm>
#include <array>
#include <bit>
#include <cmath>
#include <limits>
#include <random>
#include <stdexcept>

#include "reference/formats/codec.hpp"

namespace lpc::quantizer_cases {

namespace {



bool is_xnnpack(RequantScheme s) { return s == RequantScheme::XnnpackFp32 || s == RequantScheme::XnnpackRndnu; }

uint64_t bits(float f) { return std::bit_cast<uint32_t>(f); }



// ---- ulq (§5) -------------------------------------------------------------------------------------

constexpr float kUlqBetas[] = {1.0f, 0.5f, 2.0f, 6.0f};  // the activation grid, plus one seeded β per case

// The weight methods' boundary tensors: zeros of both signs, all-equal, §5.11's known answers
// ([3, 1, 1], [1, 0, 0], LAQ's [4, 2, 1]), exact magnitude ties, subnormals, the largest float, huge
// ranges; INQ's level midpoints 1.5·2^e and 2^(n2-1) with neighbours, and tensors whose maximum
// sits on n1's breakpoint 0.75·2^k (4·max/3 = 2^k) with its neighbours (§5.6).
std::vector<std::vector<float>> ulq_weight_tensors() {
  const float tiny = std::numeric_limits<float>::denorm_min(), huge = std::numeric_limits<float>::max();
  std::vector<std::vector<float>> out = {
      {0.0f}, {-0.0f}, {1.5f}, {-2.0f}, {0, 0, -0.0f, 0}, {1, 1, 1, 1, 1}, {-3, 3, -3, 3}, {3, 1, 1}, {1, 0, 0}, {4, 2, 1},
      {2, -1, 1, 0, -1, 1}, {tiny}, {tiny, -tiny, 3 * tiny, 0}, {huge, -huge, huge}, {huge, tiny, -1, 0},
      {1e30f, 1e-30f, -1e20f, 3e-38f, 7}, {0.75f, 0.25f, 0.375f, -1.5f, 0.5f, 1}, {5, 4, 4, 4, 3, 3, 1, 0, 0},
  };
  std::vector<uint64_t> levels;
  for (int e = -12; e <= 0; ++e) {
    add_with_neighbours(levels, std::ldexp(1.5f, e), 1);
    add_with_neighbours(levels, std::ldexp(1.0f, e), 1);
  }
  std::vector<float> midpoints = {1.0f};  // max 1: n1 = 0, so every bits' n2 - 1 is among the 2^e
  for (uint64_t b : levels)
    if (std::bit_cast<float>(static_cast<uint32_t>(b)) <= 1.0f) midpoints.push_back(-std::bit_cast<float>(static_cast<uint32_t>(b)));
  out.push_back(midpoints);
  for (int k : {-140, -1, 0, 1, 100, 128}) {
    std::vector<uint64_t> top;
    add_with_neighbours(top, std::ldexp(0.75f, k), 1);
    for (uint64_t b : top) out.push_back({std::bit_cast<float>(static_cast<uint32_t>(b)), std::ldexp(0.75f, k - 3), -std::ldexp(0.75f, k - 1)});
  }
  return out;
}

// N seeded tensors of 1..256 elements in turn: normal-like values of a random scale, small
// multiples of 1/8 (many exact ties), and magnitudes spread over float32's whole range (at most 64).
std::vector<std::vector<float>> ulq_random_tensors(uint32_t count, std::mt19937_64& rng) {
  std::vector<std::vector<float>> out;
  for (uint32_t t = 0; t < count; ++t) {
    const size_t n = std::uniform_int_distribution<size_t>(1, t % 3 == 2 ? 64 : 256)(rng);
    const int centre = std::uniform_int_distribution<int>(-30, 30)(rng);
    std::vector<float> v(n);
    for (float& e : v) {
      if (t % 3 == 0) e = random_sign(rng, random_float(rng, centre - 4, centre + 2));
      else if (t % 3 == 1) e = static_cast<float>(std::uniform_int_distribution<int>(-4, 4)(rng)) * 0.125f;
      else e = random_sign(rng, random_float(rng, -149, 127));
    }
    out.push_back(std::move(v));
  }
  return out;
}

// The activation quantizer's boundary tensors for one β (§5.8): the clip edges β and 0 with their
// neighbours, ±0, negative values, values far above β, and the grid points j·β/L and the RNE ties
// (j + 1/2)·β/L with neighbours (every j for L <= 64, else 64 spread over 0..L).
std::vector<float> ulq_activation_points(float beta, int bits) {
  const int levels = (1 << bits) - 1;
  std::vector<uint64_t> points;
  for (float v : {beta, 0.0f, -0.0f, -1.0f, 4 * beta, std::numeric_limits<float>::max()}) add_with_neighbours(points, v, 1);
  const int step = std::max(1, levels / 64);
  for (int j = 0; j <= levels; j += step)
    for (double f : {0.0, 0.5}) add_with_neighbours(points, static_cast<float>((j + f) * beta / levels), 1);
  std::vector<float> out;
  for (uint64_t b : points) out.push_back(std::bit_cast<float>(static_cast<uint32_t>(b)));
  return out;
}

std::vector<Case> ulq_cases(const Item& item, std::mt19937_64& rng) {
  const UlqParams& p = item.quant.ulq;
  const bool activation = p.method == UlqMethod::Activation, proxy = activation && p.criterion == UlqCriterion::LossProxy;
  // 1. The betas: the fixed grid and a seeded β (activation only).
  std::vector<double> betas;
  if (activation) {
    for (float b : kUlqBetas) betas.push_back(b);
    betas.push_back(random_float(rng, -3, 3));
  }
  // 2. The tensors.
  std::vector<std::vector<float>> tensors;
  if (item.inputs.boundary && activation) {
    for (double b : betas) tensors.push_back(ulq_activation_points(static_cast<float>(b), p.bits));
    tensors.push_back({-1.0f, -0.0f, 0.0f, -5.0f});  // every β gives x̂ = 0: the tie goes to the smallest β
  } else if (item.inputs.boundary) {
    tensors = ulq_weight_tensors();
  }
  for (auto& t : ulq_random_tensors(item.inputs.random, rng)) {
    if (activation)  // around the grid: clipped below 0, inside, clipped above
      for (float& e : t) e = static_cast<float>(std::uniform_real_distribution<double>(-1.0, 8.0)(rng));
    tensors.push_back(std::move(t));
  }
  // 3. One case per tensor: d > 0 (LAB, LAQ; 1 on every other boundary tensor, so the known answers
  //    hold), the gradient (proxy), and for the partition a seeded schedule on every other tensor.
  std::vector<Case> cases;
  for (size_t t = 0; t < tensors.size(); ++t) {
    Case c;
    c.op = Op::Ulq;
    c.quant = item.quant;
    c.quant.ulq.betas = betas;
    for (float e : tensors[t]) {
      c.inputs.push_back(bits(e));
      if (ulq_needs_curvature(p.method)) c.dy.push_back(static_cast<uint32_t>(bits(t % 2 == 0 ? 1.0f : random_float(rng, -20, 20))));
      if (proxy) c.dy.push_back(static_cast<uint32_t>(bits(rng() % 8 == 0 ? 0.0f : random_sign(rng, random_float(rng, -8, 4)))));
    }
    if (!c.quant.ulq_partition.empty() && t % 2 == 1) {
      std::vector<double> ratios(std::uniform_int_distribution<size_t>(1, 5)(rng));
      for (double& r : ratios) r = std::uniform_int_distribution<int>(1, 1000)(rng) / 1000.0;
      std::sort(ratios.begin(), ratios.end());
      c.quant.ulq_partition = ratios;
    }
    cases.push_back(std::move(c));
  }
  return cases;
}

}  // namespace

std::pair<int64_t, int64_t> domain(const RequantParams& p) {
  int64_t lo = int_type_min(p.input_type), hi = int_type_max(p.input_type);
  if (!is_xnnpack(p.scheme)) {
    for (size_t c = 0; c < p.shifts.size(); ++c) {
      // TOSA: REQUIRE(-2^(shift-1) <= value < 2^(shift-1)); gemmlowp: value fits int32 (§2.2, §2.4).
      const int64_t half = p.scheme == RequantScheme::Gemmlowp ? int64_t{1} << 31 : int64_t{1} << std::min(p.shifts[c] - 1, 62);
      lo = std::max(lo, p.input_zp - half);
      hi = std::min(hi, p.input_zp + half - 1);
    }
  }
  if (lo > hi) throw std::invalid_argument("requantize: no input value is accepted by every channel");
  return {lo, hi};
}

float random_float(std::mt19937_64& rng, int lo, int hi) {
  const uint32_t significand = static_cast<uint32_t>(rng() & 0x7fffff);
  const int exponent = std::uniform_int_distribution<int>(lo, hi)(rng);
  return std::ldexp(1.0f + static_cast<float>(significand) * 0x1p-23f, exponent);
}

float random_sign(std::mt19937_64& rng, float v) { return rng() & 1 ? -v : v; }

void add_with_neighbours(std::vector<uint64_t>& out, float x, int ulps) {
  float down = x, up = x;
  out.push_back(bits(x));
  for (int i = 0; i < ulps; ++i) {
    down = std::nextafter(down, -std::numeric_limits<float>::infinity());
    up = std::nextafter(up, std::numeric_limits<float>::infinity());
    if (std::isfinite(down)) out.push_back(bits(down));
    if (std::isfinite(up)) out.push_back(bits(up));
  }
}

std::vector<uint32_t> random_words(int sr_bits, size_t n, std::mt19937_64& rng) {
  const uint32_t mask = (1u << sr_bits) - 1, half = sr_bits ? 1u << (sr_bits - 1) : 0;
  const uint32_t points[] = {0, half ? half - 1 : 0, half, mask};
  std::vector<uint32_t> words(n);
  for (size_t i = 0; i < n; ++i) {
    const uint32_t high = static_cast<uint32_t>(rng()) & ~mask;
    words[i] = high | (i % 6 < 4 ? points[i % 6] : static_cast<uint32_t>(rng()) & mask);
  }
  return words;
}

std::vector<Case> make_cases(const Item& item, uint64_t seed) {
  std::mt19937_64 rng(seed);
  switch (item.op) {
    case Op::Ulq: return ulq_cases(item, rng);
    default: throw std::invalid_argument(std::string("quantizer cases: op '") + op_info(item.op).name + "' is not a quantizer op");
  }
}

uint64_t cost(const Item& item) {
  const uint64_t random = item.inputs.random;
  switch (item.op) {
    case Op::Ulq: return (item.inputs.boundary ? 40 : 0) * 64 + random * 2000;  // whole tensors, exact sums
    default: throw std::invalid_argument(std::string("quantizer cost: op '") + op_info(item.op).name + "' is not a quantizer op");
  }
}

}  // namespace lpc::quantizer_cases
