// Merging shard reports into the report of the unsharded run (report.hpp: merge_shards).
#include <algorithm>
#include <stdexcept>

#include "reports/writers/report.hpp"

namespace lpc::reports {

namespace {

// The keys every shard of one run shares; a waiver list is compared without what it did.
Document run_identity(const Document& doc) {
  Document waivers = Document::array();
  for (Document w : doc["waivers"]) {
    w.erase("state");
    w.erase("waived");
    waivers.push_back(std::move(w));
  }
  // A plugin is the same on every machine by its hash, wherever its file lies.
  Document implementation = doc["implementation"];
  implementation.erase("library");
  return {{"suite", doc["suite"]},         {"implementation", implementation},        {"oracle", doc["oracle"]},
          {"profile", doc["profile"]},     {"seed", doc["seed"]},                     {"filter", doc["filter"]},
          {"shards", doc["shard"]["count"]}, {"waivers", waivers}};
}

}  // namespace

Document merge_shards(const std::vector<Document>& shards, const std::vector<std::string>& names, const std::string& command) {
  if (shards.empty()) throw std::invalid_argument("no reports to merge");
  for (size_t i = 0; i < shards.size(); ++i) {
    try {
      validate_report(shards[i]);
    } catch (const std::invalid_argument& e) {
      throw std::invalid_argument(names[i] + ": " + e.what());
    }
  }

  // 1. One run: every shard agrees on what was run, and the shard numbers are exactly 1..N.
  const Document identity = run_identity(shards[0]);
  const unsigned count = shards[0]["shard"]["count"];
  std::vector<std::string> seen(count + 1);
  for (size_t i = 0; i < shards.size(); ++i) {
    const Document other = run_identity(shards[i]);
    for (const auto& [key, value] : identity.items())
      if (other[key] != value)
        throw std::invalid_argument(names[i] + ": not a shard of the same run as " + names[0] + ": '" + key + "' differs (" + other[key].dump() +
                                    " vs " + value.dump() + ")");
    const unsigned index = shards[i]["shard"]["index"];
    if (!seen[index].empty()) throw std::invalid_argument(names[i] + ": shard " + std::to_string(index) + "/" + std::to_string(count) + " is also " + seen[index]);
    seen[index] = names[i];
  }
  for (unsigned index = 1; index <= count; ++index)
    if (seen[index].empty()) throw std::invalid_argument("shard " + std::to_string(index) + "/" + std::to_string(count) + " is missing");

  // 2. The items in profile order, each once.
  Document merged = shards[0];
  merged["command"] = command;
  Document items = Document::array();
  for (const Document& shard : shards) {
    merged["started"] = std::min(merged["started"].get<std::string>(), shard["started"].get<std::string>());
    merged["finished"] = std::max(merged["finished"].get<std::string>(), shard["finished"].get<std::string>());
    merged["duration_s"] = std::max(merged["duration_s"].get<double>(), shard["duration_s"].get<double>());
    merged["threads"] = std::max(merged["threads"].get<unsigned>(), shard["threads"].get<unsigned>());
    for (const auto& item : shard["items"]) items.push_back(item);
  }
  std::stable_sort(items.begin(), items.end(), [](const Document& a, const Document& b) { return a["index"] < b["index"]; });
  for (size_t i = 1; i < items.size(); ++i)
    if (items[i]["index"] == items[i - 1]["index"])
      throw std::invalid_argument("item " + items[i]["signature"].get<std::string>() + " is in two shards");
  merged["shard"] = {{"index", 1}, {"count", 1}};
  merged["items"] = std::move(items);

  // 3. What each waiver did over the whole run.
  for (size_t w = 0; w < merged["waivers"].size(); ++w) {
    uint64_t waived = 0;
    for (const Document& shard : shards) waived += shard["waivers"][w]["waived"].get<uint64_t>();
    Document& waiver = merged["waivers"][w];
    waiver["waived"] = waived;
    if (waiver["state"] == "used" || waiver["state"] == "unmatched") waiver["state"] = waived ? "used" : "unmatched";
  }
  count_items(merged);
  return merged;
}

}  // namespace lpc::reports
