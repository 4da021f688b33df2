// Exhaustive tier: all 2^32 float32 inputs for one (format, rounding, overflow), fast
// Encoder::from_f32 in batches against the reference's exact decision boundaries.
//
//   lpc_formats_sweep '[exhaustive]' --format float8_e4m3fn --rounding rne --overflow sat
//   (or LPC_SWEEP_FORMAT / LPC_SWEEP_ROUNDING / LPC_SWEEP_OVERFLOW; LPC_SWEEP_ISA=scalar|avx2|avx512
//   pins fast's instruction set, default auto)
//
// How: float32 bit patterns are visited in value order through a monotone key (negatives
// reversed), so the reference's RoundingMap — finitely many breakpoints, a constant result between
// them — turns into a short list of key ranges with one expected code each. Each of two threads
// converts a batch of 2^20 inputs with fast and compares it range by range: no exact arithmetic
// per input. The ranges' edges are spot-checked against reference encode() (an independent route).
// Flags are not checked here (from_f32 has none); the quick tier checks them.
#include <catch2/catch.hpp>

#include <atomic>
#include <bit>
#include <cfloat>
#include <chrono>
#include <cmath>
#include <cstdlib>
#include <iostream>
#include <mutex>
#include <thread>
#include <vector>

#include "conformance/tests/formats/formats_support.hpp"
#include "conformance/tests/support/runner.hpp"

