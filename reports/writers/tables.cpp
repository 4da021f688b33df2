#include "reports/writers/tables.hpp"

#include <algorithm>

#include "conformance/core/verdict.hpp"

namespace lpc::reports::detail {

std::vector<GroupRow> rows_by_op_and_source(const nlohmann::ordered_json& document) {
  std::vector<GroupRow> rows;
  for (const auto& item : document["items"]) {
    const std::string op = item["op"], source = item.value("source", "-");
    auto it = std::find_if(rows.begin(), rows.end(), [&](const GroupRow& r) { return r.op == op && r.source == source; });
    if (it == rows.end()) it = rows.insert(rows.end(), GroupRow{op, source});
    ++it->items;
    it->inputs += item["checked"].get<uint64_t>();
    ++it->status[item["status"].get<std::string>()];
  }
  return rows;
}

std::vector<const nlohmann::ordered_json*> gating_not_passing(const nlohmann::ordered_json& document) {
  std::vector<const nlohmann::ordered_json*> out;
  for (const auto& item : document["items"]) {
    const bool failed = item["status"] != "PASS" && item["status"] != "WAIVED" && item["status"] != "QUALITY_WARNING";
    if ((failed && item["requirement"] == "required") || item.value("infrastructure_error", false)) out.push_back(&item);
  }
  return out;
}

std::vector<std::string> quality_warnings(const nlohmann::ordered_json& document) {
  std::vector<std::string> out;
  for (const auto& item : document["items"])
    if (item["status"] == "QUALITY_WARNING") out.push_back(item["signature"].get<std::string>() + ": " + item.value("message", ""));
  return out;
}

std::string optional_not_passing(const nlohmann::ordered_json& document) {
  std::map<std::string, uint64_t> counts;
  for (const auto& item : document["items"])
    if (item["status"] != "PASS" && item["requirement"] == "optional" && !item.value("infrastructure_error", false))
      ++counts[item["status"].get<std::string>()];
  std::string text;
  for (Status s : kAllStatuses)
    if (counts.contains(to_string(s))) text += (text.empty() ? "" : ", ") + std::to_string(counts[to_string(s)]) + " " + to_string(s);
  return text;
}

std::string thousands(uint64_t n) {
  std::string digits = std::to_string(n), out;
  for (size_t i = 0; i < digits.size(); ++i) {
    if (i && (digits.size() - i) % 3 == 0) out += ',';
    out += digits[i];
  }
  return out;
}

std::string name_version(const nlohmann::ordered_json& implementation) {
  return implementation["name"].get<std::string>() + " " + implementation["version"].get<std::string>();
}

std::string profile_identity(const nlohmann::ordered_json& document) {
  const auto& profile = document["profile"];
  return profile["name"].get<std::string>() + " " + profile["version"].get<std::string>() +
         (profile.value("modified", false) ? " (modified: not the bundled profile)" : "");
}

std::string markdown_cell(std::string_view s) {
  std::string out;
  for (char c : one_line(s)) {
    if (c == '|') out += '\\';
    out += c;
  }
  return out;
}

}  // namespace lpc::reports::detail
