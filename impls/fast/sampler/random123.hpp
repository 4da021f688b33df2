// lpconform fast — Philox4x32-R and Threefry4x32-R in batches (spec/sampler.md §3): an AVX-512
// kernel (16 blocks per vector, chosen at run time) and a portable path. Independent of
// reference/; conformance/ checks it against Random123's known answers and the reference.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>

#include "impls/fast/formats/convert.hpp"  // Isa

namespace lpc::fast {

enum class CounterRng : uint8_t { Philox, Threefry };

// The generator, its rounds and its key: Philox reads key[0..1], Threefry key[0..3].
struct CounterRngSpec {
  CounterRng generator = CounterRng::Philox;
  int rounds = 10;  // Philox 1..16, Threefry 1..72
  std::array<uint32_t, 4> key{};
};

// Blocks: `counters` holds 4 words per block (c0, c1, c2, c3, c0, ...); out[4i..4i+3] is block i's
// output. Precondition: counters.size() == out.size(), a multiple of 4; rounds in range.
void random123_blocks(const CounterRngSpec& spec, std::span<const uint32_t> counters, std::span<uint32_t> out, Isa isa = Isa::Auto);

// §3.3: out[i] = x_s of sample s = first + i of `row` under `seed`, at the generator's default
// rounds (spec.rounds and spec.key are ignored: the key is the seed's).
// Precondition: first + out.size() <= 2^64 (sample indices do not wrap).
void sample_words(CounterRng generator, uint64_t seed, uint32_t row, uint64_t first, std::span<uint32_t> out, Isa isa = Isa::Auto);

}  // namespace lpc::fast
