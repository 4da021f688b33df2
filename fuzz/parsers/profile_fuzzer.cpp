// lpconform fuzz — the profile parser (parse_profile): `lpconform run --profile FILE` reads a
// user's profile, so it is outside input. Any bytes parse or fail with a positioned InputError /
// std::invalid_argument; a profile that parses has a version and only items with a format whose
// parameters the reference supports (an item the runner could not check would be a silent gap).
#include <string>

#include "conformance/core/profile.hpp"
#include "fuzz/support/parser_check.hpp"
#include "reference/formats/codec.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace lpc;
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  Profile profile;
  if (!fuzz::parses("profile", "<fuzz>", text, [&] { profile = parse_profile(text, "fuzz", "<fuzz>"); })) return 0;
  if (profile.info.version.empty() || profile.items.empty())
    fuzz::report_finding("profile-accepts-incomplete", "a profile without @version or without items parsed", "");
  for (const Item& item : profile.items) {
    if ((item.op == Op::Encode || item.op == Op::Decode) && !item.format)
      fuzz::report_finding("profile-item-without-format", "a format item without a format parsed", "");
    if (item.op == Op::Encode && !ref::supports(*item.format, item.params))
      fuzz::report_finding("profile-accepts-unsupported", "item " + item.signature("any") + " parsed, but the reference rejects its parameters", "");
  }
  return 0;
}
