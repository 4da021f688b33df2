// lpconform fast — the banked cumulative sum and the multinomial selection (multinomial.hpp).
//
// Every sum of spec/sampler.md §2.4-2.5 is RN_F(a + b) with a, b values of F. It is computed as
// one float32 addition, then rounded to F: for bfloat16 (p = 8) and float16 (p = 11) float32's 24
// bits are at least 2p + 2, so the double rounding is innocuous (Figueroa, "When is double rounding
// innocuous?", SIGNUM 1995); float16's range lies inside float32's normal range, and a bfloat16 sum
// below 2^-126 is exact in float32 (both operands are multiples of 2^-133). The quotients of §2.6
// of bfloat16 and float16 are taken in float64 (53 >= 2·24 + 2, and no underflow in range), then
// rounded once to F; float32's are one IEEE division.
#include "impls/fast/sampler/multinomial.hpp"

#include <algorithm>
#include <bit>
#include <cmath>
#include <limits>
#include <vector>

namespace lpc::fast {

namespace {

static_assert(std::numeric_limits<float>::digits >= 2 * 11 + 2, "float32 sums of float16 values must round innocuously twice");
static_assert(std::numeric_limits<double>::digits >= 2 * 24 + 2, "float64 quotients of float32 values must round innocuously twice");

constexpr float kInf = std::numeric_limits<float>::infinity();

// RN_F of a non-negative float32 (finite or +inf), ties to even; +inf once past F's largest value.
template <SamplerFormat F>
[[gnu::always_inline]] inline float to_format(float x) {
  if constexpr (F == SamplerFormat::Float32) {
    return x;
  } else if constexpr (F == SamplerFormat::Bfloat16) {
    // Keep the top 16 bits, ties to even; subnormals and the carry to +inf fall out of the bits.
    uint32_t u = std::bit_cast<uint32_t>(x);
    u += 0x7FFFu + ((u >> 16) & 1u);
    return std::bit_cast<float>(u & 0xFFFF0000u);
  } else {
    // Normal float16 (>= 2^-14): keep 11 significant bits; below, the quantum 2^-24 is the ulp of
    // 0.5 in float32, so (x + 0.5) - 0.5 rounds to it, ties to even. 65520 and up round to 2^16: +inf.
    uint32_t u = std::bit_cast<uint32_t>(x);
    u += 0xFFFu + ((u >> 13) & 1u);
    const float normal = std::bit_cast<float>(u & ~0x1FFFu), subnormal = (x + 0.5f) - 0.5f;
    const float r = x < 0x1p-14f ? subnormal : normal;
    return r >= 65536.0f ? kInf : r;
  }
}

// RN_F(c / total) for 0 <= c <= total, total finite and > 0 (so the quotient is in [0, 1]).
template <SamplerFormat F>
[[gnu::always_inline]] inline float quotient(float c, float total) {
  if constexpr (F == SamplerFormat::Float32) return c / total;  // IEEE division: RN32 of the exact quotient
  const double q = static_cast<double>(c) / static_cast<double>(total);
  constexpr int p = F == SamplerFormat::Float32 ? 24 : F == SamplerFormat::Bfloat16 ? 8 : 11;
  constexpr int emin = F == SamplerFormat::Float16 ? -14 : -126;
  if (q < std::ldexp(1.0, emin)) {  // subnormal in F: the quantum 2^(emin - p + 1), exactly scaled
    const double quantum = std::ldexp(1.0, emin - p + 1);
    return static_cast<float>(std::nearbyint(q / quantum) * quantum);
  }
  constexpr int drop = 53 - p;  // float64 significand bits below F's
  uint64_t u = std::bit_cast<uint64_t>(q);
  u += ((uint64_t{1} << (drop - 1)) - 1) + ((u >> drop) & 1);
  return static_cast<float>(std::bit_cast<double>(u & ~((uint64_t{1} << drop) - 1)));  // exact
}

// §2.4 for banks b0 .. b1 side by side: the weights transposed so that one step adds the i-th
// weight of every bank (one vector lane a bank); past a bank's end the weight is +0, which leaves
// its sum unchanged. c gets the bank-local sums S, totals the last ones.
template <SamplerFormat F>
[[gnu::always_inline]] inline void bank_sums_parallel(const float* __restrict w, float* __restrict c, size_t n, size_t length, uint32_t banks,
                                                      float* __restrict totals, float* __restrict staging) {
  for (uint32_t b = 0; b < banks; ++b)
    for (size_t i = 0; i < length; ++i) {
      const size_t j = b * length + i;
      staging[i * banks + b] = j < n ? w[j] : 0.0f;
    }
  std::fill(totals, totals + banks, 0.0f);
  for (size_t i = 0; i < length; ++i) {
    float* row = staging + i * banks;
    for (uint32_t b = 0; b < banks; ++b) row[b] = totals[b] = to_format<F>(totals[b] + row[b]);
  }
  for (uint32_t b = 0; b < banks; ++b)
    for (size_t i = 0; i < length; ++i) {
      const size_t j = b * length + i;
      if (j < n) c[j] = staging[i * banks + b];
    }
}

// §2.5 step 3 for one bank: c = RN_F(offset + S).
template <SamplerFormat F>
[[gnu::always_inline]] inline void add_offset(float* c, size_t count, float offset) {
  for (size_t i = 0; i < count; ++i) c[i] = to_format<F>(offset + c[i]);
}

template <SamplerFormat F>
[[gnu::always_inline]] inline void normalize(float* c, size_t n, float total) {
  for (size_t i = 0; i < n; ++i) c[i] = quotient<F>(c[i], total);
}

// §2.4 for the first `full` banks (each holding `length` categories) side by side: each bank's
// chain runs kRun steps (a cache line) before the next bank's, so consecutive chains are
// independent and the core overlaps them (eight streams a category at a time, at a power-of-two
// stride, thrash one L1 set). Kept scalar: across banks a vector would gather and scatter.
template <SamplerFormat F>
[[gnu::always_inline]] inline void bank_sums_interleaved(const float* __restrict w, float* __restrict c, size_t length, uint32_t full,
                                                         float* __restrict totals) {
  // A wavefront: at step t bank b runs its block t - b, so consecutive chains touch offsets one
  // block apart (a power-of-two bank length would otherwise put them a multiple of 4 KiB apart,
  // and every load would wait on the previous chain's stores: 4 KiB aliasing).
  constexpr size_t kRun = 16;
  const size_t blocks = (length + kRun - 1) / kRun;
  std::fill(totals, totals + full, 0.0f);
  for (size_t t = 0; t + 1 < blocks + full; ++t)
    for (size_t b = t >= blocks ? t - blocks + 1 : 0; b < full && b <= t; ++b) {
      const size_t i0 = (t - b) * kRun, i1 = std::min(length, i0 + kRun);
      float s = totals[b];
      const float* wb = w + b * length;
      float* cb = c + b * length;
      if (i1 - i0 == kRun) {
#pragma GCC unroll 16
        for (size_t i = 0; i < kRun; ++i) cb[i0 + i] = s = to_format<F>(s + wb[i0 + i]);
      } else {
        for (size_t i = i0; i < i1; ++i) cb[i] = s = to_format<F>(s + wb[i]);
      }
      totals[b] = s;
    }
}

// §2.2 and §2.9 for a block of at most 2^30 weights: w = RN_F(weights) with -0 read as +0
// (+ 0.0f), the count of positive ones into `positive`; returns non-zero when some weight is NaN,
// negative, infinite or rounds to +inf. 32-bit lane counters and no early exit, so it vectorizes.
template <SamplerFormat F>
[[gnu::always_inline]] inline uint32_t round_weights(const float* __restrict in, float* __restrict w, size_t n, uint32_t& positive) {
  uint32_t bad = 0, count = 0;
  for (size_t j = 0; j < n; ++j) {
    const float x = in[j], r = to_format<F>(x) + 0.0f;
    bad |= static_cast<uint32_t>(!(x >= 0.0f)) | static_cast<uint32_t>(r == kInf);
    count += static_cast<uint32_t>(r > 0.0f);
    w[j] = r;
  }
  positive = count;
  return bad;
}

#define LPC_SAMPLER_CLONES __attribute__((target_clones("arch=x86-64-v4", "arch=x86-64-v3", "default")))
#define LPC_SAMPLER_ROUND(F, suffix)                                                                 \
  LPC_SAMPLER_CLONES uint32_t round_weights_##suffix(const float* in, float* w, size_t n, uint32_t& positive) { \
    return round_weights<F>(in, w, n, positive);                                                     \
  }
LPC_SAMPLER_ROUND(SamplerFormat::Float32, f32)
LPC_SAMPLER_ROUND(SamplerFormat::Bfloat16, bf16)
LPC_SAMPLER_ROUND(SamplerFormat::Float16, f16)
#undef LPC_SAMPLER_ROUND
#define LPC_SAMPLER_INTERLEAVED(F, suffix)                                                                                             \
  __attribute__((optimize("no-tree-vectorize"))) void bank_sums_interleaved_##suffix(const float* w, float* c, size_t length, uint32_t full, \
                                                                                   float* totals) {                                   \
    bank_sums_interleaved<F>(w, c, length, full, totals);                                                                               \
  }
