// lpconform fuzz — a vendor plugin's replies as the runner reads them (conformance/plugin/
// replies.hpp): the descriptor and the result of an encode or decode batch. The plugin is outside
// code, so its replies are any bytes. Contract: parse_description returns or throws
// std::invalid_argument / std::runtime_error; parse_result never throws, and an Ok result means
// every code fits the format and every flag byte is inside the LPC_FLAG_* mask.
//
// Bytes: the first chooses the reply (descriptor, encode or decode result) and the tag on the
// frame (the right one 3 times in 4); for a batch, the next choose the format, the batch size
// (0..64) and whether flags were asked for; the rest is the payload.
#include <string>
#include <typeinfo>
#include <vector>

#include "conformance/plugin/replies.hpp"
#include "fuzz/support/fuzz_support.hpp"
#include "impls/plugin/include/lpconform/vendor.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace lpc;
  using plugin_wire::Tag;
  FuzzedDataProvider provider(data, size);
  const int kind = provider.ConsumeIntegralInRange<int>(0, 2);
  const Tag right = kind == 0 ? Tag::Describe : Tag::Result;
  const Tag tag = provider.ConsumeIntegralInRange<int>(0, 3) ? right : static_cast<Tag>(provider.ConsumeIntegralInRange<uint32_t>(0, 7));
  const std::string repro = "the input bytes as a reply";

  if (kind == 0) {
    const std::string payload = provider.ConsumeRemainingBytesAsString();
    try {
      (void)plugin::parse_description(tag, payload, "plugin:fuzz: ");
    } catch (const std::invalid_argument&) {
    } catch (const std::runtime_error&) {
    } catch (const std::exception& e) {
      fuzz::report_finding("plugin_replies-describe-unexpected-exception", std::string(typeid(e).name()) + ": " + e.what(), repro);
    }
    return 0;
  }

  const Format& format = all_formats()[provider.ConsumeIntegralInRange<size_t>(0, all_formats().size() - 1)];
  const size_t count = provider.ConsumeIntegralInRange<size_t>(0, 64);
  const bool want_flags = provider.ConsumeBool();
  const std::string payload = provider.ConsumeRemainingBytesAsString();
  if (kind == 1) {
    std::vector<uint32_t> codes(count, 0xFFFFFFFFu);
    std::vector<uint8_t> flags(count, 0xFF);
    const plugin::Attempt a = plugin::parse_result(tag, payload, [&](plugin_wire::Reader& in) {
      return plugin::read_encode_outputs(in, format, codes, flags, 0, count, want_flags);
    });
    if (a.status != OpStatus::Ok) return 0;
    constexpr uint8_t kFlagMask = LPC_FLAG_INEXACT | LPC_FLAG_UNDERFLOW | LPC_FLAG_OVERFLOW | LPC_FLAG_INVALID;
    for (size_t i = 0; i < count; ++i) {
      if (codes[i] > format.code_mask())
        fuzz::report_finding("plugin_replies-accepts-wide-code", "code " + std::to_string(codes[i]) + " accepted for " + format.name, repro);
      if (want_flags && (flags[i] & ~kFlagMask))
        fuzz::report_finding("plugin_replies-accepts-bad-flags", "flags " + std::to_string(flags[i]) + " accepted", repro);
    }
  } else {
    std::vector<double> values(count);
    (void)plugin::parse_result(tag, payload, [&](plugin_wire::Reader& in) -> std::string {
      in.get_array(values.data(), count);
      return "";
    });
  }
  return 0;
}
