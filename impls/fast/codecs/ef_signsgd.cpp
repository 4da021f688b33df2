// lpconform fast — EF-SignSGD (ef_signsgd.hpp), spec/codecs.md §1.7. As in adacomp.cpp, the bits of
// |x| order like the magnitudes, so one running maximum of |p|'s bits finds a non-finite input or
// an overflowed p (the error path rescans in the spec's order); no FMA (-ffp-contract=off).
#include "impls/fast/codecs/ef_signsgd.hpp"
#include "impls/fast/codecs/residual.hpp"

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstring>

#include <immintrin.h>

namespace lpc::fast {

namespace {

constexpr uint32_t kAbs = 0x7fffffffu;
constexpr uint32_t kInfBits = 0x7f800000u;

uint32_t bits_of(float x) { return std::bit_cast<uint32_t>(x); }

// Steps 1-2 and the sign bytes: p into `p`, the eight lane sums, the largest |p| bits.
uint32_t first_pass_scalar(const float* r, const float* d, float* p, size_t n, float lane[8], uint8_t* signs) {
  uint32_t m = 0;
  for (size_t i = 0; i < n; ++i) {
    p[i] = r[i] + d[i];
    m = std::max(m, bits_of(p[i]) & kAbs);
    lane[i % 8] += std::fabs(p[i]);
    signs[i / 8] |= static_cast<uint8_t>((bits_of(p[i]) >> 31) << (i % 8));
  }
  return m;
}

__attribute__((target("avx2"))) uint32_t first_pass_avx2(const float* r, const float* d, float* p, size_t n, float lane[8], uint8_t* signs) {
  const __m256i abs_mask = _mm256_set1_epi32(static_cast<int>(kAbs));
  __m256 acc = _mm256_setzero_ps();
  __m256i m = _mm256_setzero_si256();
  size_t i = 0;
  for (; i + 8 <= n; i += 8) {
    const __m256 v = _mm256_add_ps(_mm256_loadu_ps(r + i), _mm256_loadu_ps(d + i));
    _mm256_storeu_ps(p + i, v);
    const __m256i a = _mm256_and_si256(_mm256_castps_si256(v), abs_mask);
    m = _mm256_max_epu32(m, a);
    acc = _mm256_add_ps(acc, _mm256_castsi256_ps(a));  // lane j: i ≡ j (mod 8), in order
    signs[i / 8] = static_cast<uint8_t>(_mm256_movemask_ps(v));
  }
  alignas(32) uint32_t top[8];
  _mm256_store_si256(reinterpret_cast<__m256i*>(top), m);
  _mm256_storeu_ps(lane, acc);
  uint32_t largest = *std::max_element(top, top + 8);
  if (i < n) largest = std::max(largest, first_pass_scalar(r + i, d + i, p + i, n - i, lane, signs + i / 8));  // lanes 0..n-i-1 continue
  return largest;
}

const bool kAvx2 = __builtin_cpu_supports("avx2");

EfSignDecodeError rejection(uint64_t offset, const std::string& why) { return {offset, "byte offset " + std::to_string(offset) + ": " + why}; }

}  // namespace

std::optional<std::string> ef_signsgd_compress(std::span<const float> residue, std::span<const float> gradient, std::span<float> next_residue,
                                               std::span<float> update, std::vector<uint8_t>& message) {
  const size_t n = residue.size();
  if (auto e = ef_signsgd_size_error(n)) return e;
  message.assign(ef_signsgd_message_bytes(n), 0);
  float lane[8] = {0, 0, 0, 0, 0, 0, 0, 0};
  float* p = next_residue.data();
  const uint32_t largest = kAvx2 ? first_pass_avx2(residue.data(), gradient.data(), p, n, lane, message.data() + 4)
                                 : first_pass_scalar(residue.data(), gradient.data(), p, n, lane, message.data() + 4);
  if (largest >= kInfBits) return residual_inputs_error(residue, gradient).value_or("unknown error");  // (always one)
  const float s = ((lane[0] + lane[1]) + (lane[2] + lane[3])) + ((lane[4] + lane[5]) + (lane[6] + lane[7]));
  if (std::isinf(s)) return "the L1 norm overflows float32";
  const float scale = s / static_cast<float>(n);  // n <= 2^24: exact
  const uint32_t scale_bits = bits_of(scale);
  std::memcpy(message.data(), &scale_bits, 4);
  // Steps 4-5: Δ_i = scale with p_i's sign bit, R'_i = p_i ⊖ Δ_i.
  float* u = update.empty() ? nullptr : update.data();
  for (size_t i = 0; i < n; ++i) {
    const float q = std::bit_cast<float>((bits_of(p[i]) & ~kAbs) | scale_bits);
    if (u) u[i] = q;
    p[i] = p[i] - q;
  }
  return std::nullopt;
}

std::optional<EfSignDecodeError> ef_signsgd_decode(std::span<const uint8_t> message, std::span<float> update) {
  const uint64_t n = update.size(), m = message.size(), size = ef_signsgd_message_bytes(n);
  if (m < 4) return rejection(m, "truncated scale: " + std::to_string(m) + " bytes");
  uint32_t bits;
  std::memcpy(&bits, message.data(), 4);
  const float scale = std::bit_cast<float>(bits);
  if (!std::isfinite(scale) || std::signbit(scale)) return rejection(0, "scale is not a finite non-negative float32");
  if (m < size) return rejection(m, "truncated: " + std::to_string(m) + " bytes, " + std::to_string(n) + " signs need " + std::to_string(size));
  if (m > size) return rejection(size, "trailing bytes after the " + std::to_string(size) + " of " + std::to_string(n) + " signs");
  if (n % 8 != 0 && (message[m - 1] >> (n % 8)) != 0) return rejection(m - 1, "unused sign bits are not zero");
  const uint8_t* signs = message.data() + 4;
  for (uint64_t i = 0; i < n; ++i) update[i] = std::bit_cast<float>(uint32_t{static_cast<uint32_t>((signs[i / 8] >> (i % 8)) & 1) << 31} | bits);
  return std::nullopt;
}

}  // namespace lpc::fast
