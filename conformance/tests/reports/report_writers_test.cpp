// The report writers on documents built in process: the profile's content hash, JUnit testcase
// names over every bundled profile, hostile text in every file, a pass that reads as a pass,
// report merge's validation of every field, and the report set written as one unit.
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <csignal>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <regex>
#include <set>
#include <string>

#include <catch2/catch.hpp>

#include "conformance/bundled/bundled.hpp"
#include "conformance/core/profile.hpp"
#include "conformance/core/runner.hpp"
#include "conformance/core/sha256.hpp"
#include "reports/writers/html.hpp"
#include "reports/writers/report.hpp"

namespace {

namespace fs = std::filesystem;
using lpc::reports::Document;

// A run of `profile` where every item has `status`, built without running anything.
lpc::RunResult pretend_run(const lpc::Profile& profile, const lpc::Implementation& subject, lpc::Status status = lpc::Status::Pass) {
  lpc::RunResult run;
  run.suite_version = LPC_VERSION;
  run.subject = &subject;
  run.oracle = &lpc::reference_implementation();
  run.profile = profile.info;
  run.command = "lpconform run";
  run.started = run.finished = "2024-01-01T00:00:00Z";
  run.threads = 1;
  for (size_t i = 0; i < profile.items.size(); ++i) {
    lpc::ItemResult r;
    r.item = profile.items[i];
    r.signature = r.item.signature(subject.name);
    r.index = i;
    r.status = status;
    if (status != lpc::Status::Pass) r.message = "not done";
    run.items.push_back(std::move(r));
  }
  return run;
}

std::string read_file(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

// A fresh directory under the system's temporary directory, removed at the end.
struct Scratch {
  fs::path dir = fs::temp_directory_path() / ("lpc_reports_test_" + std::to_string(getpid()));
  Scratch() {
    fs::remove_all(dir);
    fs::create_directories(dir);
  }
  ~Scratch() { fs::remove_all(dir); }
  // The entries of the scratch directory, by name.
  std::set<std::string> entries() const {
    std::set<std::string> names;
    for (const auto& e : fs::directory_iterator(dir)) names.insert(e.path().filename().string());
    return names;
  }
};

bool has_control_byte(const std::string& text, bool allow_line_breaks) {
  for (char c : text)
    if ((static_cast<unsigned char>(c) < 0x20 || c == 0x7f) && !(allow_line_breaks && (c == '\n' || c == '\t'))) return true;
  return false;
}

// Cells of a Markdown table row: '|' not escaped by '\'.
size_t unescaped_pipes(const std::string& line) {
  size_t n = 0;
  for (size_t i = 0; i < line.size(); ++i) n += line[i] == '|' && (i == 0 || line[i - 1] != '\\');
  return n;
}

void validate_junit(const std::string& xml, const fs::path& dir) {
  if (std::system("command -v xmllint >/dev/null 2>&1") != 0) {
    WARN("xmllint not installed (Debian package libxml2-utils): JUnit schema validation skipped");
    return;
  }
  std::ofstream(dir / "junit.xml", std::ios::binary) << xml;
  const std::string command = "xmllint --noout --schema '" LPC_JUNIT_XSD "' '" + (dir / "junit.xml").string() + "' 2>'" + (dir / "xmllint.txt").string() + "'";
  const int status = std::system(command.c_str());
  INFO(read_file(dir / "xmllint.txt"));
  CHECK(status == 0);
}

}  // namespace

TEST_CASE("sha256: the FIPS 180-2 examples", "[identity]") {
  CHECK(lpc::sha256_hex("") == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  CHECK(lpc::sha256_hex("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  // 56 bytes: the length no longer fits the first block, padding takes a second.
  CHECK(lpc::sha256_hex("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq") ==
        "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
  CHECK(lpc::sha256_hex(std::string(1'000'000, 'a')) == "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}

TEST_CASE("profiles: identified by name, version and content; a modified copy says so", "[identity]") {
  const lpc::Profile bundled = lpc::load_profile("ocp-ofp8-1.0");
  CHECK(bundled.info.sha256 == lpc::sha256_hex(bundled.text));
  CHECK_FALSE(bundled.info.modified);
  CHECK_FALSE(lpc::parse_profile(bundled.text, "ocp-ofp8-1.0", "a copy").info.modified);
  CHECK_FALSE(lpc::parse_profile(bundled.text, "my-profile", "a copy under another name").info.modified);

  // The case: the bundled name, every row made optional.
  std::string weakened = bundled.text;
  for (size_t at; (at = weakened.find(",required")) != std::string::npos;) weakened.replace(at, 9, ",optional");
  const lpc::Profile modified = lpc::parse_profile(weakened, "ocp-ofp8-1.0", "ocp-ofp8-1.0.csv");
  CHECK(modified.info.modified);
  CHECK(modified.info.sha256 != bundled.info.sha256);

  const Document doc = lpc::reports::report_document(pretend_run(modified, lpc::fast_implementation()));
  CHECK(doc["profile"]["modified"] == true);
  CHECK(doc["profile"]["sha256"] == modified.info.sha256);
  const std::string claim = "ocp-ofp8-1.0 1.0 (modified: not the bundled profile)";
  CHECK(lpc::reports::render_summary_text(doc).find(claim) != std::string::npos);
  CHECK(lpc::reports::render_markdown(doc).find(claim) != std::string::npos);
  CHECK(lpc::reports::render_junit(doc).find("value=\"" + claim + "\"") != std::string::npos);
  const Document original = lpc::reports::report_document(pretend_run(bundled, lpc::fast_implementation()));
  CHECK(lpc::reports::render_summary_text(original).find("modified") == std::string::npos);
}

TEST_CASE("junit.xml: every testcase is named by its item's signature, unique in every bundled profile", "[junit]") {
  const std::regex testcase("<testcase classname=\"([^\"]*)\" name=\"([^\"]*)\"");
  for (const lpc::EmbeddedProfile& embedded : lpc::embedded_profiles()) {
    INFO("profile " << embedded.name);
    const lpc::Profile profile = lpc::load_profile(embedded.name);
    const Document doc = lpc::reports::report_document(pretend_run(profile, lpc::fast_implementation()));
    const std::string xml = lpc::reports::render_junit(doc);
    std::set<std::string> names;
    size_t n = 0;
    for (auto it = std::sregex_iterator(xml.begin(), xml.end(), testcase); it != std::sregex_iterator(); ++it, ++n) {
      CHECK((*it)[2] == doc["items"][n]["signature"].get<std::string>());
      names.insert((*it)[2]);
    }
    CHECK(n == profile.items.size());
    CHECK(names.size() == n);
    // Jenkins' junit-10.xsd: `skipped` on <testsuite>, never on <testsuites>.
    const std::string root = xml.substr(xml.find("<testsuites"), xml.find('>', xml.find("<testsuites")) - xml.find("<testsuites"));
    CHECK(root.find("skipped") == std::string::npos);
  }
}

TEST_CASE("junit.xml: an item whose 'format' field is not a format name still renders", "[junit]") {
  // A registry op may name a parameter "format", of any type: the classname takes its text.
  Document doc = lpc::reports::report_document(pretend_run(lpc::load_profile("lpconform-dataflows"), lpc::chip_implementation()));
  doc["items"][0]["format"] = 8;
  const std::string xml = lpc::reports::render_junit(doc);
  CHECK(xml.find("classname=\"lpconform.gemm.8\"") != std::string::npos);
}

TEST_CASE("hostile text: invalid UTF-8, control characters, '|' and ']]>' in every file", "[hostile]") {
  Scratch s;
  const std::string hostile = "bad \xff\xfe byte, \x1b[31mred\x1b[0m, bell\x07, pipe | and ]]> <tag> & \"quote\"\nsecond line";
  lpc::Implementation subject = lpc::fast_implementation();
  subject.name = "vendor \xc3";  // a truncated two-byte sequence
  subject.description = hostile;
  subject.declarations = {{hostile, hostile}};
  const lpc::Profile profile = lpc::load_profile(std::string(LPC_GATING_PROFILE));
  lpc::RunResult run = pretend_run(profile, subject);
  run.command = "lpconform run --out " + hostile;
  run.waivers.push_back({lpc::Waiver{"*", "*", "*", hostile, "2999-12-31", "w.csv:2"}, lpc::WaiverState::Unmatched, 0});
  for (lpc::ItemResult& r : run.items) {
    r.status = r.item.required ? lpc::Status::Fail : lpc::Status::Waived;
    r.message = hostile;
    r.first_mismatches = {{hostile, "", hostile, hostile, hostile, "", hostile}};
  }

  const Document doc = lpc::reports::report_document(run);
  REQUIRE_NOTHROW(doc.dump());  // strict: throws on any invalid UTF-8 left
  CHECK(doc["implementation"]["name"] == "vendor \xEF\xBF\xBD");
  CHECK(doc["waivers"][0]["reason"].get<std::string>().find("bad \xEF\xBF\xBD\xEF\xBF\xBD byte") != std::string::npos);
  CHECK(doc.dump().find("\\u001b[31mred") != std::string::npos);  // JSON escapes control characters

  const std::string xml = lpc::reports::render_junit(doc);
  CHECK_FALSE(has_control_byte(xml, true));
  CHECK(xml.find("]]&gt;") != std::string::npos);
  CHECK(xml.find("]]>") == std::string::npos);
  CHECK(xml.find("message=\"bad \xEF\xBF\xBD\xEF\xBF\xBD byte, \xEF\xBF\xBD[31mred") != std::string::npos);
  CHECK(xml.find("&#10;second line") != std::string::npos);  // a line break in an attribute survives
  validate_junit(xml, s.dir);

  const std::string md = lpc::reports::render_markdown(doc);
  CHECK_FALSE(has_control_byte(md, true));
  std::istringstream lines(md);
  for (std::string line; std::getline(lines, line);) {
    INFO(line);
    if (line.starts_with("| FAIL |")) CHECK(unescaped_pipes(line) == 6);
    if (line.starts_with("| unmatched |")) CHECK(unescaped_pipes(line) == 9);
    if (line.starts_with("| bad ")) CHECK(unescaped_pipes(line) == 3);  // the declarations table
  }
  CHECK(md.find("pipe \\| and ]]>") != std::string::npos);

  const std::string text = lpc::reports::render_summary_text(doc);
  CHECK_FALSE(has_control_byte(text, true));
  CHECK(text.find("\x1b") == std::string::npos);

  const std::vector<fs::path> written = lpc::reports::write_reports(doc, s.dir / "out");
  CHECK(Document::parse(read_file(s.dir / "out/report.json")) == doc);
  CHECK(written.size() == 4);
}

TEST_CASE("a pass reads as a pass: only gating items are listed, optional ones are one count", "[summary]") {
  const lpc::Profile profile = lpc::load_profile("ocp-ofp8-1.0");
  lpc::RunResult run = pretend_run(profile, lpc::fast_implementation());
  size_t optional = 0;
  for (lpc::ItemResult& r : run.items)
    if (!r.item.required) {
      r.status = lpc::Status::Unsupported;
      r.message = "fast declines";
      ++optional;
    }
  REQUIRE(optional > 10);
  const std::string count_line = std::to_string(optional) + " UNSUPPORTED";

  SECTION("every required item passes") {
    const Document doc = lpc::reports::report_document(run);
    REQUIRE(doc["verdict"] == "PASS");
    const std::string text = lpc::reports::render_summary_text(doc), md = lpc::reports::render_markdown(doc);
    CHECK(text.find("optional, not passing (never gating; each is in failures.csv): " + count_line + "\n") != std::string::npos);
    CHECK(text.find("rerun:") == std::string::npos);
    CHECK(text.find("required, not passing") == std::string::npos);
    CHECK(md.find("Optional items not passing (never gating; each is in `failures.csv`): " + count_line + ".") != std::string::npos);
    CHECK(md.find("```sh") == std::string::npos);
    CHECK(md.find("fast declines") == std::string::npos);
    CHECK(md.size() < 2500);
  }
  SECTION("a required failure is listed, the optional items still one count") {
    size_t failed = 0;
    while (!run.items[failed].item.required) ++failed;
    run.items[failed].status = lpc::Status::Fail;
    run.items[failed].message = "1 mismatch";
    const Document doc = lpc::reports::report_document(run);
    const std::string text = lpc::reports::render_summary_text(doc), md = lpc::reports::render_markdown(doc);
    CHECK(text.find("required, not passing (1):\n  FAIL " + run.items[failed].signature + " [required]: 1 mismatch\n") != std::string::npos);
    CHECK(text.find(count_line) != std::string::npos);
    CHECK(md.find("### Required, not passing (1)") != std::string::npos);
    CHECK(md.find("fast declines") == std::string::npos);
  }
}

TEST_CASE("report merge: a plugin's shards from different checkouts merge; another library does not", "[merge]") {
  lpc::RunResult run = pretend_run(lpc::load_profile(std::string(LPC_GATING_PROFILE)), lpc::fast_implementation());
  lpc::Implementation plugin = lpc::fast_implementation();
  plugin.library_sha256 = std::string(64, 'a');
  run.subject = &plugin;
  run.shard_count = 2;
  auto shard = [&](unsigned index, const std::string& path, char hash) {
    plugin.library = path;
    plugin.library_sha256 = std::string(64, hash);
    lpc::RunResult part = run;
    part.shard_index = index;
    part.items.clear();
    for (size_t i = index - 1; i < run.items.size(); i += 2) part.items.push_back(run.items[i]);  // every other item
    return lpc::reports::report_document(part);
  };
  CHECK_NOTHROW(lpc::reports::merge_shards({shard(1, "/ci/a/lib.so", 'a'), shard(2, "/ci/b/lib.so", 'a')}, {"1.json", "2.json"}, "merge"));
  CHECK_THROWS_WITH(lpc::reports::merge_shards({shard(1, "/ci/a/lib.so", 'a'), shard(2, "/ci/a/lib.so", 'b')}, {"1.json", "2.json"}, "merge"),
                    Catch::Contains("'implementation' differs"));
}

TEST_CASE("report merge validates every field of every shard before using it", "[merge]") {
  const Document good = lpc::reports::report_document(pretend_run(lpc::load_profile(std::string(LPC_GATING_PROFILE)), lpc::fast_implementation()));
  REQUIRE_NOTHROW(lpc::reports::merge_shards({good}, {"good.json"}, "merge"));
  struct Fault {
    const char* what;
    std::function<void(Document&)> edit;
    const char* message;
  };
  const Fault faults[] = {
      {"shard.count -1", [](Document& d) { d["shard"]["count"] = -1; }, "shard.count: expected an integer from 0 to 65536, got -1"},
      {"shard.count 4294967295", [](Document& d) { d["shard"]["count"] = 4294967295u; }, "shard.count: expected an integer"},
      {"shard.count 0", [](Document& d) { d["shard"]["count"] = 0; }, "shard: expected {index I, count N}"},
      {"shard.count a string", [](Document& d) { d["shard"]["count"] = "1"; }, "shard.count: expected an integer"},
      {"shard.index 100 of 3", [](Document& d) { d["shard"] = {{"index", 100}, {"count", 3}}; }, "shard: expected {index I, count N}"},
      {"shard.index 1.5", [](Document& d) { d["shard"]["index"] = 1.5; }, "shard.index: expected an integer"},
      {"shard missing", [](Document& d) { d.erase("shard"); }, "report.shard: missing"},
      {"threads -1", [](Document& d) { d["threads"] = -1; }, "report.threads: expected an integer"},
      {"duration NaN-like", [](Document& d) { d["duration_s"] = "soon"; }, "report.duration_s: expected a number of seconds"},
      {"items not an array", [](Document& d) { d["items"] = 3; }, "report.items: expected an array"},
      {"an item not an object", [](Document& d) { d["items"][1] = "x"; }, "items[1]: expected an object"},
      {"an item's index negative", [](Document& d) { d["items"][2]["index"] = -1; }, "items[2].index: expected an integer"},
      {"an unknown status", [](Document& d) { d["items"][0]["status"] = "GREAT"; }, "items[0].status: expected one of PASS"},
      {"a FAIL without rerun", [](Document& d) { d["items"][0]["status"] = "FAIL"; }, "items[0].rerun: missing"},
      {"checked a string", [](Document& d) { d["items"][0]["checked"] = "many"; }, "items[0].checked: expected an integer"},
      {"a mismatch without got", [](Document& d) { d["items"][0]["first_mismatches"] = {{{"input", "0x1"}, {"want", "0x2"}, {"repro", "r"}}}; },
       "items[0].first_mismatches[0].got: missing"},
      {"a waiver's count", [](Document& d) { d["waivers"] = {{{"implementation", "*"}, {"version", "*"}, {"signature", "*"}, {"reason", "r"},
                                                              {"expires", "2999-01-01"}, {"origin", "w:2"}, {"state", "used"}, {"waived", -2}}}; },
       "waivers[0].waived: expected an integer"},
      {"the implementation's name", [](Document& d) { d["implementation"]["name"] = nullptr; }, "implementation.name: expected a string"},
      {"the profile's modified flag", [](Document& d) { d["profile"]["modified"] = "no"; }, "profile.modified: expected true or false"},
      {"the seed negative", [](Document& d) { d["seed"] = -1; }, "report.seed: expected an integer"},
  };
  for (const Fault& f : faults) {
    SECTION(f.what) {
      Document bad = good;
      f.edit(bad);
      CHECK_THROWS_WITH(lpc::reports::merge_shards({good, bad}, {"good.json", "bad.json"}, "merge"), Catch::StartsWith("bad.json: ") &&
                                                                                                           Catch::Contains(f.message));
    }
  }
}

TEST_CASE("the report set is written as one unit", "[write]") {
  Scratch s;
  const fs::path out = s.dir / "out";
  const lpc::Profile profile = lpc::load_profile(std::string(LPC_GATING_PROFILE));
  const Document first = lpc::reports::report_document(pretend_run(profile, lpc::fast_implementation()));
  lpc::reports::write_reports(first, out);
  CHECK(s.entries() == std::set<std::string>{"out"});
  const std::string first_json = read_file(out / "report.json"), first_xml = read_file(out / "junit.xml");
  Document second = lpc::reports::report_document(pretend_run(profile, lpc::fast_implementation(), lpc::Status::Error));

  SECTION("a new set replaces the old one whole, and nothing is left beside it") {
    lpc::reports::write_reports(second, out);
    CHECK(Document::parse(read_file(out / "report.json"))["verdict"] == "FAIL");
    CHECK(read_file(out / "junit.xml").find("<error type=\"ERROR\"") != std::string::npos);
    CHECK(s.entries() == std::set<std::string>{"out"});
  }
  SECTION("a write that fails (a file size limit, as a full disk) keeps the previous set, names the OS error, leaves no temporary") {
    struct rlimit saved;
    getrlimit(RLIMIT_FSIZE, &saved);
    const auto previous_handler = std::signal(SIGXFSZ, SIG_IGN);
    struct rlimit small = saved;
    small.rlim_cur = 1000;
    setrlimit(RLIMIT_FSIZE, &small);
    std::string message;
    try {
      lpc::reports::write_reports(second, out);
    } catch (const std::system_error& e) {
      message = e.what();
    }
    setrlimit(RLIMIT_FSIZE, &saved);
    std::signal(SIGXFSZ, previous_handler);
    CHECK(message.find("cannot write") != std::string::npos);
    CHECK(message.find("File too large") != std::string::npos);
    CHECK(read_file(out / "report.json") == first_json);
    CHECK(read_file(out / "junit.xml") == first_xml);
    CHECK(s.entries() == std::set<std::string>{"out"});
  }
  SECTION("the temporary directory of a killed writer is removed by the next one") {
    const pid_t child = fork();
    if (child == 0) _exit(0);
    waitpid(child, nullptr, 0);  // its pid now names no process
    const fs::path stale = s.dir / ("out.tmp-" + std::to_string(child));
    fs::create_directories(stale);
    std::ofstream(stale / "report.json") << "{half";
    lpc::reports::write_reports(second, out);
    CHECK(s.entries() == std::set<std::string>{"out"});
  }
  SECTION("a directory holding anything but a report set is refused, untouched") {
    std::ofstream(out / "notes.txt") << "mine";
    CHECK_THROWS_WITH(lpc::reports::check_report_directory(out), Catch::Contains("holds 'notes.txt', which is not a report file"));
    CHECK_THROWS_AS(lpc::reports::write_reports(second, out), std::invalid_argument);
    CHECK(read_file(out / "notes.txt") == "mine");
    CHECK(read_file(out / "report.json") == first_json);
    CHECK(s.entries() == std::set<std::string>{"out"});
  }
  SECTION("a path through a file is refused before anything is written") {
    std::ofstream(s.dir / "file") << "";
    CHECK_THROWS_WITH(lpc::reports::check_report_directory(s.dir / "file" / "out"), Catch::Contains("Not a directory"));
  }
}

// ---- The HTML report (reports/writers/html.hpp) and benchmark results (reports/writers/bench.hpp).

TEST_CASE("html: one matrix row per item, one column per run, hostile text escaped", "[html]") {
  const std::string hostile = "<script>alert(1)</script> \xff \x1b[31m & \"q\" 'a'";
  const lpc::Profile profile = lpc::load_profile(std::string(LPC_GATING_PROFILE));
  const Document pass = lpc::reports::report_document(pretend_run(profile, lpc::fast_implementation()));
  lpc::Implementation vendor = lpc::fast_implementation();
  vendor.name = "vendor";
  vendor.description = hostile;
  lpc::RunResult failing = pretend_run(profile, vendor);
  failing.items[0].status = lpc::Status::Fail;
  failing.items[0].message = hostile;
  failing.items[0].first_mismatches = {{"0x3f800000", "", "0x39", "", "0x38", "", "printf 'input\\n0x3f800000\\n' | lpconform eval encode"}};
  const Document fail = lpc::reports::report_document(failing);

  const std::string page = lpc::reports::render_html({{pass, fail}, {}});
  CHECK(page.find("<script") == std::string::npos);
  CHECK(page.find("&lt;script&gt;alert(1)&lt;/script&gt; \xEF\xBF\xBD \xEF\xBF\xBD[31m &amp; &quot;q&quot; &#39;a&#39;") != std::string::npos);
  CHECK(page.find('\x1b') == std::string::npos);
  size_t rows = 0;
  for (size_t at = 0; (at = page.find("<tr class=\"item\">", at)) != std::string::npos; ++at) ++rows;
  CHECK(rows == profile.items.size());  // fast-X and vendor-X are one row: the key drops the name
  CHECK(page.find("<th class=\"impl\">fast " LPC_VERSION "</th><th class=\"impl\">vendor " LPC_VERSION "</th>") != std::string::npos);
  // The first row: fast passes, the vendor fails; verdicts recomputed from the items.
  const std::string first = page.substr(page.find("<tr class=\"item\">"), page.find("</tr>", page.find("<tr class=\"item\">")) - page.find("<tr class=\"item\">"));
  CHECK(first.find("<td class=\"s-pass\">PASS</td><td class=\"s-fail\">FAIL</td>") != std::string::npos);
  CHECK(page.find("printf &#39;input\\n0x3f800000\\n&#39; | lpconform eval encode") != std::string::npos);
  CHECK(page.find("1 gating items.") != std::string::npos);
  CHECK(page.find("Content-Security-Policy") != std::string::npos);
}

namespace {

nlohmann::json bench_entry(const std::string& name, double real_time, const std::string& unit = "ns") {
  return {{"name", name}, {"run_name", name}, {"run_type", "iteration"}, {"real_time", real_time}, {"cpu_time", real_time}, {"time_unit", unit}};
}

nlohmann::json bench_file(std::vector<nlohmann::json> entries, const std::string& commit = "") {
  nlohmann::json context = {{"date", "2026-01-01"}, {"host_name", "h"}, {"num_cpus", 2}};
  if (!commit.empty()) context["commit"] = commit;
  return {{"context", context}, {"benchmarks", entries}};
}

const lpc::reports::BenchEntry& entry(const lpc::reports::BenchRun& run, const std::string& name) {
  for (const auto& e : run.entries)
    if (e.name == name) return e;
  FAIL("no benchmark " << name);
  throw std::logic_error("unreachable");
}

}  // namespace

TEST_CASE("bench: repetitions summarized by their median, units to ns, errors left out", "[bench]") {
  auto aggregated = bench_entry("b/agg", 999, "us");
  aggregated["run_type"] = "aggregate";
  aggregated["aggregate_name"] = "median";
  auto cv = bench_entry("b/agg", 0.25);
  cv["run_type"] = "aggregate";
  cv["aggregate_name"] = "cv";
  auto broken = bench_entry("b/broken", 1);
  broken["error_occurred"] = true;
  const auto run = lpc::reports::parse_bench(
      bench_file({bench_entry("b/reps", 100, "us"), bench_entry("b/reps", 300, "us"), bench_entry("b/reps", 200, "us"), bench_entry("b/ms", 1.5, "ms"),
                  bench_entry("b/agg", 1, "us"), bench_entry("b/agg", 2, "us"), aggregated, cv, broken},
                 "abc"),
      "f.json");
  CHECK(run.commit == "abc");
  CHECK(run.num_cpus == 2);
  REQUIRE(run.entries.size() == 3);
  const auto& reps = entry(run, "b/reps");
  CHECK(reps.time_ns == 200'000);  // median of 100, 300, 200 us
  CHECK(reps.repetitions == 3);
  CHECK(reps.cv == Approx(0.5));   // sample sd 100 over mean 200
  CHECK(entry(run, "b/ms").time_ns == 1'500'000);
  CHECK(entry(run, "b/ms").cv == 0);
  CHECK(entry(run, "b/agg").time_ns == 999'000);  // the file's median aggregate, not the iterations'
  CHECK(entry(run, "b/agg").cv == 0.25);
}

TEST_CASE("bench: each benchmark against the memcpy peer sharing most of its name", "[bench]") {
  const auto run = lpc::reports::parse_bench(
      bench_file({bench_entry("memcpy/f32_bytes/1Mi/1t", 100), bench_entry("memcpy/f32_bytes/128Ki/1t", 10), bench_entry("codecs/x/memcpy/65536", 50),
                  bench_entry("impls/fast/encode/e4m3/1Mi/1t", 400), bench_entry("impls/fast/encode/e4m3/128Ki/1t", 30),
                  bench_entry("codecs/x/fast/65536", 150), bench_entry("lonely", 7), bench_entry("sampler/memcpy_words", 20),
                  bench_entry("words_stream/sampler/philox10/scalar", 60)}),
      "f.json");
  const auto ratios = lpc::reports::peer_ratios(run);
  REQUIRE(ratios.size() == 5);  // the four peers are not set against themselves
  std::map<std::string, std::pair<std::string, double>> got;
  for (const auto& r : ratios) got[r.entry->name] = {r.peer ? r.peer->name : "-", r.ratio};
  CHECK(got["impls/fast/encode/e4m3/1Mi/1t"] == std::pair<std::string, double>{"memcpy/f32_bytes/1Mi/1t", 4.0});
  CHECK(got["impls/fast/encode/e4m3/128Ki/1t"] == std::pair<std::string, double>{"memcpy/f32_bytes/128Ki/1t", 3.0});
  CHECK(got["codecs/x/fast/65536"] == std::pair<std::string, double>{"codecs/x/memcpy/65536", 3.0});
  CHECK(got["lonely"] == std::pair<std::string, double>{"-", 0.0});
  CHECK(got["words_stream/sampler/philox10/scalar"] == std::pair<std::string, double>{"sampler/memcpy_words", 3.0});  // "sampler", elsewhere
}

TEST_CASE("bench: two runs compared by median time, noise named", "[bench]") {
  auto noisy = bench_entry("b/noisy", 100);
  auto noisy_cv = bench_entry("b/noisy", 0.2);
  noisy_cv["run_type"] = "aggregate";
  noisy_cv["aggregate_name"] = "cv";
  const auto base = lpc::reports::parse_bench(bench_file({bench_entry("b/fast", 100), bench_entry("b/same", 100), noisy, noisy_cv, bench_entry("b/gone", 1)}), "a.json");
  const auto current = lpc::reports::parse_bench(bench_file({bench_entry("b/fast", 50), bench_entry("b/same", 101), bench_entry("b/noisy", 130), bench_entry("b/new", 1)}), "b.json");
  const auto deltas = lpc::reports::compare_runs(base, current);
  REQUIRE(deltas.size() == 3);
  CHECK(deltas[0].name == "b/fast");
  CHECK(deltas[0].ratio == 0.5);
  CHECK(deltas[0].significant);
  CHECK(deltas[1].ratio == Approx(1.01));
  CHECK_FALSE(deltas[1].significant);  // 1% is under the 2% floor
  CHECK(deltas[2].ratio == Approx(1.3));
  CHECK_FALSE(deltas[2].significant);  // 30% is under twice the base's cv of 20%
  const std::string text = lpc::reports::render_bench_text({base, current});
  CHECK(text.find("3 benchmarks in both (1 only in b.json, 1 only in a.json)") != std::string::npos);
  CHECK(text.find("-50.0%\n") != std::string::npos);
  CHECK(text.find("+30.0% (within noise)") != std::string::npos);
  const std::string markdown = lpc::reports::render_bench_text({base, current}, true);
  CHECK(markdown.find("| benchmark | base | current | change |\n|---|---:|---:|---:|\n| b/fast | 100 ns | 50.0 ns | -50.0% |\n") != std::string::npos);
}

TEST_CASE("bench: a results file from outside is checked key by key", "[bench]") {
  using lpc::reports::parse_bench;
  CHECK_THROWS_WITH(parse_bench(nlohmann::json::array(), "f.json"), Catch::Contains("f.json: expected a JSON object"));
  CHECK_THROWS_WITH(parse_bench({{"benchmarks", nlohmann::json::array()}}, "f.json"), Catch::Contains("f.json.context: expected an object"));
  auto no_time = bench_entry("x", 1);
  no_time.erase("real_time");
  CHECK_THROWS_WITH(parse_bench(bench_file({bench_entry("a", 1), no_time}), "f.json"), Catch::Contains("f.json: benchmarks[1].real_time: expected a number"));
  CHECK_THROWS_WITH(parse_bench(bench_file({bench_entry("a", 1, "fortnights")}), "f.json"), Catch::Contains("benchmarks[0].time_unit: expected ns, us, ms or s"));
  CHECK_THROWS_WITH(parse_bench(bench_file({bench_entry("a", -1)}), "f.json"), Catch::Contains("benchmarks[0].real_time: expected a finite number >= 0"));
  auto name = bench_entry("a", 1);
  name["name"] = 3;
  CHECK_THROWS_WITH(parse_bench(bench_file({name}), "f.json"), Catch::Contains("benchmarks[0].name: expected a string"));
}

TEST_CASE("progress: the ETA follows the estimated cost, not the item count", "[eta]") {
  lpc::RunProgress progress;
  progress.items_total = 2;
  progress.cost_total = 1000;
  CHECK(progress.eta_seconds(5) == 0);  // nothing done yet: no estimate
  progress.items_done = 1;              // half the items, a tenth of the cost
  progress.cost_done = 100;
  CHECK(progress.eta_seconds(5) == 45);
  progress.cost_done = 1000;
  CHECK(progress.eta_seconds(50) == 0);
  // A run fills the counters: every item's cost done by its end.
  lpc::RunOptions options;
  options.progress = &progress;
  progress.cost_done = 0;
  progress.items_done = 0;
  options.threads = 1;
  const lpc::Profile profile = lpc::load_profile(std::string(LPC_GATING_PROFILE));
  const lpc::RunResult run = lpc::run_profile(profile, lpc::fast_implementation(), lpc::reference_implementation(), options);
  CHECK(progress.items_done == profile.items.size());
  CHECK(run.items.size() == profile.items.size());
  CHECK(progress.cost_total == progress.cost_done);
  CHECK(progress.cost_total > profile.items.size());
}
