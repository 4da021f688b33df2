// lpconform benchmarks — numeric-format conversions (Google Benchmark).
//
// Every benchmark reports items_per_second = elements per second (per CPU second on one thread, per
// wall-clock second when threaded: "/threads" cases). Inputs are normally distributed
// float32 values (sigma 1, fixed seed). Sizes: 16 Ki elements (in cache) and 64 Mi elements (out of
// cache, on one thread and on every hardware thread; 128 Ki and 1 Mi on both, for the thread pool). Baselines in the same run: memcpy of the
// same bytes (the float32 input), and the exact reference's cost per element.
//
//   lpconform_bench --benchmark_filter='encode/float8_e4m3fn/rne/sat'
#include <benchmark/benchmark.h>

#include <algorithm>
#include <bit>
#include <cstdint>
#include <cstring>
#include <map>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include <immintrin.h>

#include "impls/fast/formats/convert.hpp"
#include "reference/formats/codec.hpp"

namespace {

constexpr size_t kInCache = size_t{16} << 10;
constexpr size_t kOutOfCache = size_t{64} << 20;

// One shared input per size (64 Mi normals take a while to draw).
const std::vector<float>& normal_input(size_t n) {
  static std::map<size_t, std::vector<float>> inputs;
  auto [it, inserted] = inputs.try_emplace(n);
  if (inserted) {
    std::mt19937 rng(20240613);
    std::normal_distribution<float> normal(0.0f, 1.0f);
    it->second.resize(n);
    for (float& x : it->second) x = normal(rng);
  }
  return it->second;
}

std::string size_label(size_t n) { return n >= (size_t{1} << 20) ? std::to_string(n >> 20) + "Mi" : std::to_string(n >> 10) + "Ki"; }

std::string thread_label(int max_threads) { return max_threads == 1 ? "1thread" : "threads"; }

void finish(benchmark::State& state, size_t n, size_t bytes_per_element) {
  state.SetItemsProcessed(int64_t(state.iterations()) * int64_t(n));
  state.SetBytesProcessed(int64_t(state.iterations()) * int64_t(n * bytes_per_element));
}

struct EncodeCase {
  const char* format;
  lpc::Rounding rounding;
  lpc::Overflow overflow;
};

constexpr EncodeCase kEncodeCases[] = {
    {"float8_e4m3fn", lpc::Rounding::Rne, lpc::Overflow::Sat},
    {"float8_e4m3fn", lpc::Rounding::Rne, lpc::Overflow::NonSat},
    {"float8_e5m2", lpc::Rounding::Rne, lpc::Overflow::Sat},
    {"float4_e2m1fn", lpc::Rounding::Rne, lpc::Overflow::Sat},
    {"float6_e3m2fn", lpc::Rounding::Rne, lpc::Overflow::Sat},
    {"binary8p4se", lpc::Rounding::Rne, lpc::Overflow::Sat},
    {"int8", lpc::Rounding::Rne, lpc::Overflow::Sat},
    {"bfloat16", lpc::Rounding::Rne, lpc::Overflow::NonSat},
    {"float16", lpc::Rounding::Rne, lpc::Overflow::NonSat},
};

constexpr const char* kDecodeFormats[] = {"float8_e4m3fn", "float8_e5m2"};

void register_encode(const EncodeCase& c, lpc::fast::Isa isa, size_t n, int max_threads) {
  const std::string name = std::string("encode/") + c.format + "/" + lpc::to_string(c.rounding) + "/" +
                           lpc::to_string(c.overflow) + "/" + lpc::fast::to_string(isa) + "/" + size_label(n) + "/" +
                           thread_label(max_threads);
  auto* b = benchmark::RegisterBenchmark(name.c_str(), [=](benchmark::State& state) {
    const std::vector<float>& in = normal_input(n);
    const lpc::Format& f = lpc::format_by_name(c.format);
    const lpc::fast::Encoder encoder(f, lpc::EncodeParams{c.rounding, c.overflow, 0}, lpc::fast::Variant{isa, max_threads, 0});
    auto run = [&](auto code) {
      std::vector<decltype(code)> out(n);
      for (auto _ : state) {
        encoder.from_f32(in, out);
        benchmark::DoNotOptimize(out.data());
        benchmark::ClobberMemory();
      }
      finish(state, n, sizeof(float) + sizeof(code));
    };
    if (f.code_bytes() == 1)
      run(uint8_t{});
    else
      run(uint16_t{});
  });
  if (max_threads != 1) b->UseRealTime();
}

void register_decode(const char* format, lpc::fast::Isa isa, size_t n, int max_threads) {
  const std::string name = std::string("decode/") + format + "/" + lpc::fast::to_string(isa) + "/" + size_label(n) +
                           "/" + thread_label(max_threads);
  auto* b = benchmark::RegisterBenchmark(name.c_str(), [=](benchmark::State& state) {
    const lpc::Format& f = lpc::format_by_name(format);
    // Codes of the same normal data, so the decode sees a realistic code distribution.
    std::vector<uint8_t> codes(n);
    lpc::fast::Encoder(f, lpc::EncodeParams{}).from_f32(normal_input(n), codes);
    std::vector<float> out(n);
    const lpc::fast::Decoder decoder(f, lpc::fast::Variant{isa, max_threads, 0});
    for (auto _ : state) {
      decoder.to_f32(codes, out);
      benchmark::DoNotOptimize(out.data());
      benchmark::ClobberMemory();
    }
    finish(state, n, sizeof(uint8_t) + sizeof(float));
  });
  if (max_threads != 1) b->UseRealTime();
}

// memcpy of the float32 input (4 bytes per element), on one thread or split over all of them.
void register_memcpy(size_t n, int max_threads) {
  const std::string name = "memcpy/f32_bytes/" + size_label(n) + "/" + thread_label(max_threads);
  auto* b = benchmark::RegisterBenchmark(name.c_str(), [=](benchmark::State& state) {
    const std::vector<float>& in = normal_input(n);
    std::vector<float> out(n);
    const size_t threads = max_threads == 1 ? 1 : std::max(1u, std::thread::hardware_concurrency());
    for (auto _ : state) {
      if (threads == 1) {
        std::memcpy(out.data(), in.data(), n * sizeof(float));
      } else {
        std::vector<std::jthread> pool;
        for (size_t t = 0; t < threads; ++t)
          pool.emplace_back([&, t] {
            const size_t begin = n * t / threads, end = n * (t + 1) / threads;
            std::memcpy(out.data() + begin, in.data() + begin, (end - begin) * sizeof(float));
          });
      }
      benchmark::DoNotOptimize(out.data());
      benchmark::ClobberMemory();
    }
    finish(state, n, 2 * sizeof(float));
  });
  if (max_threads != 1) b->UseRealTime();
}

// The CPU's own float32 -> bfloat16/float16 instructions, the peers of encode/bfloat16 and
// encode/float16 (round to nearest even, overflow to infinity). Speed peers only: vcvtneps2bf16
// reads float32 subnormals as zero and flushes bfloat16 subnormals (AVX512-BF16), and vcvtps2ph
// keeps a NaN's payload where the spec gives the canonical NaN, so neither is the spec's conversion.
__attribute__((target("avx512f,avx512bf16"))) void bf16_instruction(const float* in, size_t n, uint16_t* out) {
  size_t i = 0;
  for (; i + 16 <= n; i += 16)
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(out + i), (__m256i)_mm512_cvtneps_pbh(_mm512_loadu_ps(in + i)));
  for (; i < n; ++i) out[i] = uint16_t(std::bit_cast<uint32_t>(in[i]) >> 16);  // n is a multiple of 16 here
}

