// Exhaustive tier: all 2^32 float32 inputs for one (format, rounding, overflow), fast
// Encoder::from_f32 in batches against the reference's exact decision boundaries.
//
//   lpc_formats_sweep '[exhaustive]' --format float8_e4m3fn --rounding rne --overflow sat
//   (or LPC_SWEEP_FORMAT / LPC_SWEEP_ROUNDING / LPC_SWEEP_OVERFLOW; LPC_SWEEP_ISA=scalar|avx2|avx512
//   pins fast's instruction set, default auto)
//
// How: float32 bit patterns are visited in value order through a monotone key (negatives
// reversed), so the reference's RoundingMap — finitely many breakpoints, a constant result between
// them — turns into a short list of key ranges with one expected code each (ref::SourceRanges). Each of two threads
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
#include "reference/formats/source_ranges.hpp"

namespace lpc::test {
namespace {

// ref::source_bits for float32, inline: the sweep generates 2^32 inputs from their keys.
uint32_t bits_of(uint64_t key) { return key & 0x80000000u ? static_cast<uint32_t>(key & 0x7FFFFFFFu) : ~static_cast<uint32_t>(key); }

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

// Every output of [lo, hi) is `want` (one vectorizable pass), or NaN where a NaN is wanted.
template <typename Code>
bool all_equal(const Code* out, size_t count, Code want) {
  Code differs = 0;
  for (size_t k = 0; k < count; ++k) differs |= out[k] ^ want;
  return differs == 0;
}

template <typename Code>
void sweep(const Format& f, const EncodeParams& params, fast::Isa isa, const ref::SourceRanges& ranges,
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
      for (uint64_t k = begin; k < end; ++k) in[k - begin] = std::bit_cast<float>(bits_of(k));
      encoder.from_f32(in, std::span<Code>(out));
      // First range that ends after `begin` (ranges are sorted; batches come in increasing order
      // per thread, so search forward from the last position, restarting if needed).
      if (range >= ranges.size() || ranges.begin(range) > begin) range = 0;
      while (ranges.end(range) <= begin) ++range;
      for (size_t r = range; r < ranges.size() && ranges.begin(r) < end; ++r) {
        const ref::EncodeResult& want = ranges.result(r);
        if (want.unspecified) continue;
        const uint64_t lo = std::max(ranges.begin(r), begin), hi = std::min(ranges.end(r), end);
        const Code want_code = static_cast<Code>(want.code);
        if (all_equal(out.data() + (lo - begin), hi - lo, want_code)) continue;
        const bool want_nan = nan_code[want.code];
        for (uint64_t k = lo; k < hi; ++k) {
          const Code got = out[k - begin];
          if (got == want_code || (want_nan && got < nan_code.size() && nan_code[got])) continue;
          mismatches.fetch_add(1);
          std::lock_guard lock(mutex);
          if (found.size() < kKept) found.push_back({bits_of(k), got, want});
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
  const ref::SourceRanges ranges(map, Source::F32);
  // The ranges must tile the key space, and agree with reference encode() at both ends of each.
  MismatchLog log;
  uint64_t covered = 0;
  for (size_t i = 0; i < ranges.size(); ++i) {
    REQUIRE(ranges.begin(i) == covered);
    covered = ranges.end(i);
    const ref::EncodeResult& want = ranges.result(i);
    for (uint64_t k : {ranges.begin(i), ranges.end(i) - 1}) {
      const uint32_t bits = bits_of(k);
      const ref::EncodeResult got = ref::encode(f, params, ref::ExactValue::from_source(Source::F32, bits));
      if (got.flags != want.flags || got.unspecified != want.unspecified || !code_accepted(f, want, got.code))
        log.add(describe({&f, params, Source::F32, bits, 0, "reference encode() (range edge)"}, got.code, got.flags, want));
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
