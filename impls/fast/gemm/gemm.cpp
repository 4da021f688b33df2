// lpconform fast — GEMM: validation, operand tables, path choice, ISA dispatch, threading, and the
// scalar paths for accumulators the vector kernels do not cover (gemm.hpp).
#include "impls/fast/gemm/gemm.hpp"

#include <algorithm>
#include <array>
#include <bit>
#include <cmath>
#include <limits>
#include <optional>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "impls/fast/formats/convert.hpp"
#include "impls/fast/gemm/gemm_kernels.hpp"

namespace lpc::fast {
namespace {

// 128-bit integers (a GNU extension g++ and clang share) hold exact sums of two doubles' significands.
__extension__ typedef __int128 int128;
__extension__ typedef unsigned __int128 uint128;

using detail::F32Operands;
using detail::Int8Prepared;

[[noreturn]] void fail(const std::string& message) { throw std::invalid_argument("lpc::fast::gemm: " + message); }

bool cpu_has(GemmIsa isa) {
  switch (isa) {
    case GemmIsa::Auto:
    case GemmIsa::Scalar: return true;
    case GemmIsa::Avx2: return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
    case GemmIsa::Avx512:
      return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
             __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("avx512vnni");
  }
  return false;
}

GemmIsa resolve(GemmIsa requested) {
  if (!cpu_has(requested))
    fail(std::string("instruction set '") + to_string(requested) + "' is not available on this CPU (see lpc::fast::gemm_isa_available)");
  if (requested != GemmIsa::Auto) return requested;
  return cpu_has(GemmIsa::Avx512) ? GemmIsa::Avx512 : cpu_has(GemmIsa::Avx2) ? GemmIsa::Avx2 : GemmIsa::Scalar;
}

// Runs body(begin, end) over contiguous row ranges of [0, m) on up to max_threads threads (the
// calling thread included). Every output depends only on its own row and column, so the split
// never changes a result.
template <class Body>
void for_row_ranges(uint64_t m, int max_threads, Body body) {
  const uint64_t wanted = max_threads > 0 ? static_cast<uint64_t>(max_threads) : std::max(1u, std::thread::hardware_concurrency());
  const uint64_t threads = std::clamp<uint64_t>(wanted, 1, std::max<uint64_t>(m, 1));
  const uint64_t rows = (m + threads - 1) / threads;
  std::vector<std::thread> workers;
  for (uint64_t t = 1; t < threads; ++t)
    if (t * rows < m) workers.emplace_back(body, t * rows, std::min(m, (t + 1) * rows));
  body(0, std::min(m, rows));
  for (auto& w : workers) w.join();
}

// The value of every byte as a code of `format` (bits above its width ignored), by the fast decoder.
std::array<double, 256> value_table(const Format& format) {
  std::array<uint32_t, 256> codes;
  for (uint32_t c = 0; c < 256; ++c) codes[c] = c & format.code_mask();
  std::array<double, 256> values;
  Decoder(format).to_f64(codes, values);
  return values;
}

// What the products of two formats need to be exact: over the finite non-zero values, the most
// significant bits, the lowest set bit's exponent and the highest.
struct ValueRange {
  int significant_bits = 0, low_exponent = std::numeric_limits<int>::max(), high_exponent = std::numeric_limits<int>::min();
};
ValueRange value_range(const std::array<double, 256>& values) {
  ValueRange r;
  for (double v : values) {
    if (!std::isfinite(v) || v == 0) continue;
    int exponent;
    const auto significand = static_cast<uint64_t>(std::ldexp(std::frexp(std::fabs(v), &exponent), 53));  // exact
    const int trailing = std::countr_zero(significand);
    r.significant_bits = std::max(r.significant_bits, 53 - trailing);
    r.low_exponent = std::min(r.low_exponent, exponent - 53 + trailing);
    r.high_exponent = std::max(r.high_exponent, exponent - 1);
  }
  return r;
}
// Every product is a float of `precision` bits with subnormal quantum 2^min_exponent and top
// exponent max_exponent: significands multiply into at most sa + sb bits, the lowest bit lands at
// 2^(la + lb) and the value stays below 2^(ha + hb + 2).
bool products_exact(const ValueRange& a, const ValueRange& b, int precision, int min_exponent, int max_exponent) {
  if (a.significant_bits == 0 || b.significant_bits == 0) return true;  // only zeros and specials
  return a.significant_bits + b.significant_bits <= precision && a.low_exponent + b.low_exponent >= min_exponent &&
         a.high_exponent + b.high_exponent + 1 <= max_exponent;
}

void check_operands(const GemmParams& params, chip::GemmShape shape, size_t a_size, size_t b_size, size_t c_size) {
  for (const auto& [format, name] : {std::pair{params.a_format, "A"}, std::pair{params.b_format, "B"}}) {
    if (format == nullptr) fail(std::string("no format given for ") + name);
    if (format->bits > 8) fail(std::string(name) + " format " + format->name + " has " + std::to_string(format->bits) + " bits; codes are one per byte (at most 8 bits)");
  }
  const auto check_size = [](const char* what, size_t got, uint64_t rows, uint64_t cols, const char* dims) {
    if (got != rows * cols)
      fail(std::string(what) + " has " + std::to_string(got) + " elements, expected " + dims + " = " + std::to_string(rows) + "·" + std::to_string(cols));
  };
  check_size("A", a_size, shape.m, shape.k, "M·K");
  check_size("B", b_size, shape.k, shape.n, "K·N");
  check_size("C", c_size, shape.m, shape.n, "M·N");
}

// Rows per fold: R, or all of K when R = 0 or R > K (a single fold; at least 1 so loops advance).
uint64_t fold_of(const GemmParams& params, uint64_t k) { return params.fold_rows == 0 || params.fold_rows > k ? std::max<uint64_t>(k, 1) : params.fold_rows; }

// ---- integer accumulation -----------------------------------------------------------------------

// The W-bit two's complement step: wrap keeps the low W bits (sign-extended), saturate clamps.
struct IntegerStep {
  int width;
  bool saturate;
  int64_t add(int64_t acc, int64_t x) const {
    if (saturate) {
      const int128 lo = -(int128{1} << (width - 1)), hi = (int128{1} << (width - 1)) - 1;
      return static_cast<int64_t>(std::clamp<int128>(int128{acc} + x, lo, hi));
    }
    return wrap(static_cast<uint64_t>(acc) + static_cast<uint64_t>(x));
  }
  int64_t wrap(uint64_t x) const {
    const int shift = 64 - width;
    return static_cast<int64_t>(x << shift) >> shift;  // C++20: arithmetic shift
  }
};

void gemm_integer_scalar(const GemmParams& params, chip::GemmShape s, const std::array<int64_t, 256>& va,
                         const std::array<int64_t, 256>& vb, const uint8_t* a, const uint8_t* b, int64_t* c) {
  const IntegerStep step{params.accumulator.width, params.accumulator.overflow == IntegerOverflow::Saturate};
  const uint64_t fold = fold_of(params, s.k);
  for_row_ranges(s.m, params.max_threads, [&](uint64_t m0, uint64_t m1) {
    for (uint64_t i = m0; i < m1; ++i)
      for (uint64_t j = 0; j < s.n; ++j) {
        int64_t out = 0;
        for (uint64_t k0 = 0; k0 < s.k; k0 += fold) {
          int64_t part = 0;
          for (uint64_t kk = k0; kk < std::min(s.k, k0 + fold); ++kk) part = step.add(part, va[a[i * s.k + kk]] * vb[b[kk * s.n + j]]);
          out = step.add(out, part);
        }
        c[i * s.n + j] = out;
      }
  });
}

// ---- float accumulation -------------------------------------------------------------------------

// The declared float accumulator: IEEE layout with E exponent bits, M fraction bits.
struct FloatFormat {
  int man_bits, min_exponent, max_exponent;  // M, emin = 2 - 2^(E-1), emax = 2^(E-1) - 1
  bool truncate;
  explicit FloatFormat(const Accumulator& acc)
      : man_bits(acc.man_bits), min_exponent(2 - (1 << (acc.exp_bits - 1))), max_exponent((1 << (acc.exp_bits - 1)) - 1),
        truncate(acc.rounding == FloatRounding::Truncate) {}

