// The op registry: one line per op declared in conformance/ops (op.hpp). Everything else — profile
// rows, Case JSON, repro commands, `lpconform eval OP`, signatures, `list ops` — reads this list.
#include "conformance/ops/op.hpp"

namespace lpc::ops {

const OpSchema& gemm_op();           // gemm.cpp
const OpSchema& conv2d_op();         // conv2d.cpp
const OpSchema& dynbits_op();        // dynbits.cpp
const OpSchema& lsq_op();            // lsq.cpp
const OpSchema& lsq_init_op();       // lsq_init.cpp
const OpSchema& lsq_dot_op();        // lsq_dot.cpp
const OpSchema& mx_op();             // mx.cpp
const OpSchema& mx_dequantize_op();  // mx.cpp
const OpSchema& mx_dot_op();         // mx.cpp
const OpSchema& requantize_op();     // requantize.cpp
const OpSchema& sr_fixed_op();       // sr_fixed.cpp
const OpSchema& tpr_op();            // tpr.cpp
const OpSchema& ulq_op();            // ulq.cpp
const OpSchema& philox_op();         // random123.cpp
const OpSchema& threefry_op();       // random123.cpp
const OpSchema& cumsum_banked_op();  // sampler.cpp
const OpSchema& multinomial_op();    // sampler.cpp
const OpSchema& nm_compress_op();    // nm_sparse.cpp
const OpSchema& nm_decompress_op();  // nm_sparse.cpp
const OpSchema& nm_prune_op();       // nm_sparse.cpp
const OpSchema& nm_decompose_op();   // nm_sparse.cpp
const OpSchema& sparse_matmul_op();  // nm_sparse.cpp
const OpSchema& wc_encode_op();      // weight_codecs.cpp
const OpSchema& wc_decode_op();      // weight_codecs.cpp
const OpSchema& conv_transpose2d_op();  // conv_transpose2d.cpp
const OpSchema& adacomp_compress_op();     // error_feedback.cpp
const OpSchema& adacomp_decode_op();       // error_feedback.cpp
const OpSchema& ef_signsgd_compress_op();  // error_feedback.cpp
const OpSchema& ef_signsgd_decode_op();    // error_feedback.cpp
const OpSchema& recompute_schedule_op();    // recompute.cpp
const OpSchema& grad_exchange_op();        // grad_exchange.cpp

std::span<const OpSchema* const> registered_ops() {
  static const OpSchema* const ops[] = {
      &gemm_op(),          &conv2d_op(), &dynbits_op(),    &lsq_op(),      &lsq_init_op(), &lsq_dot_op(), &mx_op(),
      &mx_dequantize_op(), &mx_dot_op(), &requantize_op(), &sr_fixed_op(), &tpr_op(),      &ulq_op(),
      &philox_op(),        &threefry_op(), &cumsum_banked_op(), &multinomial_op(),
      &nm_compress_op(), &nm_decompress_op(), &nm_prune_op(), &nm_decompose_op(), &sparse_matmul_op(),
      &wc_encode_op(),     &wc_decode_op(),
      &conv_transpose2d_op(),
      &adacomp_compress_op(), &adacomp_decode_op(), &ef_signsgd_compress_op(), &ef_signsgd_decode_op(),
      &recompute_schedule_op(),
      &grad_exchange_op(),
  };
  return ops;
}

const OpSchema* find_op(std::string_view name) {
  for (const OpSchema* op : registered_ops())
    if (op->name == name) return op;
  return nullptr;
}

}  // namespace lpc::ops
