// lpconform eval requantize: integer requantization (spec/quantizers.md §2) on CSV rows from
// stdin, for scripting. Like eval encode/decode, the whole input is validated first and stdout is
// written only at the end: a bad row or an element the spec rejects gives one message
// "<stdin>:LINE:COLUMN: ..." on stderr, exit status 2, and nothing on stdout.
//
// Floats are printed as the shortest decimal that reads back as the same float32 (std::to_chars),
// so every printed value round-trips exactly; "inf", "-inf", "nan" as named.
#include <bit>
#include <charconv>
#include <fstream>
#include <iostream>
#include <iterator>
#include <memory>
#include <optional>
#include <sstream>

#include "cli/commands.hpp"
#include "conformance/core/case.hpp"
#include "impls/fast/quantizers/requantize.hpp"
#include "reference/quantizers/requantize.hpp"
#include "spec/table/csv.hpp"

namespace lpc::cli {

namespace {

struct QuantizerArguments {
  std::string impl = "reference", input = "-";
  // requantize
  std::string scheme, input_type = "i32", output_type = "i8", multipliers, shifts, scales;
  int32_t input_zp = 0, output_zp = 0;
  bool scale16 = false;
};

}  // namespace

bool use_fast(const std::string& impl) {
  if (impl != "reference" && impl != "fast") throw UsageError("--impl: quantizer ops are implemented by 'reference' and 'fast', got '" + impl + "'");
  return impl == "fast";
}

// A float32 written in decimal (rounded to nearest even) or as bits "0x3f800000".
std::optional<float> parse_float32(const std::string& s) {
  if (s.size() > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
    uint32_t bits = 0;
    auto [p, ec] = std::from_chars(s.data() + 2, s.data() + s.size(), bits, 16);
    if (ec != std::errc() || p != s.data() + s.size()) return std::nullopt;
    return std::bit_cast<float>(bits);
  }
  float v = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || p != s.data() + s.size()) return std::nullopt;
  return v;
}

float float_option(const std::string& option, const std::string& text) {
  const auto v = parse_float32(text);
  if (!v) throw UsageError(option + ": malformed number '" + text + "', expected a decimal or float32 bits like 0x3f800000");
  return *v;
}

std::string shortest(float v) {
  char buffer[32];
  auto [end, ec] = std::to_chars(buffer, buffer + sizeof buffer, v);
  return std::string(buffer, end);
}

