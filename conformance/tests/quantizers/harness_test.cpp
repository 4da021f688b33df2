// The quantizer family inside the conformance harness (conformance/quantizers): the bundled
// profile expands to the stated items, the fast implementation passes it against the exact
// reference, and mutated implementations are caught with the right signature and a repro line
// that reruns the input through `lpconform eval`.
#include <catch2/catch.hpp>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdio>
#include <limits>
#include <map>
#include <memory>
#include <string>

#include <nlohmann/json.hpp>

#include "conformance/bundled/bundled.hpp"
#include "conformance/ops/op.hpp"
#include "conformance/core/runner.hpp"
#include "conformance/quantizers/cases.hpp"
#include "impls/fast/quantizers/mx.hpp"

namespace {

using namespace lpc;

RunResult run(const Profile& profile, const Implementation& subject, const std::string& only = "") {
  RunOptions options;
  options.threads = 2;
  options.only = only;
  return run_profile(profile, subject, reference_implementation(), options);
}

std::map<std::string, size_t> count_ops(const Profile& profile) {
  std::map<std::string, size_t> n;
  for (const Item& item : profile.items) ++n[item.op == Op::Registered ? item.schema->name : std::string(op_info(item.op).name)];
  return n;
}

// A test-only implementation of registry ops: fast's outputs, then `mutate` for the op named `op`.
Implementation op_mutant(std::string op, std::function<void(const ops::OpCase&, std::vector<ops::Tensor>&)> mutate) {
  Implementation m{.name = "mutant", .version = "test", .description = "fast with one " + op + " rule changed"};
  m.run = [op, mutate](const ops::OpCase& c, std::vector<ops::Tensor>& out, std::string& error) {
    const OpStatus s = fast_implementation().run(c, out, error);
    if (s == OpStatus::Ok && c.op->name == op) mutate(c, out);
    return s;
  };
  return m;
}

// Runs a repro line with `lpconform` replaced by the built binary and returns its stdout.
std::string run_repro(const std::string& repro, const std::string& impl) {
  const size_t binary = repro.find("lpconform eval"), subject = repro.rfind("--impl mutant");
  const std::string line = repro.substr(0, binary) + LPC_LPCONFORM + repro.substr(binary + 9, subject - binary - 9) + "--impl " + impl;
  std::unique_ptr<FILE, int (*)(FILE*)> pipe(popen(line.c_str(), "r"), pclose);
  std::string out;
  std::array<char, 256> buffer;
  while (pipe && std::fgets(buffer.data(), buffer.size(), pipe.get())) out += buffer.data();
  return out;
}

}  // namespace

TEST_CASE("lpconform-quantizers expands to the stated items", "[harness]") {
  const Profile profile = load_profile("lpconform-quantizers");
  const auto n = count_ops(profile);
  CHECK(profile.items.size() == 324);
  CHECK(n.at("lsq") == 24);         // int2/4/8, uint2/4/8 x paper/torch, LSQ+ paper+offset/torch+offset
  CHECK(n.at("lsq-dot") == 18);     // weights int2/4/8 x activations int2/4/8, uint2/4/8
  CHECK(n.at("lsq-init") == 6);     // the six grids
  CHECK(n.at("requantize") == 115);  // modes x types that spec/quantizers.md §2.6 accepts
  CHECK(n.at("mx") == 84);           // 6 elements x (4 rules under rne + ocp/nosat x 5 other roundings)
  CHECK(n.at("tpr") == 20);          // 2 phases x (rne + sr_a/b/c:8 + sr_a/b/c:1 and :24)
  CHECK(n.at("sr-fixed") == 24);     // 2 sign conventions x (6 grids with N = 8 + int4/uint4 with N = 0, 1, 24)
  CHECK(n.at("mx-dequantize") == 6);  // the six element formats
  CHECK(n.at("mx-dot") == 6);
  CHECK(n.at("ulq") == 15);          // 5 weight methods + partition + pow2 at 2, 3, 5, 8 bits + 3 mse and 2 proxy activations
  CHECK(n.at("dynbits") == 6);       // 3 statistics x 2 low values
  for (const Item& item : profile.items) CHECK(item.required);
  CHECK(profile.items.front().signature("fast") == "fast-lsq-int2-paper");
  bool found = false;
  for (const Item& item : profile.items) found = found || item.signature("fast") == "fast-requantize-tosa_double-i32-i8";
  CHECK(found);
}

