// lpconform fuzz — format encode, differential: the fast implementation against the exact
// reference, for every format x rounding x overflow x source type, on whatever inputs the fuzzer
// builds.
//
// Bytes, read with FuzzedDataProvider (control values from the end, values from the front):
//   format, rounding, overflow (one of the format's kind), sr_bits (stochastic only), source type;
//   the fast variant (fuzz_support.hpp: ISA, threads, chunk); the path — the general path
//   Encoder::encode (codes and flags) or, for float32 inputs under a deterministic rounding, the
//   batch kernel Encoder::from_f32 with 1-, 2- or 4-byte codes; whether to cross-check the
//   reference's two routes on the first input; then up to 16 values (4 under a stochastic
//   rounding or into float32, where the oracle is exact arithmetic per input), each followed by
//   its 32-bit random word under a stochastic rounding. The values form a lpc::Case, the type the runner and the CLI use.
//
// Verdict (the runner's Exact mode, conformance/formats/checks.hpp): the same code, and the same
// flags on the general path; a NaN result matches any NaN code of the format; where the reference
// marks the result unspecified any code matches (flags still count). Fast must also accept exactly
// the combinations the reference supports.
#include <algorithm>
#include <bit>
#include <cmath>
#include <cstdio>
#include <optional>
#include <cstring>
#include <stdexcept>
#include <unordered_map>
#include <vector>

#include "conformance/core/case.hpp"
#include "fuzz/formats/reference_cache.hpp"
#include "fuzz/support/fuzz_support.hpp"

