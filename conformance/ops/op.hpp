// lpconform — an op declared once (DESIGN.md "Op"): its parameter schema, its named typed tensors,
// its verification mode, its case generator and the bundled implementations bound to it. Profile
// rows, Case JSON, the repro command, `lpconform eval OP`, item signatures and `list ops` are all
// derived from this declaration (conformance/ops/derive.hpp); an op module (conformance/ops/<op>.cpp)
// fills one OpSchema and conformance/ops/registry.cpp lists it.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "conformance/core/verdict.hpp"
#include "conformance/ops/values.hpp"

namespace lpc::ops {

enum class ParamType : uint8_t {
  Int,      // a decimal integer in [min, max]
  Real,     // a decimal or hex-float real
  Float32,  // a float32: a decimal or hex float rounded to nearest, or its bits 0x3f800000 (held
            // exactly as a double; repro lines and signatures write the bits)
  Choice,   // one of choices() by name
  Text,     // free text (a path), checked by the op's params_error
};

// Item parameters are what a profile sweeps (its axes): they name the item, in this order, in its
// signature. Case parameters belong to one case and come from the op's case generator.
enum class ParamScope : uint8_t { Item, Case };

struct ParamSpec {
  std::string name;  // as in profiles, JSON and `--NAME` on the command line
  ParamType type = ParamType::Int;
  ParamScope scope = ParamScope::Case;
  std::string doc;                                    // one line
  std::string clause;                                 // where the spec defines it: "spec/chip.md §2"
  std::string default_text;                           // empty: the parameter is required
  int64_t min = 0, max = 0;                           // Int
  std::function<std::vector<std::string>()> choices;  // Choice: the names, in order
  std::string aliases;                                // further command-line names, ",--config"
  // Profiles with the format header (op,format,rounding,overflow,source,...): the column this item
  // parameter is read from; empty for none. A parameter that reads the whole column is reported
  // under the column's name ("format"), one that reads a part of it under its own name.
  std::string column;
  // The part of the column it reads: all of it, or the text before or after a ':' of each
  // alternative (sr-fixed's "floor:8" gives sign floor, sr_bits 8; an alternative without ':'
  // leaves the After parameter at its default).
  enum class Part : uint8_t { Whole, BeforeColon, AfterColon } part = Part::Whole;
  // A whole column's alternative as the choices it names, when the column keeps a vocabulary of
  // its own (ulq's "pow2:4" is pow2_b4); throws std::invalid_argument naming the parameter. Null:
  // the alternative is a choice or a '*' pattern over them.
  std::function<std::vector<std::string>(std::string_view alternative)> from_column;
  // Item parameters: the text that joins the value to the signature ("-k" gives mx-dot's "-k32",
  // "_n" sr-fixed's "floor_n8").
  std::string signature_join = "-";
  // Item parameters: the report field's name when neither the column's nor the parameter's
  // (tpr's phase, read from the overflow column, is reported as "phase").
  std::string report_as;
  // Item parameters: signatures and reports leave it out while it holds its default (tpr's random
  // bits under rne: "fast-tpr-even-rne").
  bool omit_default = false;
  // Item parameters: written to reports (false: only through the op's report_fields, as dynbits'
  // statistic and low value are, joined in its "variant").
  bool in_report = true;
  // Int: the values fuzzing draws, [fuzz_min, fuzz_max] when fuzz_max is set, else [min, max]: a
  // block of 1..40 keeps several blocks in a short input, a zero point of -128..255 an 8-bit type's.
  int64_t fuzz_min = 0, fuzz_max = 0;
  // The values fuzzing picks from (texts as parse_value reads them), for a parameter whose valid
  // values random bytes rarely hit (dynbits' layouts and budgets); empty: by type, a Text its
  // default.
  std::vector<std::string> fuzz_values;
};

enum class ElemType : uint8_t {
  Code,     // a code of a format (hex or decimal on input)
  Int,      // a two's-complement integer
  Float32,  // a float32 value (decimal or bits 0x3f800000 on input; bits in repro lines, the
            // shortest decimal that reads back on output)
  Real,     // a float64 value (exact decimal on output)
  Number,   // an integer or a real, as the case's parameters decide (an accumulator)
};

struct ByteReader;  // derive.hpp: fuzzer bytes

struct TensorSpec {
  std::string name;  // as in CSV headers, JSON and `--NAME FILE`
  ElemType type = ElemType::Int;
  // CSV index columns, outermost first: {"row", "col"}. None: a list, one element per row of a
  // table whose columns are the op's list tensors (`eval` reads them from stdin).
  std::vector<std::string> dims;
  std::string doc;        // shape rule and meaning, one line
  bool optional = false;  // may be absent (empty) under some parameters
  bool finite = false;    // Float32/Real inputs: NaN and infinities are outside the domain
  bool not_nan = false;   // Float32/Real inputs: NaN is outside the domain (infinities are in)
  bool non_negative = false;  // Float32/Real inputs: values below zero are outside the domain (-0 is in)
  // Int/Code list inputs: how fuzzing draws element `index` from bytes under the case's parameters,
  // for a domain uniform draws rarely hit (a sparse matrix's zeros, metadata words of valid fields);
  // null: uniformly in the element range.
  std::function<int64_t(const Params& p, size_t index, ByteReader& bytes)> fuzz_draw;
  // Float32/Real list inputs likewise (ulq's clips β > 0, its non-decreasing partition ratios);
  // null: any bit pattern, folded by finite, not_nan and non_negative.
  std::function<double(const Params& p, size_t index, ByteReader& bytes)> fuzz_draw_real;
};

// Where a comparison puts what it finds: counts, and the first mismatches described.
struct CompareSink {
  uint64_t checked = 0;     // outputs compared
  uint64_t mismatches = 0;  // outputs that disagreed
  uint64_t excluded = 0;    // outputs a mode could not judge (reported, never a pass or a fail)
  size_t max_recorded = 10;
  std::vector<Mismatch> first;  // input, got, want; the runner adds the repro
  // Beside each recorded mismatch: the smaller case its repro reruns (the element's block), or a
  // case without an op for the whole case.
  std::vector<OpCase> repro_cases;
  void mismatch(std::string input, std::string got, std::string want, OpCase repro_case = {});
};

// What a Statistical item of an op needs (Verification::Kind::Statistical; conformance/ops/derive.cpp
// check_item runs it for any op that declares it): the subject's outputs are draws from a
// distribution the oracle gives; their counts per cell go to a χ² test at the item's Bonferroni
// level, with N chosen for the declared power against the declared effect size.
struct StatisticalDeclaration {
  // The cases that draw `n` samples in all (n >= 1) from one distribution, generated from the
  // item and its seed; every case draws from the distribution of the first.
  std::function<std::vector<OpCase>(const Params& item, uint64_t seed, uint64_t n)> draws;
  // The probability of each cell under case `c`, from the oracle (Σ = 1); not Ok: the oracle's
  // status, its message in `error`.
  std::function<OpStatus(const OpCase& c, const Implementation& oracle, std::vector<double>& probabilities, std::string& error)> distribution;
  // Adds the subject's draws in outputs `got` of case `c` to `counts` (one per cell); a draw outside
  // every cell is returned as the reason the item fails ("sample 3: index 12 of 10 categories").
  std::function<std::optional<std::string>(const OpCase& c, std::span<const Tensor> got, std::vector<uint64_t>& counts)> tally;
};

// A bundled implementation's binding of one op: fill `outputs` (in schema order) from `c`.
using Binding = std::function<OpStatus(const OpCase& c, std::vector<Tensor>& outputs, std::string& error)>;

struct OpSchema {
  std::string name;     // "gemm"
  std::string summary;  // one line for `list ops` and `eval --help`
  std::string clause;   // "spec/chip.md §3, §5"
  std::vector<ParamSpec> params;
  std::vector<TensorSpec> inputs, outputs;
  Verification verification;  // its text is printed beside every verdict
  // The verification of an item whose parameters change it (requantize under INEXACT_ROUND is
  // PermittedSet); null: `verification` for every item.
  std::function<Verification(const Params& item)> item_verification;