TEST_CASE("quantizer rows: alternatives, rejected combinations and errors", "[harness]") {
  const std::string head = "@version 1\nop,format,rounding,overflow,source,inputs,requirement\n";
  // u8 -> u8 is rejected by §2.6 (both unsigned): three items remain.
  const Profile p = parse_profile(head + "requantize,i8|u8,tosa_double,-,i32|u8,random:8,required\n", "t", "t.csv");
  REQUIRE(p.items.size() == 3);
  CHECK(p.items[0].signature("x") == "x-requantize-tosa_double-i32-i8");
  CHECK(parse_profile(head + "lsq,uint*,*,-,float32,boundary,optional\n", "t", "t.csv").items.size() == 12);  // with LSQ+
  CHECK(parse_profile(head + "lsq,uint*,*+offset,-,float32,boundary,optional\n", "t", "t.csv").items[0].signature("x") == "x-lsq-uint2-paper+offset");
  CHECK(parse_profile(head + "lsq-dot,int8,-,-,uint*,boundary,required\n", "t", "t.csv").items.size() == 3);
  // lsq-dot (an op of the registry): weight grids are signed (spec/quantizers.md §1.1); errors at the column.
  CHECK_THROWS_WITH(parse_profile(head + "lsq-dot,uint8,-,-,uint8,boundary,required\n", "t", "t.csv"),
                    Catch::Contains("t.csv:3:9: parameter 'w-grid': unknown 'uint8', expected one of: int2, int4, int8"));
  CHECK_THROWS_WITH(parse_profile(head + "lsq-dot,int8,-,-,float32,boundary,required\n", "t", "t.csv"),
                    Catch::Contains("t.csv:3:18: parameter 'x-grid': unknown 'float32', expected one of: int2, int4, int8, uint2, uint4, uint8"));
  CHECK_THROWS_WITH(parse_profile(head + "lsq,float8_e4m3fn,paper,-,float32,boundary,required\n", "t", "t.csv"),
                    Catch::Contains("t.csv:3:5: parameter 'grid': unknown 'float8_e4m3fn', expected one of: int2"));
  CHECK_THROWS_WITH(parse_profile(head + "requantize,u8,xnnpack_fp32,-,u8,random:4,required\n", "t", "t.csv"),
                    Catch::Contains("t.csv:3:1: the row expands to no requirement: the op rejects every combination"));
  CHECK_THROWS_WITH(parse_profile(head + "lsq,int4,paper,sat,float32,boundary,required\n", "t", "t.csv"), Catch::Contains("expected '-'"));
  CHECK_THROWS_WITH(parse_profile(head + "lsq,int4,paper,-,float32,all,required\n", "t", "t.csv"), Catch::Contains("t.csv:3:26: lsq takes boundary, random:N"));
}

TEST_CASE("fast passes the quantizer profile against the reference", "[harness]") {
  const RunResult r = run(load_profile("lpconform-quantizers"), fast_implementation());
  for (const ItemResult& item : r.items) {
    INFO(item.signature << ": " << item.message);
    CHECK(item.status == Status::Pass);
    CHECK(item.checked > 0);
  }
  CHECK(r.required_passed());
}

// Cannot detect a numeric bug (subject and oracle are the same code); it checks that the reference runs as a subject (--impl reference).
TEST_CASE("reference as subject: plumbing smoke test", "[harness]") {
  const RunResult lsq = run(load_profile("lpconform-quantizers"), reference_implementation(), "*-lsq-int4-*");
  const RunResult inexact = run(load_profile("lpconform-quantizers"), reference_implementation(), "*-tosa_inexact-i32-i8");
  REQUIRE(lsq.items.size() == 4);  // paper, torch, paper+offset, torch+offset
  REQUIRE(inexact.items.size() == 1);
  CHECK(lsq.required_passed());
  CHECK(inexact.required_passed());
}

TEST_CASE("an implementation without a quantizer entry point is UNSUPPORTED, never PASS", "[harness]") {
  Implementation none;
  none.name = "none";
  const RunResult r = run(load_profile("lpconform-quantizers"), none, "*-lsq-int8-torch");
  REQUIRE(r.items.size() == 1);
  CHECK(r.items[0].status == Status::Unsupported);
  CHECK_FALSE(r.required_passed());
}

