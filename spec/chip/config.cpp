// lpconform — the chip configuration: validity rules, the key = value parser and the embedded
// presets (spec/chip.md §2).
#include "spec/chip/config.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <map>
#include <stdexcept>

#include "spec/table/csv.hpp"

namespace lpc::chip {

namespace {

constexpr std::pair<PeMode, std::string_view> kPeModeNames[] = {
    {PeMode::Int8, "int8"}, {PeMode::Int4, "int4"}, {PeMode::Int2, "int2"}, {PeMode::Fp8, "fp8"}, {PeMode::Fp4Int4, "fp4-int4"}};

bool one_of(const Format* f, std::initializer_list<std::string_view> names) {
  return f != nullptr && std::find(names.begin(), names.end(), f->name) != names.end();
}

// The operand formats each PE mode multiplies (spec/chip.md §1.2).
std::optional<std::string> operand_error(const ChipConfig& c) {
  const std::string mode(to_string(c.pe_mode));
  auto need = [&](const char* which, const char* allowed) { return "pe_mode " + mode + ": " + which + " must be " + allowed; };
  switch (c.pe_mode) {
    case PeMode::Int8:
      if (!one_of(c.a_format, {"int8", "uint8"})) return need("a_format", "int8 or uint8");
      if (!one_of(c.b_format, {"int8"})) return need("b_format", "int8");
      break;
    case PeMode::Int4:
      if (!one_of(c.a_format, {"int4", "uint4"})) return need("a_format", "int4 or uint4");
      if (!one_of(c.b_format, {"int4"})) return need("b_format", "int4");
      break;
    case PeMode::Int2:
      if (!one_of(c.a_format, {"int2", "uint2"})) return need("a_format", "int2 or uint2");
      if (!one_of(c.b_format, {"int2"})) return need("b_format", "int2");
      break;
    case PeMode::Fp8:
      for (const Format* f : {c.a_format, c.b_format})
        if (!one_of(f, {"float8_e4m3fn", "float8_e5m2", "float8_e4m3b11fnuz"}))
          return need("a_format and b_format", "float8_e4m3fn, float8_e5m2 or float8_e4m3b11fnuz");
      break;
    case PeMode::Fp4Int4:
      if (!one_of(c.a_format, {"float4_e3m0_radix4"})) return need("a_format", "float4_e3m0_radix4");
      if (!one_of(c.b_format, {"int4"})) return need("b_format", "int4");
      break;
  }
  return std::nullopt;
}

bool integer_mode(PeMode m) { return m == PeMode::Int8 || m == PeMode::Int4 || m == PeMode::Int2; }

template <class T>
std::optional<T> parse_number(std::string_view s) {
  T v{};
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (s.empty() || ec != std::errc() || end != s.data() + s.size()) return std::nullopt;
  return v;
}

std::vector<std::string_view> split_commas(std::string_view text) {
  std::vector<std::string_view> out;
  size_t start = 0;
  for (size_t end; (end = text.find(',', start)) != std::string_view::npos; start = end + 1) out.push_back(text.substr(start, end - start));
  out.push_back(text.substr(start));
  for (auto& piece : out) {
    while (!piece.empty() && piece.front() == ' ') piece.remove_prefix(1);
    while (!piece.empty() && piece.back() == ' ') piece.remove_suffix(1);
  }
  return out;
}

}  // namespace

std::string_view to_string(PeMode mode) {
  for (const auto& [m, name] : kPeModeNames)
    if (m == mode) return name;
  return "?";
}

std::optional<PeMode> parse_pe_mode(std::string_view name) {
  for (const auto& [m, n] : kPeModeNames)
    if (n == name) return m;
  return std::nullopt;
}

uint32_t macs_per_pe_per_cycle(PeMode mode) { return mode == PeMode::Int4 ? 2 : mode == PeMode::Int2 ? 4 : 1; }

std::string AccumulatorSpec::name() const {
  if (!is_float) return "int" + std::to_string(int_bits);
  if (exp_bits == 8 && man_bits == 23) return "float32";
  if (exp_bits == 5 && man_bits == 10) return "float16";
  if (exp_bits == 8 && man_bits == 7) return "bfloat16";
  std::string out = "e";  // appended piecewise: g++ 12 flags "e" + std::string with a false -Wrestrict
  out += std::to_string(exp_bits);
  out += 'm';
  out += std::to_string(man_bits);
  return out;
}

std::optional<AccumulatorSpec> parse_accumulator(std::string_view name) {
  AccumulatorSpec a;
  if (name.starts_with("int")) {
    const auto w = parse_number<int>(name.substr(3));
    if (!w) return std::nullopt;
    a.int_bits = *w;
    return a;
  }
  a.is_float = true;
  if (name == "float32") return a;
  if (name == "float16") a.exp_bits = 5, a.man_bits = 10;
  else if (name == "bfloat16") a.exp_bits = 8, a.man_bits = 7;
  else {
    const size_t m = name.find('m');
    if (!name.starts_with("e") || m == std::string_view::npos) return std::nullopt;
    const auto e = parse_number<int>(name.substr(1, m - 1)), man = parse_number<int>(name.substr(m + 1));
    if (!e || !man) return std::nullopt;
    a.exp_bits = *e, a.man_bits = *man;
  }
  return a;
}

std::optional<std::string> config_error(const ChipConfig& c) {
  if (c.array.rows == 0 || c.array.cols == 0) return "array: rows and columns must be at least 1";
  if (c.cores == 0) return "cores must be at least 1";
  if (c.a_format == nullptr || c.b_format == nullptr) return "a_format and b_format are required";
  if (auto e = operand_error(c)) return e;
  const AccumulatorSpec& acc = c.accumulator;
  if (integer_mode(c.pe_mode) == acc.is_float)
    return std::string("pe_mode ") + std::string(to_string(c.pe_mode)) + " needs " + (acc.is_float ? "an integer" : "a float") + " accumulator";
  if (!acc.is_float && (acc.int_bits < 2 || acc.int_bits > 62)) return "accumulator int<W>: W must be in [2, 62]";
  if (acc.is_float && (acc.exp_bits < 2 || acc.exp_bits > 11 || acc.man_bits < 1 || acc.man_bits > 52))
    return "accumulator e<E>m<M>: E must be in [2, 11] and M in [1, 52]";
  if (c.bias && acc.is_float) return "bias = yes needs an integer accumulator";
  if (c.output == OutputStage::Requantize) {
    if (acc.is_float) return "output = requantize needs an integer accumulator (float accumulators use output = scale)";
    if (acc.int_bits > 32) return "output = requantize reads an int32: the accumulator must have at most 32 bits";
    if (c.requant.input_type != IntType::I32) return "requantize: the input type is the accumulator's, i32";
    if (auto e = requant_params_error(c.requant)) return "requantize: " + *e;
  }
  if (c.output == OutputStage::FloatScale) {
    if (!acc.is_float) return "output = scale needs a float accumulator (integer accumulators use output = requantize)";
    if (!std::isfinite(c.scale)) return "scale must be a finite float32";
  }
  const bool float_out = acc.is_float;
  switch (c.activation) {
    case Activation::None:
    case Activation::Relu: break;
    case Activation::Clamp:
      if (!(c.clamp_min <= c.clamp_max)) return "clamp.min must not exceed clamp.max";
      if (float_out && c.output != OutputStage::FloatScale) return "activation = clamp on a float pipeline needs output = scale (float32)";
      if (float_out && (static_cast<double>(static_cast<float>(c.clamp_min)) != c.clamp_min ||
                        static_cast<double>(static_cast<float>(c.clamp_max)) != c.clamp_max))
        return "clamp bounds of a float pipeline must be float32 values";
      if (!float_out && (std::trunc(c.clamp_min) != c.clamp_min || std::trunc(c.clamp_max) != c.clamp_max))
        return "clamp bounds of an integer pipeline must be integers";
      break;
    case Activation::Table:
      if (float_out || c.output != OutputStage::Requantize ||
          (c.requant.output_type != IntType::I8 && c.requant.output_type != IntType::U8))
        return "activation = table needs output = requantize to i8 or u8 (it is indexed by the 8-bit code)";
      if (c.table.size() != 256) return "table must have 256 entries, got " + std::to_string(c.table.size());
      break;
  }
  return std::nullopt;
}

ChipConfig parse_chip_config(std::string_view text, std::string_view origin) {
  ChipConfig c;
  c.requant.input_type = IntType::I32;
  std::map<std::string, size_t, std::less<>> seen;  // key -> line
  size_t line_number = 0, last_line = 1;
  size_t pos = 0;
  while (pos < text.size()) {
    // 1. One line, without its comment and surrounding blanks.
    size_t end = text.find('\n', pos);
    if (end == std::string_view::npos) end = text.size();
    std::string_view line = text.substr(pos, end - pos);
    pos = end + 1;
    ++line_number;
    if (const size_t hash = line.find('#'); hash != std::string_view::npos) line = line.substr(0, hash);
    const size_t first = line.find_first_not_of(" \t\r");
    if (first == std::string_view::npos) continue;
    last_line = line_number;
    const size_t eq = line.find('=');
    auto fail = [&](size_t column, const std::string& message) { throw InputError(origin, line_number, column, message); };
    if (eq == std::string_view::npos) fail(first + 1, "expected 'key = value'");
    auto trim = [](std::string_view s) {
      const size_t a = s.find_first_not_of(" \t\r");
      if (a == std::string_view::npos) return std::string_view{};
      return s.substr(a, s.find_last_not_of(" \t\r") - a + 1);
    };
    const std::string key(trim(line.substr(0, eq)));
    const std::string_view value = trim(line.substr(eq + 1));
    const size_t value_start = line.find_first_not_of(" \t", eq + 1);
    const size_t value_column = (value_start == std::string_view::npos ? eq + 1 : value_start) + 1;
    if (auto [it, fresh] = seen.emplace(key, line_number); !fresh) fail(first + 1, "key '" + key + "' repeated (first on line " + std::to_string(it->second) + ")");
    auto bad = [&](const std::string& expected) { fail(value_column, key + ": '" + std::string(value) + "', expected " + expected); };
    auto format = [&]() -> const Format* {
      const Format* f = find_format(value);
      if (f == nullptr) bad("a format name of spec/formats.csv (see `lpconform list formats`)");
      return f;
    };
    auto yes_no = [&] {
      if (value != "yes" && value != "no") bad("yes or no");
      return value == "yes";
    };
    auto integer = [&](int64_t lo, int64_t hi) {
      const auto v = parse_number<int64_t>(value);
      if (!v || *v < lo || *v > hi) bad("an integer in [" + std::to_string(lo) + ", " + std::to_string(hi) + "]");
      return *v;
    };
    auto float32 = [&] {
      const auto v = parse_number<float>(value);
      if (!v) bad("a decimal number (read as float32, round to nearest even)");
      return *v;
    };
    auto int32_list = [&] {
      std::vector<int32_t> out;
      for (std::string_view item : split_commas(value)) {
        const auto v = parse_number<int32_t>(item);
        if (!v) bad("a comma-separated list of int32");
        out.push_back(*v);
      }
      return out;
    };

    // 2. The key.
    try {
      if (key == "name") c.name = std::string(value);
      else if (key == "array") c.array = parse_array_shape(value);
      else if (key == "dataflow") c.dataflow = parse_dataflow(value);
      else if (key == "cores") c.cores = static_cast<uint32_t>(integer(1, 4096));
      else if (key == "pe_mode") {
        const auto m = parse_pe_mode(value);
        if (!m) bad("int8, int4, int2, fp8 or fp4-int4");
        c.pe_mode = *m;
      } else if (key == "a_format") c.a_format = format();
      else if (key == "b_format") c.b_format = format();
      else if (key == "accumulator") {
        const auto a = parse_accumulator(value);
        if (!a) bad("int<W>, float32, float16, bfloat16 or e<E>m<M>");
        const AccumulatorSpec keep = c.accumulator;
        c.accumulator = *a;
        c.accumulator.overflow = keep.overflow;
        c.accumulator.rounding = keep.rounding;
      } else if (key == "overflow") {
        if (value != "wrap" && value != "saturate") bad("wrap or saturate");
        c.accumulator.overflow = value == "wrap" ? IntOverflow::Wrap : IntOverflow::Saturate;
      } else if (key == "rounding") {
        if (value != "rne" && value != "rtz") bad("rne or rtz");
        c.accumulator.rounding = value == "rne" ? FloatRounding::NearestEven : FloatRounding::TowardZero;
      } else if (key == "bias") c.bias = yes_no();
      else if (key == "output") {
        if (value == "none") c.output = OutputStage::None;
        else if (value == "requantize") c.output = OutputStage::Requantize;
        else if (value == "scale") c.output = OutputStage::FloatScale;
        else bad("none, requantize or scale");
      } else if (key == "requantize.scheme") {
        const auto s = parse_requant_scheme(value);
        if (!s) bad("tosa-single, tosa-double, gemmlowp, xnnpack-fp32 or xnnpack-rndnu");
        c.requant.scheme = *s;
      } else if (key == "requantize.multiplier") c.requant.multipliers = int32_list();
      else if (key == "requantize.shift") c.requant.shifts = int32_list();
      else if (key == "requantize.scale") {
        c.requant.scales.clear();
        for (std::string_view item : split_commas(value)) {
          const auto v = parse_number<float>(item);
          if (!v) bad("a comma-separated list of float32 scales");
          c.requant.scales.push_back(*v);
        }
      } else if (key == "requantize.output_type") {
        const auto t = parse_int_type(value);
        if (!t) bad("i8, u8, i16, u16 or i32");
        c.requant.output_type = *t;
      } else if (key == "requantize.output_zp") c.requant.output_zp = static_cast<int32_t>(integer(-65536, 65535));
      else if (key == "scale") c.scale = float32();
      else if (key == "activation") {
        if (value == "none") c.activation = Activation::None;
        else if (value == "relu") c.activation = Activation::Relu;
        else if (value == "clamp") c.activation = Activation::Clamp;
        else if (value == "table") c.activation = Activation::Table;
        else bad("none, relu, clamp or table");
      } else if (key == "clamp.min") c.clamp_min = float32();
      else if (key == "clamp.max") c.clamp_max = float32();
      else if (key == "table") c.table = int32_list();
      else fail(first + 1, "unknown key '" + key + "' (spec/chip.md §2 lists the keys)");
    } catch (const std::invalid_argument& e) {  // the layer.hpp parsers (array, dataflow)
      fail(value_column, key + ": " + e.what());
    }
  }
  if (auto e = config_error(c)) throw InputError(origin, last_line, 1, "invalid chip config: " + *e);
  return c;
}

ChipConfig chip_preset(std::string_view name) {
  std::string known;
  for (const ChipPreset& p : chip_presets()) {
    if (p.name == name) return parse_chip_config(p.text, "spec/chip/presets/" + std::string(p.name) + ".cfg");
    known += (known.empty() ? "" : ", ") + std::string(p.name);
  }
  throw std::invalid_argument("unknown chip preset '" + std::string(name) + "'; known presets: " + known);
}

}  // namespace lpc::chip
