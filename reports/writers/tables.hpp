// Private to reports/writers: the aggregations the Markdown and text summaries both show, computed
// from the JSON document, and the text clean-up every renderer shares.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "spec/table/text.hpp"

namespace lpc::reports::detail {

// Items of one op from one source ("decode" rows have source "-").
struct GroupRow {
  std::string op, source;
  uint64_t items = 0, inputs = 0;
  std::map<std::string, uint64_t> status;  // "PASS" -> count, ...
};
std::vector<GroupRow> rows_by_op_and_source(const nlohmann::ordered_json& document);

// The items that decide the verdict against the subject, in document order: required items
// neither PASS nor WAIVED, and any item the oracle or the harness failed on.
std::vector<const nlohmann::ordered_json*> gating_not_passing(const nlohmann::ordered_json& document);

// The optional items that did not pass (never gating, so never listed one by one), counted by
// status: "58 UNSUPPORTED, 2 FAIL"; empty when there are none.
std::string optional_not_passing(const nlohmann::ordered_json& document);
// The QUALITY_WARNING items (Statistical, within the bound but biased; never gating):
// "SIGNATURE: message" each, in report order.
std::vector<std::string> quality_warnings(const nlohmann::ordered_json& document);

// 375123456 -> "375,123,456".
std::string thousands(uint64_t n);

// "fast 0.1.0"
std::string name_version(const nlohmann::ordered_json& implementation);

// "ocp-ofp8-1.0 1.0", with " (modified: not the bundled profile)" when the document's profile
// carries a bundled profile's name but not its text.
std::string profile_identity(const nlohmann::ordered_json& document);

// `s` as one line for a terminal or Markdown: repaired_text (spec/table/text.hpp), so no escape
// sequence reaches a terminal.
inline std::string one_line(std::string_view s) { return repaired_text(s); }

// A Markdown table cell: one_line(), with '|' escaped so it never splits the cell.
std::string markdown_cell(std::string_view s);

}  // namespace lpc::reports::detail