TEST_CASE("a mutant that rounds LSQ ties away from zero is caught with signature and repro", "[harness]") {
  const Implementation m = op_mutant("lsq", [](const ops::OpCase& c, std::vector<ops::Tensor>& out) {
    const double scale = c.params.real("scale");
    const LsqParams grid = lsq_grid(format_by_name(c.params.text("grid")));
    for (size_t i = 0; i < c.inputs[0].size(); ++i) {
      const double q = c.inputs[0].floats[i] / scale;  // exact at a tie k + 1/2
      if (q != std::floor(q) + 0.5 || q < grid.qmin || q > grid.qmax) continue;
      out[0].floats[i] = static_cast<float>(std::round(q) * scale);  // std::round: ties away from zero
    }
  });
  const RunResult r = run(load_profile("lpconform-quantizers"), m, "*-lsq-int4-paper");
  REQUIRE(r.items.size() == 1);
  const ItemResult& item = r.items[0];
  CHECK(item.status == Status::Fail);
  CHECK(item.signature == "mutant-lsq-int4-paper");
  REQUIRE_FALSE(item.first_mismatches.empty());
  const Mismatch& first = item.first_mismatches[0];
  CHECK_THAT(first.repro, Catch::StartsWith("printf 'x,dy\\n0x") && Catch::Contains("| lpconform eval lsq --grid int4 --variant paper --scale 0x") &&
                              Catch::EndsWith("--impl mutant"));
  // The repro reruns the element: the reference prints the expected y.
  const std::string out = run_repro(first.repro, "reference");
  const std::string want_y = first.want.substr(2, first.want.find(',') - 2);  // "y 2, dx ..." -> "2"
  INFO(first.repro << "\n" << out);
  CHECK_THAT(out, Catch::StartsWith("y,dx,ds\n" + want_y + ","));
}

TEST_CASE("a mutant that answers DOUBLE_ROUND for SINGLE_ROUND and INEXACT_ROUND is caught", "[harness]") {
  const Implementation m = op_mutant("requantize", [](const ops::OpCase& c, std::vector<ops::Tensor>& out) {
    if (c.params.text("mode") != "tosa_single" && c.params.text("mode") != "tosa_inexact") return;
    ops::OpCase doubled = c;
    doubled.params.set("mode", std::string("tosa_double"));
    std::string error;
    REQUIRE(fast_implementation().run(doubled, out, error) == OpStatus::Ok);
  });
  const Profile profile = load_profile("lpconform-quantizers");
  const RunResult single = run(profile, m, "*-tosa_single-i32-i32");
  REQUIRE(single.items.size() == 1);
  CHECK(single.items[0].status == Status::Fail);
  // INEXACT_ROUND permits a range: DOUBLE_ROUND leaves it only rarely (value 27, 437450373 / 2^33
  // gives range [1, 1] and DOUBLE_ROUND 2, spec/quantizers.md §2.2), and the boundary inputs hold it.
  const RunResult inexact = run(profile, m, "*-tosa_inexact-i32-i32");
  REQUIRE(inexact.items.size() == 1);
  const ItemResult& item = inexact.items[0];
  CHECK(item.status == Status::Fail);
  CHECK(item.signature == "mutant-requantize-tosa_inexact-i32-i32");
  CHECK(item.mismatches < single.items[0].mismatches);
  REQUIRE_FALSE(item.first_mismatches.empty());
  CHECK_THAT(item.first_mismatches[0].want, Catch::StartsWith("any of ["));
  CHECK_THAT(item.first_mismatches[0].repro, Catch::StartsWith("printf 'value,multiplier,shift\\n") &&
                                                 Catch::Contains("| lpconform eval requantize --mode tosa_inexact --input_type i32 --output_type i32 --channels 1"));
}

