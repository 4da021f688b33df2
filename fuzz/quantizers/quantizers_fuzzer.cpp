// lpconform fuzz — the quantizer ops, differential: the fast implementation against the exact
// reference, for every op of the op registry that fast binds (dynbits, lsq, lsq-init, lsq-dot, mx,
// mx-dequantize, mx-dot, requantize, sr-fixed, tpr, ulq), through the runner's own check_case.
//
// Bytes (FuzzedDataProvider, control values from the end): the op; then its case, decoded from the
// rest by the op's declaration (ops::consume_case): each parameter in its range or choices (a fuzz
// range where one is declared: blocks of 1..40, 1..3 channels, zero points -128..255), then up to
// 64 rows of its list inputs, float32 bits or integers folded into their declared ranges (codes
// into their formats, NaN kept where the op takes it, non-finite values replaced where it does
// not), one row in 32 repeated up to 65536 times where the op allows long lists (lsq-dot's sums
// that leave int32), each list cut to its declared length (per-block scales, per-channel
// multipliers). Parameters or inputs the op rejects end the input. A disagreement, or fast failing
// where the reference answers, is a finding with the item's stable signature and the first
// mismatch's repro.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "conformance/bundled/bundled.hpp"
#include "conformance/ops/derive.hpp"
#include "fuzz/support/fuzz_support.hpp"

namespace {

constexpr size_t kMaxInputs = 64;

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace lpc;
  using fuzz::report_finding;
  FuzzedDataProvider provider(data, size);
  std::vector<const ops::OpSchema*> fast_ops;
  for (const ops::OpSchema* op : ops::registered_ops())
    if (op->binding("fast") && !op->binding("chip")) fast_ops.push_back(op);  // the chip's ops: fuzz/dataflows
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
