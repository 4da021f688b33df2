// lpconform fuzz — what `lpconform report html` and `lpconform bench compare` read from outside:
// a report.json (validate_report, then the HTML page) and a Google Benchmark JSON file
// (parse_bench, peer ratios, the comparison, the text and the HTML page). Any bytes are rejected
// with std::invalid_argument or rendered; a rendered page holds no control character but line
// feeds, no markup from the input (no "<script", the page has none of its own), and only valid
// UTF-8.
#include <string>

#include <nlohmann/json.hpp>

#include "fuzz/support/parser_check.hpp"
#include "reports/writers/bench.hpp"
#include "reports/writers/html.hpp"
#include "spec/table/text.hpp"

namespace {

void check_page(const std::string& page, const char* what) {
  for (char c : page)
    if (lpc::is_control(c) && c != '\n') lpc::fuzz::report_finding("publish-control-character", std::string(what) + ": a control byte in the page", "");
  if (page.find("<script") != std::string::npos) lpc::fuzz::report_finding("publish-markup", std::string(what) + ": '<script' in the page", "");
  try {
    (void)nlohmann::json(page).dump();  // throws on invalid UTF-8
  } catch (const nlohmann::json::exception&) {
    lpc::fuzz::report_finding("publish-utf8", std::string(what) + ": the page is not valid UTF-8", "");
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace lpc::reports;
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const Document report = Document::parse(text, nullptr, false);
  if (!report.is_discarded()) {
    if (lpc::fuzz::parses("publish", "<fuzz>", text, [&] { validate_report(report); }))
      check_page(render_html({{report, report}, {}}), "report");
  }
  const nlohmann::json bench = nlohmann::json::parse(text, nullptr, false);
  if (bench.is_discarded()) return 0;
  BenchRun run;
  if (!lpc::fuzz::parses("publish", "<fuzz>", text, [&] { run = parse_bench(bench, "<fuzz>"); })) return 0;
  (void)render_bench_text({run, run});
  check_page(render_html({{}, {run, run}}), "bench");
  return 0;
}
