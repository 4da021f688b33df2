// lpconform fast — Philox4x32 and Threefry4x32 on 16 blocks per AVX-512 vector: the four counter
// words of 16 blocks as four vectors (transposed in and out), every round on all 16 at once.
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

void philox(int rounds, uint32_t k0, uint32_t k1, __m512i& x0, __m512i& x1, __m512i& x2, __m512i& x3) {
  const __m512i m0 = _mm512_set1_epi32(static_cast<int>(0xD2511F53u)), m1 = _mm512_set1_epi32(static_cast<int>(0xCD9E8D57u));
  for (int r = 0; r < rounds; ++r, k0 += 0x9E3779B9u, k1 += 0xBB67AE85u) {
    __m512i hi0, lo0, hi1, lo1;
    mulhilo(m0, x0, hi0, lo0);
    mulhilo(m1, x2, hi1, lo1);
    x0 = _mm512_xor_si512(_mm512_xor_si512(hi1, x1), _mm512_set1_epi32(static_cast<int>(k0)));
    x2 = _mm512_xor_si512(_mm512_xor_si512(hi0, x3), _mm512_set1_epi32(static_cast<int>(k1)));
    x1 = lo1;
    x3 = lo0;
  }
}

constexpr int kRotation[8][2] = {{10, 26}, {11, 21}, {13, 27}, {23, 5}, {6, 20}, {17, 11}, {25, 10}, {18, 20}};

// a += b; b = rotl(b, n) ^ a.
void mix(__m512i& a, __m512i& b, int n) {
  a = _mm512_add_epi32(a, b);
  b = _mm512_xor_si512(_mm512_rolv_epi32(b, _mm512_set1_epi32(n)), a);
}

void threefry(int rounds, const std::array<uint32_t, 4>& k, __m512i& x0, __m512i& x1, __m512i& x2, __m512i& x3) {
  const uint32_t ks[5] = {k[0], k[1], k[2], k[3], 0x1BD11BDAu ^ k[0] ^ k[1] ^ k[2] ^ k[3]};
  __m512i* x[4] = {&x0, &x1, &x2, &x3};
  for (int i = 0; i < 4; ++i) *x[i] = _mm512_add_epi32(*x[i], _mm512_set1_epi32(static_cast<int>(ks[i])));
  for (int r = 0; r < rounds; ++r) {
    const int partner = (r & 1) ? 3 : 1, other = 4 - partner;
    mix(x0, *x[partner], kRotation[r & 7][0]);
    mix(x2, *x[other], kRotation[r & 7][1]);
    if ((r & 3) == 3) {
      const unsigned q = static_cast<unsigned>(r + 1) >> 2;
      for (unsigned i = 0; i < 4; ++i) *x[i] = _mm512_add_epi32(*x[i], _mm512_set1_epi32(static_cast<int>(ks[(q + i) % 5] + (i == 3 ? q : 0))));
    }
  }
}

}  // namespace

void random123_avx512_16(const CounterRngSpec& spec, const uint32_t* counters, uint64_t first_block, uint32_t c2, uint32_t c3, uint32_t* out) {
  __m512i x0, x1, x2, x3;
  if (counters) {  // 16 blocks as stored, transposed to one vector per counter word
    x0 = _mm512_loadu_si512(counters), x1 = _mm512_loadu_si512(counters + 16);
    x2 = _mm512_loadu_si512(counters + 32), x3 = _mm512_loadu_si512(counters + 48);
    transpose_lanes(x0, x1, x2, x3);
    transpose_words(x0, x1, x2, x3);
  } else {  // block numbers first_block + 0..15, their carry into the high word per lane
    const __m512i lane = _mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
    x0 = _mm512_add_epi32(_mm512_set1_epi32(static_cast<int>(static_cast<uint32_t>(first_block))), lane);
    const __mmask16 carried = _mm512_cmplt_epu32_mask(x0, lane);  // the low word wrapped past 2^32
    x1 = _mm512_mask_add_epi32(_mm512_set1_epi32(static_cast<int>(static_cast<uint32_t>(first_block >> 32))), carried,
                               _mm512_set1_epi32(static_cast<int>(static_cast<uint32_t>(first_block >> 32))), _mm512_set1_epi32(1));
    x2 = _mm512_set1_epi32(static_cast<int>(c2)), x3 = _mm512_set1_epi32(static_cast<int>(c3));
  }
  if (spec.generator == CounterRng::Philox)
    philox(spec.rounds, spec.key[0], spec.key[1], x0, x1, x2, x3);
  else
    threefry(spec.rounds, spec.key, x0, x1, x2, x3);
  transpose_words(x0, x1, x2, x3);
  transpose_lanes(x0, x1, x2, x3);
  _mm512_storeu_si512(out, x0), _mm512_storeu_si512(out + 16, x1), _mm512_storeu_si512(out + 32, x2), _mm512_storeu_si512(out + 48, x3);
}

}  // namespace lpc::fast::detail
