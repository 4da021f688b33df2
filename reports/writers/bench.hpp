// lpconform reports — Google Benchmark results (`lpconform_bench --benchmark_out=F.json`) read,
// summarized per benchmark over its repetitions, set against the in-run peer (memcpy of the same
// bytes) and compared between two runs. `lpconform bench compare` and the HTML report use it.
// A results file comes from outside: every key read is checked, and a bad one is an
// std::invalid_argument naming the file and the key.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace lpc::reports {

// One benchmark of a run, over its repetitions.
struct BenchEntry {
  std::string name;                    // run_name: "impls/fast/encode/.../1Mi/1t"
  double time_ns = 0;                  // median real time per iteration over the repetitions, in ns
  double cv = 0;                       // coefficient of variation of the real time (0 with one repetition)
  unsigned repetitions = 0;            // iteration runs seen
  std::optional<double> bytes_per_second, items_per_second;  // medians, when the benchmark counts them
  bool is_peer = false;                // a memcpy baseline: a '/'-separated part of the name contains "memcpy"
};

struct BenchRun {
  std::string origin;                  // the file, for messages
  std::string date, host, commit;      // from "context" (commit: --benchmark_context=commit=...; empty when absent)
  unsigned num_cpus = 0;
  double mhz_per_cpu = 0;
  std::vector<BenchEntry> entries;     // in the file's order
};

// Reads Google Benchmark's JSON output. Iteration runs of one run_name are summarized (the median
// aggregate when the file has one, else the median of the iterations); benchmarks that reported an
// error are left out. Throws std::invalid_argument ("F.json: benchmarks[3].real_time: expected a
// number") when a key is missing or has the wrong type.
BenchRun parse_bench(const nlohmann::json& document, const std::string& origin);

// A benchmark set against its in-run peer: the memcpy benchmark whose name shares the most
// '/'-separated parts with it (each part equal at the same place from the start or the end counts
// twice, each part found anywhere once; at least one part; the first such in file order on a tie). ratio = time / peer time: how many times memcpy of the
// same bytes it takes.
struct PeerRatio {
  const BenchEntry* entry = nullptr;
  const BenchEntry* peer = nullptr;  // nullptr: no peer shares a part of the name
  double ratio = 0;
};
std::vector<PeerRatio> peer_ratios(const BenchRun& run);  // every entry that is not a peer itself

// A benchmark in both runs: ratio = current time / base time (below 1: faster now).
struct BenchDelta {
  std::string name;
  double base_ns = 0, current_ns = 0, ratio = 0, base_cv = 0, current_cv = 0;
  // True when the change is larger than the noise: |ratio - 1| above twice the larger cv and above 2%.
  bool significant = false;
};
std::vector<BenchDelta> compare_runs(const BenchRun& base, const BenchRun& current);  // in current's order

// The tables `lpconform bench compare` prints: each run's ratios against its peers, and with two
// runs the deltas (names only in one run are counted, not listed); plain text, or Markdown tables
// (`--markdown`, for the README's performance figures) with '|' in names escaped.
std::string render_bench_text(const std::vector<BenchRun>& runs, bool markdown = false);

// "1.25 ms", "830 ns": a time in ns with three significant digits and a unit.
std::string format_duration_ns(double ns);

}  // namespace lpc::reports
