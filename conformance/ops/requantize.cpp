// The op requantize: integer requantization (spec/quantizers.md §2) — TOSA RESCALE under
// SINGLE_ROUND, DOUBLE_ROUND and INEXACT_ROUND, gemmlowp's fixed point, XNNPACK's fp32 and rndnu
// — of integers of an input type to an output type, per channel (element i is channel i %
// channels) with a multiplier and shift or a float32 scale. Checked exactly; under INEXACT_ROUND
// any value of the range the oracle permits (PermittedSet).
#include <algorithm>
#include <random>

#include "conformance/core/case.hpp"
#include "conformance/ops/derive.hpp"
#include "conformance/quantizers/cases.hpp"
#include "impls/fast/quantizers/requantize.hpp"
#include "reference/quantizers/requantize.hpp"

namespace lpc::ops {

namespace {

__extension__ typedef __int128 int128;  // value·m·2^k products of up to 95 bits

constexpr size_t kValue = 0, kMultiplier = 1, kShift = 2, kScale = 3;  // the inputs

bool is_xnnpack(RequantScheme s) { return s == RequantScheme::XnnpackFp32 || s == RequantScheme::XnnpackRndnu; }

const RequantMode& mode_of(const Params& p) {
  for (const RequantMode& m : all_requant_modes())
    if (p.text("mode") == m.name) return m;
  throw std::out_of_range("requantize: no mode '" + p.text("mode") + "'");
}

std::vector<std::string> int_type_names(bool output) {
  std::vector<std::string> names;
  for (IntType t : {IntType::I8, IntType::U8, IntType::I16, IntType::U16, IntType::I32, IntType::I48})
    if (!output || t != IntType::I48) names.emplace_back(to_string(t));
  return names;
}

// The parameters of a case: the mode's, the types and zero points, and the per-channel lists.
RequantParams params_of(const OpCase& c) {
  const Params& p = c.params;
  RequantParams r = requant_params(mode_of(p), *parse_int_type(p.text("input_type")), *parse_int_type(p.text("output_type")));
  r.input_zp = static_cast<int32_t>(p.integer("input_zp"));
  r.output_zp = static_cast<int32_t>(p.integer("output_zp"));
  r.multipliers.assign(c.inputs[kMultiplier].ints.begin(), c.inputs[kMultiplier].ints.end());
  r.shifts.assign(c.inputs[kShift].ints.begin(), c.inputs[kShift].ints.end());
  r.scales.assign(c.inputs[kScale].floats.begin(), c.inputs[kScale].floats.end());
  return r;
}

// A case of `params` with the channel lists of `r` and the values.
OpCase make_case(const Params& item, const RequantParams& r, std::vector<int64_t> values) {
  Params p = item;
  p.set("channels", static_cast<int64_t>(r.channels()));
  p.set("input_zp", int64_t{r.input_zp});
  p.set("output_zp", int64_t{r.output_zp});
  return {nullptr,
          p,
          {Tensor::integer_list(std::move(values)), Tensor::integer_list(std::vector<int64_t>(r.multipliers.begin(), r.multipliers.end())),
           Tensor::integer_list(std::vector<int64_t>(r.shifts.begin(), r.shifts.end())),
           Tensor::real_list(std::vector<double>(r.scales.begin(), r.scales.end()))}};
}

// floor(a / b) for b > 0, saturated to ±2^62 (the caller clips to the domain, which is narrower).
int64_t floor_div(int128 a, int128 b) {
  int128 q = a / b;
  if (a % b != 0 && a < 0) --q;
  constexpr int128 kLimit = int128{1} << 62;
  return static_cast<int64_t>(std::clamp(q, -kLimit, kLimit));
}

// The parameter sets of an item: identity, 1/2, 1/3, the DOUBLE_ROUND witness 437450373/2^33, the
// largest multiplier, seeded values with zero points, one per-channel set of three channels (XNNPACK:
// float scales likewise); those §2.6 rejects are dropped.
std::vector<RequantParams> parameter_sets(const RequantParams& base, std::mt19937_64& rng) {
  std::vector<RequantParams> sets;
  auto add = [&](auto&& edit) {
    RequantParams p = base;
    edit(p);
    if (!requant_params_error(p)) sets.push_back(std::move(p));
  };
  auto zero_point = [&](IntType t) -> int32_t {
    if (t != IntType::I8 && t != IntType::U8) return 0;
    return static_cast<int32_t>(std::uniform_int_distribution<int64_t>(int_type_min(t), int_type_max(t))(rng));
  };
  if (is_xnnpack(base.scheme)) {
    const float seeded = quantizer_cases::random_float(rng, -20, -1), seeded2 = quantizer_cases::random_float(rng, -32, -2);
    for (float s : {0.5f, 1.0f / 3.0f, 0x1p-32f, 0x1.fffffep-1f, seeded}) add([&](RequantParams& p) { p.scales = {s}; });
    add([&](RequantParams& p) {
      p.scales = {seeded2};
      p.output_zp = zero_point(p.output_type);
    });
    add([&](RequantParams& p) { p.scales = {0.25f, seeded, 0x1p-20f}; });
    return sets;
  }
  std::uniform_int_distribution<int32_t> m32(1 << 30, std::numeric_limits<int32_t>::max()), m16(1 << 14, 32767);
  const int32_t lowest_shift = base.scheme == RequantScheme::Gemmlowp ? 31 : 2;
  const int32_t seeded_shift = std::uniform_int_distribution<int32_t>(std::max(lowest_shift, 20), 45)(rng);
  std::vector<std::pair<int32_t, int32_t>> fixed;  // (multiplier, shift)
  if (!base.scale32)
    fixed = {{1 << 14, 14}, {1 << 14, 15}, {21845, 16}, {32767, 20}, {16385, 40}, {m16(rng), seeded_shift}};
  else
    fixed = {{1 << 30, 30}, {1 << 30, 31}, {1431655765, 32}, {437450373, 33}, {std::numeric_limits<int32_t>::max(), 62}, {m32(rng), seeded_shift}};
  for (const auto& [m, s] : fixed) {
    const int32_t multiplier = m, shift = s;  // clang 14 cannot capture structured bindings
    add([&](RequantParams& p) {
      p.multipliers = {multiplier};
      p.shifts = {shift};
    });
  }
  add([&](RequantParams& p) {
    p.multipliers = {base.scale32 ? m32(rng) : m16(rng)};
    p.shifts = {seeded_shift};
    p.input_zp = zero_point(p.input_type);
    p.output_zp = zero_point(p.output_type);
  });
  add([&](RequantParams& p) {
    p.multipliers = base.scale32 ? std::vector<int32_t>{1 << 30, 1431655765, m32(rng)} : std::vector<int32_t>{1 << 14, 21845, m16(rng)};
    p.shifts = {31, 32, 34};
  });
  return sets;
}

// Boundary inputs of channel c of `p` (before clipping to the domain): the ties value·scale =
// k + 1/2 for k in -3..2 and at the output type's clamp edges (both DOUBLE_ROUND stages), each with
// its neighbours ±2.
std::vector<int64_t> ties(const RequantParams& p, size_t c) {
  std::vector<int64_t> out;
  std::vector<int64_t> ks = {-3, -2, -1, 0, 1, 2};
  for (int64_t edge : {int_type_min(p.output_type), int_type_max(p.output_type)})
    for (int64_t d : {-1, 0}) ks.push_back(edge - p.output_zp + d);
  auto around = [&](int64_t centre) {
    for (int64_t d = -2; d <= 2; ++d) out.push_back(p.input_zp + centre + d);
  };
  for (int64_t k : ks) {
    if (is_xnnpack(p.scheme)) {
      // A tiny scale puts the tie beyond 2^63: clamp to ±2^62 like floor_div (the caller clips
      // to the domain, which is narrower) before converting.
      const double centre = std::floor((static_cast<double>(k) + 0.5) / p.scales[c]);
      around(static_cast<int64_t>(std::clamp(centre, -0x1p62, 0x1p62)));
      continue;
    }
    const int128 m = p.multipliers[c];
    const int shift = p.shifts[c];
    if (m == 0) continue;
    // value·m/2^shift = k + 1/2  <=>  value = (2k + 1)·2^(shift-1)/m.
    around(floor_div((int128{2 * k + 1}) << (shift - 1), m));
    // DOUBLE_ROUND's first stage (§2.3): value·m/2^31 = a ± 1/2 around the second stage's tie
    // a = (2k + 1)·2^(shift-32).
    if (shift > 31) {
      const int128 a = int128{2 * k + 1} << (shift - 32);
      around(floor_div((2 * a + 1) << 30, m));
      around(floor_div((2 * a - 1) << 30, m));
    }
  }
  return out;
}

// One case per parameter set: boundary, per channel the ties above and the ends of the input
// domain; random:N, per channel half uniform over the domain, half of random magnitude around the
// zero point; a single channel's values sorted, each once; channels interleaved (element i is
// channel i % channels), short ones padded with the zero point.
std::vector<OpCase> cases(const Params& item, const InputSpec& inputs, uint64_t seed) {
  std::mt19937_64 rng(seed);
  const RequantParams base = requant_params(mode_of(item), *parse_int_type(item.text("input_type")), *parse_int_type(item.text("output_type")));
  std::vector<OpCase> out;
  for (const RequantParams& p : parameter_sets(base, rng)) {
    const auto [lo, hi] = quantizer_cases::domain(p);
    const size_t channels = p.channels();
    std::vector<std::vector<int64_t>> per_channel(channels);
    for (size_t c = 0; c < channels; ++c) {
      if (inputs.boundary) {
        per_channel[c] = ties(p, c);
        for (int64_t d = 0; d < 3; ++d) per_channel[c].insert(per_channel[c].end(), {lo + d, hi - d, p.input_zp + d - 1});
      }
      for (uint32_t i = 0; i < inputs.random / channels; ++i) {
        if (i % 2 == 0) {
          per_channel[c].push_back(std::uniform_int_distribution<int64_t>(lo, hi)(rng));
        } else {
          const int magnitude_bits = std::uniform_int_distribution<int>(0, 47)(rng);
          const int64_t v = static_cast<int64_t>(rng() >> (64 - magnitude_bits - 1) >> 1);
          per_channel[c].push_back(p.input_zp + (rng() & 1 ? -v : v));
        }
      }
      for (int64_t& v : per_channel[c]) v = std::clamp(v, lo, hi);
      if (channels == 1) {
        std::sort(per_channel[c].begin(), per_channel[c].end());
        per_channel[c].erase(std::unique(per_channel[c].begin(), per_channel[c].end()), per_channel[c].end());
      }
    }
    size_t rows = 0;
    for (const auto& values : per_channel) rows = std::max(rows, values.size());
    std::vector<int64_t> values;
    for (size_t i = 0; i < rows; ++i)
      for (size_t ch = 0; ch < channels; ++ch)
        values.push_back(i < per_channel[ch].size() ? per_channel[ch][i] : std::clamp<int64_t>(p.input_zp, lo, hi));
    out.push_back(make_case(item, p, std::move(values)));
  }
  return out;
}

// Element i alone with its channel's multiplier and shift or scale.
OpCase element_case(const OpCase& c, size_t i) {
  const RequantParams all = params_of(c);
  const size_t channel = i % all.channels();
  RequantParams one = all;
  if (!one.scales.empty())
    one.scales = {all.scales[channel]};
  else
    one.multipliers = {all.multipliers[channel]}, one.shifts = {all.shifts[channel]};
  OpCase r = make_case(c.params, one, {c.inputs[kValue].ints[i]});
  r.op = c.op;
  return r;
}

void compare(const OpCase& c, std::span<const Tensor> got, std::span<const Tensor> want, CompareSink& sink) {
  const size_t n = c.inputs[kValue].size();
  if (got[0].size() != n) {
    ++sink.checked;
    sink.mismatch("output 'output'", std::to_string(got[0].size()) + " values", std::to_string(n) + " values");
    return;
  }
  const bool range = want[1].size() == n && want[2].size() == n;  // INEXACT_ROUND: the oracle's permitted set
  const size_t channels = static_cast<size_t>(c.params.integer("channels"));
  for (size_t i = 0; i < n; ++i) {
    ++sink.checked;
    const int64_t g = got[0].ints[i];
    if (range ? g >= want[1].ints[i] && g <= want[2].ints[i] : g == want[0].ints[i]) continue;
    sink.mismatch(
        std::to_string(c.inputs[kValue].ints[i]) + (channels > 1 ? " (channel " + std::to_string(i % channels) + ")" : ""), std::to_string(g),
        range ? "any of [" + std::to_string(want[1].ints[i]) + ", " + std::to_string(want[2].ints[i]) + "]" : std::to_string(want[0].ints[i]),
        sink.first.size() < sink.max_recorded ? element_case(c, i) : OpCase{});
  }
}

OpSchema make_schema() {
  OpSchema op;
  op.name = "requantize";
  op.summary =
      "integer requantization per channel: TOSA RESCALE (single, double, inexact rounding), gemmlowp, XNNPACK fp32/rndnu (spec/quantizers.md §2)";
  op.clause = "spec/quantizers.md §2";
  ParamSpec mode{
      "mode",       ParamType::Choice, ParamScope::Item, "the scheme with TOSA's multiplier width and INEXACT_ROUND", "spec/quantizers.md §2.2-2.5",
      "tosa_single"};
  mode.choices = [] {
    std::vector<std::string> names;
    for (const RequantMode& m : all_requant_modes()) names.emplace_back(m.name);
    return names;
  };
  mode.column = "rounding";
  mode.report_as = "scheme";
  ParamSpec input_type{"input_type", ParamType::Choice, ParamScope::Item, "the input integer type", "spec/quantizers.md §2.1", "i32"};
  input_type.choices = [] { return int_type_names(false); };
  input_type.column = "source";
  input_type.aliases = ",--input-type";
  ParamSpec output_type{"output_type", ParamType::Choice, ParamScope::Item, "the output integer type", "spec/quantizers.md §2.1", "i8"};
  output_type.choices = [] { return int_type_names(true); };
  output_type.column = "format";
  output_type.aliases = ",--output-type";
  ParamSpec channels{"channels",
                     ParamType::Int,
                     ParamScope::Case,
                     "channels: element i is channel i % channels, each with its multiplier and shift or scale",
                     "spec/quantizers.md §2.1",
                     "1"};
  channels.min = 1;
  channels.max = 65536;
  channels.fuzz_min = 1;
  channels.fuzz_max = 3;
  ParamSpec input_zp{"input_zp", ParamType::Int, ParamScope::Case, "the input zero point", "spec/quantizers.md §2.2", "0"};
  input_zp.min = -(int64_t{1} << 31);
  input_zp.max = (int64_t{1} << 31) - 1;
  input_zp.aliases = ",--input-zp";
  input_zp.fuzz_min = -128;
  input_zp.fuzz_max = 255;
  ParamSpec output_zp = input_zp;
  output_zp.name = "output_zp";
  output_zp.doc = "the output zero point";
  output_zp.aliases = ",--output-zp";
  op.params = {mode, input_type, output_type, channels, input_zp, output_zp};
  op.sweep = {"mode", "input_type", "output_type"};
  op.fixed_columns = {{"overflow", "-"}};
  op.inputs = {{"value", ElemType::Int, {}, "the integers of the input type (element i is channel i % channels)"},
               {"multiplier", ElemType::Int, {}, "each channel's integer multiplier (TOSA, gemmlowp)", true},
               {"shift", ElemType::Int, {}, "each channel's right shift (TOSA: 2..62; gemmlowp: 31 + exponent)", true},
               {"scale", ElemType::Float32, {}, "each channel's float32 scale in [2^-32, 1) (XNNPACK)", true, true}};
  op.outputs = {
      {"output", ElemType::Int, {}, "the requantized integer"},
      {"low", ElemType::Int, {}, "INEXACT_ROUND: the lower end of the permitted range (the reference; implementations leave it empty)", true},
      {"high", ElemType::Int, {}, "INEXACT_ROUND: the upper end of the permitted range (the reference)", true}};
  op.verification.kind = Verification::Kind::Exact;
  op.verification.text = "exact: output";
  op.item_verification = [](const Params& item) {
    Verification v;
    v.kind = mode_of(item).inexact ? Verification::Kind::PermittedSet : Verification::Kind::Exact;
    v.text = mode_of(item).inexact ? "permitted set: output within the range the oracle allows (TOSA INEXACT_ROUND)" : "exact: output";
    return v;
  };
  op.params_error = [](const Params& p) -> std::optional<std::string> {
    RequantParams r = requant_params(mode_of(p), *parse_int_type(p.text("input_type")), *parse_int_type(p.text("output_type")));
    r.input_zp = static_cast<int32_t>(p.integer("input_zp"));
    r.output_zp = static_cast<int32_t>(p.integer("output_zp"));
    return requant_params_error(r);
  };
  op.element_range = [](const Params& p, size_t input) -> std::optional<std::pair<int64_t, int64_t>> {
    if (input == kValue) {
      const IntType t = *parse_int_type(p.text("input_type"));
      return std::pair<int64_t, int64_t>{int_type_min(t), int_type_max(t)};
    }
    if (input == kMultiplier) return std::pair<int64_t, int64_t>{0, mode_of(p).scale32 ? INT32_MAX : 32767};
    if (input == kShift) return std::pair<int64_t, int64_t>{0, 63};
    return std::nullopt;
  };
  op.output_forms = [](const OpCase& c) {
    const size_t n = c.inputs[kValue].size();  // a per-channel list may be longer
    return list_forms(c, {n, n, n});
  };
  op.list_length = [](const Params& p, size_t input, size_t rows) -> size_t {
    if (input == kValue) return rows;
    const bool xnnpack = is_xnnpack(mode_of(p).scheme);
    return (input == kScale) == xnnpack ? static_cast<size_t>(p.integer("channels")) : 0;
  };
  op.element_error = [](const OpCase& c, size_t input, size_t i) -> std::optional<std::string> {
    if (input != kValue) return std::nullopt;
    const RequantParams r = params_of(c);
    if (requant_params_error(r)) return std::nullopt;  // inputs_error names it
    try {
      const auto [lo, hi] = quantizer_cases::domain(r);
      const int64_t v = c.inputs[kValue].ints[i];
      if (v < lo || v > hi)
        return "value " + std::to_string(v) + " is outside the domain every channel accepts, [" + std::to_string(lo) + ", " + std::to_string(hi) +
               "] (spec/quantizers.md §2.2 REQUIRE)";
    } catch (const std::invalid_argument&) {
    }
    return std::nullopt;
  };
  op.inputs_error = [](const OpCase& c) -> std::optional<std::string> {
    const RequantParams r = params_of(c);
    const size_t channels = static_cast<size_t>(c.params.integer("channels"));
    const bool xnnpack = is_xnnpack(r.scheme);
    if (xnnpack && (r.scales.size() != channels || !r.multipliers.empty() || !r.shifts.empty()))
      return "mode " + c.params.text("mode") + " takes one scale per channel (" + std::to_string(channels) + "), no multiplier or shift";
    if (!xnnpack && (r.multipliers.size() != channels || r.shifts.size() != channels || !r.scales.empty()))
      return "mode " + c.params.text("mode") + " takes one multiplier and one shift per channel (" + std::to_string(channels) + "), no scale";
    if (auto e = requant_params_error(r)) return e;
    std::pair<int64_t, int64_t> domain;
    try {
      domain = quantizer_cases::domain(r);
    } catch (const std::invalid_argument& e) {
      return std::string(e.what());
    }
    for (int64_t v : c.inputs[kValue].ints)
      if (v < domain.first || v > domain.second)
        return "value " + std::to_string(v) + " is outside the domain every channel accepts, [" + std::to_string(domain.first) + ", " +
               std::to_string(domain.second) + "] (spec/quantizers.md §2.2 REQUIRE)";
    return std::nullopt;
  };
  op.cases = cases;
  op.cost = [](const Params&, const InputSpec& inputs) { return 8 * ((inputs.boundary ? 200 : 0) + uint64_t{inputs.random}); };
  op.compare = compare;
  op.bindings = {
      {"reference",
       [](const OpCase& c, std::vector<Tensor>& out, std::string& error) {
         const RequantParams p = params_of(c);
         const bool inexact = mode_of(c.params).inexact;
         const std::vector<int64_t>& values = c.inputs[kValue].ints;
         std::vector<int64_t> output(values.size()), low, high;
         for (size_t i = 0; i < values.size(); ++i) {
           const size_t channel = i % p.channels();
           const ref::RequantOutcome r = ref::requantize(p, values[i], channel);
           if (!r.ok) {
             error = "reference requantize: element " + std::to_string(i) + ": " + r.error;
             return OpStatus::Error;
           }
           output[i] = r.value;
           if (!inexact) continue;
           // TOSA INEXACT_ROUND (§2.2): any value of [lo, hi]; SINGLE_ROUND's lies inside.
           const ref::InexactRange allowed = ref::rescale_inexact_range(p, values[i], channel);
           low.push_back(allowed.lo);
           high.push_back(allowed.hi);
         }
         out = {Tensor::integer_list(std::move(output)), Tensor::integer_list(std::move(low)), Tensor::integer_list(std::move(high))};
         return OpStatus::Ok;
       }},
      {"fast",
       [](const OpCase& c, std::vector<Tensor>& out, std::string& error) {
         const RequantParams p = params_of(c);
         const std::vector<int64_t>& values = c.inputs[kValue].ints;
         std::vector<int64_t> output(values.size());
         // The int32 -> int8 kernel where it applies (the hot path), else the int64 general path.
         std::optional<fast::RequantError> e;
         if (p.output_type == IntType::I8 && p.input_type != IntType::I48) {
           const std::vector<int32_t> in32(values.begin(), values.end());
           std::vector<int8_t> out8(values.size());
           e = fast::requantize_to_int8(p, in32, out8);
           std::copy(out8.begin(), out8.end(), output.begin());
         } else {
           e = fast::requantize(p, values, output);
         }
         if (e) {
           error = "fast requantize: element " + std::to_string(e->index) + ": " + e->message;
           return OpStatus::Error;
         }
         out = {Tensor::integer_list(std::move(output)), Tensor::integer_list({}), Tensor::integer_list({})};
         return OpStatus::Ok;
       }},
  };
  return op;
}

}  // namespace

const OpSchema& requantize_op() {
  static const OpSchema op = make_schema();
  return op;
}

}  // namespace lpc::ops
