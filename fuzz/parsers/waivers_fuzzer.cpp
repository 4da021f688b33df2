// lpconform fuzz — the waiver parser (parse_waivers) and the '*' patterns it yields:
// `lpconform run --waivers FILE` reads them from a user, and the runner matches every pattern
// against the subject and every failed item's signature (start_waivers, find_waiver). Any bytes
// parse or fail with a positioned InputError; a parsed waiver has every field; matching its
// patterns against names of realistic length must finish (libFuzzer's -timeout catches a pattern
// that backtracks for too long).
#include <string>
#include <vector>

#include "conformance/bundled/bundled.hpp"
#include "conformance/core/verdict.hpp"
#include "fuzz/support/parser_check.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace lpc;
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  std::vector<Waiver> waivers;
  if (!fuzz::parses("waivers", "<fuzz>", text, [&] { waivers = parse_waivers(text, "<fuzz>"); })) return 0;
  for (const Waiver& waiver : waivers)
    if (waiver.implementation.empty() || waiver.version.empty() || waiver.signature.empty() || waiver.reason.empty() ||
        waiver.expires.size() != 10)
      fuzz::report_finding("waivers-accepts-incomplete", "a waiver with an empty field or a malformed date parsed (" + waiver.origin + ")", "");
  const std::vector<WaiverUse> uses = start_waivers(waivers, fast_implementation(), "2024-01-01");
  static const char* kSignatures[] = {"fast-encode-float8_e4m3fn-rne-sat-float32", "fast-encode-binary8p3se-sr_a_n12-satprop-bfloat16",
                                      "fast-decode-float8_e5m2fnuz"};
  ItemResult failed;
  failed.status = Status::Fail;
  for (const char* signature : kSignatures) {
    failed.signature = signature;
    find_waiver(uses, failed);
  }
  return 0;
}
