// LSQ (spec/quantizers.md §1): the fast implementation against the exact reference — forward y
// bit-exact, backward dx and ds exact by value (the sign of a zero gradient is not specified) —
// on adversarial inputs at every tie and bound of signed and unsigned 2..8-bit ranges, on random
// float32 bit patterns, and for the gradient scale, initialization, LSQ+ and the integer path; the
// reference's y against the identity y = RN32(code·s) under both boundary conventions.
#include <catch2/catch.hpp>

#include <bit>
#include <cmath>
#include <limits>
#include <random>
#include <sstream>
#include <vector>

#include "conformance/tests/support/property.hpp"
#include "conformance/tests/support/runner.hpp"
#include "impls/fast/quantizers/lsq.hpp"
#include "reference/quantizers/lsq.hpp"

namespace lpc::test {
namespace {

// The first mismatches of a test, printed with its final CHECK (Catch's UNSCOPED_INFO would be
// consumed by the passing assertions in between).
std::ostringstream g_mismatch_log;
#define LOG_MISMATCH(what) (g_mismatch_log << what << "\n")

constexpr float kInf = std::numeric_limits<float>::infinity();

bool same_gradient(float a, float b) { return a == b || (std::isnan(a) && std::isnan(b)); }

// Runs the fast batch over x, dy and compares every element with the reference. Returns the
// number of mismatches, describing the first few.
int compare(const LsqParams& p, const std::vector<float>& x, const std::vector<float>& dy) {
  std::vector<float> y(x.size()), dx(x.size()), ds(x.size());
  const auto error = fast::lsq_forward_backward(p, x, dy, y, dx, ds);
  if (error) {
    LOG_MISMATCH("fast error at " << error->index << ": " << error->message);
    return 1;
  }
  int mismatches = 0;
  for (size_t i = 0; i < x.size(); ++i) {
    const ref::LsqOutcome want = ref::lsq(p, x[i], dy[i]);
    REQUIRE(want.ok);
    const ref::LsqElement& w = want.element;
    if (std::bit_cast<uint32_t>(y[i]) != std::bit_cast<uint32_t>(w.y) || !same_gradient(dx[i], w.dx) || !same_gradient(ds[i], w.ds)) {
      if (++mismatches <= 3)
        LOG_MISMATCH((p.variant == LsqVariant::Paper ? "paper" : "torch") << " [" << p.qmin << ", " << p.qmax << "] s " << std::hexfloat << p.scale << " g "
                                                                           << p.grad_scale << " x " << x[i] << " dy " << dy[i] << ": fast (" << y[i] << ", "
                                                                           << dx[i] << ", " << ds[i] << "), reference (" << w.y << ", " << w.dx << ", " << w.ds
                                                                           << ")");
    }
  }
  return mismatches;
}

// Every half step k·s/2 across the range and two steps beyond, with its float neighbours, plus
// zeros, infinities and the extremes.
std::vector<float> adversarial_inputs(const LsqParams& p) {
  std::vector<float> x = {0.0f, -0.0f, kInf, -kInf, std::numeric_limits<float>::max(), -std::numeric_limits<float>::max(),
                          std::numeric_limits<float>::denorm_min(), -std::numeric_limits<float>::denorm_min()};
  for (int k = 2 * p.qmin - 4; k <= 2 * p.qmax + 4; ++k) {
    const float center = static_cast<float>(k) * 0.5f * p.scale;
    float below = center, above = center;
    x.push_back(center);
    for (int step = 0; step < 2; ++step) {
      below = std::nextafter(below, -kInf);
      above = std::nextafter(above, kInf);
      x.push_back(below);
      x.push_back(above);
    }
  }
  return x;
}

TEST_CASE("lsq: fast == reference at every tie and bound, signed and unsigned 2..8 bits", "[lsq]") {
  std::mt19937_64 random(runner_options().seed);
  int mismatches = 0;
  for (LsqVariant variant : {LsqVariant::Paper, LsqVariant::Torch})
    for (int bits : {2, 3, 4, 8})
      for (bool is_signed : {true, false})
        for (float scale : {1.0f, 0.1f, 0x1.8p-3f, 3.0f, 0x1.123456p-20f, 0x1.fffffep+10f, 0.0078125f}) {
          LsqParams p;
          p.variant = variant;
          p.qmin = is_signed ? -(1 << (bits - 1)) : 0;
          p.qmax = is_signed ? (1 << (bits - 1)) - 1 : (1 << bits) - 1;
          p.scale = scale;
          p.grad_scale = bits == 4 ? 0x1.6a09e6p-7f : 1.0f;
          REQUIRE_FALSE(lsq_params_error(p));
          const std::vector<float> x = adversarial_inputs(p);
          std::vector<float> dy(x.size());
          std::uniform_real_distribution<float> gradient(-2.0f, 2.0f);
          for (float& d : dy) d = gradient(random);
          dy[0] = 1.0f;
          mismatches += compare(p, x, dy);
        }
  INFO(g_mismatch_log.str());
  g_mismatch_log.str("");
  CHECK(mismatches == 0);
}

TEST_CASE("lsq: fast == reference on random float32 bit patterns and parameters", "[lsq]") {
  property("random x, dy, scale, range, variant", 4000, [] {
    LsqParams p;
    p.variant = *rc::gen::element(LsqVariant::Paper, LsqVariant::Torch);
    const int bits = *rc::gen::inRange(2, 9);
    const bool is_signed = *rc::gen::arbitrary<bool>();
    p.qmin = is_signed ? -(1 << (bits - 1)) : 0;
    p.qmax = is_signed ? (1 << (bits - 1)) - 1 : (1 << bits) - 1;
    p.scale = std::bit_cast<float>(*rc::gen::inRange<uint32_t>(0x00000001, 0x7f800000));
    p.grad_scale = std::bit_cast<float>(*rc::gen::inRange<uint32_t>(0x30000000, 0x3f800001));
    RC_PRE(!lsq_params_error(p));
    // x near the grid of s (most informative) or anywhere.
    const bool near_grid = *rc::gen::arbitrary<bool>();
    float x = std::bit_cast<float>(*rc::gen::arbitrary<uint32_t>());
    if (near_grid) x = std::nextafter(static_cast<float>(*rc::gen::inRange(2 * p.qmin - 3, 2 * p.qmax + 4)) * 0.5f * p.scale, x);
    RC_PRE(!std::isnan(x));
    const float dy = std::ldexp(static_cast<float>(*rc::gen::inRange(-(1 << 24), 1 << 24)), *rc::gen::inRange(-40, 10));
    const ref::LsqOutcome want = ref::lsq(p, x, dy);
    RC_ASSERT(want.ok);
    float y = 0, dx = 0, ds = 0;
    RC_ASSERT(!fast::lsq_forward_backward(p, {&x, 1}, {&dy, 1}, {&y, 1}, {&dx, 1}, {&ds, 1}));
    RC_CLASSIFY(want.element.clamped != 0, "clamped");
    RC_ASSERT(std::bit_cast<uint32_t>(y) == std::bit_cast<uint32_t>(want.element.y));
    RC_ASSERT(same_gradient(dx, want.element.dx));
    RC_ASSERT(same_gradient(ds, want.element.ds));
  });
}

TEST_CASE("lsq: under both conventions y = RN32(code·s); their codes differ where x·fl(1/s) rounds unlike x/s", "[lsq]") {
  // The reference against the §1.1 identity (one float32 multiplication), not against itself; codes compared only to classify.
  property("paper and torch: y == fl32(code · s)", 2000, [] {
    LsqParams p;
    p.qmin = -8;
    p.qmax = 7;
    p.scale = std::ldexp(static_cast<float>(*rc::gen::inRange(1 << 23, 1 << 24)), *rc::gen::inRange(-30, -10));
    const float x = static_cast<float>(*rc::gen::inRange(-40, 40)) * 0.25f * p.scale;
    int32_t codes[2];
    for (LsqVariant variant : {LsqVariant::Paper, LsqVariant::Torch}) {
      p.variant = variant;
      const ref::LsqOutcome got = ref::lsq(p, x, 1.0f);
      RC_ASSERT(got.ok);
      RC_ASSERT(std::bit_cast<uint32_t>(got.element.y) == std::bit_cast<uint32_t>(static_cast<float>(got.element.code) * p.scale));
      codes[variant == LsqVariant::Torch] = got.element.code;
    }
    RC_CLASSIFY(codes[0] != codes[1], "x·fl(1/s) rounds differently from x/s");
  });
}

TEST_CASE("lsq: errors are defined (NaN input, non-finite gradient, bad parameters)", "[lsq]") {
  LsqParams p;
  const float nan = std::numeric_limits<float>::quiet_NaN();
  for (LsqVariant variant : {LsqVariant::Paper, LsqVariant::Torch}) {
    p.variant = variant;
    const std::vector<float> x = {1.0f, nan, 2.0f}, dy = {1.0f, 1.0f, kInf};
    std::vector<float> y(3), dx(3), ds(3);
    const auto e = fast::lsq_forward_backward(p, x, dy, y, dx, ds);
    REQUIRE(e);
    CHECK(e->index == 1);
    CHECK_FALSE(ref::lsq(p, nan, 1.0f).ok);
    CHECK_FALSE(ref::lsq(p, 1.0f, kInf).ok);
    CHECK_FALSE(ref::lsq(p, 1.0f, nan).ok);
  }
  for (float bad_scale : {0.0f, -1.0f, nan, kInf, 0x1p127f}) {
    p.scale = bad_scale;
    INFO("scale " << bad_scale);
    CHECK(lsq_params_error(p));
  }
  p.scale = 0x1p-130f;  // fine for the paper variant; 1/s overflows float32 for torch
  p.variant = LsqVariant::Paper;
  CHECK_FALSE(lsq_params_error(p));
  p.variant = LsqVariant::Torch;
  CHECK(lsq_params_error(p));
  p = LsqParams{};
  p.qmax = 0;  // Q_P = 0 would make g = 1/sqrt(N·Q_P) infinite
  CHECK(lsq_params_error(p));
}

TEST_CASE("lsq: gradient scale and initial step", "[lsq]") {
  for (int32_t qmax : {1, 3, 7, 15, 127, 255, 32767})
    for (uint64_t n = 1; n <= 3000; n += (n < 200 ? 1 : 37)) {
      const ref::FloatOutcome want = ref::lsq_grad_scale(n, qmax);
      const auto got = fast::lsq_grad_scale(n, qmax);
      REQUIRE(want.ok);
      REQUIRE(got);
      INFO("n " << n << " Q_P " << qmax);
      CHECK(std::bit_cast<uint32_t>(*got) == std::bit_cast<uint32_t>(want.value));
    }
  CHECK(ref::lsq_grad_scale(4, 1).value == 0.5f);  // 1/sqrt(4), exact
  CHECK_FALSE(ref::lsq_grad_scale(0, 7).ok);
  property("grad scale: fast == reference for large n", 300, [] {
    const uint64_t n = *rc::gen::inRange<uint64_t>(1, uint64_t{1} << 40);
    const int32_t qmax = *rc::gen::inRange(1, 32768);
    RC_ASSERT(std::bit_cast<uint32_t>(*fast::lsq_grad_scale(n, qmax)) == std::bit_cast<uint32_t>(ref::lsq_grad_scale(n, qmax).value));
  });
  // Initialization: Ulp(1) (§1.4: the mean is summed in float64).
  property("initial step: fast within 1 ulp of the exact 2·mean|v|/sqrt(Q_P)", 200, [] {
    const auto v = *rc::gen::container<std::vector<float>>(*rc::gen::inRange<size_t>(1, 200), rc::gen::map(rc::gen::inRange(-1000000, 1000000), [](int k) {
      return static_cast<float>(k) * 1e-4f;
    }));
    const int32_t qmax = *rc::gen::inRange(1, 256);
    const ref::FloatOutcome want = ref::lsq_initial_scale(v, qmax);
    const auto got = fast::lsq_initial_scale(v, qmax);
    RC_ASSERT(want.ok == got.has_value());
    if (want.ok) RC_ASSERT(std::abs(static_cast<int64_t>(std::bit_cast<uint32_t>(*got)) - static_cast<int64_t>(std::bit_cast<uint32_t>(want.value))) <= 1);
  });
  const std::vector<float> zeros(5, 0.0f);
  CHECK_FALSE(ref::lsq_initial_scale(zeros, 7).ok);
  CHECK_FALSE(fast::lsq_initial_scale(zeros, 7));
}

TEST_CASE("lsq: LSQ+ offset", "[lsq]") {
  property("fast == reference with an offset beta", 2000, [] {
    LsqParams p;
    p.variant = *rc::gen::element(LsqVariant::Paper, LsqVariant::Torch);
    p.qmin = *rc::gen::element(-128, -8, 0);
    p.qmax = p.qmin == 0 ? 255 : -p.qmin - 1;
    p.scale = std::ldexp(static_cast<float>(*rc::gen::inRange(1 << 23, 1 << 24)), *rc::gen::inRange(-30, -20));
    const float beta = static_cast<float>(*rc::gen::inRange(-1000, 1000)) * p.scale * 0.37f;
    const float x = beta + static_cast<float>(*rc::gen::inRange(2 * p.qmin - 3, 2 * p.qmax + 4)) * 0.5f * p.scale;
    const float dy = 0.75f;
    const ref::LsqPlusOutcome want = ref::lsq_plus(p, beta, x, dy);
    RC_ASSERT(want.ok);
    float y = 0, dx = 0, ds = 0, dbeta = 0;
    RC_ASSERT(!fast::lsq_plus_forward_backward(p, beta, {&x, 1}, {&dy, 1}, {&y, 1}, {&dx, 1}, {&ds, 1}, {&dbeta, 1}));
    RC_ASSERT(std::bit_cast<uint32_t>(y) == std::bit_cast<uint32_t>(want.element.y));
    RC_ASSERT(same_gradient(ds, want.element.ds));
    RC_ASSERT(same_gradient(dbeta, want.dbeta));
  });
}

TEST_CASE("lsq: the integer path, int32 accumulation and the float32 output multiplier", "[lsq]") {
  property("int8 x uint8 dot: fast == reference, overflow reported", 500, [] {
    const size_t k = *rc::gen::inRange<size_t>(1, 300000);
    const int8_t w_value = *rc::gen::arbitrary<int8_t>();
    const uint8_t x_value = *rc::gen::arbitrary<uint8_t>();
    // Constant vectors reach the extremes; the bound 128·255·k proves no overflow for k <= 65793.
    const std::vector<int8_t> w(k, w_value);
    const std::vector<uint8_t> x(k, x_value);
    const std::vector<int32_t> w32(w.begin(), w.end()), x32(x.begin(), x.end());
    const ref::IntegerDot want = ref::lsq_integer_dot(w32, x32, 128, 255);
    const auto got = fast::lsq_integer_dot(w, x, 128, 255);
    RC_CLASSIFY(!want.ok, "overflow");
    RC_CLASSIFY(want.proven, "proven by the bound");
    RC_ASSERT(want.ok == got.has_value());
    if (want.ok) RC_ASSERT(*got == want.acc);
    if (want.proven) RC_ASSERT(want.ok);
  });
  // LSQ's own example (research notes §1): 4-bit W x 4-bit A, K = 2304: |acc| <= 8·15·2304 = 276480.
  const std::vector<int32_t> w(2304, -8), x(2304, 15);
  const ref::IntegerDot dot = ref::lsq_integer_dot(w, x, 8, 15);
  CHECK(dot.proven);
  CHECK(dot.acc == -276480);
  // Hand-derived double-rounding trap: acc = 193·2^23 - 1, s_w = 1 + 2^-23, s_x = 1. The exact
  // product 1619001536 - 2^-23 lies just below the float32 midpoint 1619001536 (spacing 128), so
  // RN32 gives 1619001472; float64 first rounds it onto the midpoint, whose tie goes to 1619001600.
  CHECK(ref::lsq_output_float(1619001343, 0x1.000002p0f, 1.0f) == 1619001472.0f);
  CHECK(fast::lsq_output_float(1619001343, 0x1.000002p0f, 1.0f) == 1619001472.0f);
  CHECK(fast::lsq_output_float(-1619001343, 0x1.000002p0f, 1.0f) == -1619001472.0f);
  property("RN32(s_w·s_x·acc): fast == reference", 3000, [] {
    const int32_t acc = *rc::gen::arbitrary<int32_t>();
    const float sw = std::bit_cast<float>(*rc::gen::inRange<uint32_t>(0x2f000000, 0x42000000));
    const float sx = std::bit_cast<float>(*rc::gen::inRange<uint32_t>(0x2f000000, 0x42000000));
    RC_ASSERT(std::bit_cast<uint32_t>(fast::lsq_output_float(acc, sw, sx)) == std::bit_cast<uint32_t>(ref::lsq_output_float(acc, sw, sx)));
  });
}

}  // namespace
}  // namespace lpc::test