namespace lpc::test {
namespace {

// Monotone key: ascending key = ascending value (-NaN, -inf, ..., -0, +0, ..., +inf, +NaN).
uint32_t key_of(uint32_t bits) { return bits & 0x80000000u ? ~bits : bits | 0x80000000u; }
uint32_t bits_of(uint32_t key) { return key & 0x80000000u ? key & 0x7FFFFFFFu : ~key; }

constexpr uint32_t kKeyNegativeInf = 0x007FFFFFu;  // key_of(0xFF800000)
constexpr uint32_t kKeyNegativeZero = 0x7FFFFFFFu;
constexpr uint32_t kKeyPositiveZero = 0x80000000u;
constexpr uint32_t kKeyPositiveInf = 0xFF800000u;   // key_of(0x7F800000)

// The key of the smallest float32 >= p (p finite, not zero); +inf's key when p > FLT_MAX.
uint32_t key_at_or_above(double p) {
  float f = static_cast<float>(p);
  if (std::isinf(f)) return f > 0 ? kKeyPositiveInf : key_of(std::bit_cast<uint32_t>(-FLT_MAX));
  if (static_cast<double>(f) < p) f = std::nextafter(f, INFINITY);
  return key_of(std::bit_cast<uint32_t>(f));
}

struct Range {
  uint64_t begin, end;  // keys [begin, end)
  ref::EncodeResult result;
};

// The RoundingMap as key ranges covering all 2^32 keys in order.
std::vector<Range> key_ranges(const ref::RoundingMap& map) {
  std::vector<Range> ranges;
  const auto add = [&](uint64_t begin, uint64_t end, const ref::EncodeResult& r) {
    if (begin < end) ranges.push_back({begin, end, r});
  };
  add(0, kKeyNegativeInf, map.at_nan(true));
  add(kKeyNegativeInf, kKeyNegativeInf + 1, map.at_negative_inf());
  const auto& points = map.breakpoints();
  uint64_t cursor = kKeyNegativeInf + 1;
  const ref::EncodeResult* open = &map.below_first();  // result of the range being extended
  for (const ref::Breakpoint& bp : points) {
    const double p = bp.point.to_double();
    if (p == 0) {
      add(cursor, kKeyNegativeZero, *open);
      add(kKeyNegativeZero, kKeyPositiveZero, map.at_negative_zero());
      add(kKeyPositiveZero, kKeyPositiveZero + 1, bp.at);
      cursor = kKeyPositiveZero + 1;
    } else {
      const uint64_t k = key_at_or_above(p);
      add(cursor, k, *open);
      cursor = k;
      if (k != kKeyPositiveInf && static_cast<double>(std::bit_cast<float>(bits_of(static_cast<uint32_t>(k)))) == p) {
        add(k, k + 1, bp.at);
        cursor = k + 1;
      }
    }
    open = &bp.above;
  }
  add(cursor, kKeyPositiveInf, *open);
  add(kKeyPositiveInf, kKeyPositiveInf + 1, map.at_positive_inf());
  add(uint64_t{kKeyPositiveInf} + 1, uint64_t{1} << 32, map.at_nan(false));
  return ranges;
}

std::string option_or_env(const std::string& option, const char* env) {
  if (!option.empty()) return option;
  const char* value = std::getenv(env);
  return value ? value : "";
}

struct Mismatch {
  uint32_t bits, got;
  ref::EncodeResult want;
};

fast::Isa isa_from_env() {
  const std::string name = option_or_env("", "LPC_SWEEP_ISA");
  for (fast::Isa isa : {fast::Isa::Scalar, fast::Isa::Avx2, fast::Isa::Avx512})
    if (name == fast::to_string(isa)) return isa;
  return fast::Isa::Auto;
}

template <typename Code>
void sweep(const Format& f, const EncodeParams& params, fast::Isa isa, const std::vector<Range>& ranges,
           std::vector<Mismatch>& found, uint64_t& mismatch_count) {
  constexpr uint64_t kBatch = uint64_t{1} << 20;
  constexpr int kThreads = 2;
  constexpr size_t kKept = 8;
  const fast::Encoder encoder(f, params, fast::Variant{isa, 1, 0});
  std::vector<uint8_t> nan_code(f.code_count());
  for (uint32_t c = 0; c < nan_code.size(); ++c) nan_code[c] = is_nan_code(f, c);
  std::atomic<uint64_t> next_batch{0}, mismatches{0};
  std::mutex mutex;

  const auto worker = [&] {
    std::vector<float> in(kBatch);
    std::vector<Code> out(kBatch);
    size_t range = 0;
    for (uint64_t begin; (begin = next_batch.fetch_add(kBatch)) < (uint64_t{1} << 32);) {
      const uint64_t end = begin + kBatch;
      for (uint64_t k = begin; k < end; ++k) in[k - begin] = std::bit_cast<float>(bits_of(static_cast<uint32_t>(k)));
      encoder.from_f32(in, std::span<Code>(out));
      // First range that ends after `begin` (ranges are sorted; batches come in increasing order
      // per thread, so search forward from the last position, restarting if needed).
      if (range >= ranges.size() || ranges[range].begin > begin) range = 0;
      while (ranges[range].end <= begin) ++range;
      for (size_t r = range; r < ranges.size() && ranges[r].begin < end; ++r) {
        const ref::EncodeResult& want = ranges[r].result;
        if (want.unspecified) continue;
        const uint64_t lo = std::max(ranges[r].begin, begin), hi = std::min(ranges[r].end, end);
        const bool want_nan = nan_code[want.code];
        const Code want_code = static_cast<Code>(want.code);
        for (uint64_t k = lo; k < hi; ++k) {
          const Code got = out[k - begin];
          if (got == want_code || (want_nan && got < nan_code.size() && nan_code[got])) continue;
          mismatches.fetch_add(1);
          std::lock_guard lock(mutex);
          if (found.size() < kKept) found.push_back({bits_of(static_cast<uint32_t>(k)), got, want});
        }
      }
    }
  };
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) threads.emplace_back(worker);
  for (auto& t : threads) t.join();
  mismatch_count = mismatches.load();
}

TEST_CASE("exhaustive: all 2^32 float32 inputs, fast from_f32 vs the reference's exact boundaries", "[.exhaustive]") {
  const std::string format_name = option_or_env(runner_options().format, "LPC_SWEEP_FORMAT");
  const std::string rounding_name = option_or_env(runner_options().rounding, "LPC_SWEEP_ROUNDING");
  const std::string overflow_name = option_or_env(runner_options().overflow, "LPC_SWEEP_OVERFLOW");
  INFO("usage: lpc_formats_sweep '[exhaustive]' --format F --rounding rne|rna|rtz|rup|rdn|rto --overflow sat|nonsat|satprop");
  const Format* format = find_format(format_name);
  const auto rounding = parse_rounding(rounding_name);
  const auto overflow = parse_overflow(overflow_name);
  REQUIRE(format != nullptr);
  REQUIRE(rounding.has_value());
  REQUIRE(overflow.has_value());
  const Format& f = *format;
  const EncodeParams params{*rounding, *overflow, 0};
  INFO("format " << f.name << " rounding " << rounding_name << " overflow " << overflow_name);
  REQUIRE(f.bits <= 16);                    // the reference's RoundingMap covers formats of <= 16 bits
  REQUIRE_FALSE(is_stochastic(*rounding));  // from_f32 takes no random words
  REQUIRE(*overflow != Overflow::Wrap);     // wrap folds |x| periodically: not a finite list of ranges
  REQUIRE(ref::supports(f, params));

  const auto start = std::chrono::steady_clock::now();
  const ref::RoundingMap map(f, params);
  const std::vector<Range> ranges = key_ranges(map);
  // The ranges must tile the key space, and agree with reference encode() at both ends of each.
  MismatchLog log;
  uint64_t covered = 0;
  for (const Range& r : ranges) {
    REQUIRE(r.begin == covered);
    covered = r.end;
    for (uint64_t k : {r.begin, r.end - 1}) {
      const uint32_t bits = bits_of(static_cast<uint32_t>(k));
      const ref::EncodeResult got = ref::encode(f, params, ref::ExactValue::from_source(Source::F32, bits));
      if (got.flags != r.result.flags || got.unspecified != r.result.unspecified || !code_accepted(f, r.result, got.code))
        log.add(describe({&f, params, Source::F32, bits, 0, "reference encode() (range edge)"}, got.code, got.flags, r.result));
    }
  }
  REQUIRE(covered == uint64_t{1} << 32);
  INFO(log.report());
  REQUIRE(log.count() == 0);
  const double setup_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();

  std::vector<Mismatch> found;
  uint64_t mismatches = 0;
  const fast::Isa isa = isa_from_env();
  REQUIRE(fast::isa_available(isa));
  const auto sweep_start = std::chrono::steady_clock::now();
  if (f.code_bytes() == 1) sweep<uint8_t>(f, params, isa, ranges, found, mismatches);
  else sweep<uint16_t>(f, params, isa, ranges, found, mismatches);
  const double sweep_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - sweep_start).count();

  std::cout << "exhaustive " << f.name << " " << rounding_name << " " << overflow_name << " (fast isa "
            << fast::to_string(isa) << "): 4294967296 inputs, "
            << ranges.size() << " ranges, setup " << setup_s << " s, sweep " << sweep_s << " s (2 threads), "
            << 4294967296.0 / sweep_s / 1e6 << " M inputs/s, " << mismatches << " mismatches\n";
  for (const Mismatch& m : found)
    log.add(describe({&f, params, Source::F32, m.bits, 0, std::string("fast from_f32() isa=") + fast::to_string(isa) + " threads=1 (batch)"}, m.got,
                     std::nullopt, m.want));
  INFO(std::to_string(mismatches) << " mismatches in total\n" << log.report());
  CHECK(mismatches == 0);
}

}  // namespace
}  // namespace lpc::test
