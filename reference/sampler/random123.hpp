// lpconform reference — Philox4x32-R and Threefry4x32-R (spec/sampler.md §3), one block at a time,
// written from the definitions in Salmon et al., "Parallel Random Numbers: As Easy as 1, 2, 3"
// (SC 2011) and Random123's philox.h / threefry.h: round by round, key by key, as the spec reads.
// Nothing here is shared with impls/.
#pragma once

#include <array>
#include <cstdint>

namespace lpc::ref {

using Words4 = std::array<uint32_t, 4>;

// §3.1: the counter after `rounds` Philox rounds under key (k0, k1). Precondition: 1 <= rounds <= 16.
Words4 philox4x32(int rounds, const Words4& counter, const std::array<uint32_t, 2>& key);

// §3.2: the state after `rounds` Threefry rounds under key (k0..k3). Precondition: 1 <= rounds <= 72.
Words4 threefry4x32(int rounds, const Words4& counter, const Words4& key);

enum class CounterGenerator : uint8_t { Philox, Threefry };

// §3.3: the word of sample `sample` of row `row` under seed `seed`, from the generator's default
// rounds (Philox 10, Threefry 20).
uint32_t sample_word(CounterGenerator generator, uint64_t seed, uint32_t row, uint64_t sample);

}  // namespace lpc::ref
