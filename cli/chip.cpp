// lpconform chip run: the bundled chip model on one layer (spec/chip.md, spec/chip_timing.md).
// Prints key=value lines (one of them total_cycles=N), or with --json one JSON object holding the
// same keys. Output is a list of blocks, each a function adding its fields in print order
// (run_chip below): the layer and array, the timing, then the values: the chip's value model run
// on seeded operands and checked against the hardware-semantics reference and exact math
// (conformance/chip/check.hpp). Exit 0 when the values pass, 1 when they do not. With --out, the
// values' verdict is also written as a report set (report.json, junit.xml, summary.md,
// failures.csv) through the runner's verdict types and writers: one item, the layer as a case of
// the gemm or conv2d op, the chip against the reference.
#include <fstream>
#include <iostream>
#include <memory>
#include <string>

#include <nlohmann/json.hpp>

#include "cli/commands.hpp"
#include "conformance/bundled/bundled.hpp"
#include "conformance/chip/check.hpp"
#include "conformance/core/build_info.hpp"
#include "conformance/core/sha256.hpp"
#include "conformance/ops/derive.hpp"
#include "impls/chip/timing/timing.hpp"
#include "spec/chip/config.hpp"
#include "spec/chip/layer.hpp"
#include "spec/table/csv.hpp"

