// lpconform reports — one self-contained static HTML page from several report.json documents
// (fast, chip, plugins, shards merged or not) and Google Benchmark runs: the runs and where they
// ran, the conformance matrix (items x implementations, each cell the item's status, the
// verification mode beside it), the gating failures with their first mismatches and repro lines,
// and the benchmarks against their in-run peer and between runs, plotted as inline SVG.
// No script, no network: inline CSS and SVG only, and a Content-Security-Policy that forbids the
// rest. Every string from a report or a results file is repaired to valid UTF-8 without control
// characters and HTML-escaped, so hostile text shows as text, never as markup.
#pragma once

#include <string>
#include <vector>

#include "reports/writers/bench.hpp"
#include "reports/writers/report.hpp"

namespace lpc::reports {

struct HtmlInputs {
  std::vector<Document> reports;  // each passed validate_report
  std::vector<BenchRun> bench;    // in the order given; the first is the base of the deltas
};

// The page. Matrix rows are keyed by the item's signature without the implementation's name
// (profile order, items of later reports not in the first appended); one table per profile
// (name and version), one column per report of that profile.
std::string render_html(const HtmlInputs& inputs);

// `s` repaired (one line, valid UTF-8) and escaped for HTML text and attribute values.
std::string html_text(std::string_view s);

}  // namespace lpc::reports
