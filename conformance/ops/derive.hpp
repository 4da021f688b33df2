// lpconform — everything derived from an op's declaration (op.hpp), written once for every op:
// parameter parsing and validation, item signatures and report fields, profile rows, Case JSON,
// the repro command, the check of an item, and the bundled implementations' entry point.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "conformance/core/check_context.hpp"
#include "conformance/ops/op.hpp"

namespace lpc::ops {

// Parses `text` as a value of parameter `spec`; throws std::invalid_argument "parameter 'NAME':
// expected ..., got '...'" (range, choices, syntax).
Value parse_value(const ParamSpec& spec, std::string_view text);

// The op's full parameter set from (name, text) pairs: every given name must be a parameter of
// the op and appear once; a missing parameter takes its default (a required one throws); then the
// op's params_error. Throws std::invalid_argument naming the op and the parameter.
Params make_params(const OpSchema& op, const std::vector<std::pair<std::string, std::string>>& given);
// The same check of parameters already typed (from JSON or a case generator).
void validate_params(const OpSchema& op, const Params& params);

// impl-op-V1-V2-..., the values of the op's item parameters in schema order, '-' in a value
// written '_' so that the signature splits back on '-'.
std::string signature(const OpSchema& op, const Params& params, std::string_view impl);

// Report and manifest fields of an item: "op", then each item parameter by name.
void append_fields(const OpSchema& op, const Params& params, nlohmann::ordered_json& j);

// The items of one profile row of the registry form "op,params,inputs,requirement": `params` is
// "NAME=ALT|ALT;NAME=..." with '*' patterns over a choice's names; an item parameter the row does
// not name takes its default (or, for a choice without one, every choice). Combinations that break
// params_error are skipped. Throws std::invalid_argument with the reason (the profile parser adds
// file, line and column).
std::vector<Params> expand_row(const OpSchema& op, std::string_view params_field);

// {"op": NAME, "params": {NAME: value...}, "inputs": {NAME: {"shape": [...], "values": [...]}}};
// inputs are left out when the op generates them from its parameters.
nlohmann::json case_json(const OpCase& c);
// Throws std::invalid_argument naming the field.
OpCase case_from_json(const nlohmann::json& j);

// One POSIX shell line that reruns `c` on `impl`: lpconform eval OP --NAME VALUE ... --impl IMPL.
// Every parameter is written, so parsing the line gives `c` back (the test round-trips it).
std::string repro_command(const OpCase& c, std::string_view impl);

// The input tensors of `c`'s parameters for an op that generates them (op.make_inputs).
std::vector<Tensor> generated_inputs(const OpSchema& op, const Params& params);

// Runs one case on an implementation: Unsupported when it has no entry point for registry ops or
// the op; checks the outputs' count and types against the schema (Error naming the output).
OpStatus run_case(const Implementation& impl, const OpCase& c, std::vector<Tensor>& outputs, std::string& error);

// Checks an item of a registry op: its cases, oracle and subject, compared under the op's mode.
ItemResult check_item(const Item& item, const CheckContext& context);

// The entry point of a bundled implementation named `name`: the op's binding for that name, or
// Unsupported when the op binds none.
OpStatus bundled_run(std::string_view name, const OpCase& c, std::vector<Tensor>& outputs, std::string& error);

// The exact elementwise comparison every op without a compare hook gets: each output tensor
// element by element (same_element), inputs described by their index.
void compare_exact(const OpCase& c, std::span<const Tensor> got, std::span<const Tensor> want, CompareSink& sink);

}  // namespace lpc::ops
