// The Markdown summary and the terminal summary: the same facts, two typographies.
#include <algorithm>
#include <cstdio>
#include <sstream>
#include <utility>

#include "reports/writers/report.hpp"
#include "reports/writers/tables.hpp"

namespace lpc::reports {

namespace {

using namespace detail;

constexpr const char* kColumns[] = {"PASS", "FAIL", "UNSUPPORTED", "WAIVED", "ERROR"};

uint64_t count(const GroupRow& row, const char* status) { return row.status.contains(status) ? row.status.at(status) : 0; }

// CRASH and TIMEOUT happen only to out-of-process subjects; one column holds both.
uint64_t other_count(const GroupRow& row) { return count(row, "CRASH") + count(row, "TIMEOUT"); }

std::string seconds_text(double s) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f s", s);
  return buf;
}

std::string headline(const nlohmann::ordered_json& doc) {
  return std::string("`") + doc["implementation"]["name"].get<std::string>() + "` against `" + doc["oracle"]["name"].get<std::string>() +
         "`, profile `" + doc["profile"]["name"].get<std::string>() + "` " + doc["profile"]["version"].get<std::string>();
}

}  // namespace

std::string render_markdown(const nlohmann::ordered_json& doc) {
  check_schema(doc);
  std::ostringstream md;
  const auto& counts = doc["counts"];
  md << "## lpconform: " << headline(doc) << " — **" << doc["verdict"].get<std::string>() << "**\n\n";
  if (!doc["profile"]["label"].get<std::string>().empty()) md << "> **" << doc["profile"]["label"].get<std::string>() << "**\n\n";
  md << "| | |\n|---|---|\n";
  md << "| implementation | " << name_version(doc["implementation"]) << " |\n";
  md << "| oracle | " << name_version(doc["oracle"]) << " |\n";
  md << "| profile | " << doc["profile"]["name"].get<std::string>() << " " << doc["profile"]["version"].get<std::string>() << ": "
     << doc["profile"]["title"].get<std::string>() << " |\n";
  md << "| seed | " << doc["seed"].get<uint64_t>() << " |\n";
  if (!doc["filter"].is_null()) md << "| filter | `" << doc["filter"].get<std::string>() << "` |\n";
  md << "| items | " << counts["items"].get<uint64_t>() << " (" << counts["required"].get<uint64_t>() << " required, "
     << counts["required_not_passed"].get<uint64_t>() << " of them not passing) |\n";
  md << "| inputs checked | " << thousands(counts["inputs_checked"]) << " (" << thousands(counts["mismatches"]) << " mismatches) |\n";
  md << "| duration | " << seconds_text(doc["duration_s"]) << " on " << doc["threads"].get<unsigned>() << " threads, "
     << doc["finished"].get<std::string>() << " |\n\n";

  md << "| op | source | items |";
  for (const char* c : kColumns) md << " " << c << " |";
  md << " CRASH/TIMEOUT | inputs |\n|---|---|--:|";
  for (size_t i = 0; i < std::size(kColumns); ++i) md << "--:|";
  md << "--:|--:|\n";
  for (const GroupRow& row : rows_by_op_and_source(doc)) {
    md << "| " << row.op << " | " << row.source << " | " << row.items << " |";
    for (const char* c : kColumns) md << " " << count(row, c) << " |";
    md << " " << other_count(row) << " | " << thousands(row.inputs) << " |\n";
  }

  const auto bad = not_passing(doc);
  if (!bad.empty()) {
    constexpr size_t kListed = 20;
    md << "\n### Not passing (" << (bad.size() > kListed ? "first 20 of " : "") << bad.size() << ")\n\n";
    md << "| status | requirement | signature | verification | detail |\n|---|---|---|---|---|\n";
    for (size_t i = 0; i < bad.size() && i < kListed; ++i) {
      const auto& item = *bad[i];
      md << "| " << item["status"].get<std::string>() << " | " << item["requirement"].get<std::string>() << " | `"
         << item["signature"].get<std::string>() << "` | " << item["verification"].get<std::string>() << " | "
         << item.value("message", "") << " |\n";
    }
    md << "\nRerun one input:\n\n```sh\n";
    for (size_t i = 0; i < bad.size() && i < kListed; ++i)
      if (bad[i]->contains("first_mismatches")) md << (*bad[i])["first_mismatches"][0]["repro"].get<std::string>() << "\n";
      else md << (*bad[i])["rerun"].get<std::string>() << "\n";
    md << "```\n";
  }

  if (!doc["waivers"].empty()) {
    md << "\n### Waivers\n\n| state | items waived | implementation | version | signature | expires | reason | where |\n|---|--:|---|---|---|---|---|---|\n";
    for (const auto& w : doc["waivers"])
      md << "| " << w["state"].get<std::string>() << " | " << w["waived"].get<uint64_t>() << " | " << w["implementation"].get<std::string>()
         << " | " << w["version"].get<std::string>() << " | `" << w["signature"].get<std::string>() << "` | " << w["expires"].get<std::string>()
         << " | " << w["reason"].get<std::string>() << " | " << w["origin"].get<std::string>() << " |\n";
  }

  const auto& declarations = doc["implementation"]["declarations"];
  if (!declarations.empty()) {
    md << "\n### Implementation-defined behaviour declared by `" << doc["implementation"]["name"].get<std::string>() << "`\n\n";
    md << "| behaviour | choice |\n|---|---|\n";
    for (const auto& d : declarations) md << "| " << d["behaviour"].get<std::string>() << " | " << d["choice"].get<std::string>() << " |\n";
  }
  return md.str();
}

