#include "conformance/quantizers/cases.hpp"

#include <algorithm>
#include <bit>
#include <cmath>
#include <limits>
#include <stdexcept>

#include "conformance/core/case.hpp"

namespace lpc::quantizer_cases {

namespace {

bool is_xnnpack(RequantScheme s) { return s == RequantScheme::XnnpackFp32 || s == RequantScheme::XnnpackRndnu; }

uint64_t bits(float f) { return std::bit_cast<uint32_t>(f); }

}  // namespace

std::vector<std::string> integer_grid_names(bool signed_only) {
  std::vector<std::string> names;
  for (const Format& f : all_formats())
    if (f.is_integer() && f.bits <= 16 && !lsq_params_error(lsq_grid(f)) && (f.is_signed || !signed_only)) names.push_back(f.name);
  return names;
}

ops::ParamSpec grid_param(std::string doc, std::string clause) {
  ops::ParamSpec grid{"grid", ops::ParamType::Choice, ops::ParamScope::Item, std::move(doc), std::move(clause), "int8"};
  grid.choices = [] { return integer_grid_names(); };
  grid.column = "format";
  return grid;
}

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

}  // namespace lpc::quantizer_cases
