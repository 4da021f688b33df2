// Private to reports/writers: the aggregations the Markdown and text summaries both show, computed
// from the JSON document.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace lpc::reports::detail {

// Items of one op from one source ("decode" rows have source "-").
struct GroupRow {
  std::string op, source;
  uint64_t items = 0, inputs = 0;
  std::map<std::string, uint64_t> status;  // "PASS" -> count, ...
};
std::vector<GroupRow> rows_by_op_and_source(const nlohmann::ordered_json& document);

// The items whose status is not PASS: required ones first, each group in document order.
std::vector<const nlohmann::ordered_json*> not_passing(const nlohmann::ordered_json& document);

// 375123456 -> "375,123,456".
std::string thousands(uint64_t n);

// "fast 0.1.0"
std::string name_version(const nlohmann::ordered_json& implementation);

}  // namespace lpc::reports::detail
