// lpconform explain --format NAME VALUE|CODE: the reference's view of one value or one code, in
// words. Always the exact reference (reference/), whatever implementation is under test.
#include <algorithm>
#include <bit>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <iostream>

#include "cli/commands.hpp"
#include "conformance/core/case.hpp"
#include "reference/formats/codec.hpp"

namespace lpc::cli {

namespace {

struct FiniteValue {
  ref::ExactValue value;
  uint32_t code;
};

// The finite values of the format with their codes, ascending, zero once (as +0 where it exists).
std::vector<FiniteValue> finite_values(const Format& f) {
  std::vector<FiniteValue> out;
  for (uint32_t code = 0; code <= f.code_mask(); ++code) {
    const ref::ExactValue v = ref::decode(f, code);
    if (v.is_finite() && !(v.is_zero() && v.negative)) out.push_back({v, code});
  }
  std::sort(out.begin(), out.end(), [](const FiniteValue& a, const FiniteValue& b) { return ref::compare(a.value, b.value) < 0; });
  return out;
}

std::string describe_code(const Format& f, uint32_t code) {
  return code_hex(f, code) + " (" + ref::decode(f, code).to_string() + ")";
}

// Beyond the range (spec/formats.md §5.2 rounds first): where x lies between the largest finite
// magnitude M and the next point of the format's grid with an unbounded exponent, M + (M - the
// value below M) when both share M's binade (float formats with a fraction, integers).
void print_beyond_range(const Format& f, const std::vector<FiniteValue>& values, const ref::ExactValue& x, bool negative) {
  if (values.size() < 2 || (f.is_float() && f.man_bits == 0)) return;
  const FiniteValue& edge = negative ? values.front() : values.back();
  const double m = edge.value.to_double(), inner = (negative ? values[1] : values[values.size() - 2]).value.to_double();
  const double next = m + (m - inner), v = x.to_double();
  if (negative ? v <= next : v >= next) return;
  std::printf("  x lies between %s and %.17g (the next value of the grid with an unbounded exponent, outside the format), %.6g of the way out",
              describe_code(f, edge.code).c_str(), next, (v - m) / (next - m));
  std::cout << ((v - m) == (next - m) / 2 ? ": a tie (rne goes to the even one, rna away from zero)" : "") << "\n";
}

std::string flag_words(uint8_t flags) {
  std::string s;
  const std::pair<uint8_t, const char*> names[] = {{kFlagInexact, "inexact"}, {kFlagUnderflow, "underflow"}, {kFlagOverflow, "overflow"}, {kFlagInvalid, "invalid"}};
  for (auto [bit, name] : names)
    if (flags & bit) s += (s.empty() ? "" : ", ") + std::string(name);
  return s.empty() ? "none" : s;
}

void explain_code(const Format& f, uint32_t code) {
  std::cout << f.name << " code " << code_hex(f, code) << "\n";
  if (f.is_float()) {
    const uint32_t man = code & ((1u << f.man_bits) - 1), exp = (code >> f.man_bits) & ((1u << f.exp_bits) - 1);
    std::cout << "  fields: " << (f.is_signed ? "sign " + std::to_string(code >> (f.bits - 1)) + ", " : "") << "exponent " << exp
              << " (bias " << f.bias << ", radix " << f.radix << "), fraction " << man << " of " << (1u << f.man_bits) << "\n";
  }
  const ref::ExactValue v = ref::decode(f, code);
  std::cout << "  value: " << v.to_string() << "\n";
  if (!v.is_nan()) {
    const auto values = finite_values(f);
    const auto positive = std::find_if(values.begin(), values.end(), [](const FiniteValue& v) { return !v.value.negative && !v.value.is_zero(); });
    if (positive != values.end())
      std::cout << "  the format's largest finite value is " << describe_code(f, values.back().code) << ", its smallest positive "
                << describe_code(f, positive->code) << "\n";
    std::printf("  as float32: 0x%08x\n", std::bit_cast<uint32_t>(static_cast<float>(v.to_double())));
  }
  if (code > 0) std::cout << "  code below: " << describe_code(f, code - 1) << "\n";
  if (code < f.code_mask()) std::cout << "  code above: " << describe_code(f, code + 1) << "\n";
}

void explain_value(const Format& f, uint32_t f32_bits, const std::string& text) {
  const ref::ExactValue x = ref::ExactValue::from_source(Source::F32, f32_bits);
  std::printf("%s: encode %s (float32 0x%08x)\n", f.name.c_str(), text.c_str(), f32_bits);
  std::cout << "  exact value of the input: " << x.to_string() << "\n";

  // 1. Where x falls among the format's finite values.
  if (x.is_finite()) {
    const auto values = finite_values(f);
    auto above = std::find_if(values.begin(), values.end(), [&](const FiniteValue& v) { return ref::compare(v.value, x) > 0; });
    if (above != values.begin() && ref::compare(std::prev(above)->value, x) == 0) {
      std::cout << "  x is exactly representable: " << describe_code(f, std::prev(above)->code) << "\n";
    } else if (above == values.end()) {
      std::cout << "  x is above the largest finite value " << describe_code(f, values.back().code)
                << ": it rounds first, then the overflow policy decides (spec/formats.md §5.2)\n";
      print_beyond_range(f, values, x, false);
    } else if (above == values.begin()) {
      std::cout << "  x is below the lowest finite value " << describe_code(f, above->code)
                << (x.negative ? ": it rounds first, then the overflow policy decides (spec/formats.md §5.2)" : "") << "\n";
      if (x.negative) print_beyond_range(f, values, x, true);
    } else {
      const auto below = std::prev(above);
      const double a = below->value.to_double(), b = above->value.to_double(), v = x.to_double();
      std::printf("  x lies between %s and %s, %.6g of the way up", describe_code(f, below->code).c_str(), describe_code(f, above->code).c_str(),
                  (v - a) / (b - a));
      std::cout << ((v - a) == (b - a) / 2 ? ": a tie (rne goes to the even code, rna away from zero)" : "") << "\n";
    }
  }

  // 2. The reference's decision under every deterministic rounding and applicable overflow
  //    policy; policies that give the same result share a line.
  std::cout << "  rounding  overflow              result\n";
  const auto& overflows = f.is_integer() ? std::span<const Overflow>(kIntegerOverflows) : std::span<const Overflow>(kFloatOverflows);
  for (Rounding r : kDeterministicRoundings) {
    std::vector<std::pair<std::string, ref::EncodeResult>> lines;  // (policies, result)
    for (Overflow o : overflows) {
      const ref::EncodeResult result = ref::encode(f, EncodeParams{r, o, 0}, x);
      auto same = std::find_if(lines.begin(), lines.end(), [&](const auto& l) { return l.second == result; });
      if (same == lines.end()) lines.push_back({to_string(o), result});
      else same->first += std::string(", ") + to_string(o);
    }
    for (const auto& [policies, result] : lines) {
      const ref::ExactValue got = ref::decode(f, result.code);
      std::string how;
      if (result.unspecified) how = "unspecified: any code is permitted (this is the reference's choice)";
      else if (x.is_nan()) how = "NaN in";
      else if (got.is_nan()) how = "NaN out";
      else if (got == x || (got.is_zero() && x.is_zero())) how = "exact";
      else if (got.is_inf()) how = "overflow to infinity";
      else if ((result.flags & kFlagOverflow) && got.negative != x.negative && !got.is_zero()) how = "overflow, wrapped around";
      else if (result.flags & kFlagOverflow) how = "overflow, saturated to the finite bound";
      else if (ref::compare(ref::ExactValue::finite(false, got.significand, got.exponent),
                            ref::ExactValue::finite(false, x.significand, x.exponent)) < 0) how = "rounded toward zero";
      else how = "rounded away from zero";
      std::printf("  %-9s %-21s %s = %s; %s; flags: %s\n", to_string(r), policies.c_str(), code_hex(f, result.code).c_str(),
                  got.to_string().c_str(), how.c_str(), flag_words(result.flags).c_str());
    }
  }
  std::cout << "  (stochastic roundings depend on a random word: lpconform eval encode --rounding sr_a --sr-bits N with an 'input,random' header)\n";
}

}  // namespace

Command add_explain(CLI::App& app) {
  auto* sub = app.add_subcommand("explain",
                                 "Explain a value or a code of a format with the exact reference: its exact value, its neighbours, the\n"
                                 "rounding decision and flags under every mode, in words.\n"
                                 "ARG is a CODE when it is hex with at most as many digits as the format needs (0x7e for 8 bits),\n"
                                 "else a VALUE: a float32 bit pattern (0x43e88000) or a decimal number (465, read as float32).");
  auto format = std::make_shared<std::string>();
  auto arg = std::make_shared<std::string>();
  sub->add_option("--format", *format, "Format (see `lpconform list formats`)")->required();
  sub->add_option("ARG", *arg, "VALUE or CODE")->required();
  return {sub, [format, arg] {
            const Format& f = format_option(*format);
            if (f.bits > 16) throw UsageError("--format: explain enumerates every code, so it takes formats of at most 16 bits, not " + f.name);
            const std::string& s = *arg;
            const bool hex = s.size() > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X');
            uint64_t v = 0;
            if (hex) {
              auto [p, ec] = std::from_chars(s.data() + 2, s.data() + s.size(), v, 16);
              if (ec != std::errc() || p != s.data() + s.size()) throw UsageError("ARG: malformed hex number '" + s + "'");
              const size_t digits = s.size() - 2;
              if (digits <= static_cast<size_t>((f.bits + 3) / 4) && v <= f.code_mask()) { explain_code(f, static_cast<uint32_t>(v)); return 0; }
              if (v > 0xffffffffu) throw UsageError("ARG: '" + s + "' is neither a code of " + f.name + " nor a float32 bit pattern (at most 0xffffffff)");
              explain_value(f, static_cast<uint32_t>(v), s);
              return 0;
            }
            float x = 0;
            auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), x);
            if (ec == std::errc::result_out_of_range) throw UsageError("ARG: '" + s + "' is out of the float32 range");
            if (ec != std::errc() || p != s.data() + s.size())
              throw UsageError("ARG: '" + s + "' is not a number, expected a decimal value, a float32 bit pattern like 0x3f800000 or a code like " +
                               code_hex(f, 0));
            explain_value(f, std::bit_cast<uint32_t>(x), s);
            return 0;
          }};
}

}  // namespace lpc::cli
