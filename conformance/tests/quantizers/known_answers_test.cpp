// Known answers (conformance/tests/quantizers/known_answers.csv: values from the research notes,
// the LSQ paper, TOSA, gemmlowp and XNNPACK, written by hand) through the reference and fast.
#include <catch2/catch.hpp>

#include <bit>
#include <cstdlib>
#include <sstream>
#include <string>
#include <vector>

#include "impls/fast/quantizers/lsq.hpp"
#include "impls/fast/quantizers/requantize.hpp"
#include "reference/quantizers/lsq.hpp"
#include "reference/quantizers/requantize.hpp"
#include "spec/table/csv.hpp"

#include <fstream>

namespace lpc::test {
namespace {

std::vector<std::string> words(const std::string& text) {
  std::istringstream in(text);
  std::vector<std::string> out;
  for (std::string w; in >> w;) out.push_back(w);
  return out;
}

double number(const std::string& text) {
  char* end = nullptr;
  const double v = std::strtod(text.c_str(), &end);  // decimal correctly rounded, hex float exact
  if (text.empty() || *end != '\0') throw std::invalid_argument("not a number: '" + text + "'");
  return v;
}

TEST_CASE("quantizers: known answers", "[known-answers]") {
  std::ifstream file(LPC_QUANTIZERS_KNOWN_ANSWERS_CSV);
  REQUIRE(file);
  const std::string text((std::istreambuf_iterator<char>(file)), {});
  CsvReader reader(text, LPC_QUANTIZERS_KNOWN_ANSWERS_CSV, true);
  reader.expect_header({{"op", "params", "input", "expected", "source"}});
  int rows = 0;
  for (CsvRecord row; reader.next(row);) {
    REQUIRE(row.fields.size() == 5);
    const auto params = words(row.fields[1].text), input = words(row.fields[2].text), expected = words(row.fields[3].text);
    INFO(LPC_QUANTIZERS_KNOWN_ANSWERS_CSV << ":" << row.line << ": " << row.fields[4].text);
    ++rows;
    if (row.fields[0].text == "lsq") {
      REQUIRE(params.size() == 5);
      LsqParams p;
      p.variant = params[0] == "torch" ? LsqVariant::Torch : LsqVariant::Paper;
      p.qmin = static_cast<int32_t>(number(params[1]));
      p.qmax = static_cast<int32_t>(number(params[2]));
      p.scale = static_cast<float>(number(params[3]));
      p.grad_scale = static_cast<float>(number(params[4]));
      REQUIRE_FALSE(lsq_params_error(p));
      const float x = static_cast<float>(number(input[0])), dy = static_cast<float>(number(input[1]));
      const float y = static_cast<float>(number(expected[0])), dx = static_cast<float>(number(expected[1])), ds = static_cast<float>(number(expected[2]));
      const ref::LsqOutcome r = ref::lsq(p, x, dy);
      REQUIRE(r.ok);
      CHECK(r.element.y == y);
      CHECK(r.element.dx == dx);
      CHECK(r.element.ds == ds);
      float fy = 0, fdx = 0, fds = 0;
      REQUIRE_FALSE(fast::lsq_forward_backward(p, {&x, 1}, {&dy, 1}, {&fy, 1}, {&fdx, 1}, {&fds, 1}));
      CHECK(fy == y);
      CHECK(fdx == dx);
      CHECK(fds == ds);
    } else {
      REQUIRE(row.fields[0].text == "requantize");
      REQUIRE((params.size() == 7 || (params.size() == 8 && params[7] == "scale16")));
      RequantParams p;
      p.scheme = *parse_requant_scheme(params[0]);
      if (params[1] != "-") p.multipliers = {static_cast<int32_t>(number(params[1]))};
      if (params[2] != "-") p.shifts = {static_cast<int32_t>(number(params[2]))};
      if (params[3] != "-") p.scales = {static_cast<float>(number(params[3]))};
      p.input_type = *parse_int_type(params[4]);
      p.output_type = *parse_int_type(params[5]);
      p.output_zp = static_cast<int32_t>(number(params[6]));
      p.scale32 = params.size() == 7;
      REQUIRE_FALSE(requant_params_error(p));
      const auto v = static_cast<int64_t>(number(input[0]));
      const auto want = static_cast<int64_t>(number(expected[0]));
      const ref::RequantOutcome r = ref::requantize(p, v, 0);
      REQUIRE(r.ok);
      CHECK(r.value == want);
      int64_t got = 0;
      REQUIRE_FALSE(fast::requantize(p, {&v, 1}, {&got, 1}));
      CHECK(got == want);
    }
  }
  CHECK(rows >= 30);
}

}  // namespace
}  // namespace lpc::test
