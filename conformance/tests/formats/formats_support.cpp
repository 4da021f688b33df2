#include "conformance/tests/formats/formats_support.hpp"

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstdio>
#include <map>
#include <mutex>
#include <stdexcept>

#include <catch2/catch.hpp>

#include "conformance/tests/support/runner.hpp"

namespace lpc::test {

std::vector<const Format*> formats_of_at_most_16_bits() {
  std::vector<const Format*> out;
  for (const Format& f : all_formats())
    if (f.bits <= 16) out.push_back(&f);
  return out;
}

std::span<const Overflow> overflows_for(const Format& format) {
  if (format.is_integer()) return kIntegerOverflows;
  return kFloatOverflows;
}

std::vector<fast::Variant> fast_variants() {
  std::vector<fast::Variant> out;
  for (fast::Isa isa : {fast::Isa::Scalar, fast::Isa::Avx2, fast::Isa::Avx512, fast::Isa::Auto})
    if (fast::isa_available(isa)) out.push_back(fast::Variant{isa, 1, 0});
  out.push_back(fast::Variant{fast::Isa::Auto, 2, 4093});
  return out;
}

std::string to_string(const fast::Variant& v) {
  std::string s = std::string("isa=") + fast::to_string(v.isa) + " threads=" + std::to_string(v.max_threads);
  if (v.chunk != 0) s += " chunk=" + std::to_string(v.chunk);
  return s;
}

double source_value(Source source, uint64_t bits) {
  switch (source) {
    case Source::F32: return std::bit_cast<float>(static_cast<uint32_t>(bits));
    case Source::F64: return std::bit_cast<double>(bits);
    case Source::BF16: return std::bit_cast<float>(static_cast<uint32_t>(bits << 16));
    case Source::F16: {
      // IEEE binary16: 1 sign, 5 exponent (bias 15), 10 fraction bits.
      const bool negative = (bits >> 15) & 1;
      const int exponent = static_cast<int>((bits >> 10) & 0x1F);
      const int fraction = static_cast<int>(bits & 0x3FF);
      double magnitude;
      if (exponent == 0x1F) magnitude = fraction != 0 ? std::nan("") : INFINITY;
      else if (exponent == 0) magnitude = std::ldexp(fraction, -24);
      else magnitude = std::ldexp(1024 + fraction, exponent - 25);
      return negative ? -magnitude : magnitude;
    }
  }
  throw std::logic_error("source_value: unknown source");
}

bool is_float32(double value) {
  return std::isnan(value) || static_cast<double>(static_cast<float>(value)) == value;
}

uint32_t float32_bits(double value) {
  if (!is_float32(value)) throw std::invalid_argument("float32_bits: value is not a float32");
  return std::bit_cast<uint32_t>(static_cast<float>(value));
}

const SourceDomain& half_domain(Source source) {
  static std::mutex mutex;
  static std::map<Source, SourceDomain> cache;
  std::lock_guard lock(mutex);
  if (auto it = cache.find(source); it != cache.end()) return it->second;
  if (source != Source::BF16 && source != Source::F16) throw std::invalid_argument("half_domain: bfloat16 or float16 only");
  SourceDomain d{source, {}, {}, {}};
  // Sign-magnitude order: key k < 0x8000 holds the negative pattern ~k (largest magnitude first),
  // k >= 0x8000 the positive pattern k - 0x8000 — ascending in value, -0 just before +0.
  for (uint32_t key = 0; key < 0x10000; ++key) {
    const uint64_t bits = key & 0x8000 ? (key & 0x7FFF) : (~key & 0xFFFF);
    d.bits.push_back(bits);
    d.values.push_back(source_value(source, bits));
    d.floats.push_back(static_cast<float>(d.values.back()));
  }
  return cache.emplace(source, std::move(d)).first->second;
}

std::vector<ref::EncodeResult> expected_by_breakpoints(const ref::RoundingMap& map, std::span<const double> values) {
  const auto& points = map.breakpoints();
  std::vector<double> at(points.size());
  for (size_t i = 0; i < points.size(); ++i) at[i] = points[i].point.to_double();
  std::vector<ref::EncodeResult> out(values.size());
  size_t passed = 0;  // number of breakpoints <= the current value
  for (size_t k = 0; k < values.size(); ++k) {
    const double x = values[k];
    if (std::isnan(x)) { out[k] = map.at_nan(std::signbit(x)); continue; }
    if (std::isinf(x)) { out[k] = x < 0 ? map.at_negative_inf() : map.at_positive_inf(); continue; }
    if (x == 0 && std::signbit(x)) { out[k] = map.at_negative_zero(); continue; }
    while (passed < at.size() && at[passed] <= x) ++passed;
    if (passed == 0) out[k] = map.below_first();
    else out[k] = at[passed - 1] == x ? points[passed - 1].at : points[passed - 1].above;
  }
  return out;
}

std::vector<ref::EncodeResult> expected_by_lookup(const ref::RoundingMap& map, std::span<const double> values) {
  std::vector<ref::EncodeResult> out(values.size());
  for (size_t k = 0; k < values.size(); ++k)
    out[k] = map.lookup(ref::ExactValue::from_source(Source::F64, std::bit_cast<uint64_t>(values[k])));
  return out;
}

namespace {

// Per-format tables built once from the reference decode, keyed by format name.
struct FormatTables {
  std::vector<uint8_t> nan_code;
  std::vector<GridPoint> grid;
};

const FormatTables& tables(const Format& format) {
  static std::mutex mutex;
  static std::map<std::string, FormatTables> cache;
  std::lock_guard lock(mutex);
  if (auto it = cache.find(format.name); it != cache.end()) return it->second;
  if (format.bits > 16) throw std::invalid_argument("format tables: formats of at most 16 bits only");
  FormatTables t;
  t.nan_code.resize(format.code_count());
  for (uint32_t code = 0; code < format.code_count(); ++code) {
    const ref::ExactValue v = ref::decode(format, code);
    t.nan_code[code] = v.is_nan();
    if (v.is_finite() && !v.negative) t.grid.push_back({v.to_double(), code});
  }
  std::sort(t.grid.begin(), t.grid.end(), [](const GridPoint& a, const GridPoint& b) { return a.value < b.value; });
  return cache.emplace(format.name, std::move(t)).first->second;
}

std::string exact_string(Source source, uint64_t bits) { return ref::ExactValue::from_source(source, bits).to_string(); }

int source_hex_digits(Source s) { return s == Source::F64 ? 16 : s == Source::F32 ? 8 : 4; }

}  // namespace

bool is_nan_code(const Format& format, uint32_t code) {
  if (format.bits > 16) return ref::decode(format, code).is_nan();
  return tables(format).nan_code[code & format.code_mask()] != 0;
}

bool code_accepted(const Format& format, const ref::EncodeResult& want, uint32_t got) {
  if (want.unspecified) return true;
  if (got == want.code) return true;
  return is_nan_code(format, want.code) && (got & ~format.code_mask()) == 0 && is_nan_code(format, got);
}

const std::vector<GridPoint>& nonnegative_grid(const Format& format) { return tables(format).grid; }

double grid_point_after_max(const Format& format) {
  const double max = nonnegative_grid(format).back().value;
  if (format.is_integer()) return max + 1;
  if (format.radix == 4) return 4 * max;
  return max + std::ldexp(1.0, std::ilogb(max) - format.man_bits);
}

uint32_t negated_code(const Format& format, uint32_t code) {
  if (format.is_integer()) return (0u - code) & format.code_mask();
  if (code == 0 && !format.neg_zero) return 0;
  return code ^ (1u << (format.bits - 1));
}

FastResults fast_encode(const fast::Encoder& encoder, Source source, std::span<const uint64_t> inputs,
                        std::span<const uint32_t> random) {
  FastResults r{std::vector<uint32_t>(inputs.size()), std::vector<uint8_t>(inputs.size())};
  encoder.encode(source, inputs, random, r.codes, r.flags);
  return r;
}

namespace {
template <typename Code>
std::vector<uint32_t> from_f32_as(const fast::Encoder& encoder, std::span<const float> inputs) {
  std::vector<Code> codes(inputs.size());
  encoder.from_f32(inputs, std::span<Code>(codes));
  return std::vector<uint32_t>(codes.begin(), codes.end());
}
}  // namespace

std::vector<uint32_t> fast_from_f32(const fast::Encoder& encoder, std::span<const float> inputs) {
  switch (encoder.format().code_bytes()) {
    case 1: return from_f32_as<uint8_t>(encoder, inputs);
    case 2: return from_f32_as<uint16_t>(encoder, inputs);
    default: return from_f32_as<uint32_t>(encoder, inputs);
  }
}

std::string hex(uint64_t value, int digits) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "0x%0*llx", digits, static_cast<unsigned long long>(value));
  return buf;
}