TEST_CASE("the standards' profiles carry their mx and tpr items", "[harness]") {
  const Profile mx = load_profile("ocp-mx-1.0");
  size_t mx_items = 0, mx_required = 0;
  for (const Item& item : mx.items) {
    if (item.op != Op::Registered || item.schema->name != "mx") continue;
    ++mx_items;
    CHECK(item.op_params.text("scale_rule") == "ocp");
    if (item.required) { ++mx_required; CHECK(item.op_params.text("rounding") == "rne"); }
  }
  CHECK(mx_items == 36);    // six element formats x six roundings
  CHECK(mx_required == 6);  // rne for each element format
  const Profile ibm = load_profile("ibm-fp4-training");
  size_t tpr_items = 0, tpr_required = 0;
  for (const Item& item : ibm.items) {
    if (item.op != Op::Registered || item.schema->name != "tpr") continue;
    ++tpr_items;
    if (item.required) { ++tpr_required; CHECK(item.op_params.text("rounding") == "rne"); }
  }
  CHECK(tpr_items == 8);     // even/odd x rne, sr_a/b/c:8
  CHECK(tpr_required == 2);  // even/odd under rne
}

TEST_CASE("a mutant that picks MX scales by the ceil rule for ocp is caught; NaN-scale elements are free", "[harness]") {
  const Implementation ceil_for_ocp = op_mutant("mx", [](const ops::OpCase& c, std::vector<ops::Tensor>& out) {
    ops::OpCase ceil = c;
    ceil.params.set("scale_rule", std::string("ceil"));
    std::string error;
    REQUIRE(fast_implementation().run(ceil, out, error) == OpStatus::Ok);
  });
  const Profile profile = load_profile("lpconform-quantizers");
  const RunResult r = run(profile, ceil_for_ocp, "*-mx-float4_e2m1fn-ocp-rne-k32");
  REQUIRE(r.items.size() == 1);
  const ItemResult& item = r.items[0];
  CHECK(item.status == Status::Fail);
  REQUIRE_FALSE(item.first_mismatches.empty());
  const Mismatch& first = item.first_mismatches[0];
  CHECK_THAT(first.repro, Catch::StartsWith("printf 'x\\n0x") &&
                              Catch::Contains("| lpconform eval mx --element float4_e2m1fn --scale_rule ocp --rounding rne --block 32"));
  // The repro reruns the element's block: the reference prints the expected scale code first.
  const std::string out = run_repro(first.repro, "reference");
  INFO(first.repro << "\n" << out);
  char scale[8];  // "scale 0x07, element ..." -> 0x7, as eval prints codes
  std::snprintf(scale, sizeof scale, "0x%lx", std::stoul(first.want.substr(6, 4), nullptr, 16));
  CHECK_THAT(out, Catch::StartsWith("scale,elem\n" + std::string(scale) + ","));

  // §4.4: any element code passes in a block whose scale is NaN.
  const Implementation nan_blocks_garbled = op_mutant("mx", [](const ops::OpCase& c, std::vector<ops::Tensor>& out) {
    const size_t k = static_cast<size_t>(c.params.integer("block"));
    for (size_t i = 0; i < out[1].ints.size(); ++i)
      if (out[0].ints[i / k] == kMxScaleNan) out[1].ints[i] = 0x5;
  });
  const RunResult garbled = run(profile, nan_blocks_garbled, "*-mx-float8_e4m3fn-*-rne-k32");
  CHECK(garbled.items.size() == 4);
  CHECK(garbled.required_passed());
}

TEST_CASE("a mutant that rounds the odd TPR phase on the even grid is caught", "[harness]") {
  const Implementation m = op_mutant("tpr", [](const ops::OpCase& c, std::vector<ops::Tensor>& out) {
    ops::OpCase even = c;
    even.params.set("phase", std::string("even"));
    std::string error;
    REQUIRE(fast_implementation().run(even, out, error) == OpStatus::Ok);
  });
  const RunResult r = run(load_profile("lpconform-quantizers"), m, "*-tpr-*-sr_b_n8");
  REQUIRE(r.items.size() == 2);
  for (const ItemResult& item : r.items) {
    INFO(item.signature);
    CHECK(item.status == (item.signature == "mutant-tpr-even-sr_b_n8" ? Status::Pass : Status::Fail));
  }
  const ItemResult& odd = r.items[0].signature == "mutant-tpr-odd-sr_b_n8" ? r.items[0] : r.items[1];
  REQUIRE_FALSE(odd.first_mismatches.empty());
  const Mismatch& first = odd.first_mismatches[0];
  CHECK_THAT(first.repro, Catch::StartsWith("printf 'g,random\\n0x") && Catch::Contains("| lpconform eval tpr --phase odd --rounding sr_b --sr_bits 8"));
  // The repro (the tensor's largest element and this one) keeps the GradScale exponent and
  // reproduces the reference's answer: "scale_exp E, code 0xC, y Y (0x...)".
  const std::string out = run_repro(first.repro, "reference");
  INFO(first.repro << "\n" << out);
  const std::string& want = first.want;
  const std::string scale_exp = want.substr(10, want.find(',') - 10), code = want.substr(want.find("code ") + 5, want.find(", y") - want.find("code ") - 5),
                    y = want.substr(want.find(", y ") + 4, want.find(" (0x") - want.find(", y ") - 4);
  CHECK_THAT(out, Catch::StartsWith("scale_exp,code,y\n" + scale_exp + ",") && Catch::Contains(code + "," + y + "\n"));
}

