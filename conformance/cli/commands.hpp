// lpconform CLI — the subcommands. Each registers its options on the CLI11 app and returns the
// function that runs it; main.cpp maps exceptions to exit statuses:
//   UsageError, InputError, std::invalid_argument -> message on stderr, exit 2;
//   anything else escaping -> "internal error", exit 3.
// A command's own result: 0 success, 1 conformance failures (or an implementation error in eval).
#pragma once

#include <functional>
#include <stdexcept>
#include <string>

#include <CLI/CLI.hpp>

#include "conformance/core/implementation.hpp"

namespace lpc::cli {

// A bad command line: unknown names, impossible combinations. Exit 2.
struct UsageError : std::runtime_error {
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
Command add_explain(CLI::App& app);

// Shared argument checks, each throwing UsageError with the option name and what was expected.
const Implementation& implementation_by_name(const std::string& name);
const Format& format_option(const std::string& name);

}  // namespace lpc::cli
