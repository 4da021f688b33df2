// lpconform eval OP for every op of the registry (conformance/ops): the flags are the op's
// parameters, the input files its input tensors, the output CSV its output tensors — all derived
// from the declaration, so the repro command of a case (ops::repro_command) parses back here.
// Like the other eval ops, the whole input is validated first and stdout written only at the end;
// a bad row gives "FILE:LINE:COLUMN: ..." on stderr and exit status 2.
#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstring>
#include <fstream>
#include <iostream>
#include <map>
#include <memory>

#include "cli/commands.hpp"
#include "cli/npy.hpp"
#include "conformance/core/variants.hpp"
#include "conformance/ops/derive.hpp"
#include "spec/table/csv.hpp"

namespace lpc::cli {

namespace {

struct OpArguments {
  const ops::OpSchema* op = nullptr;
  std::map<std::string, std::string> params;  // given on the command line
  std::map<std::string, std::string> files;   // input tensor files
  std::map<std::string, std::string> npy;     // input tensors as .npy files, by name
  std::string npy_out;                        // outputs as PREFIX<name>.npy instead of CSV
  std::string impl = "reference";
  std::vector<std::string> variants;          // --variants: the reference under the op's declared variants
  std::string input = "-";                    // the list tensors' CSV
};

// The rule of `spec` a real element breaks ("is not finite", "is NaN", "is negative"), or nullptr:
// the one check of the CSV list and tensor readers and the NumPy reader.
const char* real_rule_broken(const ops::TensorSpec& spec, double v) {
  if (spec.finite && !std::isfinite(v)) return "is not finite";
  if (spec.not_nan && std::isnan(v)) return "is NaN";
  if (spec.non_negative && v < 0) return "is negative";
  return nullptr;
}

// Input `spec` from a NumPy file (vector mode, spec/vectors.md): its element kind, rank and values
// checked as the CSV readers check them; UsageError naming the file and the element.
ops::Tensor read_npy_input(const std::string& path, const ops::TensorSpec& spec, const ops::OpSchema& op, const ops::Params& params) {
  std::string origin;
  const std::string bytes = read_input(path, origin);
  ops::Tensor t;
  try {
    t = read_npy(bytes);
  } catch (const std::invalid_argument& e) {
    throw UsageError(origin + ": " + e.what());
  }
  const bool real = spec.type == ops::ElemType::Real || spec.type == ops::ElemType::Float32;
  auto fail = [&](const std::string& why) { throw UsageError(origin + ": input " + spec.name + ": " + why + " (" + spec.doc + ")"); };
  if (t.is_float != real) fail(std::string("holds ") + (t.is_float ? "floats" : "integers") + ", expected " + (real ? "floats ('<f4', '<f8')" : "integers ('<i8', ...)"));
  const size_t rank = spec.dims.empty() ? 1 : spec.dims.size();
  if (t.shape.size() != rank) fail("shape " + ops::shape_text(t.shape) + ", expected " + std::to_string(rank) + " dimension" + (rank > 1 ? "s" : ""));
  const auto range = op.element_range && spec.dims.empty() ? op.element_range(params, static_cast<size_t>(&spec - op.inputs.data())) : std::nullopt;
  for (size_t i = 0; i < t.size(); ++i) {
    const std::string at = "element " + std::to_string(i) + " ";
    if (real) {
      const double v = t.floats[i];
      if (spec.type == ops::ElemType::Float32 && !std::isnan(v) && static_cast<double>(static_cast<float>(v)) != v) fail(at + "is not a float32 value");
      if (const char* why = real_rule_broken(spec, v)) fail(at + why);
    } else if (range && (t.ints[i] < range->first || t.ints[i] > range->second)) {
      fail(at + std::to_string(t.ints[i]) + " is outside [" + std::to_string(range->first) + ", " + std::to_string(range->second) + "]");
    } else if (spec.type == ops::ElemType::Code && t.ints[i] < 0) {
      fail(at + "is a negative code");
    }
  }
  return t;
}

// The outputs as PREFIX<name>.npy, one file per output produced (an empty one writes none).
void write_npy_outputs(const std::string& prefix, const ops::OpSchema& op, const std::vector<ops::Tensor>& outputs) {
  for (size_t k = 0; k < outputs.size(); ++k) {
    if (outputs[k].size() == 0) continue;
    const std::string path = prefix + op.outputs[k].name + ".npy";
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out << npy_bytes(outputs[k]);
    if (!out.flush()) throw InfrastructureError("cannot write '" + path + "': " + std::strerror(errno));
  }
}

// A float64 written in decimal (or a hex float), exactly as read; nullopt when malformed.
std::optional<double> parse_float64(const std::string& s) {
  double v = 0;
  const auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (s.empty() || ec != std::errc() || p != s.data() + s.size()) return std::nullopt;
  return v;
}

std::optional<double> as_double(std::optional<float> f) { return f ? std::optional<double>(*f) : std::nullopt; }

std::string value_column(const ops::TensorSpec& spec) { return spec.type == ops::ElemType::Code ? "code" : "value"; }

// A tensor from CSV "DIM,...,DIM,code|value": every index of the box [0, n0) x ... once, in any order.
ops::Tensor read_tensor(const std::string& path, const ops::TensorSpec& spec) {
  std::string origin;
  const std::string text = read_input(path, origin);
  CsvReader reader(text, origin, true);
  std::vector<std::string> header = spec.dims;
  header.push_back(value_column(spec));
  reader.expect_header({header});
  const size_t rank = spec.dims.size();
  struct Entry {
    std::vector<uint64_t> index;
    double real = 0;
    int64_t integer = 0;
    size_t line = 0;
  };
  std::vector<Entry> entries;
  std::vector<uint64_t> shape(rank, 0);
  for (CsvRecord row; reader.next(row);) {
    if (row.fields.size() != rank + 1) reader.fail(row.line, 1, "expected " + std::to_string(rank + 1) + " fields, got " + std::to_string(row.fields.size()));
    Entry e;
    e.line = row.line;
    for (size_t d = 0; d < rank; ++d) {
      const std::string& s = row.fields[d].text;
      uint64_t v = 0;
      auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
      if (s.empty() || ec != std::errc() || end != s.data() + s.size() || v >= (uint64_t{1} << 24))
        reader.fail(row, row.fields[d], "malformed " + spec.dims[d] + " '" + s + "', expected an integer in [0, 2^24)");
      e.index.push_back(v);
      shape[d] = std::max(shape[d], v + 1);
    }
    const std::string& s = row.fields[rank].text;
    if (spec.type == ops::ElemType::Real || spec.type == ops::ElemType::Float32) {
      if (const std::optional<double> f = spec.type == ops::ElemType::Real ? parse_float64(s) : as_double(parse_float32(s))) e.real = *f;
      else reader.fail(row, row.fields[rank], "malformed value '" + s + "' of " + spec.name + ", expected a float32 (decimal or bits 0x3f800000)");
      if (const char* why = real_rule_broken(spec, e.real)) reader.fail(row, row.fields[rank], spec.name + " " + why + " (" + spec.doc + ")");
    } else {
      const bool hex = spec.type == ops::ElemType::Code && s.size() > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X');
      auto [end, ec] = std::from_chars(s.data() + (hex ? 2 : 0), s.data() + s.size(), e.integer, hex ? 16 : 10);
      if (s.empty() || ec != std::errc() || end != s.data() + s.size() || (spec.type == ops::ElemType::Code && e.integer < 0))
        reader.fail(row, row.fields[rank], "malformed " + value_column(spec) + " '" + s + "' of " + spec.name +
                                               (spec.type == ops::ElemType::Code ? ", expected a code, hex like 0x7e or decimal" : ", expected an integer"));
    }
    entries.push_back(std::move(e));
  }
  uint64_t count = 1;
  for (uint64_t n : shape) count *= n;
  if (entries.empty()) count = 0;
  if (entries.size() != count)
    reader.fail(entries.empty() ? 1 : entries.back().line, 1,
                spec.name + ": " + std::to_string(entries.size()) + " entries for " + std::to_string(count) + " indexes; every index must appear exactly once");
  ops::Tensor t;
  t.is_float = spec.type == ops::ElemType::Real || spec.type == ops::ElemType::Float32;
  t.shape = entries.empty() ? std::vector<uint64_t>{0} : shape;
  std::vector<bool> seen(count);
  if (t.is_float) t.floats.assign(count, 0);
  else t.ints.assign(count, 0);
  for (const Entry& e : entries) {
    uint64_t flat = 0;
    for (size_t d = 0; d < rank; ++d) flat = flat * shape[d] + e.index[d];
    if (seen[flat]) reader.fail(e.line, 1, spec.name + ": index repeated");
    seen[flat] = true;
    if (t.is_float) t.floats[flat] = e.real;
    else t.ints[flat] = e.integer;
  }
  return t;
}

// The list tensors (no dims) of `op` from one CSV: a header of their names (optional ones may be
// left out), a row per element. A list shorter than the others ends with blank cells (mx-dot's
// per-block scales beside its elements).
std::vector<ops::Tensor> read_lists(const std::string& path, const ops::OpSchema& op, const ops::Params& params) {
  std::string origin;
  const std::string text = read_input(path, origin);
  // The accepted headers: the lists in the op's order, any optional ones left out (fewest first).
  std::vector<size_t> optional;
  for (size_t k = 0; k < op.inputs.size(); ++k)
    if (op.inputs[k].optional) optional.push_back(k);
  std::vector<std::vector<std::string>> headers;
  std::vector<std::vector<const ops::TensorSpec*>> header_specs;
  for (uint64_t mask = 0; mask < (uint64_t{1} << optional.size()); ++mask) {
    std::vector<std::string> names;
    std::vector<const ops::TensorSpec*> specs;
    for (size_t k = 0, o = 0; k < op.inputs.size(); ++k) {
      const bool is_optional = o < optional.size() && optional[o] == k;
      if (is_optional && !(mask >> o++ & 1)) continue;
      names.push_back(op.inputs[k].name);
      specs.push_back(&op.inputs[k]);
    }
    headers.push_back(std::move(names));
    header_specs.push_back(std::move(specs));
  }
  CsvReader reader(text, origin, true);
  const size_t header = reader.expect_header(headers);
  const std::vector<const ops::TensorSpec*> specs = header_specs[header];
  const size_t columns = specs.size();
  std::vector<ops::Tensor> lists(specs.size());
  std::vector<std::optional<std::pair<int64_t, int64_t>>> ranges(specs.size());
  for (size_t k = 0; k < specs.size(); ++k)
    if (op.element_range) ranges[k] = op.element_range(params, static_cast<size_t>(specs[k] - op.inputs.data()));
  for (size_t k = 0; k < specs.size(); ++k) lists[k].is_float = specs[k]->type == ops::ElemType::Real || specs[k]->type == ops::ElemType::Float32;
  std::vector<size_t> ended(specs.size(), 0);  // the line of a list's first blank cell
  std::vector<std::vector<std::pair<size_t, size_t>>> at(specs.size());  // each element's line and column
  for (CsvRecord row; reader.next(row);) {
    if (row.fields.size() != columns) reader.fail(row.line, 1, "expected " + std::to_string(columns) + " fields, got " + std::to_string(row.fields.size()));
    for (size_t k = 0; k < specs.size(); ++k) {
      const ops::TensorSpec& spec = *specs[k];
      const CsvField& field = row.fields[k];
      if (field.text.empty()) {
        if (!ended[k]) ended[k] = row.line;
        continue;
      }
      if (ended[k])
        reader.fail(row, field, spec.name + " continues after its blank cell on line " + std::to_string(ended[k]) + " (a shorter list ends with blank cells)");
      if (lists[k].is_float) {
        const std::optional<double> f = spec.type == ops::ElemType::Real ? parse_float64(field.text) : as_double(parse_float32(field.text));
        if (!f)
          reader.fail(row, field, "malformed " + spec.name + " '" + field.text + "', expected " +
                                      (spec.type == ops::ElemType::Real ? "a decimal number" : "a float32 as a decimal or as bits like 0x3f800000"));
        if (const char* why = real_rule_broken(spec, *f)) reader.fail(row, field, spec.name + " " + why + " (" + spec.doc + ")");
        lists[k].floats.push_back(*f);
        at[k].emplace_back(row.line, field.column);
      } else {
        int64_t v = 0;
        const std::string& s = field.text;
        const bool hex = s.size() > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X');
        auto [end, ec] = std::from_chars(s.data() + (hex ? 2 : 0), s.data() + s.size(), v, hex ? 16 : 10);
        if (s.empty() || ec != std::errc() || end != s.data() + s.size()) reader.fail(row, field, "malformed " + spec.name + " '" + s + "', expected an integer");
        if (const auto& r = ranges[k]; r && (v < r->first || v > r->second))
          reader.fail(row, field, spec.name + " " + s + " is outside [" + std::to_string(r->first) + ", " + std::to_string(r->second) + "] (" + spec.doc + ")");
        lists[k].ints.push_back(v);
        at[k].emplace_back(row.line, field.column);
      }
    }
  }
  std::vector<ops::Tensor> inputs;
  for (const ops::TensorSpec& t : op.inputs) {
    size_t k = 0;
    while (k < specs.size() && specs[k] != &t) ++k;
    ops::Tensor tensor = k < specs.size() ? std::move(lists[k]) : ops::Tensor{};
    tensor.shape = {tensor.size()};
    inputs.push_back(std::move(tensor));
  }
  // Rules an element breaks given the whole case (a value outside the domain its channel accepts),
  // reported at the element's line and column.
  if (op.element_error) {
    const ops::OpCase whole{&op, params, inputs};
    for (size_t k = 0; k < specs.size(); ++k) {
      const size_t input = static_cast<size_t>(specs[k] - op.inputs.data());
      for (size_t i = 0; i < at[k].size(); ++i)
        if (auto e = op.element_error(whole, input, i)) reader.fail(at[k][i].first, at[k][i].second, *e);
    }
  }
  return inputs;
}

int run_op(const OpArguments& args) {
  const ops::OpSchema& op = *args.op;
  const Implementation& chosen = implementation_by_name(args.impl);
  // The reference as the verdict's oracle computes for a subject that declares these variants.
  for (const std::string& v : args.variants)
    if (std::none_of(op.variants.begin(), op.variants.end(), [&](const auto& d) { return d.name == v; })) {
      std::string names;
      for (const auto& d : op.variants) names += (names.empty() ? "" : ", ") + d.name;
      throw UsageError("--variants: " + op.name + " declares no variant '" + v + "'" + (names.empty() ? "" : "; its variants: " + names));
    }
  if (!args.variants.empty() && chosen.name != "reference") throw UsageError("--variants: only the reference computes under declared variants");
  const Implementation under = under_variants(chosen, args.variants);
  const Implementation& impl = args.variants.empty() ? chosen : under;
  // 1. Parameters, then the inputs: from files when any is given, else generated from the
  //    parameters (the form repro commands use).
  std::vector<std::pair<std::string, std::string>> given(args.params.begin(), args.params.end());
  ops::OpCase c{&op, ops::make_params(op, given), {}};
  bool lists = true;
  for (const ops::TensorSpec& t : op.inputs) lists = lists && t.dims.empty();
  if (!args.npy.empty()) {
    for (const auto& given : args.npy)
      if (std::none_of(op.inputs.begin(), op.inputs.end(), [&](const ops::TensorSpec& t) { return t.name == given.first; }))
        throw UsageError("--npy " + given.first + "=" + given.second + ": " + op.name + " has no input '" + given.first + "'");
    for (const ops::TensorSpec& spec : op.inputs) {
      const auto it = args.npy.find(spec.name);
      if (it != args.npy.end()) c.inputs.push_back(read_npy_input(it->second, spec, op, c.params));
      else if (spec.optional) c.inputs.push_back(ops::Tensor{spec.type == ops::ElemType::Real || spec.type == ops::ElemType::Float32, {0}, {}, {}});
      else throw UsageError("eval " + op.name + ": give --npy " + spec.name + "=FILE (" + spec.doc + ")");
    }
    if (op.element_error)
      for (size_t k = 0; k < op.inputs.size(); ++k)
        for (size_t i = 0; op.inputs[k].dims.empty() && i < c.inputs[k].size(); ++i)
          if (auto e = op.element_error(c, k, i)) throw UsageError(args.npy.at(op.inputs[k].name) + ": element " + std::to_string(i) + ": " + *e);
  } else if (args.files.empty() && op.make_inputs) {
    c.inputs = op.make_inputs(c.params);
  } else if (lists) {
    c.inputs = read_lists(args.input, op, c.params);
  } else {
    for (const ops::TensorSpec& spec : op.inputs) {
      const auto it = args.files.find(spec.name);
      if (it != args.files.end()) c.inputs.push_back(read_tensor(it->second, spec));
      else if (spec.optional) c.inputs.push_back(ops::Tensor{spec.type == ops::ElemType::Real, {0}, {}, {}});
      else throw UsageError("eval " + op.name + ": give --" + spec.name + " FILE (" + spec.doc + "), or no input file to generate every input");
    }
  }
  if (op.inputs_error)
    if (auto e = op.inputs_error(c)) throw UsageError("eval " + op.name + ": " + *e);
  // 2. Run, then write everything at once.
  std::vector<ops::Tensor> outputs;
  std::string error;
  if (const OpStatus s = ops::run_case(impl, c, outputs, error); s != OpStatus::Ok) {
    std::cerr << "lpconform: " << impl.name << (s == OpStatus::Unsupported ? " does not support " + op.name : " failed")
              << (error.empty() ? "" : ": " + error) << "\n";
    return 1;
  }
  // A decoder that rejects its input says where in an error_offset output (spec/weight_codecs.md §4):
  // bad input, exit 2, except in vector mode, where the rejection is the result to record.
  for (size_t k = 0; k < op.outputs.size(); ++k)
    if (op.outputs[k].name == "error_offset" && outputs[k].size() == 1 && outputs[k].ints[0] >= 0) {
      std::cerr << "lpconform: eval " << op.name << ": " << op.inputs.front().name << ": byte " << outputs[k].ints[0] << (error.empty() ? "" : ": " + error)
                << (args.npy_out.empty() ? "" : " (recorded in " + args.npy_out + "error_offset.npy)") << "\n";
      if (args.npy_out.empty()) return 2;
    }
  if (!args.npy_out.empty()) {
    write_npy_outputs(args.npy_out, op, outputs);
    return 0;
  }
  // Outputs of one shape share a table: index columns, then one column per output (an optional
  // output left empty is left out; a shorter one ends with blank cells).
  std::vector<size_t> shown;
  for (size_t k = 0; k < outputs.size(); ++k)
    if (outputs[k].size() || !op.outputs[k].optional) shown.push_back(k);
  std::string out;
  const ops::TensorSpec& first = op.outputs.front();
  for (const std::string& d : first.dims) out += d + ",";
  for (size_t j = 0; j < shown.size(); ++j) out += op.outputs[shown[j]].name + (j + 1 < shown.size() ? "," : "\n");
  const std::vector<uint64_t>& shape = outputs.front().shape;
  size_t rows = 0;
  for (const ops::Tensor& t : outputs) rows = std::max(rows, t.size());
  auto text = [&](size_t k, size_t i) {
    if (i >= outputs[k].size()) return std::string();
    if (op.outputs[k].type == ops::ElemType::Float32) return shortest(static_cast<float>(outputs[k].floats[i]));
    if (op.outputs[k].type == ops::ElemType::Code) {
      char hex[24];
      std::snprintf(hex, sizeof hex, "0x%llx", static_cast<unsigned long long>(outputs[k].ints[i]));
      return std::string(hex);
    }
    return ops::element_text(outputs[k], i);
  };
  for (size_t i = 0; i < rows; ++i) {
    std::string index;
    uint64_t rest = i;
    for (size_t d = first.dims.empty() ? 0 : shape.size(); d-- > 0;) {
      index = std::to_string(rest % shape[d]) + "," + index;
      rest /= shape[d];
    }
    out += index;
    for (size_t j = 0; j < shown.size(); ++j) out += text(shown[j], i) + (j + 1 < shown.size() ? "," : "\n");
  }
  std::cout << out << std::flush;
  return 0;
}

std::string help_text(const ops::OpSchema& op) {
  bool lists = true;
  for (const ops::TensorSpec& t : op.inputs) lists = lists && t.dims.empty();
  std::string h = op.summary + (lists ? ".\nstdin: CSV with a column per input, a row per element:\n"
                                      : ".\nInputs (--NAME FILE, CSV 'index columns,code|value'; none given: generated from the parameters):\n");
  for (const ops::TensorSpec& t : op.inputs) h += "  " + t.name + ": " + t.doc + "\n";
  h += "stdout: CSV of the outputs (a shorter one ends with blank cells): float32 as the shortest decimal that reads back, codes in hex, other\n"
       "values exact (nan, inf, -inf; -0 kept):\n";
  for (const ops::TensorSpec& t : op.outputs) h += "  " + t.name + ": " + t.doc + "\n";
  return h + "Verification in `run`: " + op.verification.describe(Op::Registered);
}

}  // namespace

std::function<std::optional<int>()> add_eval_registry(CLI::App& eval) {
  std::vector<std::pair<CLI::App*, std::shared_ptr<OpArguments>>> subs;
  for (const ops::OpSchema* op : ops::registered_ops()) {
    auto args = std::make_shared<OpArguments>();
    args->op = op;
    CLI::App* sub = eval.add_subcommand(op->name, help_text(*op));
    for (const ops::ParamSpec& p : op->params) {
      std::string doc = p.doc + " (" + p.clause + ")";
      if (p.type == ops::ParamType::Choice) {
        std::string names;
        for (const std::string& n : p.choices()) names += (names.empty() ? "" : " | ") + n;
        doc += ": " + names;
      } else if (p.type == ops::ParamType::Int) {
        doc += ", " + std::to_string(p.min) + ".." + std::to_string(p.max);
      } else if (p.type == ops::ParamType::Float32) {
        doc += ": a float32 as a decimal, a hex float (0x1p-3) or its bits (0x3e000000)";
      }
      if (!p.default_text.empty()) doc += "; default " + p.default_text;
      sub->add_option_function<std::string>("--" + p.name + p.aliases, [args, name = p.name](const std::string& v) { args->params[name] = v; }, doc);
    }
    bool lists = true;
    for (const ops::TensorSpec& t : op->inputs) lists = lists && t.dims.empty();
    if (lists) {
      sub->add_option("--input,-i", args->input, "Read the inputs' CSV from this file instead of stdin")->capture_default_str();
    } else {
      for (const ops::TensorSpec& t : op->inputs)
        sub->add_option_function<std::string>("--" + t.name, [args, name = t.name](const std::string& v) { args->files[name] = v; },
                                              "Input " + t.name + " (CSV); - for stdin");
    }
    sub->add_option_function<std::vector<std::string>>(
        "--npy",
        [args](const std::vector<std::string>& values) {
          for (const std::string& v : values) {
            const size_t eq = v.find('=');
            if (eq == std::string::npos || eq == 0) throw UsageError("--npy: expected NAME=FILE.npy, got '" + v + "'");
            args->npy[v.substr(0, eq)] = v.substr(eq + 1);
          }
        },
        "Input tensor NAME from a NumPy .npy file (NAME=FILE, repeatable; vector mode: spec/vectors.md)");
    sub->add_option("--npy-out", args->npy_out, "Write each output produced to PREFIX<name>.npy instead of CSV on stdout");
    sub->add_option("--impl", args->impl, "Implementation: reference | fast | chip | plugin:PATH (see `lpconform list impls`)")->capture_default_str();
    if (!op->variants.empty()) {
      std::string names;
      for (const auto& v : op->variants) names += (names.empty() ? "" : ", ") + v.name + " (" + v.clause + ")";
      sub->add_option("--variants", args->variants,
                      "The reference under declared variants, as the verdict computes it for a subject declaring them: " + names)
          ->delimiter(',');
    }
    subs.emplace_back(sub, args);
  }
  return [subs]() -> std::optional<int> {
    for (const auto& [sub, args] : subs)
      if (sub->parsed()) return run_op(*args);
    return std::nullopt;
  };
}

}  // namespace lpc::cli
