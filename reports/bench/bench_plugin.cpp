// The vendor plugin path per batch (issue 13 §7): the bundled fast implementation encoding one
// batch in process, and the same library loaded as a plugin (`--impl plugin:PATH`: a worker
// process, guarded buffers, a socket round trip per batch), with memcpy of the batch's bytes as
// the peer. 65,536 elements is the runner's batch (conformance/formats/checks.cpp kChunk); the
// small batches are the batch-shape pass's. Compare the plugin's time per batch with in process
// at the same size: the ratio is the overhead the runner pays per batch.
#include <benchmark/benchmark.h>

#include <bit>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "conformance/bundled/bundled.hpp"
#include "conformance/core/implementation.hpp"

namespace {

using namespace lpc;

struct Batch {
  std::vector<uint64_t> inputs;
  std::vector<uint32_t> codes;
  explicit Batch(size_t n) : inputs(n), codes(n) {
    std::mt19937_64 rng(7);
    for (uint64_t& x : inputs) x = std::bit_cast<uint32_t>(std::uniform_real_distribution<float>(-500.0f, 500.0f)(rng));
  }
};

void encode(benchmark::State& state, const Implementation& impl) {
  Batch b(static_cast<size_t>(state.range(0)));
  EncodeBatch batch;
  batch.format = &format_by_name("float8_e4m3fn");
  batch.params = EncodeParams{};
  batch.source = Source::F32;
  batch.inputs = b.inputs;
  batch.codes = b.codes;  // no flags: the default profile's items compare codes
  std::string error;
  for (auto _ : state) {
    if (impl.encode(batch, error) != OpStatus::Ok) {
      state.SkipWithError(("encode: " + error).c_str());
      return;
    }
    benchmark::DoNotOptimize(b.codes.data());
  }
  state.SetItemsProcessed(state.iterations() * state.range(0));
}

void BM_PluginBatch_InProcess(benchmark::State& state) { encode(state, fast_implementation()); }

void BM_PluginBatch_Plugin(benchmark::State& state) {
  const Implementation* plugin = find_implementation(std::string("plugin:") + LPC_FAST_PLUGIN_PATH);
  if (!plugin) {
    state.SkipWithError("cannot load the fast plugin");
    return;
  }
  encode(state, *plugin);
}

// The bytes a batch moves through the worker: inputs in (8 per element), codes out (4).
void BM_PluginBatch_Memcpy(benchmark::State& state) {
  const size_t n = static_cast<size_t>(state.range(0));
  std::vector<char> from(n * 12, 1), to(n * 12);
  for (auto _ : state) {
    std::memcpy(to.data(), from.data(), to.size());
    benchmark::DoNotOptimize(to.data());
  }
  state.SetItemsProcessed(state.iterations() * state.range(0));
}

}  // namespace

BENCHMARK(BM_PluginBatch_InProcess)->Arg(16)->Arg(1024)->Arg(65536);
BENCHMARK(BM_PluginBatch_Plugin)->Arg(16)->Arg(1024)->Arg(65536)->UseRealTime();
BENCHMARK(BM_PluginBatch_Memcpy)->Arg(16)->Arg(1024)->Arg(65536);
