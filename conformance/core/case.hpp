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

#include "spec/formats/format.hpp"
#include "spec/formats/modes.hpp"

namespace lpc {

enum class Op : uint8_t { Encode, Decode };

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

// One concrete requirement of a profile. Encode items use every field; decode items use op,
// format, inputs and required only.
struct Item {
  Op op = Op::Encode;
  const Format* format = nullptr;
  EncodeParams params;
  Source source = Source::F32;
  InputSpec inputs;
  bool required = true;

  // "rne" for deterministic roundings, "sr_a_n4" for a stochastic one with 4 random bits.
  std::string rounding_name() const;
  // The stable signature of this item for implementation `impl`:
  // impl-op-format-rounding-overflow-source (encode) or impl-decode-format (decode). Format names
  // contain no '-', so the signature splits back unambiguously.
  std::string signature(std::string_view impl) const;
};

// Appends the item's description to a JSON object, in this order: op, format, then for encode
// rounding, sr_bits (stochastic only), overflow, source; then inputs and requirement. The report
// and the vector-mode manifest both describe items this way.
void append_item_fields(const Item& item, nlohmann::ordered_json& j);

struct Case {
  Op op = Op::Encode;
  const Format* format = nullptr;
  EncodeParams params;           // encode only
  Source source = Source::F32;   // encode only
  std::vector<uint64_t> inputs;  // source bit patterns (encode) or codes (decode)
  std::vector<uint32_t> random;  // encode under a stochastic rounding: one word per input

  // A POSIX shell line that reruns this case: printf 'input\n0x3f800000\n' | lpconform eval ...
  std::string repro_command(std::string_view impl) const;
};

// {"op","format","rounding","overflow","sr_bits","source","inputs":[hex...],"random":[hex...]}.
void to_json(nlohmann::json&, const Case&);
// Throws std::invalid_argument naming the field that is wrong.
void from_json(const nlohmann::json&, Case&);

// Hex text of a source bit pattern with the source's full width: "0x3f800000", "0x3f80".
std::string source_bits_hex(Source source, uint64_t bits);
// Hex text of a code with as many digits as the format needs: "0x7e", "0x7", "0x3f80".
std::string code_hex(const Format& format, uint32_t code);
int source_bits(Source source);  // 32, 64, 16, 16

}  // namespace lpc