__attribute__((target("avx,f16c"))) void f16_instruction(const float* in, size_t n, uint16_t* out) {
  size_t i = 0;
  for (; i + 8 <= n; i += 8)
    _mm_storeu_si128(reinterpret_cast<__m128i*>(out + i), _mm256_cvtps_ph(_mm256_loadu_ps(in + i), _MM_FROUND_TO_NEAREST_INT));
  for (; i < n; ++i) out[i] = uint16_t(std::bit_cast<uint32_t>(in[i]) >> 16);  // n is a multiple of 8 here
}

void register_instruction(const char* name, void (*convert)(const float*, size_t, uint16_t*)) {
  const std::string full = std::string("cpu_instruction/") + name + "/" + size_label(kInCache) + "/1thread";
  benchmark::RegisterBenchmark(full.c_str(), [=](benchmark::State& state) {
    const std::vector<float>& in = normal_input(kInCache);
    std::vector<uint16_t> out(kInCache);
    for (auto _ : state) {
      convert(in.data(), kInCache, out.data());
      benchmark::DoNotOptimize(out.data());
      benchmark::ClobberMemory();
    }
    finish(state, kInCache, sizeof(float) + sizeof(uint16_t));
  });
}

// The exact reference, per element (what the fast implementation is measured against).
void register_reference(const EncodeCase& c) {
  const std::string name = std::string("reference_encode/") + c.format + "/" + lpc::to_string(c.rounding) + "/" +
                           lpc::to_string(c.overflow) + "/1Ki";
  benchmark::RegisterBenchmark(name.c_str(), [=](benchmark::State& state) {
    constexpr size_t n = 1024;
    const std::vector<float>& in = normal_input(kInCache);
    const lpc::Format& f = lpc::format_by_name(c.format);
    const lpc::EncodeParams params{c.rounding, c.overflow, 0};
    std::vector<uint32_t> out(n);
    for (auto _ : state) {
      for (size_t i = 0; i < n; ++i)
        out[i] = lpc::ref::encode(f, params, lpc::ref::ExactValue::from_source(lpc::Source::F32, std::bit_cast<uint32_t>(in[i]))).code;
      benchmark::DoNotOptimize(out.data());
    }
    finish(state, n, sizeof(float));
  });
}

void register_all() {
  std::vector<lpc::fast::Isa> isas;
  for (lpc::fast::Isa isa : {lpc::fast::Isa::Scalar, lpc::fast::Isa::Avx2, lpc::fast::Isa::Avx512})
    if (lpc::fast::isa_available(isa)) isas.push_back(isa);
  register_memcpy(kInCache, 1);
  for (const EncodeCase& c : kEncodeCases)
    for (lpc::fast::Isa isa : isas) register_encode(c, isa, kInCache, 1);
  for (const char* f : kDecodeFormats)
    for (lpc::fast::Isa isa : isas) register_decode(f, isa, kInCache, 1);
  if (__builtin_cpu_supports("avx512bf16")) register_instruction("vcvtneps2bf16", bf16_instruction);
  if (__builtin_cpu_supports("f16c")) register_instruction("vcvtps2ph", f16_instruction);
  // Small batches, one thread against all of them (threads must never be slower: the chunk pool).
  for (size_t n : {size_t{128} << 10, size_t{1} << 20})
    for (int threads : {1, 0}) register_encode(kEncodeCases[0], lpc::fast::Isa::Auto, n, threads);
  for (int threads : {1, 0}) {
    register_memcpy(kOutOfCache, threads);
    for (const EncodeCase& c : kEncodeCases) register_encode(c, lpc::fast::Isa::Auto, kOutOfCache, threads);
    for (const char* f : kDecodeFormats) register_decode(f, lpc::fast::Isa::Auto, kOutOfCache, threads);
  }
  register_reference(kEncodeCases[0]);
}

}  // namespace

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  register_all();
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
