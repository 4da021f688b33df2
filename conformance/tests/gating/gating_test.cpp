// Vendor gating end to end, through the lpconform binary as a vendor's CI calls it: vector mode
// (gen -> results from `lpconform eval --impl fast` -> check), malformed and wrong results files,
// waivers, exit statuses, the JUnit XML against a schema, and sharded runs merged back into the
// unsharded report. The subject is always the fast implementation and the oracle the reference.
#include <sys/wait.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <sstream>
#include <string>
#include <tuple>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

namespace {

namespace fs = std::filesystem;
using nlohmann::json;

const std::string kLpconform = LPC_LPCONFORM;
const std::string kDataDir = LPC_GATING_DIR;
const std::string kProfile = kDataDir + "/gating_profile.csv";

struct Outcome {
  int status = -1;
  std::string out, err;
};

std::string read_file(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

void write_file(const fs::path& path, const std::string& text) { std::ofstream(path, std::ios::binary) << text; }

// A scratch directory per test case, removed at the end.
struct Scratch {
  fs::path dir;
  Scratch() {
    dir = fs::temp_directory_path() / ("lpc_gating_" + std::to_string(getpid()) + "_" + std::to_string(counter()++));
    fs::remove_all(dir);
    fs::create_directories(dir);
  }
  ~Scratch() { fs::remove_all(dir); }
  static int& counter() {
    static int n = 0;
    return n;
  }
  fs::path operator/(const std::string& name) const { return dir / name; }

  // Runs a shell command in the scratch directory with CI set (no progress line).
  Outcome sh(const std::string& command) const {
    const std::string full = "cd '" + dir.string() + "' && (CI=1 " + command + ") >stdout.txt 2>stderr.txt";
    const int raw = std::system(full.c_str());
    Outcome o{WIFEXITED(raw) ? WEXITSTATUS(raw) : -1, read_file(dir / "stdout.txt"), read_file(dir / "stderr.txt")};
    if (o.status != 0) UNSCOPED_INFO(command << " exited " << o.status << "; stderr: " << o.err);
    return o;
  }
  Outcome lpconform(const std::string& args) const { return sh("'" + kLpconform + "' " + args); }
};

// gen + the vendor's part (eval with the fast implementation) in `s`: vectors/ and results.csv.
void generate_good_results(const Scratch& s) {
  REQUIRE(s.lpconform("vectors gen --profile '" + kProfile + "' --out vectors --seed 7").status == 0);
  REQUIRE(s.sh("sh '" + kDataDir + "/results_from_eval.sh' vectors '" + kLpconform + "' fast >results.csv 2>eval.err").status == 0);
}

Outcome check(const Scratch& s, const std::string& results, const std::string& extra = "") {
  return s.lpconform("vectors check --manifest vectors/manifest.json --results " + results + " --out report --name vendor --impl-version 1.2 " + extra);
}

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

std::string joined(const std::vector<std::string>& lines) {
  std::string text;
  for (const auto& l : lines) text += l + "\n";
  return text;
}

// The index of the first line that starts with `prefix`.
size_t find_line(const std::vector<std::string>& lines, const std::string& prefix) {
  for (size_t i = 0; i < lines.size(); ++i)
    if (lines[i].rfind(prefix, 0) == 0) return i;
  FAIL("no line starts with " << prefix);
  return 0;
}

json item_by_signature(const json& report, const std::string& signature) {
  for (const auto& item : report["items"])
    if (item["signature"] == signature) return item;
  FAIL("no item " << signature);
  return {};
}

// A report without what differs from run to run.
json without_run_facts(json report) {
  for (const char* key : {"command", "started", "finished", "duration_s", "threads"}) report.erase(key);
  for (auto& item : report["items"]) item.erase("seconds");
  return report;
}

bool xmllint_available() { return std::system("command -v xmllint >/dev/null 2>&1") == 0; }

void validate_junit(const Scratch& s, const std::string& path) {
  if (!xmllint_available()) {
    WARN("xmllint not installed (Debian package libxml2-utils): JUnit schema validation skipped");
    return;
  }
  const Outcome o = s.sh("xmllint --noout --schema '" + kDataDir + "/junit.xsd' " + path);
  INFO(o.err);
  CHECK(o.status == 0);
}

}  // namespace

TEST_CASE("vector mode: results from a correct implementation pass, with every report", "[vectors]") {
  Scratch s;
  generate_good_results(s);
  const json manifest = json::parse(read_file(s / "vectors/manifest.json"));
  CHECK(manifest["items"].size() == 7);
  CHECK(manifest["rows"] == 76120);  // boundary inputs include the tininess boundary (spec/formats.md §7.3)
  // The expected results are never in the vectors: only inputs and the manifest.
  for (const auto& entry : fs::recursive_directory_iterator(s / "vectors"))
    if (entry.is_regular_file()) CHECK((entry.path().filename() == "manifest.json" || entry.path().parent_path().filename() == "inputs"));
  CHECK(read_file(s / "vectors/inputs/encode-float8_e4m3fn-rne-sat-float32.csv").rfind("input\n0x", 0) == 0);

  const Outcome o = check(s, "results.csv");
  CHECK(o.status == 0);
  CHECK(o.out.find("PASS: 7 items, 0 of 4 required not passing; 76,120 inputs") != std::string::npos);
  const json report = json::parse(read_file(s / "report/report.json"));
  CHECK(report["verdict"] == "PASS");
  CHECK(report["implementation"]["name"] == "vendor");
  for (const char* key : {"os", "fast_isa"}) CHECK(!report["environment"][key].get<std::string>().empty());  // and "cpu" where /proc/cpuinfo names one
  CHECK(report["implementation"]["produces_flags"] == true);
  CHECK(item_by_signature(report, "vendor-encode-float8_e4m3fn-rne-sat-float32")["verification"] ==
        "exact: code+flags; NaN as a class; unspecified accepts any code");
  CHECK(fs::exists(s / "report/summary.md"));
  CHECK(fs::exists(s / "report/failures.csv"));
  validate_junit(s, "report/junit.xml");

  SECTION("the same verdicts as `run` on the same seed") {
    REQUIRE(s.lpconform("run --impl fast --profile '" + kProfile + "' --seed 7 --out run").status == 0);
    const json run = json::parse(read_file(s / "run/report.json"));
    REQUIRE(run["items"].size() == report["items"].size());
    for (size_t i = 0; i < run["items"].size(); ++i) {
      CHECK(run["items"][i]["status"] == report["items"][i]["status"]);
      CHECK(run["items"][i]["checked"] == report["items"][i]["checked"]);
    }
  }
  SECTION("without a flags column the flags are not compared") {
    std::string text;
    for (const auto& line : lines_of(read_file(s / "results.csv"))) text += line.substr(0, line.rfind(',')) + "\n";
    write_file(s / "noflags.csv", text);
    CHECK(check(s, "noflags.csv").status == 0);
    const json r = json::parse(read_file(s / "report/report.json"));
    CHECK(r["implementation"]["produces_flags"] == false);
  }
  SECTION("an item with no rows is UNSUPPORTED, never a pass") {
    auto lines = lines_of(read_file(s / "results.csv"));
    std::erase_if(lines, [](const std::string& l) { return l.rfind("encode-float8_e5m2-rtz-sat-bfloat16,", 0) == 0; });
    write_file(s / "partial.csv", joined(lines));
    CHECK(check(s, "partial.csv").status == 0);  // the item is optional
    const json r = json::parse(read_file(s / "report/report.json"));
    CHECK(item_by_signature(r, "vendor-encode-float8_e5m2-rtz-sat-bfloat16")["status"] == "UNSUPPORTED");
  }
}

TEST_CASE("vector mode for registry ops: .npy tensors in and out, the same verdicts as run", "[opvectors]") {
  // The vendor's part for the ops: eval per case with --npy inputs and --npy-out results
  // (op_results_from_eval.py), for the formats results_from_eval.sh; the chip for the dataflows.
  Scratch s;
  auto play = [&](const std::string& profile, const std::string& shard, const std::string& impl, const std::string& dir) {
    REQUIRE(s.lpconform("vectors gen --profile " + profile + " " + shard + " --out v-" + dir).status == 0);
    REQUIRE(s.sh("mkdir " + dir + " && python3 '" + kDataDir + "/op_results_from_eval.py' v-" + dir + " '" + kLpconform + "' " + impl + " " + dir).status == 0);
    REQUIRE(s.sh("sh '" + kDataDir + "/results_from_eval.sh' v-" + dir + " '" + kLpconform + "' " + impl + " >" + dir + "/results.csv").status == 0);
  };
  auto check_dir = [&](const std::string& dir) {
    return s.lpconform("vectors check --manifest v-" + dir + "/manifest.json --results " + dir + " --out report-" + dir + " --name vendor");
  };
  play("ocp-mx-1.0", "--shard 1/8", "fast", "mx");
  play("lpconform-dataflows", "", "chip", "df");
  const json manifest = json::parse(read_file(s / "v-df/manifest.json"));
  CHECK(manifest["cases"].get<int>() > 0);
  CHECK(fs::exists(s / "v-df/inputs/gemm-int8_inference-random/cases.csv"));
  CHECK(fs::exists(s / "v-df/inputs/gemm-int8_inference-random/0.a.npy"));

  for (const auto& [dir, profile, impl, shard] : {std::tuple{"mx", "ocp-mx-1.0", "fast", "--shard 1/8"}, std::tuple{"df", "lpconform-dataflows", "chip", ""}}) {
    INFO(profile);
    CHECK(check_dir(dir).status == 0);
    REQUIRE(s.lpconform(std::string("run --impl ") + impl + " --profile " + profile + " " + shard + " --out run-" + dir).status == 0);
    const json run = json::parse(read_file(s / ("run-" + std::string(dir)) / "report.json"));
    const json vec = json::parse(read_file(s / ("report-" + std::string(dir)) / "report.json"));
    REQUIRE(run["items"].size() == vec["items"].size());
    size_t ops = 0;
    for (size_t i = 0; i < run["items"].size(); ++i) {
      INFO(run["items"][i]["signature"]);
      CHECK(run["items"][i]["status"] == vec["items"][i]["status"]);
      CHECK(run["items"][i]["checked"] == vec["items"][i]["checked"]);
      ops += run["items"][i]["op"] != "encode" && run["items"][i]["op"] != "decode";
    }
    CHECK(ops > 0);
  }

  // Faults, one at a time on the dataflows results (each undone before the next).
  const fs::path gemm = s / "df/gemm-int8_inference-random";
  const std::string good = read_file(gemm / "0.accumulator.npy");
  {
    INFO("a wrong value is FAIL");
    std::string bytes = good;
    bytes[bytes.size() - 8] ^= 1;
    write_file(gemm / "0.accumulator.npy", bytes);
    CHECK(check_dir("df").status == 1);
    const json r = json::parse(read_file(s / "report-df/report.json"));
    CHECK(item_by_signature(r, "vendor-gemm-int8_inference-random")["status"] == "FAIL");
    write_file(gemm / "0.accumulator.npy", good);
  }
  {
    INFO("a malformed, misshapen or unknown file is exit 2, named");
    for (const auto& [name, bytes, why] :
         {std::tuple{"0.accumulator.npy", good.substr(0, good.size() - 8), "data holds"},
          std::tuple{"0.accumulator.npy", std::string("not numpy"), "not a NumPy .npy file"},
          std::tuple{"0.output.npy", read_file(s / "v-df/inputs/gemm-int8_inference-random/0.bias.npy"), "shape"},
          std::tuple{"0.extra.npy", good, "not a results file of item gemm-int8_inference-random"}}) {
      INFO(name << ": " << why);
      const std::string saved = fs::exists(gemm / name) ? read_file(gemm / name) : "";
      write_file(gemm / name, bytes);
      const Outcome o = check_dir("df");
      CHECK(o.status == 2);
      CHECK(o.err.find(why) != std::string::npos);
      CHECK(o.err.find(name) != std::string::npos);
      if (saved.empty()) fs::remove(gemm / name);
      else write_file(gemm / name, saved);
    }
  }
  {
    INFO("an item without a results directory is UNSUPPORTED");
    fs::remove_all(gemm);
    CHECK(check_dir("df").status == 1);  // every dataflows item is required
    const json r = json::parse(read_file(s / "report-df/report.json"));
    CHECK(item_by_signature(r, "vendor-gemm-int8_inference-random")["status"] == "UNSUPPORTED");
  }
}

TEST_CASE("vector mode: malformed results files are rejected with file:line:column, exit 2", "[vectors]") {
  Scratch s;
  generate_good_results(s);
  const auto good = lines_of(read_file(s / "results.csv"));
  const size_t e4m3 = find_line(good, "encode-float8_e4m3fn-rne-sat-float32,");
  struct Corruption {
    const char* what;
    std::function<void(std::vector<std::string>&)> edit;
    std::string message;
  };
  const std::string line = std::to_string(e4m3 + 2);  // 1-based, and the row after the edited one for a deletion
  const Corruption corruptions[] = {
      {"wrong header", [](auto& l) { l[0] = "item,input,output,flags"; }, "bad.csv:1:12: unexpected header column 'output'"},
      {"a missing row", [&](auto& l) { l.erase(l.begin() + static_cast<long>(e4m3) + 1); }, "bad.csv:" + line + ":"},
      {"bad hex", [&](auto& l) { l[e4m3] = l[e4m3].substr(0, l[e4m3].find(",,") + 2) + "0xzz,"; }, "malformed hex '0xzz'"},
      {"a code wider than the format", [&](auto& l) { l[e4m3] = l[e4m3].substr(0, l[e4m3].find(",,") + 2) + "0x1ff,"; }, "does not fit 8 bits"},
      {"unknown flag letters", [&](auto& l) { l[e4m3] = l[e4m3].substr(0, l[e4m3].rfind(',') + 1) + "q"; }, "expected letters from x u o i"},
      {"an unknown item", [&](auto& l) { l[e4m3].replace(0, 6, "frobni"); }, "unknown item 'frobni"},
      {"a truncated item", [](auto& l) { l.pop_back(); }, "ends after"},
      {"a row too many", [](auto& l) { l.push_back(l.back()); }, "one row too many"},
  };
  for (const Corruption& c : corruptions) {
    SECTION(c.what) {
      auto lines = good;
      c.edit(lines);
      write_file(s / "bad.csv", joined(lines));
      const Outcome o = check(s, "bad.csv");
      INFO("stderr: " << o.err);
      CHECK(o.status == 2);
      CHECK(o.err.find(c.message) != std::string::npos);
      CHECK(o.out.empty());
      CHECK_FALSE(fs::exists(s / "report"));
    }
  }
  SECTION("a wrong code is a FAIL with the mismatch, exit 1") {
    auto lines = good;
    std::string& row = lines[e4m3];  // first input of the item: a special (-0 or +0 or inf ...)
    const size_t output = row.find(",,") + 2;
    const std::string code = row.substr(output, row.find(',', output) - output);
    const std::string wrong = code == "0x01" ? "0x02" : "0x01";
    row = row.substr(0, output) + wrong + row.substr(row.find(',', output));
    write_file(s / "wrong.csv", joined(lines));
    const Outcome o = check(s, "wrong.csv");
    CHECK(o.status == 1);
    const json r = json::parse(read_file(s / "report/report.json"));
    const json item = item_by_signature(r, "vendor-encode-float8_e4m3fn-rne-sat-float32");
    CHECK(item["status"] == "FAIL");
    CHECK(item["mismatches"] == 1);
    CHECK(item["first_mismatches"][0]["got"] == wrong);
    CHECK(r["verdict"] == "FAIL");
    validate_junit(s, "report/junit.xml");
  }
}

TEST_CASE("vector mode: gen writes all or nothing", "[vectors]") {
  Scratch s;
  fs::create_directories(s / "taken");
  write_file(s / "taken/keep.txt", "mine");
  const Outcome o = s.lpconform("vectors gen --profile '" + kProfile + "' --out taken");
  CHECK(o.status == 2);
  CHECK(o.err.find("exists and is not an empty directory") != std::string::npos);
  CHECK(read_file(s / "taken/keep.txt") == "mine");
  CHECK(s.lpconform("vectors gen --profile no-such-profile --out fresh").status == 2);
  CHECK_FALSE(fs::exists(s / "fresh"));
  for (const auto& entry : fs::directory_iterator(s.dir)) CHECK(entry.path().filename().string().find(".tmp-") == std::string::npos);
}

TEST_CASE("waivers: implementation, version pattern, expiry, unmatched", "[waivers]") {
  Scratch s;
  generate_good_results(s);
  // One required item fails: its first row gets a wrong code.
  auto lines = lines_of(read_file(s / "results.csv"));
  std::string& row = lines[find_line(lines, "encode-float8_e4m3fn-rne-sat-float32,")];
  const size_t output = row.find(",,") + 2;
  row = row.substr(0, output) + (row.substr(output, 4) == "0x01" ? "0x02" : "0x01") + row.substr(row.find(',', output));
  write_file(s / "wrong.csv", joined(lines));
  const std::string header = "implementation,version,signature,reason,expires\n";
  const std::string failing = "vendor-encode-float8_e4m3fn-rne-sat-*";

  auto check_with = [&](const std::string& waivers) {
    write_file(s / "waivers.csv", header + waivers);
    const Outcome o = check(s, "wrong.csv", "--waivers waivers.csv");
    return std::pair{o, json::parse(read_file(s / "report/report.json"))};
  };
  SECTION("a matching waiver turns the failure into WAIVED (never PASS), exit 0") {
    auto [o, r] = check_with("vendor,1.*," + failing + ",bug 123: sign of zero,2999-12-31\n");
    CHECK(o.status == 0);
    const json item = item_by_signature(r, "vendor-encode-float8_e4m3fn-rne-sat-float32");
    CHECK(item["status"] == "WAIVED");
    CHECK(item["message"].get<std::string>().find("bug 123") != std::string::npos);
    CHECK(r["counts"]["status"]["PASS"] == 6);
    CHECK(r["waivers"][0]["state"] == "used");
    CHECK(r["waivers"][0]["waived"] == 1);
    validate_junit(s, "report/junit.xml");
    CHECK(read_file(s / "report/junit.xml").find("<skipped message=\"WAIVED: waived by waivers.csv:2") != std::string::npos);
  }
  SECTION("a waiver for another version does not apply") {
    auto [o, r] = check_with("vendor,2.*," + failing + ",fixed in 2.0,2999-12-31\n");
    CHECK(o.status == 1);
    CHECK(r["waivers"][0]["state"] == "other-implementation");
  }
  SECTION("an expired waiver does not apply and is reported") {
    auto [o, r] = check_with("*,*," + failing + ",old bug,2020-01-31\n");
    CHECK(o.status == 1);
    CHECK(r["waivers"][0]["state"] == "expired");
    CHECK(o.out.find("expired on 2020-01-31") != std::string::npos);
  }
  SECTION("a waiver that matches no failure is reported") {
    auto [o, r] = check_with("vendor,*," + failing + ",bug 123,2999-12-31\nvendor,*,vendor-decode-*,bug 7 (fixed),2999-12-31\n");
    CHECK(o.status == 0);
    CHECK(r["waivers"][1]["state"] == "unmatched");
    CHECK(o.out.find("waiver waivers.csv:3 (vendor-decode-*): unmatched") != std::string::npos);
    CHECK(read_file(s / "report/summary.md").find("| unmatched | 0 | vendor |") != std::string::npos);
  }
  SECTION("a malformed waiver file is a usage error with its position") {
    write_file(s / "waivers.csv", header + "vendor,*," + failing + ",bug 123,31/12/2999\n");
    const Outcome o = check(s, "wrong.csv", "--waivers waivers.csv");
    CHECK(o.status == 2);
    CHECK(o.err.find("waivers.csv:2:") != std::string::npos);
    CHECK(o.err.find("expected the expiry date as YYYY-MM-DD") != std::string::npos);
  }
}

TEST_CASE("exit statuses: 2 usage, 3 infrastructure", "[exit]") {
  Scratch s;
  CHECK(s.lpconform("run --impl fast --profile '" + kProfile + "' --shard 4/3").status == 2);
  CHECK(s.lpconform("run --impl nobody --profile '" + kProfile + "'").status == 2);
  // --out is checked before the run: nothing runs, nothing is printed but the reason.
  write_file(s / "file", "");
  const Outcome o = s.lpconform("run --impl fast --profile '" + kProfile + "' --out file/reports");
  CHECK(o.status == 2);
  CHECK(o.err.find("--out: cannot create") != std::string::npos);
  CHECK(o.err.find("Not a directory") != std::string::npos);
  CHECK(o.out.empty());
  // A write that fails after the run (a file size limit stands in for a full disk) is exit 3.
  const Outcome full = s.sh("trap '' XFSZ; ulimit -f 2; '" + kLpconform + "' run --impl fast --profile '" + kProfile + "' --out reports >/dev/null");
  CHECK(full.status == 3);
  CHECK(full.err.find("--out: the reports were not written") != std::string::npos);
}

TEST_CASE("sharding: the merged shard reports equal the unsharded report", "[shard]") {
  Scratch s;
  REQUIRE(s.lpconform("run --impl fast --profile '" + kProfile + "' --out whole").status == 0);
  std::string shards;
  for (int i = 1; i <= 3; ++i) {
    REQUIRE(s.lpconform("run --impl fast --profile '" + kProfile + "' --shard " + std::to_string(i) + "/3 --out shard" + std::to_string(i)).status == 0);
    const json shard = json::parse(read_file(s / ("shard" + std::to_string(i) + "/report.json")));
    CHECK(shard["items"].size() >= 1);
    CHECK(shard["items"].size() < 7);
    shards += " shard" + std::to_string(i) + "/report.json";
  }
  const Outcome merged = s.lpconform("report merge" + shards + " --out merged");
  REQUIRE(merged.status == 0);
  const json whole = without_run_facts(json::parse(read_file(s / "whole/report.json")));
  const json joined = without_run_facts(json::parse(read_file(s / "merged/report.json")));
  CHECK(joined == whole);
  validate_junit(s, "merged/junit.xml");

  SECTION("a missing or repeated shard is refused") {
    const Outcome missing = s.lpconform("report merge shard1/report.json shard3/report.json --out m2");
    CHECK(missing.status == 2);
    CHECK(missing.err.find("shard 2/3 is missing") != std::string::npos);
    CHECK(s.lpconform("report merge" + shards + " shard2/report.json --out m3").status == 2);
  }
  SECTION("sharded vectors checked and merged equal the unsharded check") {
    REQUIRE(s.lpconform("vectors gen --profile '" + kProfile + "' --out vectors").status == 0);
    REQUIRE(s.sh("sh '" + kDataDir + "/results_from_eval.sh' vectors '" + kLpconform + "' fast >results.csv").status == 0);
    REQUIRE(s.lpconform("vectors check --manifest vectors/manifest.json --results results.csv --out vwhole").status == 0);
    std::string vshards;
    for (int i = 1; i <= 2; ++i) {
      const std::string n = std::to_string(i);
      REQUIRE(s.lpconform("vectors gen --profile '" + kProfile + "' --shard " + n + "/2 --out v" + n).status == 0);
      REQUIRE(s.sh("sh '" + kDataDir + "/results_from_eval.sh' v" + n + " '" + kLpconform + "' fast >r" + n + ".csv").status == 0);
      REQUIRE(s.lpconform("vectors check --manifest v" + n + "/manifest.json --results r" + n + ".csv --out vr" + n).status == 0);
      vshards += " vr" + n + "/report.json";
    }
    REQUIRE(s.lpconform("report merge" + vshards + " --out vmerged").status == 0);
    CHECK(without_run_facts(json::parse(read_file(s / "vmerged/report.json"))) ==
          without_run_facts(json::parse(read_file(s / "vwhole/report.json"))));
  }
}

TEST_CASE("the commit a binary was built from: --version, report.json, junit.xml", "[exit]") {
  Scratch s;
  const Outcome version = s.lpconform("--version");
  REQUIRE(version.status == 0);
  const size_t at = version.out.find("(commit ");
  REQUIRE(at != std::string::npos);
  const std::string commit = version.out.substr(at + 8, version.out.find(')', at) - at - 8);
  INFO("commit: " << commit);
  CHECK((commit == "unknown" || (commit.size() >= 12 && commit.find_first_not_of("0123456789abcdef-dirty") == std::string::npos)));
  REQUIRE(s.lpconform("run --impl fast --profile '" + kProfile + "' --out r").status == 0);
  CHECK(json::parse(read_file(s / "r/report.json"))["suite"]["commit"] == commit);
  CHECK(read_file(s / "r/junit.xml").find("<property name=\"suite_commit\" value=\"" + commit + "\"/>") != std::string::npos);
}

TEST_CASE("sharding: --shard auto takes the part from the launcher's environment", "[shard]") {
  Scratch s;
  const std::pair<std::string, std::pair<int, int>> launches[] = {
      {"LPC_SHARD=2/4", {2, 4}},
      {"OMPI_COMM_WORLD_RANK=1 OMPI_COMM_WORLD_SIZE=3", {2, 3}},
      {"PMI_RANK=0 PMI_SIZE=2", {1, 2}},
      {"JOB_COMPLETION_INDEX=3 LPC_SHARD_COUNT=4", {4, 4}},
      {"SLURM_ARRAY_TASK_ID=6 SLURM_ARRAY_TASK_MIN=2 SLURM_ARRAY_TASK_STEP=2 SLURM_ARRAY_TASK_COUNT=4", {3, 4}}};
  int n = 0;
  for (const auto& [environment, shard] : launches) {
    const std::string out = "auto" + std::to_string(++n);
    const Outcome o = s.sh("env -i PATH=\"$PATH\" " + environment + " '" + kLpconform + "' run --impl fast --profile '" + kProfile +
                           "' --shard auto --out " + out);
    INFO(environment << ": " << o.err);
    REQUIRE(o.status == 0);
    const json r = json::parse(read_file(s / (out + "/report.json")));
    CHECK(r["shard"]["index"] == shard.first);
    CHECK(r["shard"]["count"] == shard.second);
    CHECK(o.err.find("shard " + std::to_string(shard.first) + "/" + std::to_string(shard.second) + " from") != std::string::npos);
  }
  for (const char* bad : {"", "JOB_COMPLETION_INDEX=3", "SLURM_ARRAY_TASK_ID=x", "LPC_SHARD=5/4", "PMI_RANK=2 PMI_SIZE=2"}) {
    const Outcome o = s.sh(std::string("env -i PATH=\"$PATH\" ") + bad + " '" + kLpconform + "' run --impl fast --profile '" + kProfile +
                           "' --shard auto --out bad");
    INFO(bad << ": " << o.err);
    CHECK(o.status == 2);
    CHECK(o.err.find("--shard auto: ") != std::string::npos);
  }
}

TEST_CASE("profiles: every issue profile is bundled, with its item counts; drafts are labelled", "[profiles]") {
  Scratch s;
  const Outcome o = s.lpconform("list profiles");
  REQUIRE(o.status == 0);
  for (const char* name : {"ocp-ofp8-1.0", "ocp-mx-1.0", "ieee-p3109-draft", "hfp8", "ibm-fp4-training"})
    CHECK(o.out.find(std::string("\n") + name + " ") != std::string::npos);
  CHECK(o.out.find("ibm-fp4-training     0.2       40 items (10 required)") != std::string::npos);
  const size_t p3109 = o.out.find("ieee-p3109-draft");
  CHECK(o.out.substr(p3109, o.out.find('\n', p3109) - p3109).find("[DRAFT") != std::string::npos);
}

TEST_CASE("junit.xml: every status renders to schema-valid JUnit XML", "[junit]") {
  Scratch s;
  REQUIRE(s.lpconform("run --impl fast --profile '" + kProfile + "' --out run").status == 0);
  // One item per status (the profile has 7 items, there are 7 statuses); `report merge` of a
  // single whole-run report re-renders every file from the edited JSON.
  json report = json::parse(read_file(s / "run/report.json"));
  const char* statuses[] = {"PASS", "FAIL", "UNSUPPORTED", "WAIVED", "CRASH", "TIMEOUT", "ERROR"};
  REQUIRE(report["items"].size() == std::size(statuses));
  for (size_t i = 1; i < std::size(statuses); ++i) {
    json& item = report["items"][i];
    item["status"] = statuses[i];
    item["message"] = std::string("a <message> & \"quotes\" for ") + statuses[i];
    item["rerun"] = "lpconform run --impl fast --only " + item["signature"].get<std::string>();
  }
  report["items"][1]["first_mismatches"] = json::array({{{"input", "0x3f800000"}, {"got", "0x39"}, {"want", "0x38"}, {"repro", "printf 'input\\n0x3f800000\\n' | lpconform eval"}}});
  write_file(s / "edited.json", report.dump());
  const Outcome o = s.lpconform("report merge edited.json --out merged");
  CHECK(o.status == 1);
  validate_junit(s, "merged/junit.xml");
  const std::string xml = read_file(s / "merged/junit.xml");
  // The schema is tight enough to refuse what Jenkins' junit-10.xsd refuses: `skipped` on <testsuites>.
  if (xmllint_available()) {
    std::string refused = xml;
    refused.replace(refused.find("<testsuites name=\"lpconform\""), 29, "<testsuites name=\"lpconform\" skipped=\"2\"");
    write_file(s / "refused.xml", refused);
    CHECK(s.sh("xmllint --noout --schema '" + kDataDir + "/junit.xsd' refused.xml").status != 0);
  }
  CHECK(xml.find("<testsuites name=\"lpconform\" tests=\"7\" failures=\"1\" errors=\"3\" time=") != std::string::npos);
  CHECK(xml.find("\" skipped=\"2\" timestamp=") != std::string::npos);  // on <testsuite>
  CHECK(xml.find("&lt;message&gt; &amp; &quot;quotes&quot;") != std::string::npos);
  // The summary lists the required items that did not pass; the optional ones are one count.
  const std::string md = read_file(s / "merged/summary.md");
  CHECK(md.find("| FAIL | required |") != std::string::npos);
  CHECK(md.find("| UNSUPPORTED | required |") != std::string::npos);
  CHECK(md.find("| CRASH |") == std::string::npos);
  CHECK(md.find("Optional items not passing (never gating; each is in `failures.csv`): 1 CRASH, 1 TIMEOUT, 1 ERROR.") != std::string::npos);
}

// ---- issue 15: a report set you can trust ---------------------------------------------------------

TEST_CASE("integrity: a kill or a failed write keeps the previous report set whole, no temporary left", "[integrity]") {
  Scratch s;
  const std::string run = "'" + kLpconform + "' run --impl fast --profile '" + kProfile + "' --out reports";
  REQUIRE(s.sh(run + " >/dev/null").status == 0);
  std::map<std::string, std::string> before;
  for (const char* f : {"report.json", "junit.xml", "summary.md", "failures.csv"}) before[f] = read_file(s / "reports" / f);
  auto same_set = [&] {
    for (const auto& [name, text] : before) CHECK(read_file(s / "reports" / name) == text);
    size_t files = 0;
    for (const auto& entry : fs::directory_iterator(s / "reports")) files += entry.is_regular_file();
    CHECK(files == 4);
  };
  auto temporaries = [&] {
    size_t n = 0;
    for (const auto& entry : fs::directory_iterator(s.dir)) n += entry.path().filename().string().starts_with("reports.tmp-");
    return n;
  };

  SECTION("a write error (file size limit, as a full disk) names the OS error, exit 3") {
    const Outcome o = s.sh("trap '' XFSZ; ulimit -f 2; " + run + " --seed 5 >/dev/null");
    CHECK(o.status == 3);
    CHECK(o.err.find("File too large") != std::string::npos);
    CHECK(o.err.find("internal error") == std::string::npos);
    same_set();
    CHECK(temporaries() == 0);
  }
  SECTION("a kill while writing (SIGXFSZ) leaves the previous set; the next run clears the leftover") {
    const Outcome o = s.sh("ulimit -f 2; " + run + " --seed 5 >/dev/null");
    CHECK(o.status != 0);
    same_set();
    CHECK(temporaries() == 1);
    REQUIRE(s.sh(run + " --seed 5 >/dev/null").status == 0);
    CHECK(temporaries() == 0);
    CHECK(json::parse(read_file(s / "reports/report.json"))["seed"] == 5);
  }
  SECTION("--out holding other files is refused before the run, and left alone") {
    write_file(s / "reports/notes.txt", "mine");
    const Outcome o = s.sh(run);
    CHECK(o.status == 2);
    CHECK(o.out.empty());
    CHECK(o.err.find("--out: 'reports' holds 'notes.txt', which is not a report file") != std::string::npos);
    CHECK(read_file(s / "reports/notes.txt") == "mine");
  }
}

TEST_CASE("integrity: invalid UTF-8 and control characters from outside never cost a report", "[integrity]") {
  Scratch s;
  write_file(s / "waivers.csv", "implementation,version,signature,reason,expires\nfast,*,fast-decode-*,bug \xff\x1b[31m | ]]> <b>,2999-12-31\n");
  const Outcome o = s.sh("'" + kLpconform + "' run --impl fast --profile '" + kProfile + "' --waivers waivers.csv --out \"$(printf 'r\\377\\033')\"");
  CHECK(o.status == 0);
  CHECK(o.out.substr(0, o.out.find("\nreports: ")).find("\x1b") == std::string::npos);  // the summary; the paths are as given
  const std::string dir = "r\xff\x1b";
  const json report = json::parse(read_file(s / dir / "report.json"));  // throws on invalid UTF-8
  CHECK(report["waivers"][0]["reason"] == "bug \xEF\xBF\xBD\x1b[31m | ]]> <b>");
  CHECK(report["command"].get<std::string>().find("--out r\xEF\xBF\xBD\x1b") != std::string::npos);
  const std::string md = read_file(s / dir / "summary.md");
  CHECK(md.find("| bug \xEF\xBF\xBD\xEF\xBF\xBD[31m \\| ]]> <b> |") != std::string::npos);
  CHECK(md.find("\x1b") == std::string::npos);
  fs::rename(s / dir / "junit.xml", s / "junit.xml");
  validate_junit(s, "junit.xml");
}

TEST_CASE("integrity: report merge refuses a malformed shard field with exit 2, never a crash", "[integrity]") {
  Scratch s;
  REQUIRE(s.lpconform("run --impl fast --profile '" + kProfile + "' --out whole").status == 0);
  const json whole = json::parse(read_file(s / "whole/report.json"));
  const std::pair<const char*, json> faults[] = {
      {"/shard/count", -1}, {"/shard/count", 4294967295u}, {"/shard/count", 0}, {"/shard/index", 100}, {"/shard/index", "1"},
      {"/items/0/index", -3}, {"/items/0/status", "BETTER"}, {"/threads", 1.5}};
  for (const auto& [pointer, value] : faults) {
    INFO(pointer << " = " << value.dump());
    json bad = whole;
    bad[json::json_pointer(pointer)] = value;
    write_file(s / "bad.json", bad.dump());
    const Outcome o = s.lpconform("report merge bad.json --out merged");
    CHECK(o.status == 2);
    CHECK(o.err.find("bad.json: ") != std::string::npos);
    CHECK_FALSE(fs::exists(s / "merged"));
  }
}

TEST_CASE("integrity: output that cannot be written fails the command", "[integrity]") {
  Scratch s;
  for (const std::string command : {"list ops", "list formats", "explain --format float8_e4m3fn 464", "--help",
                                    "chip run --layer conv:224,224,11,11,3,96,4 --no-values"}) {
    INFO(command);
    const Outcome o = s.sh("'" + kLpconform + "' " + command + " >/dev/full");
    CHECK(o.status == 3);
    CHECK(o.err.find("cannot write to standard output") != std::string::npos);
  }
  const Outcome eval = s.sh("printf 'code\\n0x7e\\n' | '" + kLpconform + "' eval decode --format float8_e4m3fn >/dev/full");
  CHECK(eval.status == 3);
}

TEST_CASE("integrity: numeric options outside their range are usage errors", "[integrity]") {
  Scratch s;
  const std::string run = "run --impl fast --profile '" + kProfile + "' --out r ";
  for (const std::string options : {"--seed -1", "--seed 18446744073709551616", "--seed 1e3", "--memory-limit 17592186044416",
                                    "--memory-limit -1", "--shard 1/4294967295", "--shard 1/-1", "--max-mismatches -1", "--jobs 100000"}) {
    INFO(options);
    const Outcome o = s.lpconform(run + options);
    CHECK(o.status == 2);
    CHECK(o.out.empty());
  }
  CHECK(s.lpconform("vectors gen --profile '" + kProfile + "' --out v --seed -1").status == 2);
  CHECK(s.lpconform("chip run --layer conv:224,224,11,11,3,96,4 --no-values --seed -1").status == 2);
  // The largest values that fit are taken as written (leading zeros are decimal, not octal).
  REQUIRE(s.lpconform(run + "--seed 010 --memory-limit 17592186044415").status == 0);
  CHECK(json::parse(read_file(s / "r/report.json"))["seed"] == 10);
}

TEST_CASE("integrity: a profile is its name, version and content; vectors check holds the manifest to it", "[integrity]") {
  Scratch s;
  SECTION("a modified copy of a bundled profile says so") {
    REQUIRE(s.lpconform("list profiles").status == 0);
    REQUIRE(s.sh("'" + kLpconform + "' vectors gen --profile ocp-ofp8-1.0 --out g >/dev/null").status == 0);
    std::string text = json::parse(read_file(s / "g/manifest.json"))["profile"]["text"];
    for (size_t at; (at = text.find(",required")) != std::string::npos;) text.replace(at, 9, ",optional");
    write_file(s / "ocp-ofp8-1.0.csv", text);
    const Outcome o = s.lpconform("run --impl fast --profile ./ocp-ofp8-1.0.csv --only '*decode*' --out r");
    REQUIRE(o.status == 0);
    CHECK(o.out.find("profile ocp-ofp8-1.0 1.0 (modified: not the bundled profile)") != std::string::npos);
    const json report = json::parse(read_file(s / "r/report.json"));
    CHECK(report["profile"]["modified"] == true);
    CHECK(read_file(s / "r/summary.md").find("(modified: not the bundled profile)") != std::string::npos);
    REQUIRE(s.lpconform("run --impl fast --profile ocp-ofp8-1.0 --only '*decode*' --out b").status == 0);
    const json bundled = json::parse(read_file(s / "b/report.json"));
    CHECK(bundled["profile"]["modified"] == false);
    CHECK(bundled["profile"]["sha256"] != report["profile"]["sha256"]);
  }
  SECTION("a manifest whose profile text was edited is refused") {
    generate_good_results(s);
    json manifest = json::parse(read_file(s / "vectors/manifest.json"));
    std::string text = manifest["profile"]["text"];
    text.replace(text.find(",required"), 9, ",optional");
    manifest["profile"]["text"] = text;
    write_file(s / "vectors/manifest.json", manifest.dump());
    const Outcome o = check(s, "results.csv");
    CHECK(o.status == 2);
    CHECK(o.err.find("its profile text does not match the profile's sha256") != std::string::npos);
  }
}
