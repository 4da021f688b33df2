// The lpconform command line as a function, so that main() and the fuzz targets run the same program.
#pragma once

namespace lpc::cli {

// Parses argv as `lpconform` does and runs the chosen command, writing to std::cout and std::cerr.
// Returns the process exit status: 0 success; 1 conformance failures; 2 usage or input errors;
// 3 infrastructure errors (README.md, "Exit status").
int run_command_line(int argc, char** argv);

}  // namespace lpc::cli
