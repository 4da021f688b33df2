// lpconform fuzz — a vendor plugin's replies as the runner reads them (conformance/plugin/
// replies.hpp): the descriptor and the result of an encode or decode batch or of an op call. The
// plugin is outside code, so its replies are any bytes. Contract: parse_description returns or
// throws std::invalid_argument / std::runtime_error; parse_result never throws; an Ok encode
// result means every code fits the format and every flag byte is inside the LPC_FLAG_* mask, an Ok
// op result that every output holds its form's elements or none.
//
// Bytes: the first chooses the reply (descriptor, encode, decode or op result) and the tag on the
// frame (the right one 3 times in 4); for a batch, the next choose the format, the batch size
// (0..64) and whether flags were asked for (an op result: its outputs' sizes and types); the rest
// is the payload.
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
  const int kind = provider.ConsumeIntegralInRange<int>(0, 3);
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

  if (kind == 3) {
    std::vector<ops::Tensor> outputs(provider.ConsumeIntegralInRange<size_t>(0, 4));
    std::vector<std::string> names;
    for (ops::Tensor& t : outputs) {
      t.is_float = provider.ConsumeBool();
      t.shape = {provider.ConsumeIntegralInRange<uint64_t>(0, 8), provider.ConsumeIntegralInRange<uint64_t>(1, 4)};
      names.push_back("out" + std::to_string(names.size()));
    }
    const std::vector<ops::Tensor> forms = outputs;
    const std::string payload = provider.ConsumeRemainingBytesAsString();
    const plugin::Attempt a = plugin::parse_result(tag, payload, [&](plugin_wire::Reader& in) { return plugin::read_op_outputs(in, names, outputs); });
    if (a.status != OpStatus::Ok) return 0;
    for (size_t k = 0; k < outputs.size(); ++k) {
      const uint64_t capacity = forms[k].shape[0] * forms[k].shape[1];
      if ((outputs[k].size() != capacity && outputs[k].size() != 0) || outputs[k].is_float != forms[k].is_float)
        fuzz::report_finding("plugin_replies-op-output-size", "output " + std::to_string(k) + " holds " + std::to_string(outputs[k].size()) +
                             " elements for a form of " + std::to_string(capacity), repro);
    }
    return 0;
  }

  const Format& format = all_formats()[provider.ConsumeIntegralInRange<size_t>(0, all_formats().size() - 1)];
  const size_t count = provider.ConsumeIntegralInRange<size_t>(0, 64);
  const bool want_flags = provider.ConsumeBool();
  const bool as_values = provider.ConsumeBool();
  const std::string payload = provider.ConsumeRemainingBytesAsString();
  if (kind == 1) {
    std::vector<uint32_t> codes(count, 0xFFFFFFFFu);
    std::vector<uint8_t> flags(count, 0xFF);
    const plugin::Attempt a = plugin::parse_result(tag, payload, [&](plugin_wire::Reader& in) {
      return plugin::read_encode_outputs(in, format, codes, flags, 0, count, want_flags, as_values);
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
