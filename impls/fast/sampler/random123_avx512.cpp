// lpconform fast — Philox4x32 and Threefry4x32 on 16 blocks per AVX-512 vector: the four counter
// words of 16 blocks as four vectors (transposed in and out), every round on all 16 at once, four
// such groups side by side.
#include <immintrin.h>

#include "impls/fast/sampler/random123_kernels.hpp"

namespace lpc::fast::detail {

namespace {

// The 4x4 transpose of 32-bit words inside each 128-bit lane.
void transpose_words(__m512i& a, __m512i& b, __m512i& c, __m512i& d) {
  const __m512i t0 = _mm512_unpacklo_epi32(a, b), t1 = _mm512_unpackhi_epi32(a, b);
  const __m512i t2 = _mm512_unpacklo_epi32(c, d), t3 = _mm512_unpackhi_epi32(c, d);
  a = _mm512_unpacklo_epi64(t0, t2), b = _mm512_unpackhi_epi64(t0, t2);
  c = _mm512_unpacklo_epi64(t1, t3), d = _mm512_unpackhi_epi64(t1, t3);
}

// The 4x4 transpose of 128-bit lanes across the four vectors.
void transpose_lanes(__m512i& a, __m512i& b, __m512i& c, __m512i& d) {
  const __m512i ab_low = _mm512_shuffle_i32x4(a, b, 0x44), cd_low = _mm512_shuffle_i32x4(c, d, 0x44);
  const __m512i ab_high = _mm512_shuffle_i32x4(a, b, 0xEE), cd_high = _mm512_shuffle_i32x4(c, d, 0xEE);
  a = _mm512_shuffle_i32x4(ab_low, cd_low, 0x88), b = _mm512_shuffle_i32x4(ab_low, cd_low, 0xDD);
  c = _mm512_shuffle_i32x4(ab_high, cd_high, 0x88), d = _mm512_shuffle_i32x4(ab_high, cd_high, 0xDD);
}

// The high and low 32 bits of m * x in every lane (vpmuludq takes the even lanes; odd ones shifted).
void mulhilo(__m512i m, __m512i x, __m512i& hi, __m512i& lo) {
  const __m512i even = _mm512_mul_epu32(x, m), odd = _mm512_mul_epu32(_mm512_srli_epi64(x, 32), m);
  lo = _mm512_mask_blend_epi32(0xAAAA, even, _mm512_slli_epi64(odd, 32));
  hi = _mm512_mask_blend_epi32(0xAAAA, _mm512_srli_epi64(even, 32), odd);
}

// Kg independent groups of 16 blocks side by side: the multiplies' latency overlaps.
constexpr int kGroups = kRandom123Avx512Blocks / 16;

void philox(int rounds, uint32_t k0, uint32_t k1, __m512i (&x)[kGroups][4]) {
  const __m512i m0 = _mm512_set1_epi32(static_cast<int>(0xD2511F53u)), m1 = _mm512_set1_epi32(static_cast<int>(0xCD9E8D57u));
  for (int r = 0; r < rounds; ++r, k0 += 0x9E3779B9u, k1 += 0xBB67AE85u) {
    const __m512i key0 = _mm512_set1_epi32(static_cast<int>(k0)), key1 = _mm512_set1_epi32(static_cast<int>(k1));
#pragma GCC unroll 4
    for (auto& g : x) {
      __m512i hi0, lo0, hi1, lo1;
      mulhilo(m0, g[0], hi0, lo0);
      mulhilo(m1, g[2], hi1, lo1);
      g[0] = _mm512_ternarylogic_epi32(hi1, g[1], key0, 0x96);  // three-way xor
      g[2] = _mm512_ternarylogic_epi32(hi0, g[3], key1, 0x96);
      g[1] = lo1;
      g[3] = lo0;
    }
  }
}

constexpr int kRotation[8][2] = {{10, 26}, {11, 21}, {13, 27}, {23, 5}, {6, 20}, {17, 11}, {25, 10}, {18, 20}};

// a += b; b = rotl(b, n) ^ a.
void mix(__m512i& a, __m512i& b, __m512i n) {
  a = _mm512_add_epi32(a, b);
  b = _mm512_xor_si512(_mm512_rolv_epi32(b, n), a);
}

void threefry(int rounds, const std::array<uint32_t, 4>& k, __m512i (&x)[kGroups][4]) {
  const uint32_t ks[5] = {k[0], k[1], k[2], k[3], 0x1BD11BDAu ^ k[0] ^ k[1] ^ k[2] ^ k[3]};
  for (auto& g : x)
    for (int i = 0; i < 4; ++i) g[i] = _mm512_add_epi32(g[i], _mm512_set1_epi32(static_cast<int>(ks[i])));
  for (int r = 0; r < rounds; ++r) {
    const __m512i a = _mm512_set1_epi32(kRotation[r & 7][0]), b = _mm512_set1_epi32(kRotation[r & 7][1]);
    if (r & 1) {  // the partners are fixed in each branch, so the words stay in registers
#pragma GCC unroll 4
      for (auto& g : x) mix(g[0], g[3], a), mix(g[2], g[1], b);
    } else {
#pragma GCC unroll 4
      for (auto& g : x) mix(g[0], g[1], a), mix(g[2], g[3], b);
    }
    if ((r & 3) == 3) {
      const unsigned q = static_cast<unsigned>(r + 1) >> 2;
      for (auto& g : x)
        for (unsigned i = 0; i < 4; ++i) g[i] = _mm512_add_epi32(g[i], _mm512_set1_epi32(static_cast<int>(ks[(q + i) % 5] + (i == 3 ? q : 0))));
    }
  }
}

}  // namespace

void random123_avx512(const CounterRngSpec& spec, const uint32_t* counters, uint64_t first_block, uint32_t c2, uint32_t c3, uint32_t* out) {
  __m512i x[kGroups][4];
  for (int gi = 0; gi < kGroups; ++gi) {
    __m512i* g = x[gi];
    if (counters) {  // 16 blocks as stored, transposed to one vector per counter word
      const uint32_t* in = counters + 64 * gi;
      g[0] = _mm512_loadu_si512(in), g[1] = _mm512_loadu_si512(in + 16), g[2] = _mm512_loadu_si512(in + 32), g[3] = _mm512_loadu_si512(in + 48);
      transpose_lanes(g[0], g[1], g[2], g[3]);
      transpose_words(g[0], g[1], g[2], g[3]);
    } else {  // block numbers first_block + 16·gi + 0..15, their carry into the high word per lane
      const uint64_t base = first_block + 16 * static_cast<uint64_t>(gi);
      const __m512i lane = _mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
      const __m512i high = _mm512_set1_epi32(static_cast<int>(static_cast<uint32_t>(base >> 32)));
      g[0] = _mm512_add_epi32(_mm512_set1_epi32(static_cast<int>(static_cast<uint32_t>(base))), lane);
      g[1] = _mm512_mask_add_epi32(high, _mm512_cmplt_epu32_mask(g[0], lane), high, _mm512_set1_epi32(1));  // the low word wrapped
      g[2] = _mm512_set1_epi32(static_cast<int>(c2)), g[3] = _mm512_set1_epi32(static_cast<int>(c3));
    }
  }
  if (spec.generator == CounterRng::Philox)
    philox(spec.rounds, spec.key[0], spec.key[1], x);
  else
    threefry(spec.rounds, spec.key, x);
  for (int gi = 0; gi < kGroups; ++gi) {
    __m512i* g = x[gi];
    transpose_words(g[0], g[1], g[2], g[3]);
    transpose_lanes(g[0], g[1], g[2], g[3]);
    uint32_t* o = out + 64 * gi;
    _mm512_storeu_si512(o, g[0]), _mm512_storeu_si512(o + 16, g[1]), _mm512_storeu_si512(o + 32, g[2]), _mm512_storeu_si512(o + 48, g[3]);
  }
}

}  // namespace lpc::fast::detail
