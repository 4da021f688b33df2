#include "conformance/core/profile.hpp"

#include <algorithm>
#include <charconv>
#include <fstream>
#include <map>
#include <utility>
#include <sstream>
#include <stdexcept>

#include "conformance/core/sha256.hpp"
#include "conformance/core/variants.hpp"
#include "conformance/ops/derive.hpp"
#include "spec/table/csv.hpp"

namespace lpc {

namespace {

constexpr const char* kColumns[] = {"op", "format", "rounding", "overflow", "source", "inputs", "requirement"};
enum Column { kOp, kFormat, kRounding, kOverflow, kSource, kInputs, kRequirement, kColumnCount };

// Formats a profile may name: conversion targets of at most 16 bits, whose every code the
// reference enumerates (its RoundingMap and exhaustive decode need it).
bool is_profile_target(const Format& f) { return f.bits <= 16; }

std::vector<std::string_view> alternatives(std::string_view field) {
  std::vector<std::string_view> out;
  while (true) {
    const size_t bar = field.find('|');
    out.push_back(field.substr(0, bar));
    if (bar == std::string_view::npos) return out;
    field = field.substr(bar + 1);
  }
}

struct RowExpander {
  const CsvReader& reader;
  const CsvRecord& row;

  const CsvField& field(Column c) const { return row.fields[c]; }
  [[noreturn]] void fail(Column c, const std::string& message) const { reader.fail(row, field(c), message); }

  // Every value of `universe` (named by `name_of`) that some alternative of the field matches;
  // each alternative must match at least one, so a typo never silently drops a requirement.
  template <class T, class NameOf>
  std::vector<T> match(Column c, const std::vector<T>& universe, NameOf name_of, const char* what) const {
    std::vector<T> out;
    for (std::string_view alt : alternatives(field(c).text)) {
      bool any = false;
      for (const T& v : universe) {
        if (!glob_match(alt, name_of(v))) continue;
        any = true;
        bool dup = false;
        for (const T& o : out) dup = dup || name_of(o) == name_of(v);
        if (!dup) out.push_back(v);
      }
      if (!any) {
        std::string names;
        for (const T& v : universe) names += (names.empty() ? "" : ", ") + std::string(name_of(v));
        if (names.size() > 200) names = names.substr(0, 200) + ", ...";
        fail(c, "unknown " + std::string(what) + " '" + std::string(alt) + "', expected one of: " + names + " (or a '*' pattern)");
      }
    }
    return out;
  }

  std::vector<const Format*> formats() const {
    std::vector<const Format*> universe;
    for (const Format& f : all_formats())
      if (is_profile_target(f)) universe.push_back(&f);
    return match(kFormat, universe, [](const Format* f) -> std::string_view { return f->name; }, "format (of at most 16 bits)");
  }

  // Deterministic roundings by name ("rne", "*"); stochastic ones with their random-bit count
  // ("sr_a:4", "sr_*:8").
  std::vector<EncodeParams> roundings() const {
    std::vector<EncodeParams> out;
    for (std::string_view alt : alternatives(field(kRounding).text)) {
      const size_t colon = alt.find(':');
      EncodeParams p;
      std::vector<Rounding> universe;
      if (colon == std::string_view::npos) {
        universe.assign(std::begin(kDeterministicRoundings), std::end(kDeterministicRoundings));
      } else {
        const std::string_view bits = alt.substr(colon + 1);
        auto [ptr, ec] = std::from_chars(bits.data(), bits.data() + bits.size(), p.sr_bits);
        if (ec != std::errc() || ptr != bits.data() + bits.size() || p.sr_bits < 1 || p.sr_bits > 24)
          fail(kRounding, "stochastic rounding '" + std::string(alt) + "': expected 1..24 random bits after ':', like sr_a:4");
        universe.assign(std::begin(kStochasticRoundings), std::end(kStochasticRoundings));
        alt = alt.substr(0, colon);
      }
      bool any = false;
      for (Rounding r : universe) {
        if (!glob_match(alt, to_string(r))) continue;
        any = true;
        p.rounding = r;
        out.push_back(p);
      }
      if (!any)
        fail(kRounding, "unknown rounding '" + std::string(alt) +
                            "', expected rne, rna, rtz, rup, rdn, rto, '*', or sr_a/sr_b/sr_c with ':BITS'");
    }
    return out;
  }

