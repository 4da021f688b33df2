#include "conformance/core/case.hpp"

#include <array>
#include <bit>
#include <charconv>
#include <cmath>
#include <stdexcept>

#include <nlohmann/json.hpp>

#include "conformance/ops/derive.hpp"

namespace lpc {

namespace {

constexpr OpInfo kOps[] = {
    {Op::Encode, "encode", "format x rounding x overflow x source",
     "value of a source type (float32/float64/bfloat16/float16) -> code (spec/formats.md §5)"},
    {Op::Decode, "decode", "format", "code -> exact value (spec/formats.md §2)"},
};

constexpr RequantMode kRequantModes[] = {
    {"tosa_single", RequantScheme::TosaSingleRound, true, false},
    {"tosa_single16", RequantScheme::TosaSingleRound, false, false},
    {"tosa_double", RequantScheme::TosaDoubleRound, true, false},
    {"tosa_inexact", RequantScheme::TosaSingleRound, true, true},
    {"gemmlowp", RequantScheme::Gemmlowp, true, false},
    {"xnnpack_fp32", RequantScheme::XnnpackFp32, true, false},
    {"xnnpack_rndnu", RequantScheme::XnnpackRndnu, true, false},
};


// "0x" and at least `digits` lower-case hex digits.
std::string hex(uint64_t value, int digits) {
  char buf[16];
  const auto end = std::to_chars(buf, buf + sizeof buf, value, 16).ptr;
  const int n = static_cast<int>(end - buf);
  return "0x" + std::string(n < digits ? digits - n : 0, '0') + std::string(buf, end);
}



uint64_t parse_hex_field(const nlohmann::json& j, const char* field) {
  const std::string s = j.get<std::string>();
  uint64_t v = 0;
  const bool prefixed = s.size() > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X');
  auto [p, ec] = std::from_chars(s.data() + (prefixed ? 2 : 0), s.data() + s.size(), v, 16);
  if (!prefixed || ec != std::errc() || p != s.data() + s.size())
    throw std::invalid_argument(std::string("case field '") + field + "': expected a hex number like 0x3f800000, got '" + s + "'");
  return v;
}

}  // namespace

std::span<const OpInfo> all_ops() { return kOps; }

const OpInfo& op_info(Op op) {
  for (const OpInfo& info : kOps)
    if (info.op == op) return info;
  throw std::logic_error("op missing from the registry");
}

std::optional<Op> parse_op(std::string_view name) {
  for (const OpInfo& info : kOps)
    if (name == info.name) return info.op;
  return std::nullopt;
}

std::span<const RequantMode> all_requant_modes() { return kRequantModes; }

const char* dynbits_stat_name(DynStat stat) { return stat == DynStat::Max ? "max" : stat == DynStat::Mean ? "mean" : "sum"; }

const char* dynbits_low_value_name(DynLowValue v) { return v == DynLowValue::Truncate ? "truncate" : "rne"; }

std::optional<DynStat> parse_dynbits_stat(std::string_view name) {
  for (DynStat s : {DynStat::Max, DynStat::Mean, DynStat::Sum})
    if (name == dynbits_stat_name(s)) return s;
  return std::nullopt;
}

std::optional<DynLowValue> parse_dynbits_low_value(std::string_view name) {
  for (DynLowValue v : {DynLowValue::Truncate, DynLowValue::Rne})
    if (name == dynbits_low_value_name(v)) return v;
  return std::nullopt;
}

RequantParams requant_params(const RequantMode& mode, IntType input, IntType output) {
  RequantParams p;
  p.scheme = mode.scheme;
  p.scale32 = mode.scale32;
  p.input_type = input;
  p.output_type = output;
  if (mode.scheme == RequantScheme::XnnpackFp32 || mode.scheme == RequantScheme::XnnpackRndnu) {
    p.multipliers.clear();
    p.shifts.clear();
    p.scales = {0.5f};
  } else {
    p.multipliers = {mode.scale32 ? 1 << 30 : 1 << 14};
    p.shifts = {mode.scale32 ? 31 : 15};
  }
  return p;
}

LsqParams lsq_grid(const Format& f) {
  if (!f.is_integer() || f.bits > 16) throw std::invalid_argument("lsq grid '" + f.name + "': expected an integer format of at most 16 bits");
  LsqParams p;
  p.qmin = f.is_signed ? -(1 << (f.bits - 1)) : 0;
  p.qmax = f.is_signed ? (1 << (f.bits - 1)) - 1 : (1 << f.bits) - 1;
  return p;
}

std::string InputSpec::to_string() const {
  if (all) return "all";
  std::string s = boundary ? "boundary" : "";
  if (random) s += (s.empty() ? "" : "+") + std::string("random:") + std::to_string(random);
  return s;
}

std::optional<InputSpec> InputSpec::parse(std::string_view text) {
  InputSpec spec;
  if (text == "all") { spec.all = true; return spec; }
  while (!text.empty()) {
    const size_t plus = text.find('+');
    const std::string_view part = text.substr(0, plus);
    text = plus == std::string_view::npos ? std::string_view{} : text.substr(plus + 1);
    if (part == "boundary" && !spec.boundary) {
      spec.boundary = true;
    } else if (part.starts_with("random:") && !spec.random) {
      const std::string_view n = part.substr(7);
      auto [p, ec] = std::from_chars(n.data(), n.data() + n.size(), spec.random);
      if (ec != std::errc() || p != n.data() + n.size() || spec.random == 0) return std::nullopt;
    } else {
      return std::nullopt;
    }
  }
  if (!spec.boundary && !spec.random) return std::nullopt;
  return spec;
}

std::string Item::rounding_name() const {
  std::string name = lpc::to_string(params.rounding);
  if (is_stochastic(params.rounding)) name += "_n" + std::to_string(params.sr_bits);
  return name;
}

std::string Item::signature(std::string_view impl) const {
  if (op == Op::Registered) return ops::signature(*schema, op_params, impl);
  std::string s = std::string(impl) + "-" + op_info(op).name + "-";
  s += format->name;
  if (op == Op::Encode)
    s += "-" + rounding_name() + "-" + lpc::to_string(params.overflow) + "-" + lpc::to_string(source);
  return s;
}

int source_bits(Source source) {
  switch (source) {
    case Source::F32: return 32;
    case Source::F64: return 64;
    case Source::BF16:
    case Source::F16: return 16;
  }
  return 64;
}

std::string source_bits_hex(Source source, uint64_t bits) { return hex(bits, source_bits(source) / 4); }

std::string code_hex(const Format& format, uint32_t code) { return hex(code, (format.bits + 3) / 4); }

std::string Case::repro_command(std::string_view impl) const {
  // printf's format string holds only hex digits, 'x', '-', decimal digits, commas and "\n": safe
  // in single quotes.
  std::string body;
  if (op == Op::Decode) {
    body = "code\\n";
    for (uint64_t code : inputs) body += code_hex(*format, static_cast<uint32_t>(code)) + "\\n";
    return "printf '" + body + "' | lpconform eval decode --format " + format->name + " --impl " + std::string(impl);
  }
  const bool stochastic = is_stochastic(params.rounding);
  body = stochastic ? "input,random\\n" : "input\\n";
  for (size_t i = 0; i < inputs.size(); ++i) {
    body += source_bits_hex(source, inputs[i]);
    if (stochastic) body.append(",").append(hex(i < random.size() ? random[i] : 0, 8));
    body += "\\n";
  }
  std::string cmd = "printf '" + body + "' | lpconform eval encode --format " + format->name +
                    " --rounding " + lpc::to_string(params.rounding) + " --overflow " + lpc::to_string(params.overflow);
  if (stochastic) cmd += " --sr-bits " + std::to_string(params.sr_bits);
  if (source != Source::F32) cmd += " --source " + std::string(lpc::to_string(source));
  return cmd + " --impl " + std::string(impl);
}

void append_item_fields(const Item& item, nlohmann::ordered_json& j) {
  if (item.op == Op::Registered) {
    ops::append_fields(*item.schema, item.op_params, j);
    j["inputs"] = item.inputs.to_string();
    j["requirement"] = item.required ? "required" : "optional";
    return;
  }
  j["op"] = op_info(item.op).name;
  j["format"] = item.format->name;
  if (item.op == Op::Encode) {
    j["rounding"] = to_string(item.params.rounding);
    if (is_stochastic(item.params.rounding)) j["sr_bits"] = item.params.sr_bits;
    j["overflow"] = to_string(item.params.overflow);
    j["source"] = to_string(item.source);
  }
  j["inputs"] = item.inputs.to_string();
  j["requirement"] = item.required ? "required" : "optional";
}

void to_json(nlohmann::json& j, const Case& c) {
  j = nlohmann::json::object();
  j["op"] = op_info(c.op).name;
  j["format"] = c.format->name;
  auto& inputs = j["inputs"] = nlohmann::json::array();
  if (c.op == Op::Decode) {
    for (uint64_t code : c.inputs) inputs.push_back(code_hex(*c.format, static_cast<uint32_t>(code)));
    return;
  }
  j["rounding"] = to_string(c.params.rounding);
  j["overflow"] = to_string(c.params.overflow);
  if (is_stochastic(c.params.rounding)) j["sr_bits"] = c.params.sr_bits;
  j["source"] = to_string(c.source);
  for (uint64_t bits : c.inputs) inputs.push_back(source_bits_hex(c.source, bits));
  if (!c.random.empty()) {
    auto& random = j["random"] = nlohmann::json::array();
    for (uint32_t r : c.random) random.push_back(hex(r, 8));
  }
}

void from_json(const nlohmann::json& j, Case& c) {
  auto field = [&](const char* name) -> const nlohmann::json& {
    if (!j.contains(name)) throw std::invalid_argument(std::string("case: missing field '") + name + "'");
    return j.at(name);
  };
  const std::string op = field("op").get<std::string>();
  if (!parse_op(op)) throw std::invalid_argument("case field 'op': unknown op '" + op + "', expected encode or decode");
  c = Case{};
  c.op = *parse_op(op);
  c.format = &format_by_name(field("format").get<std::string>());
  if (c.op == Op::Encode) {
    const std::string rounding = field("rounding").get<std::string>(), overflow = field("overflow").get<std::string>(),
                      source = field("source").get<std::string>();
    if (!parse_rounding(rounding)) throw std::invalid_argument("case field 'rounding': unknown rounding '" + rounding + "'");
    if (!parse_overflow(overflow)) throw std::invalid_argument("case field 'overflow': unknown overflow policy '" + overflow + "'");
    if (!parse_source(source)) throw std::invalid_argument("case field 'source': unknown source type '" + source + "'");
    c.params.rounding = *parse_rounding(rounding);
    c.params.overflow = *parse_overflow(overflow);
    c.source = *parse_source(source);
    if (is_stochastic(c.params.rounding)) c.params.sr_bits = field("sr_bits").get<int>();
    if (j.contains("random"))
      for (const auto& r : j.at("random")) c.random.push_back(static_cast<uint32_t>(parse_hex_field(r, "random")));
  }
  for (const auto& v : field("inputs")) c.inputs.push_back(parse_hex_field(v, "inputs"));
  if (!c.random.empty() && c.random.size() != c.inputs.size())
    throw std::invalid_argument("case: 'random' must have one word per input");
}

}  // namespace lpc
