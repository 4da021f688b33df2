// lpconform eval gemm: one GEMM on the bundled chip (or its hardware-semantics reference) from CSV
// files of codes, for scripting (spec/chip.md §6). Like the other eval ops, the whole input is
// validated first and stdout is written only at the end; a bad row gives "FILE:LINE:COLUMN: ..."
// on stderr and exit status 2.
#include <bit>
#include <charconv>
#include <cmath>
#include <iostream>
#include <memory>

#include "conformance/cli/commands.hpp"
#include "impls/chip/values/values.hpp"
#include "reference/chip/chip.hpp"
#include "spec/chip/config.hpp"
#include "spec/table/csv.hpp"

namespace lpc::cli {

namespace {

struct GemmArguments {
  std::string preset, config, impl = "chip", a, b, bias;
};

// A matrix of codes from CSV `row,col,code`: every (row, col) of the rectangle [0, rows) x
// [0, cols) exactly once, in any order; rows and cols are one more than the largest indices.
struct CodeMatrix {
  uint64_t rows = 0, cols = 0;
  std::vector<uint8_t> codes;
};

uint64_t parse_index(CsvReader& reader, const CsvRecord& row, const CsvField& field, const char* what) {
  uint64_t v = 0;
  const std::string& s = field.text;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (s.empty() || ec != std::errc() || end != s.data() + s.size() || v >= (uint64_t{1} << 24))
    reader.fail(row, field, std::string("malformed ") + what + " '" + s + "', expected an integer in [0, 2^24)");
  return v;
}

CodeMatrix read_codes(const std::string& path, const Format& format, const char* operand) {
  std::string origin;
  const std::string text = read_input(path, origin);
  CsvReader reader(text, origin, true);
  reader.expect_header({{"row", "col", "code"}});
  struct Entry {
    uint64_t row, col;
    uint8_t code;
    CsvRecord record;
  };
  std::vector<Entry> entries;
  CodeMatrix m;
  for (CsvRecord row; reader.next(row);) {
    if (row.fields.size() != 3) reader.fail(row.line, 1, "expected 3 fields (row,col,code), got " + std::to_string(row.fields.size()));
    const uint64_t r = parse_index(reader, row, row.fields[0], "row"), c = parse_index(reader, row, row.fields[1], "col");
    const std::string& s = row.fields[2].text;
    const bool hex = s.size() > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X');
    uint32_t code = 0;
    auto [end, ec] = std::from_chars(s.data() + (hex ? 2 : 0), s.data() + s.size(), code, hex ? 16 : 10);
    if (s.empty() || ec != std::errc() || end != s.data() + s.size() || code >= format.code_count())
      reader.fail(row, row.fields[2], std::string("malformed code '") + s + "' of " + operand + ", expected a code of " + format.name + " in [0, " +
                                          std::to_string(format.code_count() - 1) + "], hex like 0x7e or decimal");
    entries.push_back({r, c, static_cast<uint8_t>(code), row});
    m.rows = std::max(m.rows, r + 1);
    m.cols = std::max(m.cols, c + 1);
  }
  if (entries.size() != m.rows * m.cols)
    reader.fail(entries.empty() ? 1 : entries.back().record.line, 1,
                std::string(operand) + ": " + std::to_string(entries.size()) + " entries for a " + std::to_string(m.rows) + "x" + std::to_string(m.cols) +
                    " matrix; every (row,col) must appear exactly once");
  m.codes.assign(m.rows * m.cols, 0);
  std::vector<bool> seen(m.codes.size());
  for (const Entry& e : entries) {
    const uint64_t i = e.row * m.cols + e.col;
    if (seen[i]) reader.fail(e.record, e.record.fields[0], std::string(operand) + ": (" + std::to_string(e.row) + "," + std::to_string(e.col) + ") repeated");
    seen[i] = true;
    m.codes[i] = e.code;
  }
  return m;
}

std::vector<int32_t> read_bias(const std::string& path, uint64_t n) {
  std::string origin;
  const std::string text = read_input(path, origin);
  CsvReader reader(text, origin, true);
  reader.expect_header({{"col", "value"}});
  std::vector<int32_t> bias(n);
  std::vector<bool> seen(n);
  size_t last_line = 1;
  for (CsvRecord row; reader.next(row);) {
    if (row.fields.size() != 2) reader.fail(row.line, 1, "expected 2 fields (col,value), got " + std::to_string(row.fields.size()));
    const uint64_t c = parse_index(reader, row, row.fields[0], "col");
    if (c >= n || seen[c]) reader.fail(row, row.fields[0], "col " + row.fields[0].text + (c >= n ? " outside [0, N)" : " repeated"));
    const std::string& s = row.fields[1].text;
    auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), bias[c]);
    if (s.empty() || ec != std::errc() || end != s.data() + s.size()) reader.fail(row, row.fields[1], "malformed bias '" + s + "', expected an int32");
    seen[c] = true;
    last_line = row.line;
  }
  if (std::find(seen.begin(), seen.end(), false) != seen.end()) reader.fail(last_line, 1, "bias: expected one value for each of the " + std::to_string(n) + " columns");
  return bias;
}

