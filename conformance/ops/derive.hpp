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

// A case parameter of type Int in [min, max], `fallback` its default; fuzzing draws it from
// [fuzz_min, fuzz_max] when fuzz_max is set (cases the exact references finish quickly).
ParamSpec case_int(std::string name, std::string doc, std::string clause, std::string fallback, int64_t min, int64_t max,
                   int64_t fuzz_min = 0, int64_t fuzz_max = 0);
// The op's full parameter set from (name, text) pairs: every given name must be a parameter of
// the op and appear once; a missing parameter takes its default (a required one throws); then the
// op's params_error. Throws std::invalid_argument naming the op and the parameter.
Params make_params(const OpSchema& op, const std::vector<std::pair<std::string, std::string>>& given);
// The same check of parameters already typed (from JSON or a case generator).
void validate_params(const OpSchema& op, const Params& params);

// impl-op-V1-V2-..., the values of the op's item parameters in schema order, each after its
// signature_join ("-k32", "_n8"), '-' in a value written '_' so that the signature splits back on '-'.
std::string signature(const OpSchema& op, const Params& params, std::string_view impl);

// Report and manifest fields of an item: "op", then each item parameter by name — by its column
// where it has one, so an op profiles name in the format header keeps that vocabulary ("format") —
// then the fixed columns other than "-" ("source": "float32").
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

// One POSIX shell line that reruns `c` on `impl`: lpconform eval OP --NAME VALUE ... --impl IMPL,
// with the list tensors of an op that does not generate its inputs piped in (printf 'x\n0x3f800000\n' |).
// Every parameter and element is written, so parsing the line gives `c` back (the test round-trips it).
std::string repro_command(const OpCase& c, std::string_view impl);

// The input tensors of `c`'s parameters for an op that generates them (op.make_inputs).
std::vector<Tensor> generated_inputs(const OpSchema& op, const Params& params);

// The forms of case `c`'s outputs, values empty: the op's output_forms, or its default.
std::vector<Tensor> output_forms(const OpCase& c);
// Forms for an op whose outputs are lists: output k a list of lengths[k] elements of its type.
std::vector<Tensor> list_forms(const OpCase& c, const std::vector<size_t>& lengths);
// The length of the longest list input of `c` (0 without one).
size_t longest_list(const OpCase& c);

// Runs one case on an implementation: Unsupported when it has no entry point for registry ops or
// the op. The entry point is handed the output forms (output_forms) to fill or replace; its
// outputs' count, types and shapes are checked against them (Error naming the output): each
// output takes its form's shape, or is empty.
OpStatus run_case(const Implementation& impl, const OpCase& c, std::vector<Tensor>& outputs, std::string& error);

// Runs one case on oracle and subject and adds to `r`: checked, mismatches (all counted, the first
// `max_mismatches` of the item recorded with repro lines for the subject). Returns false when an
// entry point did not return Ok; r's status and message then say which and why. The runner and the
// fuzzer call this.
bool check_case(const OpCase& c, const Implementation& subject, const Implementation& oracle, size_t max_mismatches, ItemResult& r);

// Bytes a fuzzer hands over, read front to back; past the end every read gives 0.
struct ByteReader {
  std::span<const uint8_t> data;
  size_t pos = 0;
  uint64_t take(uint64_t bound);  // a value in [0, bound] from the next bytes
  bool empty() const { return pos >= data.size(); }
};
// A case of `op` decoded from fuzzer bytes by its declaration: each parameter in schema order (one
// of its fuzz_values, a choice by index, an integer in its fuzz range or range, a real as float32
// bits), then the inputs — generated from the parameters, or each list tensor's elements (up to
// `max_elements`; a finite tensor's NaN and infinities read as 0, a non-negative one's values as
// magnitudes). nullopt when the parameters break the op's rules, the inputs its inputs_error, or
// the op takes tensors with dimensions.
std::optional<OpCase> consume_case(const OpSchema& op, ByteReader& bytes, size_t max_elements);

// The verification of an item of a registry op: its item_verification, else the op's.
Verification item_verification(const Item& item);

// A Statistical item's draws (op.hpp StatisticalDeclaration): the oracle's distribution (the
// probability of each cell), the item's α (the family rate over `statistical_items` by
// Bonferroni), N for the declared power, and the cases drawing N samples. check_item and vector
// mode (`vectors gen` writes these cases) both call it. oracle_status not Ok: error says why.
struct StatisticalDraws {
  Verification verification;
  OpStatus oracle_status = OpStatus::Ok;
  std::string error;
  std::vector<double> probabilities;
  double alpha = 0;
  uint64_t samples = 0;
  std::vector<OpCase> cases;
};
StatisticalDraws statistical_draws(const Item& item, const Implementation& oracle, uint64_t seed, uint64_t statistical_items);
// The Statistical items of a profile (Bonferroni's m): the runner and vector mode count the same.
uint64_t statistical_item_count(std::span<const Item> items);

// Checks an item of a registry op: its cases, oracle and subject, compared under the op's mode
// (the compare hook; else Ulp or Exact). A Statistical item of an op with a statistical declaration
// runs the χ² test instead (op.hpp StatisticalDeclaration), at α = the family rate / context.statistical_items.
ItemResult check_item(const Item& item, const CheckContext& context);

// The entry point of a bundled implementation named `name`: the op's binding for that name, or
// Unsupported when the op binds none.
OpStatus bundled_run(std::string_view name, const OpCase& c, std::vector<Tensor>& outputs, std::string& error);

// Ulp(n): each float32 output finite and within n ulps (ordinal distance) of the oracle's.
void compare_ulp(const OpCase& c, std::span<const Tensor> got, std::span<const Tensor> want, int ulps, CompareSink& sink);
// A float32 value as the shortest decimal that reads back, with its bits: "0.35494262 (0x3eb5bb21)".
std::string float32_text(double v);

// Element-wise ops (sr-fixed, lsq, ...): element i of every output depends on element i of every
// list input alone. The case of that element alone: element i of each list input.
OpCase element_alone(const OpCase& c, size_t i);
// Their comparison: element i of every output together, one check per element, exactly
// (same_element); a mismatch describes the element by `describe` and the outputs by name
// ("q 3, y 2.5 (0x40200000)"), and its repro reruns the element alone.
void compare_elementwise(const OpCase& c, std::span<const Tensor> got, std::span<const Tensor> want, CompareSink& sink,
                         const std::function<std::string(const OpCase& c, size_t i)>& describe);

// Whether output k of got holds as many values as want's; if not, records the mismatch
// ("output 'NAME'": "N values" against "M values") as one check. Compare hooks call it before they
// read elements.
bool same_size(const OpCase& c, size_t k, std::span<const Tensor> got, std::span<const Tensor> want, CompareSink& sink);

// The exact elementwise comparison every op without a compare hook gets: each output tensor
// element by element (same_element), inputs described by their index.
void compare_exact(const OpCase& c, std::span<const Tensor> got, std::span<const Tensor> want, CompareSink& sink);

}  // namespace lpc::ops
