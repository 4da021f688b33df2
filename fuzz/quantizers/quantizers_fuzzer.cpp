// lpconform fuzz — the quantizer family, differential: the fast implementation against the exact
// reference through the runner's own comparisons, on whatever parameters and inputs the fuzzer
// builds.
//
// Bytes, read with FuzzedDataProvider (control values from the end, inputs from the front). One
// input in two takes an op of the op registry that fast binds (lsq-init, lsq-dot, mx, mx-dequantize,
// mx-dot, sr-fixed, tpr, lsq, requantize, dynbits): its case is decoded from the bytes by the op's declaration
// (ops::consume_case: each parameter in its range or choices, blocks of 1..40; list elements as
// float32 bits or folded into their ranges, codes into their formats, NaN kept where the op takes
// it; lsq-dot's rows repeated up to 65536 times so sums can leave int32) and checked by check_case.
// The other takes ulq, still on the legacy path, through the runner's Case
// (conformance/quantizers/checks.hpp): a method, its bits, criterion, 1..4 betas (activation) or
// 1..4 partition ratios k/16 (parameters spec/quantizers.md rejects end the input), then up to 64
// inputs: w (a non-finite one replaced by 0) and d (|d|, 1 for 0 or non-finite) or the gradient
// (non-finite replaced by 0). A disagreement, or fast failing where the reference answers, is a
// finding with the item's
// stable signature and the first mismatch's repro.
#include <algorithm>
#include <bit>
#include <cmath>
#include <cstring>
#include <stdexcept>
#include <string>
#include <vector>

#include "conformance/bundled/bundled.hpp"
#include "conformance/quantizers/checks.hpp"
#include "conformance/bundled/quantizer_entry_points.hpp"
#include "conformance/ops/derive.hpp"
#include "fuzz/support/fuzz_support.hpp"

namespace {

using namespace lpc;

constexpr size_t kMaxInputs = 64;

float consume_scale(FuzzedDataProvider& provider, int lowest_exponent, int highest_exponent) {
  const uint32_t fraction = provider.ConsumeIntegral<uint32_t>() & 0x7fffff;
  const int exponent = provider.ConsumeIntegralInRange<int>(lowest_exponent, highest_exponent);
  return std::ldexp(1.0f + static_cast<float>(fraction) * 0x1p-23f, exponent);
}

std::string signature(const Case& c) {
  Item item;
  item.op = c.op;
  item.format = c.format;
  item.quant = c.quant;
  return item.signature("fast");
}

// Builds the case; false when the bytes name parameters the spec rejects.
bool consume_case(FuzzedDataProvider& provider, Case& c) {
  c.op = Op::Ulq;
  if (c.op == Op::Ulq) {
    UlqParams& p = c.quant.ulq;
    p.method = provider.PickValueInArray({UlqMethod::Binary, UlqMethod::Ternary, UlqMethod::TernaryTwn, UlqMethod::Lab, UlqMethod::Laq,
                                          UlqMethod::Pow2, UlqMethod::Activation});
    p.bits = provider.ConsumeIntegralInRange<int>(p.method == UlqMethod::Pow2 ? 2 : 1, p.method == UlqMethod::Pow2 ? 8 : 16);
    p.criterion = provider.ConsumeBool() ? UlqCriterion::Mse : UlqCriterion::LossProxy;
    if (p.method == UlqMethod::Activation)
      for (int n = provider.ConsumeIntegralInRange<int>(1, 4); n > 0; --n) p.betas.push_back(consume_scale(provider, -10, 10));
    else if (provider.ConsumeBool())
      for (int n = provider.ConsumeIntegralInRange<int>(1, 4), r = 0; n > 0; --n)
        c.quant.ulq_partition.push_back((r = provider.ConsumeIntegralInRange<int>(std::max(r, 1), 16)) / 16.0);
    if (ulq_params_error(p)) return false;
    const bool curvature = ulq_needs_curvature(p.method), gradient = p.method == UlqMethod::Activation && p.criterion == UlqCriterion::LossProxy;
    while (c.inputs.size() < kMaxInputs && provider.remaining_bytes() >= 8) {
      const float w = std::bit_cast<float>(provider.ConsumeIntegral<uint32_t>()), second = std::bit_cast<float>(provider.ConsumeIntegral<uint32_t>());
      c.inputs.push_back(std::bit_cast<uint32_t>(std::isfinite(w) ? w : 0.0f));
      if (curvature) c.dy.push_back(std::bit_cast<uint32_t>(std::isfinite(second) && second != 0 ? std::fabs(second) : 1.0f));
      if (gradient) c.dy.push_back(std::bit_cast<uint32_t>(std::isfinite(second) ? second : 0.0f));
    }
    return !c.inputs.empty();
  }
  return false;
}

// A registry op fast binds (lsq-init, ...): the case from ops::consume_case, compared by the
// runner's own check_case under the op's verification mode.
int fuzz_registry(FuzzedDataProvider& provider) {
  using fuzz::report_finding;
  std::vector<const ops::OpSchema*> fast_ops;
  for (const ops::OpSchema* op : ops::registered_ops())
    if (op->binding("fast")) fast_ops.push_back(op);
  const ops::OpSchema& op = *fast_ops[provider.ConsumeIntegralInRange<size_t>(0, fast_ops.size() - 1)];
  const std::vector<uint8_t> rest = provider.ConsumeRemainingBytes<uint8_t>();
  ops::ByteReader bytes{rest};
  const std::optional<ops::OpCase> c = ops::consume_case(op, bytes, kMaxInputs);
  if (!c) return 0;
  ItemResult result;
  result.verification = op.verification;
  const std::string signature = ops::signature(op, c->params, "fast");
  if (!ops::check_case(*c, fast_implementation(), reference_implementation(), 1, result)) {
    if (result.status == Status::Unsupported) return 0;  // fast declines (lsq-dot's grids wider than 8 bits)
    if (result.message.starts_with("oracle")) return 0;  // the spec rejects these inputs (lsq-init: an overflowing s0, ...)
    report_finding(signature + "-error", result.message, ops::repro_command(*c, "fast"));
  }
  if (result.mismatches == 0) return 0;
  const Mismatch& m = result.first_mismatches[0];
  report_finding(signature, "input " + m.input + ": fast gives " + m.got + ", the reference " + m.want, m.repro);
  return 0;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace lpc::fuzz;
  FuzzedDataProvider provider(data, size);

  // 0. One input in two: an op of the registry that fast binds, its case decoded by its declaration.
  if (provider.ConsumeBool()) return fuzz_registry(provider);

  // 1. The case.
  Case c;
  if (!consume_case(provider, c)) return 0;

  // 2. The runner's comparison, fast as the subject.
  const Implementation& subject = fast_implementation();
  Item item;
  item.op = c.op;
  item.quant = c.quant;
  ItemResult result;
  result.verification = quantizer_verification(item);
  if (!check_quantizer_case(c, subject, reference_implementation(), 1, result)) {
    if (result.message.starts_with("oracle")) return 0;  // the spec rejects these inputs
    report_finding(signature(c) + "-error", result.message,
                   result.first_mismatches.empty() ? c.repro_command("fast") : result.first_mismatches[0].repro);
  }
  if (result.mismatches == 0) return 0;
  const Mismatch& m = result.first_mismatches[0];
  report_finding(signature(c), "input " + m.input + ": fast gives " + m.got + ", the reference " + m.want,
                 m.repro);
}