TEST_CASE("a mutant that rounds sr-fixed magnitude like floor is caught with a one-element repro", "[harness]") {
  const Implementation m = op_mutant("sr-fixed", [](const ops::OpCase& c, std::vector<ops::Tensor>& out) {
    ops::OpCase floor = c;
    floor.params.set("sign", std::string("floor"));
    std::string error;
    REQUIRE(fast_implementation().run(floor, out, error) == OpStatus::Ok);
  });
  const RunResult r = run(load_profile("lpconform-quantizers"), m, "*-sr-fixed-int4-magnitude_n8");
  REQUIRE(r.items.size() == 1);
  const ItemResult& item = r.items[0];
  CHECK(item.status == Status::Fail);
  CHECK(item.signature == "mutant-sr-fixed-int4-magnitude_n8");
  REQUIRE_FALSE(item.first_mismatches.empty());
  const Mismatch& first = item.first_mismatches[0];
  // One element: the header and one row.
  CHECK_THAT(first.repro, Catch::StartsWith("printf 'x,random\\n0x") && Catch::Contains("\\n' | lpconform eval sr-fixed --grid int4 --sign magnitude --sr_bits 8 --scale 0x"));
  CHECK(std::count(first.repro.begin(), first.repro.end(), '\\') == 2);
  const std::string out = run_repro(first.repro, "reference");
  INFO(first.repro << "\n" << out);
  CHECK(out == "q,y\n" + first.want.substr(2, first.want.find(',') - 2) + "," + first.want.substr(first.want.find(", y ") + 4, first.want.find(" (0x") - first.want.find(", y ") - 4) + "\n");
}

TEST_CASE("a mutant that answers TWN for the exact ternary optimum is caught with a whole-tensor repro", "[harness]") {
  const Implementation m = op_mutant("ulq", [](const ops::OpCase& c, std::vector<ops::Tensor>& out) {
    if (c.params.text("variant") != "ternary") return;
    ops::OpCase twn = c;
    twn.params.set("variant", std::string("ternary_twn"));
    std::string error;
    REQUIRE(fast_implementation().run(twn, out, error) == OpStatus::Ok);
  });
  const RunResult r = run(load_profile("lpconform-quantizers"), m, "*-ulq-ternary");
  REQUIRE(r.items.size() == 1);
  const ItemResult& item = r.items[0];
  CHECK(item.status == Status::Fail);
  CHECK(item.signature == "mutant-ulq-ternary");
  REQUIRE_FALSE(item.first_mismatches.empty());
  // The first element mismatch ("code 1, value 3 (0x40400000)"), rerun through `lpconform eval ulq`.
  const Mismatch* element = nullptr;
  for (const Mismatch& mm : item.first_mismatches)
    if (!element && mm.want.starts_with("code ")) element = &mm;
  REQUIRE(element != nullptr);
  CHECK_THAT(element->repro, Catch::Contains("'w\\n0x") && Catch::Contains("| lpconform eval ulq --variant ternary --impl mutant"));
  const std::string out = run_repro(element->repro, "reference");
  const std::string code = element->want.substr(5, element->want.find(',') - 5);
  const std::string value = element->want.substr(element->want.find("value ") + 6, element->want.find(" (") - element->want.find("value ") - 6);
  const size_t at = element->input.find("(element ") + 9;
  const size_t index = std::stoul(element->input.substr(at, element->input.find(' ', at) - at));
  std::vector<std::string> lines;
  for (size_t pos = 0; pos < out.size();) {
    const size_t end = out.find('\n', pos);
    lines.push_back(out.substr(pos, end - pos));
    pos = end + 1;
  }
  INFO(element->repro << "\n" << out);
  REQUIRE(lines.size() > index + 1);
  CHECK(lines[0] == "code,value,scale,support,n1,iterations,converged");
  CHECK_THAT(lines[index + 1], Catch::StartsWith(code + "," + value + ","));
}