  // Profiles with the format header: the text each column no parameter reads must hold ("-" when
  // not listed), and why.
  std::vector<std::pair<std::string, std::string>> fixed_columns;  // {column, text}
  // Further report fields of an item, written and never read ("source": "codes", a grid's "qmin"):
  // the vocabulary of the format-header reports, so JUnit names and report readers see what they
  // saw before the op moved into the registry. Null: none.
  std::function<std::vector<std::pair<std::string, Value>>(const Params& item)> report_fields;
  // Profile expansion: the item parameters from the outermost loop to the innermost; empty: schema
  // order. (Items keep the order their profiles always gave.)
  std::vector<std::string> sweep;

  // The first cross-parameter rule `p` breaks (every parameter already in range), or nullopt. An
  // item whose parameters break one is skipped by profile expansion; a case is rejected.
  std::function<std::optional<std::string>(const Params& p)> params_error;
  // The cases of an item, in order: each holds every parameter (the item's too) and its input
  // tensors (make_inputs' when the op generates them).
  std::function<std::vector<OpCase>(const Params& item, const InputSpec& inputs, uint64_t seed)> cases;
  // The input tensors a case's parameters generate (ops whose inputs are generated from a seed);
  // null when a case always carries its tensors.
  std::function<std::vector<Tensor>(const Params& p)> make_inputs;
  // The first rule element i of list input `input` breaks given the whole case (requantize: a value
  // outside the domain its channels accept), or nullopt; `eval` reports it at the element's line
  // and column. inputs_error still checks the whole case. Null: none.
  std::function<std::optional<std::string>(const OpCase& c, size_t input, size_t i)> element_error;
  // The first rule a case's input tensors break (shapes that do not fit together, codes outside
  // a format), or nullopt; null when any tensors of the declared types will do.
  std::function<std::optional<std::string>(const OpCase& c)> inputs_error;
  // Integer list inputs: the closed range element `input` must lie in under `p` (a grid's codes);
  // `eval` rejects a row outside it at its line and column, the fuzzer folds bytes into it. Null,
  // or nullopt for an input: any int64.
  std::function<std::optional<std::pair<int64_t, int64_t>>(const Params& p, size_t input)> element_range;
  // List inputs: the length of list `input` in a case whose longest list has `rows` elements (a
  // per-block list is shorter: ceil(rows / block)); null: every list has `rows`.
  std::function<size_t(const Params& p, size_t input, size_t rows)> list_length;
  // The shape of each output in case `c` and whether it holds reals (a Number output: as the
  // case's parameters decide): what a plugin's output buffers are allocated to. An implementation
  // may return an output empty instead (lsq-dot's acc after an overflow). Null: every output a
  // list as long as the longest list input, of its declared type (derive.hpp output_forms).
  std::function<std::vector<Tensor>(const OpCase& c)> output_forms;
  // Fuzzing: the longest list a case decoded from bytes may hold, reached through runs of one
  // repeated row (a bound that long vectors reach, such as an int32 overflow); 0: no runs.
  size_t fuzz_max_list = 0;
  // A rough cost of an item, for scheduling and sharding; null: 1000 per case.
  std::function<uint64_t(const Params& item, const InputSpec& inputs)> cost;
  // Compares the subject's outputs with the oracle's under the verification mode.
  std::function<void(const OpCase& c, std::span<const Tensor> got, std::span<const Tensor> want, CompareSink& sink)> compare;
  // Statistical items (item_verification's kind Statistical): how their draws are made and counted.
  std::optional<StatisticalDeclaration> statistical;
  // Bundled implementations by name ("reference", "fast", "chip").
  std::vector<std::pair<std::string, Binding>> bindings;
  // Declared variants of this op (legitimate departures a subject declares, as spec/formats.md §7's
  // for encode): each name with the reference computing under it. A run whose subject declares
  // one takes that binding as the oracle (conformance/core/variants.hpp).
  struct Variant {
    std::string name;    // "lsq_fma"
    std::string clause;  // where the spec defines it
    Binding reference;
  };
  std::vector<Variant> variants;

  const ParamSpec* param(std::string_view name) const;
  const Binding* binding(std::string_view implementation) const;
};

// The registry: every op declared this way, one line each (conformance/ops/registry.cpp).
std::span<const OpSchema* const> registered_ops();
// nullptr for an unknown name.
const OpSchema* find_op(std::string_view name);

}  // namespace lpc::ops
