// Benchmarks of the multinomial sampler family (spec/sampler.md), one core: Philox4x32-10 and
// Threefry4x32-20 words per second (the sample-word stream of §3.3 and counter blocks, scalar and
// AVX-512) beside memcpy of the same bytes; the banked cumulative sum of 4 Ki categories per
// format and bank count (categories per second); selection of 4 Ki samples on 1 Ki categories
// (samples per second, cumulative sum included); the exact reference for scale.
//
//   lpconform_bench --benchmark_filter='sampler/'
#include <benchmark/benchmark.h>

#include <cstdint>
#include <cstring>
#include <random>
#include <vector>

#include "impls/fast/sampler/multinomial.hpp"
#include "impls/fast/sampler/random123.hpp"
#include "reference/sampler/multinomial.hpp"

namespace {

constexpr size_t kWords = 1 << 16;  // 256 KiB of words: in L2

void words_stream(benchmark::State& state, lpc::fast::CounterRng generator, lpc::fast::Isa isa) {
  if (!lpc::fast::isa_available(isa)) return state.SkipWithError("ISA not available");
  std::vector<uint32_t> out(kWords);
  uint64_t first = 0;
  for (auto _ : state) {
    lpc::fast::sample_words(generator, 20260101, 7, first, out, isa);
    first += kWords;
    benchmark::DoNotOptimize(out.data());
    benchmark::ClobberMemory();
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * kWords));
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * kWords * sizeof(uint32_t)));
}
BENCHMARK_CAPTURE(words_stream, sampler/philox10/scalar, lpc::fast::CounterRng::Philox, lpc::fast::Isa::Scalar);
BENCHMARK_CAPTURE(words_stream, sampler/philox10/avx512, lpc::fast::CounterRng::Philox, lpc::fast::Isa::Avx512);
BENCHMARK_CAPTURE(words_stream, sampler/threefry20/scalar, lpc::fast::CounterRng::Threefry, lpc::fast::Isa::Scalar);
BENCHMARK_CAPTURE(words_stream, sampler/threefry20/avx512, lpc::fast::CounterRng::Threefry, lpc::fast::Isa::Avx512);

void philox_blocks(benchmark::State& state, lpc::fast::Isa isa) {
  if (!lpc::fast::isa_available(isa)) return state.SkipWithError("ISA not available");
  std::vector<uint32_t> counters(kWords), out(kWords);
  std::mt19937 rng(42);
  for (uint32_t& c : counters) c = rng();
  for (auto _ : state) {
    lpc::fast::random123_blocks({lpc::fast::CounterRng::Philox, 10, {1, 2, 0, 0}}, counters, out, isa);
    benchmark::DoNotOptimize(out.data());
    benchmark::ClobberMemory();
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * kWords));
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * kWords * sizeof(uint32_t)));
}
BENCHMARK_CAPTURE(philox_blocks, sampler/philox10_blocks/scalar, lpc::fast::Isa::Scalar);
BENCHMARK_CAPTURE(philox_blocks, sampler/philox10_blocks/avx512, lpc::fast::Isa::Avx512);

// The baseline: memcpy of the same bytes (items: 32-bit words).
void words_memcpy(benchmark::State& state) {
  std::vector<uint32_t> in(kWords, 1), out(kWords);
  for (auto _ : state) {
    std::memcpy(out.data(), in.data(), kWords * sizeof(uint32_t));
    benchmark::DoNotOptimize(out.data());
    benchmark::ClobberMemory();
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * kWords));
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * kWords * sizeof(uint32_t)));
}
BENCHMARK(words_memcpy)->Name("sampler/memcpy_words");

std::vector<float> weights(size_t n) {
  std::mt19937 rng(42);
  std::uniform_real_distribution<float> uniform(0.0f, 1.0f);
  std::vector<float> w(n);
  for (float& x : w) x = uniform(rng);
  return w;
}

// Categories per second: the banked cumulative sum, normalized by the total, of 4 Ki weights.
void cumsum(benchmark::State& state, lpc::SamplerFormat format) {
  const size_t n = 4096;
  const lpc::SamplerParams p{format, static_cast<uint32_t>(state.range(0)), lpc::Normalization::Total, lpc::Replacement::With};
  const std::vector<float> w = weights(n);
  std::vector<float> sums(n);
  for (auto _ : state) {
    benchmark::DoNotOptimize(lpc::fast::cumsum_banked(p, w, sums));
    benchmark::ClobberMemory();
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * n));
}
BENCHMARK_CAPTURE(cumsum, sampler/cumsum_banked/float32, lpc::SamplerFormat::Float32)->Arg(1)->Arg(16)->Arg(64);
BENCHMARK_CAPTURE(cumsum, sampler/cumsum_banked/bfloat16, lpc::SamplerFormat::Bfloat16)->Arg(1)->Arg(16)->Arg(64);
BENCHMARK_CAPTURE(cumsum, sampler/cumsum_banked/float16, lpc::SamplerFormat::Float16)->Arg(1)->Arg(16)->Arg(64);

// Samples per second, and categories scanned (samples x categories, the patent's compare-and-count
// work) per second: 4 Ki words on 1 Ki categories, the cumulative sum included.
struct SelectionRow {
  lpc::SamplerParams params{lpc::SamplerFormat::Float32, 16, lpc::Normalization::Total, lpc::Replacement::With};
  std::vector<float> w;
  std::vector<uint32_t> words;
};

// 1 Ki float32 categories on 16 banks, and `samples` Philox words.
SelectionRow selection_row(size_t samples) {
  SelectionRow row{.w = weights(1024), .words = std::vector<uint32_t>(samples)};
  lpc::fast::sample_words(lpc::fast::CounterRng::Philox, 1, 0, 0, row.words);
  return row;
}

void selection(benchmark::State& state) {
  const SelectionRow row = selection_row(4096);
  const auto& [p, w, words] = row;
  const size_t n = w.size(), samples = words.size();
  std::vector<int64_t> index(samples);
  for (auto _ : state) {
    benchmark::DoNotOptimize(lpc::fast::multinomial(p, w, words, index));
    benchmark::ClobberMemory();
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * samples));
  state.counters["categories_scanned_per_s"] = benchmark::Counter(static_cast<double>(state.iterations() * samples * n), benchmark::Counter::kIsRate);
}
BENCHMARK(selection)->Name("sampler/multinomial_select/float32/b16");

// The exact reference, for scale: 64 samples on 1 Ki categories.
void selection_reference(benchmark::State& state) {
  const SelectionRow row = selection_row(64);
  for (auto _ : state) benchmark::DoNotOptimize(lpc::ref::multinomial(row.params, row.w, row.words));
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * row.words.size()));
}
BENCHMARK(selection_reference)->Name("sampler/multinomial_select/reference/float32/b16");

}  // namespace