std::string value_text(const chip::ChipTensor& t, size_t i) {
  if (!t.is_float) return std::to_string(t.ints[i]);
  const double x = t.floats[i];
  return std::isnan(x) ? "nan" : ref::ExactValue::from_source(Source::F64, std::bit_cast<uint64_t>(x)).to_string();
}

int run_gemm(const GemmArguments& args) {
  // 1. The chip: exactly one of --preset, --config.
  if (args.preset.empty() == args.config.empty()) throw UsageError("eval gemm: give exactly one of --preset NAME and --config FILE");
  if (args.impl != "chip" && args.impl != "reference") throw UsageError("--impl: expected chip or reference, got '" + args.impl + "'");
  chip::ChipConfig config;
  if (!args.preset.empty()) {
    config = chip::chip_preset(args.preset);
  } else {
    std::string origin;
    const std::string text = read_input(args.config, origin);
    config = chip::parse_chip_config(text, origin);
  }
  // 2. The operands, validated whole.
  const CodeMatrix a = read_codes(args.a, *config.a_format, "A"), b = read_codes(args.b, *config.b_format, "B");
  if (a.cols != b.rows)
    throw UsageError("eval gemm: A is " + std::to_string(a.rows) + "x" + std::to_string(a.cols) + " and B is " + std::to_string(b.rows) + "x" +
                     std::to_string(b.cols) + "; A's columns must equal B's rows (K)");
  if (config.bias == args.bias.empty()) throw UsageError(config.bias ? "eval gemm: this chip adds a bias; give --bias FILE" : "eval gemm: this chip has no bias; drop --bias");
  const std::vector<int32_t> bias = config.bias ? read_bias(args.bias, b.cols) : std::vector<int32_t>{};
  // 3. Compute, then write everything at once.
  chip::Layer layer;
  layer.gemm = {a.rows, b.cols, a.cols};
  const chip::ChipValues v = args.impl == "chip" ? chip::values::run_layer(config, layer, a.codes, b.codes, bias)
                                                 : ref::chip::hardware_layer(config, layer, a.codes, b.codes, bias);
  std::string out = "row,col,accumulator,output\n";
  for (size_t i = 0; i < v.outputs.size(); ++i)
    out += std::to_string(i / b.cols) + "," + std::to_string(i % b.cols) + "," + value_text(v.accumulators, i) + "," + value_text(v.outputs, i) + "\n";
  std::cout << out << std::flush;
  return 0;
}

}  // namespace

std::function<std::optional<int>()> add_eval_gemm(CLI::App& eval) {
  auto args = std::make_shared<GemmArguments>();
  auto* gemm = eval.add_subcommand("gemm",
                                   "C = A x B on the bundled chip (spec/chip.md §6).\n"
                                   "--a / --b: CSV with header 'row,col,code', every (row,col) of the matrix once, codes hex (0x7e) or decimal of the "
                                   "config's a_format / b_format; A is M x K, B is K x N.\n"
                                   "--bias: CSV 'col,value' with N int32 values (chips with bias = yes).\n"
                                   "stdout: CSV 'row,col,accumulator,output', exact decimals (nan, inf, -inf; -0 kept).");
  gemm->add_option("--preset", args->preset, "Chip preset: fp4-training | hfp8-training | int8-inference");
  gemm->add_option("--config", args->config, "Chip config file (key = value, spec/chip.md §2)");
  gemm->add_option("--impl", args->impl, "chip (the value model) | reference (the hardware-semantics reference)")->capture_default_str();
  gemm->add_option("--a", args->a, "A codes (CSV row,col,code); - for stdin")->required();
  gemm->add_option("--b", args->b, "B codes (CSV row,col,code)")->required();
  gemm->add_option("--bias", args->bias, "Bias per output column (CSV col,value)");
  return [args, gemm]() -> std::optional<int> {
    if (gemm->parsed()) return run_gemm(*args);
    return std::nullopt;
  };
}

}  // namespace lpc::cli
