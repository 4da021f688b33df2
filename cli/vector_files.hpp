// lpconform vector mode — the files that come back from a vendor: the manifest `vectors gen` wrote
// (it carries the profile, the seed and the shard, so `check` rebuilds exactly the items and
// inputs `gen` wrote) and the results CSV (spec/vectors.md). Both are outside input: every problem
// is a UsageError or an InputError naming the file, and the line and column where there is one;
// nothing else escapes (fuzz/parsers/vectors_*_fuzzer.cpp holds them to that).
#pragma once

#include <atomic>
#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "conformance/core/case.hpp"
#include "conformance/core/profile.hpp"
#include "conformance/core/runner.hpp"

namespace lpc::cli {

inline constexpr const char* kManifestSchema = "lpconform.vectors/1";
inline const std::vector<std::string> kResultColumns = {"item", "input", "random", "output", "flags"};
inline const std::vector<std::string> kResultColumnsNoFlags = {"item", "input", "random", "output"};

// The item's id in vector files: its signature without an implementation name.
std::string item_id(const Item& item);
// What a results row's `output` holds for `item`, in words, for the manifest and for messages.
std::string output_description(const Item& item);
int input_bits(const Item& item);
std::string input_hex(const Item& item, uint64_t bits);

// A manifest, checked: the profile it carries, the items its shard selects (they must be exactly
// the ones listed, so an edited manifest is refused), and the seed.
struct VectorManifest {
  Profile profile;
  Shard shard;
  uint64_t seed = 0;
  std::vector<size_t> indexes;  // into profile.items
};

// Parses manifest text; `origin` names it in messages. Throws UsageError.
VectorManifest parse_manifest(std::string_view text, const std::string& origin);

// One item of the manifest and the subject's results for it, in input order.
struct VectorItem {
  const Item* item = nullptr;
  Case inputs;                    // encode, decode
  std::vector<uint64_t> outputs;  // codes (encode) or float64 bit patterns (decode)
  std::vector<uint8_t> flags;
  size_t last_line = 0;             // of the item's last results row
  std::atomic<size_t> replayed{0};  // rows (cases of a registry op) handed to the harness so far (one thread per item)
  std::vector<ops::OpCase> cases;                  // a registry op's cases
  std::vector<std::vector<ops::Tensor>> results;  // their outputs; empty: no results (UNSUPPORTED)
};

using VectorTable = std::map<std::string, VectorItem>;  // by item id; nodes never move

// The manifest's items with their inputs regenerated (make_case with each item's seed), no
// results yet. The table points into `manifest.profile`, which must outlive it.
void fill_vector_table(const VectorManifest& manifest, VectorTable& table);

// Registry ops in vector mode (spec/vectors.md): the cases `run` generates for an item and seed;
// the parameters file of an item ("op,case,NAME,...", a row per case, every parameter); the file
// of tensor `name` of case k, in the item's input or results directory.
// A Statistical item's cases are its draws (ops::statistical_draws: N from the reference's
// distribution at the Bonferroni level over the profile's `statistical_items`).
std::vector<ops::OpCase> item_cases(const Item& item, uint64_t seed, uint64_t statistical_items);
std::string cases_csv(const Item& item, const std::vector<ops::OpCase>& cases);
std::string tensor_file(size_t k, const std::string& name);

// Reads the results of the registry items from `dir` (DIR/<item-id>/<case>.<output>.npy): an item
// without a directory has none (UNSUPPORTED); each file is checked against the case's output form
// (element type, shape; a missing file is an output not produced). Throws UsageError naming the
// file.
void read_op_results(const std::string& dir, VectorTable& table);

// Reads and validates a whole results file against the table's items, filling their outputs;
// throws InputError (origin:line:column) at the first problem. Returns whether the file has a
// flags column. Every item ends with no rows (UNSUPPORTED) or one per input.
bool parse_results(std::string_view text, const std::string& origin, VectorTable& table);

}  // namespace lpc::cli
