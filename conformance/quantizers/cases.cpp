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

// ---- dynbits (§6) ---------------------------------------------------------------------------------

// A dynbits case: the item's statistic and low value with these layout, widths, budgets (in bits)
// and thresholds, on the map x.
Case dynbits_case(const Item& item, std::array<int64_t, 3> shape, std::array<int64_t, 3> block, std::array<int64_t, 2> group, int high_bits,
                  int low_bits, int64_t budget_256, int64_t min_bits_256, std::vector<float> thresholds, const std::vector<int64_t>& x) {
  Case c;
  c.op = Op::DynBits;
  c.quant = item.quant;
  DynBitsParams& p = c.quant.dynbits;
  p.shape = shape;
  p.block = block;
  p.group = group;
  p.high_bits = high_bits;
  p.low_bits = low_bits;
  p.budget_256 = budget_256;
  p.min_bits_256 = min_bits_256;
  p.thresholds = std::move(thresholds);
  if (auto e = dynbits_params_error(p)) throw std::logic_error("dynbits case: " + *e);
  for (int64_t v : x) c.inputs.push_back(static_cast<uint64_t>(v));
  return c;
}

// `n` values of the signed `high_bits`-bit range: half small (|x| < 2^(b_h/2)), half anywhere.
std::vector<int64_t> dynbits_map(size_t n, int high_bits, std::mt19937_64& rng) {
  const int64_t top = (int64_t{1} << (high_bits - 1)) - 1, small = int64_t{1} << (high_bits / 2);
  std::vector<int64_t> x(n);
  for (int64_t& v : x)
    v = rng() & 1 ? std::uniform_int_distribution<int64_t>(-small, small - 1)(rng) : std::uniform_int_distribution<int64_t>(-top - 1, top)(rng);
  return x;
}

