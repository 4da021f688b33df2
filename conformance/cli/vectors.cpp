// lpconform vectors gen | check: vector mode, for implementations that cannot be linked (RTL
// simulation, silicon). `gen` writes every input of a profile as CSV plus a manifest; the vendor
// runs them and writes one results CSV; `check` validates that file completely, then compares it
// with the reference exactly as `run` does (the results become an Implementation whose entry
// points replay them), with the same reports and exit statuses. The layout is spec/vectors.md.
#include <unistd.h>

#include <atomic>
#include <bit>
#include <charconv>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <memory>

#include <nlohmann/json.hpp>

#include "conformance/cli/commands.hpp"
#include "conformance/formats/checks.hpp"
#include "spec/table/csv.hpp"

namespace lpc::cli {

namespace {

namespace fs = std::filesystem;
using nlohmann::ordered_json;

constexpr const char* kManifestSchema = "lpconform.vectors/1";
const std::vector<std::string> kResultColumns = {"item", "input", "random", "output", "flags"};
const std::vector<std::string> kResultColumnsNoFlags = {"item", "input", "random", "output"};

struct GenArguments {
  std::string profile = std::string(kDefaultProfile), out, shard;
  uint64_t seed = kDefaultSeed;
};

struct CheckArguments {
  std::string manifest, results, out = "reports/out", name = "vectors", version = "unspecified", waivers;
  unsigned jobs = 0;
  size_t max_mismatches = 10;
};

// The item's id in vector files: its signature without an implementation name.
std::string item_id(const Item& item) { return item.signature("").substr(1); }

// What a results row's `output` holds for `item`, in words, for the manifest and for messages.
std::string output_description(const Item& item) {
  if (item.op == Op::Decode)
    return "the value as a float32 or float64 bit pattern, 8 or 16 hex digits, like 0x3f800000 or 0x3ff0000000000000 (1.0); any NaN for a NaN";
  return "a code of " + item.format->name + " in hex, " + code_hex(*item.format, 0) + " .. " + code_hex(*item.format, item.format->code_mask());
}

int input_bits(const Item& item) { return item.op == Op::Decode ? item.format->bits : source_bits(item.source); }

std::string input_hex(const Item& item, uint64_t bits) {
  return item.op == Op::Decode ? code_hex(*item.format, static_cast<uint32_t>(bits)) : source_bits_hex(item.source, bits);
}

void write_text(const fs::path& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << text;
  if (!out.flush()) throw InfrastructureError("cannot write '" + path.string() + "'");
}

// ---- gen ----------------------------------------------------------------------------------------

ordered_json manifest_item(const Item& item, size_t index, uint64_t seed, const Case& c) {
  ordered_json j = {{"id", item_id(item)}, {"index", index}};
  append_item_fields(item, j);
  j["seed"] = seed;
  j["file"] = "inputs/" + item_id(item) + ".csv";
  j["rows"] = c.inputs.size();
  j["columns"] = item.op == Op::Decode ? ordered_json{"code"} : c.random.empty() ? ordered_json{"input"} : ordered_json{"input", "random"};
  j["output"] = output_description(item);
  return j;
}

std::string inputs_csv(const Item& item, const Case& c) {
  std::string text = item.op == Op::Decode ? "code\n" : c.random.empty() ? "input\n" : "input,random\n";
  for (size_t i = 0; i < c.inputs.size(); ++i) {
    text += input_hex(item, c.inputs[i]);
    if (!c.random.empty()) text += "," + source_bits_hex(Source::F32, c.random[i]);
    text += "\n";
  }
  return text;
}

int generate(const GenArguments& a, const std::string& command_line) {
  // 1. Check everything that can be wrong before writing anything.
  const Profile profile = load_profile(a.profile);
  const Shard shard = shard_option(a.shard);
  const fs::path out(a.out);
  if (fs::exists(out) && !(fs::is_directory(out) && fs::is_empty(out)))
    throw UsageError("--out: '" + a.out + "' exists and is not an empty directory; vectors are written into a new directory");
  const std::vector<size_t> indexes = select_items(profile, "", "", shard);

  // 2. Everything into a temporary directory beside the target, renamed into place at the end, so
  //    nobody ever sees a half-written set.
  const fs::path tmp = out.string() + ".tmp-" + std::to_string(getpid());
  try {
    fs::remove_all(tmp);
    fs::create_directories(tmp / "inputs");
    ordered_json items = ordered_json::array();
    uint64_t rows = 0;
    for (size_t index : indexes) {
      const Item& item = profile.items[index];
      const uint64_t seed = item_seed(a.seed, item);
      const Case c = make_case(item, seed);
      write_text(tmp / "inputs" / (item_id(item) + ".csv"), inputs_csv(item, c));
      items.push_back(manifest_item(item, index, seed, c));
      rows += c.inputs.size();
    }
    const ordered_json manifest = {
        {"schema", kManifestSchema},
        {"suite", {{"name", "lpconform"}, {"version", LPC_VERSION}}},
        {"command", command_line},
        {"generated", utc_now()},
        {"profile", {{"name", profile.info.name}, {"version", profile.info.version}, {"title", profile.info.title},
                     {"label", profile.info.label}, {"origin", profile.origin}, {"text", profile.text}}},
        {"seed", a.seed},
        {"shard", {{"index", shard.index}, {"count", shard.count}}},
        {"rows", rows},
        {"results", {{"columns", kResultColumns},
                     {"rules", "one row per input of every item, in the order of its input file; items in any order; "
                               "an item with no rows is UNSUPPORTED; the flags column may be left out (flags not compared). "
                               "See spec/vectors.md"}}},
        {"items", items}};
    write_text(tmp / "manifest.json", manifest.dump(1) + "\n");
    if (fs::exists(out)) fs::remove(out);  // an empty directory, checked above
    fs::rename(tmp, out);
    std::cout << "wrote " << items.size() << " items, " << rows << " input rows, manifest " << (out / "manifest.json").string() << "\n";
  } catch (...) {
    std::error_code ignored;
    fs::remove_all(tmp, ignored);
    throw;
  }
  return 0;
}

// ---- check --------------------------------------------------------------------------------------

// One item of the manifest and the subject's results for it, in input order.
struct VectorItem {
  const Item* item = nullptr;
  Case inputs;
  std::vector<uint64_t> outputs;  // codes (encode) or float64 bit patterns (decode)
  std::vector<uint8_t> flags;
  size_t last_line = 0;             // of the item's last results row
  std::atomic<size_t> replayed{0};  // rows handed to the harness so far (one thread per item)
};

using VectorTable = std::map<std::string, VectorItem>;  // by item id; nodes never move

ordered_json read_manifest(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw UsageError("--manifest: cannot read '" + path + "'");
  ordered_json manifest;
  try {
    manifest = ordered_json::parse(in);
  } catch (const nlohmann::json::parse_error& e) {
    throw UsageError(path + ": not valid JSON: " + e.what());
  }
  if (!manifest.is_object() || manifest.value("schema", "") != kManifestSchema)
    throw UsageError(path + ": not a vectors manifest: expected \"schema\": \"" + kManifestSchema + "\"");
  if (manifest["suite"]["version"] != LPC_VERSION)
    throw UsageError(path + ": written by lpconform " + manifest["suite"]["version"].get<std::string>() + ", this is " + LPC_VERSION +
                     ": inputs may differ between versions; regenerate them with `lpconform vectors gen`");
  return manifest;
}

// "0x" and hex digits of at most `bits` significant bits.
uint64_t parse_hex(const CsvReader& reader, const CsvRecord& row, const CsvField& field, int bits, const std::string& expected) {
  const std::string& s = field.text;
  uint64_t v = 0;
  const bool prefixed = s.size() > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X');
  auto [p, ec] = prefixed ? std::from_chars(s.data() + 2, s.data() + s.size(), v, 16) : std::from_chars_result{s.data(), std::errc::invalid_argument};
  if (ec == std::errc::result_out_of_range || (ec == std::errc() && p == s.data() + s.size() && bits < 64 && (v >> bits) != 0))
    reader.fail(row, field, "'" + s + "' does not fit " + std::to_string(bits) + " bits, expected " + expected);
  if (ec != std::errc() || p != s.data() + s.size()) reader.fail(row, field, "malformed hex '" + s + "', expected " + expected);
  return v;
}

// Flag letters per spec/formats.md §5.4: a subsequence of "xuoi".
uint8_t parse_flags(const CsvReader& reader, const CsvRecord& row, const CsvField& field) {
  static constexpr std::pair<char, uint8_t> kLetters[] = {{'x', kFlagInexact}, {'u', kFlagUnderflow}, {'o', kFlagOverflow}, {'i', kFlagInvalid}};
  uint8_t flags = 0;
  size_t next = 0;
  for (size_t i = 0; i < field.text.size(); ++i) {
    while (next < std::size(kLetters) && kLetters[next].first != field.text[i]) ++next;
    if (next == std::size(kLetters))
      reader.fail(row.line, field.column + i,
                  "bad flags '" + field.text + "', expected letters from x u o i in that order, each at most once (empty: no flag)");
    flags |= kLetters[next++].second;
  }
  return flags;
}

// Reads and validates the whole results file against the manifest's items; throws InputError
// (exit 2) at the first problem. Returns whether the file has a flags column.
bool read_results(const std::string& path, VectorTable& table) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw UsageError("--results: cannot read '" + path + "'");
  const std::string text(std::istreambuf_iterator<char>(in), {});
  CsvReader reader(text, path, false);
  const bool with_flags = reader.expect_header({kResultColumns, kResultColumnsNoFlags}) == 0;
  const size_t columns = with_flags ? 5 : 4;
  const std::string some_id = table.empty() ? "" : table.begin()->first;
  for (CsvRecord row; reader.next(row);) {
    if (row.fields.size() != columns)
      reader.fail(row.line, row.fields.size() > columns ? row.fields[columns].column : 1,
                  "expected " + std::to_string(columns) + " fields (" + (with_flags ? "item,input,random,output,flags" : "item,input,random,output") +
                      "), got " + std::to_string(row.fields.size()));
    const auto it = table.find(row.fields[0].text);
    if (it == table.end())
      reader.fail(row, row.fields[0], "unknown item '" + row.fields[0].text + "', expected an item id of the manifest, like " + some_id);
    VectorItem& v = it->second;
    const Item& item = *v.item;
    const size_t k = v.outputs.size();
    if (k == v.inputs.inputs.size())
      reader.fail(row, row.fields[0], "one row too many for item " + it->first + ": its input file has " + std::to_string(k) + " rows");
    const std::string want_input = input_hex(item, v.inputs.inputs[k]);
    const std::string input_expected = "input " + want_input + " (row " + std::to_string(k + 1) + " of inputs/" + it->first + ".csv)";
    if (parse_hex(reader, row, row.fields[1], input_bits(item), input_expected) != v.inputs.inputs[k])
      reader.fail(row, row.fields[1], "input '" + row.fields[1].text + "' out of order, expected " + input_expected);
    const CsvField& random = row.fields[2];
    if (v.inputs.random.empty()) {
      if (!random.text.empty()) reader.fail(row, random, "expected an empty random field: item " + it->first + " is not stochastic");
    } else {
      const std::string want = source_bits_hex(Source::F32, v.inputs.random[k]);
      if (parse_hex(reader, row, random, 32, "random word " + want) != v.inputs.random[k])
        reader.fail(row, random, "random word '" + random.text + "' differs from the input file's, expected " + want);
    }
    const CsvField& output = row.fields[3];
    if (item.op == Op::Encode) {
      v.outputs.push_back(parse_hex(reader, row, output, item.format->bits, output_description(item)));
    } else {
      // Every value of a format of at most 16 bits is exactly a float32 (spec/formats.md), so
      // either width is exact.
      const size_t digits = output.text.size() - std::min<size_t>(output.text.size(), 2);
      if (digits != 8 && digits != 16) reader.fail(row, output, "'" + output.text + "' is neither 8 nor 16 hex digits, expected " + output_description(item));
      const uint64_t bits = parse_hex(reader, row, output, 64, output_description(item));
      v.outputs.push_back(digits == 16 ? bits : std::bit_cast<uint64_t>(static_cast<double>(std::bit_cast<float>(static_cast<uint32_t>(bits)))));
    }
    if (with_flags) {
      if (item.op == Op::Decode && !row.fields[4].text.empty()) reader.fail(row, row.fields[4], "expected empty flags: decode raises none");
      v.flags.push_back(parse_flags(reader, row, row.fields[4]));
    }
    v.last_line = row.line;
  }
  for (const auto& [id, v] : table)
    if (!v.outputs.empty() && v.outputs.size() < v.inputs.inputs.size())
      throw InputError(path, v.last_line + 1, 1,
                       "item " + id + " ends after " + std::to_string(v.outputs.size()) + " of " + std::to_string(v.inputs.inputs.size()) +
                           " rows, expected next the row for input " + input_hex(*v.item, v.inputs.inputs[v.outputs.size()]));
  return with_flags;
}

// The item a batch belongs to, the rows to replay for it, or an error / unsupported status.
OpStatus replay_rows(VectorTable& table, const Item& key, std::span<const uint64_t> inputs, size_t& first, VectorItem*& found, std::string& error) {
  const auto it = table.find(item_id(key));
  if (it == table.end() || it->second.outputs.empty()) return OpStatus::Unsupported;
  VectorItem& v = it->second;
  first = v.replayed.fetch_add(inputs.size());
  for (size_t i = 0; i < inputs.size(); ++i)
    if (first + i >= v.inputs.inputs.size() || v.inputs.inputs[first + i] != inputs[i]) {
      error = "the harness asked for inputs the vectors do not hold in this order (item " + it->first + ")";
      return OpStatus::Error;
    }
  found = &v;
  return OpStatus::Ok;
}

// An Implementation that answers from the validated results.
// The description names no file, so the shards of one run agree (report merge compares them).
Implementation replaying_implementation(std::shared_ptr<VectorTable> table, const CheckArguments& a, bool with_flags) {
  Implementation impl;
  impl.name = a.name;
  impl.version = a.version;
  impl.description = "results read from a file (vector mode: lpconform vectors check)";
  impl.produces_flags = with_flags;
  impl.encode = [table](const EncodeBatch& batch, std::string& error) {
    Item key;
    key.op = Op::Encode;
    key.format = batch.format;
    key.params = batch.params;
    key.source = batch.source;
    size_t first = 0;
    VectorItem* v = nullptr;
    if (const OpStatus s = replay_rows(*table, key, batch.inputs, first, v, error); s != OpStatus::Ok) return s;
    for (size_t i = 0; i < batch.inputs.size(); ++i) {
      batch.codes[i] = static_cast<uint32_t>(v->outputs[first + i]);
      if (!batch.flags.empty()) batch.flags[i] = v->flags[first + i];
    }
    return OpStatus::Ok;
  };
  impl.decode = [table](const DecodeBatch& batch, std::string& error) {
    Item key;
    key.op = Op::Decode;
    key.format = batch.format;
    const std::vector<uint64_t> codes(batch.codes.begin(), batch.codes.end());
    size_t first = 0;
    VectorItem* v = nullptr;
    if (const OpStatus s = replay_rows(*table, key, codes, first, v, error); s != OpStatus::Ok) return s;
    for (size_t i = 0; i < codes.size(); ++i) batch.values[i] = std::bit_cast<double>(v->outputs[first + i]);
    return OpStatus::Ok;
  };
  return impl;
}

int check(const CheckArguments& a, const std::string& command_line) {
  // 1. The manifest, and the profile it carries: the items must be exactly the ones `gen` picks.
  const ordered_json manifest = read_manifest(a.manifest);
  Profile profile;
  Shard shard;
  uint64_t seed = 0;
  std::vector<size_t> indexes;
  try {
    const auto& p = manifest.at("profile");
    profile = parse_profile(p.at("text").get<std::string>(), p.at("name"), a.manifest + " (profile " + p.at("name").get<std::string>() + ")");
    shard = {manifest.at("shard").at("index"), manifest.at("shard").at("count")};
    seed = manifest.at("seed");
    indexes = select_items(profile, "", "", shard);
    const auto& listed = manifest.at("items");
    bool same = listed.size() == indexes.size();
    for (size_t i = 0; same && i < indexes.size(); ++i)
      same = listed[i].at("index") == indexes[i] && listed[i].at("id") == item_id(profile.items[indexes[i]]);
    if (!same) throw UsageError(a.manifest + ": its items do not match its profile and shard; was it edited? Regenerate it with `lpconform vectors gen`");
  } catch (const nlohmann::json::exception& e) {
    throw UsageError(a.manifest + ": malformed manifest: " + e.what());
  }

  // 2. The results, validated completely before anything is compared.
  auto table = std::make_shared<VectorTable>();
  for (size_t index : indexes) {
    const Item& item = profile.items[index];
    VectorItem& v = (*table)[item_id(item)];
    v.item = &item;
    v.inputs = make_case(item, item_seed(seed, item));
  }
  const bool with_flags = read_results(a.results, *table);

  // 3. The same run as `lpconform run`, with the results as the subject.
  const Implementation subject = replaying_implementation(table, a, with_flags);
  RunProgress progress;
  RunOptions options{seed, a.jobs, a.max_mismatches, "", command_line, &progress, waivers_option(a.waivers), shard};
  return run_and_report(profile, subject, options, a.out);
}

}  // namespace

