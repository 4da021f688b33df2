#include "spec/table/csv.hpp"

namespace lpc {

namespace {

bool is_blank(char c) { return c == ' ' || c == '\t'; }

std::string join(const std::vector<std::string>& names) {
  std::string out;
  for (const std::string& n : names) out += (out.empty() ? "" : ",") + n;
  return out;
}

}  // namespace

InputError::InputError(std::string_view origin, size_t line, size_t column, const std::string& text)
    : std::runtime_error(std::string(origin) + ":" + std::to_string(line) + ":" + std::to_string(column) + ": " + text) {}

CsvReader::CsvReader(std::string_view text, std::string origin, bool comments)
    : text_(text), origin_(std::move(origin)), comments_(comments) {}

bool CsvReader::next(CsvRecord& record) {
  while (pos_ < text_.size()) {
    size_t end = text_.find('\n', pos_);
    if (end == std::string_view::npos) end = text_.size();
    std::string_view line = text_.substr(pos_, end - pos_);
    pos_ = end + 1;
    ++line_;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    size_t first = 0;
    while (first < line.size() && is_blank(line[first])) ++first;
    if (first == line.size() || (comments_ && line[first] == '#')) continue;

    // Split on commas outside quotes, tracking each field's starting column.
    record.line = line_;
    record.fields.clear();
    CsvField field;
    bool quoted = false, field_started = false;
    std::string pending_blanks;  // blanks inside a field, kept only if more text follows
    for (size_t i = 0; i <= line.size(); ++i) {
      const bool at_end = i == line.size();
      const char c = at_end ? ',' : line[i];
      if (quoted) {
        if (at_end) fail(line_, field.column, "unterminated quoted field, expected a closing '\"'");
        if (c == '"' && i + 1 < line.size() && line[i + 1] == '"') { field.text += '"'; ++i; }
        else if (c == '"') quoted = false;
        else field.text += c;
      } else if (c == ',') {
        record.fields.push_back(std::move(field));
        field = CsvField{};
        field.column = i + 2;
        field_started = false;
        pending_blanks.clear();
      } else if (is_blank(c)) {
        if (field_started) pending_blanks += c;
        else field.column = i + 2;
      } else if (c == '"' && !field_started) {
        quoted = field_started = true;
      } else {
        field.text += pending_blanks;
        pending_blanks.clear();
        field.text += c;
        field_started = true;
      }
    }
    return true;
  }
  return false;
}

size_t CsvReader::expect_header(const std::vector<std::vector<std::string>>& expected) {
  CsvRecord header;
  std::string wanted;
  for (const auto& names : expected) wanted += (wanted.empty() ? "'" : " or '") + join(names) + "'";
  if (!next(header)) fail(line_ + 1, 1, "empty input, expected the header line " + wanted);
  for (size_t alt = 0; alt < expected.size(); ++alt) {
    const auto& names = expected[alt];
    if (header.fields.size() != names.size()) continue;
    bool same = true;
    for (size_t i = 0; i < names.size(); ++i) same = same && header.fields[i].text == names[i];
    if (same) return alt;
  }
  // Point at the first field that matches no alternative.
  for (size_t i = 0; i < header.fields.size(); ++i) {
    bool known = false;
    for (const auto& names : expected) known = known || (i < names.size() && header.fields[i].text == names[i]);
    if (!known) fail(header, header.fields[i], "unexpected header column '" + header.fields[i].text + "', expected the header " + wanted);
  }
  fail(header.line, 1, "wrong header, expected " + wanted);
}

void CsvReader::fail(const CsvRecord& record, const CsvField& field, const std::string& message) const {
  fail(record.line, field.column, message);
}

void CsvReader::fail(size_t line, size_t column, const std::string& message) const {
  throw InputError(origin_, line, column, message);
}

std::string csv_field(std::string_view s) {
  if (s.find_first_of(",\"\n\r") == std::string_view::npos) return std::string(s);
  std::string out = "\"";
  for (char c : s) out += c == '"' ? std::string("\"\"") : std::string(1, c);
  return out + "\"";
}

}  // namespace lpc
