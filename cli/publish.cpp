// lpconform report html INPUT... [--bench F.json]... [--out FILE]: one static HTML page from
// report sets and benchmark runs. lpconform bench compare A.json [B.json...]: benchmark runs against
// their in-run peers and against the first run.
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>

#include "cli/commands.hpp"
#include "reports/writers/bench.hpp"
#include "reports/writers/html.hpp"

namespace lpc::cli {

namespace {

namespace fs = std::filesystem;

nlohmann::json read_json(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw UsageError("cannot read '" + path + "'" + (errno ? std::string(": ") + std::strerror(errno) : ""));
  try {
    return nlohmann::json::parse(in);
  } catch (const nlohmann::json::exception& e) {
    throw UsageError(path + ": not valid JSON: " + e.what());
  }
}

std::vector<reports::BenchRun> bench_runs(const std::vector<std::string>& paths) {
  std::vector<reports::BenchRun> runs;
  for (const std::string& path : paths) runs.push_back(reports::parse_bench(read_json(path), path));  // invalid_argument: exit 2
  return runs;
}

// A report set's folder (its report.json) or a report.json, read and checked against the schema.
reports::Document read_checked_report(const std::string& input) {
  std::error_code ec;
  const std::string path = fs::is_directory(input, ec) ? (fs::path(input) / "report.json").string() : input;
  std::ifstream in(path, std::ios::binary);
  if (!in) throw UsageError("cannot read report '" + path + "'");
  reports::Document doc;
  try {
    doc = reports::Document::parse(in);
  } catch (const nlohmann::json::exception& e) {
    throw UsageError(path + ": not valid JSON: " + e.what());
  }
  try {
    reports::validate_report(doc);
  } catch (const std::invalid_argument& e) {
    throw UsageError(path + ": " + e.what());
  }
  return doc;
}

// Writes `text` to `path` through a temporary file beside it and one rename: a reader sees the old
// page or the new one, never half of one.
void write_atomically(const fs::path& path, const std::string& text) {
  const fs::path tmp = path.string() + ".tmp-" + std::to_string(getpid());
  std::FILE* f = std::fopen(tmp.c_str(), "wb");
  if (!f) throw std::system_error(errno, std::generic_category(), "cannot write '" + tmp.string() + "'");
  const bool ok = std::fwrite(text.data(), 1, text.size(), f) == text.size() && std::fflush(f) == 0 && fsync(fileno(f)) == 0;
  const int error = errno;
  if (std::fclose(f) != 0 || !ok) {
    fs::remove(tmp);
    throw std::system_error(ok ? errno : error, std::generic_category(), "cannot write '" + tmp.string() + "'");
  }
  if (std::rename(tmp.c_str(), path.c_str()) != 0) {
    const int rename_error = errno;
    fs::remove(tmp);
    throw std::system_error(rename_error, std::generic_category(), "cannot write '" + path.string() + "'");
  }
}

}  // namespace

Command add_report_html(CLI::App& report) {
  struct Arguments {
    std::vector<std::string> inputs, bench;
    std::string out = "reports/out/index.html";
  };
  auto a = std::make_shared<Arguments>();
  auto* html = report.add_subcommand("html",
                                     "Render report sets (fast, chip, plugins, merged shards) and benchmark runs into one self-contained HTML page:\n"
                                     "the runs, the conformance matrix (items x implementations), the gating failures with repro lines, the benchmarks\n"
                                     "against their memcpy peer and between runs, plotted. No script, no network.");
  html->add_option("reports", a->inputs, "report.json files, or the folders holding them (--out of lpconform run)");
  html->add_option("--bench", a->bench, "Google Benchmark JSON (make bench: reports/out/bench/bench.json); repeat for history, the first is the base");
  html->add_option("--out", a->out, "The page to write (default: reports/out/index.html)");
  return {html, [a] {
            if (a->inputs.empty() && a->bench.empty()) throw UsageError("report html: give at least one report or --bench file");
            reports::HtmlInputs inputs;
            for (const std::string& input : a->inputs) inputs.reports.push_back(read_checked_report(input));
            inputs.bench = bench_runs(a->bench);
            const fs::path out(a->out);
            if (out.has_parent_path()) {
              std::error_code ec;
              fs::create_directories(out.parent_path(), ec);
              if (ec) throw UsageError("--out: cannot create '" + out.parent_path().string() + "': " + ec.message());
            }
            write_atomically(out, reports::render_html(inputs));
            std::cout << "HTML report: " << out.string() << " (" << inputs.reports.size() << " reports, " << inputs.bench.size() << " benchmark runs)\n";
            return 0;
          }};
}

Command add_bench(CLI::App& app) {
  auto paths = std::make_shared<std::vector<std::string>>();
  auto* bench = app.add_subcommand("bench", "Work with Google Benchmark results (make bench)");
  bench->require_subcommand(1);
  auto* compare = bench->add_subcommand("compare",
                                        "Each run's benchmarks against their in-run memcpy peer (x peer = time / peer's time) and, with two or more\n"
                                        "runs, every later run against the first (change of the median time; '(within noise)' under twice the cv or 2%).");
  compare->add_option("runs", *paths, "Google Benchmark JSON files (--benchmark_out): the base first")->required();
  auto markdown = std::make_shared<bool>(false);
  compare->add_flag("--markdown", *markdown, "Markdown tables (for the README's performance figures) instead of plain text");
  return {bench, [paths, markdown] {
            std::cout << reports::render_bench_text(bench_runs(*paths), *markdown);
            return 0;
          }};
}

}  // namespace lpc::cli