TEST_CASE("a mutant that marks a group low at stat = τ (<= for <) is caught by dynbits", "[harness]") {
  const Implementation m = op_mutant("dynbits", [](const ops::OpCase& c, std::vector<ops::Tensor>& out) {
    ops::OpCase changed = c;
    for (double& tau : changed.inputs[1].floats) tau = std::nextafter(static_cast<float>(tau), std::numeric_limits<float>::infinity());
    std::string error;
    REQUIRE(fast_implementation().run(changed, out, error) == OpStatus::Ok);
  });
  const RunResult r = run(load_profile("lpconform-quantizers"), m, "*-dynbits-max-*");
  REQUIRE(r.items.size() == 2);
  for (const ItemResult& item : r.items) {
    CHECK(item.status == Status::Fail);
    CHECK_THAT(item.signature, Catch::StartsWith("mutant-dynbits-max-"));
    REQUIRE_FALSE(item.first_mismatches.empty());
    const Mismatch& first = item.first_mismatches[0];
    REQUIRE(first.want.starts_with("low "));
    CHECK_THAT(first.repro, Catch::Contains("'x,threshold\\n") && Catch::Contains("| lpconform eval dynbits --stat max --low_value ") &&
                                Catch::Contains(" --shape "));
    const std::string out = run_repro(first.repro, "reference");
    // input "x 8 (element 5 of ...)", want "low 0, y 8": row 5 of the output begins "0,8,"
    const size_t at = first.input.find("(element ") + 9;
    const size_t element = std::stoul(first.input.substr(at, first.input.find(' ', at) - at));
    std::vector<std::string> lines;
    for (size_t pos = 0; pos < out.size();) {
      const size_t end = out.find('\n', pos);
      lines.push_back(out.substr(pos, end - pos));
      pos = end + 1;
    }
    INFO(first.repro << "\n" << out);
    REQUIRE(lines.size() > element + 1);
    CHECK(lines[0] == "low,y,bits");
    CHECK_THAT(lines[element + 1], Catch::StartsWith(first.want.substr(4, 1) + "," + first.want.substr(first.want.find("y ") + 2) + ","));
  }
}

TEST_CASE("mx-dequantize and mx-dot are items of both MX profiles", "[harness]") {
  for (const char* name : {"ocp-mx-1.0", "lpconform-quantizers"}) {
    INFO(name);
    const Profile profile = load_profile(name);
    const auto n = count_ops(profile);
    CHECK(n.at("mx-dequantize") == 6);  // the six element formats, block 32
    CHECK(n.at("mx-dot") == 6);
    for (const Item& item : profile.items)
      if (item.op == Op::Registered && item.schema->name.starts_with("mx-d")) CHECK(item.required);
  }
  const RunResult r = run(load_profile("ocp-mx-1.0"), fast_implementation(), "*-mx-d*");
  CHECK(r.items.size() == 12);
  CHECK(r.required_passed());
}

