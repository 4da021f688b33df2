// lpconform eval lsq|requantize: the quantizer family's ops (spec/quantizers.md) on CSV rows from
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
#include "impls/fast/quantizers/lsq.hpp"
#include "impls/fast/quantizers/requantize.hpp"
#include "reference/quantizers/lsq.hpp"
#include "reference/quantizers/requantize.hpp"
#include "spec/table/csv.hpp"

namespace lpc::cli {

namespace {

struct QuantizerArguments {
  std::string impl = "reference", input = "-";
  // lsq
  std::string variant = "paper", scale = "1", grad_scale = "1", offset;
  int32_t qmin = -128, qmax = 127;
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

int run_lsq(const QuantizerArguments& a) {
  // 1. The command line (spec/quantizers.md §1.5).
  LsqParams p;
  if (a.variant != "paper" && a.variant != "torch") throw UsageError("--variant: expected paper or torch, got '" + a.variant + "'");
  p.variant = a.variant == "paper" ? LsqVariant::Paper : LsqVariant::Torch;
  p.qmin = a.qmin;
  p.qmax = a.qmax;
  p.scale = float_option("--scale", a.scale);
  p.grad_scale = float_option("--grad-scale", a.grad_scale);
  if (auto e = lsq_params_error(p)) throw UsageError("lsq: " + *e);
  std::optional<float> beta;  // LSQ+ (§1.6)
  if (!a.offset.empty()) {
    beta = float_option("--offset", a.offset);
    if (!std::isfinite(*beta)) throw UsageError("--offset: the LSQ+ offset must be finite (spec/quantizers.md §1.6), got '" + a.offset + "'");
  }
  const bool fast = use_fast(a.impl);

  // 2. The whole input, validated (NaN x and non-finite dy are errors, §1.5).
  std::string origin;
  const std::string text = read_input(a.input, origin);
  CsvReader reader(text, origin, false);
  reader.expect_header({{"x", "dy"}});
  const char* expected = "a float32 as a decimal or as bits like 0x3f800000";
  std::vector<std::string> echo;
  std::vector<float> x, dy;
  for (CsvRecord row; reader.next(row);) {
    if (row.fields.size() != 2) reader.fail(row.line, row.fields.size() > 2 ? row.fields[2].column : 1, "expected 2 fields (x,dy), got " + std::to_string(row.fields.size()));
    const auto xv = parse_float32(row.fields[0].text), dyv = parse_float32(row.fields[1].text);
    if (!xv) reader.fail(row, row.fields[0], "malformed x '" + row.fields[0].text + "', expected " + expected);
    if (!dyv) reader.fail(row, row.fields[1], "malformed dy '" + row.fields[1].text + "', expected " + expected);
    if (std::isnan(*xv)) reader.fail(row, row.fields[0], "x is NaN; LSQ rejects NaN inputs (spec/quantizers.md §1.5)");
    if (!std::isfinite(*dyv)) reader.fail(row, row.fields[1], "dy is not finite; expected a finite float32 (spec/quantizers.md §1.5)");
    echo.push_back(row.fields[0].text);
    x.push_back(*xv);
    dy.push_back(*dyv);
  }

  // 3. Compute, then write everything at once.
  std::vector<float> y(x.size()), dx(x.size()), ds(x.size()), dbeta(x.size());
  if (fast) {
    const auto e = beta ? fast::lsq_plus_forward_backward(p, *beta, x, dy, y, dx, ds, dbeta) : fast::lsq_forward_backward(p, x, dy, y, dx, ds);
    if (e) throw std::logic_error("fast lsq rejected validated input: " + e->message);
  } else {
    for (size_t i = 0; i < x.size(); ++i) {
      const ref::LsqPlusOutcome r = beta ? ref::lsq_plus(p, *beta, x[i], dy[i]) : [&] {
        const ref::LsqOutcome plain = ref::lsq(p, x[i], dy[i]);
        return ref::LsqPlusOutcome{plain.ok, plain.element, 0.0f, plain.error};
      }();
      if (!r.ok) throw std::logic_error("reference lsq rejected validated input: " + r.error);
      y[i] = r.element.y;
      dx[i] = r.element.dx;
      ds[i] = r.element.ds;
      dbeta[i] = r.dbeta;
    }
  }
  std::string out = beta ? "x,y,dx,ds,dbeta\n" : "x,y,dx,ds\n";
  for (size_t i = 0; i < x.size(); ++i)
    out += echo[i] + "," + shortest(y[i]) + "," + shortest(dx[i]) + "," + shortest(ds[i]) + (beta ? "," + shortest(dbeta[i]) : "") + "\n";
  std::cout << out << std::flush;
  return 0;
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
  auto* lsq = eval.add_subcommand("lsq",
                                  "LSQ forward and backward (spec/quantizers.md §1).\n"
                                  "stdin: CSV with header 'x,dy', float32 values as decimals or bits like 0x3f800000.\n"
                                  "stdout: CSV 'x,y,dx,ds': ds is this element's contribution (grad scale applied); floats as the "
                                  "shortest decimal that reads back as the same float32.");
  lsq->add_option("--variant", a->variant, "Boundary convention: paper (compare v/s before rounding) | torch (PyTorch fake-quantize)")->capture_default_str();
  lsq->add_option("--qmin", a->qmin, "Lowest code, -Q_N (e.g. -128 signed 8-bit, 0 unsigned)")->required();
  lsq->add_option("--qmax", a->qmax, "Highest code, Q_P (e.g. 127, or 255 unsigned)")->required();
  lsq->add_option("--scale", a->scale, "Step size s (float32: decimal or bits)")->required();
  lsq->add_option("--grad-scale", a->grad_scale, "Gradient scale g multiplying ds, e.g. 1/sqrt(N·Q_P)")->capture_default_str();
  lsq->add_option("--offset", a->offset,
                  "LSQ+ offset beta (float32, finite; spec/quantizers.md §1.6): LSQ of fl32(x - beta), y = fl32(y_u + beta); "
                  "adds the column dbeta (dy where clamped, else 0)");
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
  for (CLI::App* sub : {lsq, requantize}) {
    sub->add_option("--impl", a->impl, "reference | fast")->capture_default_str();
    sub->add_option("--input,-i", a->input, "Read this file instead of stdin")->capture_default_str();
  }
  return [a, lsq, requantize]() -> std::optional<int> {
    if (lsq->parsed()) return run_lsq(*a);
    if (requantize->parsed()) return run_requantize(*a);
    return std::nullopt;
  };
}

}  // namespace lpc::cli
