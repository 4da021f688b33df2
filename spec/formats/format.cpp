// Parsing of spec/formats.csv and expansion of the IEEE P3109 family row.
#include "spec/formats/format.hpp"

#include "spec/table/csv.hpp"

#include <algorithm>
#include <charconv>
#include <iterator>
#include <stdexcept>

namespace lpc {

extern const char kFormatsCsvText[];  // generated from spec/formats.csv (cmake/embed_text.cmake)

namespace {

constexpr const char* kColumns[] = {"name", "kind", "bits", "signed", "exp_bits", "man_bits", "radix",
                                    "bias", "inf", "nan", "neg_zero", "zero", "subnormals", "source"};
constexpr size_t kColumnCount = sizeof(kColumns) / sizeof(kColumns[0]);

// One record of the table, with typed accessors whose errors point at the field.
struct RowReader {
  const CsvReader& csv;
  const CsvRecord& record;

  const std::string& at(size_t col) const { return record.fields[col].text; }
  [[noreturn]] void fail(size_t col, const std::string& what) const { csv.fail(record, record.fields[col], what); }
  [[noreturn]] void fail_row(const std::string& what) const { csv.fail(record.line, 1, what); }
  int integer(size_t col) const {
    int v = 0;
    const std::string& s = at(col);
    auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (ec != std::errc() || p != s.data() + s.size())
      fail(col, std::string("column '") + kColumns[col] + "': expected an integer, got '" + s + "'");
    return v;
  }
  bool yes_no(size_t col) const {
    if (at(col) == "yes") return true;
    if (at(col) == "no") return false;
    fail(col, std::string("column '") + kColumns[col] + "': expected yes or no, got '" + at(col) + "'");
  }
};

InfEncoding parse_inf(const RowReader& r, size_t col) {
  const std::string& s = r.at(col);
  if (s == "none") return InfEncoding::None;
  if (s == "ieee") return InfEncoding::Ieee;
  if (s == "p3109") return InfEncoding::P3109;
  r.fail(col, "column 'inf': expected none, ieee or p3109, got '" + s + "'");
}

NanEncoding parse_nan(const RowReader& r, size_t col) {
  const std::string& s = r.at(col);
  if (s == "none") return NanEncoding::None;
  if (s == "ieee") return NanEncoding::Ieee;
  if (s == "all_ones") return NanEncoding::AllOnes;
  if (s == "neg_zero") return NanEncoding::NegZero;
  r.fail(col, "column 'nan': expected none, ieee, all_ones or neg_zero, got '" + s + "'");
}

// IEEE P3109 interim report v4.0 (DRAFT), formats Binary{K,P,Sigma,Delta}:
//   signed:   sign bit, K-P exponent bits, P-1 fraction bits, bias 2^(K-P-1); NaN = 0x80..0, no -0
//   unsigned: K-P+1 exponent bits, P-1 fraction bits, bias 2^(K-P); NaN = all ones
//   extended: +Inf = largest positive code (signed 2^(K-1)-1, unsigned 2^K-2), -Inf its negative;
//   finite formats use those codes as numbers. Subnormals always exist.
Format make_p3109(int k, int p, bool is_signed, bool extended, const std::string& source) {
  Format f;
  f.name = "binary" + std::to_string(k) + "p" + std::to_string(p) + (is_signed ? "s" : "u") + (extended ? "e" : "f");
  f.kind = FormatKind::Float;
  f.bits = k;
  f.is_signed = is_signed;
  f.exp_bits = is_signed ? k - p : k - p + 1;
  f.man_bits = p - 1;
  f.radix = 2;
  f.bias = is_signed ? (1 << (k - p - 1)) : (1 << (k - p));
  f.inf = extended ? InfEncoding::P3109 : InfEncoding::None;
  f.nan = is_signed ? NanEncoding::NegZero : NanEncoding::AllOnes;
  f.neg_zero = false;
  f.has_zero = true;
  f.subnormals = true;
  f.source = source;
  f.p3109_k = k;
  f.p3109_p = p;
  f.p3109_extended = extended;
  return f;
}

void expand_p3109(const RowReader& r, std::vector<Format>& out) {
  const std::string& range = r.at(2);
  const auto dots = range.find("..");
  if (dots == std::string::npos) r.fail(2, "column 'bits' of a p3109 row: expected a range like 3..8, got '" + range + "'");
  int lo = 0, hi = 0;
  std::from_chars(range.data(), range.data() + dots, lo);
  std::from_chars(range.data() + dots + 2, range.data() + range.size(), hi);
  if (lo < 3 || hi > 16 || lo > hi) r.fail(2, "p3109 bit range must lie within 3..16, got '" + range + "'");
  for (int k = lo; k <= hi; ++k) {
    for (int p = 1; p <= k; ++p) {
      for (bool is_signed : {true, false}) {
        if (is_signed && p == k) continue;  // signed formats need 0 < P < K
        for (bool extended : {true, false}) {
          Format f = make_p3109(k, p, is_signed, extended, r.at(13));
          for (const Format& earlier : out)
            if (earlier.name == f.name) r.fail(0, "duplicate format name '" + f.name + "'");
          out.push_back(std::move(f));
        }
      }
    }
  }
}

void check_consistency(const RowReader& r, const Format& f) {
  if (f.bits < 1 || f.bits > 32) r.fail(2, "bits must be 1..32");
  if (f.is_float()) {
    if ((f.is_signed ? 1 : 0) + f.exp_bits + f.man_bits != f.bits)
      r.fail_row("signed + exp_bits + man_bits must equal bits");
    if (f.radix != 2 && f.radix != 4) r.fail_row("radix must be 2 or 4");
    if (f.radix == 4 && f.man_bits != 0) r.fail_row("a radix-4 format must have no mantissa bits");
    if ((f.inf == InfEncoding::Ieee) != (f.nan == NanEncoding::Ieee))
      r.fail_row("inf and nan must both be 'ieee' or neither: the IEEE encoding reserves the whole all-ones exponent "
                 "binade (fraction 0 = Inf, else NaN), so Inf stays above every finite value");
    if (!f.has_zero && f.subnormals) r.fail_row("a format without zero cannot have subnormals");
    // Every value must be exactly a float64, and a float32 for formats of at most 16 bits (the
    // harness and the fast decoders promise exact values in those types). With radix 2^k the
    // smallest positive value is 2^(k(z - B) - M), z = 1 with a zero (the subnormal quantum) and
    // 0 without (E8M0); every value lies below 2^(k(T - B) + 1), T the top exponent field that
    // holds a number (2^E - 2 when the all-ones binade is all Inf/NaN: IEEE, or E8M0's lone NaN).
    const long k = f.radix == 4 ? 2 : 1;
    const bool top_binade_special = f.inf == InfEncoding::Ieee || (f.man_bits == 0 && f.nan == NanEncoding::AllOnes);
    const long top = k * (((1L << f.exp_bits) - (top_binade_special ? 2 : 1)) - f.bias) + 1;
    const long bottom = k * ((f.has_zero ? 1L : 0L) - f.bias) - f.man_bits;
    const bool narrow = f.bits <= 16;
    if (top > (narrow ? 128 : 1024) || bottom < (narrow ? -149 : -1074))
      r.fail(7, std::string("column 'bias': the values must be ") + (narrow ? "float32" : "float64") +
                    " numbers (2^" + std::to_string(bottom) + " .. 2^" + std::to_string(top) + " is out of range)");
    if (!f.subnormals && f.has_zero)
      r.fail_row(f.man_bits != 0 ? "flush-to-zero formats with mantissa bits are not supported"
                                 : "with zero and no mantissa bits, exponent field 0 holds only zero: write subnormals = yes "
                                   "(subnormals = no is for formats without zero, as E8M0)");
    if (f.nan == NanEncoding::NegZero && f.neg_zero) r.fail_row("NaN at the -0 code excludes neg_zero");
    if (!f.is_signed && f.neg_zero) r.fail_row("unsigned formats have no -0");
  }
}

}  // namespace

std::vector<Format> parse_formats_csv(std::string_view text, std::string_view origin) {
  CsvReader csv(text, std::string(origin), /*comments=*/true);
  csv.expect_header({std::vector<std::string>(std::begin(kColumns), std::end(kColumns))});
  std::vector<Format> out;
  CsvRecord record;
  while (csv.next(record)) {
    if (record.fields.size() != kColumnCount)
      csv.fail(record.line, 1, "expected " + std::to_string(kColumnCount) + " fields, got " + std::to_string(record.fields.size()));
    const RowReader r{csv, record};
    const std::string& kind = r.at(1);
    if (kind == "p3109") { expand_p3109(r, out); continue; }
    Format f;
    f.name = r.at(0);
    if (f.name.empty()) r.fail(0, "empty name");
    for (const Format& earlier : out)
      if (earlier.name == f.name) r.fail(0, "duplicate format name '" + f.name + "'");
    f.bits = r.integer(2);
    f.is_signed = r.yes_no(3);
    f.inf = parse_inf(r, 8);
    f.nan = parse_nan(r, 9);
    f.neg_zero = r.yes_no(10);
    f.has_zero = r.yes_no(11);
    f.subnormals = r.yes_no(12);
    f.source = r.at(13);
    if (kind == "float") {
      f.kind = FormatKind::Float;
      f.exp_bits = r.integer(4);
      f.man_bits = r.integer(5);
      f.radix = r.integer(6);
      f.bias = r.integer(7);
    } else if (kind == "int") {
      f.kind = FormatKind::Integer;
    } else {
      r.fail(1, "column 'kind': expected float, int or p3109, got '" + kind + "'");
    }
    check_consistency(r, f);
    out.push_back(std::move(f));
  }
  return out;
}

std::string_view formats_csv_text() { return kFormatsCsvText; }

const std::vector<Format>& all_formats() {
  static const std::vector<Format> formats = parse_formats_csv(kFormatsCsvText, "spec/formats.csv");
  return formats;
}

const Format* find_format(std::string_view name) {
  for (const Format& f : all_formats())
    if (f.name == name) return &f;
  return nullptr;
}

const Format& format_by_name(std::string_view name) {
  if (const Format* f = find_format(name)) return *f;
  std::string msg = "unknown format '" + std::string(name) + "'";
  std::string close;
  for (const Format& f : all_formats()) {
    const std::string_view n = f.name;
    if (name.size() >= 3 && (n.find(name) != std::string_view::npos || name.find(n) != std::string_view::npos)) {
      close += close.empty() ? "" : ", ";
      close += f.name;
    }
  }
  msg += close.empty() ? " (see `lpconform list formats`)" : " (did you mean: " + close + "?)";
  throw std::invalid_argument(msg);
}

const char* to_string(InfEncoding e) {
  switch (e) {
    case InfEncoding::None: return "none";
    case InfEncoding::Ieee: return "ieee";
    case InfEncoding::P3109: return "p3109";
  }
  return "?";
}

const char* to_string(NanEncoding e) {
  switch (e) {
    case NanEncoding::None: return "none";
    case NanEncoding::Ieee: return "ieee";
    case NanEncoding::AllOnes: return "all_ones";
    case NanEncoding::NegZero: return "neg_zero";
  }
  return "?";
}

}  // namespace lpc
