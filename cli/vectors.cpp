// lpconform vectors gen | check: vector mode, for implementations that cannot be linked (RTL
// simulation, silicon). `gen` writes every input of a profile as CSV plus a manifest; the vendor
// runs them and writes one results CSV; `check` validates that file completely, then compares it
// with the reference exactly as `run` does (the results become an Implementation whose entry
// points replay them), with the same reports and exit statuses. The layout is spec/vectors.md.
#include <unistd.h>

#include <bit>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <memory>

#include <nlohmann/json.hpp>

#include "cli/commands.hpp"
#include "cli/npy.hpp"
#include "cli/vector_files.hpp"
#include "conformance/ops/derive.hpp"
#include "conformance/formats/checks.hpp"
#include "spec/table/csv.hpp"

namespace lpc::cli {

namespace {

namespace fs = std::filesystem;
using nlohmann::ordered_json;

struct GenArguments {
  std::string profile = std::string(kDefaultProfile), out, shard;
  uint64_t seed = kDefaultSeed;
};

struct CheckArguments {
  std::string manifest, results, out, name = "vectors", version = "unspecified", waivers;
  unsigned jobs = 0;
  size_t max_mismatches = 10;
};

std::string read_file(const std::string& path, const char* option) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw UsageError(std::string(option) + ": cannot read '" + path + "'");
  return std::string(std::istreambuf_iterator<char>(in), {});
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

// A registry op's item: cases.csv (its parameters, a row per case) and one .npy per input tensor
// of each case.
void write_op_inputs(const fs::path& dir, const Item& item, const std::vector<ops::OpCase>& cases) {
  fs::create_directories(dir);
  write_text(dir / "cases.csv", cases_csv(item, cases));
  for (size_t k = 0; k < cases.size(); ++k)
    for (size_t i = 0; i < cases[k].inputs.size(); ++i) {
      ops::Tensor t = cases[k].inputs[i];
      if (t.shape.empty()) t.shape = {t.size()};
      write_text(dir / tensor_file(k, item.schema->inputs[i].name), npy_bytes(t));
    }
}

ordered_json manifest_op_item(const Item& item, size_t index, uint64_t seed, size_t cases) {
  ordered_json j = {{"id", item_id(item)}, {"index", index}};
  append_item_fields(item, j);
  j["seed"] = seed;
  j["dir"] = "inputs/" + item_id(item);
  j["cases"] = cases;
  ordered_json inputs = ordered_json::array(), outputs = ordered_json::array();
  for (const ops::TensorSpec& t : item.schema->inputs) inputs.push_back(t.name);
  for (const ops::TensorSpec& t : item.schema->outputs) outputs.push_back(t.name);
  j["inputs"] = inputs;
  j["outputs"] = outputs;
  return j;
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
    uint64_t cases = 0;
    for (size_t index : indexes) {
      const Item& item = profile.items[index];
      const uint64_t seed = item_seed(a.seed, item);
      if (item.op == Op::Registered) {
        const std::vector<ops::OpCase> op_cases = item_cases(item, seed, ops::statistical_item_count(profile.items));
        write_op_inputs(tmp / "inputs" / item_id(item), item, op_cases);
        items.push_back(manifest_op_item(item, index, seed, op_cases.size()));
        cases += op_cases.size();
        continue;
      }
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
                     {"label", profile.info.label}, {"sha256", profile.info.sha256}, {"origin", profile.origin}, {"text", profile.text}}},
        {"seed", a.seed},
        {"shard", {{"index", shard.index}, {"count", shard.count}}},
        {"rows", rows},
        {"cases", cases},
        {"results", {{"columns", kResultColumns},
                     {"rules", "encode and decode: one row per input of every item, in the order of its input file; items in any order; "
                               "an item with no rows is UNSUPPORTED; the flags column may be left out (flags not compared). "
                               "Registry ops: RESULTS/<item-id>/<case>.<output>.npy; an item without a directory is UNSUPPORTED. "
                               "See spec/vectors.md"}}},
        {"items", items}};
    write_text(tmp / "manifest.json", manifest.dump(1) + "\n");
    if (fs::exists(out)) fs::remove(out);  // an empty directory, checked above
    fs::rename(tmp, out);
    std::cout << "wrote " << items.size() << " items, " << rows << " input rows, " << cases << " op cases, manifest " << (out / "manifest.json").string()
              << "\n";
  } catch (...) {
    std::error_code ignored;
    fs::remove_all(tmp, ignored);
    throw;
  }
  return 0;
}

// ---- check --------------------------------------------------------------------------------------

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

