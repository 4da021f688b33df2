// lpconform fuzz — the sample words of spec/sampler.md §3.3: fast::sample_words (every ISA path the
// machine has: a batch of blocks, transposed, with carries into the block number) against
// ref::sample_word one word at a time, for any generator, seed σ, row, first sample index (near
// 2^64 - 1 too, the block number's last carries) and count 0..300.
//
// Bytes (FuzzedDataProvider): generator, ISA, seed, row, first, count.
#include <cstdint>
#include <string>
#include <vector>

#include "fuzz/support/fuzz_support.hpp"
#include "impls/fast/sampler/random123.hpp"
#include "reference/sampler/random123.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace lpc;
  FuzzedDataProvider provider(data, size);
  const bool philox = provider.ConsumeBool();
  const fast::Isa isas[] = {fast::Isa::Scalar, fast::Isa::Avx512, fast::Isa::Auto};
  const fast::Isa isa = isas[provider.ConsumeIntegralInRange<size_t>(0, 2)];
  if (!fast::isa_available(isa)) return 0;
  const uint64_t seed = provider.ConsumeIntegral<uint64_t>();
  const uint32_t row = provider.ConsumeIntegral<uint32_t>();
  uint64_t first = provider.ConsumeIntegral<uint64_t>();
  const size_t count = provider.ConsumeIntegralInRange<size_t>(0, 300);
  // Sample indices are 0 .. 2^64 - 1 (§3.3): a batch ends at the last one instead of wrapping past it
  // (the fuzzer's first finding: fast continued to block 2^62 where the reference wrapped to 0).
  if (first > UINT64_MAX - count) first = UINT64_MAX - count;
  std::vector<uint32_t> words(count);
  fast::sample_words(philox ? fast::CounterRng::Philox : fast::CounterRng::Threefry, seed, row, first, words, isa);
  for (size_t i = 0; i < count; ++i) {
    const uint32_t want = ref::sample_word(philox ? ref::CounterGenerator::Philox : ref::CounterGenerator::Threefry, seed, row, first + i);
    if (words[i] != want)
      fuzz::report_finding(std::string("sample-words-") + (philox ? "philox" : "threefry"),
                           "sample " + std::to_string(first + i) + " of seed " + std::to_string(seed) + ", row " + std::to_string(row) + ": fast " +
                               std::to_string(words[i]) + ", the reference " + std::to_string(want),
                           "lpconform eval multinomial --rng " + std::string(philox ? "philox" : "threefry") + " --seed " + std::to_string(seed) +
                               " --row " + std::to_string(row));
  }
  return 0;
}
