// lpconform report merge SHARD.json... --out DIR: the reports of `run --shard I/N` (or
// `vectors check` on sharded vectors) joined into the report of the unsharded run.
#include <fstream>
#include <iostream>

#include "cli/commands.hpp"
#include "reports/writers/report.hpp"

namespace lpc::cli {

namespace {

struct MergeArguments {
  std::vector<std::string> reports;
  std::string out;
};

reports::Document read_report(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw UsageError("cannot read report '" + path + "'");
  try {
    return reports::Document::parse(in);
  } catch (const nlohmann::json::exception& e) {  // parse_error, and out_of_range for a number past double (4e773)
    throw UsageError(path + ": not valid JSON: " + e.what());
  }
}

}  // namespace

Command add_report(CLI::App& app, const std::string& command_line) {
  auto* sub = app.add_subcommand("report", "Work with report.json files: merge shards, render HTML");
  sub->require_subcommand(1);
  auto a = std::make_shared<MergeArguments>();
  auto* merge = sub->add_subcommand("merge",
                                    "Join the reports of the N shards of one run (--shard 1/N .. N/N) into the report of the unsharded run\n"
                                    "(equal to it but for command, times and thread counts) and write all report files from it.\n"
                                    "Exit status: the merged verdict's (0 PASS, 1 FAIL, 3 ERROR); 2 when the reports are not the shards of one run.");
  merge->add_option("reports", a->reports, "report.json of every shard, in any order")->required();
  merge->add_option("--out", a->out,
                    "Directory of its own for report.json, junit.xml, summary.md, failures.csv, replaced as one set "
                    "(default: reports/out/IMPL, IMPL the implementation's name)");
  const Command html = add_report_html(*sub);
  return {sub, [a, command_line, html] {
            if (html.app->parsed()) return html.run();
            if (!a->out.empty()) check_out_option(a->out);
            std::vector<reports::Document> shards;
            for (const std::string& path : a->reports) shards.push_back(read_report(path));
            reports::Document merged;
            try {
              merged = reports::merge_shards(shards, a->reports, command_line);
            } catch (const nlohmann::json::exception& e) {  // merge_shards validates first; this is a safety net
              throw UsageError("a report does not have the form this version of lpconform writes (" + std::string(e.what()) + ")");
            }
            const std::string out = a->out.empty() ? default_out(merged["implementation"]["name"].get<std::string>()) : a->out;
            if (a->out.empty()) check_out_option(out);
            std::cout << reports::render_summary_text(merged);
            return write_reports_and_exit_status(merged, out);
          }};
}

}  // namespace lpc::cli
