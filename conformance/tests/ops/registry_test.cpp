// The op registry: for every declared op, the derived forms agree with each other and with the
// declaration, and a planted bug in a subject is caught with the item's signature and a repro line
// that parses back to the failing case.
#include <catch2/catch.hpp>

#include <bit>
#include <map>
#include <random>
#include <cstdio>
#include <cstdlib>
#include <unistd.h>
#include <string>
#include <nlohmann/json.hpp>

#include "conformance/bundled/bundled.hpp"
#include "conformance/core/profile.hpp"
#include "conformance/core/runner.hpp"
#include "conformance/ops/derive.hpp"
#include "spec/chip/config.hpp"

namespace lpc::ops {
namespace {

// The (--NAME, VALUE) pairs of a repro line "[PRODUCER |] lpconform eval OP --NAME VALUE ... --impl
// IMPL", the op and implementation, and what the producer (printf, yes | head) writes, run by
// /bin/sh. Values in the suite's repro lines need no shell unquoting but '...'.
struct ParsedRepro {
  std::string op, impl;
  std::vector<std::pair<std::string, std::string>> params;
  std::string stdin_csv;  // the producer's output; empty when none
};

// What /bin/sh prints running `command`, read from a script file (a line may be longer than one
// argument may be: a whole boundary case's rows).
std::string shell_output(const std::string& command) {
  char path[] = "/tmp/lpc-repro-XXXXXX";
  const int fd = mkstemp(path);
  REQUIRE(fd >= 0);
  REQUIRE(write(fd, command.data(), command.size()) == static_cast<ssize_t>(command.size()));
  close(fd);
  FILE* pipe = popen(("sh " + std::string(path)).c_str(), "r");
  REQUIRE(pipe);
  std::string out;
  char buffer[65536];
  for (size_t n; (n = fread(buffer, 1, sizeof buffer, pipe)) > 0;) out.append(buffer, n);
  REQUIRE(pclose(pipe) == 0);
  unlink(path);
  return out;
}

ParsedRepro parse_repro(std::string line) {
  std::string csv;
  if (const size_t at = line.rfind(" | lpconform eval "); at != std::string::npos) {
    csv = shell_output(line.substr(0, at));
    line = line.substr(at + 3);
  }
  std::vector<std::string> words;
  for (size_t i = 0; i < line.size();) {
    if (line[i] == ' ') { ++i; continue; }
    std::string w;
    if (line[i] == '\'') {
      const size_t end = line.find('\'', i + 1);
      w = line.substr(i + 1, end - i - 1);
      i = end + 1;
    } else {
      const size_t end = std::min(line.find(' ', i), line.size());
      w = line.substr(i, end - i);
      i = end;
    }
    words.push_back(w);
  }
  REQUIRE(words.size() >= 3);
  REQUIRE(words[0] == "lpconform");
  REQUIRE(words[1] == "eval");
  ParsedRepro r{words[2], "", {}, csv};
  for (size_t i = 3; i + 1 < words.size(); i += 2) {
    REQUIRE(words[i].starts_with("--"));
    if (words[i] == "--impl") r.impl = words[i + 1];
    else r.params.emplace_back(words[i].substr(2), words[i + 1]);
  }
  return r;
}

TEST_CASE("registry: every op's declaration is complete", "[registry]") {
  REQUIRE(!registered_ops().empty());
  for (const OpSchema* op : registered_ops()) {
    INFO(op->name);
    CHECK(find_op(op->name) == op);
    CHECK(!op->summary.empty());
    CHECK(!op->clause.empty());
    CHECK(!op->outputs.empty());
    CHECK(op->cases);
    CHECK(op->binding("reference"));
    for (const ParamSpec& p : op->params) {
      INFO(p.name);
      CHECK(!p.doc.empty());
      CHECK(!p.clause.empty());
      if (!p.default_text.empty()) CHECK_NOTHROW(parse_value(p, p.default_text));
    }
  }
}

// The list tensors of a repro's stdin CSV, in the op's input order: a header of their names, then
// a row per element (float32 as bits, codes in hex, integers and float64 values in decimal; blank
// past a shorter list's end).
std::vector<Tensor> read_lists(const OpSchema& op, const std::string& csv) {
  std::vector<Tensor> out(op.inputs.size());
  std::vector<std::vector<std::string>> rows;
  for (size_t pos = 0; pos < csv.size();) {
    const size_t end = csv.find('\n', pos);
    std::vector<std::string> fields;
    const std::string line = csv.substr(pos, end - pos);
    for (size_t f = 0; f <= line.size();) {
      const size_t comma = std::min(line.find(',', f), line.size());
      fields.push_back(line.substr(f, comma - f));
      f = comma + 1;
    }
    rows.push_back(fields);
    pos = end + 1;
  }
  REQUIRE(!rows.empty());
  // The header names the lists in the op's order; an optional one left empty is left out.
  std::vector<size_t> column_of(op.inputs.size(), SIZE_MAX);
  size_t next = 0;
  for (size_t k = 0; k < op.inputs.size(); ++k) {
    out[k].is_float = op.inputs[k].type == ElemType::Float32 || op.inputs[k].type == ElemType::Real;
    if (next < rows[0].size() && rows[0][next] == op.inputs[k].name) column_of[k] = next++;
    else CHECK(op.inputs[k].optional);
  }
  REQUIRE(next == rows[0].size());
  for (size_t i = 1; i < rows.size(); ++i) {
    REQUIRE(rows[i].size() == rows[0].size());
    for (size_t k = 0; k < op.inputs.size(); ++k) {
      if (column_of[k] == SIZE_MAX) continue;
      const std::string& cell = rows[i][column_of[k]];
      if (cell.empty()) continue;  // a shorter list has ended
      if (op.inputs[k].type == ElemType::Real) out[k].floats.push_back(std::stod(cell));  // the shortest decimal that reads back
      else if (out[k].is_float) out[k].floats.push_back(std::bit_cast<float>(static_cast<uint32_t>(std::stoul(cell, nullptr, 16))));
      else out[k].ints.push_back(std::stoll(cell, nullptr, 0));
    }
  }
  for (Tensor& t : out) t.shape = {t.size()};
  return out;
}

// The same tensors: shapes, and elements by same_element (NaN as a class, the sign of zero counts).
bool same_tensors(const std::vector<Tensor>& a, const std::vector<Tensor>& b) {
  if (a.size() != b.size()) return false;
  for (size_t k = 0; k < a.size(); ++k) {
    if (a[k].shape != b[k].shape || a[k].size() != b[k].size() || a[k].is_float != b[k].is_float) return false;
    for (size_t i = 0; i < a[k].size(); ++i)
      if (!same_element(a[k], i, b[k], i)) return false;
  }
  return true;
}

TEST_CASE("registry: cases round-trip through JSON and the repro command", "[registry]") {
  for (const OpSchema* op : registered_ops()) {
    INFO(op->name);
    for (const Params& item : expand_row(*op, "")) {
      std::vector<OpCase> cases = op->cases(item, InputSpec{false, true, 3}, 7);
      REQUIRE(!cases.empty());
      for (OpCase& c : cases) {
        c.op = op;
        CHECK_NOTHROW(validate_params(*op, c.params));
        CHECK((!op->inputs_error || !op->inputs_error(c)));
        if (op->make_inputs) CHECK(op->make_inputs(c.params) == c.inputs);
        // JSON: the same op, parameters and tensors back.
        const OpCase from_json = case_from_json(case_json(c));
        CHECK(from_json.op == op);
        CHECK(from_json.params == c.params);
        CHECK(same_tensors(from_json.inputs, c.inputs));
        // The repro line parses back to the same case: the flags are the parameters, the piped CSV
        // (ops that carry their tensors) the inputs.
        const ParsedRepro r = parse_repro(repro_command(c, "chip"));
        CHECK(r.op == op->name);
        CHECK(r.impl == "chip");
        const Params parsed = make_params(*op, r.params);
        CHECK(parsed == c.params);
        CHECK(same_tensors(op->make_inputs ? generated_inputs(*op, parsed) : read_lists(*op, r.stdin_csv), c.inputs));
      }
    }
  }
}

TEST_CASE("registry: profile rows expand over item parameters and reject bad ones", "[registry]") {
  const OpSchema& gemm = *find_op("gemm");
  CHECK(expand_row(gemm, "preset=int8-inference|int4-inference;data=random").size() == 2);
  CHECK(expand_row(gemm, "preset=*;data=*").size() == lpc::chip::chip_presets().size() * 6);
  CHECK_THROWS_WITH(expand_row(gemm, "preset=int9"), Catch::Contains("unknown 'int9'"));
  CHECK_THROWS_WITH(expand_row(gemm, "m=4"), Catch::Contains("belongs to each case"));
  CHECK_THROWS_WITH(expand_row(gemm, "colour=red"), Catch::Contains("NAME one of: preset, data"));
  CHECK_THROWS_WITH(make_params(gemm, {{"m", "0"}}), Catch::Contains("expected an integer in [1, 4096]"));
  CHECK_THROWS_WITH(make_params(gemm, {{"m", "4096"}, {"n", "4096"}, {"k", "4096"}}), Catch::Contains("above 2^22"));
  const Profile p = parse_profile("@version 1\nop,params,inputs,requirement\ngemm,preset=int8-inference;data=random|large,random:2,required\n", "t", "t.csv");
  REQUIRE(p.items.size() == 2);
  CHECK(p.items[1].signature("chip") == "chip-gemm-int8_inference-large");
  CHECK_THROWS_WITH(parse_profile("@version 1\nop,params,inputs,requirement\ngemm,preset=nope,random:2,required\n", "t", "t.csv"),
                    Catch::Contains("t.csv:3:6"));
}

// The bundled implementation under test of an op: chip where it binds the op, else fast.
const Implementation& subject_of(const OpSchema& op) { return op.binding("chip") ? chip_implementation() : fast_implementation(); }

// That implementation with one planted bug: the first element of the first output of every case is
// one larger (integers) or replaced by 0.5 (0.25 where it was 0.5; floats, which may be inf or NaN).
Implementation planted(const Implementation& base) {
  Implementation impl = base;
  impl.name = "planted";
  impl.run = [run = base.run](const OpCase& c, std::vector<Tensor>& out, std::string& error) {
    const OpStatus s = run(c, out, error);
    if (s == OpStatus::Ok && out[0].size()) {
      if (out[0].is_float) out[0].floats[0] = out[0].floats[0] == 0.5 ? 0.25 : 0.5;
      else out[0].ints[0] += 1;
    }
    return s;
  };
  return impl;
}

TEST_CASE("registry: a planted bug FAILs every item of every op, with signature and repro", "[registry]") {
  for (const OpSchema* op : registered_ops()) {
    INFO(op->name);
    std::string every;  // every value of every choice the op sweeps
    for (const ParamSpec& spec : op->params)
      if (spec.scope == ParamScope::Item && spec.type == ParamType::Choice) every += (every.empty() ? "" : ";") + spec.name + "=*";
    Profile p;
    for (const Params& params : expand_row(*op, every)) {
      const Item item{.op = Op::Registered, .inputs = InputSpec{false, false, 2}, .schema = op, .op_params = params};
      // One changed draw is below any Statistical item's power by design, and a Boundary-bounded
      // item permits a neighbouring index within its bound (any index where the bound says nothing:
      // bfloat16 rows of 2^7 categories); their planted bugs are conformance/tests/sampler/
      // verification_modes_test.cpp's (+5% on one of ten categories; another association; zero weights).
      const Verification::Kind kind = item_verification(item).kind;
      if (kind != Verification::Kind::Statistical && kind != Verification::Kind::BoundaryBounded) p.items.push_back(item);
    }
    const Implementation& clean = subject_of(*op);
    const Implementation subject = planted(clean);
    RunOptions options;
    options.threads = 1;
    const RunResult run = run_profile(p, subject, reference_implementation(), options);
    REQUIRE(run.items.size() == p.items.size());
    for (const ItemResult& r : run.items) {
      INFO(r.signature);
      CHECK(r.status == Status::Fail);
      CHECK(r.signature.starts_with("planted-" + op->name + "-"));
      REQUIRE(!r.first_mismatches.empty());
      const Mismatch& m = r.first_mismatches.front();
      if (!op->compare) CHECK(m.input.starts_with(op->outputs[0].name));  // compare_exact describes the output
      // The repro line names the case that failed: rerunning it on the planted subject fails again.
      const ParsedRepro repro = parse_repro(m.repro);
      CHECK(repro.impl == "planted");
      CHECK(repro.op == op->name);
      const Params params = make_params(*op, repro.params);
      const OpCase again{op, params, op->make_inputs ? generated_inputs(*op, params) : read_lists(*op, repro.stdin_csv)};
      std::vector<Tensor> got, want;
      std::string error;
      REQUIRE(run_case(subject, again, got, error) == OpStatus::Ok);
      REQUIRE(run_case(reference_implementation(), again, want, error) == OpStatus::Ok);
      CHECK(!same_element(got[0], 0, want[0], 0));
    }
    // The unplanted implementation passes the same items.
    const RunResult passing = run_profile(p, clean, reference_implementation(), options);
    for (const ItemResult& r : passing.items) CHECK(r.status == Status::Pass);
  }
}

TEST_CASE("registry: fuzz bytes decode to valid cases of every op fast binds", "[registry]") {
  // An op whose parameters or inputs random bytes never satisfy would be fuzzed in name only
  // (consume_case returns nullopt every time). Seeded: std::mt19937_64(20261207).
  std::mt19937_64 rng(20261207);
  for (const OpSchema* op : registered_ops()) {
    if (!op->binding("fast") || op->make_inputs) continue;
    INFO(op->name);
    size_t valid = 0;
    for (int t = 0; t < 4000; ++t) {
      std::vector<uint8_t> data(512);
      for (uint8_t& b : data) b = static_cast<uint8_t>(rng());
      ByteReader bytes{data};
      if (consume_case(*op, bytes, 64)) ++valid;
    }
    CHECK(valid >= 20);  // at least 1 in 200
  }
}

TEST_CASE("registry: fuzz bytes reach every ulq variant, its schedules and clips included", "[registry]") {
  // ulq's curvatures (> 0 each), clips β (> 0) and partition ratios (non-decreasing in (0, 1]) are
  // drawn inside their domain (TensorSpec::fuzz_draw_real): from uniform bits a 64-element lab or
  // laq case, or a partition schedule, would almost never be valid. Seeded: std::mt19937_64(20261208).
  const OpSchema& ulq = *find_op("ulq");
  std::mt19937_64 rng(20261208);
  std::map<std::string, size_t> valid;
  for (int t = 0; t < 6000; ++t) {
    std::vector<uint8_t> data(768);
    for (uint8_t& b : data) b = static_cast<uint8_t>(rng());
    ByteReader bytes{data};
    if (const auto c = consume_case(ulq, bytes, 64)) ++valid[c->params.text("variant")];
  }
  for (const std::string& variant : ulq.param("variant")->choices()) {
    INFO(variant);
    CHECK(valid[variant] >= 5);
  }
}

TEST_CASE("registry: an implementation without the op is UNSUPPORTED, never a pass", "[registry]") {
  const Profile p = parse_profile("@version 1\nop,params,inputs,requirement\nlsq-init,grid=int4,random:1,required\n", "t", "t.csv");
  RunOptions options;
  options.threads = 1;
  const RunResult run = run_profile(p, chip_implementation(), reference_implementation(), options);
  REQUIRE(run.items.size() == 1);
  CHECK(run.items[0].status == Status::Unsupported);
  CHECK(!run.required_passed());
}

}  // namespace
}  // namespace lpc::ops
