#include "conformance/quantizers/checks.hpp"

#include <algorithm>
#include <bit>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstdlib>

#include "conformance/formats/checks.hpp"  // exact_decimal

namespace lpc {

namespace {

// The shortest decimal that reads back as the same float32 (what `lpconform eval` prints).
std::string shortest(float v) {
  char buffer[32];
  auto [end, ec] = std::to_chars(buffer, buffer + sizeof buffer, v);
  return std::string(buffer, end);
}

std::string float_text(float v) {
  char hex[12];
  std::snprintf(hex, sizeof hex, "0x%08x", std::bit_cast<uint32_t>(v));
  return shortest(v) + " (" + hex + ")";
}

std::string input_text(const Case& c, size_t i) {
  if (c.op == Op::Ulq) {
    const std::string n = std::to_string(c.inputs.size());
    if (i == c.inputs.size()) return "the tensor of " + n + " float32 values (scale, support, n1, iterations, converged)";
    return "w " + float_text(std::bit_cast<float>(static_cast<uint32_t>(c.inputs[i]))) +
           (c.dy.empty() ? "" : (ulq_needs_curvature(c.quant.ulq.method) ? ", d " : ", grad ") + float_text(std::bit_cast<float>(c.dy[i]))) +
           " (element " + std::to_string(i) + " of " + n + "; the repro runs the whole tensor)";
  }
  return "input " + std::to_string(i);
}

OpStatus call(const Implementation& impl, const QuantizeBatch& batch, std::string& error) {
  try {
    return impl.quantize(batch, error);
  } catch (const std::exception& e) {
    error = std::string("threw: ") + e.what();
  } catch (...) {
    error = "threw a non-standard exception";
  }
  return OpStatus::Error;
}

// The buffers of one side: its outputs.
struct Outputs {
  std::vector<float> y;
  std::vector<int64_t> out;
  std::vector<uint8_t> elem_codes;
};

QuantizeBatch batch_for(const Case& c, const std::vector<float>& x, const std::vector<float>& dy, Outputs& o, size_t* failed_at) {
  QuantizeBatch b;
  b.op = c.op;
  b.params = &c.quant;
  b.failed_at = failed_at;
  if (c.op == Op::Ulq) {
    const size_t n = x.size();
    o.out.assign(n + 4 + (c.quant.ulq_partition.empty() ? 0 : n), 0);
    o.y.assign(n + 1, 0);
    b.x = x;
    b.dy = dy;
    b.out = o.out;
    b.y = o.y;
    return b;
  }
  throw std::logic_error(std::string("batch_for: op '") + op_info(c.op).name + "' is not a quantizer op");
}

}  // namespace

Verification quantizer_verification(const Item& item) {
  Verification v;
  v.flags = false;
  v.nan_as_class = false;
  v.unspecified_any = false;
  (void)item;  // every ulq item is Exact
  return v;
}

bool check_quantizer_case(const Case& c, const Implementation& subject, const Implementation& oracle, size_t max_mismatches, ItemResult& r) {
  // 1. The inputs as the entry points take them.
  std::vector<float> x, dy;
  for (uint64_t v : c.inputs) x.push_back(std::bit_cast<float>(static_cast<uint32_t>(v)));
  for (uint32_t d : c.dy) dy.push_back(std::bit_cast<float>(d));

  // 2. Oracle, then subject.
  Outputs want, got;
  std::string error;
  if (OpStatus s = call(oracle, batch_for(c, x, dy, want, nullptr), error); s != OpStatus::Ok) {
    not_ok(r, s, "oracle", error);
    return false;
  }
  size_t failed_at = SIZE_MAX;
  if (OpStatus s = call(subject, batch_for(c, x, dy, got, &failed_at), error); s != OpStatus::Ok) {
    not_ok(r, s, "subject", error);
    if (failed_at < c.inputs.size()) {
      Mismatch m;
      m.input = input_text(c, failed_at);
      m.got = to_string(r.status);
      m.want = "a result";
      m.repro = c.repro_command(subject.name);  // ulq: the whole tensor decides each output
      r.first_mismatches.push_back(std::move(m));
    }
    return false;
  }

  // 3. Compare under the verification mode.
  // Every element, then the tensor's outputs.
  const size_t outputs = c.inputs.size() + 1;
  for (size_t i = 0; i < outputs; ++i) {
    bool ok = false;
    Mismatch m;
    switch (c.op) {
      case Op::Ulq: {
        const size_t n = c.inputs.size();
        const bool partition = !c.quant.ulq_partition.empty();
        if (i == n) {  // scale, support, n1, iterations, converged
          ok = std::bit_cast<uint32_t>(got.y[n]) == std::bit_cast<uint32_t>(want.y[n]) && std::equal(want.out.begin() + n, want.out.begin() + n + 4, got.out.begin() + n);
          auto tensor = [&](const Outputs& o) {
            return "scale " + float_text(o.y[n]) + ", support " + std::to_string(o.out[n]) + ", n1 " + std::to_string(o.out[n + 1]) + ", iterations " +
                   std::to_string(o.out[n + 2]) + ", converged " + std::to_string(o.out[n + 3]);
          };
          m.got = tensor(got);
          m.want = tensor(want);
          break;
        }
        ok = got.out[i] == want.out[i] && std::bit_cast<uint32_t>(got.y[i]) == std::bit_cast<uint32_t>(want.y[i]) &&
             (!partition || got.out[n + 4 + i] == want.out[n + 4 + i]);
        auto element = [&](const Outputs& o) {
          return "code " + std::to_string(o.out[i]) + ", value " + float_text(o.y[i]) + (partition ? ", step " + std::to_string(o.out[n + 4 + i]) : "");
        };
        m.got = element(got);
        m.want = element(want);
        break;
      }
      default:
        throw std::logic_error(std::string("check_quantizer_case: op '") + op_info(c.op).name + "' is not a quantizer op");
    }
    if (ok) continue;
    if (++r.mismatches > max_mismatches) continue;
    m.input = input_text(c, i);
    m.repro = c.repro_command(subject.name);
    r.first_mismatches.push_back(std::move(m));
  }
  r.checked += outputs;
  return true;
}

ItemResult check_quantizer(const Item& item, const CheckContext& context) {
  ItemResult r;
  r.item = item;
  r.signature = item.signature(context.subject->name);
  r.verification = quantizer_verification(item);
  if (!context.subject->quantize) return not_ok(r, OpStatus::Unsupported, "subject", "no quantizer entry point");
  if (!context.oracle->quantize) return not_ok(r, OpStatus::Error, "oracle", "no quantizer entry point");
  try {
    for (const Case& c : quantizer_cases::make_cases(item, context.seed)) {
      const uint64_t before = r.checked;
      if (!check_quantizer_case(c, *context.subject, *context.oracle, context.max_mismatches, r)) return r;
      if (context.inputs_done) *context.inputs_done += r.checked - before;
    }
  } catch (const std::exception& e) {
    r.status = Status::Error;
    r.message = std::string("harness: ") + e.what();
    return r;
  }
  r.status = r.mismatches ? Status::Fail : Status::Pass;
  if (r.mismatches)
    r.message = std::to_string(r.mismatches) + " of " + std::to_string(r.checked) + " inputs" +
                " disagree with the oracle";
  return r;
}

}  // namespace lpc