namespace lpc::fuzz {
namespace {

constexpr size_t kMaxInputs = 16;  // small cases keep a run at a few microseconds
constexpr size_t kMaxExactInputs = 4;  // when the oracle is exact arithmetic per input

enum class Path : uint8_t { General, KernelU8, KernelU16, KernelU32 };
const char* to_string(Path path) {
  constexpr const char* kNames[] = {"general", "from_f32/u8", "from_f32/u16", "from_f32/u32"};
  return kNames[static_cast<int>(path)];
}

uint64_t load_le(const uint8_t* bytes, size_t count) {
  uint64_t value = 0;
  for (size_t i = 0; i < count; ++i) value |= uint64_t{bytes[i]} << (8 * i);
  return value;
}

// The kernel writes codes of 1, 2 or 4 bytes; widen them to the Case's uint32 codes.
template <class Code>
std::vector<uint32_t> run_kernel(const fast::Encoder& encoder, const std::vector<uint64_t>& inputs) {
  std::vector<float> values(inputs.size());
  for (size_t i = 0; i < inputs.size(); ++i) values[i] = std::bit_cast<float>(static_cast<uint32_t>(inputs[i]));
  std::vector<Code> codes(inputs.size());
  encoder.from_f32(values, std::span<Code>(codes));
  return {codes.begin(), codes.end()};
}

std::string hex(uint64_t value) {
  char text[24];
  std::snprintf(text, sizeof text, "0x%llx", static_cast<unsigned long long>(value));
  return text;
}

// Encoders are built once per (format, params, variant) and kept: building one derives the format's
// constants, which for float32 scans its 2^23 NaN codes (about 25 ms), far more than a fuzz input.
// Constructor failures are not cached, so acceptance is checked on every input. The key packs the
// fields into one word (each well inside its bits here: consume_variant's threads 1..3, chunk 0, 1
// or 5) for a hash lookup; a tree of tuples took about 4% of the target's time.
const fast::Encoder& cached_encoder(size_t format_index, const EncodeParams& p, const fast::Variant& v) {
  const uint64_t key = uint64_t{format_index} | uint64_t(p.rounding) << 16 | uint64_t(p.overflow) << 24 | uint64_t(p.sr_bits) << 32 |
                       uint64_t(v.isa) << 40 | uint64_t(v.max_threads) << 48 | uint64_t(v.chunk) << 56;
  static std::unordered_map<uint64_t, fast::Encoder> cache;
  if (auto it = cache.find(key); it != cache.end()) return it->second;
  fast::Encoder encoder(all_formats()[format_index], p, v);  // may throw: nothing cached
  if (cache.size() >= (size_t{1} << 16)) cache.clear();
  return cache.emplace(key, std::move(encoder)).first->second;
}

// The verdict on one input: nothing when the codes (and flags) agree, else what differs.
std::optional<std::string> compare(const Case& c, size_t format_index, size_t i, const ref::EncodeResult& want, uint32_t got,
                const uint8_t* got_flags) {
  const Format& format = *c.format;
  bool code_ok = got == want.code || want.unspecified;
  if (!code_ok && got <= format.code_mask() && format.has_nan())
    code_ok = std::isnan(reference_value(format_index, want.code)) && std::isnan(reference_value(format_index, got));
  const bool flags_ok = !got_flags || *got_flags == want.flags;
  if (code_ok && flags_ok) return std::nullopt;
  std::string detail = std::string(code_ok ? "flags differ" : "codes differ") + ", input " + source_bits_hex(c.source, c.inputs[i]);
  if (!c.random.empty()) detail += " random " + hex(c.random[i]);
  detail += ": fast gives " + hex(got);
  if (got_flags) detail += " flags '" + flags_to_string(*got_flags) + "'";
  detail += ", the reference " + std::string(want.unspecified ? "any code" : hex(want.code));
  if (got_flags) detail += " flags '" + flags_to_string(want.flags) + "'";
  return detail;
}

}  // namespace
}  // namespace lpc::fuzz

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace lpc;
  using namespace lpc::fuzz;
  FuzzedDataProvider provider(data, size);

  // 1. The item: format, mode, source type.
  const std::vector<Format>& formats = all_formats();
  const size_t format_index = provider.ConsumeIntegralInRange<size_t>(0, formats.size() - 1);
  Case c;
  c.op = Op::Encode;
  c.format = &formats[format_index];
  c.params.rounding = static_cast<Rounding>(provider.ConsumeIntegralInRange<int>(0, 8));
  c.params.overflow = c.format->is_integer() ? provider.PickValueInArray(kIntegerOverflows) : provider.PickValueInArray(kFloatOverflows);
  if (is_stochastic(c.params.rounding)) c.params.sr_bits = provider.ConsumeIntegralInRange<int>(1, 24);
  c.source = static_cast<Source>(provider.ConsumeIntegralInRange<int>(0, 3));
  const Item item{Op::Encode, c.format, c.params, c.source, {}, true};

  // 2. How fast runs it.
  const fast::Variant variant = consume_variant(provider, *c.format, data, size);
  const bool kernel_allowed = c.source == Source::F32 && !is_stochastic(c.params.rounding);
  Path path = static_cast<Path>(provider.ConsumeIntegralInRange<int>(0, 3));
  if (!kernel_allowed) path = Path::General;
  if (path == Path::KernelU8 && c.format->code_bytes() > 1) path = Path::KernelU16;
  if (path == Path::KernelU16 && c.format->code_bytes() > 2) path = Path::KernelU32;
  const bool cross_check_reference = provider.ConsumeIntegralInRange<int>(0, 7) == 0;

  // 3. The values.
  const size_t width = source_bits(c.source) / 8;
  const bool stochastic = is_stochastic(c.params.rounding);
  const size_t stride = width + (stochastic ? 4 : 0);
  const bool exact_oracle = stochastic || c.format->bits > 16;  // ref::encode per input (reference_cache.hpp)
  const size_t count = std::min(provider.remaining_bytes() / stride, exact_oracle ? kMaxExactInputs : kMaxInputs);
  const std::vector<uint8_t> bytes = provider.ConsumeBytes<uint8_t>(count * stride);
  for (size_t i = 0; i < count; ++i) {
    c.inputs.push_back(load_le(&bytes[i * stride], width));
    if (stochastic) c.random.push_back(static_cast<uint32_t>(load_le(&bytes[i * stride + width], 4)));
  }

  // 4. Fast must accept exactly what the reference supports.
  const bool supported = ref::supports(*c.format, c.params);
  const fast::Encoder* encoder = nullptr;
  try {
    encoder = &cached_encoder(format_index, c.params, variant);
  } catch (const std::invalid_argument& e) {
    if (supported) report_finding(item.signature("fast") + "-rejects", std::string("fast::Encoder refuses a supported combination: ") + e.what(), "");
    return 0;
  }
  if (!supported) report_finding(item.signature("fast") + "-accepts", "fast::Encoder accepts a combination the reference rejects", "");
  if (c.inputs.empty()) return 0;

  // 5. Subject.
  std::vector<uint32_t> codes(count);
  std::vector<uint8_t> flags(count);
  switch (path) {
    case Path::General: encoder->encode(c.source, c.inputs, c.random, codes, flags); break;
    case Path::KernelU8: codes = run_kernel<uint8_t>(*encoder, c.inputs); break;
    case Path::KernelU16: codes = run_kernel<uint16_t>(*encoder, c.inputs); break;
    case Path::KernelU32: codes = run_kernel<uint32_t>(*encoder, c.inputs); break;
  }

  // 6. Oracle and verdict, input by input.
  for (size_t i = 0; i < count; ++i) {
    const ref::ExactValue x = ref::ExactValue::from_source(c.source, c.inputs[i]);
    bool used_map = false;
    const ref::EncodeResult want = reference_encode(format_index, c.params, x, stochastic ? c.random[i] : 0, used_map);
    if (i == 0 && used_map && cross_check_reference) {
      const ref::EncodeResult exact = ref::encode(*c.format, c.params, x);
      if (!(exact == want))
        report_finding(item.signature("reference") + "-map",
                       "input " + source_bits_hex(c.source, c.inputs[0]) + ": RoundingMap gives " + hex(want.code) +
                           " flags '" + flags_to_string(want.flags) + "', ref::encode " + hex(exact.code) + " flags '" +
                           flags_to_string(exact.flags) + "'",
                       c.repro_command("reference"));
    }
    const std::optional<std::string> difference = compare(c, format_index, i, want, codes[i], path == Path::General ? &flags[i] : nullptr);
    if (!difference) continue;
    report_finding(item.signature("fast") + "-" + (path == Path::General ? "general" : "kernel"),
                   *difference + "\nfast variant: " + describe(variant) + ", path " + to_string(path) +
                       "\nreference check: " + c.repro_command("reference"),
                   c.repro_command("fast"));
  }
  return 0;
}
