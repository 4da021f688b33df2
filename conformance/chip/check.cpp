// lpconform — checking the chip's values (spec/chip.md §5). See check.hpp.
#include "conformance/chip/check.hpp"

#include <algorithm>
#include <bit>
#include <cmath>
#include <random>
#include <stdexcept>

#include "impls/chip/values/values.hpp"
#include "reference/chip/chip.hpp"
#include "reference/formats/codec.hpp"

namespace lpc::chip::conformance {

namespace {

constexpr std::pair<DataSet, std::string_view> kDataSetNames[] = {
    {DataSet::Random, "random"}, {DataSet::Large, "large"},       {DataSet::Cancel, "cancel"},
    {DataSet::Sparse, "sparse"}, {DataSet::Saturate, "saturate"}, {DataSet::Specials, "specials"}};

// The codes of a format, sorted by the magnitude of their values (reference decode), NaN and
// infinities apart.
struct CodeBook {
  const Format* format = nullptr;
  std::vector<uint8_t> finite;   // by ascending magnitude
  std::vector<uint8_t> all;      // every code
  uint8_t zero = 0;              // a code of +0
  uint8_t largest_positive = 0;  // the largest finite value
};

CodeBook code_book(const Format& f) {
  CodeBook book{&f, {}, {}, 0, 0};
  std::vector<std::pair<double, uint8_t>> ranked;
  double largest = -INFINITY;
  for (uint32_t c = 0; c < f.code_count(); ++c) {
    book.all.push_back(static_cast<uint8_t>(c));
    const ref::ExactValue v = ref::decode(f, c);
    if (!v.is_finite()) continue;
    const double d = v.to_double();
    ranked.emplace_back(std::fabs(d), static_cast<uint8_t>(c));
    if (d == 0 && !std::signbit(d)) book.zero = static_cast<uint8_t>(c);
    if (d > largest) largest = d, book.largest_positive = static_cast<uint8_t>(c);
  }
  std::stable_sort(ranked.begin(), ranked.end(), [](const auto& x, const auto& y) { return x.first < y.first; });
  for (const auto& [magnitude, code] : ranked) book.finite.push_back(code);
  return book;
}

// The code of -value for a code whose negation the format holds (the book's finite codes), else
// the code itself.
uint8_t negation(const CodeBook& book, uint8_t code) {
  const ref::ExactValue v = ref::decode(*book.format, code);
  for (uint8_t c : book.finite) {
    const ref::ExactValue w = ref::decode(*book.format, c);
    if (!v.is_zero() && w.significand == v.significand && w.exponent == v.exponent && w.negative != v.negative) return c;
  }
  return code;
}

struct Generator {
  std::mt19937_64 engine;
  uint64_t below(uint64_t n) { return engine() % n; }
  uint8_t pick(const std::vector<uint8_t>& codes) { return codes[below(codes.size())]; }
};

void fill(const CodeBook& book, DataSet d, Generator& g, std::vector<uint8_t>& out) {
  const auto& finite = book.finite;
  const std::vector<uint8_t> large(finite.end() - std::max<ptrdiff_t>(2, static_cast<ptrdiff_t>(finite.size()) / 8), finite.end());
  for (uint8_t& c : out) {
    switch (d) {
      case DataSet::Random: c = g.pick(finite); break;
      case DataSet::Large: c = g.pick(large); break;
      case DataSet::Cancel: c = g.pick(large); break;  // pairs are made by the caller
      case DataSet::Sparse: c = g.below(4) == 0 ? g.pick(finite) : book.zero; break;
      case DataSet::Saturate: c = book.largest_positive; break;
      case DataSet::Specials: c = g.pick(book.all); break;
    }
  }
}

std::string value_text(const ChipTensor& t, size_t i) {
  if (!t.is_float) return std::to_string(t.ints[i]);
  const double x = t.floats[i];
  return std::isnan(x) ? "nan" : ref::ExactValue::from_source(Source::F64, std::bit_cast<uint64_t>(x)).to_string();
}

// x[i] and y[j] are the same value (any NaN equals any NaN; the sign of zero counts).
bool same(const ChipTensor& x, size_t i, const ChipTensor& y, size_t j) {
  if (!x.is_float) return x.ints[i] == y.ints[j];
  const double a = x.floats[i], b = y.floats[j];
  return (std::isnan(a) && std::isnan(b)) || std::bit_cast<uint64_t>(a) == std::bit_cast<uint64_t>(b);
}

int64_t wrap_to(int64_t v, int bits) {
  const int unused = 64 - bits;
  return static_cast<int64_t>(static_cast<uint64_t>(v) << unused) >> unused;
}

std::string layer_option(const Layer& layer) {
  if (!layer.conv) return "--gemm " + std::to_string(layer.gemm.m) + "," + std::to_string(layer.gemm.n) + "," + std::to_string(layer.gemm.k);
  const ConvShape& c = *layer.conv;
  return "--layer conv:" + std::to_string(c.ifmap_h) + "," + std::to_string(c.ifmap_w) + "," + std::to_string(c.filter_h) + "," +
         std::to_string(c.filter_w) + "," + std::to_string(c.channels) + "," + std::to_string(c.filters) + "," + std::to_string(c.stride);
}

}  // namespace

std::string_view to_string(DataSet d) {
  for (const auto& [set, name] : kDataSetNames)
    if (set == d) return name;
  return "?";
}

DataSet parse_data_set(std::string_view name) {
  std::string known;
  for (const auto& [set, n] : kDataSetNames) {
    if (n == name) return set;
    known += (known.empty() ? "" : ", ") + std::string(n);
  }
  throw std::invalid_argument("unknown data set '" + std::string(name) + "', expected one of " + known);
}

LayerData make_layer_data(const ChipConfig& config, const Layer& layer, DataSet data_set, uint64_t seed) {
  Generator g{std::mt19937_64(seed)};
  const CodeBook a_book = code_book(*config.a_format), b_book = code_book(*config.b_format);
  const GemmShape s = layer.gemm;
  LayerData d;
  d.a.resize(layer.conv ? uint64_t{layer.conv->ifmap_h} * layer.conv->ifmap_w * layer.conv->channels : s.m * s.k);
  d.b.resize(s.k * s.n);
  fill(a_book, data_set, g, d.a);
  fill(b_book, data_set, g, d.b);
  if (data_set == DataSet::Cancel) {
    // Along k (B's rows; A's columns for a GEMM): the odd k repeats the even k's activation and
    // negates its weight, so large products cancel in pairs; one pair in four instead gets a small
    // weight, whose product survives: exact sums far below Σ|a·b|.
    for (uint64_t k = 1; k < s.k; k += 2) {
      const bool keep_small = g.below(4) == 0;
      for (uint64_t n = 0; n < s.n; ++n)
        d.b[k * s.n + n] = keep_small ? b_book.finite[1 + g.below(std::max<size_t>(1, b_book.finite.size() / 4))] : negation(b_book, d.b[(k - 1) * s.n + n]);
      if (!layer.conv)
        for (uint64_t m = 0; m < s.m; ++m) d.a[m * s.k + k] = d.a[m * s.k + k - 1];
    }
  }
  if (config.bias) {
    const int64_t span = data_set == DataSet::Saturate || data_set == DataSet::Large ? int64_t{1} << 31 : int64_t{1} << 16;
    for (uint64_t n = 0; n < s.n; ++n) d.bias.push_back(static_cast<int32_t>(static_cast<int64_t>(g.below(static_cast<uint64_t>(span))) - span / 2));
  }
  return d;
}

namespace {

bool is_grouped(const Layer& layer) { return layer.conv && layer.conv->groups > 1; }

// The rows of C the references recompute: all of them, or `max_rows` of them (the first, the last
// and the rest drawn without replacement, seeded), ascending.
std::vector<uint64_t> checked_rows(uint64_t m, uint64_t max_rows, uint64_t seed) {
  std::vector<uint64_t> rows;
  if (max_rows == 0 || m <= max_rows) {
    rows.resize(m);
    for (uint64_t r = 0; r < m; ++r) rows[r] = r;
    return rows;
  }
  std::mt19937_64 rng(seed ^ 0x726f7773u);
  std::vector<bool> taken(m);
  taken[0] = taken[m - 1] = true;
  for (uint64_t picked = 2; picked < max_rows;) {
    const uint64_t r = std::uniform_int_distribution<uint64_t>(0, m - 1)(rng);
    if (!taken[r]) taken[r] = true, ++picked;
  }
  for (uint64_t r = 0; r < m; ++r)
    if (taken[r]) rows.push_back(r);
  return rows;
}

// The GEMM the references compute for `rows` of C: those rows of A, and for a convolution the
// im2col rows of those output pixels (k in the order r, s, c of spec/chip/layer.hpp), gathered
// here from the NHWC ifmap — the chip's own im2col is part of what is checked.
std::vector<uint8_t> rows_of_a(const Layer& layer, std::span<const uint8_t> a, std::span<const uint64_t> rows) {
  const uint64_t k = layer.gemm.k;
  std::vector<uint8_t> out;
  out.reserve(rows.size() * k);
  for (uint64_t row : rows) {
    if (!layer.conv) {
      out.insert(out.end(), a.begin() + row * k, a.begin() + (row + 1) * k);
      continue;
    }
    // groups == 1 (a grouped layer is checked whole); padding is code 0 (spec/convolution.md §1)
    const ConvShape& c = *layer.conv;
    const int64_t oh = static_cast<int64_t>(row / c.ofmap_w()), ow = static_cast<int64_t>(row % c.ofmap_w());
    for (int64_t r = 0; r < c.filter_h; ++r)
      for (int64_t s = 0; s < c.filter_w; ++s) {
        const int64_t y = oh * c.stride + r * c.dilation_h - c.pad_top, x = ow * c.stride_x() + s * c.dilation_w - c.pad_left;
        for (uint32_t ch = 0; ch < c.channels; ++ch)
          out.push_back(y < 0 || y >= c.ifmap_h || x < 0 || x >= c.ifmap_w ? uint8_t{0} : a[(static_cast<uint64_t>(y) * c.ifmap_w + static_cast<uint64_t>(x)) * c.channels + ch]);
      }
  }
  return out;
}

}  // namespace

ExactMathCounts check_exact_math(const ChipConfig& config, const Layer& layer, const LayerData& data, std::span<const uint64_t> rows,
                                 const ChipTensor& acc, const std::function<void(size_t, std::string, std::string)>& mismatch) {
  ExactMathCounts counts;
  const AccumulatorSpec& spec = config.accumulator;
  // A grouped convolution is a GEMM per group, not one GEMM of im2col rows: the exact reference
  // computes it whole, by its definition, and the checked rows are read from that.
  const bool whole = is_grouped(layer);
  Layer checked;
  checked.gemm = {rows.size(), layer.gemm.n, layer.gemm.k};
  const ref::chip::ExactResult exact = whole ? ref::chip::exact_layer(*config.a_format, *config.b_format, layer, data.a, data.b)
                                             : ref::chip::exact_layer(*config.a_format, *config.b_format, checked, rows_of_a(layer, data.a, rows), data.b);
  const bool wrap = spec.overflow == IntOverflow::Wrap;
  const uint64_t n_count = layer.gemm.n;
  for (size_t row_index = 0; row_index < rows.size() * n_count; ++row_index) {
    const size_t i = rows[row_index / n_count] * n_count + row_index % n_count;  // index into acc
    const size_t j = whole ? i : row_index;                                       // index into exact
    if (spec.is_float) {
      const ref::chip::BoundCheck b = exact.check_float(j, acc.floats[i], spec, config.fold_rows());
      if (b.kind == ref::chip::BoundCheck::Kind::Excluded) {
        ++counts.excluded;
        continue;
      }
      ++counts.checked;
      if (b.kind == ref::chip::BoundCheck::Kind::Fail) mismatch(i, value_text(acc, i), b.exact + " ± " + (b.bound.empty() ? "0" : b.bound));
      continue;
    }
    const int64_t got = acc.ints[i], sum = exact.integer_sum(j);
    const bool can_saturate = exact.integer_abs_sum(j) > (int64_t{1} << (spec.int_bits - 1)) - 1;
    if (!wrap && can_saturate) {
      ++counts.excluded;
      continue;
    }
    ++counts.checked;
    const int64_t want = wrap ? wrap_to(sum, spec.int_bits) : sum;
    if (got != want) mismatch(i, std::to_string(got), std::to_string(want) + (wrap ? " (exact " + std::to_string(sum) + " mod 2^W)" : ""));
  }
  return counts;
}

std::string values_mode(const ChipConfig& config) {
  const AccumulatorSpec& acc = config.accumulator;
  return "bit-exact vs hardware reference (accumulators, outputs); " +
         (acc.is_float ? std::string("dot-product bound vs exact math (spec/chip.md §5.2)")
          : acc.overflow == IntOverflow::Wrap ? "exact mod 2^" + std::to_string(acc.int_bits) + " vs exact math"
                                              : std::string("exact vs exact math where no sum can saturate"));
}

ValueVerdict check_values(const ChipConfig& config, const Layer& layer, const LayerData& data, std::string repro, uint64_t max_rows,
                          uint64_t seed) {
  ValueVerdict v;
  v.repro = std::move(repro);
  const ChipValues chip = values::run_layer(config, layer, data.a, data.b, data.bias);
  const bool whole = is_grouped(layer);  // checked whole: see check_exact_math
  const std::vector<uint64_t> rows = checked_rows(layer.gemm.m, whole ? 0 : max_rows, seed);
  v.rows_checked = rows.size();
  v.rows_total = layer.gemm.m;
  Layer checked;
  checked.gemm = {rows.size(), layer.gemm.n, layer.gemm.k};
  const ChipValues hardware = whole ? ref::chip::hardware_layer(config, layer, data.a, data.b, data.bias)
                                    : ref::chip::hardware_layer(config, checked, rows_of_a(layer, data.a, rows), data.b, data.bias);
  v.mode = values_mode(config);
  const uint64_t n_count = layer.gemm.n;
  auto mismatch = [&](const char* stage, size_t i, std::string got, std::string want) {
    v.pass = false;
    ++v.mismatches;
    if (v.first_mismatches.size() < 10) v.first_mismatches.push_back({stage, i / n_count, i % n_count, std::move(got), std::move(want)});
  };
  for (size_t j = 0; j < hardware.accumulators.size(); ++j) {
    const size_t i = rows[j / n_count] * n_count + j % n_count;  // chip index; j indexes the checked rows
    ++v.compared;
    if (!same(chip.accumulators, i, hardware.accumulators, j))
      mismatch("accumulator vs reference", i, value_text(chip.accumulators, i), value_text(hardware.accumulators, j));
    if (!same(chip.outputs, i, hardware.outputs, j)) mismatch("output vs reference", i, value_text(chip.outputs, i), value_text(hardware.outputs, j));
  }
  const ExactMathCounts counts = check_exact_math(config, layer, data, rows, chip.accumulators, [&](size_t i, std::string got, std::string want) {
    mismatch("accumulator vs exact", i, std::move(got), std::move(want));
  });
  v.exact_checked = counts.checked;
  v.excluded = counts.excluded;
  return v;
}

ValueVerdict check_layer(const ChipConfig& config, const Layer& layer, DataSet data_set, uint64_t seed, uint64_t max_rows) {
  const std::string chip = config.name.empty() ? "--config FILE" : "--preset " + config.name;
  const std::string repro = "lpconform chip run " + chip + " --array " + std::to_string(config.array.rows) + "x" + std::to_string(config.array.cols) +
                            " " + layer_option(layer) + " --seed " + std::to_string(seed) + " --data " + std::string(to_string(data_set)) +
                            " --check-rows " + std::to_string(max_rows);
  return check_values(config, layer, make_layer_data(config, layer, data_set, seed), repro, max_rows, seed);
}

std::string describe(const ValueVerdict& v) {
  std::string out = std::string("values: ") + (v.pass ? "PASS" : "FAIL") + " (" + v.mode + ") compared=" + std::to_string(v.compared) +
                    " exact_checked=" + std::to_string(v.exact_checked) + " excluded=" + std::to_string(v.excluded) +
                    " mismatches=" + std::to_string(v.mismatches) + "\n";
  for (const ValueMismatch& m : v.first_mismatches)
    out += "  " + m.stage + " at [" + std::to_string(m.row) + "," + std::to_string(m.col) + "]: got " + m.got + ", want " + m.want + "\n";
  if (!v.pass) out += "  repro: " + v.repro + "\n";
  return out;
}

}  // namespace lpc::chip::conformance