TEST_CASE("a mutant that reads the NaN scale code 0xff as 2^128 in MX dequantization is caught", "[harness]") {
  const Implementation m = op_mutant("mx-dequantize", [](const ops::OpCase& c, std::vector<ops::Tensor>& out) {
    const Format& element = format_by_name(c.params.text("element"));
    const size_t k = static_cast<size_t>(c.params.integer("block"));
    for (size_t i = 0; i < c.inputs[1].size(); ++i) {
      if (c.inputs[0].ints[i / k] != kMxScaleNan) continue;
      std::vector<double> unit(1);
      const uint8_t scale_one = 0x7f, code = static_cast<uint8_t>(c.inputs[1].ints[i]);
      fast::mx_dequantize(element, 1, {&scale_one, 1}, {&code, 1}, unit);
      out[0].floats[i] = std::ldexp(unit[0], 128);
    }
  });
  const RunResult r = run(load_profile("ocp-mx-1.0"), m, "*-mx-dequantize-float8_e4m3fn-*");
  REQUIRE(r.items.size() == 1);
  const ItemResult& item = r.items[0];
  CHECK(item.status == Status::Fail);
  CHECK(item.signature == "mutant-mx-dequantize-float8_e4m3fn-k32");
  REQUIRE_FALSE(item.first_mismatches.empty());
  const Mismatch& first = item.first_mismatches[0];
  CHECK(first.want == "nan");
  CHECK_THAT(first.input, Catch::StartsWith("scale 0xff, element 0x"));
  // The repro runs the element alone under its block's scale.
  CHECK_THAT(first.repro, Catch::StartsWith("printf 'scale,elem\\n0xff,0x") && Catch::Contains("| lpconform eval mx-dequantize --element float8_e4m3fn --block 32"));
  const std::string out = run_repro(first.repro, "reference");
  INFO(first.repro << "\n" << out);
  CHECK(out == "value\nnan\n");
}

TEST_CASE("a mutant that accumulates the MX dot product in float64 is caught though within the bound", "[harness]") {
  // More accurate than the declared order (§4.6), so inside the error bound, but not its bits.
  const Implementation m = op_mutant("mx-dot", [](const ops::OpCase& c, std::vector<ops::Tensor>& out) {
    const Format& element = format_by_name(c.params.text("element"));
    const int k = static_cast<int>(c.params.integer("block"));
    auto values = [&](size_t at) {
      const std::vector<uint8_t> scales(c.inputs[at].ints.begin(), c.inputs[at].ints.end()), codes(c.inputs[at + 1].ints.begin(), c.inputs[at + 1].ints.end());
      std::vector<double> v(codes.size());
      fast::mx_dequantize(element, k, scales, codes, v);
      return v;
    };
    const std::vector<double> a = values(0), b = values(2);
    double sum = 0;
    for (size_t i = 0; i < a.size(); ++i) sum += a[i] * b[i];
    out[0].floats[0] = static_cast<float>(sum);
  });
  const RunResult r = run(load_profile("ocp-mx-1.0"), m, "*-mx-dot-float8_e5m2-*");
  REQUIRE(r.items.size() == 1);
  const ItemResult& item = r.items[0];
  CHECK(item.status == Status::Fail);
  CHECK(item.signature == "mutant-mx-dot-float8_e5m2-k32");
  REQUIRE_FALSE(item.first_mismatches.empty());
  bool within_bound_but_wrong = false;
  for (const Mismatch& mm : item.first_mismatches) within_bound_but_wrong = within_bound_but_wrong || mm.got.ends_with("within the bound");
  CHECK(within_bound_but_wrong);
  const Mismatch& first = item.first_mismatches[0];
  CHECK_THAT(first.repro, Catch::Contains("a_scale,a_elem,b_scale,b_elem\\n0x") && Catch::Contains("| lpconform eval mx-dot --element float8_e5m2 --block 32"));
  // The repro reruns both vectors: the reference prints the expected float32.
  const std::string out = run_repro(first.repro, "reference");
  INFO(first.repro << "\n" << out);
  CHECK(out == "y\n" + first.want.substr(0, first.want.find(" (0x")) + "\n");
}

TEST_CASE("a mutant that drops LSQ+'s dbeta at the upper clamp is caught with signature and repro", "[harness]") {
  const Implementation m = op_mutant("lsq", [](const ops::OpCase& c, std::vector<ops::Tensor>& out) {
    const double beta = c.params.real("offset");
    for (size_t i = 0; i < out[3].floats.size(); ++i)
      if (out[0].floats[i] > beta) out[3].floats[i] = 0;  // dβ = dy where clamped (§1.6), here only below
  });
  const RunResult r = run(load_profile("lpconform-quantizers"), m, "*-lsq-int4-paper+offset");
  REQUIRE(r.items.size() == 1);
  const ItemResult& item = r.items[0];
  CHECK(item.status == Status::Fail);
  CHECK(item.signature == "mutant-lsq-int4-paper+offset");
  REQUIRE_FALSE(item.first_mismatches.empty());
  const Mismatch& first = item.first_mismatches[0];
  CHECK_THAT(first.repro, Catch::Contains("| lpconform eval lsq --grid int4 --variant paper+offset --scale 0x") && Catch::Contains(" --offset 0x"));
  // The repro reruns the element: the reference prints the expected dbeta as the last column.
  const std::string out = run_repro(first.repro, "reference");
  const std::string want_dbeta = first.want.substr(first.want.find("dbeta ") + 6);
  INFO(first.repro << "\n" << out);
  CHECK_THAT(out, Catch::StartsWith("y,dx,ds,dbeta\n") && Catch::EndsWith("," + want_dbeta + "\n"));
  CHECK(want_dbeta != "0");
}

