// lpconform eval ulq: the ULQ quantizers (spec/quantizers.md §5) on a CSV tensor from stdin, for
// scripting. Like the other eval ops the whole input is validated first and stdout is written only
// at the end: a bad row gives one message "<stdin>:LINE:COLUMN: ..." on stderr, exit status 2, and
// nothing on stdout. Floats print as the shortest decimal that reads back as the same value of the
// precision (std::to_chars).
#include <bit>
#include <charconv>
#include <cmath>
#include <iostream>
#include <memory>
#include <sstream>

#include "cli/commands.hpp"
#include "impls/fast/quantizers/ulq.hpp"
#include "reference/quantizers/ulq.hpp"
#include "spec/table/csv.hpp"

namespace lpc::cli {

namespace {

struct UlqArguments {
  std::string impl = "reference", input = "-", method, precision = "float32", betas, criterion = "mse", partition;
  int bits = 4;
};

// A value of the precision written as a decimal (rounded to nearest even) or as bits: 0x3f800000
// (float32) or 0x3ff0000000000000 (float64).
std::optional<double> parse_value(UlqPrecision precision, const std::string& s) {
  if (precision == UlqPrecision::Float32) {
    const auto v = parse_float32(s);
    return v ? std::optional<double>(*v) : std::nullopt;
  }
  double v = 0;
  if (s.size() > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
    uint64_t bits = 0;
    auto [p, ec] = std::from_chars(s.data() + 2, s.data() + s.size(), bits, 16);
    if (ec != std::errc() || p != s.data() + s.size()) return std::nullopt;
    return std::bit_cast<double>(bits);
  }
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || p != s.data() + s.size()) return std::nullopt;
  return v;
}

std::string print_value(UlqPrecision precision, double v) {
  if (precision == UlqPrecision::Float32) return shortest(static_cast<float>(v));
  char buffer[32];
  auto [end, ec] = std::to_chars(buffer, buffer + sizeof buffer, v);
  return std::string(buffer, end);
}

std::vector<double> value_list(UlqPrecision precision, const std::string& option, const std::string& text) {
  std::vector<double> out;
  std::istringstream in(text);
  for (std::string item; std::getline(in, item, ',');) {
    const auto v = parse_value(precision, item);
    if (!v) throw UsageError(option + ": malformed number '" + item + "', expected a comma-separated list of decimals or bit patterns like 0x3f800000");
    out.push_back(*v);
  }
  return out;
}

int run_ulq(const UlqArguments& a) {
  // 1. The command line (spec/quantizers.md §5.9).
  UlqParams p;
  const auto method = parse_ulq_method(a.method);
  if (!method) throw UsageError("--method: expected binary, ternary, ternary-twn, lab, laq, pow2 or activation, got '" + a.method + "'");
  p.method = *method;
  if (a.precision != "float32" && a.precision != "float64") throw UsageError("--precision: expected float32 or float64, got '" + a.precision + "'");
  p.precision = a.precision == "float32" ? UlqPrecision::Float32 : UlqPrecision::Float64;
  p.bits = a.bits;
  if (a.criterion != "mse" && a.criterion != "proxy") throw UsageError("--criterion: expected mse or proxy, got '" + a.criterion + "'");
  p.criterion = a.criterion == "mse" ? UlqCriterion::Mse : UlqCriterion::LossProxy;
  if (p.method == UlqMethod::Activation) {
    if (a.betas.empty()) throw UsageError("--method activation needs --betas (the candidate clip values)");
    p.betas = value_list(p.precision, "--betas", a.betas);
  } else if (!a.betas.empty()) {
    throw UsageError("--betas applies to --method activation only");
  }
  if (auto e = ulq_params_error(p)) throw UsageError("ulq: " + *e);
  std::vector<double> ratios;
  if (!a.partition.empty()) {
    if (p.method == UlqMethod::Activation) throw UsageError("--partition applies to the weight methods, not activation");
    ratios = value_list(UlqPrecision::Float64, "--partition", a.partition);
    if (auto e = ulq_ratios_error(ratios)) throw UsageError("--partition: " + *e);
  }
  const bool fast = use_fast(a.impl);

  // 2. The whole input, validated field by field (§5.9).
  const bool with_d = ulq_needs_curvature(p.method);
  const bool with_g = p.method == UlqMethod::Activation && p.criterion == UlqCriterion::LossProxy;
  std::vector<std::string> header = {"w"};
  if (with_d) header.push_back("d");
  if (with_g) header.push_back("grad");
  std::string origin;
  const std::string text = read_input(a.input, origin);
  CsvReader reader(text, origin, false);
  reader.expect_header({header});
  const std::string type = a.precision;
  std::vector<std::string> echo;
  std::vector<double> w, d, g;
  size_t last_line = 1;
  for (CsvRecord row; reader.next(row);) {
    last_line = row.line;
    if (row.fields.size() != header.size())
      reader.fail(row.line, row.fields.size() > header.size() ? row.fields[header.size()].column : 1,
                  "expected " + std::to_string(header.size()) + " fields, got " + std::to_string(row.fields.size()));
    std::vector<double> values;
    for (size_t c = 0; c < header.size(); ++c) {
      const auto v = parse_value(p.precision, row.fields[c].text);
      if (!v) reader.fail(row, row.fields[c], "malformed " + header[c] + " '" + row.fields[c].text + "', expected a " + type + " as a decimal or as bits");
      if (!std::isfinite(*v)) reader.fail(row, row.fields[c], header[c] + " is not finite; ULQ takes finite " + type + " values (spec/quantizers.md §5.9)");
      if (header[c] == "d" && !(*v > 0)) reader.fail(row, row.fields[c], "d must be > 0 (a diagonal curvature, spec/quantizers.md §5.5)");
      values.push_back(*v);
    }
    echo.push_back(row.fields[0].text);
    w.push_back(values[0]);
    if (with_d) d.push_back(values[1]);
    if (with_g) g.push_back(values.back());
  }
  if (w.empty()) reader.fail(last_line + 1, 1, "no rows: ULQ quantizes a non-empty tensor");

  // 3. Compute, then write everything at once.
  const UlqOutcome outcome = fast ? fast::ulq_quantize(p, w, d, g) : ref::ulq_quantize(p, w, d, g);
  if (!outcome.ok) throw std::logic_error(std::string(fast ? "fast" : "reference") + " ulq rejected validated input: " + outcome.error);
  std::vector<int> steps;
  if (!ratios.empty()) steps = fast ? fast::ulq_partition_steps(w, ratios) : ref::ulq_partition_steps(w, ratios);
  const UlqResult& r = outcome.result;
  const std::string shared = "," + print_value(p.precision, r.scale) + "," + std::to_string(r.support);
  std::string out = steps.empty() ? "w,code,value,scale,support\n" : "w,code,value,scale,support,step\n";
  for (size_t i = 0; i < w.size(); ++i) {
    out += echo[i] + "," + std::to_string(r.codes[i]) + "," + print_value(p.precision, r.values[i]) + shared;
    if (!steps.empty()) out += "," + std::to_string(steps[i]);
    out += "\n";
  }
  std::cout << out << std::flush;
  return 0;
}

}  // namespace

