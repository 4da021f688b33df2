// Benchmarks of the compressed weight block (spec/weight_codecs.md), one core: decoding a block of
// one bank into the dense matrix (uint16 codes), bytes per second counted as the decoded bytes, beside
// memcpy of the same decoded bytes in the same run (the bar: ZVC and ZRLE decode >= 0.5x
// memcpy; canonical Huffman >= 500 MB/s of output). Matrices of 256 Ki codes (512 KiB decoded, in
// L2) and 4 Mi codes (8 MiB, beyond it), w = 8 unless named, codes drawn from a skewed palette of
// 16 codes at 50% and 90% zeros; the encoders and the reference decoder for scale.
//
//   lpconform_bench --benchmark_filter='weight_codecs/'
#include <benchmark/benchmark.h>

#include <cstdint>
#include <cstring>
#include <random>
#include <vector>

#include "impls/chip/timing/timing.hpp"
#include "impls/chip/weights/weights.hpp"
#include "impls/fast/weight_codecs/weight_codecs.hpp"
#include "reference/weight_codecs/weight_codecs.hpp"

namespace {

using lpc::WcCodec;
using lpc::WcParams;

std::vector<uint16_t> matrix(size_t n, int zero_percent, uint32_t width) {
  std::mt19937_64 rng(20261207);
  std::vector<uint16_t> palette;
  for (int i = 0; i < 16; ++i) palette.push_back(static_cast<uint16_t>(1 + rng() % ((1u << width) - 1)));
  std::geometric_distribution<int> pick(0.25);
  std::vector<uint16_t> m(n);
  for (uint16_t& c : m) c = static_cast<int>(rng() % 100) < zero_percent ? 0 : palette[std::min(pick(rng), 15)];
  return m;
}

WcParams params(WcCodec codec, uint32_t width, uint32_t param, size_t n, uint32_t banks = 1) {
  return banks == 1 ? WcParams{codec, width, param, 1, static_cast<uint32_t>(n), 1} : WcParams{codec, width, param, 4 * banks, static_cast<uint32_t>(n / (4 * banks)), banks};
}

// state.range(0): codes; range(1): percent zeros; range(2): 1 = the SIMD kernel allowed; banks
// (1: one row; else 4 rows per bank, the core's layout, the rows copied into the dense matrix).
void decode(benchmark::State& state, WcCodec codec, uint32_t width, uint32_t param, uint32_t banks = 1) {
  const size_t n = static_cast<size_t>(state.range(0));
  const std::vector<uint16_t> m = matrix(n, static_cast<int>(state.range(1)), width);
  const std::vector<uint8_t> block = lpc::fast::wc_encode(params(codec, width, param, n, banks), m);
  WcParams h;
  std::vector<uint16_t> out;
  const bool simd = state.range(2) != 0;
  if (simd && !lpc::fast::wc_simd_available()) return state.SkipWithError("AVX-512 VBMI2 not available");
  for (auto _ : state) {
    if (!lpc::fast::wc_decode(block, h, out, simd).ok()) return state.SkipWithError("decode failed");
    benchmark::DoNotOptimize(out.data());
    benchmark::ClobberMemory();
  }
  if (out != m) return state.SkipWithError("decoded matrix differs");
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * n * sizeof(uint16_t)));
  state.counters["ratio"] = static_cast<double>(block.size()) / static_cast<double>(n * sizeof(uint16_t));
}
#define WC_SIZES ->Args({1 << 18, 50, 1})->Args({1 << 18, 90, 1})->Args({1 << 22, 50, 1})->Args({1 << 22, 90, 1})
BENCHMARK_CAPTURE(decode, weight_codecs/decode/zvc_b32, WcCodec::Zvc, 8u, 32u) WC_SIZES->Args({1 << 18, 50, 0})->Args({1 << 22, 90, 0});
BENCHMARK_CAPTURE(decode, weight_codecs/decode/zvc_b64, WcCodec::Zvc, 8u, 64u) WC_SIZES;
BENCHMARK_CAPTURE(decode, weight_codecs/decode/zvc_b32_32banks, WcCodec::Zvc, 8u, 32u, 32u) WC_SIZES;
BENCHMARK_CAPTURE(decode, weight_codecs/decode/zvc_b32_w16, WcCodec::Zvc, 16u, 32u) WC_SIZES;
BENCHMARK_CAPTURE(decode, weight_codecs/decode/zvc_b8_w4, WcCodec::Zvc, 4u, 8u) WC_SIZES;
BENCHMARK_CAPTURE(decode, weight_codecs/decode/zrle_r4, WcCodec::Zrle, 8u, 4u) WC_SIZES;
BENCHMARK_CAPTURE(decode, weight_codecs/decode/huffman_l12, WcCodec::Huffman, 8u, 12u) WC_SIZES;
BENCHMARK_CAPTURE(decode, weight_codecs/decode/dict_k5, WcCodec::Dict, 8u, 5u) WC_SIZES;

