// lpconform eval dynbits: dynamic per-block bit width (spec/quantizers.md §6) on CSV rows from stdin. As in the
// other eval ops, the whole input is validated first and stdout is written only at the end: a bad
// row gives one message "<stdin>:LINE:COLUMN: ..." on stderr, exit status 2, nothing on stdout.
#include <charconv>
#include <cmath>
#include <iostream>
#include <memory>
#include <sstream>

#include "cli/commands.hpp"
#include "impls/fast/quantizers/dynamic_bits.hpp"
#include "reference/quantizers/dynamic_bits.hpp"
#include "spec/table/csv.hpp"

namespace lpc::cli {

namespace {

struct SrArguments {
  std::string impl = "reference", input = "-";
  // dynbits
  std::string shape, block, group, thresholds, budget, min_bits, stat = "max", low_value = "truncate";
  int high_bits = 8, low_bits = 4;
};

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
  for (CLI::App* sub : {dyn}) {
    sub->add_option("--impl", a->impl, "reference | fast")->capture_default_str();
    sub->add_option("--input,-i", a->input, "Read this file instead of stdin")->capture_default_str();
  }
  return [a, dyn]() -> std::optional<int> {
    if (dyn->parsed()) return run_dynbits(*a);
    return std::nullopt;
  };
}

}  // namespace lpc::cli
