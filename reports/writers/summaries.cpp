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
  return "`" + one_line(doc["implementation"]["name"].get<std::string>()) + "` against `" + one_line(doc["oracle"]["name"].get<std::string>()) +
         "`, profile " + one_line(profile_identity(doc));
}

// A value from the document as a Markdown table cell.
std::string cell(const nlohmann::ordered_json& value) { return markdown_cell(value.get<std::string>()); }

// "variants applied (spec/formats.md §7): ftz, daz; ...", or "" for none.
std::string variants_text(const nlohmann::ordered_json& doc) {
  if (!doc.contains("variants") || doc["variants"].empty()) return "";
  std::string names;
  for (const auto& v : doc["variants"]) names += (names.empty() ? "" : ", ") + one_line(v.is_string() ? v.get<std::string>() : v.dump());
  return "variants applied (spec/formats.md §7): " + names + "; the verdict holds under them, not under the default semantics";
}

}  // namespace

std::string render_markdown(const nlohmann::ordered_json& doc) {
  check_schema(doc);
  std::ostringstream md;
  const auto& counts = doc["counts"];
  md << "## lpconform: " << headline(doc) << " — **" << doc["verdict"].get<std::string>() << "**\n\n";
  if (!doc["profile"]["label"].get<std::string>().empty()) md << "> **" << one_line(doc["profile"]["label"].get<std::string>()) << "**\n\n";
  if (const std::string v = variants_text(doc); !v.empty()) md << "> " << v << "\n\n";
  md << "| | |\n|---|---|\n";
  md << "| implementation | " << markdown_cell(name_version(doc["implementation"])) << " |\n";
  md << "| oracle | " << markdown_cell(name_version(doc["oracle"])) << " |\n";
  md << "| profile | " << markdown_cell(profile_identity(doc)) << ": " << cell(doc["profile"]["title"]) << " |\n";
  if (doc["profile"].contains("sha256")) md << "| profile sha256 | `" << cell(doc["profile"]["sha256"]) << "` |\n";
  md << "| seed | " << doc["seed"].get<uint64_t>() << " |\n";
  if (!doc["filter"].is_null()) md << "| filter | `" << cell(doc["filter"]) << "` |\n";
  md << "| items | " << counts["items"].get<uint64_t>() << " (" << counts["required"].get<uint64_t>() << " required, "
     << counts["required_not_passed"].get<uint64_t>() << " of them not passing) |\n";
  md << "| inputs checked | " << thousands(counts["inputs_checked"]) << " (" << thousands(counts["mismatches"]) << " mismatches) |\n";
  md << "| duration | " << seconds_text(doc["duration_s"]) << " on " << doc["threads"].get<unsigned>() << " threads, "
     << cell(doc["finished"]) << " |\n\n";

  md << "| op | source | items |";
  for (const char* c : kColumns) md << " " << c << " |";
  md << " CRASH/TIMEOUT | inputs |\n|---|---|--:|";
  for (size_t i = 0; i < std::size(kColumns); ++i) md << "--:|";
  md << "--:|--:|\n";
  for (const GroupRow& row : rows_by_op_and_source(doc)) {
    md << "| " << markdown_cell(row.op) << " | " << markdown_cell(row.source) << " | " << row.items << " |";
    for (const char* c : kColumns) md << " " << count(row, c) << " |";
    md << " " << other_count(row) << " | " << thousands(row.inputs) << " |\n";
  }

  const auto bad = gating_not_passing(doc);
  if (!bad.empty()) {
    constexpr size_t kListed = 20;
    md << "\n### Required, not passing (" << (bad.size() > kListed ? "first 20 of " : "") << bad.size() << ")\n\n";
    md << "| status | requirement | signature | verification | detail |\n|---|---|---|---|---|\n";
    for (size_t i = 0; i < bad.size() && i < kListed; ++i) {
      const auto& item = *bad[i];
      md << "| " << cell(item["status"]) << " | " << cell(item["requirement"]) << " | `" << cell(item["signature"]) << "` | "
         << cell(item["verification"]) << " | " << markdown_cell(item.value("message", "")) << " |\n";
    }
    md << "\nRerun one input:\n\n```sh\n";
    for (size_t i = 0; i < bad.size() && i < kListed; ++i)
      md << one_line((bad[i]->contains("first_mismatches") ? (*bad[i])["first_mismatches"][0]["repro"] : (*bad[i])["rerun"]).get<std::string>())
         << "\n";
    md << "```\n";
  }
  if (const std::string optional = optional_not_passing(doc); !optional.empty())
    md << "\nOptional items not passing (never gating; each is in `failures.csv`): " << optional << ".\n";
  if (const auto warnings = quality_warnings(doc); !warnings.empty()) {
    md << "\n### Quality warnings (within the statistical bound but biased; never gating)\n\n";
    for (const std::string& w : warnings) md << "- " << markdown_cell(w) << "\n";
  }

  if (!doc["waivers"].empty()) {
    md << "\n### Waivers\n\n| state | items waived | implementation | version | signature | expires | reason | where |\n|---|--:|---|---|---|---|---|---|\n";
    for (const auto& w : doc["waivers"])
      md << "| " << cell(w["state"]) << " | " << w["waived"].get<uint64_t>() << " | " << cell(w["implementation"]) << " | " << cell(w["version"])
         << " | `" << cell(w["signature"]) << "` | " << cell(w["expires"]) << " | " << cell(w["reason"]) << " | " << cell(w["origin"]) << " |\n";
  }

  const auto& declarations = doc["implementation"]["declarations"];
  if (!declarations.empty()) {
    md << "\n### Implementation-defined behaviour declared by `" << one_line(doc["implementation"]["name"].get<std::string>()) << "`\n\n";
    md << "| behaviour | choice |\n|---|---|\n";
    for (const auto& d : declarations) md << "| " << cell(d["behaviour"]) << " | " << cell(d["choice"]) << " |\n";
  }
  return md.str();
}

