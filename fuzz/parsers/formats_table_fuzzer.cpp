// lpconform fuzz — the formats table parser (parse_formats_csv): a user may keep their own table
// (spec/formats/format.hpp), so it is outside input. Any bytes parse or fail with a positioned
// InputError / std::invalid_argument. A table that parses holds formats both implementations must
// handle: for each accepted format of at most 8 bits, every code decodes in the reference and in
// fast without an error and to the same value (a NaN matches any NaN).
#include <bit>
#include <cmath>
#include <string>
#include <vector>

#include "conformance/core/case.hpp"
#include "fuzz/support/parser_check.hpp"
#include "reference/formats/codec.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace lpc;
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  std::vector<Format> formats;
  if (!fuzz::parses("formats_table", "<fuzz>", text, [&] { formats = parse_formats_csv(text, "<fuzz>"); })) return 0;
  for (const Format& format : formats) {
    if (format.name.empty() || format.bits < 1 || format.bits > 32)
      fuzz::report_finding("formats_table-accepts-invalid", "parsed format '" + format.name + "' has " + std::to_string(format.bits) + " bits", "");
    if (format.bits > 8) continue;
    std::vector<uint32_t> codes(format.code_count());
    for (uint32_t code = 0; code < codes.size(); ++code) codes[code] = code;
    std::vector<double> got(codes.size());
    std::vector<double> want(codes.size());
    try {
      fast::Decoder(format, {fast::Isa::Auto, 1, 0}).to_f64(codes, got);
      for (uint32_t code = 0; code < codes.size(); ++code) want[code] = ref::decode(format, code).to_double();
    } catch (const std::exception& e) {
      fuzz::report_finding("formats_table-decode-throws", "format '" + format.name + "' parsed, but decoding it throws: " + e.what(), "");
    }
    for (uint32_t code = 0; code < codes.size(); ++code) {
      const bool agree = std::isnan(want[code]) ? std::isnan(got[code]) : std::bit_cast<uint64_t>(got[code]) == std::bit_cast<uint64_t>(want[code]);
      if (!agree)
        fuzz::report_finding("fast-decode-user_format", "format '" + format.name + "' (from a parsed table) code " + code_hex(format, code) +
                                                           ": fast gives " + std::to_string(got[code]) + ", the reference " + std::to_string(want[code]), "");
    }
  }
  return 0;
}
