// lpconform fuzz — the vector-mode results file (`lpconform vectors check --results FILE`): the
// CSV a vendor's RTL simulation or silicon wrote, so any bytes. The manifest is fixed: a small
// profile of three items (an encode, a stochastic encode with its random words, a decode), built
// in process exactly as `vectors gen` builds one. Contract (cli/vector_files.hpp):
// parse_results either accepts the file, and then every item has no rows or exactly one per
// input, every code fits its format and the flags have a value per row when the column is there;
// or it throws an InputError positioned in the file. Anything else is a finding.
#include <string>
#include <typeinfo>

#include "cli/commands.hpp"
#include "cli/vector_files.hpp"
#include "fuzz/support/fuzz_support.hpp"
#include "spec/table/csv.hpp"

namespace {

// The seed corpus (fuzz/corpus/vectors_results_fuzzer/) holds results for exactly this manifest.
const lpc::cli::VectorManifest& fixed_manifest() {
  static const lpc::cli::VectorManifest manifest = [] {
    lpc::cli::VectorManifest m;
    m.profile = lpc::parse_profile(
        "@version 1\n"
        "op,format,rounding,overflow,source,inputs,requirement\n"
        "encode,float8_e4m3fn,rne,sat,float32,random:4,required\n"
        "encode,float8_e5m2,sr_a:4,satprop,float32,random:3,required\n"
        "decode,float4_e2m1fn,-,-,-,all,optional\n",
        "fuzz", "<fixed profile>");
    m.seed = 1;
    m.indexes = lpc::select_items(m.profile, "", "", m.shard);
    return m;
  }();
  return manifest;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace lpc;
  const std::string text(reinterpret_cast<const char*>(data), size);
  const std::string origin = "results.csv";
  const std::string repro = "the input bytes (" + std::to_string(size) + " bytes) as --results";
  cli::VectorTable table;
  cli::fill_vector_table(fixed_manifest(), table);
  bool with_flags = false;
  try {
    with_flags = cli::parse_results(text, origin, table);
  } catch (const InputError& e) {
    if (!std::string_view(e.what()).starts_with(origin + ":"))
      fuzz::report_finding("vectors_results-error-without-position", std::string("InputError: ") + e.what(), repro);
    return 0;
  } catch (const std::exception& e) {
    fuzz::report_finding("vectors_results-unexpected-exception", std::string(typeid(e).name()) + ": " + e.what(), repro);
  }
  for (const auto& [id, v] : table) {
    const size_t rows = v.outputs.size();
    if (rows != 0 && rows != v.inputs.inputs.size())
      fuzz::report_finding("vectors_results-accepts-partial-item",
                           "item " + id + " accepted with " + std::to_string(rows) + " of " + std::to_string(v.inputs.inputs.size()) + " rows", repro);
    if (with_flags && v.flags.size() != rows)
      fuzz::report_finding("vectors_results-flags-missing", "item " + id + ": " + std::to_string(v.flags.size()) + " flags for " +
                                                                 std::to_string(rows) + " rows", repro);
    if (v.item->op == Op::Encode)
      for (uint64_t code : v.outputs)
        if (code > v.item->format->code_mask())
          fuzz::report_finding("vectors_results-accepts-wide-code", "item " + id + ": code " + std::to_string(code) + " accepted", repro);
  }
  return 0;
}
