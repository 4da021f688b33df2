// lpconform reference — AdaComp (adacomp.hpp, adacomp_exact.hpp), clause by clause from
// spec/codecs.md §1: one selection routine over exact values, run on exact inputs (§1.3) or on the
// float32 values of §1.2 with each operation rounded once by RN32; the message written and read one
// bit at a time.
#include "reference/codecs/adacomp.hpp"

#include <bit>
#include <cmath>
#include <optional>

#include "reference/codecs/adacomp_exact.hpp"
#include "reference/codecs/residual.hpp"
#include "reference/common/exact_math.hpp"

namespace lpc::ref {

namespace {

using exact_math::cpp_rational;

// A magnitude compared with the bin maxima: a finite rational, or +inf (an H that overflowed).
struct Magnitude {
  bool infinite = false;
  cpp_rational value;
};

// §1.2 steps 3-4 on exact values: gmax_b of each bin and sel_i. `g` the G_i, `h` the |H_i|; under
// MXNet's rule (§1.6) |H_i| >= gmax_b alone selects, in all-zero bins too.
std::vector<bool> select(uint32_t bin, const std::vector<cpp_rational>& g, const std::vector<Magnitude>& h, std::vector<cpp_rational>& gmax,
                         AdacompZeroRule rule = AdacompZeroRule::Skip) {
  const bool mxnet = rule == AdacompZeroRule::Mxnet;
  const size_t n = g.size();
  std::vector<bool> sel(n, false);
  gmax.clear();
  for (size_t start = 0; start < n; start += bin) {
    const size_t end = std::min<size_t>(n, start + size_t{bin});
    cpp_rational m = 0;  // step 3: the largest |G_i| of the bin
    for (size_t i = start; i < end; ++i) m = std::max(m, cpp_rational(abs(g[i])));
    gmax.push_back(m);
    if (m == 0 && !mxnet) continue;  // an all-zero bin selects nothing
    for (size_t i = start; i < end; ++i) sel[i] = (g[i] != 0 || mxnet) && (h[i].infinite || h[i].value >= m);  // step 4: ties select, G_i = 0 never
  }
  return sel;
}

// RN32 of an exact value, or nullopt once it overflows (±inf).
std::optional<float> rounded(const cpp_rational& x) {
  const float f = exact_math::to_float32(x);
  if (std::isinf(f)) return std::nullopt;
  return f;
}

void put_u32(std::vector<uint8_t>& out, uint32_t v) {
  for (int k = 0; k < 4; ++k) out.push_back(static_cast<uint8_t>(v >> (8 * k)));
}

uint32_t get_u32(std::span<const uint8_t> bytes, size_t at) {
  uint32_t v = 0;
  for (int k = 0; k < 4; ++k) v |= uint32_t{bytes[at + k]} << (8 * k);
  return v;
}

// §1.4: the message of the selected elements (increasing indices) and their signs.
std::vector<uint8_t> encode_message(const AdacompParams& p, uint64_t n, float scale, const std::vector<uint64_t>& index, const std::vector<bool>& negative) {
  std::vector<uint8_t> out;
  const uint64_t c = index.size();
  put_u32(out, static_cast<uint32_t>(c));
  put_u32(out, std::bit_cast<uint32_t>(scale));
  if (p.layout == AdacompLayout::Index32) {
    for (uint64_t i : index) put_u32(out, static_cast<uint32_t>(i));
    out.resize(out.size() + (c + 7) / 8, 0);
    for (uint64_t j = 0; j < c; ++j)
      if (negative[j]) out[8 + 4 * c + j / 8] |= static_cast<uint8_t>(1u << (j % 8));
    return out;
  }
  std::vector<bool> bits;
  const int w = adacomp_offset_bits(p);
  size_t j = 0;
  for (uint64_t start = 0; start < n; start += p.bin) {
    const uint64_t end = std::min<uint64_t>(n, start + p.bin);
    size_t first = j;
    while (j < c && index[j] < end) ++j;
    for (size_t e = first; e < j; ++e) bits.push_back(true);  // k_b in unary
    bits.push_back(false);
    for (size_t e = first; e < j; ++e) {
      const uint64_t offset = index[e] - start;
      for (int k = 0; k < w; ++k) bits.push_back(((offset >> k) & 1) != 0);
      bits.push_back(negative[e]);
    }
  }
  out.resize(out.size() + (bits.size() + 7) / 8, 0);
  for (size_t b = 0; b < bits.size(); ++b)
    if (bits[b]) out[8 + b / 8] |= static_cast<uint8_t>(1u << (b % 8));
  return out;
}

AdacompOutcome failure(std::string error) {
  AdacompOutcome r;
  r.error = std::move(error);
  return r;
}

AdacompDecoded rejection(uint64_t offset, const std::string& why) {
  AdacompDecoded r;
  r.error_offset = offset;
  r.error = "byte offset " + std::to_string(offset) + ": " + why;
  return r;
}

// The bits of a message's payload, read from byte 8 on; past the end a read gives nullopt.
struct BitReader {
  std::span<const uint8_t> bytes;
  uint64_t bit = 0;  // from byte 8
  uint64_t offset() const { return 8 + bit / 8; }
  std::optional<bool> next() {
    if (offset() >= bytes.size()) return std::nullopt;
    const bool b = ((bytes[offset()] >> (bit % 8)) & 1) != 0;
    ++bit;
    return b;
  }
};

}  // namespace

namespace {

// §1.2 steps 1-5 up to the sum s_nb, in exact arithmetic with each float32 operation rounded once;
// the first error of §1.2 "Errors", or nullopt.
struct Steps {
  std::vector<float> g;               // G (step 1)
  std::vector<cpp_rational> g_exact;  // its values
  std::vector<cpp_rational> gmax;     // step 3
  std::vector<bool> sel;              // step 4
  float s = 0;                        // step 5: s_nb
};

std::optional<std::string> run_steps(const AdacompParams& p, std::span<const float> residue, std::span<const float> gradient, Steps& x) {
  const uint64_t n = residue.size();
  if (auto e = adacomp_params_error(p, n)) return e;
  // Step 1: G_i = R_i ⊕ ΔW_i.
  if (auto e = residual_sum(residue, gradient, x.g)) return e;
  x.g_exact.resize(n);
  std::vector<Magnitude> h(n);
  for (size_t i = 0; i < n; ++i) {
    x.g_exact[i] = exact_math::exact(x.g[i]);
    // Step 2: H_i = G_i ⊕ ΔW_i, only its magnitude (or its overflow) counts.
    const std::optional<float> soft = rounded(x.g_exact[i] + exact_math::exact(gradient[i]));
    h[i] = soft ? Magnitude{false, abs(exact_math::exact(*soft))} : Magnitude{true, 0};
  }
  x.sel = select(p.bin, x.g_exact, h, x.gmax, p.zero);
  // Step 5: s_{b+1} = s_b ⊕ gmax_b in bin order.
  for (size_t b = 0; b < x.gmax.size(); ++b) {
    const std::optional<float> next = rounded(exact_math::exact(x.s) + x.gmax[b]);
    if (!next) return "the sum of the bin maxima overflows float32 at bin " + std::to_string(b);
    x.s = *next;
  }
  return std::nullopt;
}

}  // namespace

std::optional<std::string> adacomp_inputs_error(const AdacompParams& p, std::span<const float> residue, std::span<const float> gradient) {
  Steps x;
  return run_steps(p, residue, gradient, x);
}

AdacompOutcome adacomp_compress(const AdacompParams& p, std::span<const float> residue, std::span<const float> gradient) {
  const uint64_t n = residue.size();
  Steps x;
  if (auto e = run_steps(p, residue, gradient, x)) return failure(*e);
  const std::vector<float>& g = x.g;
  const std::vector<cpp_rational>& g_exact = x.g_exact;
  const std::vector<bool>& sel = x.sel;
  // Step 5: scale = s_nb ⊘ nb.
  const float scale = exact_math::to_float32(exact_math::exact(x.s) / cpp_rational(x.gmax.size()));
  // Steps 6-7.
  AdacompOutcome r;
  r.ok = true;
  r.scale = scale;
  r.update.assign(n, 0.0f);
  r.next_residue = g;
  std::vector<uint64_t> index;
  std::vector<bool> negative;
  for (size_t i = 0; i < n; ++i) {
    if (!sel[i]) continue;
    const bool neg = p.zero == AdacompZeroRule::Mxnet ? !(g[i] > 0) : g[i] < 0;  // MXNet's sign bit is G_i > 0
    r.update[i] = neg ? -scale : scale;
    r.next_residue[i] = exact_math::to_float32(g_exact[i] - exact_math::exact(r.update[i]));  // an exact zero gives +0
    index.push_back(i);
    negative.push_back(neg);
  }
  r.count = static_cast<uint32_t>(index.size());
  r.message = adacomp_message(p, n, scale, index, negative);
  return r;
}

std::vector<uint8_t> adacomp_message(const AdacompParams& p, uint64_t n, float scale, const std::vector<uint64_t>& index, const std::vector<bool>& negative) {
  return encode_message(p, n, scale, index, negative);
}

AdacompDecoded adacomp_decode(const AdacompParams& p, uint64_t n, std::span<const uint8_t> message) {
  const uint64_t m = message.size();
  if (m < 8) return rejection(m, "truncated header: " + std::to_string(m) + " bytes, the header is 8");
  const uint64_t c = get_u32(message, 0);
  if (c > n) return rejection(0, "count " + std::to_string(c) + " exceeds the layer's " + std::to_string(n) + " elements");
  const float scale = std::bit_cast<float>(get_u32(message, 4));
  if (!std::isfinite(scale) || std::signbit(scale)) return rejection(4, "scale is not a finite non-negative float32");
  AdacompDecoded r;
  std::vector<float> u(n, 0.0f);
  if (p.layout == AdacompLayout::Index32) {
    const uint64_t size = 8 + 4 * c + (c + 7) / 8;
    if (m < size) return rejection(m, "truncated: " + std::to_string(m) + " bytes, " + std::to_string(c) + " entries need " + std::to_string(size));
    if (m > size) return rejection(size, "trailing bytes after the " + std::to_string(size) + " of " + std::to_string(c) + " entries");
    for (uint64_t j = 0; j < c; ++j) {
      const uint64_t index = get_u32(message, 8 + 4 * j);
      if (index >= n) return rejection(8 + 4 * j, "index " + std::to_string(index) + " outside the layer's " + std::to_string(n) + " elements");
      if (j > 0 && index <= get_u32(message, 8 + 4 * (j - 1))) return rejection(8 + 4 * j, "index " + std::to_string(index) + " not above the previous one");
      const bool neg = ((message[8 + 4 * c + j / 8] >> (j % 8)) & 1) != 0;
      u[index] = neg ? -scale : scale;
    }
    for (uint64_t j = c; j < (c + 7) / 8 * 8; ++j)
      if (((message[8 + 4 * c + j / 8] >> (j % 8)) & 1) != 0) return rejection(m - 1, "unused sign bits are not zero");
  } else {
    BitReader in{message};
    const int w = adacomp_offset_bits(p);
    uint64_t total = 0;
    for (uint64_t start = 0; start < n; start += p.bin) {
      const uint64_t length = std::min<uint64_t>(n - start, p.bin);
      uint64_t k = 0;
      for (;;) {
        const uint64_t at = in.offset();
        const std::optional<bool> one = in.next();
        if (!one) return rejection(m, "truncated in the count of the bin at element " + std::to_string(start));
        if (!*one) break;
        if (++k > length) return rejection(at, "the bin at element " + std::to_string(start) + " holds more than its " + std::to_string(length) + " elements");
      }
      uint64_t previous = 0;
      for (uint64_t e = 0; e < k; ++e) {
        const uint64_t at = in.offset();
        uint64_t offset = 0;
        for (int b = 0; b < w; ++b) {
          const std::optional<bool> bit = in.next();
          if (!bit) return rejection(m, "truncated in an entry of the bin at element " + std::to_string(start));
          if (*bit) offset |= uint64_t{1} << b;
        }
        const std::optional<bool> neg = in.next();
        if (!neg) return rejection(m, "truncated in an entry of the bin at element " + std::to_string(start));
        if (offset >= length) return rejection(at, "offset " + std::to_string(offset) + " outside the bin at element " + std::to_string(start));
        if (e > 0 && offset <= previous) return rejection(at, "offset " + std::to_string(offset) + " not above the previous one in the bin at element " + std::to_string(start));
        previous = offset;
        u[start + offset] = *neg ? -scale : scale;
      }
      total += k;
    }
    for (uint64_t b = in.bit; b % 8 != 0; ++b)
      if (((message[8 + b / 8] >> (b % 8)) & 1) != 0) return rejection(8 + b / 8, "unused bits of the last byte are not zero");
    const uint64_t size = 8 + (in.bit + 7) / 8;
    if (m > size) return rejection(size, "trailing bytes after the " + std::to_string(size) + " of the bit stream");
    if (total != c) return rejection(0, "count " + std::to_string(c) + " disagrees with the " + std::to_string(total) + " entries of the bit stream");
  }
  r.ok = true;
  r.update = std::move(u);
  return r;
}

AdacompExactStep adacomp_step_exact(uint32_t bin, const std::vector<cpp_rational>& residue, const std::vector<cpp_rational>& gradient) {
  const size_t n = residue.size();
  std::vector<cpp_rational> g(n);
  std::vector<Magnitude> h(n);
  for (size_t i = 0; i < n; ++i) {
    g[i] = residue[i] + gradient[i];                        // G = R + ΔW
    h[i] = Magnitude{false, abs(cpp_rational(g[i] + gradient[i]))};  // H = G + ΔW
  }
  std::vector<cpp_rational> gmax;
  const std::vector<bool> sel = select(bin, g, h, gmax);
  AdacompExactStep r;
  for (const cpp_rational& m : gmax) r.scale += m;
  r.scale /= cpp_rational(gmax.size());
  r.update.assign(n, 0);
  r.next_residue = g;
  for (size_t i = 0; i < n; ++i) {
    if (!sel[i]) continue;
    r.update[i] = g[i] < 0 ? cpp_rational(-r.scale) : r.scale;
    r.next_residue[i] = g[i] - r.update[i];
    r.selected.push_back(i);
  }
  return r;
}

}  // namespace lpc::ref
