// lpconform — the runner: every item of a profile, checked on a pool of threads, subject against
// oracle, into a RunResult (the in-memory model of the report).
#pragma once

#include <atomic>
#include <cstdint>
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
};

// Parses a waiver file: CSV with the header "signature,reason", '#' comment lines. Throws
// InputError ("origin:line:column: ...") when malformed.
std::vector<Waiver> parse_waivers(std::string_view text, const std::string& origin);

struct RunOptions {
  uint64_t seed = kDefaultSeed;
  unsigned threads = 0;        // 0: std::thread::hardware_concurrency()
  size_t max_mismatches = 10;  // recorded per item (all are counted)
  std::string only;            // '*' pattern over item signatures; empty: every item
  std::string command;         // recorded in the report
  RunProgress* progress = nullptr;
  std::vector<Waiver> waivers;
};

// The seed of one item: the run's seed mixed with the item's signature (without the
// implementation name), so an item's inputs never depend on scheduling, on the filter, or on
// which implementation runs.
uint64_t item_seed(uint64_t run_seed, const Item& item);

// Runs every item of `profile` (matching options.only). Items that share a format and mode run
// on the same thread one after another (the oracle's caches stay warm); the result keeps profile
// order. Never throws for a subject's misbehaviour: that becomes an item status.
RunResult run_profile(const Profile& profile, const Implementation& subject, const Implementation& oracle, const RunOptions& options);

}  // namespace lpc
