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
        // Exact, with the spec's two allowances: NaN is a class, unspecified accepts any code.
        const bool any_code = unspecified[i] != 0;
        const bool want_nan = !any_code && want[i] < is_nan.size() && is_nan[want[i]];
        const bool code_ok = any_code || (want_nan ? got[i] < is_nan.size() && is_nan[got[i]] : got[i] == want[i]);
        const bool flags_ok = !r.verification.flags || got_flags[i] == want_flags[i];
        r.unspecified += any_code;
        if (code_ok && flags_ok) continue;
        if (++r.mismatches > context.max_mismatches) continue;
        Mismatch m;
        m.input = source_bits_hex(item.source, inputs[i]);
        if (!random.empty()) m.random = source_bits_hex(Source::F32, random[i]);
        m.got = code_hex(f, got[i]);
        m.want = any_code ? "any" : want_nan ? "any NaN (" + code_hex(f, want[i]) + ")" : code_hex(f, want[i]);
        if (r.verification.flags) { m.got_flags = flags_to_string(got_flags[i]); m.want_flags = flags_to_string(want_flags[i]); }
        m.repro = single(c, begin + i).repro_command(impl_argument(subject));
        r.first_mismatches.push_back(std::move(m));
      }
      r.checked += n;
      if (context.inputs_done) *context.inputs_done += n;
    }
  } catch (const std::exception& e) {
    r.status = Status::Error;
    r.message = std::string("harness: ") + e.what();
    return r;
  }
  r.status = r.mismatches ? Status::Fail : Status::Pass;
  if (r.mismatches) r.message = std::to_string(r.mismatches) + " of " + std::to_string(r.checked) + " inputs disagree with the oracle";
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
