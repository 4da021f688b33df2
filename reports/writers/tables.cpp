#include "reports/writers/tables.hpp"

#include <algorithm>

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

std::vector<const nlohmann::ordered_json*> not_passing(const nlohmann::ordered_json& document) {
  std::vector<const nlohmann::ordered_json*> out;
  for (bool required : {true, false})
    for (const auto& item : document["items"])
      if (item["status"] != "PASS" && (item["requirement"] == "required") == required) out.push_back(&item);
  return out;
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

}  // namespace lpc::reports::detail