std::string render_summary_text(const nlohmann::ordered_json& doc, size_t max_listed) {
  check_schema(doc);
  std::ostringstream out;
  char line[256];
  out << "lpconform " << doc["suite"]["version"].get<std::string>() << ": " << name_version(doc["implementation"]) << " against "
      << name_version(doc["oracle"]) << ", profile " << doc["profile"]["name"].get<std::string>() << " "
      << doc["profile"]["version"].get<std::string>() << ", seed " << doc["seed"].get<uint64_t>() << "\n";
  if (!doc["profile"]["label"].get<std::string>().empty()) out << doc["profile"]["label"].get<std::string>() << "\n";
  // The op column is as wide as the longest op name present ("requantize"), at least "encode"'s.
  const std::vector<GroupRow> rows = rows_by_op_and_source(doc);
  int op_width = 7;
  for (const GroupRow& row : rows) op_width = std::max(op_width, static_cast<int>(row.op.size()));
  std::snprintf(line, sizeof line, "%-*s %-9s %6s %6s %6s %11s %6s %6s %6s %16s\n", op_width, "op", "source", "items", "PASS", "FAIL",
                "UNSUPPORTED", "WAIVED", "ERROR", "other", "inputs");
  out << "\n" << line;
  for (const GroupRow& row : rows) {
    std::snprintf(line, sizeof line, "%-*s %-9s %6llu %6llu %6llu %11llu %6llu %6llu %6llu %16s\n", op_width, row.op.c_str(), row.source.c_str(),
                  static_cast<unsigned long long>(row.items), static_cast<unsigned long long>(count(row, "PASS")),
                  static_cast<unsigned long long>(count(row, "FAIL")), static_cast<unsigned long long>(count(row, "UNSUPPORTED")),
                  static_cast<unsigned long long>(count(row, "WAIVED")), static_cast<unsigned long long>(count(row, "ERROR")),
                  static_cast<unsigned long long>(other_count(row)), thousands(row.inputs).c_str());
    out << line;
  }
  const auto bad = not_passing(doc);
  if (!bad.empty()) {
    out << "\nnot passing (" << bad.size() << (bad.size() > max_listed ? ", first " + std::to_string(max_listed) + " shown" : "") << "):\n";
    for (size_t i = 0; i < bad.size() && i < max_listed; ++i) {
      const auto& item = *bad[i];
      out << "  " << item["status"].get<std::string>() << " " << item["signature"].get<std::string>() << " ["
          << item["requirement"].get<std::string>() << "]: " << item.value("message", "") << "\n";
      if (item.contains("first_mismatches")) {
        const auto& m = item["first_mismatches"][0];
        out << "    input " << m["input"].get<std::string>() << ": got " << m["got"].get<std::string>();
        if (m.contains("got_flags")) out << " flags '" << m["got_flags"].get<std::string>() << "'";
        out << ", want " << m["want"].get<std::string>();
        if (m.contains("want_flags")) out << " flags '" << m["want_flags"].get<std::string>() << "'";
        out << "\n    repro: " << m["repro"].get<std::string>() << "\n";
      } else {
        out << "    rerun: " << item["rerun"].get<std::string>() << "\n";
      }
    }
  }
  bool first_waiver = true;
  for (const auto& w : doc["waivers"])
    if (w["state"] != "used")
      out << (std::exchange(first_waiver, false) ? "\n" : "") << "waiver " << w["origin"].get<std::string>() << " (" << w["signature"].get<std::string>() << "): " << w["state"].get<std::string>()
          << (w["state"] == "expired" ? " on " + w["expires"].get<std::string>() + ", it waives nothing: renew or remove it"
              : w["state"] == "unmatched" ? ": it matched no failure, remove it if the bug is fixed"
                                          : ": names " + w["implementation"].get<std::string>() + " " + w["version"].get<std::string>())
          << "\n";
  if (doc["counts"]["infrastructure_errors"].get<uint64_t>())
    out << "\nERROR: " << doc["counts"]["infrastructure_errors"].get<uint64_t>() << " item(s) could not be checked: the oracle or the harness failed\n";
  const auto& counts = doc["counts"];
  out << "\n" << doc["verdict"].get<std::string>() << ": " << counts["items"].get<uint64_t>() << " items, "
      << counts["required_not_passed"].get<uint64_t>() << " of " << counts["required"].get<uint64_t>()
      << " required not passing; " << thousands(counts["inputs_checked"]) << " inputs in " << seconds_text(doc["duration_s"])
      << " on " << doc["threads"].get<unsigned>() << " threads\n";
  return out.str();
}

}  // namespace lpc::reports