  // The accumulator value nearest (RNE) or toward zero (truncate) to (-1)^negative · magnitude ·
  // 2^exponent, magnitude > 0 and below 2^120.
  double round(bool negative, uint128 magnitude, int exponent) const {
    // 1. The top bit sits at 2^top; the result's quantum is 2^(max(top, emin) - M): M bits below
    //    the top in a normal binade, the fixed subnormal quantum 2^(emin - M) below it.
    const int msb = 127 - (magnitude >> 64 ? std::countl_zero(static_cast<uint64_t>(magnitude >> 64))
                                           : 64 + std::countl_zero(static_cast<uint64_t>(magnitude)));
    int quantum = std::max(msb + exponent, min_exponent) - man_bits;
    const int shift = quantum - exponent;
    // 2. q = the magnitude in quanta, rounded. shift <= 0: already on the grid (q < 2^(M+1) by
    //    step 1). shift > msb + 1: the value is below half a quantum, so both modes give 0.
    //    Otherwise compare the dropped bits with half a quantum.
    uint64_t q = 0;
    if (shift <= 0) {
      q = static_cast<uint64_t>(magnitude << -shift);
    } else if (shift <= msb + 1) {
      q = static_cast<uint64_t>(magnitude >> shift);
      const uint128 rest = magnitude - (static_cast<uint128>(q) << shift);
      const uint128 half = static_cast<uint128>(1) << (shift - 1);
      if (!truncate && (rest > half || (rest == half && (q & 1)))) ++q;
    }
    // 3. A carry out of the significand moves to the next binade (still exact: 2^(M+1) quanta).
    if (q >> (man_bits + 1)) q >>= 1, ++quantum;
    // 4. Overflow: a top bit above 2^emax gives ±inf (RNE) or ±max finite (truncation).
    if (q != 0 && quantum + (63 - std::countl_zero(q)) > max_exponent) {
      if (!truncate) return negative ? -HUGE_VAL : HUGE_VAL;
      q = (uint64_t{1} << (man_bits + 1)) - 1, quantum = max_exponent - man_bits;
    }
    // 5. q < 2^53 and quantum >= emin - M >= -1074: ldexp is exact. A zero keeps the sign (IEEE §6.3).
    const double r = std::ldexp(static_cast<double>(q), quantum);
    return negative ? -r : r;
  }

