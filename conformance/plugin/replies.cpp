#include "conformance/plugin/replies.hpp"

#include <bit>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <stdexcept>

#include "impls/plugin/include/lpconform/vendor.h"
#include "reference/formats/codec.hpp"
#include "spec/table/text.hpp"

namespace lpc::plugin {

using namespace plugin_wire;

namespace {

std::string hex(uint64_t value) {
  char text[24];
  std::snprintf(text, sizeof text, "0x%llx", static_cast<unsigned long long>(value));
  return text;
}

}  // namespace

Description parse_description(Tag tag, std::string_view payload, const std::string& where) {
  if (tag == Tag::LoadError) throw std::invalid_argument(repaired_text(Reader(payload).get_string()));
  if (tag != Tag::Describe) throw std::runtime_error(where + "unexpected reply to the descriptor request");
  Reader in(payload);
  Description d;
  auto text = [&] { return repaired_text(in.get_string()); };
  d.abi_version = in.get<uint32_t>();
  d.name = text();
  d.version = text();
  d.description = text();
  d.capabilities = in.get<uint32_t>();
  d.has_encode = in.get<uint8_t>() != 0;
  d.has_decode = in.get<uint8_t>() != 0;
  for (uint32_t n = in.get<uint32_t>(); n--;) {
    std::string behaviour = text();
    d.declarations.push_back({std::move(behaviour), text()});
  }
  d.has_run_op = in.get<uint8_t>() != 0;
  for (uint32_t n = in.get<uint32_t>(); n--;) d.ops.push_back(text());
  for (uint32_t n = in.get<uint32_t>(); n--;) d.variants.push_back(text());
  if (!in.done()) throw std::runtime_error(where + "descriptor reply longer than its fields");
  return d;
}

bool read_result_status(Tag tag, Reader& in, Attempt& a) {
  if (tag != Tag::Result) throw std::runtime_error("unexpected reply tag " + std::to_string(static_cast<uint32_t>(tag)));
  const auto status = in.get<uint32_t>();
  std::string message = repaired_text(in.get_string());
  if (status == LPC_STATUS_UNSUPPORTED) {
    a = {OpStatus::Unsupported, message};
  } else if (status == LPC_STATUS_ERROR) {
    a = {OpStatus::Error, message.empty() ? "the plugin returned LPC_STATUS_ERROR without a message" : message};
  } else if (status != LPC_STATUS_OK) {
    a = {OpStatus::Error, "the plugin returned " + std::to_string(status) + ", not an lpc_status"};
  } else {
    return true;
  }
  return false;
}

std::optional<uint32_t> code_of_value(const Format& format, double value) {
  // The reference's encode of the value (exact: a float64 source) under round-to-nearest, then its
  // decode must give the value back bit for bit (NaN as a class).
  const ref::ExactValue x = ref::ExactValue::from_source(Source::F64, std::bit_cast<uint64_t>(value));
  const EncodeParams params{Rounding::Rne, format.kind == FormatKind::Integer ? Overflow::Sat : Overflow::NonSat, 0};
  if (!ref::supports(format, params)) return std::nullopt;
  const ref::EncodeResult r = ref::encode(format, params, x);
  if (r.unspecified) return std::nullopt;
  const double back = ref::decode(format, r.code).to_double();
  if (std::isnan(value) ? !std::isnan(back) : std::bit_cast<uint64_t>(back) != std::bit_cast<uint64_t>(value)) return std::nullopt;
  return r.code;
}

std::string read_encode_outputs(Reader& in, const Format& format, std::span<uint32_t> codes, std::span<uint8_t> flags,
                                size_t begin, size_t count, bool want_flags, bool as_values) {
  if (as_values) {
    std::vector<double> values(count);
    in.get_array(values.data(), count);
    if (want_flags) in.get_array(flags.data() + begin, count);
    for (size_t i = 0; i < count; ++i) {
      const std::optional<uint32_t> code = code_of_value(format, values[i]);
      if (!code) {
        char text[64];
        std::snprintf(text, sizeof text, "%.17g", values[i]);
        return "malformed output: value " + std::string(text) + " for input #" + std::to_string(begin + i) + " is not a value of " + format.name +
               (std::bit_cast<uint64_t>(values[i]) == 0xA5A5A5A5A5A5A5A5u ? " (never written?)" : "");
      }
      codes[begin + i] = *code;
    }
  } else {
    in.get_array(codes.data() + begin, count);
    if (want_flags) in.get_array(flags.data() + begin, count);
  }
  // Malformed output: the worker pre-fills codes with 0xFFFFFFFF and flags with 0xFF.
  constexpr uint8_t kFlagMask = LPC_FLAG_INEXACT | LPC_FLAG_UNDERFLOW | LPC_FLAG_OVERFLOW | LPC_FLAG_INVALID;
  for (size_t i = begin; i < begin + count; ++i) {
    if (codes[i] > format.code_mask())
      return "malformed output: code " + hex(codes[i]) + " for input #" + std::to_string(i) + " does not fit the " +
             std::to_string(format.bits) + "-bit format" + (codes[i] == 0xFFFFFFFFu ? " (never written?)" : "");
    if (want_flags && (flags[i] & ~kFlagMask))
      return "malformed output: flags " + hex(flags[i]) + " for input #" + std::to_string(i) + " have bits outside the LPC_FLAG_* mask" +
             (flags[i] == 0xFF ? " (never written?)" : "");
  }
  return "";
}

std::string read_op_outputs(Reader& in, const std::vector<std::string>& names, std::vector<ops::Tensor>& outputs) {
  constexpr uint64_t kFill = 0xA5A5A5A5A5A5A5A5u;
  for (size_t k = 0; k < outputs.size(); ++k) {
    ops::Tensor& t = outputs[k];
    uint64_t capacity = 1;
    for (uint64_t d : t.shape) capacity *= d;
    const auto count = in.get<uint64_t>();
    if (count == 0) {
      t = t.is_float ? ops::Tensor::reals({0}, {}) : ops::Tensor::integers({0}, {});
      continue;
    }
    if (count != capacity)
      return "malformed output: the plugin set the count of output '" + names.at(k) + "' to " + std::to_string(count) + "; the case gives it " +
             std::to_string(capacity) + " elements (or 0 when it does not produce it)";
    std::vector<uint64_t> bits(capacity);
    in.get_array(bits.data(), bits.size());
    for (size_t i = 0; i < bits.size(); ++i)
      if (bits[i] == kFill) return "malformed output: element " + std::to_string(i) + " of output '" + names[k] + "' was never written";
    if (t.is_float) {
      t.floats.resize(capacity);
      std::memcpy(t.floats.data(), bits.data(), capacity * sizeof(double));
    } else {
      t.ints.assign(bits.begin(), bits.end());
    }
  }
  return "";
}

}  // namespace lpc::plugin