// The same tensors element for element (NaN as a class: == would never match a NaN input).
bool same_tensors(const std::vector<ops::Tensor>& x, const std::vector<ops::Tensor>& y) {
  if (x.size() != y.size()) return false;
  for (size_t k = 0; k < x.size(); ++k) {
    if (x[k].is_float != y[k].is_float || x[k].shape != y[k].shape || x[k].size() != y[k].size()) return false;
    for (size_t i = 0; i < x[k].size(); ++i)
      if (!ops::same_element(x[k], i, y[k], i)) return false;
  }
  return true;
}

// An Implementation that answers from the validated results.
// The description names no file, so the shards of one run agree (report merge compares them).
Implementation replaying_implementation(std::shared_ptr<VectorTable> table, const CheckArguments& a, bool with_flags) {
  Implementation impl;
  impl.name = a.name;
  impl.version = a.version;
  impl.description = "results read from a file (vector mode: lpconform vectors check)";
  impl.produces_flags = with_flags;
  impl.replays_recorded_batches = true;
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
  impl.run = [table](const ops::OpCase& c, std::vector<ops::Tensor>& outputs, std::string& error) {
    const std::string id = ops::signature(*c.op, c.params, "").substr(1);
    const auto it = table->find(id);
    if (it == table->end() || it->second.results.empty()) return OpStatus::Unsupported;
    VectorItem& v = it->second;
    const size_t k = v.replayed.fetch_add(1);
    if (k >= v.cases.size() || !(v.cases[k].params == c.params && same_tensors(v.cases[k].inputs, c.inputs))) {
      error = "the harness asked for a case the vectors do not hold in this order (item " + id + ")";
      return OpStatus::Error;
    }
    outputs = v.results[k];
    return OpStatus::Ok;
  };
  return impl;
}

int check(const CheckArguments& a, const std::string& command_line) {
  // 1. The manifest, and the profile it carries: the items must be exactly the ones `gen` picks.
  const VectorManifest manifest = parse_manifest(read_file(a.manifest, "--manifest"), a.manifest);

  // 2. The results, validated completely before anything is compared.
  auto table = std::make_shared<VectorTable>();
  fill_vector_table(manifest, *table);
  //    --results is the CSV, or a directory holding results.csv (encode, decode) and the registry
  //    ops' results (spec/vectors.md).
  bool with_flags = false;
  if (fs::is_directory(a.results)) {
    const fs::path csv = fs::path(a.results) / "results.csv";
    if (fs::exists(csv)) with_flags = parse_results(read_file(csv.string(), "--results"), csv.string(), *table);
    read_op_results(a.results, *table);
  } else {
    with_flags = parse_results(read_file(a.results, "--results"), a.results, *table);
  }

  // 3. The same run as `lpconform run`, with the results as the subject.
  const Implementation subject = replaying_implementation(table, a, with_flags);
  RunProgress progress;
  RunOptions options{manifest.seed, a.jobs, a.max_mismatches, "", command_line, &progress, waivers_option(a.waivers), manifest.shard};
  return run_and_report(manifest.profile, subject, options, a.out.empty() ? default_out(a.name) : a.out);
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
  gen->add_option("--seed", g->seed, "Seed of every random input; recorded in the manifest")
      ->transform(whole_number(0, kMaxUint64))
      ->capture_default_str();
  gen->add_option("--shard", g->shard, "Only part I of N (I/N, or auto as for run); check each part, then `lpconform report merge` the reports");
  auto c = std::make_shared<CheckArguments>();
  auto* chk = sub->add_subcommand("check",
                                  "Validate a results CSV against a manifest and compare it with the reference, like `run`.\n"
                                  "Exit 0 every required item passes, 1 failures, 2 malformed input (file:line:column), 3 infrastructure errors.");
  chk->add_option("--manifest", c->manifest, "manifest.json written by `vectors gen`")->required();
  chk->add_option("--results", c->results,
                  "Results: a CSV item,input,random,output[,flags], or a directory with results.csv and the registry ops'\n"
                  "ITEM-ID/CASE.OUTPUT.npy files (spec/vectors.md)")
      ->required();
  chk->add_option("--out", c->out,
                  "Directory of its own for report.json, junit.xml, summary.md, failures.csv, replaced as one set "
                  "(default: reports/out/NAME)");
  chk->add_option("--name", c->name, "Implementation name in reports and waivers")->capture_default_str();
  chk->add_option("--impl-version", c->version, "Implementation version in reports and waivers")->capture_default_str();
  chk->add_option("--waivers", c->waivers, "CSV file 'implementation,version,signature,reason,expires'");
  chk->add_option("--jobs,-j", c->jobs, "Threads (default: every core)")->transform(whole_number(0, kMaxJobs));
  chk->add_option("--max-mismatches", c->max_mismatches, "Mismatches recorded per item (all are counted)")
      ->transform(whole_number(0, kMaxRecordedMismatches))
      ->capture_default_str();
  return {sub, [g, c, gen, command_line] { return gen->parsed() ? generate(*g, command_line) : check(*c, command_line); }};
}

}  // namespace lpc::cli