namespace {

template <class T>
std::vector<T> list_option(const std::string& option, const std::string& text) {
  std::vector<T> out;
  std::istringstream in(text);
  for (std::string item; std::getline(in, item, ',');) {
    if constexpr (std::is_same_v<T, float>) {
      out.push_back(float_option(option, item));
    } else {
      T v{};
      auto [p, ec] = std::from_chars(item.data(), item.data() + item.size(), v);
      if (ec != std::errc() || p != item.data() + item.size()) throw UsageError(option + ": malformed integer '" + item + "' (a comma-separated list, one per channel)");
      out.push_back(v);
    }
  }
  return out;
}

int run_requantize(const QuantizerArguments& a) {
  // 1. The command line (spec/quantizers.md §2.6).
  RequantParams p;
  const auto scheme = parse_requant_scheme(a.scheme);
  if (!scheme) throw UsageError("--scheme: expected tosa-single, tosa-double, gemmlowp, xnnpack-fp32 or xnnpack-rndnu, got '" + a.scheme + "'");
  p.scheme = *scheme;
  const auto in_type = parse_int_type(a.input_type), out_type = parse_int_type(a.output_type);
  if (!in_type) throw UsageError("--input-type: expected i8, u8, i16, u16, i32 or i48, got '" + a.input_type + "'");
  if (!out_type) throw UsageError("--output-type: expected i8, u8, i16, u16 or i32, got '" + a.output_type + "'");
  p.input_type = *in_type;
  p.output_type = *out_type;
  p.input_zp = a.input_zp;
  p.output_zp = a.output_zp;
  p.scale32 = !a.scale16;
  const bool xnnpack = p.scheme == RequantScheme::XnnpackFp32 || p.scheme == RequantScheme::XnnpackRndnu;
  if (xnnpack) {
    if (a.scales.empty() || !a.multipliers.empty() || !a.shifts.empty()) throw UsageError("--scheme " + a.scheme + " takes --scale (one per channel), not --multiplier/--shift");
    p.scales = list_option<float>("--scale", a.scales);
  } else {
    if (a.multipliers.empty() || a.shifts.empty() || !a.scales.empty()) throw UsageError("--scheme " + a.scheme + " takes --multiplier and --shift (one per channel), not --scale");
    p.multipliers = list_option<int32_t>("--multiplier", a.multipliers);
    p.shifts = list_option<int32_t>("--shift", a.shifts);
  }
  if (auto e = requant_params_error(p)) throw UsageError("requantize: " + *e);
  const bool fast = use_fast(a.impl);

  // 2. The whole input, validated; an element the spec rejects is reported at its row.
  std::string origin;
  const std::string text = read_input(a.input, origin);
  CsvReader reader(text, origin, false);
  reader.expect_header({{"value"}});
  const std::string range = "[" + std::to_string(int_type_min(p.input_type)) + ", " + std::to_string(int_type_max(p.input_type)) + "]";
  std::vector<CsvRecord> rows;
  std::vector<int64_t> values;
  for (CsvRecord row; reader.next(row);) {
    if (row.fields.size() != 1) reader.fail(row.line, row.fields[1].column, "expected 1 field (value), got " + std::to_string(row.fields.size()));
    const std::string& s = row.fields[0].text;
    int64_t v = 0;
    auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (ec != std::errc() || end != s.data() + s.size() || s.empty()) reader.fail(row, row.fields[0], "malformed integer '" + s + "', expected a decimal in " + range);
    if (v < int_type_min(p.input_type) || v > int_type_max(p.input_type))
      reader.fail(row, row.fields[0], "value " + s + " is not a " + std::string(to_string(p.input_type)) + ", expected " + range);
    rows.push_back(row);
    values.push_back(v);
  }

  // 3. Compute (errors point at their row), then write everything at once.
  std::vector<int64_t> out(values.size());
  if (fast) {
    if (auto e = fast::requantize(p, values, out)) reader.fail(rows[e->index], rows[e->index].fields[0], e->message);
  } else {
    for (size_t i = 0; i < values.size(); ++i) {
      const ref::RequantOutcome r = ref::requantize(p, values[i], i % p.channels());
      if (!r.ok) reader.fail(rows[i], rows[i].fields[0], r.error);
      out[i] = r.value;
    }
  }
  std::string text_out = "value,output\n";
  for (size_t i = 0; i < values.size(); ++i) text_out += rows[i].fields[0].text + "," + std::to_string(out[i]) + "\n";
  std::cout << text_out << std::flush;
  return 0;
}

}  // namespace

std::function<std::optional<int>()> add_eval_quantizers(CLI::App& eval) {
  auto a = std::make_shared<QuantizerArguments>();
  auto* requantize = eval.add_subcommand("requantize",
                                         "Integer requantization (spec/quantizers.md §2).\n"
                                         "stdin: CSV with header 'value', integers of --input-type (channel of row i: i % channels).\n"
                                         "stdout: CSV 'value,output'.");
  requantize->add_option("--scheme", a->scheme, "tosa-single | tosa-double | gemmlowp | xnnpack-fp32 | xnnpack-rndnu")->required();
  requantize->add_option("--input-type", a->input_type, "i8 | u8 | i16 | u16 | i32 | i48")->capture_default_str();
  requantize->add_option("--output-type", a->output_type, "i8 | u8 | i16 | u16 | i32")->capture_default_str();
  requantize->add_option("--multiplier", a->multipliers, "Integer multiplier(s), comma-separated per channel (TOSA, gemmlowp)");
  requantize->add_option("--shift", a->shifts, "Right shift(s), comma-separated per channel (TOSA: 2..62; gemmlowp: 31 + exponent)");
  requantize->add_option("--scale", a->scales, "Float32 scale(s) in [2^-32, 1), comma-separated per channel (XNNPACK schemes)");
  requantize->add_option("--input-zp", a->input_zp, "Input zero point")->capture_default_str();
  requantize->add_option("--output-zp", a->output_zp, "Output zero point")->capture_default_str();
  requantize->add_flag("--scale16", a->scale16, "TOSA scale16: 16-bit multiplier (tosa-single only)");
  for (CLI::App* sub : {requantize}) {
    sub->add_option("--impl", a->impl, "reference | fast")->capture_default_str();
    sub->add_option("--input,-i", a->input, "Read this file instead of stdin")->capture_default_str();
  }
  return [a, requantize]() -> std::optional<int> {
    if (requantize->parsed()) return run_requantize(*a);
    return std::nullopt;
  };
}

}  // namespace lpc::cli
