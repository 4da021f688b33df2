// lpconform fast — the fused MX quantization kernel for AVX-512 (see mx_kernels.hpp).
#include <immintrin.h>

#include <cstring>

#include "impls/fast/quantizers/mx_kernels.hpp"

namespace lpc::fast::detail {

void mx_quantize_f32_avx512(const MxFloatKernelPlan& p, const float* x, size_t blocks, int block, uint8_t* scales, uint8_t* codes) {
  const __m512i abs_mask = _mm512_set1_epi32(0x7FFFFFFF), zero = _mm512_setzero_si512(), one = _mm512_set1_epi32(1);
  const __m512i half_minus_one = _mm512_set1_epi32((1 << (p.quantum_shift - 1)) - 1), offset = _mm512_set1_epi32(p.exponent_offset);
  const __m512i min_normal_bits = _mm512_set1_epi32(p.min_normal_bits), max_code = _mm512_set1_epi32(p.max_magnitude_code);
  const __m512i sign_bit = _mm512_set1_epi32(p.sign_bit);
  const __m512 subnormal_scale = _mm512_set1_ps(p.subnormal_scale);
  const __m128i shift = _mm_cvtsi32_si128(p.quantum_shift);
  for (size_t b = 0; b < blocks; ++b, x += block, codes += block) {
    // 1. The block maximum: float32 magnitudes order like their bits; Inf and NaN are the largest.
    __m512i max_bits = zero;
    for (int j = 0; j < block; j += 16) max_bits = _mm512_max_epu32(max_bits, _mm512_and_si512(_mm512_loadu_si512(x + j), abs_mask));
    const uint8_t scale = mx_scale_code(p.scale, _mm512_reduce_max_epu32(max_bits));
    scales[b] = scale;
    if (scale == kMxScaleNan) {
      std::memset(codes, 0, static_cast<size_t>(block));
      continue;
    }
    // 2. y = x / X by a power-of-two product, exact down to 2^-126; below that every value rounds
    //    to a signed zero under RNE whatever the product's own rounding did.
    const __m512 inverse_scale = _mm512_set1_ps(mx_inverse_scale(scale));
    for (int j = 0; j < block; j += 16) {
      const __m512i v = _mm512_loadu_si512(x + j);
      const __m512 y = _mm512_mul_ps(_mm512_castsi512_ps(v), inverse_scale);
      const __m512i magnitude_bits = _mm512_and_si512(_mm512_castps_si512(y), abs_mask);
      // 3. Subnormal binade: |y| · 2^(M - emin) is exact and below 2^M; round it to even.
      const __m512i subnormal_code = _mm512_cvt_roundps_epi32(_mm512_mul_ps(_mm512_castsi512_ps(magnitude_bits), subnormal_scale),
                                                              _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
      // 4. Normal binades: add just under half a quantum plus the parity of the kept code, shift,
      //    rebase the exponent; a carry is the step into the next binade.
      const __m512i parity = _mm512_and_si512(_mm512_xor_si512(_mm512_srl_epi32(magnitude_bits, shift), offset), one);
      const __m512i normal_code =
          _mm512_sub_epi32(_mm512_srl_epi32(_mm512_add_epi32(magnitude_bits, _mm512_add_epi32(half_minus_one, parity)), shift), offset);
      __m512i code = _mm512_mask_blend_epi32(_mm512_cmplt_epi32_mask(magnitude_bits, min_normal_bits), normal_code, subnormal_code);
      // 5. Saturate (§4.4), then the sign, kept on zeros (every MX float element has -0).
      code = _mm512_min_epi32(code, max_code);
      code = _mm512_mask_or_epi32(code, _mm512_cmplt_epi32_mask(v, zero), code, sign_bit);
      _mm_storeu_si128(reinterpret_cast<__m128i*>(codes + j), _mm512_cvtepi32_epi8(code));
    }
  }
}

}  // namespace lpc::fast::detail
