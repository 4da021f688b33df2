// liblpconform_fast_plugin.so and liblpconform_chip_plugin.so — a bundled implementation behind
// the vendor C ABI, so `lpconform run --impl plugin:.../liblpconform_fast_plugin.so` sends it
// through the same out-of-process path as a vendor's library every day (`make run` does). Built
// once per implementation: LPC_PLUGIN_BINDING names it ("fast" or "chip").
//
// fast: encode takes the general path (every source, rounding and flags) and, for float32 inputs
// under a deterministic rounding without flags, the SIMD batch kernel; decode goes through to_f64.
// Both: run_op takes every op of the registry the implementation binds to, through that binding:
// the C tensors become an OpCase and the binding's outputs are copied into the suite's buffers.
// The chip model has registry ops only, as in process (conformance/bundled/chip.cpp).
#include <algorithm>
#include <bit>
#include <exception>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "conformance/ops/op.hpp"
#include "impls/fast/formats/convert.hpp"
#include "impls/plugin/include/lpconform/vendor.h"

#ifndef LPC_PLUGIN_BINDING
#error "LPC_PLUGIN_BINDING: the bundled implementation's binding name, \"fast\" or \"chip\""
#endif

namespace {

const std::string kBinding = LPC_PLUGIN_BINDING;
constexpr bool kFormats = std::string_view(LPC_PLUGIN_BINDING) == "fast";

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

// The registry's ops the implementation binds to.
const std::vector<const char*>& bound_ops() {
  static const std::vector<const char*> names = [] {
    std::vector<const char*> out;
    for (const lpc::ops::OpSchema* op : lpc::ops::registered_ops())
      if (op->binding(kBinding)) out.push_back(op->name.c_str());
    return out;
  }();
  return names;
}

lpc::ops::Tensor tensor_of(const lpc_tensor& t) {
  const std::vector<uint64_t> shape(t.shape, t.shape + t.rank);
  if (t.element == LPC_ELEMENT_FLOAT64) {
    const auto* data = static_cast<const double*>(t.data);
    return lpc::ops::Tensor::reals(shape, std::vector<double>(data, data + t.count));
  }
  const auto* data = static_cast<const int64_t*>(t.data);
  return lpc::ops::Tensor::integers(shape, std::vector<int64_t>(data, data + t.count));
}

lpc_status run_op(const lpc_op_args* args) {
  using namespace lpc::ops;
  const OpSchema* op = find_op(args->op);
  const Binding* binding = op ? op->binding(kBinding) : nullptr;
  if (!binding) return LPC_STATUS_UNSUPPORTED;
  OpCase c{op, {}, {}};
  for (size_t i = 0; i < args->param_count; ++i) {
    const lpc_param& p = args->params[i];
    if (p.kind == LPC_VALUE_INT) c.params.set(p.name, p.integer);
    else if (p.kind == LPC_VALUE_REAL) c.params.set(p.name, p.real);
    else c.params.set(p.name, std::string(p.text ? p.text : ""));
  }
  for (size_t k = 0; k < args->input_count; ++k) c.inputs.push_back(tensor_of(args->inputs[k]));
  std::vector<Tensor> outputs;
  try {
    std::string error;
    if (const lpc::OpStatus status = (*binding)(c, outputs, error); status != lpc::OpStatus::Ok)
      return status == lpc::OpStatus::Unsupported ? LPC_STATUS_UNSUPPORTED : fail(kBinding + " " + op->name + ": " + error);
  } catch (const std::exception& e) {
    return fail(kBinding + " " + op->name + ": " + e.what());
  }
  if (outputs.size() != args->output_count) return fail(kBinding + " " + op->name + ": output count differs from the suite's");
  for (size_t k = 0; k < outputs.size(); ++k) {
    lpc_tensor& out = args->outputs[k];
    const Tensor& t = outputs[k];
    if (t.size() == 0) {
      out.count = 0;
      continue;
    }
    if (t.size() != out.count || t.is_float != (out.element == LPC_ELEMENT_FLOAT64))
      return fail(kBinding + " " + op->name + ": output '" + out.name + "' has " + std::to_string(t.size()) + " elements, the suite's buffer " +
                  std::to_string(out.count));
    if (t.is_float) std::copy(t.floats.begin(), t.floats.end(), static_cast<double*>(out.data));
    else std::copy(t.ints.begin(), t.ints.end(), static_cast<int64_t*>(out.data));
  }
  return LPC_STATUS_OK;
}

const char* last_error() { return t_last_error.c_str(); }

const lpc_declaration kDeclarations[] = {
    {"nan_encoding", "the canonical NaN of spec/formats.md §5.3 with the sign of x; payloads are not propagated"},
    {"nan_into_nanless", "code 0 (+0) with the invalid flag"},
    {"inf_into_integer_wrap", "code 0 with the invalid flag"},
    {"decode_nan", "a quiet float64 NaN with the sign bit of the code (negative for a neg_zero NaN)"},
};

}  // namespace

extern "C" const lpc_vendor_descriptor* lpc_vendor_get_descriptor(void) {
  static const lpc_vendor_descriptor descriptor = {
      sizeof(lpc_vendor_descriptor),
      LPC_VENDOR_ABI_VERSION,
      kFormats ? "lpconform-fast" : "lpconform-chip",
      LPC_VERSION,
      kFormats ? "the bundled optimized CPU implementation (impls/fast) through the vendor C ABI"
               : "the bundled chip model (impls/chip: systolic array, declared accumulators, vector processor) through the vendor C ABI",
      kFormats ? LPC_CAPABILITY_FLAGS : 0u,
      kFormats ? kDeclarations : nullptr,
      kFormats ? sizeof kDeclarations / sizeof kDeclarations[0] : 0,
      kFormats ? encode : nullptr,
      kFormats ? decode : nullptr,
      last_error,
      bound_ops().data(),
      bound_ops().size(),
      run_op,
  };
  return &descriptor;
}
