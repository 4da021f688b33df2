// lpconform fuzz — what every target shares: the libFuzzer entry point's declaration, the way a
// finding is reported, and the choice of the fast implementation's internal variant from bytes.
//
// A finding prints one block on stderr and aborts, so libFuzzer (or the replay driver) stops with a
// crash artifact:
//   lpc-fuzz: FINDING <signature>
//   lpc-fuzz: <detail lines>
//   lpc-fuzz: repro: <one-line command>
// The signature is stable across inputs that hit the same bug (implementation-op-format-mode, or
// target-kind for a parser): the campaign (fuzz/campaign) deduplicates crashes by it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include <fuzzer/FuzzedDataProvider.h>

#include "impls/fast/formats/convert.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size);

namespace lpc::fuzz {

// Prints the finding block described above and calls std::abort(). `detail` may hold several
// lines; `repro` may be empty when no command reruns the input outside the fuzzer.
[[noreturn]] void report_finding(std::string_view signature, std::string_view detail, std::string_view repro);

// A variant of the fast implementation chosen from one byte and the whole input: the instruction
// set (an unavailable one falls back to Auto, so an input means the same on every machine that has
// it), and rarely 2 or 3 threads over chunks of 1 or 5 elements. Threads are chosen when a hash of
// the input's bytes hits 1 in 1024, not by a byte: libFuzzer solves a byte comparison at once (its
// comparison tracing), and then most of the corpus spawned threads, which fast starts per call and
// which cost a hundred times more than converting a fuzz input. A hash it cannot steer by. Formats
// wider than 16 bits (float32, which has no SIMD kernel) always get {Auto, 1 thread}: the targets
// cache an encoder per variant, and building one for float32 costs 25-100 ms (fast's
// derive_constants scans its 2^23 NaN codes one by one). Results must not depend on any of it
// (impls/fast/formats/convert.hpp).
fast::Variant consume_variant(FuzzedDataProvider& provider, const Format& format, const uint8_t* data, size_t size);

// "isa=avx2 threads=1 chunk=0" for finding messages.
std::string describe(const fast::Variant& variant);

}  // namespace lpc::fuzz