  std::vector<Overflow> overflows() const {
    const std::vector<Overflow> universe = {Overflow::Sat, Overflow::NonSat, Overflow::SatProp, Overflow::Wrap};
    return match(kOverflow, universe, [](Overflow o) -> std::string_view { return to_string(o); }, "overflow policy");
  }

  std::vector<Source> sources() const {
    const std::vector<Source> universe = {Source::F32, Source::F64, Source::BF16, Source::F16};
    return match(kSource, universe, [](Source s) -> std::string_view { return to_string(s); }, "source type");
  }

  void expect_text(Column c, std::string_view expected, const char* why) const {
    if (field(c).text != expected) fail(c, "expected '" + std::string(expected) + "': " + why);
  }

  void expect_not_applicable(Column c, const char* why) const {
    if (field(c).text != "-" && !field(c).text.empty()) fail(c, std::string("expected '-': ") + why);
  }
};

bool overflow_applies(const Format& f, Overflow o) {
  for (Overflow allowed : f.is_integer() ? std::span<const Overflow>(kIntegerOverflows) : std::span<const Overflow>(kFloatOverflows))
    if (allowed == o) return true;
  return false;
}

// `all` enumerates a 16-bit source; boundary and random inputs are generated for float32/float64.
bool inputs_apply(const InputSpec& inputs, Source s) { return inputs.all == (source_bits(s) == 16); }

}  // namespace

bool glob_match(std::string_view pattern, std::string_view text) {
  // Greedy matching with one backtrack point (the last '*'): when a literal fails, the last star
  // swallows one more character. Earlier stars never need to move, so the time is at most
  // O(|pattern| * |text|) whatever the pattern (a user's waiver file cannot make it explode).
  size_t p = 0, t = 0, star = std::string_view::npos, star_text = 0;
  while (t < text.size()) {
    if (p < pattern.size() && pattern[p] == '*') {
      star = p++;
      star_text = t;
    } else if (p < pattern.size() && pattern[p] == text[t]) {
      ++p;
      ++t;
    } else if (star != std::string_view::npos) {
      p = star + 1;
      t = ++star_text;
    } else {
      return false;
    }
  }
  while (p < pattern.size() && pattern[p] == '*') ++p;
  return p == pattern.size();
}

Profile parse_profile(std::string_view text, std::string name, std::string origin) {
  Profile profile;
  profile.info.name = std::move(name);
  profile.origin = origin;
  profile.text = text;
  profile.info.sha256 = sha256_hex(text);
  for (const EmbeddedProfile& bundled : embedded_profiles())
    if (bundled.name == profile.info.name) profile.info.modified = bundled.text != text;

  // 1. Directives ("@version 1.0") are whole lines; blank them out so the CSV reader keeps the
  //    line numbers of everything else.
  std::string csv_text;
  size_t line_no = 0;
  for (size_t pos = 0; pos < text.size();) {
    size_t end = text.find('\n', pos);
    if (end == std::string_view::npos) end = text.size();
    std::string_view line = text.substr(pos, end - pos);
    pos = end + 1;
    ++line_no;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (!line.starts_with('@')) { csv_text.append(line).push_back('\n'); continue; }
    csv_text.push_back('\n');
    const size_t space = line.find(' ');
    const std::string_view key = line.substr(1, space == std::string_view::npos ? line.size() : space - 1);
    const std::string value(space == std::string_view::npos ? std::string_view{} : line.substr(space + 1));
    if (key == "version") profile.info.version = value;
    else if (key == "title") profile.info.title = value;
    else if (key == "label") profile.info.label = value;
    else if (key == "require-variants" || key == "forbid-variants") {
      auto& list = key == "require-variants" ? profile.info.required_variants : profile.info.forbidden_variants;
      for (size_t at = 0; at <= value.size();) {
        size_t comma = value.find(',', at);
        if (comma == std::string::npos) comma = value.size();
        const std::string v = value.substr(at, comma - at);
        if (std::find(known_variants().begin(), known_variants().end(), v) == known_variants().end())
          throw InputError(origin, line_no, key.size() + 3 + at, "unknown variant '" + v + "', expected names from: " + known_variants_text() + " (`lpconform list variants`)");
        list.push_back(v);
        at = comma + 1;
      }
    } else {
      throw InputError(origin, line_no, 1, "unknown directive '@" + std::string(key) + "', expected @version, @title, @label, @require-variants or @forbid-variants");
    }
  }
  if (profile.info.version.empty()) throw InputError(origin, 1, 1, "missing '@version VERSION' line");

  // 2. The rows, each expanded over its patterns. A later row replaces an earlier item with the
  //    same signature (so "optional for every rounding, then required for rne" reads naturally).
  CsvReader reader(csv_text, origin, true);
  const std::vector<std::string> registry_columns = {"op", "params", "inputs", "requirement"};
  const size_t header = reader.expect_header({std::vector<std::string>(std::begin(kColumns), std::end(kColumns)), registry_columns});
  std::map<std::string, size_t> index_of;
  auto add = [&](Item item) {
    const std::string sig = item.signature("");
    if (auto it = index_of.find(sig); it != index_of.end()) profile.items[it->second] = item;
    else { index_of.emplace(sig, profile.items.size()); profile.items.push_back(item); }
  };
  CsvRecord row;
  if (header == 1) {
    // Rows of registry ops (conformance/ops): op, NAME=ALT|ALT;... over the op's item parameters.
    while (reader.next(row)) {
      if (row.fields.size() != registry_columns.size())
        reader.fail(row.line, 1, "expected 4 fields (op,params,inputs,requirement), got " + std::to_string(row.fields.size()));
      const ops::OpSchema* op = ops::find_op(row.fields[0].text);
      if (!op) {
        std::string names;
        for (const ops::OpSchema* o : ops::registered_ops()) names += (names.empty() ? "" : ", ") + o->name;
        reader.fail(row, row.fields[0], "unknown op '" + row.fields[0].text + "', expected one of the registry's: " + names);
      }
      Item item;
      item.op = Op::Registered;
      item.schema = op;
      const auto inputs = InputSpec::parse(row.fields[2].text);
      if (!inputs || inputs->all) reader.fail(row, row.fields[2], "expected boundary, random:N or boundary+random:N, got '" + row.fields[2].text + "'");
      item.inputs = *inputs;
      const std::string& requirement = row.fields[3].text;
      if (requirement != "required" && requirement != "optional") reader.fail(row, row.fields[3], "expected required or optional, got '" + requirement + "'");
      item.required = requirement == "required";
      std::vector<ops::Params> expanded;
      try {
        expanded = ops::expand_row(*op, row.fields[1].text);
      } catch (const std::invalid_argument& e) {
        reader.fail(row, row.fields[1], e.what());
      }
      if (expanded.empty()) reader.fail(row.line, 1, "the row expands to no requirement: the op rejects every combination of these parameters");
      for (ops::Params& p : expanded) {
        item.op_params = std::move(p);
        add(item);
      }
    }
    if (profile.items.empty()) throw InputError(origin, 1, 1, "the profile has no requirement rows");
    return profile;
  }
  while (reader.next(row)) {
    if (row.fields.size() != kColumnCount)
      reader.fail(row.line, 1, "expected " + std::to_string(kColumnCount) + " fields (op,format,rounding,overflow,source,inputs,requirement), got " +
                                   std::to_string(row.fields.size()));
    RowExpander x{reader, row};
    Item item;
    const std::string& requirement = x.field(kRequirement).text;
    if (requirement != "required" && requirement != "optional") x.fail(kRequirement, "expected required or optional, got '" + requirement + "'");
    item.required = requirement == "required";
    const auto inputs = InputSpec::parse(x.field(kInputs).text);
    if (!inputs) x.fail(kInputs, "expected all, boundary, random:N or boundary+random:N, got '" + x.field(kInputs).text + "'");
    item.inputs = *inputs;
    if (const ops::OpSchema* registered = ops::find_op(x.field(kOp).text)) {
      // A registry op in a format-header row: each column is the item parameter that names it as
      // its column, or two that read the parts of its alternatives before and after a ':'
      // ("floor:8"), or must hold the op's fixed text ("-" when it names none).
      if (item.inputs.all) x.fail(kInputs, registered->name + " takes boundary, random:N or boundary+random:N");
      std::vector<std::string> fields(1);  // NAME=ALTS;... for ops::expand_row, one per part alternative
      std::vector<std::pair<Column, const ops::ParamSpec*>> read;  // the columns parameters read
      for (Column c : {kFormat, kRounding, kOverflow, kSource}) {
        const ops::ParamSpec *whole = nullptr, *before = nullptr, *after = nullptr;
        for (const ops::ParamSpec& p : registered->params) {
          if (p.column != kColumns[c]) continue;
          (p.part == ops::ParamSpec::Part::Whole ? whole : p.part == ops::ParamSpec::Part::BeforeColon ? before : after) = &p;
          read.emplace_back(c, &p);
        }
        if (whole) {
          std::string text = x.field(c).text;
          if (whole->from_column) {
            text.clear();
            try {
              for (std::string_view alt : alternatives(x.field(c).text))
                for (const std::string& name : whole->from_column(alt)) text += (text.empty() ? "" : "|") + name;
            } catch (const std::invalid_argument& e) {
              x.fail(c, e.what());
            }
          }
          for (std::string& f : fields) f += (f.empty() ? "" : ";") + whole->name + "=" + text;
          continue;
        }
        if (before || after) {
          // Each alternative of the column apart, in order: "*:0|*:1" is (any sign, 0 bits), then
          // (any sign, 1 bit); an alternative without ':' leaves the part after it at its default.
          std::vector<std::string> next;
          for (const std::string& f : fields)
            for (std::string_view alt : alternatives(x.field(c).text)) {
              const size_t colon = alt.find(':');
              if (colon != std::string_view::npos && !after) x.fail(c, "unexpected ':' in '" + std::string(alt) + "': " + registered->name + " reads no number there");
              std::string g = f;
              if (before) g += (g.empty() ? "" : ";") + before->name + "=" + std::string(alt.substr(0, colon));
              if (after && colon != std::string_view::npos) g += (g.empty() ? "" : ";") + after->name + "=" + std::string(alt.substr(colon + 1));
              next.push_back(std::move(g));
            }
          fields = std::move(next);
          continue;
        }
        std::string fixed = "-";
        for (const auto& [column, text] : registered->fixed_columns)
          if (column == kColumns[c]) fixed = text;
        if (x.field(c).text != fixed && !(fixed == "-" && x.field(c).text.empty()))
          x.fail(c, "expected '" + fixed + "': " + registered->name + " has no " + kColumns[c] + " parameter");
      }
      item.op = Op::Registered;
      item.schema = registered;
      std::vector<ops::Params> expanded;
      try {
        for (const std::string& f : fields)
          for (ops::Params& p : ops::expand_row(*registered, f)) expanded.push_back(std::move(p));
      } catch (const std::invalid_argument& e) {
        // At the column of the parameter the message names ("parameter 'w-grid': ...").
        const std::string_view what = e.what();
        Column at = kOp;
        for (const auto& [c, param] : read)
          if (what.starts_with("parameter '" + param->name + "'")) at = c;
        x.fail(at, e.what());
      }
      if (fields.size() > 1) {
        // One expansion per part alternative; the items then go in the op's sweep order as one
        // expansion would give them, each value ranked by its first appearance in the row.
        std::vector<std::string> order = registered->sweep;
        for (const ops::ParamSpec& p : registered->params)
          if (p.scope == ops::ParamScope::Item && std::find(order.begin(), order.end(), p.name) == order.end()) order.push_back(p.name);
        std::map<std::string, std::vector<std::string>> seen;
        for (const ops::Params& p : expanded)
          for (const std::string& name : order) {
            std::vector<std::string>& values = seen[name];
            const std::string v = ops::value_text(p.at(name));
            if (std::find(values.begin(), values.end(), v) == values.end()) values.push_back(v);
          }
        auto ranks = [&](const ops::Params& p) {
          std::vector<size_t> r;
          for (const std::string& name : order) {
            const std::vector<std::string>& values = seen[name];
            r.push_back(static_cast<size_t>(std::find(values.begin(), values.end(), ops::value_text(p.at(name))) - values.begin()));
          }
          return r;
        };
        std::stable_sort(expanded.begin(), expanded.end(), [&](const ops::Params& a, const ops::Params& b) { return ranks(a) < ranks(b); });
      }
      if (expanded.empty()) reader.fail(row.line, 1, "the row expands to no requirement: the op rejects every combination of these parameters");
      for (ops::Params& p : expanded) {
        item.op_params = std::move(p);
        add(item);
      }
      continue;
    }
    const auto op = parse_op(x.field(kOp).text);
    if (!op) x.fail(kOp, "unknown op '" + x.field(kOp).text + "', expected encode, decode, or an op of the registry (lpconform list ops)");
    item.op = *op;
    size_t produced = 0;
    if (item.op == Op::Decode) {
      x.expect_not_applicable(kRounding, "decode has no rounding");
      x.expect_not_applicable(kOverflow, "decode has no overflow policy");
      x.expect_not_applicable(kSource, "decode has no source type");
      if (!item.inputs.all) x.fail(kInputs, "decode checks every code: expected all");
      for (const Format* f : x.formats()) { item.format = f; add(item); ++produced; }
    } else {
      const auto formats = x.formats();
      const auto roundings = x.roundings();
      const auto overflows = x.overflows();
      const auto sources = x.sources();
      for (const Format* f : formats)
        for (const EncodeParams& p : roundings)
          for (Overflow o : overflows)
            for (Source s : sources) {
              if (!overflow_applies(*f, o) || !inputs_apply(item.inputs, s)) continue;
              item.format = f;
              item.params = p;
              item.params.overflow = o;
              item.source = s;
              add(item);
              ++produced;
            }
    }
    if (produced == 0)
      reader.fail(row.line, 1, "the row expands to no requirement: no overflow policy applies to these formats, or the inputs do not fit the "
                               "source (all needs bfloat16/float16; boundary/random need float32/float64)");
  }
  if (profile.items.empty()) throw InputError(origin, 1, 1, "the profile has no requirement rows");
  return profile;
}

Profile load_profile(std::string_view name_or_path) {
  const bool is_path = name_or_path.find('/') != std::string_view::npos || name_or_path.ends_with(".csv");
  if (!is_path) {
    for (const EmbeddedProfile& p : embedded_profiles())
      if (p.name == name_or_path)
        return parse_profile(p.text, std::string(p.name), "spec/profiles/" + std::string(p.name) + ".csv (embedded)");
    std::string names;
    for (const EmbeddedProfile& p : embedded_profiles()) names += (names.empty() ? "" : ", ") + std::string(p.name);
    throw std::invalid_argument("unknown profile '" + std::string(name_or_path) + "', expected one of: " + names +
                                " (or the path of a profile file)");
  }
  const std::string path(name_or_path);
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::invalid_argument("cannot read profile file '" + path + "'");
  std::ostringstream text;
  text << in.rdbuf();
  std::string name = path.substr(path.find_last_of('/') + 1);
  if (name.ends_with(".csv")) name.resize(name.size() - 4);
  return parse_profile(text.str(), name, path);
}

}  // namespace lpc
