// lpconform — a small CSV reader that remembers where every field came from.
//
// The format table, the profiles and the CLI all read CSV written by people, so every error names the file,
// line and column (1-based, in characters) and says what was expected: "<stdin>:3:1: ...". Fields
// may be double-quoted ("" escapes a quote); there are no embedded newlines. Lines that are empty
// (after trimming) are skipped; with `comments` set, so are lines whose first non-blank is '#'.
#pragma once

#include <cstddef>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace lpc {

// Bad input at a known position. what() is the complete message: "origin:line:column: text".
class InputError : public std::runtime_error {
 public:
  InputError(std::string_view origin, size_t line, size_t column, const std::string& text);
};

struct CsvField {
  std::string text;   // unquoted, surrounding blanks removed
  size_t column = 1;  // 1-based character column of the field's first character
};

struct CsvRecord {
  size_t line = 0;  // 1-based
  std::vector<CsvField> fields;
};

class CsvReader {
 public:
  // `text` must outlive the reader. `origin` names the input in messages ("<stdin>", a path).
  CsvReader(std::string_view text, std::string origin, bool comments);

  // The next non-empty record, or false at the end of the input.
  bool next(CsvRecord& record);

  // Reads the header record and checks it is exactly `expected` (one of the alternatives);
  // returns the index of the alternative that matched. Throws InputError otherwise.
  size_t expect_header(const std::vector<std::vector<std::string>>& expected);

  // Throws InputError at `field` of the current line: "origin:line:column: message".
  [[noreturn]] void fail(const CsvRecord& record, const CsvField& field, const std::string& message) const;
  [[noreturn]] void fail(size_t line, size_t column, const std::string& message) const;

  const std::string& origin() const { return origin_; }

 private:
  std::string_view text_;
  std::string origin_;
  bool comments_;
  size_t pos_ = 0;
  size_t line_ = 0;
};

// A field as a CSV writer must put it for this reader and RFC 4180 readers: quoted when it holds a
// comma, a quote or a line break, with the quotes inside doubled.
std::string csv_field(std::string_view s);

}  // namespace lpc
