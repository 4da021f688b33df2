// The optimized CPU implementation (impls/fast/formats) as an Implementation: encode through
// Encoder::encode (the general path: every source type, every rounding, flags) and decode through
// Decoder::to_f64. The harness checks it against the reference like any vendor's implementation.
#include <optional>
#include <stdexcept>
#include <string>

#include "conformance/core/bundled.hpp"
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
    encoder->encode(batch.source, batch.inputs, batch.random, batch.codes, batch.flags);
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
  return impl;
}

}  // namespace

const Implementation& fast_implementation() {
  static const Implementation impl = make_fast();
  return impl;
}

}  // namespace lpc