std::vector<Case> dynbits_cases(const Item& item, std::mt19937_64& rng) {
  constexpr float kInf = std::numeric_limits<float>::infinity();
  constexpr int64_t U = kDynBitsBudgetUnit;
  std::vector<Case> cases;
  if (item.inputs.boundary) {
    // 1. §6.5: a 1×5×5 map in 1×4×4 blocks of 2×2 groups (ragged edges), all low (τ = +inf, B_min =
    //    b_l), all high (τ = -inf, B* = b_h), thresholds in between; an all-zero map with τ = 0.
    const std::vector<int64_t> ragged = dynbits_map(25, 8, rng);
    cases.push_back(dynbits_case(item, {1, 5, 5}, {1, 4, 4}, {2, 2}, 8, 4, 4 * U, 4 * U, {kInf}, ragged));
    cases.push_back(dynbits_case(item, {1, 5, 5}, {1, 4, 4}, {2, 2}, 8, 4, 8 * U, 4 * U, {-kInf}, ragged));
    cases.push_back(dynbits_case(item, {1, 5, 5}, {1, 4, 4}, {2, 2}, 8, 4, 6 * U, 5 * U, {8, -kInf, 40.5f, kInf}, ragged));
    cases.push_back(dynbits_case(item, {2, 4, 6}, {1, 2, 3}, {1, 1}, 8, 4, 6 * U, 4 * U, {0}, std::vector<int64_t>(48, 0)));
    // 2. §6.4's examples, one element per group and everything low.
    const std::vector<int64_t> examples = {127, 24, 40, -8, -24, -128, 8, 7, -7, 15, -16, 0};
    cases.push_back(dynbits_case(item, {1, 1, 12}, {1, 1, 12}, {1, 1}, 8, 4, 4 * U, 4 * U, {kInf}, examples));
    // 3. Thresholds on the statistics themselves (strict <), per block, and the budgets' edges:
    //    B* and B_min off the integers by 1/256, B_min = B*, and the extreme widths 16/1, 16/15, 2/1.
    const std::vector<int64_t> steps = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, -16, -15, -14, -13, -12, -11, -10, -9, -8, -7, -6, -5, -4, -3, -2, -1};
    for (float tau : {0.0f, 1.0f, 2.5f, 8.0f, 16.0f, 30.0f, 7.5f})
      cases.push_back(dynbits_case(item, {2, 4, 4}, {2, 4, 4}, {2, 2}, 8, 4, 6 * U, 4 * U, {tau}, steps));
    cases.push_back(dynbits_case(item, {2, 4, 4}, {1, 2, 4}, {1, 2}, 8, 4, 5 * U + 1, 4 * U + 1, {3, 8, -kInf, kInf}, steps));
    cases.push_back(dynbits_case(item, {2, 4, 4}, {2, 2, 2}, {1, 1}, 8, 4, 6 * U, 6 * U, {4.5f}, steps));
    cases.push_back(dynbits_case(item, {1, 6, 6}, {1, 4, 4}, {2, 2}, 16, 1, 9 * U, 3 * U, {1000}, dynbits_map(36, 16, rng)));
    cases.push_back(dynbits_case(item, {1, 6, 6}, {1, 4, 4}, {2, 2}, 16, 15, 16 * U - 1, 15 * U, {kInf}, dynbits_map(36, 16, rng)));
    cases.push_back(dynbits_case(item, {3, 3, 3}, {2, 2, 2}, {1, 1}, 2, 1, U + U / 2, U, {1}, dynbits_map(27, 2, rng)));
  }
  // 4. Random maps: shapes up to 4×12×12, blocks (possibly larger than the map) of whole groups,
  //    random widths and budgets, one threshold for all blocks or one each (±inf among them).
  for (uint32_t t = 0; t < item.inputs.random; ++t) {
    auto extent = [&](int64_t lo, int64_t hi) { return std::uniform_int_distribution<int64_t>(lo, hi)(rng); };
    const std::array<int64_t, 3> shape = {extent(1, 4), extent(1, 12), extent(1, 12)};
    const std::array<int64_t, 2> group = {extent(1, 3), extent(1, 3)};
    const std::array<int64_t, 3> block = {extent(1, 5), group[0] * extent(1, 4), group[1] * extent(1, 4)};
    const int high_bits = static_cast<int>(extent(2, 16)), low_bits = static_cast<int>(extent(1, high_bits - 1));
    const int64_t budget = extent(low_bits * U, high_bits * U), min_bits = extent(low_bits * U, budget);
    DynBitsParams layout;
    layout.shape = shape;
    layout.block = block;
    const size_t blocks = rng() & 1 ? 1 : static_cast<size_t>(layout.block_count());
    const int64_t top = int64_t{1} << (high_bits - 1);
    std::vector<float> thresholds(blocks);
    for (float& tau : thresholds) {
      const uint64_t kind = rng() % 8;
      tau = kind == 0 ? -kInf : kind == 1 ? kInf : static_cast<float>(extent(0, 2 * top)) / (kind == 2 ? 2.0f : 1.0f);
    }
    cases.push_back(dynbits_case(item, shape, block, group, high_bits, low_bits, budget, min_bits, thresholds,
                                 dynbits_map(static_cast<size_t>(shape[0] * shape[1] * shape[2]), high_bits, rng)));
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
    case Op::DynBits: return dynbits_cases(item, rng);
    default: throw std::invalid_argument(std::string("quantizer cases: op '") + op_info(item.op).name + "' is not a quantizer op");
  }
}

uint64_t cost(const Item& item) {
  const uint64_t random = item.inputs.random;
  switch (item.op) {
    case Op::Ulq: return (item.inputs.boundary ? 40 : 0) * 64 + random * 2000;  // whole tensors, exact sums
    case Op::DynBits: return (item.inputs.boundary ? 20 : 0) * 50 + random * 200;
    default: throw std::invalid_argument(std::string("quantizer cost: op '") + op_info(item.op).name + "' is not a quantizer op");
  }
}

}  // namespace lpc::quantizer_cases
