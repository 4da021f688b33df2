// lpconform fuzz — format decode, differential: the fast implementation against the exact
// reference, for every format, on whatever codes the fuzzer builds.
//
// Bytes, read with FuzzedDataProvider (control values from the end, codes from the front): the
// format; the fast variant (fuzz_support.hpp); the path — Decoder::to_f64 with uint32 codes, or
// Decoder::to_f32 with uint8 (formats of at most 8 bits) or uint16 codes (at most 16 bits); then
// up to 64 codes of the path's width. to_f32 is documented to ignore code bits above the format
// width, so its codes go in as read; to_f64 gets them masked to the format width (the reference's
// precondition, and the Case's). The masked codes form a lpc::Case.
//
// Verdict (the runner's Exact mode): the float64 (to_f64) or float32 (to_f32; exact for formats of
// at most 16 bits) bit pattern of the reference's value; a NaN matches any NaN.
#include <bit>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <unordered_map>
#include <stdexcept>
#include <vector>

#include "conformance/core/case.hpp"
#include "fuzz/formats/reference_cache.hpp"
#include "fuzz/support/fuzz_support.hpp"

namespace {

constexpr size_t kMaxCodes = 64;

enum class Path : uint8_t { F64, F32FromU8, F32FromU16 };
const char* to_string(Path path) {
  constexpr const char* kNames[] = {"to_f64/u32", "to_f32/u8", "to_f32/u16"};
  return kNames[static_cast<int>(path)];
}

// Decoders are built once per (format, variant) and kept (see encode_fuzzer.cpp: building one for
// float32 scans its 2^23 NaN codes), under one word packing the key (see encode_fuzzer.cpp).
const lpc::fast::Decoder& cached_decoder(size_t format_index, const lpc::fast::Variant& v) {
  const uint64_t key = uint64_t{format_index} | uint64_t(v.isa) << 40 | uint64_t(v.max_threads) << 48 | uint64_t(v.chunk) << 56;
  static std::unordered_map<uint64_t, lpc::fast::Decoder> cache;
  if (auto it = cache.find(key); it != cache.end()) return it->second;
  return cache.emplace(key, lpc::fast::Decoder(lpc::all_formats()[format_index], v)).first->second;
}

template <class Code>
std::vector<Code> load_codes(const std::vector<uint8_t>& bytes) {
  std::vector<Code> codes(bytes.size() / sizeof(Code));
  if (!codes.empty()) std::memcpy(codes.data(), bytes.data(), codes.size() * sizeof(Code));
  return codes;
}

template <class Float>
std::string bits_hex(Float value) {
  char text[24];
  if constexpr (sizeof(Float) == 4) std::snprintf(text, sizeof text, "0x%08x", std::bit_cast<uint32_t>(value));
  else std::snprintf(text, sizeof text, "0x%016llx", static_cast<unsigned long long>(std::bit_cast<uint64_t>(value)));
  return text;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace lpc;
  using namespace lpc::fuzz;
  FuzzedDataProvider provider(data, size);

  // 1. Format, variant, path.
  const std::vector<Format>& formats = all_formats();
  const size_t format_index = provider.ConsumeIntegralInRange<size_t>(0, formats.size() - 1);
  const Format& format = formats[format_index];
  const fast::Variant variant = consume_variant(provider, format, data, size);
  Path path = static_cast<Path>(provider.ConsumeIntegralInRange<int>(0, 2));
  if (path == Path::F32FromU8 && format.bits > 8) path = Path::F32FromU16;
  if (path == Path::F32FromU16 && format.bits > 16) path = Path::F64;

  // 2. The codes, and the subject's values (float64 throughout; to_f32's are widened exactly).
  const size_t width = path == Path::F64 ? 4 : path == Path::F32FromU16 ? 2 : 1;
  const std::vector<uint8_t> bytes = provider.ConsumeBytes<uint8_t>(std::min(provider.remaining_bytes() / width, kMaxCodes) * width);
  Case c;
  c.op = Op::Decode;
  c.format = &format;
  std::vector<double> got;
  const fast::Decoder* decoder = nullptr;
  try {
    decoder = &cached_decoder(format_index, variant);
  } catch (const std::invalid_argument& e) {
    report_finding("fast-decode-" + format.name + "-rejects", std::string("fast::Decoder refuses the format: ") + e.what(), "");
  }
  auto run_f32 = [&](const auto& codes) {
    std::vector<float> values(codes.size());
    decoder->to_f32(codes, values);
    for (size_t i = 0; i < codes.size(); ++i) {
      c.inputs.push_back(codes[i] & format.code_mask());
      got.push_back(values[i]);
    }
  };
  if (path == Path::F32FromU8) run_f32(load_codes<uint8_t>(bytes));
  if (path == Path::F32FromU16) run_f32(load_codes<uint16_t>(bytes));
  if (path == Path::F64) {
    std::vector<uint32_t> codes = load_codes<uint32_t>(bytes);
    for (uint32_t& code : codes) code &= format.code_mask();
    got.resize(codes.size());
    decoder->to_f64(codes, got);
    c.inputs.assign(codes.begin(), codes.end());
  }

  // 3. Oracle and verdict.
  for (size_t i = 0; i < c.inputs.size(); ++i) {
    const double want = reference_value(format_index, static_cast<uint32_t>(c.inputs[i]));
    const bool f32 = path != Path::F64;
    const bool agree = std::isnan(want) ? std::isnan(got[i])
                       : f32            ? std::bit_cast<uint32_t>(float(got[i])) == std::bit_cast<uint32_t>(float(want))
                                        : std::bit_cast<uint64_t>(got[i]) == std::bit_cast<uint64_t>(want);
    if (agree) continue;
    const std::string got_text = f32 ? bits_hex(float(got[i])) : bits_hex(got[i]);
    const std::string want_text = f32 ? bits_hex(float(want)) : bits_hex(want);
    report_finding("fast-decode-" + format.name + "-" + (f32 ? "to_f32" : "to_f64"),
                   "code " + code_hex(format, static_cast<uint32_t>(c.inputs[i])) + ": fast gives " + got_text +
                       ", the reference " + want_text + "\nfast variant: " + describe(variant) + ", path " + to_string(path) +
                       "\nreference check: " + c.repro_command("reference"),
                   c.repro_command("fast"));
  }
  return 0;
}
