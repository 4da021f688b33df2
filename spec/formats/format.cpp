// Parsing of spec/formats.csv and expansion of the IEEE P3109 family row.
#include "spec/formats/format.hpp"

#include <algorithm>
#include <charconv>
#include <stdexcept>

namespace lpc {

extern const char kFormatsCsvText[];  // generated from spec/formats.csv (cmake/embed_text.cmake)

namespace {

[[noreturn]] void fail(std::string_view origin, int line, const std::string& what) {
  throw std::invalid_argument(std::string(origin) + ":" + std::to_string(line) + ": " + what);
}

// Splits one CSV record. Fields may be double-quoted ("" escapes a quote); no embedded newlines.
std::vector<std::string> split_csv_line(std::string_view line) {
  std::vector<std::string> fields(1);
  bool quoted = false;
  for (size_t i = 0; i < line.size(); ++i) {
    const char c = line[i];
    if (quoted) {
      if (c == '"' && i + 1 < line.size() && line[i + 1] == '"') { fields.back() += '"'; ++i; }
      else if (c == '"') quoted = false;
      else fields.back() += c;
    } else if (c == '"') {
      quoted = true;
    } else if (c == ',') {
      fields.emplace_back();
    } else {
      fields.back() += c;
    }
  }
  return fields;
}

constexpr const char* kColumns[] = {"name", "kind", "bits", "signed", "exp_bits", "man_bits", "radix",
                                    "bias", "inf", "nan", "neg_zero", "zero", "subnormals", "source"};
constexpr size_t kColumnCount = sizeof(kColumns) / sizeof(kColumns[0]);

struct RowReader {
  std::string_view origin;
  int line;
  const std::vector<std::string>& f;

  const std::string& at(size_t col) const { return f[col]; }
  int integer(size_t col) const {
    int v = 0;
    const std::string& s = f[col];
    auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (ec != std::errc() || p != s.data() + s.size())
      fail(origin, line, std::string("column '") + kColumns[col] + "': expected an integer, got '" + s + "'");
    return v;
  }
  bool yes_no(size_t col) const {
    if (f[col] == "yes") return true;
    if (f[col] == "no") return false;
    fail(origin, line, std::string("column '") + kColumns[col] + "': expected yes or no, got '" + f[col] + "'");
  }
};

InfEncoding parse_inf(const RowReader& r, size_t col) {
  const std::string& s = r.at(col);
  if (s == "none") return InfEncoding::None;
  if (s == "ieee") return InfEncoding::Ieee;
  if (s == "p3109") return InfEncoding::P3109;
  fail(r.origin, r.line, "column 'inf': expected none, ieee or p3109, got '" + s + "'");
}

NanEncoding parse_nan(const RowReader& r, size_t col) {
  const std::string& s = r.at(col);
  if (s == "none") return NanEncoding::None;
  if (s == "ieee") return NanEncoding::Ieee;
  if (s == "all_ones") return NanEncoding::AllOnes;
  if (s == "neg_zero") return NanEncoding::NegZero;
  fail(r.origin, r.line, "column 'nan': expected none, ieee, all_ones or neg_zero, got '" + s + "'");
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
  if (dots == std::string::npos) fail(r.origin, r.line, "column 'bits' of a p3109 row: expected a range like 3..8, got '" + range + "'");
  int lo = 0, hi = 0;
  std::from_chars(range.data(), range.data() + dots, lo);
  std::from_chars(range.data() + dots + 2, range.data() + range.size(), hi);
  if (lo < 3 || hi > 16 || lo > hi) fail(r.origin, r.line, "p3109 bit range must lie within 3..16, got '" + range + "'");
  for (int k = lo; k <= hi; ++k) {
    for (int p = 1; p <= k; ++p) {
      for (bool is_signed : {true, false}) {
        if (is_signed && p == k) continue;  // signed formats need 0 < P < K
        for (bool extended : {true, false}) out.push_back(make_p3109(k, p, is_signed, extended, r.at(13)));
      }
    }
  }
}

void check_consistency(const RowReader& r, const Format& f) {
  if (f.bits < 1 || f.bits > 32) fail(r.origin, r.line, "bits must be 1..32");
  if (f.is_float()) {
    if ((f.is_signed ? 1 : 0) + f.exp_bits + f.man_bits != f.bits)
      fail(r.origin, r.line, "signed + exp_bits + man_bits must equal bits");
    if (f.radix != 2 && f.radix != 4) fail(r.origin, r.line, "radix must be 2 or 4");
    if (f.radix == 4 && f.man_bits != 0) fail(r.origin, r.line, "a radix-4 format must have no mantissa bits");
    if (!f.has_zero && f.subnormals) fail(r.origin, r.line, "a format without zero cannot have subnormals");
    if (!f.subnormals && f.has_zero && f.man_bits != 0)
      fail(r.origin, r.line, "flush-to-zero formats with mantissa bits are not supported");
    if (f.nan == NanEncoding::NegZero && f.neg_zero) fail(r.origin, r.line, "NaN at the -0 code excludes neg_zero");
    if (!f.is_signed && f.neg_zero) fail(r.origin, r.line, "unsigned formats have no -0");
  }
}

}  // namespace

std::vector<Format> parse_formats_csv(std::string_view text, std::string_view origin) {
  std::vector<Format> out;
  int line_no = 0;
  size_t pos = 0;
  bool header_seen = false;
  while (pos < text.size()) {
    size_t end = text.find('\n', pos);
    if (end == std::string_view::npos) end = text.size();
    std::string_view line = text.substr(pos, end - pos);
    pos = end + 1;
    ++line_no;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.empty() || line[0] == '#') continue;
    const auto fields = split_csv_line(line);
    if (!header_seen) {
      header_seen = true;
      for (size_t i = 0; i < kColumnCount; ++i)
        if (i >= fields.size() || fields[i] != kColumns[i])
          fail(origin, line_no, std::string("header: expected column ") + std::to_string(i + 1) + " to be '" + kColumns[i] + "'");
      continue;
    }
    if (fields.size() != kColumnCount)
      fail(origin, line_no, "expected " + std::to_string(kColumnCount) + " fields, got " + std::to_string(fields.size()));
    RowReader r{origin, line_no, fields};
    const std::string& kind = r.at(1);
    if (kind == "p3109") { expand_p3109(r, out); continue; }
    Format f;
    f.name = r.at(0);
    if (f.name.empty()) fail(origin, line_no, "empty name");
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
      fail(origin, line_no, "column 'kind': expected float, int or p3109, got '" + kind + "'");
    }
    check_consistency(r, f);
    out.push_back(std::move(f));
  }
  if (!header_seen) fail(origin, line_no, "empty table");
  for (size_t i = 0; i < out.size(); ++i)
    for (size_t j = i + 1; j < out.size(); ++j)
      if (out[i].name == out[j].name) fail(origin, 0, "duplicate format name '" + out[i].name + "'");
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