TEST_CASE("lsq-dot mutants: a wrapping accumulator and a twice-rounded output are caught", "[harness]") {
  const auto scales = [](const ops::OpCase& c) { return std::pair{static_cast<float>(c.params.real("scale-w")), static_cast<float>(c.params.real("scale-x"))}; };

  // 1. An accumulator that wraps instead of reporting the overflow (§1.7): the boundary vectors at
  //    ±2^31 catch it; the repro reruns the vector, and the reference reports the overflow and its k.
  const Implementation wraps = op_mutant("lsq-dot", [&](const ops::OpCase& c, std::vector<ops::Tensor>& out) {
    uint32_t acc = 0;
    for (size_t i = 0; i < c.inputs[0].size(); ++i) acc += static_cast<uint32_t>(c.inputs[0].ints[i] * c.inputs[1].ints[i]);
    const auto [s_w, s_x] = scales(c);
    out = {ops::Tensor::integers({1}, {static_cast<int32_t>(acc)}),
           ops::Tensor::reals({1}, {static_cast<float>(static_cast<double>(s_w) * s_x * static_cast<int32_t>(acc))}), ops::Tensor::integers({1}, {-1})};
  });
  const RunResult r = run(load_profile("lpconform-quantizers"), wraps, "*-lsq-dot-int8-uint8");
  REQUIRE(r.items.size() == 1);
  const ItemResult& item = r.items[0];
  CHECK(item.status == Status::Fail);
  CHECK(item.signature == "mutant-lsq-dot-int8-uint8");
  REQUIRE_FALSE(item.first_mismatches.empty());
  const Mismatch& first = item.first_mismatches[0];
  CHECK_THAT(first.want, Catch::StartsWith("int32 overflow at k = "));
  CHECK_THAT(first.repro, Catch::StartsWith("{ printf '%b' 'w,x\\n") && Catch::Contains("; yes -- '-128,255' | head -n ") &&
                              Catch::Contains("} | lpconform eval lsq-dot --w-grid int8 --x-grid uint8 --scale-w 0x"));
  CHECK(first.repro.size() < 4096);
  const std::string out = run_repro(first.repro, "reference");
  INFO(first.repro << "\n" << out);
  CHECK(out == "acc,y,overflow_at\n,," + first.want.substr(22) + "\n");

  // 2. The float output rounded twice, RN32(RN32(s_w·s_x)·acc): the midpoint and subnormal-tie
  //    boundary cases catch it on every grid pair.
  const Implementation twice = op_mutant("lsq-dot", [&](const ops::OpCase& c, std::vector<ops::Tensor>& out) {
    const auto [s_w, s_x] = scales(c);
    if (out[2].ints[0] == -1) out[1].floats[0] = static_cast<float>(static_cast<double>(s_w * s_x) * static_cast<double>(out[0].ints[0]));
  });
  const RunResult r2 = run(load_profile("lpconform-quantizers"), twice, "*-lsq-dot-int2-uint2");
  REQUIRE(r2.items.size() == 1);
  CHECK(r2.items[0].status == Status::Fail);
  REQUIRE_FALSE(r2.items[0].first_mismatches.empty());
  const Mismatch& m2 = r2.items[0].first_mismatches[0];
  const std::string out2 = run_repro(m2.repro, "reference");
  const std::string want_y = m2.want.substr(m2.want.find(", y ") + 4, m2.want.find(" (0x") - m2.want.find(", y ") - 4);
  INFO(m2.repro << "\n" << out2);
  CHECK(out2 == "acc,y,overflow_at\n" + m2.want.substr(4, m2.want.find(',') - 4) + "," + want_y + ",-1\n");
}
