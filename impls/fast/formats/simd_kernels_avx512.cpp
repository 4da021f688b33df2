// The AVX-512 (F, BW, DQ, VL) instantiation of the kernels; compiled with -mavx512* only for this
// file and entered only when the CPU has those extensions (convert.cpp checks).
#include <immintrin.h>

#include "impls/fast/formats/encode_kernel.hpp"

namespace lpc::fast::detail {
namespace {

struct Avx512Lanes {
  using V = __m512i;
  using F = __m512;
  using M = __mmask16;
  static constexpr size_t kLanes = 16;
  static V load(const float* p) { return _mm512_castps_si512(_mm512_loadu_ps(p)); }
  static V set1(int32_t x) { return _mm512_set1_epi32(x); }
  static V bit_and(V a, V b) { return _mm512_and_si512(a, b); }
  static V bit_or(V a, V b) { return _mm512_or_si512(a, b); }
  static V add(V a, V b) { return _mm512_add_epi32(a, b); }
  static V sub(V a, V b) { return _mm512_sub_epi32(a, b); }
  static F set1f(float x) { return _mm512_set1_ps(x); }
  static F as_float(V a) { return _mm512_castsi512_ps(a); }
  static F mul(F a, F b) { return _mm512_mul_ps(a, b); }
  static F subf(F a, F b) { return _mm512_sub_ps(a, b); }
  static F minf(F a, F b) { return _mm512_min_ps(a, b); }
  static M greater_equal(F a, F b) { return _mm512_cmp_ps_mask(a, b, _CMP_GE_OQ); }
  static F round_toward_zero(F a) { return _mm512_roundscale_ps(a, _MM_FROUND_TO_ZERO | _MM_FROUND_NO_EXC); }
  static F round_nearest_even(F a) { return _mm512_roundscale_ps(a, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC); }
  static V to_int_truncating(F a) { return _mm512_cvttps_epi32(a); }
  static V bit_xor(V a, V b) { return _mm512_xor_si512(a, b); }
  static V add_if(M m, V a, V b) { return _mm512_mask_add_epi32(a, m, a, b); }
  static V shift_right(V a, int n) { return _mm512_srl_epi32(a, _mm_cvtsi32_si128(n)); }
  static M less(V a, V b) { return _mm512_cmplt_epi32_mask(a, b); }
  static M greater(V a, V b) { return _mm512_cmpgt_epi32_mask(a, b); }
  static M equal(V a, V b) { return _mm512_cmpeq_epi32_mask(a, b); }
  static M mask_and(M a, M b) { return M(a & b); }
  static M mask_or(M a, M b) { return M(a | b); }
  static M mask_constant(bool b) { return b ? M(0xFFFF) : M(0); }
  static V select(M m, V if_false, V if_true) { return _mm512_mask_blend_epi32(m, if_false, if_true); }
  static void store(uint8_t* p, V v) { _mm_storeu_si128(reinterpret_cast<__m128i*>(p), _mm512_cvtepi32_epi8(v)); }
  static void store(uint16_t* p, V v) { _mm256_storeu_si256(reinterpret_cast<__m256i*>(p), _mm512_cvtepi32_epi16(v)); }
  static void store(uint32_t* p, V v) { _mm512_storeu_si512(p, v); }
};

}  // namespace

void encode_f32_avx512(const KernelPlan& plan, const float* in, size_t n, void* out, int out_bytes) {
  encode_f32_dispatch<Avx512Lanes, OneLane>(plan, in, n, out, out_bytes);
}

// The 256-entry table lives in 16 registers; vpermt2ps looks up 32 entries by the low 5 bits of
// each index, and three levels of blends on bits 5, 6 and 7 pick among the 8 results.
void decode_u8_avx512(const float* table, const uint8_t* codes, size_t n, float* out) {
  __m512 low[8], high[8];
  for (int j = 0; j < 8; ++j) {
    low[j] = _mm512_loadu_ps(table + 32 * j);
    high[j] = _mm512_loadu_ps(table + 32 * j + 16);
  }
  const __m512i bit5 = _mm512_set1_epi32(32), bit6 = _mm512_set1_epi32(64), bit7 = _mm512_set1_epi32(128);
  size_t i = 0;
  for (; i + 16 <= n; i += 16) {
    const __m512i index = _mm512_cvtepu8_epi32(_mm_loadu_si128(reinterpret_cast<const __m128i*>(codes + i)));
    __m512 part[8];
    for (int j = 0; j < 8; ++j) part[j] = _mm512_permutex2var_ps(low[j], index, high[j]);
    const __mmask16 use5 = _mm512_test_epi32_mask(index, bit5), use6 = _mm512_test_epi32_mask(index, bit6);
    const __mmask16 use7 = _mm512_test_epi32_mask(index, bit7);
    for (int j = 0; j < 4; ++j) part[j] = _mm512_mask_blend_ps(use5, part[2 * j], part[2 * j + 1]);
    for (int j = 0; j < 2; ++j) part[j] = _mm512_mask_blend_ps(use6, part[2 * j], part[2 * j + 1]);
    _mm512_storeu_ps(out + i, _mm512_mask_blend_ps(use7, part[0], part[1]));
  }
  for (; i < n; ++i) out[i] = table[codes[i]];
}

}  // namespace lpc::fast::detail