Command add_vectors(CLI::App& app, const std::string& command_line) {
  auto* sub = app.add_subcommand("vectors", "Vector mode for implementations that cannot be linked (RTL simulation, silicon): spec/vectors.md");
  sub->require_subcommand(1);
  auto g = std::make_shared<GenArguments>();
  auto* gen = sub->add_subcommand("gen",
                                  "Write the inputs of every item of a profile as CSV files plus manifest.json into a new directory\n"
                                  "(all or nothing). Expected results are never written.");
  gen->add_option("--profile", g->profile, "Bundled profile name or a profile file path")->capture_default_str();
  gen->add_option("--out", g->out, "New (or empty) directory to create")->required();
  gen->add_option("--seed", g->seed, "Seed of every random input; recorded in the manifest")->capture_default_str();
  gen->add_option("--shard", g->shard, "Only part I of N (I/N); check each part, then `lpconform report merge` the reports");
  auto c = std::make_shared<CheckArguments>();
  auto* chk = sub->add_subcommand("check",
                                  "Validate a results CSV against a manifest and compare it with the reference, like `run`.\n"
                                  "Exit 0 every required item passes, 1 failures, 2 malformed input (file:line:column), 3 infrastructure errors.");
  chk->add_option("--manifest", c->manifest, "manifest.json written by `vectors gen`")->required();
  chk->add_option("--results", c->results, "Results CSV: item,input,random,output[,flags] (spec/vectors.md)")->required();
  chk->add_option("--out", c->out, "Directory for report.json, junit.xml, summary.md, failures.csv")->capture_default_str();
  chk->add_option("--name", c->name, "Implementation name in reports and waivers")->capture_default_str();
  chk->add_option("--impl-version", c->version, "Implementation version in reports and waivers")->capture_default_str();
  chk->add_option("--waivers", c->waivers, "CSV file 'implementation,version,signature,reason,expires'");
  chk->add_option("--jobs,-j", c->jobs, "Threads (default: every core)");
  chk->add_option("--max-mismatches", c->max_mismatches, "Mismatches recorded per item (all are counted)")->capture_default_str();
  return {sub, [g, c, gen, command_line] { return gen->parsed() ? generate(*g, command_line) : check(*c, command_line); }};
}

}  // namespace lpc::cli
