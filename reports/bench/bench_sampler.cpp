// Benchmarks of the multinomial sampler family (spec/sampler.md), one core: Philox4x32-10 and
// Threefry4x32-20 words per second (the sample-word stream of §3.3 and counter blocks, scalar and
// AVX-512) beside memcpy of the same bytes; the banked cumulative sum of 4 Ki categories per
// format and bank count (categories per second); selection of 4 Ki samples on 1 Ki categories
// (samples per second, cumulative sum included); the exact reference for scale; issue 18's three
// targets: banked cumsum + one draw from 64 Ki categories (categories per second, beside memcpy of
// the weights), exact verification of 10^6 samples over 10^3 categories, the χ² gate at 10^7.
//
//   lpconform_bench --benchmark_filter='sampler/'
#include <benchmark/benchmark.h>

#include <cstdint>
#include <cstring>
#include <random>
#include <vector>

#include "conformance/core/implementation.hpp"
#include "conformance/ops/derive.hpp"
#include "conformance/statistics/chi_square.hpp"
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

// Issue 18's target, banked cumsum + selection >= 1 G categories scanned per second: one row of
// 64 Ki categories (a vocabulary; 256 KiB of weights, in L2) summed by the banked algorithm and
// one draw selected from it, as a language model samples a token (categories per second).
void cumsum_select(benchmark::State& state, lpc::SamplerFormat format) {
  const size_t n = 1 << 16;
  const lpc::SamplerParams p{format, static_cast<uint32_t>(state.range(0)), lpc::Normalization::Total, lpc::Replacement::With};
  const std::vector<float> w = weights(n);
  std::vector<uint32_t> word(1);
  std::vector<int64_t> index(1);
  uint64_t first = 0;
  for (auto _ : state) {
    lpc::fast::sample_words(lpc::fast::CounterRng::Philox, 1, 0, first++, word);
    benchmark::DoNotOptimize(lpc::fast::multinomial(p, w, word, index));
    benchmark::ClobberMemory();
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * n));
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * n * sizeof(float)));
}
BENCHMARK_CAPTURE(cumsum_select, sampler/cumsum_select/float32, lpc::SamplerFormat::Float32)->Arg(1)->Arg(16)->Arg(64);
BENCHMARK_CAPTURE(cumsum_select, sampler/cumsum_select/bfloat16, lpc::SamplerFormat::Bfloat16)->Arg(1)->Arg(16)->Arg(64);
BENCHMARK_CAPTURE(cumsum_select, sampler/cumsum_select/float16, lpc::SamplerFormat::Float16)->Arg(1)->Arg(16)->Arg(64);

// The peer: memcpy of the same 256 KiB of weights (items: categories).
void weights_memcpy(benchmark::State& state) {
  const size_t n = 1 << 16;
  std::vector<float> in(n, 1.0f), out(n);
  for (auto _ : state) {
    std::memcpy(out.data(), in.data(), n * sizeof(float));
    benchmark::DoNotOptimize(out.data());
    benchmark::ClobberMemory();
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * n));
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * n * sizeof(float)));
}
BENCHMARK(weights_memcpy)->Name("sampler/memcpy_weights");

// Issue 18's target, exact verification of 10^6 samples over 10^3 categories in <= 1 s: one
// multinomial case (float32, 16 banks, rng philox, 10^6 samples) checked as the runner checks it
// (conformance/ops/derive.hpp check_case): the fast subject's draws, the exact reference's (words
// and sums in exact arithmetic), compared sample by sample. Items: samples.
void exact_verification(benchmark::State& state) {
  const lpc::ops::OpSchema& op = *lpc::ops::find_op("multinomial");
  lpc::ops::OpCase c{&op, lpc::ops::make_params(op, {{"element", "float32"}, {"banks", "16"}, {"rng", "philox"}, {"seed", "20261812"}, {"samples", "1000000"}}),
                     {}};
  const std::vector<float> w = weights(1000);
  c.inputs = {lpc::ops::Tensor::real_list(std::vector<double>(w.begin(), w.end())), lpc::ops::Tensor::integer_list({})};
  const lpc::Implementation& fast = *lpc::find_implementation("fast");
  const lpc::Implementation& reference = *lpc::find_implementation("reference");
  for (auto _ : state) {
    lpc::ItemResult r;
    if (!lpc::ops::check_case(c, fast, reference, 10, r) || r.mismatches || r.checked != 1000000) return state.SkipWithError("the check did not pass");
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * 1000000));
}
BENCHMARK(exact_verification)->Name("sampler/exact_verification/1e6_samples/1e3_categories")->Unit(benchmark::kMillisecond)->UseRealTime();

// Issue 18's target, the χ² gate at 10^7 samples in <= 2 s: the statistical item's own path
// (conformance/ops/op.hpp StatisticalDeclaration): the oracle's distribution, 10^7 draws of the
// fast subject in cases of 2^20, counted, and the χ² test. Items: samples.
void chi_square_gate(benchmark::State& state) {
  const lpc::ops::OpSchema& op = *lpc::ops::find_op("multinomial");
  const lpc::ops::Params item = lpc::ops::make_params(op, {{"element", "float32"}, {"banks", "8"}, {"rng", "philox"}, {"verify", "statistical"}});
  const lpc::Implementation& fast = *lpc::find_implementation("fast");
  const lpc::Implementation& reference = *lpc::find_implementation("reference");
  const uint64_t n = 10000000;
  for (auto _ : state) {
    std::vector<lpc::ops::OpCase> cases = op.statistical->draws(item, 20261813, n);
    std::vector<double> probabilities;
    std::string error;
    cases[0].op = &op;
    if (op.statistical->distribution(cases[0], reference, probabilities, error) != lpc::OpStatus::Ok) return state.SkipWithError(error.c_str());
    std::vector<uint64_t> counts(probabilities.size());
    for (lpc::ops::OpCase& c : cases) {
      c.op = &op;
      std::vector<lpc::ops::Tensor> got;
      if (lpc::ops::run_case(fast, c, got, error) != lpc::OpStatus::Ok || op.statistical->tally(c, got, counts)) return state.SkipWithError("draws failed");
    }
    const auto chi = lpc::statistics::chi_square_goodness_of_fit(counts, probabilities, {});
    if (chi.status == lpc::Status::Fail) return state.SkipWithError(chi.message.c_str());
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * n));
}
BENCHMARK(chi_square_gate)->Name("sampler/chi_square_gate/1e7_samples")->Unit(benchmark::kMillisecond)->UseRealTime();

// The exact reference, for scale: 64 samples on 1 Ki categories.
void selection_reference(benchmark::State& state) {
  const SelectionRow row = selection_row(64);
  for (auto _ : state) benchmark::DoNotOptimize(lpc::ref::multinomial(row.params, row.w, row.words));
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * row.words.size()));
}
BENCHMARK(selection_reference)->Name("sampler/multinomial_select/reference/float32/b16");

}  // namespace