std::string signature(const EncodeCase& c) {
  std::string s = "encode/" + c.format->name + "/" + to_string(c.params.rounding) + "/" + to_string(c.params.overflow) +
                  "/" + to_string(c.source) + "/" + hex(c.input, source_hex_digits(c.source));
  if (is_stochastic(c.params.rounding))
    s += "/N=" + std::to_string(c.params.sr_bits) + "/R=" + std::to_string(c.random);
  return s;
}

std::string repro(const EncodeCase& c) {
  const double value = source_value(c.source, c.input);
  if (!is_stochastic(c.params.rounding) && is_float32(value) && !std::isnan(value)) {
    const char* impl = c.route.rfind("fast", 0) == 0 ? "fast" : "reference";
    return "lpconform eval encode --format " + c.format->name + " --rounding " + to_string(c.params.rounding) +
           " --overflow " + to_string(c.params.overflow) + " --impl " + impl + " <<< $'input\\n" +
           hex(float32_bits(value), 8) + "'";
  }
  return runner_options().program + " --seed " + std::to_string(runner_options().seed) + " '" +
         Catch::getResultCapture().getCurrentTestName() + "'";
}

std::string describe(const EncodeCase& c, uint32_t got_code, std::optional<uint8_t> got_flags,
                     const ref::EncodeResult& want) {
  const Format& f = *c.format;
  const int digits = f.code_bytes() * 2;
  std::string s = c.route + ": format=" + f.name + " rounding=" + to_string(c.params.rounding);
  if (is_stochastic(c.params.rounding)) s += " N=" + std::to_string(c.params.sr_bits) + " R=" + std::to_string(c.random);
  s += " overflow=" + std::string(to_string(c.params.overflow)) + " source=" + to_string(c.source) +
       " input=" + hex(c.input, source_hex_digits(c.source)) + " (" + exact_string(c.source, c.input) + ")\n";
  s += "  got  " + hex(got_code, digits);
  if ((got_code & ~f.code_mask()) == 0) s += " (" + ref::decode(f, got_code).to_string() + ")";
  if (got_flags) s += " flags='" + flags_to_string(*got_flags) + "'";
  s += "\n  want " + hex(want.code, digits) + " (" + ref::decode(f, want.code).to_string() + ")" + " flags='" +
       flags_to_string(want.flags) + "'";
  if (want.unspecified) s += " [code unspecified: any code]";
  else if (is_nan_code(f, want.code)) s += " [any NaN code]";
  s += "\n  seed " + std::to_string(runner_options().seed) + "  signature " + signature(c) + "\n  repro: " + repro(c) + "\n";
  return s;
}

void MismatchLog::add(const std::string& message) {
  constexpr size_t kKept = 5;
  if (count_++ < kKept) kept_ += message;
}

std::string MismatchLog::report() const {
  if (count_ == 0) return "";
  return std::to_string(count_) + " mismatch(es); the first:\n" + kept_;
}

void compare_batch(const EncodeCase& base, std::span<const uint64_t> inputs, std::span<const uint32_t> random,
                   std::span<const uint32_t> got_codes, std::span<const uint8_t> got_flags,
                   std::span<const ref::EncodeResult> want, MismatchLog& log) {
  for (size_t i = 0; i < inputs.size(); ++i) {
    const bool code_ok = code_accepted(*base.format, want[i], got_codes[i]);
    const bool flags_ok = got_flags.empty() || got_flags[i] == want[i].flags;
    if (code_ok && flags_ok) continue;
    EncodeCase c = base;
    c.input = inputs[i];
    c.random = random.empty() ? 0 : random[i];
    log.add(describe(c, got_codes[i], got_flags.empty() ? std::nullopt : std::optional<uint8_t>(got_flags[i]), want[i]));
  }
}

}  // namespace lpc::test
