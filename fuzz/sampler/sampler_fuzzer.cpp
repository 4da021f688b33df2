// lpconform fuzz — the sampler ops (spec/sampler.md §4), differential: fast against the exact
// reference for philox, threefry, cumsum-banked and multinomial, through the runner's own
// check_case (exact items, and multinomial's Boundary-bounded comparison where the bytes pick
// verify boundary); and for multinomial with replacement the bound itself: fast, of the declared
// association, must lie in the range ref::multinomial_bounded permits (§2.10) and never on a
// zero-weight category, whatever the weights, banks, format and words.
//
// Bytes (FuzzedDataProvider, control values from the end): the op; then its case decoded from the
// rest by its declaration (ops::consume_case: parameters in range, up to 64 rows of weights read as
// magnitudes, words folded into 0 .. 2^32 - 1, 1..40 banks). Parameters or inputs the op rejects
// end the input. A finding carries the item's signature and the mismatch's repro.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "conformance/bundled/bundled.hpp"
#include "conformance/ops/derive.hpp"
#include "fuzz/support/fuzz_support.hpp"
#include "impls/fast/sampler/multinomial.hpp"
#include "reference/sampler/multinomial.hpp"

namespace {

constexpr size_t kMaxInputs = 64;
constexpr const char* kOps[] = {"philox", "threefry", "cumsum-banked", "multinomial"};

lpc::SamplerParams sampler_params(const lpc::ops::Params& p) {
  lpc::SamplerParams s;
  const std::string& f = p.text("element");
  s.format = f == "float32" ? lpc::SamplerFormat::Float32 : f == "bfloat16" ? lpc::SamplerFormat::Bfloat16 : lpc::SamplerFormat::Float16;
  s.banks = static_cast<uint32_t>(p.integer("banks"));
  s.normalize = p.text("normalize") == "total" ? lpc::Normalization::Total : lpc::Normalization::None;
  s.replacement = p.text("replacement") == "without" ? lpc::Replacement::Without : lpc::Replacement::With;
  return s;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace lpc;
  using fuzz::report_finding;
  FuzzedDataProvider provider(data, size);
  const ops::OpSchema& op = *ops::find_op(kOps[provider.ConsumeIntegralInRange<size_t>(0, std::size(kOps) - 1)]);
  const std::vector<uint8_t> rest = provider.ConsumeRemainingBytes<uint8_t>();
  ops::ByteReader bytes{rest};
  const std::optional<ops::OpCase> c = ops::consume_case(op, bytes, kMaxInputs);
  if (!c) return 0;
  const std::string signature = ops::signature(op, c->params, "fast");
  ItemResult result;
  if (!ops::check_case(*c, fast_implementation(), reference_implementation(), 1, result)) {
    if (result.message.starts_with("oracle")) return 0;  // the spec rejects these inputs
    report_finding(signature + "-error", result.message, ops::repro_command(*c, "fast"));
  }
  if (result.mismatches) {
    const Mismatch& m = result.first_mismatches[0];
    report_finding(signature, "input " + m.input + ": fast gives " + m.got + ", the reference " + m.want, m.repro);
  }
  // The bound of §2.10 holds for the declared association: fast's index within it.
  if (op.name != "multinomial" || c->params.text("rng") != "words" || c->params.text("replacement") != "with") return 0;
  const SamplerParams p = sampler_params(c->params);
  const std::vector<float> w(c->inputs[0].floats.begin(), c->inputs[0].floats.end());
  const std::vector<uint32_t> words(c->inputs[1].ints.begin(), c->inputs[1].ints.end());
  const ref::BoundedOutcome bounded = ref::multinomial_bounded(p, w, words);
  if (!bounded.ok) return 0;
  std::vector<int64_t> index(words.size());
  if (auto e = fast::multinomial(p, w, words, index)) report_finding(signature + "-bound-error", *e, ops::repro_command(*c, "fast"));
  for (size_t s = 0; s < words.size(); ++s) {
    const int64_t k = index[s] == -1 ? static_cast<int64_t>(w.size()) : index[s];
    if (k < bounded.low[s] || k > bounded.high[s])
      report_finding(signature + "-bound", "word " + std::to_string(words[s]) + ": fast " + std::to_string(index[s]) + " outside the permitted " +
                                               std::to_string(bounded.low[s]) + " .. " + std::to_string(bounded.high[s]),
                     ops::repro_command(*c, "fast"));
  }
  return 0;
}