  // The accumulator value nearest (RNE) or toward zero (truncate) to the double x, when |x| lies
  // in a normal binade of the accumulator (2^emin <= |x| < 2^(emax+1)); nothing otherwise.
  std::optional<double> round_normal(double x) const {
    // 1. The binade test on the biased exponent field of the double.
    const uint64_t bits = std::bit_cast<uint64_t>(x), sign = bits & (uint64_t{1} << 63);
    uint64_t magnitude = bits ^ sign;
    const int exponent = static_cast<int>(magnitude >> 52) - 1023;
    if (exponent < min_exponent || exponent > max_exponent) return std::nullopt;
    // 2. Both formats are exponent-then-fraction, so dropping 52 - M fraction bits is rounding to
    //    the accumulator's grid in this binade; RNE adds half a unit less one plus the kept last
    //    bit (ties go to even), and a carry moves into the exponent field: the next binade.
    const int drop = 52 - man_bits;
    if (drop > 0) {
      const uint64_t unit = uint64_t{1} << drop;
      if (!truncate) magnitude += (unit >> 1) - 1 + ((magnitude >> drop) & 1);
      magnitude &= ~(unit - 1);
    }
    // 3. A carry past 2^emax overflows: ±inf (RNE; truncation never carries).
    if (static_cast<int>(magnitude >> 52) - 1023 > max_exponent) return sign ? -HUGE_VAL : HUGE_VAL;
    return std::bit_cast<double>(magnitude | sign);
  }

