// lpconform fuzz — the vector-mode manifest (`lpconform vectors check --manifest FILE`): a JSON file
// that went to a vendor and came back, so any bytes. Contract (cli/vector_files.hpp):
// parse_manifest returns a manifest whose items are exactly the ones its profile and shard select,
// or throws UsageError / InputError / std::invalid_argument whose message starts with the file's
// name. Anything else (nlohmann's own exceptions escaping, which the CLI would report as an
// internal error with exit 3) is a finding.
#include <string>
#include <typeinfo>

#include "cli/commands.hpp"
#include "cli/vector_files.hpp"
#include "fuzz/support/fuzz_support.hpp"
#include "spec/table/csv.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace lpc;
  const std::string text(reinterpret_cast<const char*>(data), size);
  const std::string origin = "manifest.json";
  const std::string repro = "the input bytes (" + std::to_string(size) + " bytes) as --manifest";
  const auto check_position = [&](const char* kind, const char* what) {
    if (!std::string_view(what).starts_with(origin))
      fuzz::report_finding(std::string("vectors_manifest-error-without-origin"), std::string(kind) + ": " + what, repro);
  };
  try {
    const cli::VectorManifest manifest = cli::parse_manifest(text, origin);
    for (size_t index : manifest.indexes)
      if (index >= manifest.profile.items.size())
        fuzz::report_finding("vectors_manifest-index-out-of-range", "item index " + std::to_string(index) + " of " +
                                 std::to_string(manifest.profile.items.size()), repro);
  } catch (const cli::UsageError& e) {
    check_position("UsageError", e.what());
  } catch (const InputError& e) {
    check_position("InputError", e.what());
  } catch (const std::invalid_argument&) {
  } catch (const std::exception& e) {
    fuzz::report_finding("vectors_manifest-unexpected-exception", std::string(typeid(e).name()) + ": " + e.what(), repro);
  }
  return 0;
}
