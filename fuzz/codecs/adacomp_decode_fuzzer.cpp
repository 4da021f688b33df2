// lpconform fuzz — AdaComp messages as a decoder receives them (spec/codecs.md §1.5): untrusted
// bytes from another learner. Bytes (FuzzedDataProvider, control values from the end): the layout,
// L_T (1..64, one input in 16 up to 2^24), n (1..4096); the rest is the message, copied into a
// buffer of exactly its length so that a read past its end is an AddressSanitizer error.
// Contract: the fast decoder and the reference agree on the verdict, the byte offset (never past
// the end), the error text and the update's bits; and a valid message with a positive scale is
// the one the reference writes (§1.4) for what it decodes to (the layout is canonical).
#include <bit>
#include <cstdint>
#include <string>
#include <vector>

#include "fuzz/support/fuzz_support.hpp"
#include "impls/fast/codecs/adacomp.hpp"
#include "reference/codecs/adacomp.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace lpc;
  FuzzedDataProvider provider(data, size);
  AdacompParams p;
  p.layout = provider.ConsumeBool() ? AdacompLayout::Binned : AdacompLayout::Index32;
  p.bin = provider.ConsumeIntegralInRange<uint8_t>(0, 15) == 0 ? provider.ConsumeIntegralInRange<uint32_t>(1, kAdacompMaxBin)
                                                                : provider.ConsumeIntegralInRange<uint32_t>(1, 64);
  const uint64_t n = provider.ConsumeIntegralInRange<uint64_t>(1, 4096);
  const std::vector<uint8_t> message = provider.ConsumeRemainingBytes<uint8_t>();  // exactly its length
  const std::string repro = "printf the message bytes | lpconform eval adacomp-decode --layout " +
                            std::string(p.layout == AdacompLayout::Binned ? "binned" : "index32") + " --bin " + std::to_string(p.bin) +
                            " --elements " + std::to_string(n);
  const std::string signature = std::string("adacomp-decode-") + (p.layout == AdacompLayout::Binned ? "binned" : "index32");

  const ref::AdacompDecoded want = ref::adacomp_decode(p, n, message);
  std::vector<float> got(n);
  const auto error = fast::adacomp_decode(p, message, got);
  if (want.ok != !error)
    fuzz::report_finding(signature + "-verdict", want.ok ? "fast rejects: " + error->message : "fast accepts; the reference: " + want.error, repro);
  if (!want.ok) {
    if (want.error_offset > message.size()) fuzz::report_finding(signature + "-offset", "the reference's offset lies past the message: " + want.error, repro);
    if (error->offset != want.error_offset || error->message != want.error)
      fuzz::report_finding(signature + "-error", "fast: " + error->message + "\nreference: " + want.error, repro);
    return 0;
  }
  for (uint64_t i = 0; i < n; ++i)
    if (std::bit_cast<uint32_t>(got[i]) != std::bit_cast<uint32_t>(want.update[i]))
      fuzz::report_finding(signature + "-update", "element " + std::to_string(i) + " differs", repro);
  // Canonical: re-encoding the decoded content gives the message back (scale > 0: ±0 cannot show
  // which elements a zero scale selected).
  const float scale = std::bit_cast<float>(uint32_t{message[4]} | uint32_t{message[5]} << 8 | uint32_t{message[6]} << 16 | uint32_t{message[7]} << 24);
  if (scale > 0) {
    std::vector<uint64_t> index;
    std::vector<bool> negative;
    for (uint64_t i = 0; i < n; ++i)
      if (want.update[i] != 0) index.push_back(i), negative.push_back(want.update[i] < 0);
    if (ref::adacomp_message(p, n, scale, index, negative) != message) fuzz::report_finding(signature + "-canonical", "re-encoding the update differs", repro);
  }
  return 0;
}