LPC_SAMPLER_INTERLEAVED(SamplerFormat::Float32, f32)
LPC_SAMPLER_INTERLEAVED(SamplerFormat::Bfloat16, bf16)
LPC_SAMPLER_INTERLEAVED(SamplerFormat::Float16, f16)
#undef LPC_SAMPLER_INTERLEAVED
#define LPC_SAMPLER_KERNELS(F, suffix)                                                                                                   \
  LPC_SAMPLER_CLONES void bank_sums_##suffix(const float* w, float* c, size_t n, size_t length, uint32_t banks, float* totals, float* staging) { \
    bank_sums_parallel<F>(w, c, n, length, banks, totals, staging);                                                                       \
  }                                                                                                                                        \
  LPC_SAMPLER_CLONES void add_offset_##suffix(float* c, size_t count, float offset) { add_offset<F>(c, count, offset); }                \
  LPC_SAMPLER_CLONES void normalize_##suffix(float* c, size_t n, float total) { normalize<F>(c, n, total); }
LPC_SAMPLER_KERNELS(SamplerFormat::Float32, f32)
LPC_SAMPLER_KERNELS(SamplerFormat::Bfloat16, bf16)
LPC_SAMPLER_KERNELS(SamplerFormat::Float16, f16)
#undef LPC_SAMPLER_KERNELS

