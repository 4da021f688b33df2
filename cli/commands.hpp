// lpconform CLI — the subcommands. Each registers its options on the CLI11 app and returns the
// function that runs it; main.cpp maps exceptions to exit statuses:
//   UsageError, InputError, std::invalid_argument -> message on stderr, exit 2;
//   InfrastructureError -> message on stderr, exit 3;
//   anything else escaping -> "internal error", exit 3.
// A command's own result: 0 success, 1 conformance failures (or an implementation error in eval).
#pragma once

#include <functional>
#include <optional>
#include <stdexcept>
#include <string>

#include <CLI/CLI.hpp>

#include "conformance/core/implementation.hpp"
#include "conformance/core/runner.hpp"
#include "reports/writers/report.hpp"

namespace lpc::cli {

// A bad command line: unknown names, impossible combinations. Exit 2.
struct UsageError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// The suite itself could not do its work (reports not writable, results unreadable mid-run). Exit 3.
struct InfrastructureError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// A registered subcommand and the function that runs it once the command line parsed.
struct Command {
  CLI::App* app = nullptr;
  std::function<int()> run;
};

Command add_list(CLI::App& app);
Command add_run(CLI::App& app, const std::string& command_line);
Command add_eval(CLI::App& app);
// eval_common.cpp: a float32 as a decimal (RNE) or bits "0x3f800000" (nullopt when malformed); the
// shortest decimal that reads back as the same float32.
std::optional<float> parse_float32(const std::string& s);
std::string shortest(float v);
// `eval OP` for every op of the registry (eval_op.cpp); the runner returns nullopt when none parsed.
std::function<std::optional<int>()> add_eval_registry(CLI::App& eval);
Command add_explain(CLI::App& app);
Command add_vectors(CLI::App& app, const std::string& command_line);  // vectors gen | check (cli/vectors.cpp)
Command add_report(CLI::App& app, const std::string& command_line);   // report merge (cli/report_merge.cpp)
Command add_chip(CLI::App& app, const std::string& command_line);      // chip run (cli/chip.cpp)
Command add_report_html(CLI::App& report);                             // report html (cli/publish.cpp)
Command add_bench(CLI::App& app);                                      // bench compare (cli/publish.cpp)
Command add_completion(CLI::App& app);                                 // completion bash|commands, hidden (cli/completion.cpp)

// A CLI11 transform for an unsigned option (`->transform(whole_number(0, 64))`): decimal digits
// from `min` to `max`, else a usage error (exit 2). CLI11 alone reads "-1" as 2^64-1, wraps what
// does not fit, and reads "010" as octal.
CLI::Validator whole_number(uint64_t min, uint64_t max);
inline constexpr uint64_t kMaxUint64 = ~uint64_t{0};
inline constexpr uint64_t kMaxJobs = 4096;
inline constexpr uint64_t kMaxRecordedMismatches = 1'000'000;

// Shared argument checks, each throwing UsageError with the option name and what was expected.
const Implementation& implementation_by_name(const std::string& name);
const Format& format_option(const std::string& name);

// The whole text of `path`, or of stdin when it is "-"; `origin` gets the name for messages
// ("<stdin>" or the path). Throws UsageError when the file cannot be read.
std::string read_input(const std::string& path, std::string& origin);
std::vector<Waiver> waivers_option(const std::string& path);  // --waivers FILE (empty: none)
Shard shard_option(const std::string& text);                  // --shard I/N (empty: 1/1)

// Runs `profile` on `subject` against the reference, prints the summary, writes the reports into
// `out` and returns the exit status of the verdict (0, 1 or 3). Shared by `run` and
// `vectors check`, so both give the same reports and exit statuses. `out` is checked before the
// run (UsageError). options.progress must be set.
int run_and_report(const Profile& profile, const Implementation& subject, const RunOptions& options, const std::string& out);

// The reports' directory when --out is not given: reports/out/ and the last part of the
// implementation's name or path ("plugin:build/lib/x.so" -> reports/out/x.so), as `make run` writes.
std::string default_out(std::string_view implementation);
// Throws UsageError ("--out: ...") unless the report set can be written into `out`.
void check_out_option(const std::string& out);
// Writes the report set into `out` (InfrastructureError naming the OS error when it cannot),
// prints where, and returns the exit status of the document's verdict.
int write_reports_and_exit_status(const reports::Document& document, const std::string& out);

}  // namespace lpc::cli
