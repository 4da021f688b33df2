#include "conformance/quantizers/checks.hpp"

#include <algorithm>
#include <bit>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstdlib>

namespace lpc {

namespace {

// The shortest decimal that reads back as the same float32 (what `lpconform eval lsq` prints).
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

// Distance in float32 ulps between two finite floats of any signs (ordinal distance).
uint64_t ulp_distance(float a, float b) {
  auto ordinal = [](float f) {
    const int64_t bits = std::bit_cast<int32_t>(f);
    return bits < 0 ? int64_t{INT32_MIN} - bits : bits;
  };
  return static_cast<uint64_t>(std::llabs(ordinal(a) - ordinal(b)));
}

bool same_value(float a, float b) { return a == b || (std::isnan(a) && std::isnan(b)); }

// The one-element case of input i (requantize: the element's channel alone, so row 0 is it; mx:
// the element's whole block, since the block decides its scale; tpr: the tensor's first largest
// element and element i, which keep the GradScale exponent, with their random words).
Case single(const Case& c, size_t i) {
  Case one = c;
  if (c.op == Op::LsqInit) return one;  // the tensor is one input
  if (c.op == Op::Tpr) {
    auto magnitude = [&](size_t j) { return std::fabs(std::bit_cast<float>(static_cast<uint32_t>(c.inputs[j]))); };
    size_t largest = 0;
    for (size_t j = 1; j < c.inputs.size(); ++j)
      if (magnitude(j) > magnitude(largest)) largest = j;
    one.inputs = {c.inputs[largest]};
    if (!c.random.empty()) one.random = {c.random[largest]};
    if (largest != i) {
      one.inputs.push_back(c.inputs[i]);
      if (!c.random.empty()) one.random.push_back(c.random[i]);
    }
    return one;
  }
  if (c.op == Op::Mx) {
    const size_t k = static_cast<size_t>(c.quant.mx.block), begin = i / k * k;
    one.inputs.assign(c.inputs.begin() + begin, c.inputs.begin() + std::min(begin + k, c.inputs.size()));
    return one;
  }
  one.inputs = {c.inputs[i]};
  if (!c.dy.empty()) one.dy = {c.dy[i]};
  if (!c.random.empty()) one.random = {c.random[i]};
  if (c.op == Op::Requantize) {
    RequantParams& p = one.quant.requant;
    const size_t channel = i % p.channels();
    if (!p.scales.empty()) p.scales = {p.scales[channel]};
    else { p.multipliers = {p.multipliers[channel]}; p.shifts = {p.shifts[channel]}; }
  }
  return one;
}

std::string input_text(const Case& c, size_t i) {
  if (c.op == Op::Lsq)
    return "x " + float_text(std::bit_cast<float>(static_cast<uint32_t>(c.inputs[i]))) + ", dy " +
           float_text(std::bit_cast<float>(c.dy[i]));
  if (c.op == Op::LsqInit) return "tensor of " + std::to_string(c.inputs.size()) + " float32 values";
  if (c.op == Op::SrFixed)
    return "x " + float_text(std::bit_cast<float>(static_cast<uint32_t>(c.inputs[i]))) + ", random " + std::to_string(c.random[i]);
  if (c.op == Op::Tpr)
    return "g " + float_text(std::bit_cast<float>(static_cast<uint32_t>(c.inputs[i]))) +
           (c.random.empty() ? "" : ", random " + std::to_string(c.random[i])) + " (element " + std::to_string(i) + " of " +
           std::to_string(c.inputs.size()) + "; the repro keeps the tensor's largest element)";
  if (c.op == Op::Mx) {
    const size_t k = static_cast<size_t>(c.quant.mx.block);
    return "x " + float_text(std::bit_cast<float>(static_cast<uint32_t>(c.inputs[i]))) + " (element " + std::to_string(i % k) +
           " of block " + std::to_string(i / k) + "; the repro runs that block)";
  }
  const size_t channels = c.quant.requant.channels();
  return std::to_string(static_cast<int64_t>(c.inputs[i])) + (channels > 1 ? " (channel " + std::to_string(i % channels) + ")" : "");
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

// The outputs of one side.
struct Outputs {
  std::vector<float> y, dx, ds;
  std::vector<int64_t> out, out_high;
  std::vector<uint8_t> scale_codes, elem_codes;
};

QuantizeBatch batch_for(const Case& c, const std::vector<float>& x, const std::vector<float>& dy, const std::vector<int64_t>& values, Outputs& o,
                        bool oracle, size_t* failed_at) {
  QuantizeBatch b;
  b.op = c.op;
  b.params = &c.quant;
  b.failed_at = failed_at;
  if (c.op == Op::Requantize) {
    o.out.assign(values.size(), 0);
    b.values = values;
    b.out = o.out;
    if (oracle && c.quant.inexact) {
      o.out_high.assign(values.size(), 0);
      b.out_high = o.out_high;
    }
    return b;
  }
  if (c.op == Op::SrFixed) {
    o.out.assign(x.size(), 0);
    o.y.assign(x.size(), 0);
    b.x = x;
    b.random = c.random;
    b.out = o.out;
    b.y = o.y;
    return b;
  }
  if (c.op == Op::Tpr) {
    o.out.assign(1, 0);
    o.elem_codes.assign(x.size(), 0);
    o.y.assign(x.size(), 0);
    b.x = x;
    b.random = c.random;
    b.out = o.out;
    b.elem_codes = o.elem_codes;
    b.y = o.y;
    return b;
  }
  if (c.op == Op::Mx) {
    const size_t k = static_cast<size_t>(c.quant.mx.block);
    o.scale_codes.assign((x.size() + k - 1) / k, 0);
    o.elem_codes.assign(x.size(), 0);
    b.x = x;
    b.scale_codes = o.scale_codes;
    b.elem_codes = o.elem_codes;
    return b;
  }
  const size_t n = c.op == Op::Lsq ? x.size() : 1;
  o.y.assign(n, 0);
  b.x = x;
  b.y = o.y;
  if (c.op == Op::Lsq) {
    o.dx.assign(n, 0);
    o.ds.assign(n, 0);
    b.dy = dy;
    b.dx = o.dx;
    b.ds = o.ds;
  }
  return b;
}

}  // namespace

Verification quantizer_verification(const Item& item) {
  Verification v;
  v.flags = false;
  v.nan_as_class = false;
  v.unspecified_any = false;
  if (item.op == Op::LsqInit) { v.kind = Verification::Kind::Ulp; v.ulps = 1; }
  if (item.op == Op::Requantize && item.quant.inexact) v.kind = Verification::Kind::PermittedSet;
  return v;
}

bool check_quantizer_case(const Case& c, const Implementation& subject, const Implementation& oracle, size_t max_mismatches, ItemResult& r) {
  // 1. The inputs as the entry points take them.
  std::vector<float> x, dy;
  std::vector<int64_t> values;
  for (uint64_t v : c.inputs) {
    if (c.op == Op::Requantize) values.push_back(static_cast<int64_t>(v));
    else x.push_back(std::bit_cast<float>(static_cast<uint32_t>(v)));
  }
  for (uint32_t d : c.dy) dy.push_back(std::bit_cast<float>(d));

  // 2. Oracle, then subject.
  Outputs want, got;
  std::string error;
  if (OpStatus s = call(oracle, batch_for(c, x, dy, values, want, true, nullptr), error); s != OpStatus::Ok) {
    not_ok(r, s, "oracle", error);
    return false;
  }
  size_t failed_at = SIZE_MAX;
  if (OpStatus s = call(subject, batch_for(c, x, dy, values, got, false, &failed_at), error); s != OpStatus::Ok) {
    not_ok(r, s, "subject", error);
    if (failed_at < c.inputs.size()) {
      Mismatch m;
      m.input = input_text(c, failed_at);
      m.got = to_string(r.status);
      m.want = "a result";
      m.repro = single(c, failed_at).repro_command(subject.name);
      r.first_mismatches.push_back(std::move(m));
    }
    return false;
  }

  // 3. Compare under the verification mode.
  const size_t outputs = c.op == Op::LsqInit ? 1 : c.inputs.size();
  for (size_t i = 0; i < outputs; ++i) {
    bool ok = false;
    Mismatch m;
    switch (c.op) {
      case Op::Lsq:
        ok = std::bit_cast<uint32_t>(got.y[i]) == std::bit_cast<uint32_t>(want.y[i]) && same_value(got.dx[i], want.dx[i]) &&
             same_value(got.ds[i], want.ds[i]);
        m.got = "y " + shortest(got.y[i]) + ", dx " + shortest(got.dx[i]) + ", ds " + shortest(got.ds[i]);
        m.want = "y " + shortest(want.y[i]) + ", dx " + shortest(want.dx[i]) + ", ds " + shortest(want.ds[i]);
        break;
      case Op::LsqInit:
        ok = std::isfinite(got.y[0]) && ulp_distance(got.y[0], want.y[0]) <= static_cast<uint64_t>(r.verification.ulps);
        m.got = "s0 " + float_text(got.y[0]);
        m.want = "s0 " + float_text(want.y[0]) + " within " + std::to_string(r.verification.ulps) + " ulp";
        break;
      case Op::Mx: {
        // Element codes of a block whose scale is NaN are unspecified (§4.4): only the scale counts.
        const size_t block = i / static_cast<size_t>(c.quant.mx.block);
        const uint8_t want_scale = want.scale_codes[block], got_scale = got.scale_codes[block];
        ok = got_scale == want_scale && (want_scale == kMxScaleNan || got.elem_codes[i] == want.elem_codes[i]);
        static const Format& e8m0 = format_by_name("float8_e8m0fnu");
        auto codes = [&](uint8_t scale, uint8_t elem) { return "scale " + code_hex(e8m0, scale) + ", element " + code_hex(*c.quant.mx.element, elem); };
        m.got = codes(got_scale, got.elem_codes[i]);
        m.want = want_scale == kMxScaleNan ? "scale 0xff (NaN), any element" : codes(want_scale, want.elem_codes[i]);
        break;
      }
      case Op::SrFixed:
        ok = got.out[i] == want.out[i] && std::bit_cast<uint32_t>(got.y[i]) == std::bit_cast<uint32_t>(want.y[i]);
        m.got = "code " + std::to_string(got.out[i]) + ", y " + float_text(got.y[i]);
        m.want = "code " + std::to_string(want.out[i]) + ", y " + float_text(want.y[i]);
        break;
      case Op::Tpr:
        ok = got.out[0] == want.out[0] && got.elem_codes[i] == want.elem_codes[i] &&
             std::bit_cast<uint32_t>(got.y[i]) == std::bit_cast<uint32_t>(want.y[i]);
        m.got = "scale_exp " + std::to_string(got.out[0]) + ", code " + code_hex(*c.format, got.elem_codes[i]) + ", y " + float_text(got.y[i]);
        m.want = "scale_exp " + std::to_string(want.out[0]) + ", code " + code_hex(*c.format, want.elem_codes[i]) + ", y " + float_text(want.y[i]);
        break;
      default:
        if (c.quant.inexact) {
          ok = got.out[i] >= want.out[i] && got.out[i] <= want.out_high[i];
          m.want = "any of [" + std::to_string(want.out[i]) + ", " + std::to_string(want.out_high[i]) + "]";
        } else {
          ok = got.out[i] == want.out[i];
          m.want = std::to_string(want.out[i]);
        }
        m.got = std::to_string(got.out[i]);
    }
    if (ok) continue;
    if (++r.mismatches > max_mismatches) continue;
    m.input = input_text(c, i);
    m.repro = single(c, i).repro_command(subject.name);
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
    r.message = std::to_string(r.mismatches) + " of " + std::to_string(r.checked) + (item.op == Op::LsqInit ? " tensors" : " inputs") +
                " disagree with the oracle";
  return r;
}

}  // namespace lpc
