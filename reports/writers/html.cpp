#include "reports/writers/html.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>

#include "conformance/core/build_info.hpp"
#include "conformance/core/verdict.hpp"
#include "reports/writers/tables.hpp"

namespace lpc::reports {

std::string html_text(std::string_view s) {
  std::string out;
  for (char c : detail::one_line(s)) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&#39;"; break;
      default: out += c;
    }
  }
  return out;
}

namespace {

// A string member, or "" when absent or not a string (keys the validation does not cover).
std::string text_at(const Document& object, const char* key) {
  return object.is_object() && object.contains(key) && object[key].is_string() ? object[key].get<std::string>() : std::string();
}

// The CSS class of a status: only the statuses the schema defines, never text from the report.
const char* status_class(const std::string& status) {
  for (Status s : kAllStatuses)
    if (status == to_string(s)) {
      switch (s) {
        case Status::Pass: return "s-pass";
        case Status::Fail: return "s-fail";
        case Status::Unsupported: return "s-unsupported";
        case Status::Waived: return "s-waived";
        case Status::QualityWarning: return "s-warning";
        default: return "s-error";
      }
    }
  return "s-error";
}

std::string fixed(double v, int digits) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", digits, v);
  return buf;
}

// The item's signature without "IMPL-": the same item across implementations.
std::string item_key(const Document& item, const std::string& implementation) {
  const std::string signature = item["signature"];
  const std::string prefix = implementation + "-";
  return signature.compare(0, prefix.size(), prefix) == 0 ? signature.substr(prefix.size()) : signature;
}

std::string column_label(const Document& doc) {
  std::string label = detail::name_version(doc["implementation"]);
  const auto& shard = doc["shard"];
  if (shard["count"].get<unsigned>() > 1) label += " (shard " + std::to_string(shard["index"].get<unsigned>()) + "/" + std::to_string(shard["count"].get<unsigned>()) + ")";
  return label;
}