std::function<std::optional<int>()> add_eval_ulq(CLI::App& eval) {
  auto a = std::make_shared<UlqArguments>();
  auto* ulq = eval.add_subcommand(
      "ulq",
      "ULQ ultra-low-bit quantization of one tensor (spec/quantizers.md §5).\n"
      "stdin: CSV with header 'w' ('w,d' for lab and laq: d > 0 the diagonal curvature; 'w,grad' for activation with "
      "--criterion proxy), values of --precision as decimals or bits like 0x3f800000.\n"
      "stdout: CSV 'w,code,value,scale,support' (',step' with --partition): code -1/0/+1 (binary, ternary, lab, laq), "
      "0 or ±j for the level ±2^(n1-j+1) (pow2), 0..2^bits-1 (activation); value the dequantized value; scale the chosen "
      "α, 2^n1 (pow2) or β (activation), the same on every row; support the number of nonzero codes.");
  ulq->add_option("--method", a->method, "binary | ternary (exact L2-optimal) | ternary-twn | lab | laq | pow2 | activation")->required();
  ulq->add_option("--precision", a->precision, "float32 | float64: the type of the data and of every output")->capture_default_str();
  ulq->add_option("--bits", a->bits, "pow2: 2..8 (levels 0, ±2^n2..±2^n1); activation: 1..16")->capture_default_str();
  ulq->add_option("--betas", a->betas, "activation: the candidate clip values β, comma-separated (the smallest error wins, ties to the smaller β)");
  ulq->add_option("--criterion", a->criterion, "activation: mse | proxy (|<grad, x̂ - x>|)")->capture_default_str();
  ulq->add_option("--partition", a->partition, "Incremental partition ratios, e.g. 0.5,0.75,0.875,1: adds the column step (1-based, 0 = not frozen)");
  ulq->add_option("--impl", a->impl, "reference | fast")->capture_default_str();
  ulq->add_option("--input,-i", a->input, "Read this file instead of stdin")->capture_default_str();
  return [a, ulq]() -> std::optional<int> {
    if (ulq->parsed()) return run_ulq(*a);
    return std::nullopt;
  };
}

}  // namespace lpc::cli
