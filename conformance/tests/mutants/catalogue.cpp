// The planted-bug catalogue of the format family (issue: verification power). Each mutant is the
// bundled fast implementation with one narrow defect modelled on a bug of the field; the catalogue
// runs a profile against every mutant and prints which items caught it and the kill rate.
//
//   lpc_mutants --profile lpconform-gate [--mutant NAME] [--list]
//
// Exit status 0 when every mutant is caught (at least one required item FAILs or ERRORs) and the
// unmodified fast implementation passes; 1 otherwise, naming the survivors.
#include <bit>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <functional>
#include <iostream>
#include <string>
#include <vector>

#include "conformance/bundled/bundled.hpp"
#include "conformance/core/profile.hpp"
#include "conformance/core/runner.hpp"
#include "reference/formats/codec.hpp"

namespace lpc {
namespace {

double value_of(Source s, uint64_t bits) { return ref::ExactValue::from_source(s, bits).to_double(); }
double decoded(const Format& f, uint32_t code) { return ref::decode(f, code).to_double(); }

// The largest finite magnitude of a format.
double max_finite(const Format& f) {
  double m = 0;
  for (uint32_t c = 0; c < f.code_count(); ++c) {
    const double v = decoded(f, c);
    if (std::isfinite(v)) m = std::max(m, std::fabs(v));
  }
  return m;
}

// max_finite of the format the last call on this thread asked about (a batch asks per element).
double cached_max_finite(const Format& f) {
  static thread_local const Format* last = nullptr;
  static thread_local double max = 0;
  if (last != &f) last = &f, max = max_finite(f);
  return max;
}

double smallest_normal(const Format& f) { return std::ldexp(1.0, 1 - f.bias - (f.radix == 4 ? f.bias : 0)); }

// How a mutant changes a batch: its inputs and random words before fast runs, and the codes after.
struct Defect {
  std::function<void(const EncodeBatch& b, std::vector<uint64_t>& inputs, std::vector<uint32_t>& random)> before;
  std::function<void(const EncodeBatch& b, size_t i, uint32_t& code)> after;
  std::function<void(const DecodeBatch& b, size_t i, double& value)> decode;
};

struct Mutant {
  std::string name, bug;
  Defect defect;
};

bool is_float_format(const EncodeBatch& b) { return b.format->is_float() && b.format->radix == 2 && b.format->man_bits > 0; }

std::vector<Mutant> catalogue() {
  std::vector<Mutant> m;
  const auto add = [&](std::string name, std::string bug, Defect d) { m.push_back({std::move(name), std::move(bug), std::move(d)}); };
  add("sticky_dropped", "rounding looks at the round bit only: bits below it are dropped before a nearest rounding (float32 sources)",
      {[](const EncodeBatch& b, std::vector<uint64_t>& in, std::vector<uint32_t>&) {
         if (b.source != Source::F32 || !is_float_format(b) || b.params.rounding != Rounding::Rne) return;
         const int keep = b.format->man_bits + 1;  // the fraction bits plus the round bit
         if (keep >= 23) return;
         for (uint64_t& x : in) x &= ~((uint64_t{1} << (23 - keep)) - 1);
       }, nullptr, nullptr});
  add("double_rounding_f16", "float32 converted to float16 first, then to the format (double rounding)",
      {[](const EncodeBatch& b, std::vector<uint64_t>& in, std::vector<uint32_t>&) {
         if (b.source != Source::F32 || !is_float_format(b) || b.format->bits > 8) return;
         for (uint64_t& x : in) {
           const double v = value_of(Source::F32, x);
           if (!std::isfinite(v) || std::fabs(v) > 65504) continue;
           const _Float16 h = static_cast<_Float16>(static_cast<float>(v));
           x = std::bit_cast<uint32_t>(static_cast<float>(h));
         }
       }, nullptr, nullptr});
  add("f64_via_f32", "float64 inputs converted to float32 first (double rounding; Eigen, PyTorch)",
      {[](const EncodeBatch& b, std::vector<uint64_t>& in, std::vector<uint32_t>&) {
         if (b.source != Source::F64) return;
         for (uint64_t& x : in) x = std::bit_cast<uint64_t>(double(float(std::bit_cast<double>(x))));
       }, nullptr, nullptr});
  add("overflow_before_rounding", "overflow decided on |x| before rounding: values that round down to max overflow",
      {nullptr, [](const EncodeBatch& b, size_t i, uint32_t& code) {
         if (!is_float_format(b) || b.params.overflow == Overflow::Sat) return;
         const double x = value_of(b.source, b.inputs[i]);
         const double max = cached_max_finite(*b.format);
         if (std::isfinite(x) && std::fabs(x) > max && b.format->has_inf()) code = ref::encode(*b.format, b.params, ref::ExactValue::inf(x < 0)).code;
       }, nullptr});
  add("daz", "subnormal inputs read as zero (DAZ), not declared",
      {[](const EncodeBatch& b, std::vector<uint64_t>& in, std::vector<uint32_t>&) {
         if (b.source != Source::F32 && b.source != Source::F16 && b.source != Source::BF16) return;
         const uint64_t exp_mask = b.source == Source::F32 ? 0x7F800000u : b.source == Source::F16 ? 0x7C00u : 0x7F80u;
         const uint64_t sign = b.source == Source::F32 ? 0x80000000u : 0x8000u;
         for (uint64_t& x : in)
           if ((x & exp_mask) == 0) x &= sign;
       }, nullptr, nullptr});
  add("ftz", "subnormal results flushed to zero (FTZ), not declared",
      {nullptr, [](const EncodeBatch& b, size_t i, uint32_t& code) {
         (void)i;
         if (!is_float_format(b) || !b.format->subnormals) return;
         const double v = decoded(*b.format, code);
         if (v != 0 && std::isfinite(v) && std::fabs(v) < smallest_normal(*b.format)) code = ref::encode(*b.format, b.params, ref::ExactValue::zero(v < 0)).code;
       }, nullptr});
  add("fnuz_negative_zero", "fnuz formats: a negative result that rounds to zero gets the sign bit (0x80 is NaN there)",
      {nullptr, [](const EncodeBatch& b, size_t i, uint32_t& code) {
         if (b.format->neg_zero || !b.format->is_float() || b.format->nan != NanEncoding::NegZero || code != 0) return;
         if (std::signbit(value_of(b.source, b.inputs[i]))) code = 0x80;
       }, nullptr});
  add("negative_zero_lost", "-0 results encoded as +0 in formats that have -0",
      {nullptr, [](const EncodeBatch& b, size_t, uint32_t& code) {
         if (b.format->neg_zero && b.format->is_float() && code == (uint32_t{1} << (b.format->bits - 1))) code = 0;
       }, nullptr});
  add("ties_away", "ties round away from zero under round-to-nearest-even",
      {nullptr, [](const EncodeBatch& b, size_t i, uint32_t& code) {
         if (b.params.rounding != Rounding::Rne) return;
         const ref::ExactValue x = ref::ExactValue::from_source(b.source, b.inputs[i]);
         const EncodeParams rna{Rounding::Rna, b.params.overflow, 0};
         if (ref::supports(*b.format, rna)) code = ref::encode(*b.format, rna, x).code;
       }, nullptr});
  add("directed_as_nearest", "rup and rdn rounded to nearest even",
      {nullptr, [](const EncodeBatch& b, size_t i, uint32_t& code) {
         if (b.params.rounding != Rounding::Rup && b.params.rounding != Rounding::Rdn) return;
         code = ref::encode(*b.format, {Rounding::Rne, b.params.overflow, 0}, ref::ExactValue::from_source(b.source, b.inputs[i])).code;
       }, nullptr});
  add("rup_rdn_swapped_negative", "rup and rdn swapped for negative inputs (rounding the magnitude)",
      {nullptr, [](const EncodeBatch& b, size_t i, uint32_t& code) {
         if (b.params.rounding != Rounding::Rup && b.params.rounding != Rounding::Rdn) return;
         const ref::ExactValue x = ref::ExactValue::from_source(b.source, b.inputs[i]);
         if (!x.negative) return;
         const Rounding other = b.params.rounding == Rounding::Rup ? Rounding::Rdn : Rounding::Rup;
         code = ref::encode(*b.format, {other, b.params.overflow, 0}, x).code;
       }, nullptr});
  add("satprop_saturates_inf", "satprop: an infinite input saturates to max instead of staying infinite",
      {nullptr, [](const EncodeBatch& b, size_t i, uint32_t& code) {
         if (b.params.overflow != Overflow::SatProp) return;
         const double x = value_of(b.source, b.inputs[i]);
         if (std::isinf(x)) code = ref::encode(*b.format, {b.params.rounding, Overflow::Sat, 0}, ref::ExactValue::from_source(b.source, b.inputs[i])).code;
       }, nullptr});
  add("nan_for_sat", "saturation gives NaN instead of max (float8_e4m3fn sat)",
      {nullptr, [](const EncodeBatch& b, size_t i, uint32_t& code) {
         if (b.params.overflow != Overflow::Sat || !b.format->has_nan() || !is_float_format(b)) return;
         const double max = cached_max_finite(*b.format);
         const double x = value_of(b.source, b.inputs[i]);
         if (std::isfinite(x) && std::fabs(x) > 2 * max) code = ref::canonical_nan_code(*b.format, x < 0);
       }, nullptr});
  add("integer_wrap_saturates", "integers under wrap saturate",
      {nullptr, [](const EncodeBatch& b, size_t i, uint32_t& code) {
         if (!b.format->is_integer() || b.params.overflow != Overflow::Wrap) return;
         const ref::ExactValue x = ref::ExactValue::from_source(b.source, b.inputs[i]);
         if (x.is_finite()) code = ref::encode(*b.format, {b.params.rounding, Overflow::Sat, 0}, x).code;
       }, nullptr});
  add("integer_truncates", "integers: round to nearest even done by truncation",
      {nullptr, [](const EncodeBatch& b, size_t i, uint32_t& code) {
         if (!b.format->is_integer() || b.params.rounding != Rounding::Rne) return;
         code = ref::encode(*b.format, {Rounding::Rtz, b.params.overflow, 0}, ref::ExactValue::from_source(b.source, b.inputs[i])).code;
       }, nullptr});
  add("e8m0_round_down", "E8M0 scales: every value rounded down to a power of two",
      {nullptr, [](const EncodeBatch& b, size_t i, uint32_t& code) {
         if (b.format->man_bits != 0 || b.format->exp_bits != 8 || b.params.rounding != Rounding::Rne) return;
         code = ref::encode(*b.format, {Rounding::Rdn, b.params.overflow, 0}, ref::ExactValue::from_source(b.source, b.inputs[i])).code;
       }, nullptr});
  add("simd_tail", "a vector kernel's scalar tail flushes the smallest subnormal (batches not a multiple of 16)",
      {nullptr, [](const EncodeBatch& b, size_t i, uint32_t& code) {
         const size_t n = b.inputs.size();
         if (n % 16 == 0 || i < n - n % 16 || !is_float_format(b)) return;
         if ((code & ((1u << (b.format->bits - 1)) - 1)) == 1) code &= 1u << (b.format->bits - 1);
       }, nullptr});
  add("flagless_path", "the path taken without a flags buffer flushes the smallest subnormal",
      {nullptr, [](const EncodeBatch& b, size_t, uint32_t& code) {
         if (!b.flags.empty() || !is_float_format(b)) return;
         if ((code & ((1u << (b.format->bits - 1)) - 1)) == 1) code &= 1u << (b.format->bits - 1);
       }, nullptr});
  add("sr_eight_bits", "stochastic rounding reads only 8 bits of R when N > 8",
      {[](const EncodeBatch& b, std::vector<uint64_t>&, std::vector<uint32_t>& r) {
         if (b.params.sr_bits > 8) for (uint32_t& w : r) w &= 0xFF;
       }, nullptr, nullptr});
  add("sr_no_dither_half_sources", "stochastic rounding from bfloat16/float16 ignores R",
      {[](const EncodeBatch& b, std::vector<uint64_t>&, std::vector<uint32_t>& r) {
         if ((b.source == Source::BF16 || b.source == Source::F16) && is_stochastic(b.params.rounding)) for (uint32_t& w : r) w = 0;
       }, nullptr, nullptr});
  add("sr_high_bits", "stochastic rounding takes R from the top bits of the word instead of the low N",
      {[](const EncodeBatch& b, std::vector<uint64_t>&, std::vector<uint32_t>& r) {
         if (is_stochastic(b.params.rounding) && b.params.sr_bits < 32) for (uint32_t& w : r) w >>= (32 - b.params.sr_bits);
       }, nullptr, nullptr});
  add("flags_no_inexact_on_overflow", "the inexact flag is not raised with overflow",
      {nullptr, [](const EncodeBatch& b, size_t i, uint32_t&) {
         if (!b.flags.empty() && (b.flags[i] & kFlagOverflow)) b.flags[i] &= ~kFlagInexact;
       }, nullptr});
  add("decode_subnormal_bias", "decode: subnormal codes scaled by one binade too many",
      {nullptr, nullptr, [](const DecodeBatch& b, size_t, double& v) {
         if (!b.format->is_float() || !b.format->subnormals || v == 0 || !std::isfinite(v)) return;
         if (std::fabs(v) < smallest_normal(*b.format)) v /= 2;
       }});
  add("decode_negative_zero", "decode: the -0 code gives +0",
      {nullptr, nullptr, [](const DecodeBatch&, size_t, double& v) {
         if (v == 0) v = 0.0;
       }});
  return m;
}

Implementation mutated(const Mutant& mutant) {
  Implementation impl = fast_implementation();
  impl.name = "fast-" + mutant.name;
  const Defect d = mutant.defect;
  impl.encode = [d](const EncodeBatch& b, std::string& error) {
    std::vector<uint64_t> inputs(b.inputs.begin(), b.inputs.end());
    std::vector<uint32_t> random(b.random.begin(), b.random.end());
    if (d.before) d.before(b, inputs, random);
    EncodeBatch call = b;
    call.inputs = inputs;
    call.random = random;
    const OpStatus s = fast_implementation().encode(call, error);
    if (s == OpStatus::Ok && d.after)
      for (size_t i = 0; i < b.inputs.size(); ++i) d.after(b, i, b.codes[i]);
    return s;
  };
  impl.decode = [d](const DecodeBatch& b, std::string& error) {
    const OpStatus s = fast_implementation().decode(b, error);
    if (s == OpStatus::Ok && d.decode)
      for (size_t i = 0; i < b.codes.size(); ++i) d.decode(b, i, b.values[i]);
    return s;
  };
  return impl;
}

// Caught: a required item FAILs or ERRORs (an ERROR counts: the suite refused the subject).
std::vector<std::string> catchers(const RunResult& r) {
  std::vector<std::string> out;
  for (const ItemResult& item : r.items)
    if (item.item.required && (item.status == Status::Fail || item.status == Status::Error)) out.push_back(item.signature);
  return out;
}

int main_(int argc, char** argv) {
  std::string profile_name = "lpconform-gate", only_mutant;
  bool list = false;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--profile" && i + 1 < argc) profile_name = argv[++i];
    else if (a == "--mutant" && i + 1 < argc) only_mutant = argv[++i];
    else if (a == "--list") list = true;
    else {
      std::cerr << "usage: lpc_mutants [--profile NAME|FILE] [--mutant NAME] [--list]\n";
      return a == "--help" ? 0 : 2;
    }
  }
  const std::vector<Mutant> mutants = catalogue();
  if (list) {
    for (const Mutant& m : mutants) std::cout << m.name << "  " << m.bug << "\n";
    return 0;
  }
  const Profile profile = load_profile(profile_name);
  RunOptions options;
  const auto start = std::chrono::steady_clock::now();
  const RunResult clean = run_profile(profile, fast_implementation(), reference_implementation(), options);
  const bool clean_passes = catchers(clean).empty();
  std::cout << "profile " << profile.info.name << " " << profile.info.version << ": " << profile.items.size() << " items; fast "
            << (clean_passes ? "passes" : "FAILS") << "\n";
  size_t caught = 0, run = 0;
  std::vector<std::string> survivors;
  for (const Mutant& m : mutants) {
    if (!only_mutant.empty() && m.name != only_mutant) continue;
    ++run;
    const Implementation impl = mutated(m);
    const RunResult r = run_profile(profile, impl, reference_implementation(), options);
    const std::vector<std::string> by = catchers(r);
    if (!by.empty()) ++caught;
    else survivors.push_back(m.name);
    std::printf("  %-30s %-8s %zu item%s%s%s\n", m.name.c_str(), by.empty() ? "SURVIVED" : "caught", by.size(), by.size() == 1 ? "" : "s",
                by.empty() ? "" : ", first ", by.empty() ? "" : by.front().c_str());
  }
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::printf("kill rate %zu/%zu (%.1f%%) on %s in %.1f s\n", caught, run, run ? 100.0 * double(caught) / double(run) : 0.0,
              profile.info.name.c_str(), seconds);
  for (const std::string& s : survivors) std::printf("survivor: %s\n", s.c_str());
  return clean_passes && survivors.empty() ? 0 : 1;
}

}  // namespace
}  // namespace lpc

int main(int argc, char** argv) {
  try {
    return lpc::main_(argc, argv);
  } catch (const std::exception& e) {
    std::cerr << "lpc_mutants: " << e.what() << "\n";
    return 2;
  }
}