// One bank's sums alone (few banks: a sequential chain each).
template <SamplerFormat F>
float bank_sums_sequential(const float* w, float* c, size_t count) {
  float s = 0.0f;
  for (size_t i = 0; i < count; ++i) c[i] = s = to_format<F>(s + w[i]);
  return s;
}

// Banks below this many are summed one after the other; from it on side by side.
constexpr uint32_t kParallelBanks = 8;

// §2.8: the count of sums <= u (the sums are non-decreasing), -1 when that is all of them.
int64_t select(std::span<const float> sums, uint32_t word) {
  const float u = static_cast<float>(word >> 8) * 0x1p-24f;  // exact
  const size_t k = static_cast<size_t>(std::upper_bound(sums.begin(), sums.end(), u) - sums.begin());
  return k == sums.size() ? -1 : static_cast<int64_t>(k);
}

// §2.8 under total with Ĉ_j = RN_F(C_j / total) computed only where the search looks: C is
// non-decreasing and x -> RN_F(x / total) is monotone, so Ĉ is non-decreasing and a binary search
// over j needs ceil(log2 N) quotients. Ĉ_{N-1} = 1 > u, so the count is below N.
template <SamplerFormat F>
int64_t select_unnormalized(const float* c, size_t n, float total, uint32_t word) {
  const float u = static_cast<float>(word >> 8) * 0x1p-24f;  // exact
  size_t first = 0, count = n;                                 // upper_bound over Ĉ
  while (count > 0) {
    const size_t half = count / 2;
    if (quotient<F>(c[first + half], total) <= u) {
      first += half + 1;
      count -= half + 1;
    } else {
      count = half;
    }
  }
  return static_cast<int64_t>(first);
}

