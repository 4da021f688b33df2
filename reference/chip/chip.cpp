// lpconform reference — the chip family in exact arithmetic. See chip.hpp.
#include "reference/chip/chip.hpp"
#include "reference/common/exact_math.hpp"

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstdio>
#include <functional>
#include <limits>
#include <stdexcept>
#include <unordered_map>
#include <vector>

#include <boost/multiprecision/cpp_int.hpp>

#include "reference/formats/codec.hpp"
#include "reference/quantizers/requantize.hpp"

namespace lpc::ref::chip {

namespace {

using boost::multiprecision::cpp_int;
using boost::multiprecision::cpp_rational;

// An extended real with signed zero: NaN, ±inf, or a rational (zero carries `negative`).
struct Real {
  enum class Kind : uint8_t { Finite, Inf, NaN } kind = Kind::Finite;
  bool negative = false;  // the sign of an infinity or a zero; for other finite values value's sign
  cpp_rational value = 0;

  static Real nan() { return {Kind::NaN, false, 0}; }
  static Real inf(bool negative) { return {Kind::Inf, negative, 0}; }
  static Real zero(bool negative) { return {Kind::Finite, negative, 0}; }
  static Real finite(const cpp_rational& v) { return {Kind::Finite, v < 0, v}; }
  bool is_nan() const { return kind == Kind::NaN; }
  bool is_inf() const { return kind == Kind::Inf; }
  bool is_zero() const { return kind == Kind::Finite && value == 0; }
};

cpp_rational power_of_two(int64_t e) {
  return e >= 0 ? cpp_rational(cpp_int(1) << static_cast<unsigned>(e)) : cpp_rational(cpp_int(1), cpp_int(1) << static_cast<unsigned>(-e));
}

Real from_exact(const ExactValue& v) {
  if (v.is_nan()) return Real::nan();
  if (v.is_inf()) return Real::inf(v.negative);
  if (v.is_zero()) return Real::zero(v.negative);
  const cpp_rational magnitude = cpp_rational(cpp_int(v.significand)) * power_of_two(v.exponent);
  return Real::finite(v.negative ? cpp_rational(-magnitude) : magnitude);
}

// floor(log2 |x|) for x != 0, from the bit lengths of numerator and denominator, then corrected.
int64_t floor_log2(const cpp_rational& x) {
  const cpp_int num = abs(numerator(x)), den = denominator(x);
  int64_t e = static_cast<int64_t>(msb(num)) - static_cast<int64_t>(msb(den));
  const cpp_rational a = abs(x);
  if (a < power_of_two(e)) --e;
  return e;
}

ExactValue to_exact(const Real& r) {
  if (r.is_nan()) return ExactValue::nan(false);
  if (r.is_inf()) return ExactValue::inf(r.negative);
  if (r.value == 0) return ExactValue::zero(r.negative);
  // A dyadic rational: numerator odd-or-not over 2^d; the numerator fits 64 bits for every value
  // of the accumulators and float32 (at most 53 significant bits).
  const cpp_int num = abs(numerator(r.value)), den = denominator(r.value);
  const int64_t shift = static_cast<int64_t>(msb(den));
  if (den != (cpp_int(1) << static_cast<unsigned>(shift)) || msb(num) >= 64) throw std::logic_error("to_exact: not a 64-bit dyadic value");
  return ExactValue::finite(r.value < 0, static_cast<uint64_t>(num), static_cast<int32_t>(-shift));
}

double to_double(const Real& r) {
  if (r.is_nan()) return std::numeric_limits<double>::quiet_NaN();
  return to_exact(r).to_double();
}

// The exact decimal of a dyadic rational n / 2^d = n·5^d / 10^d (every value here is dyadic).
std::string decimal(const Real& r) {
  if (r.is_nan()) return "nan";
  if (r.is_inf()) return r.negative ? "-inf" : "inf";
  if (r.value == 0) return r.negative ? "-0" : "0";
  const unsigned d = msb(denominator(r.value));
  const cpp_int scaled = abs(numerator(r.value)) * boost::multiprecision::pow(cpp_int(5), d);
  std::string digits = scaled.str();
  if (d > 0) {
    if (digits.size() <= d) digits.insert(0, d + 1 - digits.size(), '0');
    digits.insert(digits.size() - d, ".");
    while (digits.back() == '0') digits.pop_back();
    if (digits.back() == '.') digits.pop_back();
  }
  return (r.value < 0 ? "-" : "") + digits;
}

// Six significant digits of a non-negative rational, for messages only.
std::string approx(const cpp_rational& x) {
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%.6g", static_cast<double>(x));
  return buffer;
}

// ---- the accumulator's grid (spec/chip.md §3.3), from the definition --------------------------------

struct Grid {
  int64_t emin;           // exponent of the smallest normal binade, 1 - bias
  int64_t emax;           // exponent of the largest finite binade
  int man_bits;
  bool truncate;
  cpp_rational max_finite;  // (2 - 2^-M) · 2^emax
};

Grid grid_of(int exp_bits, int man_bits, bool truncate) {
  const int64_t bias = (int64_t{1} << (exp_bits - 1)) - 1;
  Grid g{1 - bias, (int64_t{1} << exp_bits) - 2 - bias, man_bits, truncate, 0};
  g.max_finite = (2 - power_of_two(-man_bits)) * power_of_two(g.emax);
  return g;
}
Grid grid_of(const AccumulatorSpec& a) { return grid_of(a.exp_bits, a.man_bits, a.rounding == lpc::chip::FloatRounding::TowardZero); }

// Rounds a finite x to the grid: the grid points around |x| are n·q and (n+1)·q with q the quantum
// of |x|'s binade (the first binade's below it), n = floor(|x|/q); RNE takes the nearer, the even n
// on a tie; truncation takes n·q. A result above the largest finite value is ±inf (RNE) or ±max
// (truncation); a non-zero x rounding to zero keeps its sign (IEEE 754 §6.3).
Real round_to_grid(const Grid& g, const cpp_rational& x) {
  if (x == 0) return Real::zero(false);
  const bool negative = x < 0;
  const cpp_rational a = abs(x);
  const cpp_rational q = power_of_two(std::max(floor_log2(a), g.emin) - g.man_bits);
  const cpp_rational ratio = a / q;
  cpp_int n = numerator(ratio) / denominator(ratio);
  const cpp_rational rest = a - cpp_rational(n) * q, half = q / 2;
  if (!g.truncate && (rest > half || (rest == half && (n & 1) != 0))) ++n;
  cpp_rational r = cpp_rational(n) * q;
  if (r > g.max_finite) {
    if (!g.truncate) return Real::inf(negative);
    r = g.max_finite;
  }
  return r == 0 ? Real::zero(negative) : Real::finite(negative ? cpp_rational(-r) : r);
}

Real sum_rounded(const Grid& g, const Real& x, const Real& y) {
  if (x.is_nan() || y.is_nan()) return Real::nan();
  if (x.is_inf() && y.is_inf()) return x.negative == y.negative ? x : Real::nan();
  if (x.is_inf()) return x;
  if (y.is_inf()) return y;
  const cpp_rational s = x.value + y.value;
  if (s == 0) return Real::zero(x.is_zero() && y.is_zero() && x.negative && y.negative);
  return round_to_grid(g, s);
}

Real product(const Real& x, const Real& y) {
  if (x.is_nan() || y.is_nan()) return Real::nan();
  const bool negative = x.negative != y.negative;
  if ((x.is_inf() && y.is_zero()) || (y.is_inf() && x.is_zero())) return Real::nan();
  if (x.is_inf() || y.is_inf()) return Real::inf(negative);
  if (x.is_zero() || y.is_zero()) return Real::zero(negative);
  return Real::finite(x.value * y.value);
}

// ---- operands in the declared order --------------------------------------------------------------

std::vector<Real> decoded(const Format& f) {
  std::vector<Real> t(f.code_count());
  for (uint32_t c = 0; c < f.code_count(); ++c) t[c] = from_exact(decode(f, c));
  return t;
}

// Walks a layer's multiply-accumulates in the declared k order: mac(code_a, code_b) for every
// product of output i, then done(i). Ascending k for a GEMM; (r, s, c) for a convolution, read
// straight from the NHWC ifmap and RSCM filters.
template <class Mac, class Done>
void walk_layer(const Layer& layer, std::span<const uint8_t> a, std::span<const uint8_t> b, Mac&& mac, Done&& done) {
  const lpc::chip::GemmShape s = layer.gemm;
  if (!layer.conv) {
    if (a.size() != s.m * s.k || b.size() != s.k * s.n) throw std::invalid_argument("reference chip: A or B has the wrong number of codes");
    for (uint64_t m = 0; m < s.m; ++m)
      for (uint64_t n = 0; n < s.n; ++n) {
        for (uint64_t k = 0; k < s.k; ++k) mac(a[m * s.k + k], b[k * s.n + n]);
        done(m * s.n + n);
      }
    return;
  }
  // The convolution by its definition (spec/convolution.md §1): output (oy, ox, f) sums over the
  // taps (r, s) and its group's channels ch the input at y = oy·stride + r·dilation_h − pad_top,
  // x = ox·stride_w + s·dilation_w − pad_left, which is the code 0 (+0) outside the input.
  const lpc::chip::ConvShape& c = *layer.conv;
  const uint64_t depth = c.channels / std::max<uint32_t>(c.groups, 1);
  if (a.size() != uint64_t{c.ifmap_h} * c.ifmap_w * c.channels || b.size() != uint64_t{c.filter_h} * c.filter_w * depth * c.filters)
    throw std::invalid_argument("reference chip: ifmap or filters have the wrong number of codes");
  const int64_t stride_y = c.stride, stride_x = c.stride_w == 0 ? c.stride : c.stride_w;
  const uint64_t out_h = c.ofmap_h(), out_w = c.ofmap_w(), per_group = c.filters / std::max<uint32_t>(c.groups, 1);
  for (uint64_t oy = 0; oy < out_h; ++oy)
    for (uint64_t ox = 0; ox < out_w; ++ox)
      for (uint64_t f = 0; f < c.filters; ++f) {
        const uint64_t first_channel = f / per_group * depth;
        for (uint64_t r = 0; r < c.filter_h; ++r)
          for (uint64_t q = 0; q < c.filter_w; ++q) {
            const int64_t y = static_cast<int64_t>(oy) * stride_y + static_cast<int64_t>(r * c.dilation_h) - c.pad_top;
            const int64_t x = static_cast<int64_t>(ox) * stride_x + static_cast<int64_t>(q * c.dilation_w) - c.pad_left;
            const bool inside = y >= 0 && y < static_cast<int64_t>(c.ifmap_h) && x >= 0 && x < static_cast<int64_t>(c.ifmap_w);
            const uint8_t* row = inside ? &a[(static_cast<uint64_t>(y) * c.ifmap_w + static_cast<uint64_t>(x)) * c.channels + first_channel] : nullptr;
            const uint8_t* filter = &b[(r * c.filter_w + q) * depth * c.filters + f];
            for (uint64_t ch = 0; ch < depth; ++ch) mac(row ? row[ch] : uint8_t{0}, filter[ch * c.filters]);
          }
        done((oy * out_w + ox) * c.filters + f);
      }
}

// Calls visit(i, products) for every output i, the products in the declared k order. Each
// product is the exact product of the two decoded codes, computed once per code pair used.
void for_each_output(const Format& fa, const Format& fb, const Layer& layer, std::span<const uint8_t> a, std::span<const uint8_t> b,
                     const std::function<void(size_t, const std::vector<const Real*>&)>& visit) {
  const std::vector<Real> va = decoded(fa), vb = decoded(fb);
  std::unordered_map<size_t, Real> table;  // filled on first use (node addresses are stable)
  std::vector<const Real*> products;
  walk_layer(
      layer, a, b,
      [&](uint8_t x, uint8_t y) {
        const size_t cx = x & fa.code_mask(), cy = y & fb.code_mask();
        auto [it, fresh] = table.try_emplace(cx * vb.size() + cy);
        if (fresh) it->second = product(va[cx], vb[cy]);
        products.push_back(&it->second);
      },
      [&](size_t i) {
        visit(i, products);
        products.clear();
      });
}

int64_t to_int64(const cpp_rational& v) { return static_cast<int64_t>(numerator(v)); }

// The value of every code of an integer format.
std::vector<int64_t> integer_values(const Format& f) {
  std::vector<int64_t> v(f.code_count());
  for (uint32_t c = 0; c < v.size(); ++c) v[c] = to_int64(from_exact(decode(f, c)).value);
  return v;
}

// W-bit two's complement by definition: the representative of v mod 2^W in [-2^(W-1), 2^(W-1)).
int64_t wrap(int64_t v, int bits) {
  const int64_t modulus = int64_t{1} << bits, low = -(modulus / 2);
  int64_t r = (v - low) % modulus;
  if (r < 0) r += modulus;
  return r + low;
}

int64_t overflow_rule(const AccumulatorSpec& a, int64_t v) {
  const int64_t hi = (int64_t{1} << (a.int_bits - 1)) - 1;
  return a.overflow == lpc::chip::IntOverflow::Saturate ? std::clamp(v, -hi - 1, hi) : wrap(v, a.int_bits);
}

}  // namespace

// ---- exact results --------------------------------------------------------------------------------

struct ExactResult::Impl {
  uint64_t k = 0;
  bool integers = false;              // integer operands: the sums below, in int64
  std::vector<int64_t> int_sums, int_abs_sums;
  std::vector<Real> sums;             // Σ p over all products (NaN / ±inf by the extended rules)
  std::vector<cpp_rational> abs_sums; // Σ|p| over the finite products
  std::vector<bool> has_inf;          // some product is infinite
};

size_t ExactResult::size() const { return impl_->integers ? impl_->int_sums.size() : impl_->sums.size(); }
int64_t ExactResult::integer_sum(size_t i) const { return impl_->integers ? impl_->int_sums.at(i) : to_int64(impl_->sums.at(i).value); }
int64_t ExactResult::integer_abs_sum(size_t i) const {
  return impl_->integers ? impl_->int_abs_sums.at(i) : to_int64(impl_->abs_sums.at(i));
}
std::string ExactResult::to_string(size_t i) const {
  return impl_->integers ? std::to_string(impl_->int_sums.at(i)) : decimal(impl_->sums.at(i));
}

BoundCheck ExactResult::check_float(size_t i, double got, const AccumulatorSpec& accumulator, uint32_t fold_rows) const {
  // spec/chip.md §5.2: |got - exact| <= γ_h·Σ|p| + N·η/(1 - h·u) with γ_h = h·u/(1 - h·u),
  // h = min(R, K) + F roundings on any product's path, N = K + F roundings in all, F = ⌈K/R⌉ folds.
  if (impl_->integers) throw std::logic_error("reference chip: check_float on a layer of integer operands");
  const Real& exact = impl_->sums.at(i);
  BoundCheck out;
  out.exact = decimal(exact);
  const Grid g = grid_of(accumulator);
  const uint64_t k = impl_->k, rows = (fold_rows == 0 || fold_rows > k) ? k : fold_rows;
  const uint64_t folds = k == 0 ? 0 : (k + rows - 1) / rows;
  const uint64_t h = rows + folds, n = k + folds;
  const cpp_rational u = power_of_two(-g.man_bits - (g.truncate ? 0 : 1));
  const cpp_rational eta = power_of_two(g.emin - g.man_bits - (g.truncate ? 0 : 1));
  const cpp_rational hu = cpp_rational(h) * u;
  auto verdict = [&](bool pass) {
    out.kind = pass ? BoundCheck::Kind::Pass : BoundCheck::Kind::Fail;
    return out;
  };
  if (exact.is_nan()) return verdict(std::isnan(got));
  const std::optional<cpp_rational> bound_or =
      hu < 1 ? exact_math::dot_product_bound(h, u, impl_->abs_sums[i], cpp_rational(n) * eta / (1 - hu)) : std::nullopt;
  if (!bound_or) {  // the bound says nothing
    out.kind = BoundCheck::Kind::Excluded;
    return out;
  }
  const cpp_rational growth = 1 / (1 - hu);
  const cpp_rational reach = (impl_->abs_sums[i] + cpp_rational(n) * eta) * growth;  // bounds every intermediate
  if (reach > g.max_finite) {
    out.kind = BoundCheck::Kind::Excluded;
    return out;
  }
  if (exact.is_inf()) return verdict(std::isinf(got) && std::signbit(got) == exact.negative);
  const cpp_rational& bound = *bound_or;
  out.bound = approx(bound);
  if (!std::isfinite(got)) return verdict(false);
  const cpp_rational error = abs(from_exact(ExactValue::from_source(Source::F64, std::bit_cast<uint64_t>(got))).value - exact.value);
  out.error = approx(error);
  return verdict(error <= bound);
}

ExactResult exact_layer(const Format& a_format, const Format& b_format, const Layer& layer, std::span<const uint8_t> a, std::span<const uint8_t> b) {
  auto impl = std::make_shared<ExactResult::Impl>();
  impl->k = layer.gemm.k;
  const size_t outputs = layer.gemm.m * layer.gemm.n;
  if (a_format.is_integer() && b_format.is_integer()) {
    // Integer operands: the decoded values are integers of at most 8 bits, so each product and
    // both sums are exact in int64 (|p| <= 2^16, K < 2^40), multiplied as they come.
    impl->integers = true;
    const std::vector<int64_t> va = integer_values(a_format), vb = integer_values(b_format);
    impl->int_sums.resize(outputs);
    impl->int_abs_sums.resize(outputs);
    int64_t sum = 0, abs_sum = 0;
    const uint32_t mask_a = a_format.code_mask(), mask_b = b_format.code_mask();
    walk_layer(
        layer, a, b,
        [&](uint8_t x, uint8_t y) {
          const int64_t p = va[x & mask_a] * vb[y & mask_b];
          sum += p;
          abs_sum += p < 0 ? -p : p;
        },
        [&](size_t i) {
          impl->int_sums[i] = sum;
          impl->int_abs_sums[i] = abs_sum;
          sum = abs_sum = 0;
        });
    return ExactResult(std::move(impl));
  }
  impl->sums.resize(outputs);
  impl->abs_sums.resize(outputs);
  impl->has_inf.resize(outputs);
  for_each_output(a_format, b_format, layer, a, b, [&](size_t i, const std::vector<const Real*>& products) {
    // NaN if any product is NaN or infinities of both signs meet; else ±inf if any; else Σ exactly.
    bool nan = false, pos_inf = false, neg_inf = false;
    cpp_rational sum = 0, abs_sum = 0;
    for (const Real* p : products) {
      if (p->is_nan()) nan = true;
      else if (p->is_inf()) (p->negative ? neg_inf : pos_inf) = true;
      else sum += p->value, abs_sum += abs(p->value);
    }
    impl->has_inf[i] = pos_inf || neg_inf;
    impl->abs_sums[i] = abs_sum;
    impl->sums[i] = (nan || (pos_inf && neg_inf)) ? Real::nan() : (pos_inf || neg_inf) ? Real::inf(neg_inf) : Real::finite(sum);
  });
  return ExactResult(std::move(impl));
}

// ---- the hardware-semantics reference -------------------------------------------------------------

ChipValues hardware_layer(const ChipConfig& config, const Layer& layer, std::span<const uint8_t> a, std::span<const uint8_t> b,
                          std::span<const int32_t> bias) {
  const AccumulatorSpec& acc_spec = config.accumulator;
  const uint64_t k = layer.gemm.k, n_count = layer.gemm.n;
  const uint64_t fold = (config.fold_rows() == 0 || config.fold_rows() > k) ? std::max<uint64_t>(k, 1) : config.fold_rows();
  if (config.bias ? bias.size() != n_count : !bias.empty()) throw std::invalid_argument("reference chip: wrong number of bias values");
  ChipValues v;
  const size_t outputs = layer.gemm.m * n_count;
  v.accumulators.is_float = v.outputs.is_float = acc_spec.is_float;
  (acc_spec.is_float ? v.accumulators.floats.resize(outputs) : v.accumulators.ints.resize(outputs));
  const Grid grid = acc_spec.is_float ? grid_of(acc_spec) : Grid{};

  // 1. The array: per fold a partial sum from +0 over the fold's products in order, then the
  //    accumulator from +0 plus each partial sum; every addition rounded, wrapped or saturated.
  if (!acc_spec.is_float && config.a_format->is_integer() && config.b_format->is_integer()) {
    // Integer operands into an integer accumulator: the same additions on int64 products.
    const std::vector<int64_t> va = integer_values(*config.a_format), vb = integer_values(*config.b_format);
    const uint32_t mask_a = config.a_format->code_mask(), mask_b = config.b_format->code_mask();
    int64_t acc = 0, partial = 0;
    uint64_t j = 0;
    walk_layer(
        layer, a, b,
        [&](uint8_t x, uint8_t y) {
          partial = overflow_rule(acc_spec, partial + va[x & mask_a] * vb[y & mask_b]);
          if (++j % fold == 0) acc = overflow_rule(acc_spec, acc + partial), partial = 0;
        },
        [&](size_t i) {
          if (j % fold != 0) acc = overflow_rule(acc_spec, acc + partial);
          v.accumulators.ints[i] = acc;
          acc = partial = 0;
          j = 0;
        });
  } else {
    for_each_output(*config.a_format, *config.b_format, layer, a, b, [&](size_t i, const std::vector<const Real*>& products) {
      if (acc_spec.is_float) {
        Real acc = Real::zero(false);
        for (size_t k0 = 0; k0 < products.size(); k0 += fold) {
          Real partial = Real::zero(false);
          for (size_t j = k0; j < std::min(products.size(), k0 + fold); ++j) partial = sum_rounded(grid, partial, *products[j]);
          acc = sum_rounded(grid, acc, partial);
        }
        v.accumulators.floats[i] = to_double(acc);
      } else {
        int64_t acc = 0;
        for (size_t k0 = 0; k0 < products.size(); k0 += fold) {
          int64_t partial = 0;
          for (size_t j = k0; j < std::min(products.size(), k0 + fold); ++j) partial = overflow_rule(acc_spec, partial + to_int64(products[j]->value));
          acc = overflow_rule(acc_spec, acc + partial);
        }
        v.accumulators.ints[i] = acc;
      }
    });
  }

  // 2. The vector processor and the activation unit (spec/chip.md §4).
  if (acc_spec.is_float) {
    const Grid f32 = grid_of(8, 23, false);
    v.outputs.floats = v.accumulators.floats;
    for (double& x : v.outputs.floats) {
      Real r = from_exact(std::isnan(x) ? ExactValue::nan(false) : ExactValue::from_source(Source::F64, std::bit_cast<uint64_t>(x)));
      if (config.output == lpc::chip::OutputStage::FloatScale) {
        const Real s = from_exact(ExactValue::from_source(Source::F32, std::bit_cast<uint32_t>(config.scale)));
        const Real p = product(r, s);
        r = (p.is_nan() || p.is_inf() || p.is_zero()) ? p : round_to_grid(f32, p.value);
      }
      if (!r.is_nan() && config.activation == lpc::chip::Activation::Relu && !(r.is_inf() ? !r.negative : r.value > 0)) r = Real::zero(false);
      if (!r.is_nan() && config.activation == lpc::chip::Activation::Clamp) {
        const cpp_rational lo(from_exact(ExactValue::from_source(Source::F64, std::bit_cast<uint64_t>(config.clamp_min))).value);
        const cpp_rational hi(from_exact(ExactValue::from_source(Source::F64, std::bit_cast<uint64_t>(config.clamp_max))).value);
        const bool below = r.is_inf() ? r.negative : r.value < lo, above = r.is_inf() ? !r.negative : r.value > hi;
        if (below) r = Real::finite(lo);
        if (above) r = Real::finite(hi);
      }
      x = to_double(r);
    }
    return v;
  }
  v.outputs.ints = v.accumulators.ints;
  for (size_t i = 0; i < outputs; ++i) {
    int64_t x = v.outputs.ints[i];
    if (config.bias) x = overflow_rule(acc_spec, x + bias[i % n_count]);
    if (config.output == lpc::chip::OutputStage::Requantize) {
      const RequantOutcome r = requantize(config.requant, x, i % n_count % config.requant.channels());
      if (!r.ok) throw std::invalid_argument("reference requantize rejected output " + std::to_string(i) + ": " + r.error);
      x = r.value;
    }
    if (config.activation == lpc::chip::Activation::Relu) x = x < 0 ? 0 : x;
    if (config.activation == lpc::chip::Activation::Clamp) x = std::clamp(x, static_cast<int64_t>(config.clamp_min), static_cast<int64_t>(config.clamp_max));
    if (config.activation == lpc::chip::Activation::Table) x = config.table.at(static_cast<size_t>(x < 0 ? x + 256 : x));
    v.outputs.ints[i] = x;
  }
  return v;
}

ExactValue round_sum(const AccumulatorSpec& accumulator, const ExactValue& acc, const ExactValue& addend) {
  return to_exact(sum_rounded(grid_of(accumulator), from_exact(acc), from_exact(addend)));
}

ExactValue exact_product(const Format& a_format, uint32_t a_code, const Format& b_format, uint32_t b_code) {
  // Two codes of at most 8 bits have at most 16 significant bits between them: a 64-bit dyadic.
  return to_exact(product(from_exact(decode(a_format, a_code)), from_exact(decode(b_format, b_code))));
}

}  // namespace lpc::ref::chip
