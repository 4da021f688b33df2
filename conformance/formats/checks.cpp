#include "conformance/formats/checks.hpp"

#include <bit>
#include <cmath>
#include <map>
#include <mutex>
#include <stdexcept>

#include "conformance/formats/cases.hpp"
#include "conformance/ops/op.hpp"
#include "reference/formats/exact_value.hpp"

namespace lpc {

namespace {

constexpr size_t kChunk = size_t{1} << 16;  // inputs per batch call: bounds memory, paces progress

// Calls an entry point, turning an exception into OpStatus::Error.
template <class Batch, class Fn>
OpStatus call_entry(const Fn& fn, const Batch& batch, std::string& error) {
  try {
    return fn(batch, error);
  } catch (const std::exception& e) {
    error = std::string("threw: ") + e.what();
  } catch (...) {
    error = "threw a non-standard exception";
  }
  return OpStatus::Error;
}

// Which codes of `format` decode to NaN, per the oracle. Cached: the oracle's answer never changes.
const std::vector<uint8_t>& nan_codes(const Implementation& oracle, const Format& format) {
  static std::mutex mutex;
  static std::map<std::pair<const Implementation*, const Format*>, std::vector<uint8_t>> cache;
  std::lock_guard lock(mutex);
  auto [it, fresh] = cache.try_emplace({&oracle, &format});
  if (!fresh) return it->second;
  std::vector<uint32_t> codes(format.code_count());
  for (uint32_t i = 0; i < codes.size(); ++i) codes[i] = i;
  std::vector<double> values(codes.size());
  std::string error;
  if (!oracle.decode || call_entry(oracle.decode, DecodeBatch{&format, codes, values}, error) != OpStatus::Ok) {
    cache.erase(it);
    throw std::runtime_error("oracle cannot decode " + format.name + ": " + error);
  }
  it->second.resize(codes.size());
  for (size_t i = 0; i < codes.size(); ++i) it->second[i] = std::isnan(values[i]);
  return it->second;
}

ItemResult start(const Item& item, const CheckContext& context) {
  ItemResult r;
  r.item = item;
  r.signature = item.signature(context.subject->name);
  r.verification.flags = item.op == Op::Encode && context.subject->produces_flags && context.oracle->produces_flags;
  return r;
}

// A one-input case for the repro line of input i.
Case single(const Case& c, size_t i) {
  Case one = c;
  one.inputs = {c.inputs[i]};
  one.random = c.random.empty() ? std::vector<uint32_t>{} : std::vector<uint32_t>{c.random[i]};
  return one;
}

// Records input i of `c`, the first that makes the subject fail on its own (EncodeBatch::failed_at),
// with its repro line, as the item's first mismatch.
void record_failing_input(ItemResult& r, const Case& c, size_t i, const std::string& subject_name) {
  Mismatch m;
  m.input = c.op == Op::Decode ? code_hex(*c.format, static_cast<uint32_t>(c.inputs[i])) : source_bits_hex(c.source, c.inputs[i]);
  if (!c.random.empty()) m.random = source_bits_hex(Source::F32, c.random[i]);
  m.got = to_string(r.status);
  m.want = "a result";
  m.repro = single(c, i).repro_command(subject_name);
  r.first_mismatches.push_back(std::move(m));
}

}  // namespace

Case make_case(const Item& item, uint64_t seed) {
  if (item.op == Op::Registered)
    throw std::logic_error("make_case: item " + item.signature("").substr(1) + " is an op of the registry; its cases come from its schema");
  Case c;
  c.op = item.op;
  c.format = item.format;
  c.params = item.params;
  c.source = item.source;
  if (item.op == Op::Decode) { c.inputs = cases::all_codes(*item.format); return c; }
  if (item.inputs.all) c.inputs = cases::all_source_patterns(item.source);
  if (item.inputs.boundary) c.inputs = cases::boundary_inputs(*item.format, item.params, item.source);
  if (item.inputs.random) {
    const auto random = cases::random_inputs(*item.format, item.source, item.inputs.random, seed);
    c.inputs.insert(c.inputs.end(), random.begin(), random.end());
  }
  if (is_stochastic(item.params.rounding)) c.random = cases::random_words(c.inputs.size(), seed ^ 0x9e3779b97f4a7c15ull);
  return c;
}

std::string exact_decimal(double value) {
  if (std::isnan(value)) return "nan";  // NaN is a class here: its sign and payload are not a value
  return ref::ExactValue::from_source(Source::F64, std::bit_cast<uint64_t>(value)).to_string();
}

namespace {

// The batch-shape pass: inputs where the oracle's code changes from a neighbour (the breakpoints
// of a sorted case; the first kShapeInputs of a case in any order) are sent again in batches of
// these sizes, cycling — around the vector widths (16 float32 lanes of AVX-512, 8 of AVX2), so each
// lands in a SIMD tail and at every lane position — starting one element past an aligned buffer,
// and without a flags buffer (a subject that declares flags is otherwise never called without, and
// that is often its fast path). Results must not depend on either. Not for a results file (vector
// mode), which holds the batches it was asked for and no others.
constexpr size_t kShapes[] = {1, 15, 16, 17, 7, 63, 64, 65, 9, 127, 31};
constexpr size_t kShapeInputs = 1024;

// The oracle's code for one input, with the spec's two allowances: NaN is a class, unspecified
// accepts any code.
struct Wanted {
  uint32_t code;
  bool any_code, want_nan;
  bool accepts(uint32_t got, const std::vector<uint8_t>& is_nan) const {
    return any_code || (want_nan ? got < is_nan.size() && is_nan[got] : got == code);
  }
  std::string text(const Format& f) const { return any_code ? "any" : want_nan ? "any NaN (" + code_hex(f, code) + ")" : code_hex(f, code); }
};

struct ShapeInput {
  uint64_t input;
  uint32_t random;
  Wanted want;
  bool first_pass_ok;
  size_t index;  // in the case
};

}  // namespace

ItemResult check_encode(const Item& item, const CheckContext& context) {
  ItemResult r = start(item, context);
  const Implementation& subject = *context.subject;
  const Implementation& oracle = *context.oracle;
  if (!subject.encode) return not_ok(r, OpStatus::Unsupported, "subject", "no encode entry point");
  if (!oracle.encode) return not_ok(r, OpStatus::Error, "oracle", "no encode entry point");
  try {
    const Case c = make_case(item, context.seed);
    const std::vector<uint8_t>& is_nan = nan_codes(oracle, *item.format);
    const Format& f = *item.format;
    std::vector<uint32_t> want(kChunk), got(kChunk);
    std::vector<uint8_t> want_flags(kChunk), got_flags(kChunk), unspecified(kChunk);
    std::vector<ShapeInput> shape_inputs;
    // A code that disagrees: input i of the case, its repro rerunning that input alone.
    const auto code_mismatch = [&](uint64_t input, const uint32_t* random_word, uint32_t got_code, const Wanted& wanted, size_t index) {
      Mismatch m;
      m.input = source_bits_hex(item.source, input);
      if (random_word) m.random = source_bits_hex(Source::F32, *random_word);
      m.got = code_hex(f, got_code);
      m.want = wanted.text(f);
      m.repro = single(c, index).repro_command(impl_argument(subject));
      return m;
    };
    for (size_t begin = 0; begin < c.inputs.size(); begin += kChunk) {
      const size_t n = std::min(kChunk, c.inputs.size() - begin);
      const std::span<const uint64_t> inputs(c.inputs.data() + begin, n);
      const std::span<const uint32_t> random = c.random.empty() ? std::span<const uint32_t>{}
                                                                : std::span<const uint32_t>(c.random.data() + begin, n);
      std::string error;
      std::fill_n(unspecified.begin(), n, 0);
      EncodeBatch oracle_batch{&f, item.params, item.source, inputs, random, {want.data(), n}, {want_flags.data(), n}, {unspecified.data(), n}};
      if (OpStatus s = call_entry(oracle.encode, oracle_batch, error); s != OpStatus::Ok) return not_ok(r, s, "oracle", error);
      size_t failed_at = SIZE_MAX;
      EncodeBatch subject_batch{&f, item.params, item.source, inputs, random, {got.data(), n},
                                r.verification.flags ? std::span<uint8_t>(got_flags.data(), n) : std::span<uint8_t>{}, {}, &failed_at};
      if (OpStatus s = call_entry(subject.encode, subject_batch, error); s != OpStatus::Ok) {
        not_ok(r, s, "subject", error);
        if (failed_at < n) record_failing_input(r, c, begin + failed_at, impl_argument(subject));
        return r;
      }

      for (size_t i = 0; i < n; ++i) {
        const bool any_code = unspecified[i] != 0;
        const Wanted wanted{want[i], any_code, !any_code && want[i] < is_nan.size() && is_nan[want[i]]};
        const bool code_ok = wanted.accepts(got[i], is_nan);
        const bool flags_ok = !r.verification.flags || got_flags[i] == want_flags[i];
        r.unspecified += any_code;
        const bool edge = (i > 0 && want[i] != want[i - 1]) || (i + 1 < n && want[i] != want[i + 1]);
        if (edge && shape_inputs.size() < kShapeInputs && !subject.replays_recorded_batches)
          shape_inputs.push_back({inputs[i], random.empty() ? 0 : random[i], wanted, code_ok, begin + i});
        if (code_ok && flags_ok) continue;
        if (++r.mismatches > context.max_mismatches) continue;
        Mismatch m = code_mismatch(inputs[i], random.empty() ? nullptr : &random[i], got[i], wanted, begin + i);
        if (r.verification.flags) { m.got_flags = flags_to_string(got_flags[i]); m.want_flags = flags_to_string(want_flags[i]); }
        r.first_mismatches.push_back(std::move(m));
      }
      r.checked += n;
      if (context.inputs_done) *context.inputs_done += n;
    }

    // The batch-shape pass (kShapes): one element of slack in front, so no batch starts aligned.
    uint64_t shape_mismatches = 0;
    std::vector<uint64_t> shape_in(shape_inputs.size() + 1);
    std::vector<uint32_t> shape_random(c.random.empty() ? 0 : shape_inputs.size() + 1), shape_got(shape_inputs.size());
    for (size_t i = 0; i < shape_inputs.size(); ++i) {
      shape_in[i + 1] = shape_inputs[i].input;
      if (!shape_random.empty()) shape_random[i + 1] = shape_inputs[i].random;
    }
    for (size_t begin = 0, k = 0; begin < shape_inputs.size(); ++k) {
      const size_t n = std::min(kShapes[k % std::size(kShapes)], shape_inputs.size() - begin);
      const std::span<const uint32_t> random =
          shape_random.empty() ? std::span<const uint32_t>{} : std::span<const uint32_t>(shape_random.data() + 1 + begin, n);
      std::string error;
      size_t failed_at = SIZE_MAX;
      EncodeBatch batch{&f, item.params, item.source, {shape_in.data() + 1 + begin, n}, random, {shape_got.data() + begin, n}, {}, {}, &failed_at};
      if (OpStatus s = call_entry(subject.encode, batch, error); s != OpStatus::Ok) {
        not_ok(r, s, "subject", error + " (a batch of " + std::to_string(n) + " inputs without a flags buffer)");
        if (failed_at < n) record_failing_input(r, c, shape_inputs[begin + failed_at].index, impl_argument(subject));
        return r;
      }
      begin += n;
    }
    for (size_t i = 0; i < shape_inputs.size(); ++i) {
      const ShapeInput& x = shape_inputs[i];
      if (x.want.accepts(shape_got[i], is_nan) || !x.first_pass_ok) continue;  // an input already counted keeps one count
      ++shape_mismatches;
      if (++r.mismatches > context.max_mismatches) continue;
      r.first_mismatches.push_back(code_mismatch(x.input, c.random.empty() ? nullptr : &x.random, shape_got[i], x.want, x.index));
    }
    r.status = r.mismatches ? Status::Fail : Status::Pass;
    if (r.mismatches) {
      r.message = std::to_string(r.mismatches) + " of " + std::to_string(r.checked) + " inputs disagree with the oracle";
      if (shape_mismatches)
        r.message += "; " + std::to_string(shape_mismatches) + " of them only when sent again in small odd-sized batches without a flags buffer";
    }
  } catch (const std::exception& e) {
    r.status = Status::Error;
    r.message = std::string("harness: ") + e.what();
    return r;
  }
  return r;
}

ItemResult check_decode(const Item& item, const CheckContext& context) {
  ItemResult r = start(item, context);
  const Implementation& subject = *context.subject;
  const Implementation& oracle = *context.oracle;
  if (!subject.decode) return not_ok(r, OpStatus::Unsupported, "subject", "no decode entry point");
  if (!oracle.decode) return not_ok(r, OpStatus::Error, "oracle", "no decode entry point");
  const Case c = make_case(item, context.seed);
  const std::vector<uint32_t> codes(c.inputs.begin(), c.inputs.end());
  std::vector<double> want(codes.size()), got(codes.size());
  std::string error;
  if (OpStatus s = call_entry(oracle.decode, DecodeBatch{item.format, codes, want}, error); s != OpStatus::Ok)
    return not_ok(r, s, "oracle", error);
  size_t failed_at = SIZE_MAX;
  if (OpStatus s = call_entry(subject.decode, DecodeBatch{item.format, codes, got, &failed_at}, error); s != OpStatus::Ok) {
    not_ok(r, s, "subject", error);
    if (failed_at < codes.size()) record_failing_input(r, c, failed_at, impl_argument(subject));
    return r;
  }
  for (size_t i = 0; i < codes.size(); ++i) {
    const bool ok = std::isnan(want[i]) ? std::isnan(got[i]) : std::bit_cast<uint64_t>(got[i]) == std::bit_cast<uint64_t>(want[i]);
    if (ok) continue;
    if (++r.mismatches > context.max_mismatches) continue;
    Mismatch m;
    m.input = code_hex(*item.format, codes[i]);
    m.got = exact_decimal(got[i]);
    m.want = exact_decimal(want[i]);
    m.repro = single(c, i).repro_command(impl_argument(subject));
    r.first_mismatches.push_back(std::move(m));
  }
  r.checked = codes.size();
  if (context.inputs_done) *context.inputs_done += codes.size();
  r.status = r.mismatches ? Status::Fail : Status::Pass;
  if (r.mismatches) r.message = std::to_string(r.mismatches) + " of " + std::to_string(r.checked) + " codes decode differently from the oracle";
  return r;
}

}  // namespace lpc
