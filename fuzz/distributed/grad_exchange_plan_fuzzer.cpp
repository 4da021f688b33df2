// lpconform fuzz — a gradient-exchange plan as a runtime hands it over (spec/grad_exchange.md §2.3,
// §5.4): untrusted. Bytes (FuzzedDataProvider): the layer list as text ("n1,n2,..." — a parse error
// must name a byte offset within the text), then a choice: (a) a configuration (scheme, priority,
// portion, caps, timing) whose plans fast and the reference must give alike, then one mutation of
// the plan from the bytes; or (b) raw segments, every field from the bytes. Contract: the fast
// check and the reference's agree on whether the plan reduces every element exactly once; a plan
// made by plan_exchange always passes both.
#include <cstdint>
#include <string>
#include <variant>
#include <vector>

#include "fuzz/support/fuzz_support.hpp"
#include "impls/fast/distributed/grad_exchange.hpp"
#include "reference/distributed/grad_exchange.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace lpc;
  FuzzedDataProvider provider(data, size);
  const std::string text = provider.ConsumeRandomLengthString(80);
  const std::string repro = "lpconform eval grad-exchange --layers '" + text + "'";
  const auto parsed = parse_layer_elements(text);
  if (const auto* e = std::get_if<std::string>(&parsed)) {
    // "byte N: ..." with N <= the text's length.
    const size_t at = e->rfind("byte ", 0) == 0 ? std::stoull(e->substr(5)) : SIZE_MAX;
    if (at > text.size()) fuzz::report_finding("grad-exchange-layers-offset", "error without a byte offset within the text: " + *e, repro);
    return 0;
  }
  ExchangeConfig c;
  c.layer_elements = std::get<std::vector<uint64_t>>(parsed);
  uint64_t total = 0;
  for (uint64_t n : c.layer_elements) total += n;
  if (total > (uint64_t{1} << 16)) return 0;  // the reference counts every element
  std::vector<ExchangeSegment> plan;
  if (provider.ConsumeBool()) {
    c.element_bytes = provider.PickValueInArray({1u, 2u, 4u, 8u});
    c.scheme = provider.ConsumeBool() ? ExchangeScheme::DdpBuckets : ExchangeScheme::Portions;
    c.priority = provider.ConsumeBool() ? ExchangePriority::ReadyOrder : ExchangePriority::LowerLayerFirst;
    c.portion_elements = provider.ConsumeIntegralInRange<uint64_t>(1, 5000);
    c.first_cap_bytes = provider.ConsumeIntegralInRange<uint64_t>(1, 1 << 16);
    c.cap_bytes = provider.ConsumeIntegralInRange<uint64_t>(1, 1 << 16);
    c.compute_ps_per_element = provider.ConsumeIntegralInRange<uint64_t>(0, 1000);
    c.latency_ps = provider.ConsumeIntegralInRange<uint64_t>(0, 100000);
    c.ps_per_byte = provider.ConsumeIntegralInRange<uint64_t>(0, 100);
    if (exchange_config_error(c)) return 0;
    if (c.scheme == ExchangeScheme::Portions && total / c.portion_elements > 1024) return 0;  // the reference rescans every unit
    const ExchangeSchedule s = fast::plan_exchange(c);
    if (!(s == ref::plan_exchange(c))) fuzz::report_finding("grad-exchange-plan", "fast and reference plans differ", repro);
    if (auto e = fast::plan_error(c.layer_elements, s.segments)) fuzz::report_finding("grad-exchange-own-plan", "fast rejects its own plan: " + *e, repro);
    plan = s.segments;
    if (!plan.empty() && provider.remaining_bytes() > 0) {
      ExchangeSegment& g = plan[provider.ConsumeIntegralInRange<size_t>(0, plan.size() - 1)];
      uint64_t* field[] = {&g.unit, &g.layer, &g.offset, &g.count};
      *field[provider.ConsumeIntegralInRange<size_t>(0, 3)] += provider.ConsumeIntegralInRange<uint64_t>(0, 3) - 1;  // -1, 0, +1, +2
    }
  } else {
    while (provider.remaining_bytes() > 0 && plan.size() < 512) {
      ExchangeSegment g;
      g.unit = provider.ConsumeIntegralInRange<uint64_t>(0, plan.empty() ? 1 : plan.back().unit + 2);
      g.layer = provider.ConsumeIntegralInRange<uint64_t>(0, c.layer_elements.size());
      g.offset = provider.ConsumeBool() ? provider.ConsumeIntegral<uint64_t>() : provider.ConsumeIntegralInRange<uint64_t>(0, 64);
      g.count = provider.ConsumeBool() ? provider.ConsumeIntegral<uint64_t>() : provider.ConsumeIntegralInRange<uint64_t>(0, 64);
      plan.push_back(g);
    }
  }
  const auto want = ref::plan_error(c.layer_elements, plan), got = fast::plan_error(c.layer_elements, plan);
  if (want.has_value() != got.has_value())
    fuzz::report_finding("grad-exchange-plan-check", want ? "fast accepts; the reference: " + *want : "fast rejects: " + *got, repro);
  return 0;
}
