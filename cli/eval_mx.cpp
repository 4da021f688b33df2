// lpconform eval mx: OCP MX block scaling (spec/quantizers.md §4) on CSV rows from stdin, for
// scripting. Like the other eval ops, the whole input is validated first and stdout is written
// only at the end: a bad row gives one message "<stdin>:LINE:COLUMN: ..." on stderr, exit status
// 2, and nothing on stdout.
//
//   --op quantize   (default) 'x'                     -> 'x,scale_code,elem_code,value'
//   --op dequantize 'scale_code,elem_code'            -> 'scale_code,elem_code,value'
//   --op dot        'a,b' (two vectors, one per column) -> 'dot,dot_bits,exact'
//                   or 'a_scale,a_elem,b_scale,b_elem' (two MX vectors as codes, as the harness's
//                   mx-dot repro lines write them)
// Row i belongs to block i / --block. Values are exact decimals ("nan", "inf" as named).
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

// A code "0x.." (or decimal) of at most `bits` bits.
std::optional<uint8_t> parse_code(const std::string& s, int bits) {
  const bool hex = s.size() > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X');
  unsigned v = 0;
  auto [p, ec] = std::from_chars(s.data() + (hex ? 2 : 0), s.data() + s.size(), v, hex ? 16 : 10);
  if (ec != std::errc() || p != s.data() + s.size() || s.empty() || (v >> bits) != 0) return std::nullopt;
  return static_cast<uint8_t>(v);
}

// One MX vector read as codes, row by row: a scale code per block (every row of a block repeats it,
// §4.7) and an element code per row.
struct MxCodes {
  std::vector<uint8_t> scales, codes;
};

