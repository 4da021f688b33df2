// LSQ's declared variant lsq_fma (spec/quantizers.md §1.3): a subject that computes x_fq - x with a
// fused multiply-add passes the torch items when it declares the variant, and fails them when it
// does not or when the profile forbids it. The subject below is float32 code written for this test
// (std::fmaf), not the reference; the oracle is the reference under the variant.
#include <catch2/catch.hpp>

#include <bit>
#include <cmath>
#include <string>
#include <vector>

#include "conformance/bundled/bundled.hpp"
#include "conformance/core/profile.hpp"
#include "conformance/core/runner.hpp"
#include "conformance/core/variants.hpp"
#include "conformance/ops/op.hpp"

namespace {

using namespace lpc;

// PyTorch's learnable fake-quantize, zero point 0, in float32 steps; x_fq - x fused when `fused`.
Implementation torch_like(bool fused, std::vector<std::string> variants) {
  Implementation m{.name = fused ? "fused" : "unfused", .version = "test", .description = "LSQ torch in float32 steps"};
  m.variants = std::move(variants);
  m.run = [fused](const ops::OpCase& c, std::vector<ops::Tensor>& out, std::string&) {
    if (c.op->name != "lsq" || c.params.text("variant") != "torch") return OpStatus::Unsupported;
    const Format& grid = format_by_name(c.params.text("grid"));
    const float qmin = grid.is_signed ? -std::ldexp(1.0f, grid.bits - 1) : 0.0f;
    const float qmax = grid.is_signed ? std::ldexp(1.0f, grid.bits - 1) - 1 : std::ldexp(1.0f, grid.bits) - 1;
    const float s = static_cast<float>(c.params.real("scale")), g = static_cast<float>(c.params.real("grad_scale"));
    const float inv = 1.0f / s;
    const size_t n = c.inputs[0].size();
    out.assign(4, ops::Tensor::real_list(std::vector<double>(n)));
    out[3] = ops::Tensor::real_list({});
    for (size_t i = 0; i < n; ++i) {
      const float x = static_cast<float>(c.inputs[0].floats[i]), dy = static_cast<float>(c.inputs[1].floats[i]);
      const float t = x * inv;
      const float k = std::nearbyint(t);  // ties to even in the default rounding mode
      // An integer code, as torch's int64 one: the code 0 gives y = +0.
      const float code = static_cast<float>(static_cast<int32_t>(std::fmin(std::fmax(k, qmin), qmax)));
      const float y = code * s;
      out[0].floats[i] = y;
      if (k < qmin || k > qmax || std::isinf(t)) {
        out[1].floats[i] = 0;
        out[2].floats[i] = (dy * (k < qmin ? qmin : qmax)) * g;
      } else {
        const float difference = fused ? std::fmaf(code, s, -x) : y - x;
        out[1].floats[i] = dy;
        out[2].floats[i] = ((dy * difference) * inv) * g;
      }
    }
    return OpStatus::Ok;
  };
  return m;
}

Profile lsq_profile(const std::string& directive) {
  return parse_profile("@version 1.0\n" + directive + "op,format,rounding,overflow,source,inputs,requirement\n" +
                           "lsq,int4|int8|uint4,torch,-,float32,boundary+random:300,required\n",
                       "lsq-torch", "lsq-torch.csv");
}

RunResult run(const Profile& profile, const Implementation& subject) {
  RunOptions options;
  options.threads = 2;
  return run_profile(profile, subject, reference_implementation(), options);
}

size_t count(const RunResult& r, Status status) {
  size_t n = 0;
  for (const ItemResult& item : r.items) n += item.status == status;
  return n;
}

}  // namespace

TEST_CASE("lsq_fma is a known variant of the lsq op", "[lsq-variant]") {
  CHECK(variant_scope("lsq_fma") == std::pair<std::string, std::string>{"lsq", "spec/quantizers.md §1.3"});
  CHECK(variant_scope("ftz").first == "encode");
  CHECK_THAT(known_variants_text(), Catch::EndsWith("f64_via_f32, lsq_fma"));
}

TEST_CASE("a fused LSQ gradient passes when declared and fails when not", "[lsq-variant]") {
  const Profile profile = lsq_profile("");
  const RunResult declared = run(profile, torch_like(true, {"lsq_fma"}));
  REQUIRE(declared.items.size() == 3);
  CHECK(declared.variants == std::vector<std::string>{"lsq_fma"});
  CHECK(count(declared, Status::Pass) == 3);

  // Undeclared, the same subject fails every item, and only in ds.
  const RunResult undeclared = run(profile, torch_like(true, {}));
  CHECK(undeclared.variants.empty());
  CHECK(count(undeclared, Status::Fail) == 3);
  for (const ItemResult& item : undeclared.items) {
    REQUIRE_FALSE(item.first_mismatches.empty());
    const Mismatch& m = item.first_mismatches[0];
    CHECK(m.got.substr(0, m.got.find(", ds")) == m.want.substr(0, m.want.find(", ds")));
    CHECK(m.got != m.want);
  }

  // The unfused subject declaring the variant fails too: the verdict holds it to the variant.
  CHECK(count(run(profile, torch_like(false, {"lsq_fma"})), Status::Fail) == 3);
  CHECK(count(run(profile, torch_like(false, {})), Status::Pass) == 3);
}

TEST_CASE("a profile may forbid or require lsq_fma", "[lsq-variant]") {
  const RunResult forbidden = run(lsq_profile("@forbid-variants lsq_fma\n"), torch_like(true, {"lsq_fma"}));
  CHECK(forbidden.variants.empty());
  CHECK(count(forbidden, Status::Fail) == 3);
  const RunResult required = run(lsq_profile("@require-variants lsq_fma\n"), torch_like(true, {}));
  CHECK(required.variants == std::vector<std::string>{"lsq_fma"});
  CHECK(count(required, Status::Pass) == 3);
}

TEST_CASE("the reference under lsq_fma: a known answer by hand", "[lsq-variant]") {
  // spec/quantizers.md §1.3: int8, s = 0x3dcccccd (0.1), x = 0x3e99999a (0.3), dy = g = 1: code 3,
  // y = x, so torch gives ds = 0 and lsq_fma gives ds = -10·2^-27 (0xb3a00000).
  const ops::OpSchema& op = *ops::find_op("lsq");
  ops::Params p;
  p.set("grid", std::string("int8"));
  p.set("variant", std::string("torch"));
  p.set("scale", static_cast<double>(std::bit_cast<float>(0x3dcccccdu)));
  p.set("grad_scale", 1.0);
  p.set("offset", 0.0);
  const ops::OpCase c{&op, p, {ops::Tensor::real_list({std::bit_cast<float>(0x3e99999au)}), ops::Tensor::real_list({1.0})}};
  std::vector<ops::Tensor> plain, fused;
  std::string error;
  REQUIRE(reference_implementation().run(c, plain, error) == OpStatus::Ok);
  const Implementation under = under_variants(reference_implementation(), {"lsq_fma"});
  REQUIRE(under.run(c, fused, error) == OpStatus::Ok);
  CHECK(plain[0].floats[0] == static_cast<double>(std::bit_cast<float>(0x3e99999au)));
  CHECK(plain[2].floats[0] == 0.0);
  CHECK(std::bit_cast<uint32_t>(static_cast<float>(fused[2].floats[0])) == 0xb3a00000u);
  CHECK(fused[0].floats[0] == plain[0].floats[0]);
}
