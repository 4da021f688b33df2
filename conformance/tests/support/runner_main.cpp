// The Catch2 main of every lpconform test executable, compiled once (object library lpc_test_runner).
#define CATCH_CONFIG_RUNNER
#include <catch2/catch.hpp>

#include "conformance/tests/support/runner.hpp"

#include <cstdlib>
#include <iostream>

namespace lpc::test {
namespace {
RunnerOptions g_options;
constexpr uint64_t kDefaultSeed = 20260626;  // any fixed value: runs are reproducible by default
}  // namespace

const RunnerOptions& runner_options() { return g_options; }

}  // namespace lpc::test

int main(int argc, char* argv[]) {
  using lpc::test::g_options;
  Catch::Session session;
  g_options.program = argv[0];
  g_options.seed = lpc::test::kDefaultSeed;
  if (const char* env = std::getenv("LPC_TEST_SEED")) g_options.seed = std::strtoull(env, nullptr, 0);
  using Catch::clara::Opt;
  session.cli(session.cli()
              | Opt(g_options.seed, "N")["--seed"]("seed of the tests' own random choices (default $LPC_TEST_SEED)")
              | Opt(g_options.format, "name")["--format"]("exhaustive sweep: format (spec/formats.csv name)")
              | Opt(g_options.rounding, "mode")["--rounding"]("exhaustive sweep: rne|rna|rtz|rup|rdn|rto")
              | Opt(g_options.overflow, "policy")["--overflow"]("exhaustive sweep: sat|nonsat|satprop|wrap"));
  if (const int rc = session.applyCommandLine(argc, argv); rc != 0) return rc;
  // One seed for everything: RapidCheck reads RC_PARAMS on first use, which is after this point.
  if (std::getenv("RC_PARAMS") == nullptr)
    setenv("RC_PARAMS", ("seed=" + std::to_string(g_options.seed)).c_str(), 1);
  std::cout << "lpconform tests: seed " << g_options.seed << " (rerun with --seed " << g_options.seed
            << "; RapidCheck: RC_PARAMS=\"" << std::getenv("RC_PARAMS") << "\")\n";
  return session.run();
}
