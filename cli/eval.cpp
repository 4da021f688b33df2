// lpconform eval encode|decode: CSV in on stdin, CSV out on stdout, for scripting.
//
// The whole input is read and validated before anything is converted, and stdout is written only
// at the end, so a bad row leaves stdout empty: one message "<stdin>:LINE:COLUMN: ..." on stderr
// and exit status 2.
#include <bit>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <iterator>
#include <sstream>

#include "cli/commands.hpp"
#include "conformance/core/case.hpp"
#include "spec/table/csv.hpp"
#include "conformance/formats/checks.hpp"

namespace lpc::cli {

namespace {

struct EvalArguments {
  std::string format, rounding, overflow, impl = "reference", source = "float32", input = "-";
  int sr_bits = 0;
};

// "0x..." with at most `bits` significant bits; nullopt when the field is not hex at all.
std::optional<uint64_t> parse_hex(const CsvReader& reader, const CsvRecord& row, const CsvField& field, int bits, const char* what) {
  const std::string& s = field.text;
  if (!(s.size() > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X'))) return std::nullopt;
  uint64_t v = 0;
  auto [p, ec] = std::from_chars(s.data() + 2, s.data() + s.size(), v, 16);
  if (ec == std::errc::result_out_of_range || (ec == std::errc() && p == s.data() + s.size() && bits < 64 && (v >> bits) != 0))
    reader.fail(row, field, "value out of range: '" + s + "' does not fit " + std::to_string(bits) + " bits, expected " + what);
  if (ec != std::errc() || p != s.data() + s.size()) reader.fail(row, field, "malformed hex number '" + s + "', expected " + what);
  return v;
}

// A decimal number read as the source type with round-to-nearest-even (spec/formats.md §5).
template <class Float>
uint64_t parse_decimal(const CsvReader& reader, const CsvRecord& row, const CsvField& field, const char* expected) {
  const std::string& s = field.text;
  Float x{};
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), x);
  if (ec == std::errc::result_out_of_range) {
    const char* type = sizeof(Float) == 4 ? "float32" : "float64";
    long double wide = 0;  // only to tell overflow from underflow
    std::from_chars(s.data(), s.data() + s.size(), wide);
    reader.fail(row, field, "value out of range: '" + s + "' " + (std::fabs(wide) > 1 ? "overflows " + std::string(type) + "; write inf or -inf for an infinity"
                                                                                    : "underflows " + std::string(type) + "; write 0 or -0 for a zero"));
  }
  if (ec != std::errc() || p != s.data() + s.size()) reader.fail(row, field, "malformed value '" + s + "', expected " + expected);
  if constexpr (sizeof(Float) == 4) return std::bit_cast<uint32_t>(x);
  else return std::bit_cast<uint64_t>(x);
}

int run_encode(const EvalArguments& a) {
  // 1. The command line.
  const Format& format = format_option(a.format);
  const Implementation& impl = implementation_by_name(a.impl);
  EncodeParams params;
  const auto rounding = parse_rounding(a.rounding);
  if (!rounding) throw UsageError("--rounding: unknown rounding '" + a.rounding + "', expected rne, rna, rtz, rup, rdn, rto, sr_a, sr_b or sr_c");
  const auto overflow = parse_overflow(a.overflow);
  if (!overflow) throw UsageError("--overflow: unknown policy '" + a.overflow + "', expected sat, nonsat, satprop or wrap");
  const auto source = parse_source(a.source);
  if (!source) throw UsageError("--source: unknown source type '" + a.source + "', expected float32, float64, bfloat16 or float16");
  params.rounding = *rounding;
  params.overflow = *overflow;
  params.sr_bits = a.sr_bits;
  const bool stochastic = is_stochastic(params.rounding);
  if (format.is_integer() ? (params.overflow != Overflow::Sat && params.overflow != Overflow::Wrap) : params.overflow == Overflow::Wrap)
    throw UsageError("--overflow " + a.overflow + " does not apply to " + format.name + ": expected " +
                     (format.is_integer() ? "sat or wrap (integers)" : "sat, nonsat or satprop (floats)"));
  if (stochastic && (a.sr_bits < 1 || a.sr_bits > 24))
    throw UsageError("--rounding " + a.rounding + " needs --sr-bits N with N in 1..24 (the random bits used per input)");
  if (!stochastic && a.sr_bits) throw UsageError("--sr-bits applies only to the stochastic roundings sr_a, sr_b, sr_c");

  // 2. The whole input, validated.
  std::string origin;
  const std::string text = read_input(a.input, origin);
  CsvReader reader(text, origin, false);
  const std::vector<std::string> header = stochastic ? std::vector<std::string>{"input", "random"} : std::vector<std::string>{"input"};
  reader.expect_header({header});
  const int width = source_bits(*source);
  const uint64_t one_bits = *source == Source::F32 ? 0x3f800000 : *source == Source::F64 ? 0x3ff0000000000000 : *source == Source::BF16 ? 0x3f80 : 0x3c00;
  const std::string hex_expected = "a " + std::string(to_string(*source)) + " bit pattern like " + source_bits_hex(*source, one_bits) +
                                   " (1.0)" + (width >= 32 ? " or a decimal number" : "");
  std::vector<std::string> echo;
  std::vector<uint64_t> inputs;
  std::vector<uint32_t> random;
  for (CsvRecord row; reader.next(row);) {
    if (row.fields.size() != header.size())
      reader.fail(row.line, row.fields.size() > header.size() ? row.fields[header.size()].column : 1,
                  "expected " + std::to_string(header.size()) + " field(s) (" + (stochastic ? "input,random" : "input") + "), got " +
                      std::to_string(row.fields.size()));
    const CsvField& field = row.fields[0];
    if (field.text.empty()) reader.fail(row, field, "empty value, expected " + hex_expected);
    std::optional<uint64_t> bits = parse_hex(reader, row, field, width, hex_expected.c_str());
    if (!bits && width == 32) bits = parse_decimal<float>(reader, row, field, hex_expected.c_str());
    if (!bits && width == 64) bits = parse_decimal<double>(reader, row, field, hex_expected.c_str());
    if (!bits) reader.fail(row, field, "'" + field.text + "' is not a bit pattern, expected " + hex_expected + " (decimals need --source float32 or float64)");
    echo.push_back(field.text);
    inputs.push_back(*bits);
    if (stochastic) {
      const CsvField& r = row.fields[1];
      std::optional<uint64_t> word = parse_hex(reader, row, r, 32, "a 32-bit random word like 0x0000000f or a decimal");
      if (!word) {
        uint32_t v = 0;
        auto [p, ec] = std::from_chars(r.text.data(), r.text.data() + r.text.size(), v);
        if (ec != std::errc() || p != r.text.data() + r.text.size() || r.text.empty())
          reader.fail(row, r, "malformed random word '" + r.text + "', expected an unsigned 32-bit number (hex like 0xf or decimal)");
        word = v;
      }
      random.push_back(static_cast<uint32_t>(*word));
    }
  }

  // 3. Convert, then write everything at once.
  if (!impl.encode) { std::cerr << "lpconform: " << impl.name << " does not implement encode\n"; return 1; }
  std::vector<uint32_t> codes(inputs.size());
  std::vector<uint8_t> flags(inputs.size());
  std::string error;
  const EncodeBatch batch{&format, params, *source, inputs, random, codes, impl.produces_flags ? std::span<uint8_t>(flags) : std::span<uint8_t>{}, {}};
  if (const OpStatus s = impl.encode(batch, error); s != OpStatus::Ok) {
    std::cerr << "lpconform: " << impl.name << (s == OpStatus::Unsupported ? " does not support this conversion" : " failed")
              << (error.empty() ? "" : ": " + error) << "\n";
    return 1;
  }
  std::string out = "input,output,flags\n";
  for (size_t i = 0; i < inputs.size(); ++i)
    out += echo[i] + "," + code_hex(format, codes[i]) + "," + (impl.produces_flags ? flags_to_string(flags[i]) : "") + "\n";
  std::cout << out << std::flush;
  return 0;
}

int run_decode(const EvalArguments& a) {
  const Format& format = format_option(a.format);
  const Implementation& impl = implementation_by_name(a.impl);
  std::string origin;
  const std::string text = read_input(a.input, origin);
  CsvReader reader(text, origin, false);
  reader.expect_header({{"code"}});
  const std::string expected = "a hex code of " + format.name + " like " + code_hex(format, 0) + " .. " + code_hex(format, format.code_mask());
  std::vector<std::string> echo;
  std::vector<uint32_t> codes;
  for (CsvRecord row; reader.next(row);) {
    if (row.fields.size() != 1) reader.fail(row.line, row.fields[1].column, "expected 1 field (code), got " + std::to_string(row.fields.size()));
    const auto code = parse_hex(reader, row, row.fields[0], format.bits, expected.c_str());
    if (!code) reader.fail(row, row.fields[0], "'" + row.fields[0].text + "' is not hex, expected " + expected);
    echo.push_back(row.fields[0].text);
    codes.push_back(static_cast<uint32_t>(*code));
  }
  if (!impl.decode) { std::cerr << "lpconform: " << impl.name << " does not implement decode\n"; return 1; }
  std::vector<double> values(codes.size());
  std::string error;
  if (const OpStatus s = impl.decode(DecodeBatch{&format, codes, values}, error); s != OpStatus::Ok) {
    std::cerr << "lpconform: " << impl.name << (s == OpStatus::Unsupported ? " does not support decoding " + format.name : " failed")
              << (error.empty() ? "" : ": " + error) << "\n";
    return 1;
  }
  std::string out = "code,value_f32,value_exact\n";
  for (size_t i = 0; i < codes.size(); ++i)
    out += echo[i] + "," + source_bits_hex(Source::F32, std::bit_cast<uint32_t>(static_cast<float>(values[i]))) + "," + exact_decimal(values[i]) + "\n";
  std::cout << out << std::flush;
  return 0;
}

}  // namespace

Command add_eval(CLI::App& app) {
  auto* sub = app.add_subcommand("eval", "Convert CSV rows on stdin with one implementation, for scripting");
  sub->require_subcommand(1);
  auto a = std::make_shared<EvalArguments>();
  auto* encode = sub->add_subcommand("encode",
                                     "stdin: CSV with header 'input' (or 'input,random' for sr_a/sr_b/sr_c), each a bit pattern like "
                                     "0x3f800000 or a decimal number (read as float32, round to nearest even).\n"
                                     "stdout: CSV 'input,output,flags': the code in hex, flags as letters x u o i (spec/formats.md §5.4).");
  encode->add_option("--format", a->format, "Target format (see `lpconform list formats`)")->required();
  encode->add_option("--rounding", a->rounding, "rne | rna | rtz | rup | rdn | rto | sr_a | sr_b | sr_c")->required();
  encode->add_option("--overflow", a->overflow, "sat | nonsat | satprop (floats); sat | wrap (integers)")->required();
  encode->add_option("--sr-bits", a->sr_bits, "Random bits N (1..24) for sr_a, sr_b, sr_c");
  encode->add_option("--source", a->source, "Type of the inputs: float32 | float64 | bfloat16 | float16")->capture_default_str();
  encode->add_option("--impl", a->impl, "Implementation: reference | fast | chip | plugin:PATH (see `lpconform list impls`)")->capture_default_str();
  encode->add_option("--input,-i", a->input, "Read this file instead of stdin")->capture_default_str();
  auto* decode = sub->add_subcommand("decode",
                                     "stdin: CSV with header 'code', each a hex code like 0x7e.\n"
                                     "stdout: CSV 'code,value_f32,value_exact': float32 bits in hex; the exact value in decimal, or nan, inf, -inf.");
  decode->add_option("--format", a->format, "Format of the codes (see `lpconform list formats`)")->required();
  decode->add_option("--impl", a->impl, "Implementation: reference | fast | chip | plugin:PATH (see `lpconform list impls`)")->capture_default_str();
  decode->add_option("--input,-i", a->input, "Read this file instead of stdin")->capture_default_str();
  auto registry = add_eval_registry(*sub);
  return {sub, [a, encode, registry] {
            if (auto status = registry()) return *status;
            return encode->parsed() ? run_encode(*a) : run_decode(*a);
          }};
}

}  // namespace lpc::cli
