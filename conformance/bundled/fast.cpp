// The optimized CPU implementation (impls/fast/formats) as an Implementation. Both encode paths a
// user calls are exercised: float32 inputs under a deterministic rounding go through the batch
// kernel (Encoder::from_f32: AVX-512 / AVX2 / scalar), every other input through the general path
// (Encoder::encode: every source type and rounding, flags). When the caller wants flags for float32
// inputs, the general path supplies them and must agree with the kernel on every code, else the
// batch is an ERROR naming the input. Decode goes through Decoder::to_f64.
#include <bit>
#include <cstdio>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "conformance/bundled/bundled.hpp"
#include "conformance/ops/derive.hpp"
#include "impls/fast/formats/convert.hpp"

#ifndef LPC_VERSION  // set by the lpc_root_include target; a bare compile still builds
#define LPC_VERSION "unversioned"
#endif

namespace lpc {
namespace {

// The runner already spreads batches over threads, so each batch runs on the calling thread.
constexpr fast::Variant kBatchVariant{fast::Isa::Auto, 1, 0};

OpStatus encode_batch(const EncodeBatch& batch, std::string& error) {
  const Format& format = *batch.format;
  std::optional<fast::Encoder> encoder;
  try {
    encoder.emplace(format, batch.params, kBatchVariant);
  } catch (const std::invalid_argument&) {
    return OpStatus::Unsupported;  // a combination spec/formats.md rejects (wrap on a float, ...)
  }
  try {
    if (batch.source != Source::F32 || is_stochastic(batch.params.rounding)) {
      encoder->encode(batch.source, batch.inputs, batch.random, batch.codes, batch.flags);
      return OpStatus::Ok;
    }
    std::vector<float> values(batch.inputs.size());
    for (size_t i = 0; i < values.size(); ++i) values[i] = std::bit_cast<float>(static_cast<uint32_t>(batch.inputs[i]));
    if (batch.flags.empty()) {
      encoder->from_f32(values, batch.codes);
      return OpStatus::Ok;
    }
    std::vector<uint32_t> kernel_codes(values.size());
    encoder->from_f32(values, std::span<uint32_t>(kernel_codes));
    encoder->encode(batch.source, batch.inputs, batch.random, batch.codes, batch.flags);
    for (size_t i = 0; i < values.size(); ++i) {
      if (kernel_codes[i] == batch.codes[i]) continue;
      char detail[160];
      std::snprintf(detail, sizeof detail, "input 0x%08x: the batch kernel (from_f32) gives 0x%x, the general path 0x%x",
                    static_cast<unsigned>(batch.inputs[i]), kernel_codes[i], batch.codes[i]);
      error = std::string("fast encode to '") + format.name + "': " + detail;
      return OpStatus::Error;
    }
  } catch (const std::exception& e) {
    error = std::string("fast encode to '") + format.name + "': " + e.what();
    return OpStatus::Error;
  }
  return OpStatus::Ok;
}

OpStatus decode_batch(const DecodeBatch& batch, std::string& error) {
  try {
    fast::Decoder(*batch.format, kBatchVariant).to_f64(batch.codes, batch.values);
  } catch (const std::exception& e) {
    error = std::string("fast decode of '") + batch.format->name + "': " + e.what();
    return OpStatus::Error;
  }
  return OpStatus::Ok;
}

Implementation make_fast() {
  Implementation impl;
  impl.name = "fast";
  impl.version = LPC_VERSION;
  impl.description =
      "Optimized CPU: bit manipulation on the binary representation, 256-entry decode tables, AVX-512 / AVX2 "
      "batch kernels chosen at run time, threads for large arrays";
  impl.produces_flags = true;
  impl.declarations = {
      {"nan_encoding", "the canonical NaN of spec/formats.md §5.3 with the sign of x (ieee: only the top fraction "
                       "bit set; all_ones; the neg_zero code); payloads are not propagated"},
      {"nan_into_nanless", "code 0 (+0) with the invalid flag"},
      {"inf_into_integer_wrap", "code 0 with the invalid flag"},
      {"decode_nan", "a quiet float64 NaN with the sign bit of the code (negative for a neg_zero NaN)"},
      {"variants", "results do not depend on the instruction set (scalar, AVX2, AVX-512), thread count or chunk"},
  };
  impl.encode = encode_batch;
  impl.decode = decode_batch;
  impl.run = [](const ops::OpCase& c, std::vector<ops::Tensor>& out, std::string& error) { return ops::bundled_run("fast", c, out, error); };
  return impl;
}

}  // namespace

const Implementation& fast_implementation() {
  static const Implementation impl = make_fast();
  return impl;
}

}  // namespace lpc