  // round(acc + p) for the accumulator value acc and an exact product p (both doubles).
  double add(double acc, double p) const {
    // 1. Specials: NaN in, NaN out; inf - inf is NaN; otherwise an infinity wins unrounded.
    if (std::isnan(acc) || std::isnan(p)) return std::numeric_limits<double>::quiet_NaN();
    if (std::isinf(acc) || std::isinf(p)) {
      if (std::isinf(acc) && std::isinf(p) && std::signbit(acc) != std::signbit(p)) return std::numeric_limits<double>::quiet_NaN();
      return std::isinf(acc) ? acc : p;
    }
    // 2. Zeros: x + 0 = x exactly (acc is on the grid); -0 + -0 = -0, other zero sums +0.
    if (p == 0) return acc == 0 ? (std::signbit(acc) && std::signbit(p) ? -0.0 : 0.0) : acc;
    // 3. Most sums are exact in double (Knuth's TwoSum: the rounding error of s = fl(acc + p) is
    //    exactly `error`, barring overflow, which isfinite excludes) and land in a normal binade
    //    of the accumulator: round that double on its bit pattern.
    const double sum = acc + p, p_part = sum - acc;
    const double error = (acc - (sum - p_part)) + (p - p_part);
    if (error == 0 && sum != 0 && std::isfinite(sum))
      if (const auto rounded = round_normal(sum)) return *rounded;
    // 4. Otherwise: write each as a 53-bit significand times a power of two, x the larger
    //    exponent. If they are at most 64 binades apart, x·2^d ± y is exact in 118 bits. Further
    //    apart, |y| < 2^-11 of x's last bit, so y only decides on which side of x the sum falls:
    //    a sticky unit 2^(ex - 64) in its place lies between the same two grid points and
    //    midpoints (the quantum is at least 2^(ex - 1)), so every rounding is unchanged.
    struct Parts { bool negative; uint64_t significand; int exponent; };
    const auto split = [](double v) {
      int e;
      const double f = std::frexp(std::fabs(v), &e);
      return Parts{std::signbit(v), static_cast<uint64_t>(std::ldexp(f, 53)), e - 53};
    };
    if (acc == 0) {
      const Parts y = split(p);
      return round(y.negative, y.significand, y.exponent);
    }
    Parts x = split(acc), y = split(p);
    if (x.exponent < y.exponent) std::swap(x, y);
    const int apart = x.exponent - y.exponent;
    const bool near = apart <= 64;
    const uint128 big = static_cast<uint128>(x.significand) << (near ? apart : 64);
    const uint128 small = near ? y.significand : 1;
    const int exponent = near ? y.exponent : x.exponent - 64;
    if (x.negative == y.negative) return round(x.negative, big + small, exponent);
    if (big == small) return 0.0;  // exact cancellation: +0 (IEEE §6.3)
    return big > small ? round(x.negative, big - small, exponent) : round(y.negative, small - big, exponent);
  }
};

// The vector kernel for an accumulator, when every product of the two formats is exact in float32
// (gemm_kernels.hpp): float32 RNE itself, or a narrower accumulator that float32 refines by at
// least two bits (RNE) or one (truncation) everywhere (impls/common/narrow_float_lanes.hpp, step 3).
enum class FloatKernel : uint8_t { None, Float32Rne, Narrow };
FloatKernel float_kernel(const Accumulator& acc, const ValueRange& ra, const ValueRange& rb) {
  if (!products_exact(ra, rb, 24, -149, 127)) return FloatKernel::None;
  const bool truncate = acc.rounding == FloatRounding::Truncate;
  if (acc.exp_bits == 8 && acc.man_bits == 23 && !truncate) return FloatKernel::Float32Rne;
  return common::narrow_float_covers(acc.exp_bits, acc.man_bits, truncate) ? FloatKernel::Narrow : FloatKernel::None;
}

void gemm_float_scalar(const GemmParams& params, chip::GemmShape s, const std::array<double, 256>& va,
                       const std::array<double, 256>& vb, const uint8_t* a, const uint8_t* b, double* c) {
  const FloatFormat format(params.accumulator);
  const uint64_t fold = fold_of(params, s.k);
  for_row_ranges(s.m, params.max_threads, [&](uint64_t m0, uint64_t m1) {
    for (uint64_t i = m0; i < m1; ++i)
      for (uint64_t j = 0; j < s.n; ++j) {
        double out = 0;
        for (uint64_t k0 = 0; k0 < s.k; k0 += fold) {
          double part = 0;
          for (uint64_t kk = k0; kk < std::min(s.k, k0 + fold); ++kk) part = format.add(part, va[a[i * s.k + kk]] * vb[b[kk * s.n + j]]);
          out = format.add(out, part);
        }
        c[i * s.n + j] = out;
      }
  });
}

}  // namespace

const char* to_string(GemmIsa isa) {
  switch (isa) {
    case GemmIsa::Auto: return "auto";
    case GemmIsa::Scalar: return "scalar";
    case GemmIsa::Avx2: return "avx2";
    case GemmIsa::Avx512: return "avx512";
  }
  return "?";
}

bool gemm_isa_available(GemmIsa isa) { return cpu_has(isa); }

bool gemm_float_vectorized(const Format& a_format, const Format& b_format, const Accumulator& accumulator) {
  return accumulator.is_float && float_kernel(accumulator, value_range(value_table(a_format)), value_range(value_table(b_format))) != FloatKernel::None;
}

void gemm_integer(const GemmParams& params, chip::GemmShape shape, std::span<const uint8_t> a, std::span<const uint8_t> b,
                  std::span<int64_t> c) {
  check_operands(params, shape, a.size(), b.size(), c.size());
  const Accumulator& acc = params.accumulator;
  if (acc.is_float) fail("gemm_integer needs an integer accumulator (use gemm_float)");
  if (acc.width < 2 || acc.width > 64) fail("integer accumulator width " + std::to_string(acc.width) + " outside 2..64");
  if (!params.a_format->is_integer() || !params.b_format->is_integer())
    fail("an integer accumulator needs integer operands (got " + params.a_format->name + " × " + params.b_format->name + ")");
  const GemmIsa isa = resolve(params.isa);

  std::array<int64_t, 256> va, vb;
  const auto da = value_table(*params.a_format), db = value_table(*params.b_format);
  for (int code = 0; code < 256; ++code) va[code] = static_cast<int64_t>(da[code]), vb[code] = static_cast<int64_t>(db[code]);
  const auto max_magnitude = [](const std::array<int64_t, 256>& v) {
    int64_t m = 0;
    for (int64_t x : v) m = std::max(m, x < 0 ? -x : x);
    return m;
  };
  const auto fits_int8 = [](const std::array<int64_t, 256>& v) {
    return std::all_of(v.begin(), v.end(), [](int64_t x) { return x >= -128 && x <= 127; });
  };

  // Path choice (gemm.hpp). Every partial and output sum is bounded by Σ_k |a·b| <= K·max|a|·max|b|:
  // below 2^(W-1) no addition can wrap or saturate, so the exact sum is the declared result.
  const uint128 bound = static_cast<uint128>(shape.k) * static_cast<uint64_t>(max_magnitude(va) * max_magnitude(vb));
  const bool exact = bound < (static_cast<uint128>(1) << std::min(31, acc.width - 1));
  const bool wrap32 = acc.overflow == IntegerOverflow::Wrap && acc.width <= 32;
  if (!(fits_int8(va) && fits_int8(vb) && (exact || wrap32))) {
    gemm_integer_scalar(params, shape, va, vb, a.data(), b.data(), c.data());
    return;
  }

  std::vector<int8_t> a8(a.size()), b8(b.size());
  std::transform(a.begin(), a.end(), a8.begin(), [&](uint8_t code) { return static_cast<int8_t>(va[code]); });
  std::transform(b.begin(), b.end(), b8.begin(), [&](uint8_t code) { return static_cast<int8_t>(vb[code]); });
  using Prepare = Int8Prepared (*)(const int8_t*, const int8_t*, uint64_t, uint64_t, uint64_t);
  using Run = void (*)(const Int8Prepared&, uint64_t, uint64_t, int32_t*);
  // A pair, not a structured binding: clang 14 (the fuzz build) cannot capture a binding in a lambda.
  const std::pair<Prepare, Run> kernel = isa == GemmIsa::Avx512 ? std::pair<Prepare, Run>{detail::prepare_int8_avx512, detail::run_int8_avx512}
                              : isa == GemmIsa::Avx2 ? std::pair<Prepare, Run>{detail::prepare_int8_avx2, detail::run_int8_avx2}
                                                     : std::pair<Prepare, Run>{detail::prepare_int8_scalar, detail::run_int8_scalar};
  const Run run = kernel.second;
  const Int8Prepared prepared = kernel.first(a8.data(), b8.data(), shape.m, shape.n, shape.k);
  std::vector<int32_t> sums(shape.m * prepared.n_padded);
  const IntegerStep step{acc.width, false};
  for_row_ranges(shape.m, params.max_threads, [&](uint64_t m0, uint64_t m1) {
    run(prepared, m0, m1, sums.data());
    // The sum mod 2^32 gives the sum mod 2^W (W <= 32); an exact sum is its own int32 residue.
    for (uint64_t i = m0; i < m1; ++i)
      for (uint64_t j = 0; j < shape.n; ++j) {
        const int32_t sum = sums[i * prepared.n_padded + j];
        c[i * shape.n + j] = exact ? sum : step.wrap(static_cast<uint32_t>(sum));
      }
  });
}

void gemm_float(const GemmParams& params, chip::GemmShape shape, std::span<const uint8_t> a, std::span<const uint8_t> b,
                std::span<double> c) {
  check_operands(params, shape, a.size(), b.size(), c.size());
  const Accumulator& acc = params.accumulator;
  if (!acc.is_float) fail("gemm_float needs a float accumulator (use gemm_integer)");
  if (acc.exp_bits < 2 || acc.exp_bits > 11 || acc.man_bits < 1 || acc.man_bits > 52)
    fail("float accumulator E=" + std::to_string(acc.exp_bits) + ", M=" + std::to_string(acc.man_bits) + " outside E in 2..11, M in 1..52");
  const GemmIsa isa = resolve(params.isa);
  const auto va = value_table(*params.a_format), vb = value_table(*params.b_format);
  const ValueRange ra = value_range(va), rb = value_range(vb);
  // Products are computed in double: exact for every pair of formats of at most 8 bits; checked.
  if (!products_exact(ra, rb, 53, -1074, 1023))
    fail("products of " + params.a_format->name + " × " + params.b_format->name + " are not exact in float64");
  const FloatKernel kernel = float_kernel(acc, ra, rb);
  if (kernel == FloatKernel::None) {
    gemm_float_scalar(params, shape, va, vb, a.data(), b.data(), c.data());
    return;
  }

  const uint64_t n_padded = detail::padded_columns(shape.n);
  std::vector<float> a32(a.size()), b32(shape.k * n_padded, 0.0f), out(shape.m * n_padded);
  std::transform(a.begin(), a.end(), a32.begin(), [&](uint8_t code) { return static_cast<float>(va[code]); });
  for (uint64_t kk = 0; kk < shape.k; ++kk)
    for (uint64_t j = 0; j < shape.n; ++j) b32[kk * n_padded + j] = static_cast<float>(vb[b[kk * shape.n + j]]);
  const F32Operands operands{a32.data(), b32.data(), shape.k, n_padded, fold_of(params, shape.k)};
  const auto run_rne = isa == GemmIsa::Avx512 ? detail::run_f32_rne_avx512 : isa == GemmIsa::Avx2 ? detail::run_f32_rne_avx2 : detail::run_f32_rne_scalar;
  const auto run_narrow = isa == GemmIsa::Avx512 ? detail::run_f32_narrow_avx512
                          : isa == GemmIsa::Avx2 ? detail::run_f32_narrow_avx2
                                                 : detail::run_f32_narrow_scalar;
  const common::NarrowFloat narrow = common::narrow_float(acc.exp_bits, acc.man_bits, acc.rounding == FloatRounding::Truncate);
  for_row_ranges(shape.m, params.max_threads, [&](uint64_t m0, uint64_t m1) {
    if (kernel == FloatKernel::Float32Rne) run_rne(operands, m0, m1, out.data());
    else run_narrow(operands, narrow, m0, m1, out.data());
    for (uint64_t i = m0; i < m1; ++i)
      for (uint64_t j = 0; j < shape.n; ++j) c[i * shape.n + j] = out[i * n_padded + j];
  });
}

}  // namespace lpc::fast