constexpr const char* kStyle = R"(
body{font:14px/1.4 system-ui,sans-serif;margin:1.5em;color:#1b1b1b;max-width:110em}
h1{font-size:1.6em}h2{border-bottom:1px solid #ccc;padding-bottom:.2em;margin-top:1.6em}
table{border-collapse:collapse;margin:.6em 0}th,td{border:1px solid #ccc;padding:2px 6px;text-align:left;vertical-align:top}
th{background:#f2f2f2}td.num{text-align:right;font-variant-numeric:tabular-nums}
.s-pass{background:#d8f0d8}.s-fail{background:#f6c6c6;font-weight:bold}.s-error{background:#e0a0a0;font-weight:bold}
.s-unsupported{background:#e8e8e8;color:#555}.s-waived{background:#f8eeb8}.s-warning{background:#fbdcb0}
.verdict{font-weight:bold;padding:1px 6px}code,pre{font:12px ui-monospace,monospace;white-space:pre-wrap;word-break:break-all}
td.v{color:#555;font-size:12px}details{margin:.4em 0}summary{cursor:pointer}
svg text{font:11px system-ui,sans-serif}svg .bar{fill:#4a7bb7}svg .slow{fill:#c0504d}svg .axis{stroke:#888}
)";

void runs_section(std::string& out, const std::vector<Document>& reports) {
  out += "<h2 id=\"runs\">Runs</h2>\n<table id=\"runs-table\"><thead><tr><th>implementation</th><th>profile</th><th>verdict</th>"
         "<th>items</th><th>by status</th>";
  out += "<th>inputs checked</th><th>suite</th><th>environment</th><th>seed</th><th>threads</th><th>duration</th><th>finished</th></tr></thead><tbody>\n";
  for (const Document& doc : reports) {
    const auto& counts = doc["counts"];
    const std::string verdict = doc["verdict"];
    out += "<tr class=\"run\"><td>" + html_text(column_label(doc)) + "</td><td>" + html_text(detail::profile_identity(doc)) +
           "</td><td class=\"verdict " + status_class(verdict) + "\">" + html_text(verdict) +
           "</td><td class=\"num\">" + detail::thousands(counts["items"].get<uint64_t>()) + "</td>";
    std::string by_status;
    for (Status s : kAllStatuses)
      if (const uint64_t n = counts["status"][to_string(s)].get<uint64_t>())
        by_status += (by_status.empty() ? "" : ", ") + detail::thousands(n) + " " + to_string(s);
    out += "<td>" + by_status + "</td>";
    const auto& suite = doc["suite"];
    const Document environment = doc.contains("environment") ? doc["environment"] : Document::object();
    std::string where;
    for (const char* key : {"os", "cpu", "fast_isa"})
      if (!text_at(environment, key).empty()) where += (where.empty() ? "" : "; ") + text_at(environment, key);
    out += "<td class=\"num\">" + detail::thousands(counts["inputs_checked"].get<uint64_t>()) + "</td><td>" +
           html_text(text_at(suite, "name") + " " + text_at(suite, "version") + (text_at(suite, "commit").empty() ? "" : " (commit " + text_at(suite, "commit") + ")")) +
           "</td><td>" + html_text(where) + "</td><td class=\"num\">" + std::to_string(doc["seed"].get<uint64_t>()) + "</td><td class=\"num\">" +
           std::to_string(doc["threads"].get<uint64_t>()) + "</td><td class=\"num\">" + fixed(doc["duration_s"].get<double>(), 1) + " s</td><td>" +
           html_text(doc["finished"].get<std::string>()) + "</td></tr>\n";
  }
  out += "</tbody></table>\n";
  for (const Document& doc : reports) {
    out += "<details><summary>" + html_text(column_label(doc)) + ": command, subject and waivers</summary>\n<p>Command: <code>" +
           html_text(doc["command"].get<std::string>()) + "</code></p>\n<p>Subject: " + html_text(detail::name_version(doc["implementation"])) + ": " +
           html_text(doc["implementation"]["description"].get<std::string>());
    if (!text_at(doc["implementation"], "library").empty())
      out += " (library <code>" + html_text(text_at(doc["implementation"], "library")) + "</code>, SHA-256 <code>" +
             html_text(text_at(doc["implementation"], "library_sha256")) + "</code>)";
    out += "</p>\n";
    if (!doc["implementation"]["declarations"].empty()) {
      out += "<table class=\"declarations\"><tr><th>implementation-defined behaviour</th><th>choice</th></tr>";
      for (const auto& d : doc["implementation"]["declarations"])
        out += "<tr><td>" + html_text(d["behaviour"].get<std::string>()) + "</td><td>" + html_text(d["choice"].get<std::string>()) + "</td></tr>";
      out += "</table>\n";
    }
    if (!doc["waivers"].empty()) {
      out += "<table class=\"waivers\"><tr><th>implementation</th><th>version</th><th>signature</th><th>reason</th><th>expires</th><th>state</th><th>waived</th></tr>";
      for (const auto& w : doc["waivers"]) {
        out += "<tr>";
        for (const char* k : {"implementation", "version", "signature", "reason", "expires", "state"}) out += "<td>" + html_text(w[k].get<std::string>()) + "</td>";
        out += "<td class=\"num\">" + std::to_string(w["waived"].get<uint64_t>()) + "</td></tr>";
      }
      out += "</table>\n";
    }
    out += "</details>\n";
  }
}

void matrix_section(std::string& out, const std::vector<Document>& reports) {
  out += "<h2 id=\"matrix\">Conformance matrix</h2>\n<p>One row per item of a profile, one column per run of it: the item's status "
         "(title: its verification mode when it differs from the row's).</p>\n";
  // Profiles in the order of their first report.
  std::vector<std::string> profiles;
  std::map<std::string, std::vector<const Document*>> by_profile;
  for (const Document& doc : reports) {
    const std::string id = detail::profile_identity(doc);
    if (!by_profile.contains(id)) profiles.push_back(id);
    by_profile[id].push_back(&doc);
  }
  for (const std::string& profile : profiles) {
    const auto& docs = by_profile[profile];
    struct Row {
      std::string key, verification;
      uint64_t index = 0;
      std::vector<const Document*> cells;
    };
    std::vector<Row> rows;
    std::map<std::string, size_t> row_of;
    for (size_t c = 0; c < docs.size(); ++c) {
      const std::string implementation = (*docs[c])["implementation"]["name"];
      for (const auto& item : (*docs[c])["items"]) {
        const std::string key = item_key(item, implementation);
        auto [it, fresh] = row_of.try_emplace(key, rows.size());
        if (fresh) rows.push_back(Row{key, item["verification"], item["index"], std::vector<const Document*>(docs.size(), nullptr)});
        if (!rows[it->second].cells[c]) rows[it->second].cells[c] = &item;
      }
    }
    std::stable_sort(rows.begin(), rows.end(), [](const Row& a, const Row& b) { return a.index < b.index; });
    out += "<h3>" + html_text(profile) + "</h3>\n<table class=\"matrix\" data-profile=\"" + html_text(profile) + "\"><thead><tr><th>item</th><th>verification</th>";
    for (const Document* doc : docs) out += "<th class=\"impl\">" + html_text(column_label(*doc)) + "</th>";
    out += "</tr></thead><tbody>\n";
    for (const Row& row : rows) {
      out += "<tr class=\"item\"><td>" + html_text(row.key) + "</td><td class=\"v\">" + html_text(row.verification) + "</td>";
      for (const Document* item : row.cells) {
        if (!item) {
          out += "<td class=\"absent\">&mdash;</td>";
          continue;
        }
        const std::string status = (*item)["status"], verification = (*item)["verification"];
        out += std::string("<td class=\"") + status_class(status) + "\"" + (verification != row.verification ? " title=\"" + html_text(verification) + "\"" : "") +
               ">" + html_text(status) + "</td>";
      }
      out += "</tr>\n";
    }
    out += "</tbody></table>\n";
  }
}

void failures_section(std::string& out, const std::vector<Document>& reports, size_t max_listed) {
  out += "<h2 id=\"failures\">Gating items that did not pass</h2>\n";
  for (const Document& doc : reports) {
    const auto gating = detail::gating_not_passing(doc);
    const std::string optional = detail::optional_not_passing(doc);
    out += "<h3>" + html_text(column_label(doc)) + " &middot; " + html_text(detail::profile_identity(doc)) + "</h3>\n<p>" +
           (gating.empty() ? std::string("None: every required item is PASS or WAIVED.") : std::to_string(gating.size()) + " gating items" +
                                                                                                (gating.size() > max_listed ? " (first " + std::to_string(max_listed) + " shown)" : "") + ".") +
           (optional.empty() ? "" : " Optional items that did not pass: " + html_text(optional) + ".") + "</p>\n";
    for (size_t i = 0; i < gating.size() && i < max_listed; ++i) {
      const Document& item = *gating[i];
      const std::string status = item["status"];
      out += "<div class=\"failure\"><p><span class=\"verdict " + std::string(status_class(status)) + "\">" + html_text(status) + "</span> <code>" +
             html_text(item["signature"].get<std::string>()) + "</code> (" + html_text(item["requirement"].get<std::string>()) + "; " +
             html_text(item["verification"].get<std::string>()) + ")</p>\n";
      if (!text_at(item, "message").empty()) out += "<p>" + html_text(text_at(item, "message")) + "</p>\n";
      if (!text_at(item, "rerun").empty()) out += "<pre class=\"repro\">" + html_text(text_at(item, "rerun")) + "</pre>\n";
      if (item.contains("first_mismatches")) {
        out += "<table class=\"mismatches\"><tr><th>input</th><th>got</th><th>want</th><th>repro</th></tr>";
        for (const auto& m : item["first_mismatches"]) {
          const std::string got_flags = text_at(m, "got_flags"), want_flags = text_at(m, "want_flags");
          out += "<tr><td><code>" + html_text(m["input"].get<std::string>()) + "</code></td><td><code>" + html_text(m["got"].get<std::string>()) +
                 (got_flags.empty() ? "" : " " + html_text(got_flags)) + "</code></td><td><code>" + html_text(m["want"].get<std::string>()) +
                 (want_flags.empty() ? "" : " " + html_text(want_flags)) + "</code></td><td><code class=\"repro\">" + html_text(m["repro"].get<std::string>()) +
                 "</code></td></tr>";
        }
        out += "</table>\n";
      }
      out += "</div>\n";
    }
  }
}

// A horizontal bar per (label, value) on a log2 axis around 1 (the peer or the base): bars right
// of the line are slower. Drawn as inline SVG.
std::string bar_chart(const std::string& id, const std::string& title, const std::vector<std::pair<std::string, double>>& bars, const std::string& unit) {
  constexpr int kLabel = 380, kPlot = 420, kRow = 16, kTop = 34;
  double span = 1;  // log2 range shown either side of 1, at most 2^20
  for (const auto& [label, v] : bars)
    if (v > 0 && std::isfinite(v)) span = std::clamp(std::ceil(std::fabs(std::log2(v))), span, 20.0);
  const int height = kTop + kRow * static_cast<int>(bars.size()) + 24;
  const double mid = kLabel + kPlot / 2.0, scale = kPlot / 2.0 / span;
  std::string svg = "<svg xmlns=\"http://www.w3.org/2000/svg\" id=\"" + id + "\" class=\"plot\" width=\"" + std::to_string(kLabel + kPlot + 90) +
                    "\" height=\"" + std::to_string(height) + "\" role=\"img\" aria-label=\"" + html_text(title) + "\">\n<text x=\"4\" y=\"14\">" +
                    html_text(title) + "</text>\n";
  for (int k = -static_cast<int>(span); k <= static_cast<int>(span); ++k) {
    const double x = mid + k * scale;
    svg += "<line class=\"axis\" x1=\"" + fixed(x, 1) + "\" y1=\"" + std::to_string(kTop - 6) + "\" x2=\"" + fixed(x, 1) + "\" y2=\"" +
           std::to_string(height - 20) + "\" stroke-dasharray=\"" + (k ? "2,3" : "none") + "\"/><text x=\"" + fixed(x - 8, 1) + "\" y=\"" +
           std::to_string(height - 6) + "\">" + fixed(std::exp2(k), k < 0 ? 2 : 0) + unit + "</text>\n";
  }
  for (size_t i = 0; i < bars.size(); ++i) {
    const auto& [label, v] = bars[i];
    const int y = kTop + kRow * static_cast<int>(i);
    const double x = v > 0 && !std::isnan(v) ? mid + std::clamp(std::log2(v), -span, span) * scale : mid;
    svg += "<text x=\"" + std::to_string(kLabel - 6) + "\" y=\"" + std::to_string(y + 11) + "\" text-anchor=\"end\">" + html_text(label) + "</text><rect class=\"" +
           (v > 1 ? "bar slow" : "bar") + "\" x=\"" + fixed(std::min(x, mid), 1) + "\" y=\"" + std::to_string(y + 2) + "\" width=\"" + fixed(std::max(std::fabs(x - mid), 1.0), 1) +
           "\" height=\"" + std::to_string(kRow - 4) + "\"><title>" + html_text(label) + ": " + fixed(v, 3) + unit + "</title></rect><text x=\"" +
           std::to_string(kLabel + kPlot + 4) + "\" y=\"" + std::to_string(y + 11) + "\">" + fixed(v, 2) + unit + "</text>\n";
  }
  return svg + "</svg>\n";
}

void bench_section(std::string& out, const std::vector<BenchRun>& runs) {
  out += "<h2 id=\"bench\">Benchmarks</h2>\n<p>Google Benchmark, median real time over the repetitions; &times; peer is the time over the time "
         "of the memcpy benchmark of the same run that shares most of the name (memcpy of the same bytes).</p>\n";
  for (size_t r = 0; r < runs.size(); ++r) {
    const BenchRun& run = runs[r];
    out += "<h3>" + html_text(run.origin) + "</h3>\n<p>" + std::to_string(run.entries.size()) + " benchmarks" +
           (run.commit.empty() ? "" : ", commit <code>" + html_text(run.commit) + "</code>") + (run.host.empty() ? "" : ", host " + html_text(run.host)) +
           (run.num_cpus ? ", " + std::to_string(run.num_cpus) + " CPUs" : "") + (run.mhz_per_cpu > 0 ? " at " + fixed(run.mhz_per_cpu, 0) + " MHz" : "") +
           (run.date.empty() ? "" : ", " + html_text(run.date)) + "</p>\n<table class=\"bench\"><thead><tr><th>benchmark</th><th>time</th><th>cv</th>"
           "<th>repetitions</th><th>throughput</th><th>&times; peer</th><th>peer</th></tr></thead><tbody>\n";
    std::vector<std::pair<std::string, double>> bars;
    for (const PeerRatio& p : peer_ratios(run)) {
      const BenchEntry& e = *p.entry;
      const std::string throughput = e.bytes_per_second ? fixed(*e.bytes_per_second / 1e9, 2) + " GB/s"
                                     : e.items_per_second ? fixed(*e.items_per_second / 1e6, 1) + " M/s"
                                                          : "";
      out += "<tr class=\"bench-row\"><td>" + html_text(e.name) + "</td><td class=\"num\">" + format_duration_ns(e.time_ns) + "</td><td class=\"num\">" +
             fixed(100 * e.cv, 1) + "%</td><td class=\"num\">" + std::to_string(e.repetitions) + "</td><td class=\"num\">" + throughput +
             "</td><td class=\"num\">" + (p.peer ? fixed(p.ratio, 2) : "&mdash;") + "</td><td>" + (p.peer ? html_text(p.peer->name) : "") + "</td></tr>\n";
      if (p.peer) bars.emplace_back(e.name, p.ratio);
    }
    out += "</tbody></table>\n";
    if (!bars.empty()) out += bar_chart("plot-peer-" + std::to_string(r + 1), "time relative to the in-run memcpy peer (log scale)", bars, "x");
  }
  for (size_t r = 1; r < runs.size(); ++r) {
    const auto deltas = compare_runs(runs[0], runs[r]);
    out += "<h3>" + html_text(runs[r].origin) + " against " + html_text(runs[0].origin) + "</h3>\n<table class=\"bench-delta\"><thead><tr><th>benchmark</th>"
           "<th>base</th><th>current</th><th>change</th></tr></thead><tbody>\n";
    std::vector<std::pair<std::string, double>> bars;
    for (const BenchDelta& d : deltas) {
      out += "<tr><td>" + html_text(d.name) + "</td><td class=\"num\">" + format_duration_ns(d.base_ns) + "</td><td class=\"num\">" +
             format_duration_ns(d.current_ns) + "</td><td class=\"num\">" + (d.ratio >= 1 ? "+" : "") + fixed(100 * (d.ratio - 1), 1) + "%" +
             (d.significant ? "" : " (noise)") + "</td></tr>\n";
      bars.emplace_back(d.name, d.ratio);
    }
    out += "</tbody></table>\n";
    if (!bars.empty()) out += bar_chart("plot-delta-" + std::to_string(r), "time relative to the base run (log scale)", bars, "x");
  }
}

}  // namespace

std::string render_html(const HtmlInputs& inputs) {
  std::vector<Document> reports = inputs.reports;
  for (Document& doc : reports) count_items(doc);  // counts and verdict from the items, never read
  std::string out =
      "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n"
      "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'\">\n"
      "<meta name=\"viewport\" content=\"width=device-width\">\n<title>lpconform conformance report</title>\n<style>";
  out += kStyle;
  out += "</style></head><body>\n<h1>lpconform conformance report</h1>\n<p>Rendered by lpconform " LPC_VERSION " (commit " + html_text(suite_commit()) + ") from " +
         std::to_string(reports.size()) + " report" + (reports.size() == 1 ? "" : "s") + " and " + std::to_string(inputs.bench.size()) + " benchmark run" +
         (inputs.bench.size() == 1 ? "" : "s") + ". <a href=\"#runs\">Runs</a> &middot; <a href=\"#matrix\">Matrix</a> &middot; <a href=\"#failures\">Failures</a>" +
         (inputs.bench.empty() ? "" : " &middot; <a href=\"#bench\">Benchmarks</a>") + "</p>\n";
  if (!reports.empty()) {
    runs_section(out, reports);
    matrix_section(out, reports);
    failures_section(out, reports, 50);
  }
  if (!inputs.bench.empty()) bench_section(out, inputs.bench);
  out += "</body></html>\n";
  return out;
}

}  // namespace lpc::reports