// The peer: memcpy of the decoded bytes.
void decoded_memcpy(benchmark::State& state) {
  const size_t n = static_cast<size_t>(state.range(0));
  std::vector<uint16_t> in(n, 1), out(n);
  for (auto _ : state) {
    std::memcpy(out.data(), in.data(), n * sizeof(uint16_t));
    benchmark::DoNotOptimize(out.data());
    benchmark::ClobberMemory();
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * n * sizeof(uint16_t)));
}
BENCHMARK(decoded_memcpy)->Name("weight_codecs/memcpy_decoded")->Arg(1 << 18)->Arg(1 << 22);

void encode(benchmark::State& state, WcCodec codec, uint32_t param) {
  const size_t n = 1 << 18;
  const std::vector<uint16_t> m = matrix(n, 50, 8);
  for (auto _ : state) benchmark::DoNotOptimize(lpc::fast::wc_encode(params(codec, 8, param, n), m));
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * n * sizeof(uint16_t)));
}
BENCHMARK_CAPTURE(encode, weight_codecs/encode/zvc_b32, WcCodec::Zvc, 32u);
BENCHMARK_CAPTURE(encode, weight_codecs/encode/zrle_r4, WcCodec::Zrle, 4u);
BENCHMARK_CAPTURE(encode, weight_codecs/encode/huffman_l12, WcCodec::Huffman, 12u);

void reference_decode(benchmark::State& state, WcCodec codec, uint32_t param) {
  const size_t n = 1 << 14;
  const std::vector<uint16_t> m = matrix(n, 50, 8);
  const std::vector<uint8_t> block = lpc::ref::wc_encode(params(codec, 8, param, n), m);
  for (auto _ : state) benchmark::DoNotOptimize(lpc::ref::wc_decode(block));
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * n * sizeof(uint16_t)));
}
BENCHMARK_CAPTURE(reference_decode, weight_codecs/reference_decode/zvc_b32, WcCodec::Zvc, 32u);
BENCHMARK_CAPTURE(reference_decode, weight_codecs/reference_decode/huffman_l12, WcCodec::Huffman, 12u);

// The chip model's weight path (spec/weight_codecs.md §5) for one layer: a GEMM M 1024, K 512,
// N 512 on a 32 x 32 weight-stationary array (spec/chip_timing.md); its 512 x 512 int8 weights
// (90% zeros under ZVC B 32, or the Huffman-coded palette) in 32 banks, one per array row. Counters:
// bytes moved beside the dense bytes, the load's cycles, the layer's compute cycles and what the
// load leaves exposed; time: the model's own speed.
void chip_weight_load(benchmark::State& state, WcCodec codec, uint32_t param) {
  const std::vector<uint16_t> m = matrix(512 * 512, static_cast<int>(state.range(0)), 8);
  const std::vector<uint8_t> block = lpc::fast::wc_encode({codec, 8, param, 512, 512, 32}, m);
  lpc::chip::Layer layer;
  layer.gemm = {1024, 512, 512};
  const uint64_t compute = lpc::chip::scalesim_timing(layer, {32, 32}, lpc::chip::Dataflow::WeightStationary).total_cycles;
  lpc::chip::WeightLoad load;
  for (auto _ : state) {
    load = lpc::chip::load_weight_block(block);
    benchmark::DoNotOptimize(load.banks.data());
  }
  if (!load.error.ok()) return state.SkipWithError("load failed");
  state.counters["bytes_moved"] = static_cast<double>(load.bytes_moved);
  state.counters["dense_bytes"] = static_cast<double>(load.dense_bytes);
  state.counters["load_cycles"] = static_cast<double>(load.load_cycles);
  state.counters["decode_cycles"] = static_cast<double>(load.decode_cycles);
  state.counters["compute_cycles"] = static_cast<double>(compute);
  state.counters["exposed"] = static_cast<double>(lpc::chip::exposed_load_cycles(load.load_cycles, compute));
}
BENCHMARK_CAPTURE(chip_weight_load, weight_codecs/chip_load/zvc_b32, WcCodec::Zvc, 32u)->Arg(90)->Arg(50)->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(chip_weight_load, weight_codecs/chip_load/huffman_l12, WcCodec::Huffman, 12u)->Arg(90)->Arg(50)->Unit(benchmark::kMillisecond);

}  // namespace
