// lpconform chip — the value model (spec/chip.md §1, §3, §4). See values.hpp.
#include "impls/chip/values/values.hpp"

#include <algorithm>
#include <array>
#include <bit>
#include <cmath>
#include <cstring>
#include <limits>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "impls/common/narrow_float_lanes.hpp"

namespace lpc::chip::values {

namespace {

__extension__ typedef unsigned __int128 u128;

// ---- operand decoders (spec/formats.md §2, in the PE's own bit logic) -----------------------------

// The operand latch of a float PE: the fields of a code, unpacked once per code into a table.
// value = (-1)^negative · significand · 2^exponent.
struct Operand {
  bool nan = false, inf = false, negative = false;
  uint64_t significand = 0;
  int exponent = 0;
};

int64_t integer_value(const Format& f, uint32_t code) {
  code &= f.code_mask();
  if (f.is_signed && (code >> (f.bits - 1)) != 0) return static_cast<int64_t>(code) - (int64_t{1} << f.bits);
  return code;
}

Operand decode_float(const Format& f, uint32_t code) {
  // 1. Fields: sign on top, then E exponent bits, then M fraction bits.
  code &= f.code_mask();
  const int mag_bits = f.bits - (f.is_signed ? 1 : 0);
  const uint32_t magnitude = code & ((1u << mag_bits) - 1);
  const uint32_t exp_field = magnitude >> f.man_bits, frac = magnitude & ((1u << f.man_bits) - 1);
  const uint32_t exp_ones = (1u << f.exp_bits) - 1;
  Operand o;
  o.negative = f.is_signed && (code >> mag_bits) != 0;
  // 2. The special codes where the descriptor puts them.
  switch (f.nan) {
    case NanEncoding::None: break;
    case NanEncoding::Ieee: o.nan = exp_field == exp_ones && frac != 0; break;
    case NanEncoding::AllOnes: o.nan = magnitude == (1u << mag_bits) - 1; break;
    case NanEncoding::NegZero: o.nan = o.negative && magnitude == 0; break;
  }
  if (o.nan) return o;
  switch (f.inf) {
    case InfEncoding::None: break;
    case InfEncoding::Ieee: o.inf = exp_field == exp_ones && frac == 0; break;
    case InfEncoding::P3109:
      o.inf = f.is_signed ? magnitude == (1u << mag_bits) - 1 : code == f.code_mask() - 1;
      break;
  }
  if (o.inf) return o;
  // 3. Finite: radix 2^log2radix, so the binade exponent scales by log2(radix) (radix-4 FP4: 2).
  const int log2_radix = std::countr_zero(static_cast<unsigned>(f.radix));
  const bool subnormal = f.has_zero && f.subnormals && exp_field == 0;
  o.significand = subnormal ? frac : (uint64_t{1} << f.man_bits) | frac;
  o.exponent = (subnormal ? 1 - f.bias : static_cast<int>(exp_field) - f.bias) * log2_radix - f.man_bits;
  if (!f.has_zero) o.significand = 1, o.exponent = static_cast<int>(exp_field) - f.bias;  // E8M0
  if (f.is_signed && !f.neg_zero && o.negative && o.significand == 0) o.negative = false;
  return o;
}

// The 256 (or fewer) operands of a format of at most 8 bits.
std::array<Operand, 256> operand_table(const Format& f) {
  std::array<Operand, 256> t{};
  for (uint32_t c = 0; c < f.code_count(); ++c) {
    if (f.is_integer()) {
      const int64_t v = integer_value(f, c);
      t[c].negative = v < 0;
      t[c].significand = static_cast<uint64_t>(v < 0 ? -v : v);
    } else {
      t[c] = decode_float(f, c);
    }
  }
  return t;
}

// The FP8 multiplier: significands multiply exactly (at most 4 x 4 bits here), exponents add.
// inf · 0 and a NaN give NaN (spec/chip.md §3.3).
Product multiply(const Operand& x, const Operand& y) {
  Product p;
  p.negative = x.negative != y.negative;
  const bool x_zero = !x.nan && !x.inf && x.significand == 0, y_zero = !y.nan && !y.inf && y.significand == 0;
  if (x.nan || y.nan || (x.inf && y_zero) || (y.inf && x_zero)) return Product{true, false, false, 0, 0};
  if (x.inf || y.inf) {
    p.inf = true;
    return p;
  }
  p.magnitude = x.significand * y.significand;
  p.exponent = x.exponent + y.exponent;
  return p;
}

// ---- the float accumulator: adder and rounder on bit patterns (spec/chip.md §3.3) -----------------

struct Layout {
  int exp_bits, man_bits, bias;
  bool truncate;
  uint64_t exp_ones() const { return (uint64_t{1} << exp_bits) - 1; }
  uint64_t frac_mask() const { return (uint64_t{1} << man_bits) - 1; }
  uint64_t sign_bit() const { return uint64_t{1} << (exp_bits + man_bits); }
  uint64_t nan_bits() const { return (exp_ones() << man_bits) | (uint64_t{1} << (man_bits - 1)); }  // canonical quiet NaN
  uint64_t inf_bits(bool negative) const { return (negative ? sign_bit() : 0) | (exp_ones() << man_bits); }
};

Layout layout_of(const AccumulatorSpec& a) {
  return {a.exp_bits, a.man_bits, a.bias(), a.rounding == FloatRounding::TowardZero};
}

// The rounder: the bit pattern of (-1)^negative · sum · 2^exponent rounded to the layout, sum > 0.
// Steps:
//  1. The binade of the value is top + exponent (top = index of the sum's leading one); below the
//     normal range it is emin = 1 - bias (subnormals share the quantum of the first binade).
//  2. The quantum is 2^(binade - M); `shift` low bits of the sum lie below it. They decide the
//     rounding: RNE rounds up when they exceed half a quantum, or equal it with an odd kept part;
//     truncation drops them. With a shift of the word's width or more the whole sum (below
//     2^(width-1)) is below half a quantum: it rounds to zero either way.
//  3. Rounding up to 2^(M+1) moves to the next binade; a kept part below 2^M is a subnormal
//     (exponent field 0), which also makes a subnormal rounding up to 2^M a normal with field 1.
//  4. A field past the largest finite one overflows: RNE gives ±inf, truncation ±max finite.
template <class Word>  // uint64_t or u128: the sum's width
uint64_t round_to_layout(const Layout& l, bool negative, Word sum, int exponent) {
  constexpr int width = sizeof(Word) * 8;
  int top = 0;
  if constexpr (width == 64) top = 63 - std::countl_zero(sum);
  else top = 127 - (sum >> 64 != 0 ? std::countl_zero(static_cast<uint64_t>(sum >> 64)) : 64 + std::countl_zero(static_cast<uint64_t>(sum)));
  const int emin = 1 - l.bias;
  int binade = std::max(top + exponent, emin);
  const int shift = binade - l.man_bits - exponent;
  Word kept = 0;
  if (shift <= 0) {
    kept = sum << -shift;  // exact: the value has no bits below the quantum (kept < 2^(M+1))
  } else if (shift < width) {
    kept = sum >> shift;
    const Word rest = sum & ((Word{1} << shift) - 1), half = Word{1} << (shift - 1);
    if (!l.truncate && (rest > half || (rest == half && (kept & 1) != 0))) ++kept;
  }
  if (kept >> (l.man_bits + 1) != 0) kept >>= 1, ++binade;
  const uint64_t sign = negative ? l.sign_bit() : 0;
  const uint64_t frac = static_cast<uint64_t>(kept) & l.frac_mask();
  if (kept >> l.man_bits == 0) return sign | frac;  // subnormal or zero
  const uint64_t field = static_cast<uint64_t>(binade + l.bias);
  if (field >= l.exp_ones()) return l.truncate ? sign | ((l.exp_ones() - 1) << l.man_bits) | l.frac_mask() : l.inf_bits(negative);
  return sign | (field << l.man_bits) | frac;
}

Operand unpack(const Layout& l, uint64_t bits) {
  Operand o;
  o.negative = (bits & l.sign_bit()) != 0;
  const uint64_t field = (bits >> l.man_bits) & l.exp_ones(), frac = bits & l.frac_mask();
  if (field == l.exp_ones()) {
    (frac == 0 ? o.inf : o.nan) = true;
    return o;
  }
  o.significand = field == 0 ? frac : frac | (uint64_t{1} << l.man_bits);
  o.exponent = (field == 0 ? 1 : static_cast<int>(field)) - l.bias - l.man_bits;
  return o;
}

int top_index(uint64_t v) { return 63 - std::countl_zero(v); }

// The adder: round(x + y) for finite x, y (spec/chip.md §3.3, one rounding).
//  1. An exact zero sum: -0 only when both addends are -0 (IEEE 754 §6.3), else +0.
//  2. When both addends lie within 62 bits above the lower exponent, a 64-bit frame with that unit
//     holds them and their sum exactly (the common case). Otherwise both are placed in a 128-bit
//     fixed-point frame whose unit is 2^(e0 - 1): e0 is the lower
//     exponent unless that would need more than 125 bits, then the larger addend's top - 124 (the
//     "- 1" doubles the frame to hold a sticky half-unit). An addend with bits below e0 keeps its
//     bits above e0 and replaces the rest by that sticky half-unit. This is exact for rounding: such
//     an addend lies below 2^(e0 + 63) <= 2^(top - 61), so the sum's binade is at most one below the
//     larger addend's, its quantum is >= 2^(top - 53) >= 2^(e0 + 71), and every rounding boundary
//     (a multiple of half a quantum) is a multiple of the frame's 2^e0 - strictly between the true
//     sum and the frame value, which both lie in the same open interval between two such multiples.
//  3. Add or subtract the magnitudes (the larger minus the smaller), then round once.
uint64_t add_finite(const Layout& l, const Operand& x, const Operand& y) {
  if (x.significand == 0 && y.significand == 0) return (x.negative && y.negative) ? l.sign_bit() : 0;
  int top = std::numeric_limits<int>::min(), low = std::numeric_limits<int>::max();
  for (const Operand* o : {&x, &y}) {
    if (o->significand == 0) continue;
    top = std::max(top, o->exponent + top_index(o->significand));
    low = std::min(low, o->exponent);
  }
  if (top - low <= 61) {  // both addends exact in one 64-bit frame (the sum stays below 2^63)
    const uint64_t vx = x.significand << (x.significand == 0 ? 0 : x.exponent - low), vy = y.significand << (y.significand == 0 ? 0 : y.exponent - low);
    const bool y_wins = x.negative != y.negative && vy > vx;
    const uint64_t sum = x.negative == y.negative ? vx + vy : y_wins ? vy - vx : vx - vy;
    if (sum == 0) return 0;  // exact cancellation: +0 in both roundings
    return round_to_layout(l, y_wins ? y.negative : x.negative, sum, low);
  }
  const int e0 = std::max(low, top - 124);
  auto place = [e0](const Operand& o) -> u128 {
    if (o.significand == 0) return 0;
    if (o.exponent >= e0) return static_cast<u128>(o.significand) << (o.exponent - e0 + 1);
    const int drop = e0 - o.exponent;
    if (drop >= 64) return 1;
    const uint64_t kept = o.significand >> drop, sticky = (o.significand & ((uint64_t{1} << drop) - 1)) != 0;
    return (static_cast<u128>(kept) << 1) | sticky;
  };
  const u128 vx = place(x), vy = place(y);
  bool negative = x.negative;
  u128 sum;
  if (x.negative == y.negative) {
    sum = vx + vy;
  } else if (vx >= vy) {
    sum = vx - vy;
  } else {
    sum = vy - vx;
    negative = y.negative;
  }
  if (sum == 0) return 0;  // exact cancellation: +0 in both roundings
  return round_to_layout(l, negative, sum, e0 - 1);
}

uint64_t accumulate(const Layout& l, uint64_t acc_bits, const Product& p) {
  const Operand acc = unpack(l, acc_bits);
  if (acc.nan || p.nan) return l.nan_bits();
  if (acc.inf && p.inf && acc.negative != p.negative) return l.nan_bits();
  if (acc.inf) return acc_bits;
  if (p.inf) return l.inf_bits(p.negative);
  return add_finite(l, acc, Operand{false, false, p.negative, p.magnitude, p.exponent});
}

double bits_to_double(const Layout& l, uint64_t bits) {
  const Operand o = unpack(l, bits);
  if (o.nan) return std::numeric_limits<double>::quiet_NaN();
  const double magnitude = o.inf ? std::numeric_limits<double>::infinity() : std::ldexp(static_cast<double>(o.significand), o.exponent);
  return o.negative ? -magnitude : magnitude;
}

// ---- the array ----------------------------------------------------------------------------------

// Two's complement of W bits: the low W bits of v, sign-extended.
int64_t wrap_to(int64_t v, int bits) {
  const int unused = 64 - bits;
  return static_cast<int64_t>(static_cast<uint64_t>(v) << unused) >> unused;
}

uint64_t fold_length(uint32_t fold_rows, uint64_t k) { return fold_rows == 0 ? std::max<uint64_t>(k, 1) : fold_rows; }

// Integer wrap with W <= 32: the sum mod 2^32 decides the sum mod 2^W (a ring homomorphism), in
// any order and folding, so the kernel adds k ascending in uint32 lanes across a row of C, which
// the compiler vectorizes; the final W-bit value is the sign-extended low W bits.
__attribute__((target_clones("arch=x86-64-v4", "arch=x86-64-v3", "default"))) void wrap32_kernel(
    const int16_t* a, const uint32_t* b, uint32_t* c, uint64_t m_count, uint64_t n_count, uint64_t k_count) {
  for (uint64_t m = 0; m < m_count; ++m) {
    uint32_t* row = c + m * n_count;
    std::fill(row, row + n_count, 0u);
    for (uint64_t k = 0; k < k_count; ++k) {
      const uint32_t av = static_cast<uint32_t>(static_cast<int32_t>(a[m * k_count + k]));
      const uint32_t* brow = b + k * n_count;
      for (uint64_t n = 0; n < n_count; ++n) row[n] += av * brow[n];
    }
  }
}

// Integer saturate, or wrap with W > 32: every addition in int64 (|acc|, |partial| < 2^61 and
// |p| <= 2^16 cannot overflow int64), then wrapped or clamped to W bits, fold by fold.
void int64_kernel(const int16_t* a, const int16_t* b, int64_t* c, GemmShape s, uint64_t fold, int bits, bool saturate) {
  const int64_t hi = (int64_t{1} << (bits - 1)) - 1, lo = -hi - 1;
  std::vector<int64_t> partial(s.n);
  for (uint64_t m = 0; m < s.m; ++m) {
    int64_t* acc = c + m * s.n;
    std::fill(acc, acc + s.n, 0);
    for (uint64_t k0 = 0; k0 < s.k; k0 += fold) {
      std::fill(partial.begin(), partial.end(), 0);
      for (uint64_t k = k0; k < std::min(s.k, k0 + fold); ++k) {
        const int64_t av = a[m * s.k + k];
        const int16_t* brow = b + k * s.n;
        for (uint64_t n = 0; n < s.n; ++n) {
          const int64_t v = partial[n] + av * brow[n];
          partial[n] = saturate ? std::clamp(v, lo, hi) : wrap_to(v, bits);
        }
      }
      for (uint64_t n = 0; n < s.n; ++n) {
        const int64_t v = acc[n] + partial[n];
        acc[n] = saturate ? std::clamp(v, lo, hi) : wrap_to(v, bits);
      }
    }
  }
}

std::vector<int16_t> integer_values(const Format& f, std::span<const uint8_t> codes) {
  std::array<int16_t, 256> table{};
  for (uint32_t c = 0; c < 256; ++c) table[c] = static_cast<int16_t>(integer_value(f, c));
  std::vector<int16_t> out(codes.size());
  for (size_t i = 0; i < codes.size(); ++i) out[i] = table[codes[i]];
  return out;
}

void integer_gemm(const GemmKernelParams& p, GemmShape s, std::span<const uint8_t> a, std::span<const uint8_t> b, ChipTensor& out) {
  const std::vector<int16_t> av = integer_values(*p.a_format, a), bv = integer_values(*p.b_format, b);
  const AccumulatorSpec& acc = p.accumulator;
  out.is_float = false;
  out.ints.assign(s.m * s.n, 0);
  if (acc.overflow == IntOverflow::Wrap && acc.int_bits <= 32) {
    std::vector<uint32_t> c(s.m * s.n), b32(bv.size());
    std::transform(bv.begin(), bv.end(), b32.begin(), [](int16_t x) { return static_cast<uint32_t>(static_cast<int32_t>(x)); });
    wrap32_kernel(av.data(), b32.data(), c.data(), s.m, s.n, s.k);
    for (size_t i = 0; i < c.size(); ++i) out.ints[i] = wrap_to(static_cast<int32_t>(c[i]), acc.int_bits);
    return;
  }
  int64_kernel(av.data(), bv.data(), out.ints.data(), s, fold_length(p.fold_rows, s.k), acc.int_bits, acc.overflow == IntOverflow::Saturate);
}

// The FP4 × INT4 unit's pair (spec/chip.md §1.3): radix-4 mantissaless FP4 (sign, 3 exponent bits)
// times int4.
bool is_shifter_pair(const Format& a, const Format& b) {
  return a.is_float() && a.radix == 4 && a.man_bits == 0 && a.bits == 4 && a.is_signed && b.is_integer() && b.bits == 4 && b.is_signed;
}

// The shifter's inputs (spec/chip.md §1.3): the int4 multiplicand as magnitude and sign (step 1),
// the FP4 code as a shift count, a sign and whether it is a zero (steps 1-3).
struct ShifterMultiplicand {
  uint32_t magnitude;
  bool negative;
};
ShifterMultiplicand shifter_multiplicand(uint8_t int4_code) {
  const uint32_t i4 = int4_code & 0xF;
  const bool negative = (i4 & 0x8) != 0;
  return {negative ? 16 - i4 : i4, negative};  // |-8| = 8 needs the 4th bit
}
struct ShifterControl {
  uint32_t shift;
  bool negative, zero;
};
ShifterControl shifter_control(uint8_t fp4_code) {
  const uint32_t exp_field = fp4_code & 0x7;  // sign bit 3, exponent field bits 0..2; field 0 is ±0
  return {exp_field == 0 ? 0 : 2 * (exp_field - 1), (fp4_code & 0x8) != 0, exp_field == 0};
}
int shifter_exponent(const Format& fp4) { return 2 * (1 - fp4.bias); }  // the output's fixed point: 4^(1-B)

// Whether (-1)^s·magnitude·2^exponent is a float32: at most 24 significant bits, the lowest at or
// above 2^-149 (subnormals), the highest at or below 2^127.
bool float32_exact(uint64_t magnitude, int exponent) {
  if (magnitude == 0) return true;
  const int low = std::countr_zero(magnitude), top = 63 - std::countl_zero(magnitude);
  return top - low < 24 && exponent + low >= -149 && exponent + top <= 127;
}

float to_float32(const Operand& o) {  // precondition: float32_exact or a special
  if (o.nan) return std::numeric_limits<float>::quiet_NaN();
  const float magnitude = o.inf ? std::numeric_limits<float>::infinity() : std::ldexp(static_cast<float>(o.significand), o.exponent);
  return o.negative ? -magnitude : magnitude;
}

// ---- the float array on float32 lanes ------------------------------------------------------------
//
// Lanes across output columns: 16 columns of C per vector, kRows rows of C advanced together (their
// adder chains are independent), each lane adding its products in ascending k, fold by fold: the
// declared order of §3.1, never reassociated. The multiplier hands exact float32 products (checked
// over every code pair, float_lanes_cover); the adder is the float32 adder itself (float32 RNE) or
// impls/common/narrow_float_lanes.hpp (narrower accumulators: one rounding of the exact sum).

constexpr int kLanes = 16;
constexpr int kRows = 4;
using LaneF = common::lanes::Vec<kLanes>::F;
using LaneU = common::lanes::Vec<kLanes>::U;
using LaneI = common::lanes::Vec<kLanes>::I;

enum class LaneAdder : uint8_t { Float32Rne, NarrowRne, NarrowTruncate };

// Operands in lane layout: B's rows padded with zero columns to a multiple of kLanes.
struct LaneOperands {
  uint64_t k = 0, n_padded = 0, fold = 0;
  const uint8_t* a = nullptr;  // M×K codes, indexing the tables below
  // FP8 and other pairs: operand values, multiplied in float32 (exact by the check).
  std::array<float, 256> a_value{};
  const float* b = nullptr;  // K×n_padded
  // The shifter: per FP4 code its shift and its output's unit, signed by the FP4 sign
  // (±2^shifter_exponent; ±0 for the zero code, which gates the output); per B element the int4
  // magnitude and sign bit. The product is (magnitude << shift)·unit, its sign flipped by B's.
  std::array<uint32_t, 256> a_shift{};
  std::array<float, 256> a_unit{};
  const uint32_t* b_magnitude = nullptr;
  const uint32_t* b_sign = nullptr;
};

template <LaneAdder Adder>
static inline __attribute__((always_inline)) LaneF lane_add(LaneF acc, LaneF p, const common::lanes::Constants<kLanes>& k) {
  if constexpr (Adder == LaneAdder::Float32Rne) return acc + p;  // the float32 adder: one RNE rounding
  else return common::lanes::add_rounded<kLanes, Adder == LaneAdder::NarrowTruncate>(acc, p, k);
}

// Rows [i0, i0 + Rows), columns [j0, j0 + kLanes) of C.
template <bool Shifter, LaneAdder Adder, int Rows>
static inline __attribute__((always_inline)) void lane_block(const LaneOperands& p, const common::lanes::Constants<kLanes>& kc, uint64_t i0,
                                                             uint64_t j0, float* c) {
  LaneF out[Rows], part[Rows];
#pragma GCC unroll 4
  for (int r = 0; r < Rows; ++r) out[r] = LaneF{};
  for (uint64_t k0 = 0; k0 < p.k; k0 += p.fold) {
#pragma GCC unroll 4
    for (int r = 0; r < Rows; ++r) part[r] = LaneF{};
    const uint64_t k_end = std::min(p.k, k0 + p.fold);
    for (uint64_t kk = k0; kk < k_end; ++kk) {
      const uint64_t lane0 = kk * p.n_padded + j0;
      if constexpr (Shifter) {
        LaneU magnitude, sign;
        std::memcpy(&magnitude, p.b_magnitude + lane0, sizeof magnitude);
        std::memcpy(&sign, p.b_sign + lane0, sizeof sign);
#pragma GCC unroll 4
        for (int r = 0; r < Rows; ++r) {
          const uint8_t code = p.a[(i0 + r) * p.k + kk];
          const LaneU shifted = magnitude << p.a_shift[code];  // the binary shifter
          const LaneF value = __builtin_convertvector(reinterpret_cast<LaneI>(shifted), LaneF) * p.a_unit[code];  // exact (float_lanes_cover)
          const LaneF product = reinterpret_cast<LaneF>(reinterpret_cast<LaneU>(value) ^ sign);
          part[r] = lane_add<Adder>(part[r], product, kc);
        }
      } else {
        LaneF bv;
        std::memcpy(&bv, p.b + lane0, sizeof bv);
#pragma GCC unroll 4
        for (int r = 0; r < Rows; ++r) part[r] = lane_add<Adder>(part[r], bv * p.a_value[p.a[(i0 + r) * p.k + kk]], kc);  // exact
      }
    }
#pragma GCC unroll 4
    for (int r = 0; r < Rows; ++r) out[r] = lane_add<Adder>(out[r], part[r], kc);
  }
#pragma GCC unroll 4
  for (int r = 0; r < Rows; ++r) std::memcpy(c + (i0 + r) * p.n_padded + j0, &out[r], sizeof(LaneF));
}

template <bool Shifter, LaneAdder Adder>
static inline __attribute__((always_inline)) void lane_rows(const LaneOperands& p, const common::NarrowFloat& acc, uint64_t m, float* c) {
  common::lanes::Constants<kLanes> kc{};
  if constexpr (Adder != LaneAdder::Float32Rne) kc = common::lanes::constants<kLanes>(acc);
  for (uint64_t j0 = 0; j0 < p.n_padded; j0 += kLanes) {
    uint64_t i = 0;
    for (; i + kRows <= m; i += kRows) lane_block<Shifter, Adder, kRows>(p, kc, i, j0, c);
    for (; i < m; ++i) lane_block<Shifter, Adder, 1>(p, kc, i, j0, c);
  }
}

// One clone per instruction-set level, chosen at load time; the value is the same in each.
__attribute__((target_clones("arch=x86-64-v4", "arch=x86-64-v3", "default"))) void float_lanes_kernel(
    const LaneOperands& p, const common::NarrowFloat& acc, LaneAdder adder, bool shifter, uint64_t m, float* c) {
  switch (adder) {
    case LaneAdder::Float32Rne: return shifter ? lane_rows<true, LaneAdder::Float32Rne>(p, acc, m, c) : lane_rows<false, LaneAdder::Float32Rne>(p, acc, m, c);
    case LaneAdder::NarrowRne: return shifter ? lane_rows<true, LaneAdder::NarrowRne>(p, acc, m, c) : lane_rows<false, LaneAdder::NarrowRne>(p, acc, m, c);
    case LaneAdder::NarrowTruncate:
      return shifter ? lane_rows<true, LaneAdder::NarrowTruncate>(p, acc, m, c) : lane_rows<false, LaneAdder::NarrowTruncate>(p, acc, m, c);
  }
}

std::optional<LaneAdder> lane_adder(const AccumulatorSpec& acc) {
  const bool truncate = acc.rounding == FloatRounding::TowardZero;
  if (acc.exp_bits == 8 && acc.man_bits == 23 && !truncate) return LaneAdder::Float32Rne;
  if (common::narrow_float_covers(acc.exp_bits, acc.man_bits, truncate)) return truncate ? LaneAdder::NarrowTruncate : LaneAdder::NarrowRne;
  return std::nullopt;
}

// Whether every product the multiplier hands over is a float32 (and, multiplying in float32, every
// operand), so the lanes compute the same exact products.
bool lane_products_exact(const Format& fa, const Format& fb) {
  const std::array<Operand, 256> ta = operand_table(fa), tb = operand_table(fb);
  const bool shifter = is_shifter_pair(fa, fb);
  if (shifter && !float32_exact(1, shifter_exponent(fa))) return false;
  for (uint32_t x = 0; x < fa.code_count(); ++x) {
    if (!shifter && !float32_exact(ta[x].significand, ta[x].exponent)) return false;
    for (uint32_t y = 0; y < fb.code_count(); ++y) {
      if (x == 0 && !shifter && !float32_exact(tb[y].significand, tb[y].exponent)) return false;
      const Product p = shifter ? shifter_product(fa, static_cast<uint8_t>(x), static_cast<uint8_t>(y)) : multiply(ta[x], tb[y]);
      if (!float32_exact(p.magnitude, p.exponent)) return false;
    }
  }
  return true;
}

void float_gemm_lanes(const GemmKernelParams& p, LaneAdder adder, GemmShape s, std::span<const uint8_t> a, std::span<const uint8_t> b,
                      ChipTensor& out) {
  const Format &fa = *p.a_format, &fb = *p.b_format;
  const uint64_t n_padded = (s.n + kLanes - 1) / kLanes * kLanes;
  LaneOperands ops{s.k, n_padded, fold_length(p.fold_rows, s.k), a.data()};
  std::vector<float> b32, c32(s.m * n_padded);
  std::vector<uint32_t> b_magnitude, b_sign;
  if (is_shifter_pair(fa, fb)) {
    std::array<ShifterMultiplicand, 16> multiplicand;
    for (uint8_t code = 0; code < 16; ++code) multiplicand[code] = shifter_multiplicand(code);
    const float unit = std::ldexp(1.0f, shifter_exponent(fa));
    for (uint32_t code = 0; code < 256; ++code) {
      const ShifterControl ctl = shifter_control(static_cast<uint8_t>(code));
      ops.a_shift[code] = ctl.shift, ops.a_unit[code] = (ctl.negative ? -1.0f : 1.0f) * (ctl.zero ? 0.0f : unit);
    }
    b_magnitude.assign(s.k * n_padded, 0), b_sign.assign(s.k * n_padded, 0);
    for (uint64_t kk = 0; kk < s.k; ++kk)
      for (uint64_t n = 0; n < s.n; ++n) {
        const ShifterMultiplicand& v = multiplicand[b[kk * s.n + n] & 0xF];
        b_magnitude[kk * n_padded + n] = v.magnitude, b_sign[kk * n_padded + n] = v.negative ? 0x80000000u : 0;
      }
    ops.b_magnitude = b_magnitude.data(), ops.b_sign = b_sign.data();
  } else {
    const std::array<Operand, 256> ta = operand_table(fa), tb = operand_table(fb);
    std::array<float, 256> vb{};
    for (uint32_t code = 0; code < 256; ++code) ops.a_value[code] = to_float32(ta[code & fa.code_mask()]), vb[code] = to_float32(tb[code & fb.code_mask()]);
    b32.assign(s.k * n_padded, 0.0f);
    for (uint64_t kk = 0; kk < s.k; ++kk)
      for (uint64_t n = 0; n < s.n; ++n) b32[kk * n_padded + n] = vb[b[kk * s.n + n]];
    ops.b = b32.data();
  }
  const common::NarrowFloat narrow = adder == LaneAdder::Float32Rne
                                         ? common::NarrowFloat{}
                                         : common::narrow_float(p.accumulator.exp_bits, p.accumulator.man_bits, adder == LaneAdder::NarrowTruncate);
  float_lanes_kernel(ops, narrow, adder, is_shifter_pair(fa, fb), s.m, c32.data());
  for (uint64_t m = 0; m < s.m; ++m)
    for (uint64_t n = 0; n < s.n; ++n) out.floats[m * s.n + n] = c32[m * n_padded + n];
}

void float_gemm(const GemmKernelParams& p, GemmShape s, std::span<const uint8_t> a, std::span<const uint8_t> b, ChipTensor& out) {
  const Format &fa = *p.a_format, &fb = *p.b_format;
  out.is_float = true;
  out.floats.assign(s.m * s.n, 0.0);
  // 0. The float32 lanes where they cover the operands and the accumulator (the same exact
  //    products, order and roundings as below).
  if (!p.bit_level && float_lanes_cover(fa, fb, p.accumulator)) return float_gemm_lanes(p, *lane_adder(p.accumulator), s, a, b, out);
  // 1. The multiplier, tabulated over all code pairs (at most 256 x 256 products).
  const std::array<Operand, 256> ta = operand_table(fa), tb = operand_table(fb);
  const bool shifter = is_shifter_pair(fa, fb);
  std::vector<Product> products(size_t{fa.code_count()} * fb.code_count());
  for (uint32_t x = 0; x < fa.code_count(); ++x)
    for (uint32_t y = 0; y < fb.code_count(); ++y)
      products[x * fb.code_count() + y] = shifter ? shifter_product(fa, static_cast<uint8_t>(x), static_cast<uint8_t>(y)) : multiply(ta[x], tb[y]);
  // 2. Each output: partial sums of R products from +0, each added into the accumulator from +0.
  const Layout l = layout_of(p.accumulator);
  const uint64_t fold = fold_length(p.fold_rows, s.k);
  // Outputs of a row advance together, one k at a time (independent adder chains overlap in the
  // CPU); each output's own additions stay in the declared order.
  std::vector<uint64_t> acc(s.n), partial(s.n);
  for (uint64_t m = 0; m < s.m; ++m) {
    std::fill(acc.begin(), acc.end(), 0);
    for (uint64_t k0 = 0; k0 < s.k; k0 += fold) {
      std::fill(partial.begin(), partial.end(), 0);
      for (uint64_t k = k0; k < std::min(s.k, k0 + fold); ++k) {
        const Product* row = &products[(a[m * s.k + k] & fa.code_mask()) * fb.code_count()];
        const uint8_t* brow = &b[k * s.n];
        for (uint64_t n = 0; n < s.n; ++n) partial[n] = accumulate(l, partial[n], row[brow[n] & fb.code_mask()]);
      }
      for (uint64_t n = 0; n < s.n; ++n) {
        const Operand v = unpack(l, partial[n]);
        acc[n] = accumulate(l, acc[n], Product{v.nan, v.inf, v.negative, v.significand, v.exponent});
      }
    }
    for (uint64_t n = 0; n < s.n; ++n) out.floats[m * s.n + n] = bits_to_double(l, acc[n]);
  }
}

// ---- vector processor and activation unit (spec/chip.md §4) ---------------------------------------

// float32 RNE of the exact product value · scale: significands multiply exactly in 128 bits
// (53 x 24 bits), then the accumulator's own rounder rounds once into the float32 layout.
double scale_to_float32(double value, float scale) {
  if (std::isnan(value) || std::isnan(scale)) return std::numeric_limits<double>::quiet_NaN();
  if ((std::isinf(value) && scale == 0.0f) || (value == 0.0 && std::isinf(scale))) return std::numeric_limits<double>::quiet_NaN();
  const bool negative = std::signbit(value) != std::signbit(scale);
  if (std::isinf(value) || std::isinf(scale)) return negative ? -HUGE_VAL : HUGE_VAL;
  if (value == 0.0 || scale == 0.0f) return negative ? -0.0 : 0.0;
  int ev = 0, es = 0;
  const uint64_t sv = static_cast<uint64_t>(std::ldexp(std::frexp(std::fabs(value), &ev), 53));
  const uint64_t ss = static_cast<uint64_t>(std::ldexp(std::frexp(std::fabs(static_cast<double>(scale)), &es), 24));
  const Layout f32{8, 23, 127, false};
  const uint64_t bits = round_to_layout(f32, negative, static_cast<u128>(sv) * ss, ev - 53 + es - 24);
  return static_cast<double>(std::bit_cast<float>(static_cast<uint32_t>(bits)));
}

// The rescale unit (spec/chip.md §4 step 2): spec/quantizers.md §2 for an i32 input, in 128-bit
// integers (value·m + 2^(shift-1) + 2^30 < 2^95) or, for xnnpack-fp32, the float32 steps it names.
// Writes the output into `out` and returns nullptr, or returns why a REQUIRE rejects the element.
__extension__ typedef __int128 i128;
const char* rescale(const RequantParams& p, int64_t in, size_t channel, int64_t& out) {
  const int64_t value = in - p.input_zp;  // §2.1
  const int64_t lo = int_type_min(p.output_type), hi = int_type_max(p.output_type);
  const auto shifted = [](i128 x, int shift) { return static_cast<int64_t>(x >> shift); };  // asr: floor
  int64_t r = 0;
  switch (p.scheme) {
    case RequantScheme::TosaSingleRound:
    case RequantScheme::TosaDoubleRound:
    case RequantScheme::Gemmlowp: {
      const int shift = p.shifts[channel];
      const i128 product = static_cast<i128>(value) * p.multipliers[channel];
      if (p.scheme == RequantScheme::Gemmlowp) {
        if (value < INT32_MIN || value > INT32_MAX) return "value minus zero point does not fit int32 (gemmlowp)";
      } else if (value < -(int64_t{1} << (shift - 1)) || value >= (int64_t{1} << (shift - 1))) {
        return "value outside [-2^(shift-1), 2^(shift-1)) required by the shift (TOSA REQUIRE)";
      }
      // §2.2: ties toward +inf; §2.3, §2.4 (shift > 31): TOSA's one shift with the ±2^30 nudge.
      const bool two_roundings = p.scheme != RequantScheme::TosaSingleRound && shift > 31;
      r = shifted(product + (i128{1} << (shift - 1)) + (two_roundings ? (value >= 0 ? 1 : -1) * (i128{1} << 30) : 0), shift);
      if (!p.scale32 && (r < INT32_MIN || r > INT32_MAX)) return "scaled value does not fit int32 (scale16 REQUIRE)";
      break;
    }
    case RequantScheme::XnnpackFp32: {  // §2.5: RNE(clamp(fl32(fl32(value)·scale))), lrintf's default rounding
      const float f = static_cast<float>(value) * p.scales[channel];
      r = static_cast<int64_t>(std::nearbyint(std::clamp(f, static_cast<float>(lo - p.output_zp), static_cast<float>(hi - p.output_zp))));
      break;
    }
    case RequantScheme::XnnpackRndnu: {  // §2.5: the 24-bit significand and k = 150 - biased exponent
      const uint32_t bits = std::bit_cast<uint32_t>(p.scales[channel]);
      const int k = 150 - static_cast<int>((bits >> 23) & 0xFF);
      r = shifted(static_cast<i128>(value) * ((bits & 0x7FFFFF) | 0x800000) + (i128{1} << (k - 1)), k);
      break;
    }
  }
  const int64_t with_zp = r + p.output_zp;
  if (with_zp < INT32_MIN || with_zp > INT32_MAX) return "adding the output zero point overflows int32";
  out = std::clamp(with_zp, lo, hi);
  return nullptr;
}

void vector_and_activation(const ChipConfig& c, std::span<const int32_t> bias, uint64_t n_count, ChipValues& v) {
  const ChipTensor& acc = v.accumulators;
  ChipTensor& out = v.outputs;
  out.is_float = acc.is_float;
  if (acc.is_float) {
    out.floats = acc.floats;
    for (double& x : out.floats) {
      if (c.output == OutputStage::FloatScale) x = scale_to_float32(x, c.scale);
      if (c.activation == Activation::Relu && !std::isnan(x)) x = x > 0 ? x : 0.0;
      if (c.activation == Activation::Clamp && !std::isnan(x)) x = x < c.clamp_min ? c.clamp_min : x > c.clamp_max ? c.clamp_max : x;
    }
    return;
  }
  // Integers: bias with the accumulator's overflow rule, requantization, activation.
  const AccumulatorSpec& a = c.accumulator;
  const int64_t hi = (int64_t{1} << (a.int_bits - 1)) - 1, lo = -hi - 1;
  out.ints = acc.ints;
  if (c.bias)
    for (size_t i = 0; i < out.ints.size(); ++i) {
      const int64_t s = out.ints[i] + bias[i % n_count];
      out.ints[i] = a.overflow == IntOverflow::Saturate ? std::clamp(s, lo, hi) : wrap_to(s, a.int_bits);
    }
  if (c.output == OutputStage::Requantize) {
    const RequantParams& p = c.requant;
    if (p.channels() > 1 && p.channels() != n_count) throw std::invalid_argument("requantize: " + std::to_string(p.channels()) + " channels for " + std::to_string(n_count) + " output columns");
    for (size_t i = 0; i < out.ints.size(); ++i)
      if (const char* error = rescale(p, out.ints[i], p.channels() == 1 ? 0 : i % n_count, out.ints[i]))
        throw std::invalid_argument("requantize rejected element " + std::to_string(i) + ": " + error);
  }
  for (int64_t& x : out.ints) {
    if (c.activation == Activation::Relu) x = std::max<int64_t>(x, 0);
    if (c.activation == Activation::Clamp) x = std::clamp(x, static_cast<int64_t>(c.clamp_min), static_cast<int64_t>(c.clamp_max));
    if (c.activation == Activation::Table) x = c.table[static_cast<uint64_t>(x) & 0xFF];
  }
}

void check_size(std::span<const uint8_t> s, uint64_t want, const char* what) {
  if (s.size() != want) throw std::invalid_argument(std::string(what) + ": " + std::to_string(s.size()) + " codes, expected " + std::to_string(want));
}

}  // namespace

Product shifter_product(const Format& fp4, uint8_t fp4_code, uint8_t int4_code) {
  // Steps 1-3 of spec/chip.md §1.3: the magnitude shifted by 2·(field - 1) (two binary shifter
  // stages per radix-4 exponent step), the sign the XOR of both, the fixed point 4^(1-B).
  const ShifterMultiplicand v = shifter_multiplicand(int4_code);
  const ShifterControl ctl = shifter_control(fp4_code);
  Product p;
  p.negative = v.negative != ctl.negative;
  p.exponent = shifter_exponent(fp4);
  p.magnitude = ctl.zero ? 0 : uint64_t{v.magnitude} << ctl.shift;
  return p;
}

uint64_t float_accumulate(const AccumulatorSpec& accumulator, uint64_t acc_bits, const Product& p) {
  return accumulate(layout_of(accumulator), acc_bits, p);
}

double float_bits_to_double(const AccumulatorSpec& accumulator, uint64_t bits) { return bits_to_double(layout_of(accumulator), bits); }

void im2col(const ConvShape& cv, std::span<const uint8_t> ifmap, std::span<uint8_t> out, uint32_t group) {
  const uint64_t oh = cv.ofmap_h(), ow = cv.ofmap_w(), depth = cv.group_channels();
  const uint64_t row = uint64_t{cv.filter_h} * cv.filter_w * depth;
  check_size(ifmap, uint64_t{cv.ifmap_h} * cv.ifmap_w * cv.channels, "im2col: ifmap");
  if (out.size() != oh * ow * row) throw std::invalid_argument("im2col: output size " + std::to_string(out.size()) + ", expected " + std::to_string(oh * ow * row));
  if (group >= cv.groups) throw std::invalid_argument("im2col: group " + std::to_string(group) + " of " + std::to_string(cv.groups));
  uint8_t* dst = out.data();
  if (cv.scalesim_row()) {  // no padding, no dilation: (s, c) runs are contiguous in NHWC
    for (uint64_t y = 0; y < oh; ++y)
      for (uint64_t x = 0; x < ow; ++x)
        for (uint64_t r = 0; r < cv.filter_h; ++r) {
          const uint8_t* src = ifmap.data() + ((y * cv.stride + r) * cv.ifmap_w + x * cv.stride) * cv.channels;
          dst = std::copy(src, src + uint64_t{cv.filter_w} * cv.channels, dst);
        }
    return;
  }
  // Padded positions hold code 0, the +0 of every operand format (spec/convolution.md §1.3).
  const int64_t stride_x = cv.stride_x();
  for (uint64_t y = 0; y < oh; ++y)
    for (uint64_t x = 0; x < ow; ++x)
      for (uint64_t r = 0; r < cv.filter_h; ++r) {
        const int64_t iy = static_cast<int64_t>(y * cv.stride + r * cv.dilation_h) - cv.pad_top;
        for (uint64_t s = 0; s < cv.filter_w; ++s) {
          const int64_t ix = static_cast<int64_t>(x) * stride_x + static_cast<int64_t>(s * cv.dilation_w) - cv.pad_left;
          if (iy < 0 || iy >= cv.ifmap_h || ix < 0 || ix >= cv.ifmap_w) {
            dst = std::fill_n(dst, depth, uint8_t{0});
            continue;
          }
          const uint8_t* src = ifmap.data() + (static_cast<uint64_t>(iy) * cv.ifmap_w + static_cast<uint64_t>(ix)) * cv.channels + group * depth;
          dst = std::copy(src, src + depth, dst);
        }
      }
}

bool float_lanes_cover(const Format& a_format, const Format& b_format, const AccumulatorSpec& accumulator) {
  return accumulator.is_float && a_format.bits <= 8 && b_format.bits <= 8 &&
         lane_adder(accumulator) && lane_products_exact(a_format, b_format);
}

void accumulate_gemm(const GemmKernelParams& p, GemmShape s, std::span<const uint8_t> a, std::span<const uint8_t> b, ChipTensor& out) {
  if (p.a_format == nullptr || p.b_format == nullptr) throw std::invalid_argument("accumulate_gemm: both operand formats are required");
  if (p.a_format->bits > 8 || p.b_format->bits > 8) throw std::invalid_argument("accumulate_gemm: operand formats must have at most 8 bits");
  check_size(a, s.m * s.k, "accumulate_gemm: A");
  check_size(b, s.k * s.n, "accumulate_gemm: B");
  const bool integer_products = p.a_format->is_integer() && p.b_format->is_integer();
  if (!p.accumulator.is_float && !integer_products) throw std::invalid_argument("accumulate_gemm: an integer accumulator needs integer operands");
  if (integer_products && !p.accumulator.is_float) return integer_gemm(p, s, a, b, out);
  float_gemm(p, s, a, b, out);
}

ChipValues run_layer(const ChipConfig& config, const Layer& layer, std::span<const uint8_t> a, std::span<const uint8_t> b,
                     std::span<const int32_t> bias) {
  if (config.bias ? bias.size() != layer.gemm.n : !bias.empty())
    throw std::invalid_argument("run_layer: " + std::to_string(bias.size()) + " bias values, expected " + std::to_string(config.bias ? layer.gemm.n : 0));
  const GemmKernelParams params{config.a_format, config.b_format, config.accumulator, config.fold_rows()};
  ChipValues v;
  if (layer.conv && layer.conv->groups > 1) {
    // One GEMM per group (spec/convolution.md §1.4): group g's im2col columns times its M/groups
    // filter columns, into those columns of the output.
    const ConvShape& cv = *layer.conv;
    const uint64_t pixels = layer.gemm.m, k = layer.gemm.k, n = layer.gemm.n, width = cv.group_filters();
    check_size(b, k * n, "run_layer: filters");
    std::vector<uint8_t> columns(pixels * k), filters(k * width);
    v.accumulators.is_float = config.accumulator.is_float;
    (v.accumulators.is_float ? v.accumulators.floats.resize(pixels * n) : v.accumulators.ints.resize(pixels * n));
    for (uint32_t g = 0; g < cv.groups; ++g) {
      im2col(cv, a, columns, g);
      for (uint64_t row = 0; row < k; ++row) std::copy_n(b.data() + row * n + g * width, width, filters.data() + row * width);
      ChipTensor part;
      accumulate_gemm(params, {pixels, width, k}, columns, filters, part);
      for (uint64_t p = 0; p < pixels; ++p)
        for (uint64_t j = 0; j < width; ++j) {
          if (part.is_float) v.accumulators.floats[p * n + g * width + j] = part.floats[p * width + j];
          else v.accumulators.ints[p * n + g * width + j] = part.ints[p * width + j];
        }
    }
  } else if (layer.conv) {
    std::vector<uint8_t> columns(layer.gemm.m * layer.gemm.k);
    im2col(*layer.conv, a, columns);
    accumulate_gemm(params, layer.gemm, columns, b, v.accumulators);
  } else {
    accumulate_gemm(params, layer.gemm, a, b, v.accumulators);
  }
  vector_and_activation(config, bias, layer.gemm.n, v);
  return v;
}

}  // namespace lpc::chip::values
