// lpconform fuzz — the convolution dataflows, differential (spec/convolution.md): conv-transpose2d
// (the scatter reference against the direct fast implementation and the chip's rotated-kernel
// dataflow) and conv2d in full (the hardware-semantics reference against the chip's im2col per
// group and the fast layer), through the runner's own check_case.
//
// Bytes (FuzzedDataProvider, control values from the end): the op; then its case decoded from the
// rest by the op's declaration (ops::consume_case): the convention or preset and data set, then
// every shape parameter in its fuzz range (sizes 1..8 or 1..12, strides 1..5, dilation 1..3,
// groups 1..3, PyTorch paddings 0..3 and output_padding 0..4, TOSA pads -4..3, conv2d pads 0..4),
// so the shape rules (groups dividing the channels, output_padding below the stride or dilation,
// TOSA pads above -K, a dilated window inside the padded input) are met and broken in equal
// measure; rejected parameters end the input. The operands come from the case's seed. A
// disagreement is a finding with the item's signature and the first mismatch's repro.
#include <cstdint>
#include <optional>
#include <string>

#include "conformance/bundled/bundled.hpp"
#include "conformance/ops/derive.hpp"
#include "fuzz/support/fuzz_support.hpp"

namespace {

void differential(const lpc::ops::OpSchema& op, const lpc::ops::OpCase& c, const lpc::Implementation& subject) {
  using namespace lpc;
  ItemResult result;
  result.verification = op.verification;
  const std::string signature = ops::signature(op, c.params, subject.name);
  if (!ops::check_case(c, subject, reference_implementation(), 1, result))
    fuzz::report_finding(signature + "-error", result.message, ops::repro_command(c, subject.name));
  if (result.mismatches == 0) return;
  const Mismatch& m = result.first_mismatches[0];
  fuzz::report_finding(signature, "input " + m.input + ": " + subject.name + " gives " + m.got + ", the reference " + m.want, m.repro);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace lpc;
  FuzzedDataProvider provider(data, size);
  const ops::OpSchema& op = *ops::find_op(provider.ConsumeBool() ? "conv-transpose2d" : "conv2d");
  const std::vector<uint8_t> rest = provider.ConsumeRemainingBytes<uint8_t>();
  ops::ByteReader bytes{rest};
  const std::optional<ops::OpCase> c = ops::consume_case(op, bytes, 0);
  if (!c) return 0;
  differential(op, *c, chip_implementation());
  differential(op, *c, fast_implementation());
  return 0;
}
