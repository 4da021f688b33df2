// lpconform eval tpr | dynbits: two-phase rounding with GradScale (spec/quantizers.md §3.2-3.4)
// and dynamic per-block bit width (§6) on CSV rows from stdin. As in the
// other eval ops, the whole input is validated first and stdout is written only at the end: a bad
// row gives one message "<stdin>:LINE:COLUMN: ..." on stderr, exit status 2, nothing on stdout.
#include <charconv>
#include <cmath>
#include <iostream>
#include <memory>
#include <sstream>

#include "cli/commands.hpp"
#include "impls/fast/quantizers/dynamic_bits.hpp"
#include "impls/fast/quantizers/two_phase.hpp"
#include "reference/quantizers/dynamic_bits.hpp"
#include "reference/quantizers/two_phase.hpp"
#include "spec/table/csv.hpp"

namespace lpc::cli {

namespace {

struct SrArguments {
  std::string impl = "reference", input = "-";
  // tpr
  int sr_bits = 8;
  std::string phase = "even", rounding = "rne";
  std::optional<int> scale_exp;
  // dynbits
  std::string shape, block, group, thresholds, budget, min_bits, stat = "max", low_value = "truncate";
  int high_bits = 8, low_bits = 4;
};

// A random word: decimal or hex "0x...", 32 bits.
std::optional<uint32_t> parse_word(const std::string& s) {
  const bool hex = s.size() > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X');
  uint32_t v = 0;
  const char* begin = s.data() + (hex ? 2 : 0);
  auto [p, ec] = std::from_chars(begin, s.data() + s.size(), v, hex ? 16 : 10);
  if (ec != std::errc() || p != s.data() + s.size() || begin == p) return std::nullopt;
  return v;
}

// Exactly `count` comma-separated positive integers.
template <size_t count>
std::array<int64_t, count> extents_option(const std::string& option, const std::string& text) {
  std::array<int64_t, count> out{};
  std::istringstream in(text);
  size_t n = 0;
  for (std::string item; std::getline(in, item, ',');) {
    int64_t v = 0;
    auto [p, ec] = std::from_chars(item.data(), item.data() + item.size(), v);
    if (ec != std::errc() || p != item.data() + item.size() || item.empty() || n == count)
      throw UsageError(option + ": expected " + std::to_string(count) + " comma-separated integers, got '" + text + "'");
    out[n++] = v;
  }
  if (n != count) throw UsageError(option + ": expected " + std::to_string(count) + " comma-separated integers, got '" + text + "'");
  return out;
}

// A bit budget in units of 1/256 bit (§6.3): a decimal that is an exact multiple of 1/256.
int64_t budget_option(const std::string& option, const std::string& text) {
  double v = 0;
  auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  const double scaled = v * kDynBitsBudgetUnit;
  if (ec != std::errc() || p != text.data() + text.size() || !std::isfinite(v) || scaled != std::floor(scaled) || std::fabs(scaled) > 1e9)
    throw UsageError(option + ": expected a number of bits that is a multiple of 1/256 (e.g. 6, 5.5, 4.25), got '" + text + "'");
  return static_cast<int64_t>(scaled);
}

int run_tpr(const SrArguments& a) {
  // 1. The command line (§3.2).
  TprParams p;
  if (a.phase != "even" && a.phase != "odd") throw UsageError("--phase: expected even or odd, got '" + a.phase + "'");
  p.phase = a.phase == "even" ? TprPhase::Even : TprPhase::Odd;
  const auto rounding = parse_rounding(a.rounding);
  if (!rounding) throw UsageError("--rounding: expected rne, sr_a, sr_b or sr_c, got '" + a.rounding + "'");
  p.rounding = *rounding;
  p.sr_bits = is_stochastic(p.rounding) ? a.sr_bits : 0;
  if (auto e = tpr_params_error(p)) throw UsageError("tpr: " + *e);
  if (a.scale_exp && (*a.scale_exp < -149 || *a.scale_exp > 128)) throw UsageError("--scale-exp: expected -149..128, got " + std::to_string(*a.scale_exp));
  const bool fast = use_fast(a.impl), stochastic = is_stochastic(p.rounding);

  // 2. The whole input, validated: a NaN or infinite gradient is an error (§3.3).
  std::string origin;
  const std::string text = read_input(a.input, origin);
  CsvReader reader(text, origin, false);
  if (stochastic) reader.expect_header({{"g", "random"}});
  else reader.expect_header({{"g"}});
  const size_t width = stochastic ? 2 : 1;
  std::vector<CsvRecord> rows;
  std::vector<float> g;
  std::vector<uint32_t> random;
  for (CsvRecord row; reader.next(row);) {
    if (row.fields.size() != width) reader.fail(row.line, 1, "expected " + std::string(stochastic ? "2 fields (g,random)" : "1 field (g)") + ", got " + std::to_string(row.fields.size()));
    const auto gv = parse_float32(row.fields[0].text);
    if (!gv) reader.fail(row, row.fields[0], "malformed g '" + row.fields[0].text + "', expected a float32 as a decimal or as bits like 0x3f800000");
    if (!std::isfinite(*gv)) reader.fail(row, row.fields[0], "g is not finite; GradScale needs finite gradients (spec/quantizers.md §3.3)");
    if (stochastic) {
      const auto rv = parse_word(row.fields[1].text);
      if (!rv) reader.fail(row, row.fields[1], "malformed random '" + row.fields[1].text + "', expected a 32-bit word (decimal or 0x...)");
      random.push_back(*rv);
    }
    rows.push_back(row);
    g.push_back(*gv);
  }

  // 3. GradScale (or the given exponent), the codes and values, then everything at once.
  std::vector<uint8_t> codes(g.size());
  std::vector<float> y(g.size());
  int scale_exp = 0;
  if (fast) {
    scale_exp = a.scale_exp ? *a.scale_exp : fast::tpr_grad_scale(g).scale_exp;
    fast::tpr_quantize(p, scale_exp, g, random, codes, y);
  } else {
    scale_exp = a.scale_exp ? *a.scale_exp : ref::tpr_grad_scale(g).scale_exp;
    for (size_t i = 0; i < g.size(); ++i) {
      const ref::TprElement e = ref::tpr_element(p, scale_exp, g[i], stochastic ? random[i] : 0);
      codes[i] = e.code;
      y[i] = e.y;
    }
  }
  static const char* const kHex = "0123456789abcdef";
  std::string out = "g,scale_exp,code,y\n";
  for (size_t i = 0; i < g.size(); ++i)
    out += rows[i].fields[0].text + "," + std::to_string(scale_exp) + ",0x" + kHex[codes[i] & 15] + "," + shortest(y[i]) + "\n";
  std::cout << out << std::flush;
  return 0;
}

int run_dynbits(const SrArguments& a) {
  // 1. The command line (§6.1-6.4).
  DynBitsParams p;
  p.shape = extents_option<3>("--shape", a.shape);
  p.block = extents_option<3>("--block", a.block);
  p.group = extents_option<2>("--group", a.group);
  p.high_bits = a.high_bits;
  p.low_bits = a.low_bits;
  p.budget_256 = budget_option("--budget", a.budget);
  p.min_bits_256 = a.min_bits.empty() ? int64_t{a.low_bits} * kDynBitsBudgetUnit : budget_option("--min-bits", a.min_bits);
  if (a.stat != "max" && a.stat != "mean" && a.stat != "sum") throw UsageError("--stat: expected max, mean or sum, got '" + a.stat + "'");
  p.stat = a.stat == "max" ? DynStat::Max : a.stat == "mean" ? DynStat::Mean : DynStat::Sum;
  if (a.low_value != "truncate" && a.low_value != "rne") throw UsageError("--low-value: expected truncate or rne, got '" + a.low_value + "'");
  p.low_value = a.low_value == "truncate" ? DynLowValue::Truncate : DynLowValue::Rne;
  std::istringstream in(a.thresholds);
  for (std::string item; std::getline(in, item, ',');) p.thresholds.push_back(float_option("--threshold", item));
  if (auto e = dynbits_params_error(p)) throw UsageError("dynbits: " + *e);
  const bool fast = use_fast(a.impl);

  // 2. The whole input: C·H·W integers of the signed b_h-bit range, row-major.
  std::string origin;
  const std::string text = read_input(a.input, origin);
  CsvReader reader(text, origin, false);
  reader.expect_header({{"x"}});
  const int32_t top = (int32_t{1} << (p.high_bits - 1)) - 1;
  const std::string range = "[" + std::to_string(-top - 1) + ", " + std::to_string(top) + "]";
  std::vector<CsvRecord> rows;
  std::vector<int32_t> x;
  for (CsvRecord row; reader.next(row);) {
    if (row.fields.size() != 1) reader.fail(row.line, row.fields[1].column, "expected 1 field (x), got " + std::to_string(row.fields.size()));
    const std::string& s = row.fields[0].text;
    int32_t v = 0;
    auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (ec != std::errc() || end != s.data() + s.size() || s.empty() || v < -top - 1 || v > top)
      reader.fail(row, row.fields[0], "'" + s + "' is not a signed " + std::to_string(p.high_bits) + "-bit integer, expected a decimal in " + range);
    rows.push_back(row);
    x.push_back(v);
  }
  if (static_cast<int64_t>(x.size()) != p.element_count())
    reader.fail(rows.empty() ? 1 : rows.back().line, 1, "expected C·H·W = " + std::to_string(p.element_count()) + " rows for --shape " + a.shape + ", got " + std::to_string(x.size()));

  // 3. Compute, then write everything at once.
  std::vector<int32_t> y(x.size());
  std::vector<uint8_t> low(x.size());
  if (fast) {
    std::vector<int64_t> block_bits(static_cast<size_t>(p.block_count()));
    if (auto e = fast::dynbits(p, x, y, low, block_bits)) throw std::logic_error("fast dynbits rejected validated input: " + e->message);
  } else {
    const ref::DynBitsOutcome r = ref::dynbits(p, x);
    if (!r.ok) throw std::logic_error("reference dynbits rejected validated input: " + r.error);
    y = r.y;
    low = r.low;
  }
  std::string out = "x,low,y\n";
  for (size_t i = 0; i < x.size(); ++i) out += rows[i].fields[0].text + "," + (low[i] ? "1," : "0,") + std::to_string(y[i]) + "\n";
  std::cout << out << std::flush;
  return 0;
}

}  // namespace

std::function<std::optional<int>()> add_eval_sr(CLI::App& eval) {
  auto a = std::make_shared<SrArguments>();
  auto* tpr = eval.add_subcommand("tpr",
                                  "Two-phase rounding of a gradient tensor onto radix-4 FP4 with GradScale (spec/quantizers.md §3.2-3.3).\n"
                                  "stdin: CSV 'g' (rne) or 'g,random' (sr_a, sr_b, sr_c): the whole tensor, one float32 per row.\n"
                                  "stdout: CSV 'g,scale_exp,code,y': the GradScale exponent e, the float4_e3m0_radix4 code, "
                                  "y = decode(code)·2^(e + phase) rounded to float32.");
  tpr->add_option("--phase", a->phase, "even (grid ±2^e·4^k) | odd (grid ±2^(e+1)·4^k)")->capture_default_str();
  tpr->add_option("--rounding", a->rounding, "rne | sr_a | sr_b | sr_c")->capture_default_str();
  tpr->add_option("--sr-bits", a->sr_bits, "Random bits N (1..24) for sr_a, sr_b, sr_c")->capture_default_str();
  tpr->add_option("--scale-exp", a->scale_exp, "Use the scale 2^E instead of GradScale's (E in -149..128)");
  auto* dyn = eval.add_subcommand("dynbits",
                                  "Dynamic per-block bit width (spec/quantizers.md §6).\n"
                                  "stdin: CSV 'x': the C·H·W feature map, row-major, signed b_h-bit integers.\n"
                                  "stdout: CSV 'x,low,y': low = 1 when x's group runs at b_l bits; y = x or its low-precision value.");
  dyn->add_option("--shape", a->shape, "C,H,W of the feature map")->required();
  dyn->add_option("--block", a->block, "Block extents C,H,W (the hardware's parallelism; edge blocks are cut)")->required();
  dyn->add_option("--group", a->group, "Group extents H,W (all channels of the block); they must divide the block's H and W")->required();
  dyn->add_option("--high-bits", a->high_bits, "Base bit width b_h (2..16)")->capture_default_str();
  dyn->add_option("--low-bits", a->low_bits, "Low bit width b_l (1..b_h-1)")->capture_default_str();
  dyn->add_option("--budget", a->budget, "Target mean bits B* in [b_l, b_h], a multiple of 1/256")->required();
  dyn->add_option("--min-bits", a->min_bits, "Floor B_min on the mean bits in [b_l, B*] (default b_l: no floor)");
  dyn->add_option("--threshold", a->thresholds, "τ: one float32 for every block, or one per block in block order, comma-separated (inf, -inf allowed)")
      ->required();
  dyn->add_option("--stat", a->stat, "Group statistic: max | mean | sum of |x|")->capture_default_str();
  dyn->add_option("--low-value", a->low_value, "truncate (x asr d << d) | rne (x/2^d to nearest even, clamped)")->capture_default_str();
  for (CLI::App* sub : {tpr, dyn}) {
    sub->add_option("--impl", a->impl, "reference | fast")->capture_default_str();
    sub->add_option("--input,-i", a->input, "Read this file instead of stdin")->capture_default_str();
  }
  return [a, tpr, dyn]() -> std::optional<int> {
    if (tpr->parsed()) return run_tpr(*a);
    if (dyn->parsed()) return run_dynbits(*a);
    return std::nullopt;
  };
}

}  // namespace lpc::cli
