// lpconform — ops, requirement items and cases: the values that flow through the runner, the CLI,
// the tests, the fuzzers and the reports.
//
// An Op is an operation family with the axes it depends on. An Item is one concrete requirement
// of a profile: an op over one format under one mode from one source type, with an input set.
// A Case is one concrete input vector for an op; it serializes to JSON and prints as a one-line
// repro command that reruns it through `lpconform eval`.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "conformance/core/implementation.hpp"
#include "spec/formats/format.hpp"
#include "spec/formats/modes.hpp"

namespace lpc {

struct OpInfo {
  Op op;
  const char* name;         // as on the command line and in profiles
  const char* axes;         // the axes a profile sweeps for this op
  const char* description;
};

// The op registry, one line per op (conformance/core/case.cpp); `lpconform list ops` prints it.
std::span<const OpInfo> all_ops();
const OpInfo& op_info(Op);
std::optional<Op> parse_op(std::string_view);

// The requantization modes a profile names (its `rounding` column for requantize rows) and
// signatures carry: a scheme, TOSA's multiplier width and INEXACT_ROUND. One line per mode in
// case.cpp. Names use '_' so that signatures split on '-'.
struct RequantMode {
  const char* name;  // "tosa_double"
  RequantScheme scheme;
  bool scale32;
  bool inexact;
};
std::span<const RequantMode> all_requant_modes();
// The mode's parameters for `input` -> `output` with the neutral scale 0.5 ((2^30, 31), scale16
// (2^14, 15), or the float 0.5): what a profile item holds; its cases set their own scales and
// zero points.
RequantParams requant_params(const RequantMode& mode, IntType input, IntType output);
// LSQ's grid from an integer format of spec/formats.csv (spec/quantizers.md §1.1 ranges): signed b
// bits [-2^(b-1), 2^(b-1) - 1], unsigned [0, 2^b - 1]; scale and grad scale 1.
LsqParams lsq_grid(const Format& integer_format);

// dynbits' statistic (max, mean, sum) and low value (truncate, rne) by name, both ways.
const char* dynbits_stat_name(DynStat stat);
const char* dynbits_low_value_name(DynLowValue value);
std::optional<DynStat> parse_dynbits_stat(std::string_view name);
std::optional<DynLowValue> parse_dynbits_low_value(std::string_view name);

// Which inputs an item checks. `all`: every bit pattern of a 16-bit source (encode) or every code
// of the format (decode). `boundary`: the reference's rounding breakpoints and their float32/
// float64 neighbours plus specials (conformance/formats/cases.hpp). `random`: that many seeded
// random values covering every binade. Written "all", "boundary", "random:N", "boundary+random:N".
struct InputSpec {
  bool all = false;
  bool boundary = false;
  uint32_t random = 0;
  std::string to_string() const;
  static std::optional<InputSpec> parse(std::string_view);
};

// One concrete requirement of a profile. Encode items use every field; decode items op, format,
// inputs and required; registry items op, inputs, required, schema and op_params.
struct Item {
  Op op = Op::Encode;
  const Format* format = nullptr;
  EncodeParams params;
  Source source = Source::F32;
  InputSpec inputs;
  bool required = true;
  // Op::Registered: the op's declaration and its item parameters (conformance/ops).
  const ops::OpSchema* schema = nullptr;
  ops::Params op_params;

  // "rne" for deterministic roundings, "sr_a_n4" for a stochastic one with 4 random bits.
  std::string rounding_name() const;
  // The stable signature of this item for implementation `impl`: impl-op-format-rounding-overflow-source
  // (encode), impl-decode-format; registry ops ops::signature. Format, mode and type names contain
  // no '-' and op names are matched longest first, so it splits back unambiguously.
  std::string signature(std::string_view impl) const;
};

// Appends the item's description to a JSON object, in this order: op, format, then for encode
// rounding, sr_bits (stochastic only), overflow, source; then inputs and requirement. The report
// and the vector-mode manifest both describe items this way. Registry ops: ops::append_fields.
void append_item_fields(const Item& item, nlohmann::ordered_json& j);

struct Case {
  Op op = Op::Encode;
  const Format* format = nullptr;  // encode, decode
  EncodeParams params;           // encode only
  Source source = Source::F32;   // encode only
  std::vector<uint64_t> inputs;  // source bit patterns (encode), codes (decode)
  std::vector<uint32_t> random;  // encode under a stochastic rounding: one word per input

  // A POSIX shell line that reruns this case: printf 'input\n0x3f800000\n' | lpconform eval ...
  std::string repro_command(std::string_view impl) const;
};

// {"op","format","rounding","overflow","sr_bits","source","inputs":[hex...],"random":[hex...]};
void to_json(nlohmann::json&, const Case&);
// Throws std::invalid_argument naming the field that is wrong.
void from_json(const nlohmann::json&, Case&);

// Hex text of a source bit pattern with the source's full width: "0x3f800000", "0x3f80".
std::string source_bits_hex(Source source, uint64_t bits);
// Hex text of a code with as many digits as the format needs: "0x7e", "0x7", "0x3f80".
std::string code_hex(const Format& format, uint32_t code);
int source_bits(Source source);  // 32, 64, 16, 16

}  // namespace lpc
