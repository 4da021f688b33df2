// The AVX2 instantiation of the kernels; compiled with -mavx2 only for this file and entered only
// when the CPU has AVX2 (convert.cpp checks).
#include <immintrin.h>

#include "impls/fast/formats/encode_kernel.hpp"

namespace lpc::fast::detail {
namespace {

struct Avx2Lanes {
  using V = __m256i;
  using F = __m256;
  using M = __m256i;  // all-ones / all-zeros lanes
  static constexpr size_t kLanes = 8;
  static V load(const float* p) { return _mm256_castps_si256(_mm256_loadu_ps(p)); }
  static V set1(int32_t x) { return _mm256_set1_epi32(x); }
  static V bit_and(V a, V b) { return _mm256_and_si256(a, b); }
  static V bit_or(V a, V b) { return _mm256_or_si256(a, b); }
  static V add(V a, V b) { return _mm256_add_epi32(a, b); }
  static V sub(V a, V b) { return _mm256_sub_epi32(a, b); }
  static V bit_xor(V a, V b) { return _mm256_xor_si256(a, b); }
  static V add_if(M m, V a, V b) { return _mm256_add_epi32(a, _mm256_and_si256(m, b)); }
  static V shift_right(V a, int n) { return _mm256_srl_epi32(a, _mm_cvtsi32_si128(n)); }
  static F set1f(float x) { return _mm256_set1_ps(x); }
  static F as_float(V a) { return _mm256_castsi256_ps(a); }
  static F mul(F a, F b) { return _mm256_mul_ps(a, b); }
  static F subf(F a, F b) { return _mm256_sub_ps(a, b); }
  static F minf(F a, F b) { return _mm256_min_ps(a, b); }
  static M greater_equal(F a, F b) { return _mm256_castps_si256(_mm256_cmp_ps(a, b, _CMP_GE_OQ)); }
  static F round_toward_zero(F a) { return _mm256_round_ps(a, _MM_FROUND_TO_ZERO | _MM_FROUND_NO_EXC); }
  static F round_nearest_even(F a) { return _mm256_round_ps(a, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC); }
  static V to_int_truncating(F a) { return _mm256_cvttps_epi32(a); }
  static M less(V a, V b) { return _mm256_cmpgt_epi32(b, a); }
  static M greater(V a, V b) { return _mm256_cmpgt_epi32(a, b); }
  static M equal(V a, V b) { return _mm256_cmpeq_epi32(a, b); }
  static M mask_and(M a, M b) { return _mm256_and_si256(a, b); }
  static M mask_or(M a, M b) { return _mm256_or_si256(a, b); }
  static M mask_constant(bool b) { return _mm256_set1_epi32(b ? -1 : 0); }
  static V select(M m, V if_false, V if_true) { return _mm256_blendv_epi8(if_false, if_true, m); }
  // Narrowing stores: gather the low byte (word) of each 32-bit lane within each 128-bit half,
  // then join the halves.
  static void store(uint8_t* p, V v) {
    const __m256i bytes = _mm256_shuffle_epi8(v, _mm256_setr_epi8(0, 4, 8, 12, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1,
                                                                  0, 4, 8, 12, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1));
    const __m256i joined = _mm256_permutevar8x32_epi32(bytes, _mm256_setr_epi32(0, 4, 1, 1, 1, 1, 1, 1));
    _mm_storel_epi64(reinterpret_cast<__m128i*>(p), _mm256_castsi256_si128(joined));
  }
  static void store(uint16_t* p, V v) {
    const __m256i words = _mm256_shuffle_epi8(v, _mm256_setr_epi8(0, 1, 4, 5, 8, 9, 12, 13, -1, -1, -1, -1, -1, -1, -1, -1,
                                                                  0, 1, 4, 5, 8, 9, 12, 13, -1, -1, -1, -1, -1, -1, -1, -1));
    const __m256i joined = _mm256_permute4x64_epi64(words, 0x08);
    _mm_storeu_si128(reinterpret_cast<__m128i*>(p), _mm256_castsi256_si128(joined));
  }
  static void store(uint32_t* p, V v) { _mm256_storeu_si256(reinterpret_cast<__m256i*>(p), v); }
};

}  // namespace

void encode_f32_avx2(const KernelPlan& plan, const float* in, size_t n, void* out, int out_bytes) {
  encode_f32_dispatch<Avx2Lanes, OneLane>(plan, in, n, out, out_bytes);
}

}  // namespace lpc::fast::detail
