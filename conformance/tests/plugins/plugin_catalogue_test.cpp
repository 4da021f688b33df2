// The vendor-plugin path end to end (issue 3 §9): the correct example plugin passes ocp-ofp8-1.0
// out of process, every op of the registry reaches a plugin (ABI 2), and every plugin of the
// faulty catalogue (faulty_plugin.cpp) is caught with the right status — FAIL for wrong values, CRASH / TIMEOUT / ERROR for misbehaviour, with the first
// failing input found by bisection — while this process, the runner, carries on.
#include <catch2/catch.hpp>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>

#include <unistd.h>

#include "conformance/bundled/bundled.hpp"
#include "conformance/core/runner.hpp"
#include "conformance/ops/derive.hpp"
#include "conformance/plugin/plugin_implementation.hpp"
#include "conformance/plugin/replies.hpp"

namespace lpc {
namespace {

constexpr const char* kBfloat16Item = "*-encode-float8_e4m3fn-rne-sat-bfloat16";
constexpr const char* kOne = "0x3f80";  // bfloat16 1.0: the input the fatal faults fire on

RunResult run(const char* plugin_path, const std::string& only, plugin::IsolationOptions isolation = {}, const Profile& profile = load_profile("ocp-ofp8-1.0"),
              std::vector<Waiver> waivers = {}) {
  plugin::set_isolation_options(isolation);
  const Implementation& subject = plugin::plugin_implementation(plugin_path);
  RunOptions options;
  options.waivers = std::move(waivers);
  options.only = only;
  options.threads = 2;
  options.max_mismatches = 1 << 20;  // every mismatch recorded, so a test can look for a particular one
  return run_profile(profile, subject, reference_implementation(), options);
}

// Every item of `op`: each choice of each item parameter it sweeps, with 2 random cases.
Profile every_item(const ops::OpSchema& op) {
  std::string every;
  for (const ops::ParamSpec& spec : op.params)
    if (spec.scope == ops::ParamScope::Item && spec.type == ops::ParamType::Choice) every += (every.empty() ? "" : ";") + spec.name + "=*";
  Profile p;
  for (const ops::Params& params : ops::expand_row(op, every))
    p.items.push_back(Item{.op = Op::Registered, .inputs = InputSpec{false, false, 2}, .schema = &op, .op_params = params});
  return p;
}

constexpr const char* kGemmItem = "*-gemm-int8_inference-random";

// Runs one item and checks its status, a fragment of its message, and (when given) the first
// failing input the bisection reported.
void expect_caught(const char* plugin_path, const char* only, Status status, const std::string& message_part,
                   const char* failing_input = nullptr, plugin::IsolationOptions isolation = {}) {
  const RunResult result = run(plugin_path, only, isolation);
  REQUIRE(result.items.size() == 1);
  const ItemResult& item = result.items[0];
  INFO(item.signature << ": " << to_string(item.status) << ": " << item.message);
  CHECK(item.status == status);
  CHECK(item.message.find(message_part) != std::string::npos);
  if (failing_input) {
    REQUIRE_FALSE(item.first_mismatches.empty());
    CHECK(item.first_mismatches[0].input == failing_input);
    CHECK(item.first_mismatches[0].repro.find(std::string("--impl plugin:") + plugin_path) != std::string::npos);
  }
}

TEST_CASE("the example plugin passes ocp-ofp8-1.0 out of process", "[plugin]") {
  const RunResult result = run(LPC_FAULTY_NONE, "");
  CHECK(result.required_passed());
  for (const ItemResult& item : result.items) {
    INFO(item.signature << ": " << item.message);
    CHECK(item.status == (item.item.required ? Status::Pass : Status::Unsupported));  // the example does RNE only
  }
  CHECK(result.subject->description.find("faulty-none") != std::string::npos);
}

TEST_CASE("wrong values are FAIL with the mismatching inputs", "[plugin]") {
  expect_caught(LPC_FAULTY_WRONG_TIE, kBfloat16Item, Status::Fail, "disagree");
  expect_caught(LPC_FAULTY_NAN_FOR_SAT, kBfloat16Item, Status::Fail, "disagree");
  expect_caught(LPC_FAULTY_FLUSHED_SUBNORMALS, kBfloat16Item, Status::Fail, "disagree");
  expect_caught(LPC_FAULTY_BIAS_OFF_BY_ONE, "*-decode-float8_e4m3fn", Status::Fail, "decode differently");
  expect_caught(LPC_FAULTY_NEGATIVE_ZERO, "*-decode-float8_e5m2", Status::Fail, "decode differently");
  expect_caught(LPC_FAULTY_NEGATIVE_ZERO, kBfloat16Item, Status::Fail, "disagree");
}

TEST_CASE("a tie rule error shows on a tie", "[plugin]") {
  const RunResult result = run(LPC_FAULTY_WRONG_TIE, kBfloat16Item);
  REQUIRE(result.items.size() == 1);
  REQUIRE_FALSE(result.items[0].first_mismatches.empty());
  // bfloat16 0x3f88 = 1.0625, halfway between the float8_e4m3fn values 1 (0x38) and 1.125 (0x39).
  bool seen = false;
  for (const Mismatch& m : result.items[0].first_mismatches) seen |= m.input == "0x3f88" && m.got == "0x39" && m.want == "0x38";
  CHECK(seen);
}

TEST_CASE("a dying plugin is CRASH, bisected to the input that kills it", "[plugin]") {
  expect_caught(LPC_FAULTY_SEGFAULT, kBfloat16Item, Status::Crash, "SIGSEGV", kOne);
  expect_caught(LPC_FAULTY_ABORT, kBfloat16Item, Status::Crash, "SIGABRT", kOne);
  expect_caught(LPC_FAULTY_OVERRUN, kBfloat16Item, Status::Crash, "0 bytes past the end of the codes output buffer", kOne);
  expect_caught(LPC_FAULTY_MEMORY_BLOWUP, kBfloat16Item, Status::Crash, "SIGSEGV", kOne, {10, 256});
}

TEST_CASE("a hanging plugin is TIMEOUT, bisected, and the worker replaced", "[plugin]") {
  expect_caught(LPC_FAULTY_HANG, kBfloat16Item, Status::Timeout, "no answer within 0.25 s", kOne, {0.25, 4096});
}

TEST_CASE("error status, exception and malformed output are ERROR, bisected", "[plugin]") {
  expect_caught(LPC_FAULTY_ERROR_STATUS, kBfloat16Item, Status::Error, "simulated device error", kOne);
  expect_caught(LPC_FAULTY_EXCEPTION, kBfloat16Item, Status::Error, "exception escaped the C ABI boundary: simulated driver failure", kOne);
  expect_caught(LPC_FAULTY_MALFORMED_OUTPUT, kBfloat16Item, Status::Error, "malformed output: code 0x100", kOne);
}

TEST_CASE("a crashing plugin still gets a complete report", "[plugin]") {
  const RunResult all = run(LPC_FAULTY_NONE, "");
  const RunResult result = run(LPC_FAULTY_SEGFAULT, "");
  REQUIRE(result.items.size() == all.items.size());
  size_t crashed = 0, passed = 0;
  for (const ItemResult& item : result.items) {
    crashed += item.status == Status::Crash;
    passed += item.status == Status::Pass;
  }
  CHECK(crashed > 0);
  CHECK(passed > 0);  // the decode items and the encode items without 1.0 ran on fresh workers
  CHECK_FALSE(result.required_passed());
}

TEST_CASE("every op of the registry reaches a plugin through the generic entry point (ABI 2)", "[plugin]") {
  for (const ops::OpSchema* op : ops::registered_ops()) {
    INFO(op->name);
    // The bundled fast implementation as a plugin takes the ops fast binds to; the example plugin
    // gemm on the int8-inference chip (and requantize under tosa_single, below).
    const bool fast = op->binding("fast") != nullptr;
    const RunResult result = run(fast ? LPC_FAST_PLUGIN : LPC_FAULTY_NONE, "", {}, every_item(*op));
    REQUIRE(!result.items.empty());
    for (const ItemResult& item : result.items) {
      INFO(item.signature << ": " << to_string(item.status) << ": " << item.message);
      const bool taken = fast || (op->name == "gemm" && item.signature.find("-int8_inference-") != std::string::npos);
      CHECK(item.status == (taken ? Status::Pass : Status::Unsupported));
      CHECK((item.checked > 0) == taken);
    }
  }
  const RunResult requantize = run(LPC_FAULTY_NONE, "*-requantize-tosa_single-*", {}, every_item(*ops::find_op("requantize")));
  CHECK(requantize.items.size() == 21);  // the input and output types tosa_single takes
  for (const ItemResult& item : requantize.items) {
    INFO(item.signature << ": " << item.message);
    CHECK(item.status == Status::Pass);
  }
}

TEST_CASE("an op plugin's wrong values, overruns, unwritten outputs and bad counts are caught", "[plugin]") {
  const Profile gemm = every_item(*ops::find_op("gemm"));
  auto expect = [&](const char* plugin_path, Status status, const std::string& message_part) {
    const RunResult result = run(plugin_path, kGemmItem, {}, gemm);
    REQUIRE(result.items.size() == 1);
    const ItemResult& item = result.items[0];
    INFO(item.signature << ": " << to_string(item.status) << ": " << item.message);
    CHECK(item.status == status);
    CHECK(item.message.find(message_part) != std::string::npos);
  };
  expect(LPC_FAULTY_OP_WRONG_VALUE, Status::Fail, "");
  expect(LPC_FAULTY_OP_OVERRUN, Status::Crash, "0 bytes past the end of the output 'output' buffer");
  expect(LPC_FAULTY_OP_UNWRITTEN, Status::Error, "output 'accumulator' was never written");
  expect(LPC_FAULTY_OP_BAD_COUNT, Status::Error, "the count of output 'output' to 1");
}

TEST_CASE("an ABI version 1 plugin loads and passes unchanged, without ops", "[plugin]") {
  const RunResult result = run(LPC_FAULTY_ABI_V1, "");
  CHECK(result.required_passed());
  CHECK(result.subject->description.find("vendor ABI 1") != std::string::npos);
  CHECK(!result.subject->run);
  const RunResult gemm = run(LPC_FAULTY_ABI_V1, kGemmItem, {}, every_item(*ops::find_op("gemm")));
  REQUIRE(gemm.items.size() == 1);
  CHECK(gemm.items[0].status == Status::Unsupported);
}

// Containment. The pids a fault wrote to $LPC_FAULTY_PID_FILE under `role` ("worker", "child").
std::vector<long> noted_pids(const std::string& path, const std::string& role) {
  std::vector<long> pids;
  std::ifstream in(path);
  std::string r;
  for (long pid; in >> r >> pid;)
    if (r == role) pids.push_back(pid);
  return pids;
}

// Gone, or a zombie waiting for whoever reaps it.
bool process_gone(long pid) {
  std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
  std::string fields;
  if (!std::getline(stat, fields)) return true;
  const size_t end_of_name = fields.rfind(')');
  return end_of_name != std::string::npos && fields.compare(end_of_name + 2, 1, "Z") == 0;
}

// Runs `body` with $LPC_FAULTY_PID_FILE set to a fresh file, and returns the file's path.
template <class Body>
std::string with_pid_file(const char* name, const Body& body) {
  const std::string path = std::filesystem::temp_directory_path() / (std::string("lpc-pids-") + name + "-" + std::to_string(getpid()));
  std::filesystem::remove(path);
  setenv("LPC_FAULTY_PID_FILE", path.c_str(), 1);
  body();
  unsetenv("LPC_FAULTY_PID_FILE");
  return path;
}

TEST_CASE("no process a plugin starts outlives its batch", "[plugin][containment]") {
  const std::string pids = with_pid_file("fork_child", [] {
    const RunResult result = run(LPC_FAULTY_FORK_CHILD, kBfloat16Item);
    REQUIRE(result.items.size() == 1);
    CHECK(result.items[0].status == Status::Pass);
  });
  const std::vector<long> children = noted_pids(pids, "child");
  REQUIRE(!children.empty());
  for (long pid : children) CHECK(process_gone(pid));
  std::filesystem::remove(pids);
}

TEST_CASE("a plugin that forks and aborts is CRASH at once, and its child is killed", "[plugin][containment]") {
  // Before: the child kept the worker's socket open, and the batch waited for its time limit (TIMEOUT).
  const auto start = std::chrono::steady_clock::now();
  const std::string pids =
      with_pid_file("fork_abort", [] { expect_caught(LPC_FAULTY_FORK_ABORT, kBfloat16Item, Status::Crash, "SIGABRT", kOne, {30, 4096}); });
  CHECK(std::chrono::steady_clock::now() - start < std::chrono::seconds(20));
  const std::vector<long> children = noted_pids(pids, "child");
  REQUIRE(!children.empty());
  std::this_thread::sleep_for(std::chrono::milliseconds(200));  // SIGKILL is delivered asynchronously
  for (long pid : children) CHECK(process_gone(pid));
  std::filesystem::remove(pids);
}

TEST_CASE("a forged frame header is ERROR, bounded by what the request can produce", "[plugin][containment]") {
  // Before: a 2 GiB header cost the runner 2 GiB of memory and waited for the bytes.
  expect_caught(LPC_FAULTY_FORGED_FRAME, kBfloat16Item, Status::Error, "a frame of 2147483648 bytes", kOne);
}

TEST_CASE("plugin text is repaired to UTF-8 without control characters", "[plugin][containment]") {
  const RunResult result = run(LPC_FAULTY_BAD_TEXT, kBfloat16Item);
  REQUIRE(result.items.size() == 1);
  const ItemResult& item = result.items[0];
  CHECK(item.status == Status::Error);
  for (const std::string& text : {item.message, result.subject->description}) {
    INFO(text);
    CHECK(text.find("\xEF\xBF\xBD") != std::string::npos);  // U+FFFD where a byte was invalid or a control
    for (const char c : text) {
      const auto byte = static_cast<unsigned char>(c);
      CHECK(byte >= 0x20);
      CHECK(byte != 0x7F);
      CHECK(byte != 0xFF);
    }
  }
  CHECK(item.message.find(" device ") != std::string::npos);  // the valid text kept
  CHECK(plugin::repaired_text("caf\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x98\x80") == "caf\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x98\x80");  // valid UTF-8 unchanged
  CHECK(plugin::repaired_text("\xC0\xAF\xED\xA0\x80\xF4\x90\x80\x80") ==
        "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD");  // overlong, surrogate, above U+10FFFF: one per byte
}

// What a shell prints running `command`, with the lpconform binary on PATH.
std::string shell_output(const std::string& command, int& status) {
  const std::string bin = std::filesystem::path(LPC_CLI).parent_path().string();
  FILE* pipe = popen(("PATH='" + bin + "':\"$PATH\"; " + command + " 2>&1").c_str(), "r");
  REQUIRE(pipe);
  std::string out;
  char buffer[4096];
  for (size_t n; (n = fread(buffer, 1, sizeof buffer, pipe)) > 0;) out.append(buffer, n);
  status = pclose(pipe);
  return out;
}

TEST_CASE("a plugin is named by its declared name; its path and hash are in the report", "[plugin][identity]") {
  // A copy in a folder whose name needs quoting in a shell.
  const std::filesystem::path dir = std::filesystem::temp_directory_path() / ("lpc plugin's copy " + std::to_string(getpid()));
  std::filesystem::create_directories(dir);
  const std::filesystem::path copy = dir / "libacme.so";
  std::filesystem::copy_file(LPC_FAULTY_WRONG_TIE, copy, std::filesystem::copy_options::overwrite_existing);
  const Implementation& subject = plugin::plugin_implementation(copy.string());
  CHECK(subject.name == "faulty-wrong_tie");
  CHECK(subject.library == copy.string());
  int status = 0;
  const std::string sum = shell_output("sha256sum " + shell_word(copy.string()), status);  // an independent hash
  CHECK(sum.substr(0, 64) == subject.library_sha256);

  const RunResult result = run(copy.c_str(), kBfloat16Item);
  REQUIRE(result.items.size() == 1);
  const ItemResult& item = result.items[0];
  CHECK(item.signature == "faulty-wrong_tie-encode-float8_e4m3fn-rne-sat-bfloat16");
  REQUIRE(item.status == Status::Fail);
  // The repro line selects the library by its path, shell-quoted, and fails again when run.
  const std::string repro = item.first_mismatches.at(0).repro;
  CHECK(repro.find("--impl 'plugin:" + dir.string().substr(0, dir.string().find('\'')) + "'\\''") != std::string::npos);
  const std::string rerun = shell_output(repro, status);
  INFO(repro << "\n" << rerun);
  CHECK(status == 0);
  CHECK(rerun.find(item.first_mismatches.at(0).input + "," + item.first_mismatches.at(0).got) != std::string::npos);
  // Waivers select it by its declared name.
  const RunResult waived =
      run(copy.c_str(), kBfloat16Item, {}, load_profile("ocp-ofp8-1.0"),
          parse_waivers("implementation,version,signature,reason,expires\nfaulty-wrong_tie,*,faulty-wrong_tie-encode-*,known tie bug,2099-12-31\n", "w.csv"));
  REQUIRE(waived.items.size() == 1);
  CHECK(waived.items[0].status == Status::Waived);
  std::filesystem::remove_all(dir);
}

TEST_CASE("values as results: a plugin that returns values passes; a value off the format's grid is ERROR", "[plugin][values]") {
  // The same verdicts, item for item, as the example that returns codes.
  const RunResult result = run(LPC_FAULTY_VALUES, "");
  const RunResult codes = run(LPC_FAULTY_NONE, "");
  CHECK(result.required_passed());
  REQUIRE(result.items.size() == codes.items.size());
  for (size_t i = 0; i < codes.items.size(); ++i) {
    INFO(result.items[i].signature << ": " << result.items[i].message);
    CHECK(result.items[i].status == codes.items[i].status);
    CHECK(result.items[i].checked == codes.items[i].checked);
  }
  CHECK(result.subject->description.find("encode returns values") != std::string::npos);
  expect_caught(LPC_FAULTY_VALUES_OFF_GRID, kBfloat16Item, Status::Error, "is not a value of float8_e4m3fn", kOne);
  CHECK(plugin::code_of_value(*find_format("float8_e4m3fn"), -0.0) == 0x80u);
  CHECK(plugin::code_of_value(*find_format("float8_e4m3fn"), 448.0) == 0x7eu);
  CHECK(plugin::code_of_value(*find_format("float8_e4m3fn"), 464.0) == std::nullopt);
  CHECK(plugin::code_of_value(*find_format("float8_e5m2"), -INFINITY) == 0xfcu);
  CHECK(plugin::code_of_value(*find_format("float4_e2m1fn"), NAN) == std::nullopt);  // no NaN in the format
  CHECK(plugin::code_of_value(*find_format("int8"), -128.0) == 0x80u);
}

TEST_CASE("declared variants: honoured when declared, FAIL when not, never where the profile forbids them", "[plugin][variants]") {
  // ftz: the deviation of flushed_subnormals (FAIL above), declared.
  const RunResult ftz = run(LPC_FAULTY_FTZ_DECLARED, "");
  CHECK(ftz.required_passed());
  CHECK(ftz.variants == std::vector<std::string>{"ftz"});
  CHECK(ftz.subject->variants == std::vector<std::string>{"ftz"});
  Profile strict = load_profile("ocp-ofp8-1.0");
  strict.info.forbidden_variants = {"ftz", "daz", "f64_via_f32"};
  const RunResult forbidden = run(LPC_FAULTY_FTZ_DECLARED, kBfloat16Item, {}, strict);
  REQUIRE(forbidden.items.size() == 1);
  CHECK(forbidden.items[0].status == Status::Fail);
  CHECK(forbidden.variants.empty());
  // A profile that requires ftz checks the plain example under it: its subnormal results FAIL.
  Profile flushing = load_profile("ocp-ofp8-1.0");
  flushing.info.required_variants = {"ftz"};
  const RunResult required = run(LPC_FAULTY_NONE, kBfloat16Item, {}, flushing);
  REQUIRE(required.items.size() == 1);
  CHECK(required.items[0].status == Status::Fail);
  // daz: every float16 pattern is an input; its subnormals above 2^-17 are nonzero float8_e5m2 values.
  CHECK(run(LPC_FAULTY_DAZ_DECLARED, "").required_passed());
  CHECK(run(LPC_FAULTY_DAZ_DECLARED, "*-encode-float8_e5m2-rne-sat-float16", {}, strict).items.at(0).status == Status::Fail);
  // f64_via_f32: the float64 boundary inputs one ulp off a rounding breakpoint round twice.
  const Profile f64 = parse_profile("@version 1\nop,format,rounding,overflow,source,inputs,requirement\n"
                                    "encode,float8_e4m3fn|float8_e5m2,rne,sat|nonsat,float64,boundary+random:4096,required\n",
                                    "f64", "f64.csv");
  CHECK(run(LPC_FAULTY_F64_VIA_F32, "", {}, f64).required_passed());
  Profile f64_strict = f64;
  f64_strict.info.forbidden_variants = {"f64_via_f32"};
  CHECK(!run(LPC_FAULTY_F64_VIA_F32, "", {}, f64_strict).required_passed());
}

TEST_CASE("a plugin that cannot be loaded is a clear error", "[plugin]") {
  CHECK_THROWS_WITH(plugin::plugin_implementation("/nonexistent/libnothing.so"), Catch::Contains("no such file"));
  CHECK_THROWS_WITH(plugin::plugin_implementation(LPC_NOT_A_PLUGIN), Catch::Contains("dlopen failed"));  // an executable
}

}  // namespace
}  // namespace lpc