// The global sums of §2.3-2.5 of weights already in F (w'), unnormalized. `staging` is scratch.
template <SamplerFormat F>
void global_sums(uint32_t banks, const float* w, float* c, size_t n, std::vector<float>& staging) {
  const size_t length = (n + banks - 1) / banks;
  float totals[kMaxBanks];
  if (banks >= kParallelBanks && length > 1 && n / length >= kParallelBanks) {
    // The full banks interleaved, then the one partial bank (if any) alone; banks past it are empty.
    const uint32_t full = static_cast<uint32_t>(n / length);
    if constexpr (F == SamplerFormat::Float32) bank_sums_interleaved_f32(w, c, length, full, totals);
    if constexpr (F == SamplerFormat::Bfloat16) bank_sums_interleaved_bf16(w, c, length, full, totals);
    if constexpr (F == SamplerFormat::Float16) bank_sums_interleaved_f16(w, c, length, full, totals);
    if (full < banks && size_t{full} * length < n) totals[full] = bank_sums_sequential<F>(w + full * length, c + full * length, n - full * length);
  } else if (banks >= kParallelBanks && length > 1) {
    staging.resize(length * banks);
    if constexpr (F == SamplerFormat::Float32) bank_sums_f32(w, c, n, length, banks, totals, staging.data());
    if constexpr (F == SamplerFormat::Bfloat16) bank_sums_bf16(w, c, n, length, banks, totals, staging.data());
    if constexpr (F == SamplerFormat::Float16) bank_sums_f16(w, c, n, length, banks, totals, staging.data());
  } else {
    for (uint32_t b = 0; b < banks && b * length < n; ++b) {
      const size_t begin = b * length;
      totals[b] = bank_sums_sequential<F>(w + begin, c + begin, std::min(length, n - begin));
    }
  }
  // The totals' scan, then each bank's offset added (bank 0's is 0: its sums are already global).
  float offset = totals[0];
  for (uint32_t b = 1; b < banks && b * length < n; ++b) {
    const size_t begin = b * length, count = std::min(length, n - begin);
    if constexpr (F == SamplerFormat::Float32) add_offset_f32(c + begin, count, offset);
    if constexpr (F == SamplerFormat::Bfloat16) add_offset_bf16(c + begin, count, offset);
    if constexpr (F == SamplerFormat::Float16) add_offset_f16(c + begin, count, offset);
    offset = to_format<F>(offset + totals[b]);
  }
}

// §2.6 in place: every sum divided by the last (finite and > 0).
template <SamplerFormat F>
void normalized(float* c, size_t n) {
  if constexpr (F == SamplerFormat::Float32) normalize_f32(c, n, c[n - 1]);
  if constexpr (F == SamplerFormat::Bfloat16) normalize_bf16(c, n, c[n - 1]);
  if constexpr (F == SamplerFormat::Float16) normalize_f16(c, n, c[n - 1]);
}

const char* format_name(SamplerFormat f) { return f == SamplerFormat::Float32 ? "float32" : f == SamplerFormat::Bfloat16 ? "bfloat16" : "float16"; }

// §2.2 and §2.9: the weights checked and rounded to F (-0 read as +0) into w; the count of
// positive ones. The check is one pass of comparisons; only a failing row is searched for its index.
template <SamplerFormat F>
std::optional<std::string> rounded_weights(std::span<const float> weights, float* w, size_t& positive) {
  bool bad = false;
  size_t count = 0;
  constexpr size_t kBlock = size_t{1} << 30;  // the 32-bit counters' reach
  for (size_t begin = 0; begin < weights.size(); begin += kBlock) {
    const size_t m = std::min(kBlock, weights.size() - begin);
    uint32_t block_positive = 0, block_bad = 0;
    if constexpr (F == SamplerFormat::Float32) block_bad = round_weights_f32(weights.data() + begin, w + begin, m, block_positive);
    if constexpr (F == SamplerFormat::Bfloat16) block_bad = round_weights_bf16(weights.data() + begin, w + begin, m, block_positive);
    if constexpr (F == SamplerFormat::Float16) block_bad = round_weights_f16(weights.data() + begin, w + begin, m, block_positive);
    bad |= block_bad != 0;
    count += block_positive;
  }
  positive = count;
  if (!bad) return std::nullopt;
  for (size_t j = 0; j < weights.size(); ++j) {
    if (!(weights[j] >= 0.0f) || weights[j] == kInf) return "weight " + std::to_string(j) + " is NaN, infinite or negative";
    if (w[j] == kInf) return "weight " + std::to_string(j) + " rounds to +inf in " + format_name(F);
  }
  return std::nullopt;
}

