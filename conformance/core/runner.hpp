// lpconform — the runner: every item of a profile, checked on a pool of threads, subject against
// oracle, into a RunResult (the in-memory model of the report).
#pragma once

#include <atomic>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "conformance/core/profile.hpp"
#include "conformance/core/verdict.hpp"

namespace lpc {

inline constexpr uint64_t kDefaultSeed = 20230620;  // OCP OFP8 1.0's date: any fixed value will do

// Live counters a caller may watch from another thread (the CLI's progress line).
struct RunProgress {
  std::atomic<size_t> items_total{0}, items_done{0};
  std::atomic<uint64_t> inputs_done{0};
  // The items' estimated cost (the one sharding deals by: inputs, weighted per op), for an ETA
  // that follows the work rather than the item count.
  std::atomic<uint64_t> cost_total{0}, cost_done{0};
  // The time left if the rest of the cost goes at the rate the cost done went, given the seconds
  // since the run started; 0 before any cost is done and once all of it is.
  double eta_seconds(double elapsed) const {
    const uint64_t done = cost_done, total = cost_total;
    return done == 0 || done >= total ? 0 : elapsed * static_cast<double>(total - done) / static_cast<double>(done);
  }
};

// The current time, ISO 8601 UTC: "2026-06-26T12:00:00Z".
std::string utc_now();

// One of N deterministic parts of a run (`--shard I/N`, I in 1..N): the union of the N shards is
// the unsharded run, and no item is in two of them.
struct Shard {
  // More shards than any CI matrix or job array runs; a larger N is a typo (or a wrapped -1).
  static constexpr unsigned kMaxCount = 65536;
  unsigned index = 1, count = 1;
  // {index, count}; nullopt unless 1 <= I <= N <= kMaxCount.
  static std::optional<Shard> make(uint64_t index, uint64_t count);
  // "2/4" -> {2, 4}; nullopt unless both are decimal numbers that make() accepts.
  static std::optional<Shard> parse(std::string_view text);
};

struct RunOptions {
  uint64_t seed = kDefaultSeed;
  unsigned threads = 0;        // 0: std::thread::hardware_concurrency()
  size_t max_mismatches = 10;  // recorded per item (all are counted)
  std::string only;            // '*' pattern over item signatures; empty: every item
  std::string command;         // recorded in the report
  RunProgress* progress = nullptr;
  std::vector<Waiver> waivers;
  Shard shard;
};

// The profile indexes of the items a run covers: those whose signature for `subject_name` matches
// `only` (every item when empty), then shard `shard` of them. Items are dealt to shards by
// longest-processing-time-first on their estimated cost (ties by profile order), so shards take
// about equally long; the split depends only on the profile, the filter and N. `vectors gen` and
// the runner both call this, so a generated shard and a run shard hold the same items.
std::vector<size_t> select_items(const Profile& profile, const std::string& only, std::string_view subject_name, Shard shard);

// The seed of one item: the run's seed mixed with the item's signature (without the
// implementation name), so an item's inputs never depend on scheduling, on the filter, or on
// which implementation runs.
uint64_t item_seed(uint64_t run_seed, const Item& item);

// Where a run happens, for its report: os, cpu, fast_isa.
std::vector<std::pair<std::string, std::string>> run_environment();

// Runs the items select_items() picks (options.only, options.shard). Items that share a format and mode run
// on the same thread one after another (the oracle's caches stay warm); the result keeps profile
// order. Never throws for a subject's misbehaviour: that becomes an item status.
RunResult run_profile(const Profile& profile, const Implementation& subject, const Implementation& oracle, const RunOptions& options);

}  // namespace lpc