// Appends the codes of `row`'s fields `scale_at` and `elem_at` (the columns named in `header`) to `v`
// (element codes of `element`, rows in blocks of `block`); a malformed code or a scale that differs
// from its block's first row fails at that field.
void add_code_row(const CsvReader& reader, const CsvRecord& row, const std::vector<std::string>& header, size_t scale_at, size_t elem_at,
                  const Format& element, size_t block, MxCodes& v) {
  static const Format& e8m0 = format_by_name("float8_e8m0fnu");
  const CsvField &scale_field = row.fields[scale_at], &elem_field = row.fields[elem_at];
  const std::string &scale_name = header[scale_at], &elem_name = header[elem_at];
  const auto scale = parse_code(scale_field.text, 8);
  const auto code = parse_code(elem_field.text, element.bits);
  if (!scale) reader.fail(row, scale_field, "malformed " + scale_name + " '" + scale_field.text + "', expected an E8M0 code 0x00 .. 0xff");
  if (!code)
    reader.fail(row, elem_field,
                "malformed " + elem_name + " '" + elem_field.text + "', expected a " + element.name + " code 0x0 .. " + code_hex(element, element.code_mask()));
  const size_t b = v.codes.size() / block;
  if (b == v.scales.size())
    v.scales.push_back(*scale);
  else if (v.scales[b] != *scale)
    reader.fail(row, scale_field,
                scale_name + " " + scale_field.text + " differs from its block's first row (" + code_hex(e8m0, v.scales[b]) + "); row i belongs to block i / " +
                    std::to_string(block));
  v.codes.push_back(*code);
}

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
  // --op dot reads floats (form 0) or codes (form 1).
  const std::vector<std::string> dot_codes_header = {"a_scale", "a_elem", "b_scale", "b_elem"}, dequantize_header = {"scale_code", "elem_code"};
  const size_t dot_form = a.op == "dot" ? reader.expect_header({{"a", "b"}, dot_codes_header}) : 0;
  if (a.op == "quantize" || (a.op == "dot" && dot_form == 0)) {
    const bool dot = a.op == "dot";
    const std::vector<std::string> header = dot ? std::vector<std::string>{"a", "b"} : std::vector<std::string>{"x"};
    if (!dot) reader.expect_header({header});
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
  } else if (a.op == "dot") {
    MxCodes va, vb;
    for (CsvRecord row; reader.next(row);) {
      if (row.fields.size() != 4)
        reader.fail(row.line, row.fields.size() > 4 ? row.fields[4].column : 1,
                    "expected 4 fields (a_scale,a_elem,b_scale,b_elem), got " + std::to_string(row.fields.size()));
      add_code_row(reader, row, dot_codes_header, 0, 1, *p.element, block, va);
      add_code_row(reader, row, dot_codes_header, 2, 3, *p.element, block, vb);
    }
    const ref::MxVector ra{p.element, p.block, va.scales, va.codes}, rb{p.element, p.block, vb.scales, vb.codes};
    const float result = fast ? fast::mx_dot(*p.element, va.scales, va.codes, *p.element, vb.scales, vb.codes, p.block) : ref::mx_dot(ra, rb);
    out = "dot,dot_bits,exact\n" + exact_decimal(result) + "," + source_bits_hex(Source::F32, std::bit_cast<uint32_t>(result)) + "," +
          ref::mx_dot_check(ra, rb, result).exact + "\n";
  } else if (a.op == "dequantize") {
    reader.expect_header({dequantize_header});
    std::vector<CsvRecord> rows;
    MxCodes v;
    for (CsvRecord row; reader.next(row);) {
      if (row.fields.size() != 2)
        reader.fail(row.line, row.fields.size() > 2 ? row.fields[2].column : 1,
                    "expected 2 fields (scale_code,elem_code), got " + std::to_string(row.fields.size()));
      add_code_row(reader, row, dequantize_header, 0, 1, *p.element, block, v);
      rows.push_back(row);
    }
    const std::vector<uint8_t>&scales = v.scales, &codes = v.codes;
    std::vector<double> values(codes.size());
    if (fast)
      fast::mx_dequantize(*p.element, p.block, scales, codes, values);
    else
      for (size_t i = 0; i < codes.size(); ++i) values[i] = ref::mx_value(*p.element, scales[i / block], codes[i]).to_double();
    out = "scale_code,elem_code,value\n";
    for (size_t i = 0; i < codes.size(); ++i) out += rows[i].fields[0].text + "," + rows[i].fields[1].text + "," + exact_decimal(values[i]) + "\n";
  } else {
    throw UsageError("--op: expected quantize, dequantize or dot, got '" + a.op + "'");
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
                                 "--op dequantize: stdin 'scale_code,elem_code'; stdout 'scale_code,elem_code,value'.\n"
                                 "--op dot:        stdin 'a,b', two float32 vectors quantized alike; stdout 'dot,dot_bits,exact':\n"
                                 "                 the float32 dot product in the declared order (§4.6) and the exact one;\n"
                                 "                 or stdin 'a_scale,a_elem,b_scale,b_elem', two MX vectors as codes.");
  mx->add_option("--elem", a->element, "Element format: float8_e4m3fn | float8_e5m2 | float6_e3m2fn | float6_e2m3fn | float4_e2m1fn | int8")
      ->required();
  mx->add_option("--block", a->block, "Elements per shared scale (1..65536)")->capture_default_str();
  mx->add_option("--scale-rule", a->scale_rule, "ocp | tosa | ceil | nosat (spec/quantizers.md §4.2)")->capture_default_str();
  mx->add_option("--rounding", a->rounding, "Element rounding: rne | rna | rtz | rup | rdn | rto")->capture_default_str();
  mx->add_option("--op", a->op, "quantize | dequantize | dot")->capture_default_str();
  mx->add_option("--impl", a->impl, "reference | fast")->capture_default_str();
  mx->add_option("--input,-i", a->input, "Read this file instead of stdin")->capture_default_str();
  return [a, mx]() -> std::optional<int> {
    if (mx->parsed()) return run_mx(*a);
    return std::nullopt;
  };
}

}  // namespace lpc::cli
