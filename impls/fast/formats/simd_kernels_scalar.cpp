// The portable instantiation of the kernels (no target flags): the one-lane kernel over plain
// integers, and the table decode.
#include "impls/fast/formats/encode_kernel.hpp"

namespace lpc::fast::detail {

void encode_f32_scalar(const KernelPlan& plan, const float* in, size_t n, void* out, int out_bytes) {
  encode_f32_dispatch<OneLane, OneLane>(plan, in, n, out, out_bytes);
}

void decode_u8_scalar(const float* table, const uint8_t* codes, size_t n, float* out) {
  for (size_t i = 0; i < n; ++i) out[i] = table[codes[i]];
}

}  // namespace lpc::fast::detail
