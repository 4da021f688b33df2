// lpconform fuzz — recompute schedules as a vendor's training runtime hands them over
// (spec/recompute.md §2): an untrusted action list. Bytes (FuzzedDataProvider, control values
// from the end): n (1..8), batch (1..2), each layer's width (1..4), a dropout rate, a seed; the
// rest is the action list, one byte per action (low 2 bits the kind, the rest the layer modulo n;
// byte 0xff takes the next 4 bytes as a raw int32 code), held in a buffer of exactly its length.
// Contract: the fast schedule machine and the reference agree on the verdict, the index of the
// first broken rule, the peak live bytes and the forward count; a valid list executed by the fast
// executor gives the exact reference's plain-backprop gradients bit for bit and a measured peak
// equal to the machine's.
#include <bit>
#include <cstdint>
#include <string>
#include <vector>

#include "fuzz/support/fuzz_support.hpp"
#include "impls/fast/training/recompute.hpp"
#include "reference/training/recompute.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace lpc;
  FuzzedDataProvider provider(data, size);
  const uint64_t n = provider.ConsumeIntegralInRange<uint64_t>(1, 8);
  const uint64_t batch = provider.ConsumeIntegralInRange<uint64_t>(1, 2);
  std::vector<uint64_t> widths(n + 1), bytes(n);
  for (uint64_t i = 0; i < n; ++i) {
    widths[i] = provider.ConsumeIntegralInRange<uint64_t>(1, 4);
    bytes[i] = 4 * batch * widths[i];
  }
  widths[n] = widths[n - 1];
  const uint32_t dropout = provider.ConsumeIntegralInRange<uint32_t>(0, 2) * 64;
  const uint64_t seed = provider.ConsumeIntegral<uint64_t>();
  std::vector<int64_t> actions;
  while (provider.remaining_bytes() > 0) {
    const uint8_t b = provider.ConsumeIntegral<uint8_t>();
    if (b == 0xff) {
      actions.push_back(provider.ConsumeIntegral<int32_t>());
      continue;
    }
    const int64_t kind = b & 3, layer = (b >> 2) % static_cast<int64_t>(n);
    actions.push_back(kind == 3 ? 3 : 4 * layer + kind);
  }
  std::string list;
  for (int64_t a : actions) {
    if (!list.empty()) list += ' ';
    list += std::to_string(a);
  }
  const std::string repro = "n " + std::to_string(n) + ", bytes per layer 4·batch·w, actions: " + list;
  const ref::ScheduleRun want = ref::run_schedule(bytes, actions);
  const fast::ScheduleCheck got = fast::check_schedule(bytes, actions);
  if (want.ok != got.ok) fuzz::report_finding("recompute-verdict", want.ok ? "fast rejects: " + got.error : "fast accepts; the reference: " + want.error, repro);
  if (!want.ok) {
    if (want.error_index > actions.size()) fuzz::report_finding("recompute-index", "the index lies past the list: " + want.error, repro);
    if (got.error_index != want.error_index) fuzz::report_finding("recompute-index", "fast: " + got.error + "\nreference: " + want.error, repro);
    return 0;
  }
  if (got.peak_bytes != want.peak_bytes || got.forwards != want.forwards) fuzz::report_finding("recompute-counts", "peak or forwards differ", repro);
  // A valid list: execute it on a small network and compare with exact plain backprop.
  std::vector<float> weights, x(batch * widths[0]), target(batch * widths[n]);
  uint64_t h = seed;
  auto next = [&h]() {
    h = h * 6364136223846793005ull + 1442695040888963407ull;
    return static_cast<int>((h >> 33) % 9) - 4;
  };
  for (uint64_t i = 0; i < n; ++i)
    for (uint64_t e = 0; e < widths[i] * widths[i + 1]; ++e) weights.push_back(static_cast<float>(next()) / 64);
  for (float& v : x) v = static_cast<float>(next()) / 4;
  for (float& v : target) v = static_cast<float>(next()) / 8;
  const ref::StepResult exact = ref::dense_backprop({widths, batch, weights, x, target, dropout, seed});
  if (!exact.ok) fuzz::report_finding("recompute-reference", exact.error, repro);
  std::vector<float> gradients(weights.size());
  const fast::Execution ex = fast::execute_schedule({widths, batch, weights, x, target, dropout, seed}, actions, gradients);
  if (!ex.ok) fuzz::report_finding("recompute-execute", ex.error, repro);
  if (ex.measured_peak_bytes != want.peak_bytes) fuzz::report_finding("recompute-measured-peak", "the executor held another peak", repro);
  for (size_t i = 0; i < gradients.size(); ++i)
    if (std::bit_cast<uint32_t>(gradients[i]) != std::bit_cast<uint32_t>(exact.weight_gradients[i]))
      fuzz::report_finding("recompute-gradients", "weight gradient " + std::to_string(i) + " differs", repro);
  return 0;
}
