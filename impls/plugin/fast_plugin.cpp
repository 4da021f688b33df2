// liblpconform_fast_plugin.so — the bundled fast implementation (impls/fast) behind the vendor C
// ABI, so `lpconform run --impl plugin:.../liblpconform_fast_plugin.so` sends it through the same
// out-of-process path as a vendor's library every day (`make run` does).
//
// Encode takes the general path (every source, rounding and flags) and, for float32 inputs under
// a deterministic rounding without flags, the SIMD batch kernel; decode goes through to_f64.
#include <bit>
#include <exception>
#include <stdexcept>
#include <string>
#include <vector>

#include "impls/fast/formats/convert.hpp"
#include "impls/plugin/include/lpconform/vendor.h"

namespace {

thread_local std::string t_last_error;

// The worker calls one batch at a time, so each batch runs on the calling thread.
constexpr lpc::fast::Variant kBatchVariant{lpc::fast::Isa::Auto, 1, 0};

lpc_status fail(const std::string& message) {
  t_last_error = message;
  return LPC_STATUS_ERROR;
}

lpc_status encode(const lpc_encode_args* args) {
  const lpc::Format* format = lpc::find_format(args->format);
  if (!format) return LPC_STATUS_UNSUPPORTED;
  const lpc::EncodeParams params{static_cast<lpc::Rounding>(args->rounding), static_cast<lpc::Overflow>(args->overflow),
                                 args->sr_bits};
  const auto source = static_cast<lpc::Source>(args->source);
  try {
    const lpc::fast::Encoder encoder(*format, params, kBatchVariant);
    const std::span<const uint64_t> inputs(args->inputs, args->count);
    const std::span<uint32_t> codes(args->codes, args->count);
    if (source == lpc::Source::F32 && !lpc::is_stochastic(params.rounding) && !args->flags) {
      std::vector<float> values(args->count);
      for (size_t i = 0; i < values.size(); ++i) values[i] = std::bit_cast<float>(static_cast<uint32_t>(inputs[i]));
      encoder.from_f32(values, codes);
      return LPC_STATUS_OK;
    }
    const std::span<const uint32_t> random = args->random ? std::span<const uint32_t>(args->random, args->count)
                                                          : std::span<const uint32_t>{};
    encoder.encode(source, inputs, random, codes, args->flags ? std::span<uint8_t>(args->flags, args->count) : std::span<uint8_t>{});
    return LPC_STATUS_OK;
  } catch (const std::invalid_argument&) {
    return LPC_STATUS_UNSUPPORTED;  // a combination spec/formats.md rejects (wrap on a float, ...)
  } catch (const std::exception& e) {
    return fail(std::string("fast encode to '") + format->name + "': " + e.what());
  }
}

lpc_status decode(const lpc_decode_args* args) {
  const lpc::Format* format = lpc::find_format(args->format);
  if (!format) return LPC_STATUS_UNSUPPORTED;
  try {
    lpc::fast::Decoder(*format, kBatchVariant).to_f64({args->codes, args->count}, {args->values, args->count});
    return LPC_STATUS_OK;
  } catch (const std::exception& e) {
    return fail(std::string("fast decode of '") + format->name + "': " + e.what());
  }
}

const char* last_error() { return t_last_error.c_str(); }

const lpc_declaration kDeclarations[] = {
    {"nan_encoding", "the canonical NaN of spec/formats.md §5.3 with the sign of x; payloads are not propagated"},
    {"nan_into_nanless", "code 0 (+0) with the invalid flag"},
    {"inf_into_integer_wrap", "code 0 with the invalid flag"},
    {"decode_nan", "a quiet float64 NaN with the sign bit of the code (negative for a neg_zero NaN)"},
};

const lpc_vendor_descriptor kDescriptor = {
    sizeof(lpc_vendor_descriptor),
    LPC_VENDOR_ABI_VERSION,
    "lpconform-fast",
    LPC_VERSION,
    "the bundled optimized CPU implementation (impls/fast) through the vendor C ABI",
    LPC_CAPABILITY_FLAGS,
    kDeclarations,
    sizeof kDeclarations / sizeof kDeclarations[0],
    encode,
    decode,
    last_error,
};

}  // namespace

extern "C" const lpc_vendor_descriptor* lpc_vendor_get_descriptor(void) { return &kDescriptor; }