std::string render_summary_text(const nlohmann::ordered_json& doc, size_t max_listed) {
  check_schema(doc);
  std::ostringstream out;
  char line[256];
  auto text = [](const nlohmann::ordered_json& value) { return one_line(value.get<std::string>()); };
  out << "lpconform " << text(doc["suite"]["version"]) << ": " << one_line(name_version(doc["implementation"])) << " against "
      << one_line(name_version(doc["oracle"])) << ", profile " << one_line(profile_identity(doc)) << ", seed " << doc["seed"].get<uint64_t>() << "\n";
  if (!doc["profile"]["label"].get<std::string>().empty()) out << text(doc["profile"]["label"]) << "\n";
  // The op column is as wide as the longest op name present ("requantize"), at least "encode"'s.
  const std::vector<GroupRow> rows = rows_by_op_and_source(doc);
  int op_width = 7;
  for (const GroupRow& row : rows) op_width = std::max(op_width, static_cast<int>(row.op.size()));
  std::snprintf(line, sizeof line, "%-*s %-9s %6s %6s %6s %11s %6s %6s %6s %16s\n", op_width, "op", "source", "items", "PASS", "FAIL",
                "UNSUPPORTED", "WAIVED", "ERROR", "other", "inputs");
  out << "\n" << line;
  for (const GroupRow& row : rows) {
    std::snprintf(line, sizeof line, "%-*s %-9s %6llu %6llu %6llu %11llu %6llu %6llu %6llu %16s\n", op_width, one_line(row.op).c_str(),
                  one_line(row.source).c_str(), static_cast<unsigned long long>(row.items), static_cast<unsigned long long>(count(row, "PASS")),
                  static_cast<unsigned long long>(count(row, "FAIL")), static_cast<unsigned long long>(count(row, "UNSUPPORTED")),
                  static_cast<unsigned long long>(count(row, "WAIVED")), static_cast<unsigned long long>(count(row, "ERROR")),
                  static_cast<unsigned long long>(other_count(row)), thousands(row.inputs).c_str());
    out << line;
  }
  const auto bad = gating_not_passing(doc);
  if (!bad.empty()) {
    out << "\nrequired, not passing (" << bad.size() << (bad.size() > max_listed ? ", first " + std::to_string(max_listed) + " shown" : "")
        << "):\n";
    for (size_t i = 0; i < bad.size() && i < max_listed; ++i) {
      const auto& item = *bad[i];
      out << "  " << text(item["status"]) << " " << text(item["signature"]) << " [" << text(item["requirement"])
          << "]: " << one_line(item.value("message", "")) << "\n";
      if (item.contains("first_mismatches")) {
        const auto& m = item["first_mismatches"][0];
        out << "    input " << text(m["input"]) << ": got " << text(m["got"]);
        if (m.contains("got_flags")) out << " flags '" << text(m["got_flags"]) << "'";
        out << ", want " << text(m["want"]);
        if (m.contains("want_flags")) out << " flags '" << text(m["want_flags"]) << "'";
        out << "\n    repro: " << text(m["repro"]) << "\n";
      } else {
        out << "    rerun: " << text(item["rerun"]) << "\n";
      }
    }
  }
  if (const std::string optional = optional_not_passing(doc); !optional.empty())
    out << "\noptional, not passing (never gating; each is in failures.csv): " << optional << "\n";
  for (const std::string& w : quality_warnings(doc)) out << "QUALITY_WARNING (never gating) " << one_line(w) << "\n";
  bool first_waiver = true;
  for (const auto& w : doc["waivers"])
    if (w["state"] != "used")
      out << (std::exchange(first_waiver, false) ? "\n" : "") << "waiver " << text(w["origin"]) << " (" << text(w["signature"]) << "): " << text(w["state"])
          << (w["state"] == "expired" ? " on " + text(w["expires"]) + ", it waives nothing: renew or remove it"
              : w["state"] == "unmatched" ? ": it matched no failure, remove it if the bug is fixed"
                                          : ": names " + text(w["implementation"]) + " " + text(w["version"]))
          << "\n";
  if (doc["counts"]["infrastructure_errors"].get<uint64_t>())
    out << "\nERROR: " << doc["counts"]["infrastructure_errors"].get<uint64_t>() << " item(s) could not be checked: the oracle or the harness failed\n";
  const auto& counts = doc["counts"];
  out << "\n" << doc["verdict"].get<std::string>() << ": " << counts["items"].get<uint64_t>() << " items, "
      << counts["required_not_passed"].get<uint64_t>() << " of " << counts["required"].get<uint64_t>()
      << " required not passing; " << thousands(counts["inputs_checked"]) << " inputs in " << seconds_text(doc["duration_s"])
      << " on " << doc["threads"].get<unsigned>() << " threads\n";
  if (const std::string v = variants_text(doc); !v.empty()) out << v << "\n";
  return out.str();
}

}  // namespace lpc::reports
