// lpconform — the command line: list, run, eval, explain, vectors, report, chip. See `lpconform --help`.
// The whole program is lpc::cli::run_command_line (library lpc_cli); main.cpp only calls it, so the
// fuzz targets drive the command line as shipped.
#include <cerrno>
#include <charconv>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iostream>
#include <system_error>
#include <iterator>
#include <sstream>

#include "cli/app.hpp"
#include "cli/commands.hpp"
#include "conformance/bundled/bundled.hpp"
#include "conformance/core/build_info.hpp"
#include "spec/table/csv.hpp"

namespace lpc::cli {

const Implementation& implementation_by_name(const std::string& name) {
  if (const Implementation* impl = find_implementation(name)) return *impl;
  std::string names;
  for (const Implementation* impl : implementations()) names += (names.empty() ? "" : ", ") + impl->name;
  throw UsageError("--impl: unknown implementation '" + name + "', expected one of: " + names +
                   ", or plugin:PATH (a vendor plugin built against <lpconform/vendor.h>: spec/vendor-abi.md)");
}

const Format& format_option(const std::string& name) {
  try {
    return format_by_name(name);
  } catch (const std::invalid_argument& e) {
    throw UsageError(std::string("--format: ") + e.what());
  }
}

std::string read_input(const std::string& path, std::string& origin) {
  if (path == "-") {
    origin = "<stdin>";
    return std::string(std::istreambuf_iterator<char>(std::cin), {});
  }
  origin = path;
  std::ifstream in(path, std::ios::binary);
  if (!in) throw UsageError("--input: cannot read '" + path + "'");
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

CLI::Validator whole_number(uint64_t min, uint64_t max) {
  const std::string range = std::to_string(min) + " to " + std::to_string(max);
  return CLI::Validator(
      [=](std::string& text) -> std::string {
        uint64_t value = 0;
        const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
        if (text.empty() || error != std::errc() || end != text.data() + text.size() || value < min || value > max)
          return "expected a whole number from " + range + ", got '" + text + "'";
        text = std::to_string(value);  // no leading zero left for CLI11 to read as octal
        return {};
      },
      "INT " + range);
}

namespace {

int dispatch(int argc, char** argv) {
  std::string command_line = "lpconform";
  for (int i = 1; i < argc; ++i) command_line += std::string(" ") + argv[i];

  CLI::App app("lpconform: verification and benchmark conformance suite for low-precision ML arithmetic.\n"
               "Exit status: 0 success; 1 conformance failures; 2 usage or input errors; 3 infrastructure errors.",
               "lpconform");
  app.set_version_flag("--version", std::string("lpconform ") + LPC_VERSION + " (commit " + suite_commit() + ")");
  app.require_subcommand(1);
  const Command commands[] = {add_list(app), add_run(app, command_line), add_eval(app), add_explain(app), add_vectors(app, command_line),
                              add_report(app, command_line), add_chip(app, command_line), add_bench(app), add_completion(app)};
  try {
    app.parse(argc, argv);
    for (const Command& c : commands)
      if (c.app->parsed()) return c.run();
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? 0 : 2;
  } catch (const UsageError& e) {
    std::cerr << "lpconform: " << e.what() << "\n";
    return 2;
  } catch (const lpc::InputError& e) {
    std::cerr << e.what() << "\n";
    return 2;
  } catch (const std::invalid_argument& e) {
    std::cerr << "lpconform: " << e.what() << "\n";
    return 2;
  } catch (const InfrastructureError& e) {
    std::cerr << "lpconform: " << e.what() << "\n";
    return 3;
  } catch (const std::system_error& e) {  // the OS refused (a file, a directory): its message names why
    std::cerr << "lpconform: " << e.what() << "\n";
    return 3;
  } catch (const std::bad_alloc&) {
    std::cerr << "lpconform: out of memory\n";
    return 3;
  } catch (const std::exception& e) {
    std::cerr << "lpconform: internal error: " << e.what() << "\n";
    return 3;
  }
  return 2;
}

// True when everything written to `stream` (and the C stream under it) reached its file; `error`
// gets the OS error when one is known.
bool flushed(std::ostream& stream, std::FILE* file, int& error) {
  stream.flush();
  errno = 0;
  const bool ok = std::fflush(file) == 0 && !std::ferror(file) && stream.good();
  error = errno;
  return ok;
}

}  // namespace

int run_command_line(int argc, char** argv) {
  std::cout.clear();
  std::clearerr(stdout);
  const int status = dispatch(argc, argv);
  // Output that never reached its file (a full disk, a closed pipe) is a failure, never a silent
  // success: exit 3, unless the command failed already.
  int out_error = 0, err_error = 0;
  const bool out_ok = flushed(std::cout, stdout, out_error);
  if (!out_ok) std::cerr << "lpconform: cannot write to standard output" << (out_error ? std::string(": ") + std::strerror(out_error) : "") << "\n";
  const bool err_ok = flushed(std::cerr, stderr, err_error);
  return status == 0 && !(out_ok && err_ok) ? 3 : status;
}

}  // namespace lpc::cli
