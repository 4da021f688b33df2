// lpconform eval mx: OCP MX block scaling (spec/quantizers.md §4) on CSV rows from stdin, for
// scripting. Like the other eval ops, the whole input is validated first and stdout is written
// only at the end: a bad row gives one message "<stdin>:LINE:COLUMN: ..." on stderr, exit status
// 2, and nothing on stdout.
//
//   --op quantize   (default) 'x'                     -> 'x,scale_code,elem_code,value'
//   --op dot        'a,b' (two vectors, one per column) -> 'dot,dot_bits,exact': both quantized alike,
//                   then their dot product
// Row i belongs to block i / --block. Values are exact decimals ("nan", "inf" as named). MX vectors
// given as codes are the registry ops `eval mx-dequantize` and `eval mx-dot` (conformance/ops).
#include <bit>
#include <charconv>
#include <iostream>
#include <memory>
#include <optional>

#include "cli/commands.hpp"
#include "conformance/core/case.hpp"
#include "conformance/formats/checks.hpp"
#include "impls/fast/quantizers/mx.hpp"
#include "reference/quantizers/mx.hpp"
#include "spec/table/csv.hpp"

namespace lpc::cli {

namespace {

struct MxArguments {
  std::string element, scale_rule = "ocp", rounding = "rne", impl = "reference", op = "quantize", input = "-";
  int block = 32;
};

MxParams mx_params(const MxArguments& a) {
  MxParams p;
  p.element = &format_option(a.element);
  const auto rule = parse_mx_scale_rule(a.scale_rule);
  if (!rule) throw UsageError("--scale-rule: expected ocp, tosa, ceil or nosat, got '" + a.scale_rule + "'");
  p.scale_rule = *rule;
  const auto rounding = parse_rounding(a.rounding);
  if (!rounding) throw UsageError("--rounding: expected rne, rna, rtz, rup, rdn or rto, got '" + a.rounding + "'");
  p.rounding = *rounding;
  p.block = a.block;
  if (auto e = mx_params_error(p)) throw UsageError("mx: " + *e);
  return p;
}

// Scale codes, element codes, values of x quantized by the chosen implementation.
struct Quantized {
  std::vector<uint8_t> scales, codes;
  std::vector<double> values;
};

Quantized quantize(const MxParams& p, const std::vector<float>& x, bool fast) {
  Quantized q{std::vector<uint8_t>((x.size() + static_cast<size_t>(p.block) - 1) / static_cast<size_t>(p.block)), std::vector<uint8_t>(x.size()),
              std::vector<double>(x.size())};
  if (fast) {
    fast::MxQuantizer(p).quantize(x, q.scales, q.codes);
    fast::mx_dequantize(*p.element, p.block, q.scales, q.codes, q.values);
  } else {
    ref::mx_quantize(p, x, q.scales, q.codes);
    for (size_t i = 0; i < x.size(); ++i) q.values[i] = ref::mx_value(*p.element, q.scales[i / static_cast<size_t>(p.block)], q.codes[i]).to_double();
  }
  return q;
}

int run_mx(const MxArguments& a) {
  // 1. The command line.
  const MxParams p = mx_params(a);
  const bool fast = use_fast(a.impl);
  const Format& e8m0 = format_by_name("float8_e8m0fnu");
  const size_t block = static_cast<size_t>(p.block);

  // 2. The whole input, validated.
  std::string origin;
  const std::string text = read_input(a.input, origin);
  CsvReader reader(text, origin, false);
  const char* float_expected = "a float32 as a decimal or as bits like 0x3f800000";
  std::string out;
  if (a.op == "quantize" || a.op == "dot") {
    const bool dot = a.op == "dot";
    const std::vector<std::string> header = dot ? std::vector<std::string>{"a", "b"} : std::vector<std::string>{"x"};
    reader.expect_header({header});
    std::vector<std::string> echo;
    std::vector<float> columns[2];
    for (CsvRecord row; reader.next(row);) {
      if (row.fields.size() != header.size())
        reader.fail(
            row.line, row.fields.size() > header.size() ? row.fields[header.size()].column : 1,
            "expected " + std::to_string(header.size()) + " field(s) (" + (dot ? "a,b" : "x") + "), got " + std::to_string(row.fields.size()));
      for (size_t c = 0; c < header.size(); ++c) {
        const auto v = parse_float32(row.fields[c].text);
        if (!v) reader.fail(row, row.fields[c], "malformed " + header[c] + " '" + row.fields[c].text + "', expected " + float_expected);
        columns[c].push_back(*v);
      }
      echo.push_back(row.fields[0].text);
    }
    // 3. Compute, then write everything at once.
    if (!dot) {
      const Quantized q = quantize(p, columns[0], fast);
      out = "x,scale_code,elem_code,value\n";
      for (size_t i = 0; i < echo.size(); ++i)
        out += echo[i] + "," + code_hex(e8m0, q.scales[i / block]) + "," + code_hex(*p.element, q.codes[i]) + "," + exact_decimal(q.values[i]) + "\n";
    } else {
      const Quantized qa = quantize(p, columns[0], fast), qb = quantize(p, columns[1], fast);
      const ref::MxVector va{p.element, p.block, qa.scales, qa.codes}, vb{p.element, p.block, qb.scales, qb.codes};
      const float result = fast ? fast::mx_dot(*p.element, qa.scales, qa.codes, *p.element, qb.scales, qb.codes, p.block) : ref::mx_dot(va, vb);
      out = "dot,dot_bits,exact\n" + exact_decimal(result) + "," + source_bits_hex(Source::F32, std::bit_cast<uint32_t>(result)) + "," +
            ref::mx_dot_check(va, vb, result).exact + "\n";
    }
  } else {
    throw UsageError("--op: expected quantize or dot, got '" + a.op + "' (MX codes: eval mx-dequantize, eval mx-dot)");
  }
  std::cout << out << std::flush;
  return 0;
}

}  // namespace

std::function<std::optional<int>()> add_eval_mx(CLI::App& eval) {
  auto a = std::make_shared<MxArguments>();
  auto* mx = eval.add_subcommand("mx",
                                 "OCP MX block scaling (spec/quantizers.md §4); row i belongs to block i / --block.\n"
                                 "--op quantize:   stdin 'x' (float32 decimal or bits like 0x3f800000);\n"
                                 "                 stdout 'x,scale_code,elem_code,value' (E8M0 and element codes in hex, value exact).\n"
                                 "--op dot:        stdin 'a,b', two float32 vectors quantized alike; stdout 'dot,dot_bits,exact':\n"
                                 "                 the float32 dot product in the declared order (§4.6) and the exact one.\n"
                                 "MX vectors as codes: `eval mx-dequantize`, `eval mx-dot`.");
  mx->add_option("--elem", a->element, "Element format: float8_e4m3fn | float8_e5m2 | float6_e3m2fn | float6_e2m3fn | float4_e2m1fn | int8")
      ->required();
  mx->add_option("--block", a->block, "Elements per shared scale (1..65536)")->capture_default_str();
  mx->add_option("--scale-rule", a->scale_rule, "ocp | tosa | ceil | nosat (spec/quantizers.md §4.2)")->capture_default_str();
  mx->add_option("--rounding", a->rounding, "Element rounding: rne | rna | rtz | rup | rdn | rto")->capture_default_str();
  mx->add_option("--op", a->op, "quantize | dot")->capture_default_str();
  mx->add_option("--impl", a->impl, "reference | fast")->capture_default_str();
  mx->add_option("--input,-i", a->input, "Read this file instead of stdin")->capture_default_str();
  return [a, mx]() -> std::optional<int> {
    if (mx->parsed()) return run_mx(*a);
    return std::nullopt;
  };
}

}  // namespace lpc::cli