namespace lpc::cli {

namespace {

using nlohmann::ordered_json;

struct ChipRunArguments {
  std::string array = "32x32", dataflow = "ws", timing = "scalesim", layer, gemm;
  std::string preset = "int8-inference", config, data = "random", out;
  uint64_t seed = kDefaultSeed, check_rows = 128;
  bool json = false, no_values = false;
};

// What the command line names, parsed; each parse error names its option.
struct ChipRun {
  chip::Layer layer;
  std::string layer_text;  // as given: "conv:..." or "gemm:M,N,K"
  chip::ArrayShape array;
  chip::Dataflow dataflow = chip::Dataflow::WeightStationary;
  chip::ChipConfig config;  // the preset or file, with the command line's array and dataflow
  chip::conformance::DataSet data = chip::conformance::DataSet::Random;
};

std::string read_config_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw UsageError("--config: cannot read '" + path + "'");
  return std::string(std::istreambuf_iterator<char>(in), {});
}

template <class Parse>
auto parse_option(const char* option, const std::string& text, Parse parse) {
  try {
    return parse(text);
  } catch (const std::invalid_argument& e) {
    throw UsageError(std::string(option) + ": " + e.what());
  }
}

ChipRun parse_run(const ChipRunArguments& a) {
  if (a.layer.empty() == a.gemm.empty()) throw UsageError("give exactly one of --layer conv:H,W,R,S,C,M,STRIDE and --gemm M,N,K");
  ChipRun run;
  if (!a.layer.empty()) {
    run.layer = parse_option("--layer", a.layer, chip::parse_conv_layer);
    run.layer_text = a.layer;
  } else {
    run.layer = parse_option("--gemm", a.gemm, chip::parse_gemm_layer);
    run.layer_text = "gemm:" + a.gemm;
  }
  run.array = parse_option("--array", a.array, chip::parse_array_shape);
  run.dataflow = parse_option("--dataflow", a.dataflow, chip::parse_dataflow);
  run.config = a.config.empty() ? parse_option("--preset", a.preset, [](const std::string& name) { return chip::chip_preset(name); })
                                : chip::parse_chip_config(read_config_file(a.config), a.config);  // InputError: file:line:column
  run.config.array = run.array;
  run.config.dataflow = run.dataflow;
  if (const auto error = chip::config_error(run.config)) throw UsageError("--array " + a.array + ": " + *error);
  run.data = parse_option("--data", a.data, chip::conformance::parse_data_set);
  return run;
}

// ---- output blocks --------------------------------------------------------------------------------

void add_setup_fields(ordered_json& out, const ChipRun& run) {
  out["layer"] = run.layer_text;
  out["array"] = std::to_string(run.array.rows) + "x" + std::to_string(run.array.cols);
  out["dataflow"] = std::string(chip::dataflow_name(run.dataflow));
}

void add_timing_fields(ordered_json& out, const chip::TimingReport& t) {
  out["timing"] = "scalesim";
  out["macs_per_pe"] = t.macs_per_pe;
  out["gemm_m"] = t.gemm.m;
  out["gemm_n"] = t.gemm.n;
  out["gemm_k"] = t.gemm.k;
  out["total_cycles"] = t.total_cycles;
  out["compute_cycles"] = t.compute_cycles;
  out["stall_cycles"] = t.stall_cycles;
  out["row_folds"] = t.row_folds;
  out["col_folds"] = t.col_folds;
  out["folds"] = t.folds;
  out["cycles_per_fold"] = t.cycles_per_fold;
  out["overall_util"] = t.overall_util;
  out["mapping_efficiency"] = t.mapping_efficiency;
  out["compute_util"] = t.compute_util;
  out["macs"] = t.macs;
  out["ifmap_sram_reads"] = t.ifmap_sram_reads;
  out["filter_sram_reads"] = t.filter_sram_reads;
  out["ofmap_sram_writes"] = t.ofmap_sram_writes;
}

// The values block. The value model computes the layer exactly as spec/chip.md defines it: a
// convolution without padding has (H - R) / stride + 1 output rows. SCALE-Sim's timing sizes the
// output as ceil((H - R + stride) / stride) (spec/chip_timing.md), one more row and column when the
// stride does not divide H - R (AlexNet conv1: 55x55 timed, 54x54 computed); values_gemm_m says
// how many output pixels the values cover.
void add_values_fields(ordered_json& out, const ChipRun& run, const chip::conformance::ValueVerdict& v) {
  out["preset"] = run.config.name.empty() ? std::string("(config file)") : run.config.name;
  out["pe_mode"] = std::string(chip::to_string(run.config.pe_mode));
  out["data"] = std::string(chip::conformance::to_string(run.data));
  out["values_gemm_m"] = run.layer.gemm.m;
  out["values"] = v.pass ? "PASS" : "FAIL";
  out["values_mode"] = v.mode;
  out["values_rows_checked"] = v.rows_checked;
  out["values_compared"] = v.compared;
  out["values_exact_checked"] = v.exact_checked;
  out["values_excluded"] = v.excluded;
  out["values_mismatches"] = v.mismatches;
  if (!v.pass) {
    ordered_json first = ordered_json::array();
    for (const auto& m : v.first_mismatches)
      first.push_back(m.stage + " at [" + std::to_string(m.row) + "," + std::to_string(m.col) + "]: got " + m.got + ", want " + m.want);
    out["values_first_mismatches"] = first;
    out["repro"] = v.repro;
  }
}

// Text form: one key=value line per field, strings bare, numbers as JSON writes them (doubles in
// the shortest form that reads back exactly).
void print_fields(const ordered_json& out, bool json) {
  if (json) {
    std::cout << out.dump(2) << "\n";
    return;
  }
  for (const auto& [key, value] : out.items())
    std::cout << key << "=" << (value.is_string() ? value.get<std::string>() : value.dump()) << "\n";
}

// The values' verdict as a run of one item: the layer as a case of the gemm or conv2d op (its item
// parameters the preset or config and the data set), the chip against the reference, under the
// chip's verification mode; excluded accumulators count as unspecified, as in `run`.
RunResult values_run(const ChipRun& run, const ChipRunArguments& a, const chip::conformance::ValueVerdict& v, const std::string& command) {
  const ops::OpSchema& op = *ops::find_op(run.layer_text.starts_with("gemm:") ? "gemm" : "conv2d");
  RunResult r;
  r.suite_version = LPC_VERSION;
  r.suite_commit = suite_commit();
  r.subject = &chip_implementation();
  r.oracle = &reference_implementation();
  r.profile.name = "chip-run";
  r.profile.version = "1.0";
  r.profile.title = "lpconform chip run: " + run.layer_text + " on a " + a.array + " array";
  r.profile.sha256 = sha256_hex(command);
  r.seed = a.seed;
  r.command = command;
  r.started = r.finished = utc_now();
  r.threads = 1;
  r.environment = run_environment();
  ItemResult item;
  item.item.op = Op::Registered;
  item.item.schema = &op;
  std::vector<std::pair<std::string, std::string>> params{{"data", a.data}};
  if (a.config.empty()) params.emplace_back("preset", a.preset);
  else params.emplace_back("config", a.config);
  item.item.op_params = ops::make_params(op, params);
  item.item.inputs.random = 1;  // one seeded case: the layer's operands
  item.signature = item.item.signature(r.subject->name);
  item.status = v.pass ? Status::Pass : Status::Fail;
  item.verification = op.verification;
  item.verification.text = v.mode;
  item.checked = v.compared + v.exact_checked;
  item.mismatches = v.mismatches;
  item.unspecified = v.excluded;
  if (!v.pass) item.message = std::to_string(v.mismatches) + " of " + std::to_string(item.checked) + " outputs disagree";
  for (const auto& m : v.first_mismatches)
    item.first_mismatches.push_back({m.stage + " at [" + std::to_string(m.row) + "," + std::to_string(m.col) + "]", "", m.got, m.want, "", "", v.repro});
  r.items.push_back(std::move(item));
  return r;
}

int run_chip(const ChipRunArguments& a, const std::string& command) {
  const ChipRun run = parse_run(a);
  if (!a.out.empty()) {
    if (a.no_values) throw UsageError("--out writes the values' verdict: give it without --no-values");
    check_out_option(a.out);
  }
  ordered_json out;
  add_setup_fields(out, run);
  chip::TimingReport timing;
  try {
    // The PE mode of the preset or config fixes the MACs per PE per cycle (spec/chip_timing.md §2.1).
    timing = chip::scalesim_timing(run.layer, run.array, run.dataflow, chip::macs_per_pe_per_cycle(run.config.pe_mode));
  } catch (const std::invalid_argument& e) {
    throw UsageError(run.layer_text + " on a " + a.array + " array: " + e.what());
  }
  add_timing_fields(out, timing);
  if (a.no_values) {
    print_fields(out, a.json);
    return 0;
  }
  const chip::conformance::ValueVerdict verdict = chip::conformance::check_layer(run.config, run.layer, run.data, a.seed, a.check_rows);
  add_values_fields(out, run, verdict);
  print_fields(out, a.json);
  if (a.out.empty()) return verdict.pass ? 0 : 1;
  reports::Document document = reports::report_document(values_run(run, a, verdict, command));
  if (!verdict.pass) document["items"][0]["rerun"] = verdict.repro;  // this command, not a profile run
  if (a.json) {  // stdout holds the one JSON object: say where the reports went on stderr
    std::streambuf* saved = std::cout.rdbuf(std::cerr.rdbuf());
    const int status = write_reports_and_exit_status(document, a.out);
    std::cout.rdbuf(saved);
    return status;
  }
  return write_reports_and_exit_status(document, a.out);
}

}  // namespace

