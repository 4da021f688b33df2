// lpconform fuzz — EF-SignSGD messages as a decoder receives them (spec/codecs.md §1.7): untrusted
// bytes. Bytes (FuzzedDataProvider, control values from the end): n (1..4096); the rest is the
// message, copied into a buffer of exactly its length (an overread is an AddressSanitizer error).
// Contract: the fast decoder and the reference agree on the verdict, the byte offset (never past
// the end), the error text and the update's bits.
#include <bit>
#include <cstdint>
#include <string>
#include <vector>

#include "fuzz/support/fuzz_support.hpp"
#include "impls/fast/codecs/ef_signsgd.hpp"
#include "reference/codecs/ef_signsgd.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace lpc;
  FuzzedDataProvider provider(data, size);
  const uint64_t n = provider.ConsumeIntegralInRange<uint64_t>(1, 4096);
  const std::vector<uint8_t> message = provider.ConsumeRemainingBytes<uint8_t>();
  const std::string repro = "printf the message bytes | lpconform eval ef-signsgd-decode --elements " + std::to_string(n);
  const ref::EfSignDecoded want = ref::ef_signsgd_decode(n, message);
  std::vector<float> got(n);
  const auto error = fast::ef_signsgd_decode(message, got);
  if (want.ok != !error)
    fuzz::report_finding("ef-signsgd-decode-verdict", want.ok ? "fast rejects: " + error->message : "fast accepts; the reference: " + want.error, repro);
  if (!want.ok) {
    if (want.error_offset > message.size()) fuzz::report_finding("ef-signsgd-decode-offset", "the offset lies past the message: " + want.error, repro);
    if (error->offset != want.error_offset || error->message != want.error)
      fuzz::report_finding("ef-signsgd-decode-error", "fast: " + error->message + "\nreference: " + want.error, repro);
    return 0;
  }
  for (uint64_t i = 0; i < n; ++i)
    if (std::bit_cast<uint32_t>(got[i]) != std::bit_cast<uint32_t>(want.update[i]))
      fuzz::report_finding("ef-signsgd-decode-update", "element " + std::to_string(i) + " differs", repro);
  return 0;
}
