// lpconform fast — internals shared by random123.cpp and its AVX-512 kernel
// (random123_avx512.cpp, compiled with AVX-512 flags and entered only after a CPU check).
#pragma once

#include <cstddef>
#include <cstdint>

#include "impls/fast/sampler/random123.hpp"

namespace lpc::fast::detail {

// The blocks one call of the kernel takes.
inline constexpr size_t kRandom123Avx512Blocks = 64;

// kRandom123Avx512Blocks blocks at a time: counters of blocks first_block, first_block + 1, ... of
// a stream (c0 = block low word, c1 = high word, c2 = c2, c3 = c3) or read from `counters` (4
// words a block) when it is not null; 4 words a block written to out.
void random123_avx512(const CounterRngSpec& spec, const uint32_t* counters, uint64_t first_block, uint32_t c2, uint32_t c3, uint32_t* out);

}  // namespace lpc::fast::detail
