// lpconform tests — the shared test runner (Catch2 main, compiled once) and its options.
//
// Every test executable links the runner object library (support/runner_main.cpp). It adds the
// suite's own options to Catch's command line and pins every random choice to one seed:
//   --seed N              seed of the tests' own random choices (default: $LPC_TEST_SEED, else fixed)
//   --format/--rounding/--overflow   the combination an exhaustive sweep checks
// When RC_PARAMS is not set, RapidCheck gets `seed=N` too, so a run is reproducible from N alone;
// a RapidCheck failure prints its own `RC_PARAMS="reproduce=..."` line.
#pragma once

#include <cstdint>
#include <string>

namespace lpc::test {

struct RunnerOptions {
  std::string program;  // argv[0], for repro lines
  uint64_t seed = 0;
  std::string format;    // exhaustive sweep only
  std::string rounding;  // exhaustive sweep only
  std::string overflow;  // exhaustive sweep only
};

// The options of this run (valid once main() has parsed the command line).
const RunnerOptions& runner_options();

}  // namespace lpc::test
