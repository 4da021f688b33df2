// lpconform reports — the JSON result document and everything rendered from it.
//
// report_document() turns a run (conformance/core/verdict.hpp) into the one JSON document with a
// versioned schema (documented in reports/README.md). Every other output — JUnit XML, the Markdown
// summary, the CSV of failures, the terminal summary — is rendered from that document, never
// computed separately, so they cannot disagree and a stored report.json re-renders them all.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "conformance/core/verdict.hpp"

namespace lpc::reports {

inline constexpr const char* kSchema = "lpconform.report/1";

// The document keeps its keys in the order written ("schema" first), as people read it.
using Document = nlohmann::ordered_json;

// The JSON document of a run. Every string in it is valid UTF-8: invalid bytes (from a waiver
// file, a plugin, the command line) are replaced with U+FFFD.
Document report_document(const RunResult& run);

// Recomputes doc["counts"] and doc["verdict"] from doc["items"]: the verdict is ERROR when an
// item has an infrastructure error (the oracle or the harness failed), else FAIL when a required
// item is neither PASS nor WAIVED, else PASS.
void count_items(Document& doc);

// The exit status a verdict gives (README "The command line"): PASS 0, FAIL 1, ERROR 3.
int exit_status(const Document& doc);

// Combines the reports of the N shards of one run (`--shard I/N`, I = 1..N, each once) into the
// report of the unsharded run: items in profile order, counts and verdict recomputed, each
// waiver's `waived` summed and its state recomputed. Equal to the unsharded report except the
// run-specific keys: command (set to `command`), started (earliest), finished (latest),
// duration_s and threads (the largest shard's), and each item's seconds. Throws
// std::invalid_argument, naming the report (by `names`, parallel to `shards`), when a report fails
// validate_report or when the reports are not shards of one run: different suite version, implementation, oracle, profile, seed,
// filter, waivers or shard count; a shard missing or given twice; an item in two shards.
Document merge_shards(const std::vector<Document>& shards, const std::vector<std::string>& names, const std::string& command);

// Throws std::invalid_argument when `document` does not carry schema kSchema.
void check_schema(const Document& document);

// Throws std::invalid_argument, naming the key ("items[3].checked: expected an integer from 0 to
// ..., got -1"), unless every key the writers and merge_shards read is present with its type and
// range (reports/README.md): what a report.json read from outside must pass before it is used.
void validate_report(const Document& document);

// JUnit XML valid against Jenkins' junit-10.xsd: one <testcase> per item, named by its signature
// (unique within a report); FAIL -> <failure> with the first mismatches and their repro lines;
// UNSUPPORTED and WAIVED -> <skipped>; ERROR, CRASH, TIMEOUT -> <error>. Control characters XML
// cannot hold become U+FFFD.
std::string render_junit(const Document& document);

// A Markdown summary fit for a pull-request comment: verdict, run facts, a table by op and source,
// the gating items that did not pass (first 20) with their repro lines, one line counting the
// optional items that did not pass, the waivers, the subject's declarations. Control characters
// become spaces or U+FFFD; '|' in a table cell is escaped.
std::string render_markdown(const Document& document);

// CSV, one row per recorded mismatch, plus one row per non-passing item that has none (errors,
// unsupported items). Header: signature,status,requirement,input,random,got,got_flags,want,
// want_flags,message,repro.
std::string render_failures_csv(const Document& document);

// The plain-text table `lpconform run` prints: counts by op and source, the gating items that did
// not pass (first `max_listed`) with their repro lines, one line counting the optional items that
// did not pass, and the verdict. No control character reaches the terminal.
std::string render_summary_text(const Document& document, size_t max_listed = 10);

// Throws std::invalid_argument, saying why, unless write_reports can write into `directory`: it
// is missing (its parent is created here), empty or holds only a report set, and a directory can
// be created beside it. A run calls this before it starts.
void check_report_directory(const std::filesystem::path& directory);

// Writes report.json, junit.xml, summary.md and failures.csv as one set: into a temporary
// directory beside `directory`, each file synced, then swapped with `directory` (which must pass
// check_report_directory) in one rename. A kill or a full disk leaves the previous set or the new
// one, never a mix; a failure removes the temporary directory and throws std::system_error naming
// the file and the OS error (or std::invalid_argument from the check); a temporary directory left
// by a killed writer is removed by the next one. Returns the paths written.
std::vector<std::filesystem::path> write_reports(const Document& document, const std::filesystem::path& directory);

}  // namespace lpc::reports