// Everything for one format: the weights checked and rounded, the sums into c (normalized under
// total), then, when sampling, one draw per word.
template <SamplerFormat F>
std::optional<std::string> run(const SamplerParams& p, std::span<const float> weights, bool sampling, std::span<const uint32_t> words, float* c,
                               std::span<int64_t> index) {
  const size_t n = weights.size();
  if (n == 0) return "no weights";
  // Scratch kept per thread: a vocabulary-sized row allocated (and, past malloc's mmap threshold,
  // page-faulted) on every call cost more than summing it.
  thread_local std::vector<float> w, staging;
  if (w.size() < n) w.resize(n);
  size_t positive = 0;
  if (auto e = rounded_weights<F>(weights, w.data(), positive)) return e;
  if (sampling && positive == 0) return "an all-zero row";
  if (sampling && p.replacement == Replacement::Without && words.size() > positive)
    return std::to_string(words.size()) + " samples without replacement from " + std::to_string(positive) + " non-zero weights";
  const bool total = p.normalize == Normalization::Total;
  global_sums<F>(p.banks, w.data(), c, n, staging);
  if (total) {  // the total must be finite and non-zero before anything is divided by it
    if (c[n - 1] == kInf) return std::string("the total overflows ") + format_name(F);
    if (c[n - 1] == 0.0f) return std::string("an all-zero row");
    // Few draws from many categories (one token from a vocabulary): the quotients the searches
    // look at, instead of all N.
    if (sampling && p.replacement == Replacement::With && words.size() * 32 < n) {
      for (size_t s = 0; s < words.size(); ++s) index[s] = select_unnormalized<F>(c, n, c[n - 1], words[s]);
      return std::nullopt;
    }
    normalized<F>(c, n);
  }
  if (!sampling) return std::nullopt;
  const std::span<const float> sums(c, n);
  if (p.replacement == Replacement::With) {
    for (size_t s = 0; s < words.size(); ++s) index[s] = select(sums, words[s]);
    return std::nullopt;
  }
  // Sequential removal (normalize total): after each draw its category's weight is +0 and the sums
  // are recomputed; the remaining total stays finite and > 0 (it is at most the first, and a
  // positive weight remains).
  for (size_t s = 0; s < words.size(); ++s) {
    index[s] = select(sums, words[s]);
    w[static_cast<size_t>(index[s])] = 0.0f;  // >= 0: under total u < 1 = the last sum
    if (s + 1 < words.size()) {
      global_sums<F>(p.banks, w.data(), c, n, staging);
      normalized<F>(c, n);
    }
  }
  return std::nullopt;
}

std::optional<std::string> dispatch(const SamplerParams& p, std::span<const float> weights, bool sampling, std::span<const uint32_t> words, float* c,
                                    std::span<int64_t> index) {
  switch (p.format) {
    case SamplerFormat::Float32: return run<SamplerFormat::Float32>(p, weights, sampling, words, c, index);
    case SamplerFormat::Bfloat16: return run<SamplerFormat::Bfloat16>(p, weights, sampling, words, c, index);
    case SamplerFormat::Float16: return run<SamplerFormat::Float16>(p, weights, sampling, words, c, index);
  }
  return std::nullopt;
}

}  // namespace

std::optional<std::string> cumsum_banked(const SamplerParams& p, std::span<const float> weights, std::span<float> sums) {
  return dispatch(p, weights, false, {}, sums.data(), {});
}

std::optional<std::string> multinomial(const SamplerParams& p, std::span<const float> weights, std::span<const uint32_t> words, std::span<int64_t> index) {
  thread_local std::vector<float> c;
  if (c.size() < weights.size()) c.resize(weights.size());
  return dispatch(p, weights, true, words, c.data(), index);
}

}  // namespace lpc::fast
