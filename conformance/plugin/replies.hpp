// lpconform — reading a vendor plugin's replies (the worker relays what the plugin returned:
// impls/plugin/worker_protocol.hpp). The plugin is outside code, so its replies are outside input:
// every check on them lives here, apart from the process plumbing, so that
// fuzz/parsers/plugin_replies_fuzzer.cpp can hold these functions to their contract on any bytes.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "conformance/core/implementation.hpp"
#include "impls/plugin/worker_protocol.hpp"
#include "spec/table/text.hpp"

namespace lpc::plugin {

// Every text a plugin hands over goes through repaired_text (spec/table/text.hpp).
using ::lpc::repaired_text;

// The plugin's descriptor, as the worker's Describe reply carries it (every text repaired).
struct Description {
  uint32_t abi_version = 0, capabilities = 0;
  std::string name, version, description;
  bool has_encode = false, has_decode = false;
  std::vector<Declaration> declarations;
  bool has_run_op = false;       // version 2's generic entry point
  std::vector<std::string> ops;  // the ops it takes
  std::vector<std::string> variants;  // spec/formats.md §7 variants it declares
};

// Reads a reply to the Describe request. `where` ("plugin:PATH: ") starts every message. Throws
// std::invalid_argument for a LoadError reply (the worker's message) and std::runtime_error for
// anything malformed: another tag, a payload too short or too long.
Description parse_description(plugin_wire::Tag tag, std::string_view payload, const std::string& where);

// The outcome of one request: a status and, unless Ok, why.
struct Attempt {
  OpStatus status = OpStatus::Ok;
  std::string error;
  bool malformed_reply = false;  // the reply itself broke the wire format: the worker's state is unknown
};

// Reads a Result reply: the plugin's lpc_status and message (repaired), then on LPC_STATUS_OK its outputs
// through `read_outputs(reader)`, which returns "" or why they are malformed. Never throws: a
// malformed reply is OpStatus::Error with the reason, like a malformed output.
template <class ReadOutputs>
Attempt parse_result(plugin_wire::Tag tag, std::string_view payload, const ReadOutputs& read_outputs);

// The outputs of an encode reply for inputs [begin, begin + count) of the batch: codes (or, from a
// plugin with LPC_CAPABILITY_VALUES, values, each mapped to its code exactly), then flags when
// `want_flags`; "" or why they are malformed (a code wider than the format, a value that is not
// one of the format's, flag bits outside the LPC_FLAG_* mask, an output the worker's pre-fill
// shows was never written).
std::string read_encode_outputs(plugin_wire::Reader& in, const Format& format, std::span<uint32_t> codes,
                                std::span<uint8_t> flags, size_t begin, size_t count, bool want_flags, bool as_values = false);

// The code of `format` whose value is `value` exactly (a NaN: the format's canonical NaN, -0: the
// code of -0), or nullopt when the format holds no such value.
std::optional<uint32_t> code_of_value(const Format& format, double value);

// The outputs of an op reply into `outputs`, the case's output forms (shape, element type) named
// by `names`: per output the count the plugin set, then its elements when that is the form's
// count; a count of 0 leaves the output empty. "" or why they are malformed (another count, an
// element still holding the worker's 0xA5 pre-fill: never written).
std::string read_op_outputs(plugin_wire::Reader& in, const std::vector<std::string>& names, std::vector<ops::Tensor>& outputs);

// Implementation detail of parse_result: the status and message, or an Attempt that ends it.
bool read_result_status(plugin_wire::Tag tag, plugin_wire::Reader& in, Attempt& attempt);

template <class ReadOutputs>
Attempt parse_result(plugin_wire::Tag tag, std::string_view payload, const ReadOutputs& read_outputs) {
  Attempt a;
  try {
    plugin_wire::Reader in(payload);
    if (!read_result_status(tag, in, a)) return a;
    if (std::string malformed = read_outputs(in); !malformed.empty()) return {OpStatus::Error, malformed, false};
    if (!in.done()) throw std::runtime_error("reply longer than its outputs");
  } catch (const std::runtime_error& e) {
    return {OpStatus::Error, std::string("malformed reply from the worker: ") + e.what(), true};
  }
  return a;
}

}  // namespace lpc::plugin