Command add_chip(CLI::App& app, const std::string& command_line) {
  auto* sub = app.add_subcommand("chip", "The bundled chip model: a systolic-array accelerator (spec/chip.md, spec/chip_timing.md)");
  sub->require_subcommand(1);
  auto a = std::make_shared<ChipRunArguments>();
  auto* run = sub->add_subcommand("run",
                                  "Map one layer onto the array and print its timing as key=value lines (total_cycles=N, folds,\n"
                                  "utilization in percent, SRAM reads/writes per operand), then run the chip's value model on\n"
                                  "seeded operands and check it against the hardware-semantics reference and exact math\n"
                                  "(values=PASS|FAIL; exit 1 on FAIL). --json prints one JSON object instead.\n"
                                  "Convolutions are SCALE-Sim topology rows: no padding, one stride.");
  run->add_option("--layer", a->layer, "A convolution conv:H,W,R,S,C,M,STRIDE (ifmap HxWxC, M filters of RxSxC)");
  run->add_option("--gemm", a->gemm, "A GEMM M,N,K: C[MxN] = A[MxK] * B[KxN]");
  run->add_option("--array", a->array, "Systolic array ROWSxCOLS")->capture_default_str();
  run->add_option("--dataflow", a->dataflow, "ws (weight stationary) | os (output stationary) | is (input stationary)")->capture_default_str();
  run->add_option("--timing", a->timing,
                  "Timing model: scalesim (SCALE-Sim v2 compatible, ideal memory; the int4 and int2 PE modes\n"
                  "pack 2 and 4 MACs per PE per cycle, spec/chip_timing.md §2.1)")
      ->check(CLI::IsMember({"scalesim"}))
      ->capture_default_str();
  run->add_option("--preset", a->preset, "Chip configuration: int8-inference | int4-inference | hfp8-training | fp4-training (spec/chip.md §2)")
      ->capture_default_str();
  run->add_option("--config", a->config, "A chip configuration file instead of a preset (spec/chip.md §2)");
  run->add_option("--seed", a->seed, "Seed of the operands (std::mt19937_64)")->transform(whole_number(0, kMaxUint64))->capture_default_str();
  run->add_option("--data", a->data, "Operand data set: random | large | cancel | sparse | saturate | specials (spec/chip.md §5.3)")
      ->capture_default_str();
  run->add_option("--check-rows", a->check_rows,
                  "Output rows (pixels) the exact references recompute: the first, the last and a seeded sample;\n"
                  "0 = all (slow: the references are exact arithmetic)")
      ->transform(whole_number(0, kMaxUint64))
      ->capture_default_str();
  run->add_flag("--no-values", a->no_values, "Timing only: skip the value model and its check");
  run->add_flag("--json", a->json, "Print one JSON object instead of key=value lines");
  run->add_option("--out", a->out,
                  "Also write the values' verdict as a report set (report.json, junit.xml, summary.md, failures.csv)\n"
                  "into this directory of its own: one item, the layer as a gemm or conv2d case, chip against reference");
  return {sub, [a, command_line] { return run_chip(*a, command_line); }};
}

}  // namespace lpc::cli
