// lpconform reference — EF-SignSGD (ef_signsgd.hpp), clause by clause from spec/codecs.md §1.7.
#include "reference/codecs/ef_signsgd.hpp"

#include <bit>
#include <cmath>

#include "reference/codecs/adacomp_exact.hpp"
#include "reference/codecs/residual.hpp"
#include "reference/common/exact_math.hpp"

namespace lpc::ref {

namespace {

using exact_math::cpp_rational;

// RN32 of an exact value, or nullopt once it overflows.
std::optional<float> rounded(const cpp_rational& x) {
  const float f = exact_math::to_float32(x);
  if (std::isinf(f)) return std::nullopt;
  return f;
}

// Steps 1-2: p and s, or the first error.
std::optional<std::string> run_steps(std::span<const float> residue, std::span<const float> gradient, std::vector<float>& p, float& s) {
  const uint64_t n = residue.size();
  if (auto e = ef_signsgd_size_error(n)) return e;
  if (auto e = residual_sum(residue, gradient, p)) return e;  // step 1: p = R ⊕ g
  // Step 2: eight lanes, i ≡ j (mod 8) in order, then ((a0 a1)(a2 a3))((a4 a5)(a6 a7)).
  const std::string overflow = "the L1 norm overflows float32";
  float lane[8] = {0, 0, 0, 0, 0, 0, 0, 0};
  for (size_t i = 0; i < n; ++i) {
    const std::optional<float> next = rounded(exact_math::exact(lane[i % 8]) + abs(exact_math::exact(p[i])));
    if (!next) return overflow;
    lane[i % 8] = *next;
  }
  auto add = [](float a, float b) { return rounded(exact_math::exact(a) + exact_math::exact(b)); };
  const auto a01 = add(lane[0], lane[1]), a23 = add(lane[2], lane[3]), a45 = add(lane[4], lane[5]), a67 = add(lane[6], lane[7]);
  if (!a01 || !a23 || !a45 || !a67) return overflow;
  const auto low = add(*a01, *a23), high = add(*a45, *a67);
  if (!low || !high) return overflow;
  const auto total = add(*low, *high);
  if (!total) return overflow;
  s = *total;
  return std::nullopt;
}

EfSignDecoded rejection(uint64_t offset, const std::string& why) {
  EfSignDecoded r;
  r.error_offset = offset;
  r.error = "byte offset " + std::to_string(offset) + ": " + why;
  return r;
}

}  // namespace

std::optional<std::string> ef_signsgd_inputs_error(std::span<const float> residue, std::span<const float> gradient) {
  std::vector<float> p;
  float s = 0;
  return run_steps(residue, gradient, p, s);
}

EfSignOutcome ef_signsgd_compress(std::span<const float> residue, std::span<const float> gradient) {
  EfSignOutcome r;
  std::vector<float> p;
  float s = 0;
  if (auto e = run_steps(residue, gradient, p, s)) {
    r.error = *e;
    return r;
  }
  const uint64_t n = p.size();
  const float scale = exact_math::to_float32(exact_math::exact(s) / cpp_rational(n));  // step 3
  r.ok = true;
  r.scale = scale;
  r.update.resize(n);
  r.next_residue.resize(n);
  const uint32_t scale_bits = std::bit_cast<uint32_t>(scale);
  for (int k = 0; k < 4; ++k) r.message.push_back(static_cast<uint8_t>(scale_bits >> (8 * k)));
  r.message.resize(ef_signsgd_message_bytes(n), 0);
  for (size_t i = 0; i < n; ++i) {
    const bool negative = std::signbit(p[i]);  // step 4: the sign bit, -0 included
    r.update[i] = negative ? -scale : scale;
    r.next_residue[i] = exact_math::to_float32(exact_math::exact(p[i]) - exact_math::exact(r.update[i]));  // step 5; exact zero +0
    if (negative) r.message[4 + i / 8] |= static_cast<uint8_t>(1u << (i % 8));
  }
  return r;
}

EfSignDecoded ef_signsgd_decode(uint64_t n, std::span<const uint8_t> message) {
  const uint64_t m = message.size(), size = ef_signsgd_message_bytes(n);
  if (m < 4) return rejection(m, "truncated scale: " + std::to_string(m) + " bytes");
  uint32_t bits = 0;
  for (int k = 0; k < 4; ++k) bits |= uint32_t{message[k]} << (8 * k);
  const float scale = std::bit_cast<float>(bits);
  if (!std::isfinite(scale) || std::signbit(scale)) return rejection(0, "scale is not a finite non-negative float32");
  if (m < size) return rejection(m, "truncated: " + std::to_string(m) + " bytes, " + std::to_string(n) + " signs need " + std::to_string(size));
  if (m > size) return rejection(size, "trailing bytes after the " + std::to_string(size) + " of " + std::to_string(n) + " signs");
  for (uint64_t i = n; i < (n + 7) / 8 * 8; ++i)
    if ((message[4 + i / 8] >> (i % 8)) & 1) return rejection(m - 1, "unused sign bits are not zero");
  EfSignDecoded r;
  r.ok = true;
  r.update.resize(n);
  for (uint64_t i = 0; i < n; ++i) r.update[i] = (message[4 + i / 8] >> (i % 8)) & 1 ? -scale : scale;
  return r;
}

EfSignExactStep ef_signsgd_step_exact(const std::vector<cpp_rational>& residue, const std::vector<cpp_rational>& gradient) {
  const size_t n = residue.size();
  EfSignExactStep r;
  std::vector<cpp_rational> p(n);
  for (size_t i = 0; i < n; ++i) {
    p[i] = residue[i] + gradient[i];
    r.scale += abs(p[i]);
  }
  r.scale /= cpp_rational(n);
  for (size_t i = 0; i < n; ++i) {
    r.update.push_back(p[i] < 0 ? cpp_rational(-r.scale) : r.scale);
    r.next_residue.push_back(p[i] - r.update.back());
  }
  return r;
}

}  // namespace lpc::ref
