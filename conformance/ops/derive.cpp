#include "conformance/ops/derive.hpp"

#include <algorithm>
#include <bit>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <numeric>
#include <stdexcept>

#include <nlohmann/json.hpp>

#include "conformance/core/profile.hpp"  // glob_match
#include "conformance/statistics/chi_square.hpp"

namespace lpc::ops {

namespace {

std::string join(const std::vector<std::string>& names) {
  std::string out;
  for (const std::string& n : names) out += (out.empty() ? "" : ", ") + n;
  return out;
}

std::vector<std::string_view> split(std::string_view text, char separator) {
  std::vector<std::string_view> out;
  while (true) {
    const size_t at = text.find(separator);
    out.push_back(text.substr(0, at));
    if (at == std::string_view::npos) return out;
    text = text.substr(at + 1);
  }
}

std::string param_names(const OpSchema& op, bool item_only) {
  std::vector<std::string> names;
  for (const ParamSpec& p : op.params)
    if (!item_only || p.scope == ParamScope::Item) names.push_back(p.name);
  return join(names);
}

// A parameter's canonical text: a float32 as its bits (exact, and what `eval` reads back), any
// other value as value_text writes it.
std::string param_text(const ParamSpec& spec, const Value& v) {
  if (spec.type != ParamType::Float32) return value_text(v);
  char buffer[12];
  std::snprintf(buffer, sizeof buffer, "0x%08x", std::bit_cast<uint32_t>(static_cast<float>(std::get<double>(v))));
  return buffer;
}

// An omit_default parameter at its default: left out of signatures and reports.
bool holds_omitted_default(const ParamSpec& spec, const Params& params) {
  return spec.omit_default && param_text(spec, params.at(spec.name)) == param_text(spec, parse_value(spec, spec.default_text));
}

void check_type(const ParamSpec& spec, const Value& v) {
  const bool real = spec.type == ParamType::Real || spec.type == ParamType::Float32;
  const bool ok = spec.type == ParamType::Int ? std::holds_alternative<int64_t>(v)
                  : real                      ? std::holds_alternative<double>(v)
                                              : std::holds_alternative<std::string>(v);
  if (!ok) throw std::invalid_argument("parameter '" + spec.name + "': wrong type");
  if (spec.type == ParamType::Float32) {
    const double d = std::get<double>(v);
    if (!std::isnan(d) && static_cast<double>(static_cast<float>(d)) != d)
      throw std::invalid_argument("parameter '" + spec.name + "': expected a float32 value, got " + value_text(v));
  }
  // Re-parse the canonical text: the range and the choices are checked in one place.
  parse_value(spec, param_text(spec, v));
}

nlohmann::json value_json(const Value& v) {
  if (const auto* i = std::get_if<int64_t>(&v)) return *i;
  if (const auto* d = std::get_if<double>(&v)) return std::isfinite(*d) ? nlohmann::json(*d) : nlohmann::json(value_text(v));
  return std::get<std::string>(v);
}

std::string json_text(const nlohmann::json& j, const std::string& field) {
  if (j.is_string()) return j.get<std::string>();
  if (j.is_number_integer()) return j.dump();
  if (j.is_number_float()) return value_text(Value(j.get<double>()));
  throw std::invalid_argument("case field '" + field + "': expected a number or a string");
}

// Element i of an input tensor as `eval` reads it: float32 as its bits, codes in hex, integers and
// float64 values in decimal.
std::string input_text(const TensorSpec& spec, const Tensor& t, size_t i) {
  char buffer[24];
  if (spec.type == ElemType::Float32) {
    std::snprintf(buffer, sizeof buffer, "0x%08x", std::bit_cast<uint32_t>(static_cast<float>(t.floats[i])));
    return buffer;
  }
  if (spec.type == ElemType::Code) {
    std::snprintf(buffer, sizeof buffer, "0x%llx", static_cast<unsigned long long>(t.ints[i]));
    return buffer;
  }
  return t.is_float ? value_text(Value(t.floats[i])) : std::to_string(t.ints[i]);
}

}  // namespace

std::string float32_text(double v) {
  char buffer[48];
  const float f = static_cast<float>(v);
  const auto end = std::to_chars(buffer, buffer + 32, f).ptr;
  std::snprintf(end, 16, " (0x%08x)", std::bit_cast<uint32_t>(f));
  return buffer;
}

void CompareSink::mismatch(std::string input, std::string got, std::string want, OpCase repro_case) {
  ++mismatches;
  if (first.size() >= max_recorded) return;
  first.push_back({std::move(input), "", std::move(got), std::move(want), "", "", ""});
  repro_cases.push_back(std::move(repro_case));
}

const ParamSpec* OpSchema::param(std::string_view n) const {
  for (const ParamSpec& p : params)
    if (p.name == n) return &p;
  return nullptr;
}

const Binding* OpSchema::binding(std::string_view implementation) const {
  for (const auto& [n, b] : bindings)
    if (n == implementation) return &b;
  return nullptr;
}

Value parse_value(const ParamSpec& spec, std::string_view text) {
  const std::string quoted = "'" + std::string(text) + "'";
  switch (spec.type) {
    case ParamType::Int: {
      int64_t v = 0;
      auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
      if (text.empty() || ec != std::errc() || end != text.data() + text.size())
        throw std::invalid_argument("parameter '" + spec.name + "': expected an integer, got " + quoted);
      if (v < spec.min || v > spec.max)
        throw std::invalid_argument("parameter '" + spec.name + "': expected an integer in [" + std::to_string(spec.min) + ", " +
                                    std::to_string(spec.max) + "], got " + quoted);
      return v;
    }
    case ParamType::Real: {
      const std::string s(text);
      char* end = nullptr;
      const double v = s.empty() ? 0 : std::strtod(s.c_str(), &end);
      if (s.empty() || end != s.c_str() + s.size() || std::isspace(static_cast<unsigned char>(s[0])))
        throw std::invalid_argument("parameter '" + spec.name + "': expected a real number (decimal or hex float), got " + quoted);
      return v;
    }
    case ParamType::Float32: {
      std::string_view body = text;
      const bool negative = body.starts_with('-');
      if (negative) body.remove_prefix(1);
      const bool hex = body.size() > 2 && body[0] == '0' && (body[1] == 'x' || body[1] == 'X');
      if (hex) body.remove_prefix(2);
      float v = 0;
      bool ok = !body.empty() && body[0] != '-' && body[0] != '+';
      if (ok && hex && !negative && body.find_first_of(".pP") == std::string_view::npos) {
        uint32_t bits = 0;  // 0x3f800000: the bits
        const auto [end, ec] = std::from_chars(body.data(), body.data() + body.size(), bits, 16);
        ok = ec == std::errc() && end == body.data() + body.size() && body.size() <= 8;
        v = std::bit_cast<float>(bits);
      } else if (ok) {
        const auto [end, ec] = std::from_chars(body.data(), body.data() + body.size(), v, hex ? std::chars_format::hex : std::chars_format::general);
        ok = ec == std::errc() && end == body.data() + body.size();
        if (negative) v = -v;
      }
      if (!ok)
        throw std::invalid_argument("parameter '" + spec.name +
                                    "': expected a float32 (decimal, hex float like 0x1p-3, or bits like 0x3f800000), got " + quoted);
      return static_cast<double>(v);
    }
    case ParamType::Choice: {
      const std::vector<std::string> names = spec.choices();
      for (const std::string& n : names)
        if (n == text) return n;
      throw std::invalid_argument("parameter '" + spec.name + "': unknown " + quoted + ", expected one of: " + join(names));
    }
    case ParamType::Text:
      if (text.empty()) throw std::invalid_argument("parameter '" + spec.name + "': expected a non-empty text");
      return std::string(text);
  }
  throw std::logic_error("parse_value: unknown parameter type");
}

ParamSpec case_int(std::string name, std::string doc, std::string clause, std::string fallback, int64_t min, int64_t max, int64_t fuzz_min,
                   int64_t fuzz_max) {
  ParamSpec s{std::move(name), ParamType::Int, ParamScope::Case, std::move(doc), std::move(clause), std::move(fallback)};
  s.min = min;
  s.max = max;
  s.fuzz_min = fuzz_min;
  s.fuzz_max = fuzz_max;
  return s;
}

Params make_params(const OpSchema& op, const std::vector<std::pair<std::string, std::string>>& given) {
  for (size_t i = 0; i < given.size(); ++i) {
    if (!op.param(given[i].first))
      throw std::invalid_argument("op '" + op.name + "' has no parameter '" + given[i].first + "', expected one of: " + param_names(op, false));
    for (size_t j = 0; j < i; ++j)
      if (given[j].first == given[i].first) throw std::invalid_argument("op '" + op.name + "': parameter '" + given[i].first + "' given twice");
  }
  Params params;
  for (const ParamSpec& spec : op.params) {
    const std::string* text = nullptr;
    for (const auto& [n, t] : given)
      if (n == spec.name) text = &t;
    if (!text && spec.default_text.empty())
      throw std::invalid_argument("op '" + op.name + "': parameter '" + spec.name + "' is required (" + spec.doc + ")");
    params.set(spec.name, parse_value(spec, text ? *text : spec.default_text));
  }
  if (op.params_error)
    if (auto e = op.params_error(params)) throw std::invalid_argument("op '" + op.name + "': " + *e);
  return params;
}

void validate_params(const OpSchema& op, const Params& params) {
  for (const auto& [name, value] : params.entries()) {
    const ParamSpec* spec = op.param(name);
    if (!spec) throw std::invalid_argument("op '" + op.name + "' has no parameter '" + name + "', expected one of: " + param_names(op, false));
    check_type(*spec, value);
  }
  for (const ParamSpec& spec : op.params)
    if (!params.find(spec.name)) throw std::invalid_argument("op '" + op.name + "': parameter '" + spec.name + "' is missing");
  if (op.params_error)
    if (auto e = op.params_error(params)) throw std::invalid_argument("op '" + op.name + "': " + *e);
}

std::string signature(const OpSchema& op, const Params& params, std::string_view impl) {
  std::string s = std::string(impl) + "-" + op.name;
  for (const ParamSpec& spec : op.params) {
    if (spec.scope != ParamScope::Item || holds_omitted_default(spec, params)) continue;
    std::string v = param_text(spec, params.at(spec.name));
    for (char& ch : v)
      if (ch == '-') ch = '_';
    s += spec.signature_join + v;
  }
  return s;
}

void append_fields(const OpSchema& op, const Params& params, nlohmann::ordered_json& j) {
  j["op"] = op.name;
  for (const ParamSpec& spec : op.params)
    if (spec.scope == ParamScope::Item && spec.in_report && !holds_omitted_default(spec, params))
      j[!spec.report_as.empty()                                      ? spec.report_as
        : spec.column.empty() || spec.part != ParamSpec::Part::Whole ? spec.name
                                                                     : spec.column] = value_json(params.at(spec.name));
  for (const auto& [column, text] : op.fixed_columns)
    if (text != "-") j[column] = text;
  if (op.report_fields)
    for (const auto& [field, value] : op.report_fields(params)) j[field] = value_json(value);
}

std::vector<Params> expand_row(const OpSchema& op, std::string_view params_field) {
  // 1. NAME=ALTS pairs, item parameters only.
  std::vector<std::pair<const ParamSpec*, std::string_view>> named;
  if (!params_field.empty() && params_field != "-") {
    for (std::string_view pair : split(params_field, ';')) {
      const size_t eq = pair.find('=');
      const std::string name(pair.substr(0, eq));
      const ParamSpec* spec = op.param(name);
      if (eq == std::string_view::npos || !spec)
        throw std::invalid_argument("expected NAME=VALUE pairs separated by ';', NAME one of: " + param_names(op, true) + "; got '" +
                                    std::string(pair) + "'");
      if (spec->scope != ParamScope::Item)
        throw std::invalid_argument("parameter '" + name +
                                    "' belongs to each case; a profile row sets the item parameters: " + param_names(op, true));
      for (const auto& [other, _] : named)
        if (other == spec) throw std::invalid_argument("parameter '" + name + "' given twice");
      named.emplace_back(spec, pair.substr(eq + 1));
    }
  }
  // 2. Each item parameter's values: the row's alternatives ('*' patterns over a choice), its
  //    default, or every choice.
  std::vector<const ParamSpec*> order;  // outermost first
  for (const std::string& name : op.sweep) order.push_back(op.param(name));
  for (const ParamSpec& spec : op.params)
    if (spec.scope == ParamScope::Item && std::find(order.begin(), order.end(), &spec) == order.end()) order.push_back(&spec);
  std::vector<std::pair<const ParamSpec*, std::vector<Value>>> axes;
  for (const ParamSpec* item_spec : order) {
    const ParamSpec& spec = *item_spec;
    std::vector<Value> values;
    const std::string_view* field = nullptr;
    for (const auto& [s, f] : named)
      if (s == &spec) field = &f;
    if (!field) {
      if (!spec.default_text.empty())
        values.push_back(parse_value(spec, spec.default_text));
      else if (spec.type == ParamType::Choice)
        for (const std::string& n : spec.choices()) values.emplace_back(n);
      else
        throw std::invalid_argument("the row must set parameter '" + spec.name + "' (" + spec.doc + ")");
    } else {
      for (std::string_view alt : split(*field, '|')) {
        if (spec.type != ParamType::Choice) {
          values.push_back(parse_value(spec, alt));
          continue;
        }
        bool any = false;
        for (const std::string& n : spec.choices()) {
          if (!glob_match(alt, n)) continue;
          any = true;
          bool duplicate = false;
          for (const Value& v : values) duplicate = duplicate || std::get<std::string>(v) == n;
          if (!duplicate) values.emplace_back(n);
        }
        if (!any)
          throw std::invalid_argument("parameter '" + spec.name + "': unknown '" + std::string(alt) + "', expected one of: " + join(spec.choices()) +
                                      " (or a '*' pattern)");
      }
    }
    axes.emplace_back(&spec, std::move(values));
  }
  // 3. The product, first parameter outermost; combinations the op rejects are skipped.
  std::vector<Params> out(1);
  for (const auto& [spec, values] : axes) {
    std::vector<Params> next;
    for (const Params& p : out)
      for (const Value& v : values) {
        Params q = p;
        q.set(spec->name, v);
        next.push_back(std::move(q));
      }
    out = std::move(next);
  }
  std::vector<Params> kept;
  for (Params& swept : out) {
    Params p;  // in schema order
    for (const ParamSpec& spec : op.params)
      if (const Value* v = swept.find(spec.name)) p.set(spec.name, *v);
    Params full = p;
    bool complete = true;
    for (const ParamSpec& spec : op.params)
      if (spec.scope == ParamScope::Case) {
        if (spec.default_text.empty())
          complete = false;
        else
          full.set(spec.name, parse_value(spec, spec.default_text));
      }
    if (complete && op.params_error && op.params_error(full)) continue;
    kept.push_back(std::move(p));
  }
  return kept;
}

nlohmann::json case_json(const OpCase& c) {
  nlohmann::json j;
  j["op"] = c.op->name;
  nlohmann::json params = nlohmann::json::object();
  for (const auto& [name, value] : c.params.entries()) params[name] = value_json(value);
  j["params"] = std::move(params);
  if (!c.op->make_inputs) {
    nlohmann::json inputs = nlohmann::json::object();
    for (size_t k = 0; k < c.inputs.size(); ++k) {
      const Tensor& t = c.inputs[k];
      nlohmann::json values = nlohmann::json::array();
      for (size_t i = 0; i < t.size(); ++i) values.push_back(t.is_float ? value_json(Value(t.floats[i])) : nlohmann::json(t.ints[i]));
      inputs[c.op->inputs[k].name] = {{"shape", t.shape}, {"values", std::move(values)}};
    }
    j["inputs"] = std::move(inputs);
  }
  return j;
}

OpCase case_from_json(const nlohmann::json& j) {
  if (!j.is_object() || !j.contains("op") || !j["op"].is_string()) throw std::invalid_argument("case: expected an object with a string field 'op'");
  const OpSchema* op = find_op(j["op"].get<std::string>());
  if (!op) throw std::invalid_argument("case field 'op': unknown op '" + j["op"].get<std::string>() + "'");
  if (!j.contains("params") || !j["params"].is_object()) throw std::invalid_argument("case field 'params': expected an object");
  std::vector<std::pair<std::string, std::string>> given;
  for (const auto& [name, value] : j["params"].items()) given.emplace_back(name, json_text(value, "params." + name));
  OpCase c{op, make_params(*op, given), {}};
  if (op->make_inputs) {
    c.inputs = op->make_inputs(c.params);
    return c;
  }
  if (!j.contains("inputs") || !j["inputs"].is_object()) throw std::invalid_argument("case field 'inputs': expected an object");
  for (const TensorSpec& spec : op->inputs) {
    const std::string field = "inputs." + spec.name;
    if (!j["inputs"].contains(spec.name)) throw std::invalid_argument("case field '" + field + "' is missing");
    const nlohmann::json& t = j["inputs"][spec.name];
    if (!t.is_object() || !t.contains("shape") || !t.contains("values") || !t["values"].is_array())
      throw std::invalid_argument("case field '" + field + "': expected {\"shape\": [...], \"values\": [...]}");
    Tensor tensor;
    tensor.is_float = spec.type == ElemType::Real || spec.type == ElemType::Float32;
    tensor.shape = t["shape"].get<std::vector<uint64_t>>();
    for (const auto& v : t["values"]) {
      if (tensor.is_float)
        tensor.floats.push_back(std::strtod(json_text(v, field).c_str(), nullptr));
      else if (v.is_number_integer())
        tensor.ints.push_back(v.get<int64_t>());
      else
        throw std::invalid_argument("case field '" + field + "': expected integers");
    }
    c.inputs.push_back(std::move(tensor));
  }
  return c;
}

std::string repro_command(const OpCase& c, std::string_view impl) {
  std::string cmd = "lpconform eval " + c.op->name;
  if (!c.op->make_inputs) {
    // The list tensors as the CSV `eval` reads on stdin: a header of their names, a row per element.
    std::string header;
    size_t rows = 0;
    for (size_t k = 0; k < c.inputs.size(); ++k) {
      if (!c.op->inputs[k].dims.empty()) throw std::logic_error("repro_command: op '" + c.op->name + "' has an input that is not a list");
      if (c.inputs[k].size() == 0 && c.op->inputs[k].optional) continue;
      header += (header.empty() ? "" : ",") + c.op->inputs[k].name;
      rows = std::max(rows, c.inputs[k].size());
    }
    std::vector<std::string> row(rows);
    for (size_t i = 0; i < rows; ++i) {
      bool first = true;
      for (size_t k = 0; k < c.inputs.size(); ++k)
        if (c.inputs[k].size() || !c.op->inputs[k].optional) {
          row[i] += (first ? "" : ",") + (i < c.inputs[k].size() ? input_text(c.op->inputs[k], c.inputs[k], i) : "");
          first = false;
        }
    }
    // Vectors that reach an int32 bound hold tens of thousands of rows, as runs of one row or of a
    // short block of rows: a run repeated at least kRepeats times is written `yes -- ROW | head -n
    // COUNT`, a block `i=0; while [ $i -lt COUNT ]; do printf '%b' 'BLOCK'; i=$((i+1)); done`, so
    // the line stays short. Other rows go through printf '%b', since a row may start with '-'.
    // Rows hold digits, 'x', '-', '.', ',' only: safe in single quotes.
    constexpr size_t kRepeats = 8, kLongestBlock = 8;
    std::string pending = header + "\\n", pieces;
    bool runs = false;
    for (size_t i = 0; i < rows;) {
      size_t best_period = 0, best_repeats = 0;
      for (size_t period = 1; period <= kLongestBlock && i + period * kRepeats <= rows; ++period) {
        size_t repeats = 1;
        while (i + (repeats + 1) * period <= rows && std::equal(row.begin() + i, row.begin() + i + period, row.begin() + i + repeats * period))
          ++repeats;
        if (repeats >= kRepeats && period * repeats > best_period * best_repeats) best_period = period, best_repeats = repeats;
      }
      if (best_period == 0) {
        pending += row[i++] + "\\n";
        continue;
      }
      if (pending.size()) pieces += "printf '%b' '" + pending + "'; ";
      pending.clear();
      if (best_period == 1) {
        pieces += "yes -- '" + row[i] + "' | head -n " + std::to_string(best_repeats) + "; ";
      } else {
        std::string block;
        for (size_t j = 0; j < best_period; ++j) block += row[i + j] + "\\n";
        pieces += "i=0; while [ $i -lt " + std::to_string(best_repeats) + " ]; do printf '%b' '" + block + "'; i=$((i+1)); done; ";
      }
      runs = true;
      i += best_period * best_repeats;
    }
    if (!runs)
      cmd = "printf '" + pending + "' | " + cmd;
    else
      cmd = "{ " + pieces + (pending.empty() ? "" : "printf '%b' '" + pending + "'; ") + "} | " + cmd;
  }
  for (const auto& [name, value] : c.params.entries()) {
    const ParamSpec* spec = c.op->param(name);
    cmd += " --" + name + " " + shell_word(spec ? param_text(*spec, value) : value_text(value));
  }
  return cmd + " --impl " + shell_word(std::string(impl));
}

std::vector<Tensor> generated_inputs(const OpSchema& op, const Params& params) {
  if (!op.make_inputs) throw std::logic_error("op '" + op.name + "' does not generate its inputs");
  return op.make_inputs(params);
}

size_t longest_list(const OpCase& c) {
  size_t rows = 0;
  for (size_t k = 0; k < c.inputs.size(); ++k)
    if (c.op->inputs[k].dims.empty()) rows = std::max(rows, c.inputs[k].size());
  return rows;
}

std::vector<Tensor> list_forms(const OpCase& c, const std::vector<size_t>& lengths) {
  std::vector<Tensor> forms;
  for (size_t k = 0; k < c.op->outputs.size(); ++k) {
    const ElemType type = c.op->outputs[k].type;
    if (type == ElemType::Number || !c.op->outputs[k].dims.empty())
      throw std::logic_error("op " + c.op->name + ": output '" + c.op->outputs[k].name + "' needs the op's own output_forms");
    const bool real = type == ElemType::Float32 || type == ElemType::Real;
    forms.push_back({real, {static_cast<uint64_t>(lengths.at(k))}, {}, {}});
  }
  return forms;
}

std::vector<Tensor> output_forms(const OpCase& c) {
  if (c.op->output_forms) return c.op->output_forms(c);
  return list_forms(c, std::vector<size_t>(c.op->outputs.size(), longest_list(c)));
}

OpStatus run_case(const Implementation& impl, const OpCase& c, std::vector<Tensor>& outputs, std::string& error) {
  if (!impl.run) return OpStatus::Unsupported;
  const std::vector<Tensor> forms = output_forms(c);
  outputs = forms;
  OpStatus status;
  try {
    status = impl.run(c, outputs, error);
  } catch (const std::exception& e) {
    error = e.what();
    return OpStatus::Error;
  }
  if (status != OpStatus::Ok) return status;
  if (outputs.size() != forms.size()) {
    error = "returned " + std::to_string(outputs.size()) + " output tensors, expected " + std::to_string(forms.size());
    return OpStatus::Error;
  }
  for (size_t k = 0; k < outputs.size(); ++k) {
    const Tensor& out = outputs[k];
    const std::string& name = c.op->outputs[k].name;
    uint64_t count = 1;
    for (uint64_t d : out.shape) count *= d;
    if (count != out.size()) {
      error = "output '" + name + "' has shape " + shape_text(out.shape) + " for " + std::to_string(out.size()) + " values";
      return OpStatus::Error;
    }
    if (out.size() == 0) continue;  // an output not produced: the comparison decides
    if (out.is_float != forms[k].is_float) {
      error = "output '" + name + "' holds " + (out.is_float ? "reals" : "integers") + ", the case needs " + (forms[k].is_float ? "reals" : "integers");
      return OpStatus::Error;
    }
    if (out.shape != forms[k].shape) {
      error = "output '" + name + "' has shape " + shape_text(out.shape) + ", the case needs " + shape_text(forms[k].shape) + " (or none)";
      return OpStatus::Error;
    }
  }
  return OpStatus::Ok;
}

bool same_size(const OpCase& c, size_t k, std::span<const Tensor> got, std::span<const Tensor> want, CompareSink& sink) {
  if (got[k].size() == want[k].size()) return true;
  ++sink.checked;
  sink.mismatch("output '" + c.op->outputs[k].name + "'", std::to_string(got[k].size()) + " values", std::to_string(want[k].size()) + " values");
  return false;
}

void compare_exact(const OpCase& c, std::span<const Tensor> got, std::span<const Tensor> want, CompareSink& sink) {
  for (size_t k = 0; k < want.size(); ++k) {
    if (!same_size(c, k, got, want, sink)) continue;
    const std::string& name = c.op->outputs[k].name;
    for (size_t i = 0; i < want[k].size(); ++i) {
      ++sink.checked;
      if (!same_element(got[k], i, want[k], i))
        sink.mismatch(name + "[" + std::to_string(i) + "]", element_text(got[k], i), element_text(want[k], i));
    }
  }
}

OpCase element_alone(const OpCase& c, size_t i) {
  OpCase one{c.op, c.params, {}};
  for (const Tensor& t : c.inputs) one.inputs.push_back(t.is_float ? Tensor::reals({1}, {t.floats.at(i)}) : Tensor::integers({1}, {t.ints.at(i)}));
  return one;
}

void compare_elementwise(const OpCase& c, std::span<const Tensor> got, std::span<const Tensor> want, CompareSink& sink,
                         const std::function<std::string(const OpCase& c, size_t i)>& describe) {
  for (size_t k = 0; k < want.size(); ++k)
    if (!same_size(c, k, got, want, sink)) return;
  auto text = [&](std::span<const Tensor> o, size_t i) {
    std::string s;
    for (size_t k = 0; k < o.size(); ++k)
      s += (k ? ", " : "") + c.op->outputs[k].name + " " +
           (c.op->outputs[k].type == ElemType::Float32 ? float32_text(o[k].floats[i]) : element_text(o[k], i));
    return s;
  };
  const size_t n = want.empty() ? 0 : want[0].size();
  for (size_t i = 0; i < n; ++i) {
    ++sink.checked;
    bool same = true;
    for (size_t k = 0; k < want.size(); ++k) same = same && same_element(got[k], i, want[k], i);
    if (!same) sink.mismatch(describe(c, i), text(got, i), text(want, i), sink.first.size() < sink.max_recorded ? element_alone(c, i) : OpCase{});
  }
}

void compare_ulp(const OpCase& c, std::span<const Tensor> got, std::span<const Tensor> want, int ulps, CompareSink& sink) {
  // Ordinal distance of two float32 values of any signs.
  auto ordinal = [](double v) {
    const int64_t bits = std::bit_cast<int32_t>(static_cast<float>(v));
    return bits < 0 ? int64_t{INT32_MIN} - bits : bits;
  };
  for (size_t k = 0; k < want.size(); ++k) {
    const std::string& name = c.op->outputs[k].name;
    if (got[k].size() != want[k].size() || !got[k].is_float) {
      ++sink.checked;
      sink.mismatch("output '" + name + "'", std::to_string(got[k].size()) + " values", std::to_string(want[k].size()) + " float32 values");
      continue;
    }
    for (size_t i = 0; i < want[k].size(); ++i) {
      ++sink.checked;
      const double g = got[k].floats[i], w = want[k].floats[i];
      if (std::isfinite(g) && std::llabs(ordinal(g) - ordinal(w)) <= ulps) continue;
      sink.mismatch(name + "[" + std::to_string(i) + "]", float32_text(g), float32_text(w) + " within " + std::to_string(ulps) + " ulp");
    }
  }
}

OpStatus bundled_run(std::string_view name, const OpCase& c, std::vector<Tensor>& outputs, std::string& error) {
  const Binding* b = c.op->binding(name);
  if (!b) return OpStatus::Unsupported;
  return (*b)(c, outputs, error);
}

bool check_case(const OpCase& c, const Implementation& subject, const Implementation& oracle, size_t max_mismatches, ItemResult& r) {
  const OpSchema& op = *c.op;
  std::vector<Tensor> want, got;
  std::string error;
  if (const OpStatus s = run_case(oracle, c, want, error); s != OpStatus::Ok) {
    not_ok(r, s, "oracle", error);
    return false;
  }
  if (const OpStatus s = run_case(subject, c, got, error); s != OpStatus::Ok) {
    not_ok(r, s, "subject", error);
    return false;
  }
  CompareSink sink;
  sink.max_recorded = max_mismatches > r.first_mismatches.size() ? max_mismatches - r.first_mismatches.size() : 0;
  if (op.compare)
    op.compare(c, got, want, sink);
  else if (op.verification.kind == Verification::Kind::Ulp)
    compare_ulp(c, got, want, op.verification.ulps, sink);
  else
    compare_exact(c, got, want, sink);
  r.checked += sink.checked;
  r.mismatches += sink.mismatches;
  r.unspecified += sink.excluded;
  std::string whole;  // the whole case's repro, written once when a mismatch needs it
  for (size_t i = 0; i < sink.first.size(); ++i) {
    Mismatch& m = sink.first[i];
    const OpCase& smaller = sink.repro_cases[i];
    if (!smaller.op && whole.empty()) whole = repro_command(c, impl_argument(subject));
    m.repro = smaller.op ? repro_command(smaller, impl_argument(subject)) : whole;
    r.first_mismatches.push_back(std::move(m));
  }
  return true;
}

uint64_t ByteReader::take(uint64_t bound) {
  uint64_t v = 0;
  for (uint64_t span = bound; span && pos < data.size(); span >>= 8) v = v << 8 | data[pos++];
  return bound == UINT64_MAX ? v : v % (bound + 1);
}

std::optional<OpCase> consume_case(const OpSchema& op, ByteReader& bytes, size_t max_elements) {
  OpCase c{&op, {}, {}};
  for (const ParamSpec& spec : op.params) {
    if (!spec.fuzz_values.empty()) {
      c.params.set(spec.name, parse_value(spec, spec.fuzz_values[bytes.take(spec.fuzz_values.size() - 1)]));
      continue;
    }
    switch (spec.type) {
      case ParamType::Choice: {
        const std::vector<std::string> names = spec.choices();
        c.params.set(spec.name, names[bytes.take(names.size() - 1)]);
        break;
      }
      case ParamType::Int:
        if (spec.fuzz_max)
          c.params.set(spec.name, spec.fuzz_min + static_cast<int64_t>(bytes.take(static_cast<uint64_t>(spec.fuzz_max - spec.fuzz_min))));
        else
          c.params.set(spec.name, spec.min + static_cast<int64_t>(bytes.take(static_cast<uint64_t>(spec.max - spec.min))));
        break;
      case ParamType::Real:
      case ParamType::Float32:
        c.params.set(spec.name, static_cast<double>(std::bit_cast<float>(static_cast<uint32_t>(bytes.take(UINT32_MAX)))));
        break;
      case ParamType::Text:
        c.params.set(spec.name, parse_value(spec, spec.default_text));
        break;
    }
  }
  try {
    validate_params(op, c.params);
  } catch (const std::invalid_argument&) {
    return std::nullopt;
  }
  if (op.make_inputs) {
    c.inputs = op.make_inputs(c.params);
  } else {
    for (const TensorSpec& spec : op.inputs) {
      if (!spec.dims.empty()) return std::nullopt;
      Tensor t;
      t.is_float = spec.type == ElemType::Real || spec.type == ElemType::Float32;
      c.inputs.push_back(std::move(t));
    }
    // Row by row, every list alike, while bytes last; an integer element folded into its range.
    // With fuzz_max_list, a row may repeat: a byte >= 248, then the count - 1 in two bytes.
    std::vector<std::optional<std::pair<int64_t, int64_t>>> ranges(op.inputs.size());
    if (op.element_range)
      for (size_t k = 0; k < op.inputs.size(); ++k) ranges[k] = op.element_range(c.params, k);
    for (size_t i = 0, total = 0; i < max_elements && !bytes.empty(); ++i) {
      for (size_t k = 0; k < op.inputs.size(); ++k) {
        const TensorSpec& spec = op.inputs[k];
        Tensor& t = c.inputs[k];
        if (spec.fuzz_draw_real) {
          t.floats.push_back(spec.fuzz_draw_real(c.params, i, bytes));
        } else if (spec.type == ElemType::Float32) {
          const float v = std::bit_cast<float>(static_cast<uint32_t>(bytes.take(UINT32_MAX)));
          t.floats.push_back((spec.finite && !std::isfinite(v)) || (spec.not_nan && std::isnan(v)) ? 0.0 : spec.non_negative ? std::fabs(v) : v);
        } else if (spec.type == ElemType::Real) {
          const double v = std::bit_cast<double>(bytes.take(UINT64_MAX));
          t.floats.push_back((spec.finite && !std::isfinite(v)) || (spec.not_nan && std::isnan(v)) ? 0.0 : spec.non_negative ? std::fabs(v) : v);
        } else if (spec.fuzz_draw) {
          t.ints.push_back(spec.fuzz_draw(c.params, i, bytes));
        } else if (const auto& r = ranges[k]) {
          t.ints.push_back(r->first + static_cast<int64_t>(bytes.take(static_cast<uint64_t>(r->second - r->first))));
        } else {
          t.ints.push_back(static_cast<int64_t>(bytes.take(UINT64_MAX)));
        }
      }
      ++total;
      if (op.fuzz_max_list && bytes.take(255) >= 248) {
        const size_t extra = std::min<size_t>(bytes.take(UINT16_MAX), op.fuzz_max_list - std::min(total, op.fuzz_max_list));
        for (Tensor& t : c.inputs) {
          if (t.is_float)
            t.floats.insert(t.floats.end(), extra, t.floats.back());
          else
            t.ints.insert(t.ints.end(), extra, t.ints.back());
        }
        total += extra;
      }
    }
    if (op.list_length) {
      const size_t rows = c.inputs.empty() ? 0 : c.inputs[0].size();  // every list read the same rows
      for (size_t k = 0; k < c.inputs.size(); ++k) {
        Tensor& t = c.inputs[k];
        const size_t n = std::min(op.list_length(c.params, k, rows), rows);
        if (t.is_float)
          t.floats.resize(n);
        else
          t.ints.resize(n);
      }
    }
    for (Tensor& t : c.inputs) t.shape = {t.size()};
  }
  if (op.inputs_error && op.inputs_error(c)) return std::nullopt;
  return c;
}

Verification item_verification(const Item& item) {
  const OpSchema& op = *item.schema;
  return op.item_verification ? op.item_verification(item.op_params) : op.verification;
}

uint64_t statistical_item_count(std::span<const Item> items) {
  uint64_t m = 0;
  for (const Item& item : items) m += item.op == Op::Registered && item.schema->statistical && item_verification(item).kind == Verification::Kind::Statistical;
  return m;
}

StatisticalDraws statistical_draws(const Item& item, const Implementation& oracle, uint64_t seed, uint64_t statistical_items) {
  const OpSchema& op = *item.schema;
  const StatisticalDeclaration& st = *op.statistical;
  StatisticalDraws d;
  d.verification = item_verification(item);
  statistics::ChiSquarePlan plan;
  plan.family_false_failure_rate = d.verification.false_failure_rate;
  plan.tests = std::max<uint64_t>(1, statistical_items);
  d.alpha = plan.alpha();
  // 1. The distribution, from the oracle, under the first case of the item's draws.
  std::vector<OpCase> first = st.draws(item.op_params, seed, 1);
  if (first.empty()) throw std::logic_error(op.name + ": a statistical item without draws");
  first[0].op = &op;
  d.oracle_status = st.distribution(first[0], oracle, d.probabilities, d.error);
  if (d.oracle_status != OpStatus::Ok) return d;
  // 2. N: enough for the stated power at α on the cells that can be drawn (before pooling).
  const int df = std::max(1, static_cast<int>(std::count_if(d.probabilities.begin(), d.probabilities.end(), [](double p) { return p > 0; })) - 1);
  d.samples = statistics::chi_square_samples(d.verification.effect_size, df, d.alpha, d.verification.power);
  d.cases = st.draws(item.op_params, seed, d.samples);
  for (OpCase& c : d.cases) c.op = &op;
  return d;
}

namespace {

// A Statistical item (verdict.hpp; op.hpp StatisticalDeclaration): the oracle's distribution, N
// for the declared power at the item's Bonferroni level, the subject's draws counted per cell, and
// the χ² verdict — PASS, QUALITY_WARNING or FAIL — with the test as run in r.statistical.
void check_statistical(const OpSchema& op, const Item& item, const CheckContext& context, ItemResult& r) {
  const StatisticalDeclaration& st = *op.statistical;
  StatisticalRecord record;
  record.seed = context.seed;
  record.tests = std::max<uint64_t>(1, context.statistical_items);
  record.family_false_failure_rate = r.verification.false_failure_rate;
  record.effect_size = r.verification.effect_size;
  record.power = r.verification.power;
  statistics::ChiSquarePlan plan;
  plan.family_false_failure_rate = record.family_false_failure_rate;
  plan.tests = record.tests;
  // 1-2. The oracle's distribution, N and the cases that draw it.
  StatisticalDraws draws = statistical_draws(item, *context.oracle, context.seed, context.statistical_items);
  record.alpha = draws.alpha;
  record.samples = draws.samples;
  if (draws.oracle_status != OpStatus::Ok) {
    not_ok(r, draws.oracle_status, "oracle", draws.error);
    return;
  }
  const std::vector<double>& probabilities = draws.probabilities;
  std::string error;
  // 3. The subject's draws, counted.
  std::vector<uint64_t> counts(probabilities.size());
  for (const OpCase& c : draws.cases) {
    std::vector<Tensor> got;
    if (const OpStatus s = run_case(*context.subject, c, got, error); s != OpStatus::Ok) {
      not_ok(r, s, "subject", error);
      return;
    }
    if (auto bad = st.tally(c, got, counts)) {
      r.status = Status::Fail;
      r.message = "statistical (seed " + std::to_string(context.seed) + "): " + *bad;
      r.mismatches = 1;
      r.first_mismatches.push_back({*bad, "", "a draw outside the distribution's cells", "a draw of a cell", "", "", repro_command(c, impl_argument(*context.subject))});
      r.statistical = record;
      return;
    }
    const uint64_t drawn = std::accumulate(counts.begin(), counts.end(), uint64_t{0});
    if (context.inputs_done) *context.inputs_done += drawn - r.checked;
    r.checked = drawn;
  }
  // 4. The verdict.
  const statistics::ChiSquareResult chi = statistics::chi_square_goodness_of_fit(counts, probabilities, plan);
  record.statistic = chi.statistic;
  record.p_value = chi.p_value;
  record.critical = chi.critical;
  record.degrees_of_freedom = chi.degrees_of_freedom;
  record.cells = chi.cells;
  r.statistical = record;
  r.status = chi.status;
  r.message = "statistical, seed " + std::to_string(context.seed) + ", N = " + std::to_string(r.checked) + ": " + chi.message;
  if (chi.status == Status::Fail) {
    r.mismatches = 1;
    std::string got, want;
    for (size_t j = 0; j < counts.size(); ++j) {
      got += (j ? " " : "") + std::to_string(counts[j]);
      char e[32];
      std::snprintf(e, sizeof e, "%s%.1f", j ? " " : "", probabilities[j] * static_cast<double>(r.checked));
      want += e;
    }
    const std::vector<OpCase>& rerun = draws.cases;
    r.first_mismatches.push_back({"counts per cell of " + std::to_string(r.checked) + " draws", "", got, "expected " + want, "", "",
                                  "lpconform run --impl " + impl_argument(*context.subject) + " --only " + r.signature + " (item seed " +
                                      std::to_string(context.seed) + "); first case: " + repro_command(rerun[0], impl_argument(*context.subject))});
  }
}

}  // namespace

ItemResult check_item(const Item& item, const CheckContext& context) {
  const OpSchema& op = *item.schema;
  ItemResult r;
  r.item = item;
  r.signature = item.signature(context.subject->name);
  r.verification = item_verification(item);
  if (r.verification.kind == Verification::Kind::Statistical && op.statistical) {
    try {
      check_statistical(op, item, context, r);
    } catch (const std::exception& e) {
      r.status = Status::Error;
      r.message = std::string("harness: ") + e.what();
    }
    return r;
  }
  try {
    for (OpCase& c : op.cases(item.op_params, item.inputs, context.seed)) {
      c.op = &op;
      const uint64_t before = r.checked;
      if (!check_case(c, *context.subject, *context.oracle, context.max_mismatches, r)) return r;
      if (context.inputs_done) *context.inputs_done += r.checked - before;
    }
  } catch (const std::exception& e) {
    r.status = Status::Error;
    r.message = std::string("harness: ") + e.what();
    return r;
  }
  if (r.mismatches) {
    r.status = Status::Fail;
    r.message = std::to_string(r.mismatches) + " of " + std::to_string(r.checked) + " outputs disagree";
  }
  return r;
}

}  // namespace lpc::ops
