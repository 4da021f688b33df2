// lpconform tests — shared helpers of the numeric-format test suites.
//
// The tests compare the fast implementation (impls/fast) and the exact reference (reference/) with
// each other and with facts derived here by the test itself from spec/formats.md — never an
// implementation with itself. What lives here is the tests' own plumbing: the axes of a sweep
// derived from the spec, the tests' own decoding of source bit patterns, the grid of a format,
// the walk over the reference's rounding breakpoints, and failure messages with the signature and
// a one-line repro.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "impls/fast/formats/convert.hpp"
#include "reference/formats/codec.hpp"
#include "spec/formats/format.hpp"
#include "spec/formats/modes.hpp"

namespace lpc::test {

// ---- Axes (spec/formats.md §5.2: floats take sat/nonsat/satprop, integers sat/wrap) -------------

std::vector<const Format*> formats_of_at_most_16_bits();
std::span<const Overflow> overflows_for(const Format& format);

// Every internal variant of the fast implementation worth sweeping: each available instruction set
// single-threaded, and Auto with two threads and a small prime chunk (so batches split unevenly).
std::vector<fast::Variant> fast_variants();
std::string to_string(const fast::Variant& variant);

// ---- Source values: the tests' own decoding of source bit patterns (not the code under test) ----

// The value of a float32/float64/bfloat16/float16 bit pattern as a double (exact: every such
// value is a double).
double source_value(Source source, uint64_t bits);
// The float32 bit pattern of `value`. Precondition: value is a float32 (checked; throws if not).
uint32_t float32_bits(double value);
bool is_float32(double value);

// Every bit pattern of a 16-bit source type, in ascending order of value (-0 just before +0, NaNs
// at the two ends), with the values as double and float.
struct SourceDomain {
  Source source;
  std::vector<uint64_t> bits;
  std::vector<double> values;
  std::vector<float> floats;
};
const SourceDomain& half_domain(Source source);  // Source::BF16 or Source::F16; built once

// ---- The reference as oracle ------------------------------------------------------------------

// Expected results for `values` (non-decreasing, -0 before +0; NaNs may appear anywhere) by walking
// the RoundingMap's breakpoints once in order (O(values + breakpoints), no exact arithmetic).
// Not for integers under wrap: there the map's lookup folds |x| >= 2^(K+1) periodically, so the
// breakpoints alone do not cover every value (use expected_by_lookup).
std::vector<ref::EncodeResult> expected_by_breakpoints(const ref::RoundingMap& map, std::span<const double> values);
// Expected results by RoundingMap::lookup, one binary search per value (any order, any params).
std::vector<ref::EncodeResult> expected_by_lookup(const ref::RoundingMap& map, std::span<const double> values);

// True when `code` decodes to NaN (reference decode; cached for formats of at most 16 bits).
bool is_nan_code(const Format& format, uint32_t code);

// Whether `got` is an acceptable code for the expected result: any code when the result is
// unspecified (spec §5.3), any NaN code when a NaN is expected (NaN compared as a class), else
// the very code.
bool code_accepted(const Format& format, const ref::EncodeResult& want, uint32_t got);

// ---- The grid of a format (spec §5.1), from the reference decode of every code ---------------

struct GridPoint {
  double value;
  uint32_t code;
};
// The non-negative finite values of a format of at most 16 bits, ascending, each with its code
// (+0 once where the format has a zero). The last one is the largest finite value.
const std::vector<GridPoint>& nonnegative_grid(const Format& format);
// The grid point after the largest finite value (spec §5.1 counts codes on past the largest):
// max + 1 for integers, 4·max for radix 4, else max + 2^(exponent(max) − M).
double grid_point_after_max(const Format& format);
// The code of −value given the code of value (spec §2: sign bit for floats, two's complement for
// integers; zero stays +0 where the format has no −0).
uint32_t negated_code(const Format& format, uint32_t code);

// ---- Running the fast implementation ----------------------------------------------------------

struct FastResults {
  std::vector<uint32_t> codes;
  std::vector<uint8_t> flags;
};
// Encoder::encode (general path, with flags).
FastResults fast_encode(const fast::Encoder& encoder, Source source, std::span<const uint64_t> inputs,
                        std::span<const uint32_t> random = {});
// Encoder::from_f32 (fast path, no flags) into the output width of the format, widened to uint32.
std::vector<uint32_t> fast_from_f32(const fast::Encoder& encoder, std::span<const float> inputs);

// ---- Failure messages ---------------------------------------------------------------------------

// One encode case as a failure message names it.
struct EncodeCase {
  const Format* format = nullptr;
  EncodeParams params;
  Source source = Source::F32;
  uint64_t input = 0;      // bit pattern
  uint32_t random = 0;     // R, stochastic roundings only
  std::string route;       // e.g. "fast encode() isa=avx2 threads=1", "reference encode()"
};

// "encode/float8_e4m3fn/rne/sat/float32/0x43e80000" (plus "/N=2/R=3" for stochastic roundings).
std::string signature(const EncodeCase& c);
// A one-line command that reruns the case: the `lpconform eval encode` CLI where the input is a
// float32 value and the rounding deterministic, else this test binary with the seed.
std::string repro(const EncodeCase& c);
// The full message: route, format, rounding, overflow, source, input bits and value, got, want,
// seed, signature and repro.
std::string describe(const EncodeCase& c, uint32_t got_code, std::optional<uint8_t> got_flags,
                     const ref::EncodeResult& want);

// Counts mismatches and keeps the messages of the first few.
class MismatchLog {
 public:
  void add(const std::string& message);
  size_t count() const { return count_; }
  std::string report() const;  // "" when there is none

 private:
  size_t count_ = 0;
  std::string kept_;
};

// Compares a batch with the expected results (codes via code_accepted; flags exactly when
// `got_flags` is not empty). `base` names the case; its input and random are filled per element.
void compare_batch(const EncodeCase& base, std::span<const uint64_t> inputs, std::span<const uint32_t> random,
                   std::span<const uint32_t> got_codes, std::span<const uint8_t> got_flags,
                   std::span<const ref::EncodeResult> want, MismatchLog& log);

std::string hex(uint64_t value, int digits);

}  // namespace lpc::test
