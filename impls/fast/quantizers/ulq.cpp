// lpconform fast — ULQ (spec/quantizers.md §5).
//
// How the outputs stay exact without rational arithmetic:
//  * Every finite float is sig·2^(offset + kQuantum) with integers sig, offset >= 0 (kQuantum =
//    -149 for float32, -1074 for float64), so sums of |w|, d, d·|w| and squares are integers in
//    units of 2^kQuantum or 2^(2·kQuantum): a Wide (unsigned multi-limb integer) holds them exactly.
//  * Decisions are first taken on double estimates whose error has a proven bound; a candidate
//    whose estimate lies inside the bound of the decision's threshold is settled on Wide integers.
//  * α = A/D·2^e is rounded once by round_quotient (long division to digits + 3 bits plus a sticky
//    bit, then round to nearest even at the precision's quantum, subnormals included).
#include "impls/fast/quantizers/ulq.hpp"

#include <algorithm>
#include <bit>
#include <cmath>
#include <limits>
#include <numeric>
#include <optional>
#include <string>

namespace lpc::fast {

namespace {

__extension__ typedef unsigned __int128 uint128;

// ---- exact integers ---------------------------------------------------------------------------

// A non-negative integer, little-endian 32-bit limbs, grown as needed.
class Wide {
 public:
  Wide() = default;
  explicit Wide(uint128 v) { add_shifted(v, 0); }

  // += m·2^shift.
  void add_shifted(uint128 m, unsigned shift) {
    const size_t first = shift / 32;
    const unsigned bit = shift % 32;
    if (limbs_.size() < first + 7) limbs_.resize(first + 7, 0);
    uint64_t carry = 0;
    for (size_t j = first; m != 0 || carry != 0; ++j) {
      if (j >= limbs_.size()) limbs_.resize(j + 1, 0);
      const uint64_t piece = static_cast<uint64_t>(static_cast<uint32_t>(m)) << bit;  // < 2^63
      m >>= 32;
      const uint64_t sum = uint64_t{limbs_[j]} + (piece & 0xffffffffu) + carry;
      limbs_[j] = static_cast<uint32_t>(sum);
      carry = (sum >> 32) + (piece >> 32);
    }
  }
  void add(const Wide& other) {
    for (size_t j = 0; j < other.limbs_.size(); ++j)
      if (other.limbs_[j] != 0) add_shifted(other.limbs_[j], static_cast<unsigned>(32 * j));
  }
  // -= other; precondition *this >= other.
  void subtract(const Wide& other) {
    int64_t borrow = 0;
    for (size_t j = 0; j < limbs_.size(); ++j) {
      const int64_t d = int64_t{limbs_[j]} - (j < other.limbs_.size() ? int64_t{other.limbs_[j]} : 0) - borrow;
      borrow = d < 0;
      limbs_[j] = static_cast<uint32_t>(d + (borrow << 32));
    }
  }
  friend Wide operator*(const Wide& a, const Wide& b) {
    Wide out;
    out.limbs_.assign(a.limbs_.size() + b.limbs_.size() + 1, 0);
    for (size_t i = 0; i < a.limbs_.size(); ++i) {
      if (a.limbs_[i] == 0) continue;
      uint64_t carry = 0;
      for (size_t j = 0; j < b.limbs_.size(); ++j) {
        const uint64_t t = uint64_t{a.limbs_[i]} * b.limbs_[j] + out.limbs_[i + j] + carry;
        out.limbs_[i + j] = static_cast<uint32_t>(t);
        carry = t >> 32;
      }
      for (size_t k = i + b.limbs_.size(); carry != 0; ++k) {
        const uint64_t t = uint64_t{out.limbs_[k]} + carry;
        out.limbs_[k] = static_cast<uint32_t>(t);
        carry = t >> 32;
      }
    }
    return out;
  }
  friend int compare(const Wide& a, const Wide& b) {
    for (size_t j = std::max(a.limbs_.size(), b.limbs_.size()); j-- > 0;) {
      const uint32_t x = j < a.limbs_.size() ? a.limbs_[j] : 0, y = j < b.limbs_.size() ? b.limbs_[j] : 0;
      if (x != y) return x < y ? -1 : 1;
    }
    return 0;
  }
  Wide shifted_left(unsigned shift) const {
    Wide out;
    for (size_t j = 0; j < limbs_.size(); ++j)
      if (limbs_[j] != 0) out.add_shifted(limbs_[j], static_cast<unsigned>(32 * j) + shift);
    return out;
  }
  int bit_length() const {
    for (size_t j = limbs_.size(); j-- > 0;)
      if (limbs_[j] != 0) return static_cast<int>(32 * j) + std::bit_width(limbs_[j]);
    return 0;
  }
  bool is_zero() const { return bit_length() == 0; }
  // The top 64 bits as a double and the power of two they stand for: value ≈ mantissa·2^exponent,
  // relative error below 2^-52.
  std::pair<double, int> estimate() const {
    const int length = bit_length();
    const int drop = std::max(length - 64, 0);
    uint64_t top = 0;
    for (int b = length - 1; b >= drop; --b) top = (top << 1) | ((limbs_[b / 32] >> (b % 32)) & 1u);
    return {static_cast<double>(top), drop};
  }
  bool bit(int b) const { return b >= 0 && static_cast<size_t>(b / 32) < limbs_.size() && ((limbs_[b / 32] >> (b % 32)) & 1u); }

 private:
  std::vector<uint32_t> limbs_;
};

// ---- the two precisions -------------------------------------------------------------------------

template <class T>
struct Traits;
template <>
struct Traits<float> {
  using Bits = uint32_t;
  static constexpr int kDigits = 24, kQuantum = -149, kMinExponent = -126;
};
template <>
struct Traits<double> {
  using Bits = uint64_t;
  static constexpr int kDigits = 53, kQuantum = -1074, kMinExponent = -1022;
};

// |v| = sig·2^(offset + kQuantum): the significand with its hidden bit, and the biased exponent
// less one (0 for subnormals and zero).
template <class T>
std::pair<uint64_t, int> decompose(T v) {
  using Bits = typename Traits<T>::Bits;
  constexpr int fraction_bits = Traits<T>::kDigits - 1;
  const Bits bits = std::bit_cast<Bits>(v);
  const int biased = static_cast<int>((bits >> fraction_bits) & ((Bits{1} << (sizeof(T) * 8 - 1 - fraction_bits)) - 1));
  const uint64_t fraction = static_cast<uint64_t>(bits & ((Bits{1} << fraction_bits) - 1));
  if (biased == 0) return {fraction, 0};
  return {fraction | (uint64_t{1} << fraction_bits), biased - 1};
}

// sum += |v| in units of 2^kQuantum.
template <class T>
void add_magnitude(Wide& sum, T v) {
  const auto [sig, offset] = decompose(v);
  sum.add_shifted(sig, static_cast<unsigned>(offset));
}
template <class T>
Wide exact_magnitude(T v) {
  Wide w;
  add_magnitude(w, v);
  return w;
}

// d·|w| in units of 2^(2·kQuantum).
template <class T>
void add_product(Wide& sum, T d, T w) {
  const auto [sd, od] = decompose(d);
  const auto [sw, ow] = decompose(w);
  sum.add_shifted(uint128{sd} * sw, static_cast<unsigned>(od + ow));
}

// RN_T((A / D)·2^exponent), ties to even, subnormals included. Precondition: D > 0 and the value
// is below T's overflow threshold (every caller's value is at most max|w|).
template <class T>
T round_quotient(const Wide& a, const Wide& d, int exponent) {
  constexpr int digits = Traits<T>::kDigits;
  if (a.is_zero()) return T(0);
  // 1. q = floor(A·2^t / D) with digits + 2 <= bitlength(q) <= digits + 4, and a sticky remainder.
  const int t = digits + 3 - (a.bit_length() - d.bit_length());
  Wide numerator = t >= 0 ? a.shifted_left(static_cast<unsigned>(t)) : a;
  const Wide divisor = t >= 0 ? d : d.shifted_left(static_cast<unsigned>(-t));
  uint64_t q = 0;
  for (int b = digits + 4; b >= 0; --b) {
    const Wide step = divisor.shifted_left(static_cast<unsigned>(b));
    if (compare(numerator, step) >= 0) numerator.subtract(step), q |= uint64_t{1} << b;
  }
  const bool sticky = !numerator.is_zero();
  // 2. The value is (q + sticky fraction)·2^e_q; its quantum is 2^max(top - digits + 1, kQuantum).
  const int e_q = exponent - t;
  const int length = std::bit_width(q);
  const int quantum = std::max(length - 1 + e_q, Traits<T>::kMinExponent) - (digits - 1);
  const int shift = quantum - e_q;  // >= 2: q has at least digits + 2 bits, or the value is subnormal
  uint64_t m = 0;
  if (shift == length) {
    m = (q == uint64_t{1} << (shift - 1) && !sticky) ? 0 : 1;  // in [half, 1) quantum: an exact half ties to even 0
  } else if (shift < length) {
    m = q >> shift;
    const uint64_t rest = q & ((uint64_t{1} << shift) - 1), half = uint64_t{1} << (shift - 1);
    if (rest > half || (rest == half && (sticky || (m & 1)))) ++m;
  }  // shift > length: below half a quantum, rounds to 0
  return std::ldexp(static_cast<T>(m), quantum);  // m <= 2^digits: exact
}

template <class T>
T round_quotient(const Wide& a, uint64_t k, int exponent) {
  return round_quotient<T>(a, Wide(k), exponent);
}

// ---- ordering by magnitude --------------------------------------------------------------------

// The sort order of §5.1 — indices by |w| descending, equal |w| by lower index first — and the
// magnitudes in that order: a stable LSD radix sort (11-bit digits) on the complemented magnitude
// bits (float bit patterns order like their magnitudes). Without kWithIndex only the magnitudes
// are sorted (half the memory traffic). Precondition: w.size() < 2^32.
template <class T>
struct MagnitudeOrder {
  std::vector<uint32_t> index;  // empty without kWithIndex
  std::vector<T> magnitude;
};
template <class T, bool kWithIndex>
MagnitudeOrder<T> order_by_magnitude(std::span<const T> w) {
  using Bits = typename Traits<T>::Bits;
  constexpr int kDigit = 11, kBuckets = 1 << kDigit;
  constexpr int kUsedBits = static_cast<int>(sizeof(Bits) * 8) - 1;
  constexpr Bits kMagnitude = ~Bits{0} >> 1;
  const size_t n = w.size();
  std::vector<Bits> key(n), key_out(n);
  std::vector<uint32_t> index(kWithIndex ? n : 0), index_out(kWithIndex ? n : 0);
  for (size_t i = 0; i < n; ++i) key[i] = ~std::bit_cast<Bits>(w[i]) & kMagnitude;
  if constexpr (kWithIndex) std::iota(index.begin(), index.end(), uint32_t{0});
  std::vector<size_t> count(kBuckets);
  for (int shift = 0; shift < kUsedBits; shift += kDigit) {
    std::fill(count.begin(), count.end(), 0);
    for (size_t i = 0; i < n; ++i) ++count[(key[i] >> shift) & (kBuckets - 1)];
    if (std::find(count.begin(), count.end(), n) != count.end()) continue;  // one digit value: order unchanged
    size_t position = 0;
    for (size_t& c : count) position += c, c = position - c;
    for (size_t i = 0; i < n; ++i) {
      const size_t slot = count[(key[i] >> shift) & (kBuckets - 1)]++;
      key_out[slot] = key[i];
      if constexpr (kWithIndex) index_out[slot] = index[i];
    }
    key.swap(key_out);
    index.swap(index_out);
  }
  MagnitudeOrder<T> out{std::move(index), std::vector<T>(n)};
  for (size_t i = 0; i < n; ++i) out.magnitude[i] = std::bit_cast<T>(static_cast<Bits>(~key[i] & kMagnitude));
  return out;
}

// ---- the quantizers -----------------------------------------------------------------------------

constexpr double kUnit = 0x1p-53;  // double's unit roundoff

template <class T>
void fill_sign_codes(UlqResult& r, std::span<const T> w, const std::vector<uint8_t>& support, T alpha) {
  const size_t n = w.size();
  r.scale = alpha;
  r.codes.assign(n, 0);
  r.values.assign(n, 0.0);
  r.support = 0;
  const double magnitude = alpha;
  size_t count = 0;
  for (size_t i = 0; i < n; ++i) {  // branch-free: vectorizes
    const int32_t code = support[i] ? (std::signbit(w[i]) && w[i] != 0 ? -1 : 1) : 0;  // sign(0) := +1
    r.codes[i] = code;
    r.values[i] = code == 0 ? 0.0 : (code < 0 ? -magnitude : magnitude);
    count += support[i];
  }
  r.support = count;
}

// |v|·2^-top in double, top = floor(log2 max|w|), by two exact power-of-two factors (2^-top alone
// overflows for a subnormal float64 max): the estimates below work on numbers at most 1·n, where
// double cannot overflow, and a term that underflows in the first factor is off by at most
// 2^-1075·2^538 = 2^-537 (kTinySlack per term covers it).
struct Scale {
  double first, second;
  explicit Scale(int top) : first(std::ldexp(1.0, -top / 2)), second(std::ldexp(1.0, -top - (-top / 2))) {}
};
constexpr double kTinySlack = 0x1p-500;
template <class T>
double scaled(T v, const Scale& scale) {
  return std::fabs(static_cast<double>(v)) * scale.first * scale.second;
}

// §5.3 the L2-optimal ternary support: k* = argmax_k S_k²/k over the sorted magnitudes, ties to the
// smaller k.
template <class T>
UlqResult ternary_optimal(std::span<const T> w) {
  const std::vector<T> sorted = order_by_magnitude<T, false>(w).magnitude;
  size_t nonzero = w.size();
  while (nonzero > 0 && sorted[nonzero - 1] == 0) --nonzero;
  std::vector<uint8_t> support(w.size(), 0);
  UlqResult r;
  if (nonzero == 0) {
    fill_sign_codes(r, w, support, T(0));
    return r;
  }
  // 1. Estimates: S̃_k sums k positive terms (relative error <= (k-1)u plus the underflow terms),
  //    g̃ = S̃²/k adds two roundings, so |g̃ - g| <= eps·g with eps below.
  const Scale scale(std::ilogb(sorted[0]));
  const double eps = (2.0 * static_cast<double>(nonzero) + 8.0) * kUnit + static_cast<double>(nonzero) * kTinySlack;
  double best = 0, sum = 0;
  for (size_t k = 1; k <= nonzero; ++k) {
    sum += scaled(sorted[k - 1], scale);
    best = std::max(best, sum * sum / static_cast<double>(k));
  }
  // 2. Contenders: every k whose estimate is within the bound of the best could be the argmax.
  const double contender_floor = best * (1.0 - 3.0 * eps);
  std::vector<size_t> contenders;
  sum = 0;
  for (size_t k = 1; k <= nonzero; ++k) {
    sum += scaled(sorted[k - 1], scale);
    if (sum * sum / static_cast<double>(k) >= contender_floor) contenders.push_back(k);
  }
  // 3. Exact prefix sums up to the last contender; S_k²·k_best > S_best²·k replaces the best (a tie
  //    keeps the smaller k).
  Wide exact_sum, best_sum, best_square;
  size_t best_k = 0, next = 0;
  for (size_t k = 1; next < contenders.size(); ++k) {
    add_magnitude(exact_sum, sorted[k - 1]);
    if (contenders[next] != k) continue;
    ++next;
    const Wide square = exact_sum * exact_sum;
    if (best_k == 0 || compare(square * Wide(best_k), best_square * Wide(k)) > 0) best_k = k, best_sum = exact_sum, best_square = square;
  }
  // The support is the first k* of the sort order; as k* never splits equal magnitudes (§5.3), it is
  // {|w| >= the k*-th largest magnitude}.
  const T threshold = sorted[best_k - 1];
  for (size_t i = 0; i < w.size(); ++i) support[i] = std::fabs(w[i]) >= threshold;
  fill_sign_codes(r, w, support, round_quotient<T>(best_sum, best_k, Traits<T>::kQuantum));
  return r;
}

// §5.4 TWN: support |w| > Δ = 0.7·mean|w|, i.e. 10·n·|w| > 7·Σ|w|.
template <class T>
UlqResult ternary_twn(std::span<const T> w) {
  const size_t n = w.size();
  Wide total;
  double estimate = 0, largest = 0;
  for (T v : w) {
    add_magnitude(total, v);
    largest = std::max(largest, std::fabs(static_cast<double>(v)));
  }
  std::vector<uint8_t> support(n, 0);
  UlqResult r;
  if (largest == 0) {
    fill_sign_codes(r, w, support, T(0));
    return r;
  }
  const Scale scale(std::ilogb(largest));
  for (T v : w) estimate += scaled(v, scale);
  // Δ̃ = 0.7·S̃/n: relative error <= (n + 4)u, plus n·kTinySlack absolute from scaled underflow.
  const double delta = 0.7 * estimate / static_cast<double>(n);
  const double slack = delta * (static_cast<double>(n) + 8.0) * kUnit * 2.0 + static_cast<double>(n) * kTinySlack;
  const Wide seven_total = total * Wide(7);
  Wide support_sum;
  size_t count = 0;
  for (size_t i = 0; i < n; ++i) {
    const double a = scaled(w[i], scale);
    bool in = a > delta;
    if (std::fabs(a - delta) <= slack) in = compare(exact_magnitude(w[i]) * Wide(uint128{10} * n), seven_total) > 0;
    if (!in) continue;
    support[i] = 1;
    ++count;
    add_magnitude(support_sum, w[i]);
  }
  fill_sign_codes(r, w, support, round_quotient<T>(support_sum, count, Traits<T>::kQuantum));
  return r;
}

// Σ d·|w| (units 2^(2·kQuantum)) and Σ d (units 2^kQuantum) over the support (all when null).
template <class T>
std::pair<Wide, Wide> weighted_sums(std::span<const T> w, std::span<const T> d, const std::vector<uint8_t>* support) {
  Wide numerator, denominator;
  for (size_t i = 0; i < w.size(); ++i) {
    if (support && !(*support)[i]) continue;
    add_product(numerator, d[i], w[i]);
    add_magnitude(denominator, d[i]);
  }
  return {numerator, denominator};
}

// An estimate of (A/D)·2^kQuantum in double (relative error below 2^-50; A/D <= max|w|).
template <class T>
double estimate_ratio(const Wide& a, const Wide& d) {
  const auto [ma, ea] = a.estimate();
  const auto [md, ed] = d.estimate();
  return std::ldexp(ma / md, ea - ed + Traits<T>::kQuantum);
}

// §5.5 LAQ: the fixed-point iteration of the reference, with each threshold test |w| > α/2 decided
// on the estimate unless it falls within the estimate's error, then on 2·|w|·D vs A exactly.
template <class T>
UlqResult laq(std::span<const T> w, std::span<const T> d) {
  auto [a, den] = weighted_sums(w, d, nullptr);
  std::vector<uint8_t> support(w.size(), 0);
  UlqResult r;
  r.converged = false;
  for (int t = 0; t < kLaqIterationCap; ++t) {
    const double half = estimate_ratio<T>(a, den) / 2;
    const double slack = half * 0x1p-48 + 0x1p-1070;
    for (size_t i = 0; i < w.size(); ++i) {
      const double m = std::fabs(static_cast<double>(w[i]));
      bool in = m > half;
      if (std::fabs(m - half) <= slack) in = compare((exact_magnitude(w[i]) * den).shifted_left(1), a) > 0;
      support[i] = in;
    }
    auto [next_a, next_den] = weighted_sums(w, d, &support);
    r.iterations = t + 1;
    const bool empty = next_den.is_zero();
    const bool fixed = !empty && compare(next_a * den, a * next_den) == 0;  // α_{t+1} == α_t
    a = std::move(next_a);
    den = std::move(next_den);
    if (fixed || empty) {
      r.converged = true;
      break;
    }
  }
  const int iterations = r.iterations;
  const bool converged = r.converged;
  fill_sign_codes(r, w, support, den.is_zero() ? T(0) : round_quotient<T>(a, den, Traits<T>::kQuantum));
  r.iterations = iterations;
  r.converged = converged;
  return r;
}

// §5.6 INQ levels. With |w| = s·2^e (s in [1, 2)), the nearest power of two is 2^e for s < 1.5 and
// 2^(e+1) for s >= 1.5 (the midpoint 1.5·2^e ties up); below 2^(n2-1) the nearest level is 0.
template <class T>
UlqResult power_of_two(const UlqParams& p, std::span<const T> w) {
  UlqResult r;
  r.codes.assign(w.size(), 0);
  r.values.assign(w.size(), 0.0);
  T largest = 0;
  for (T v : w) largest = std::max(largest, std::fabs(v));
  if (largest == 0) return r;
  const auto nearest_exponent = [](T a) {
    const int e = std::ilogb(a);
    return e + (std::ldexp(a, -e) >= T(1.5) ? 1 : 0);
  };
  const int n1 = std::min(nearest_exponent(largest), std::numeric_limits<T>::max_exponent - 1);  // floor(log2(4·max/3)), capped so 2^n1 is a T
  const int n2 = n1 + 1 - (1 << (p.bits - 2));
  r.n1 = n1;
  r.scale = std::ldexp(T(1), n1);
  for (size_t i = 0; i < w.size(); ++i) {
    const T a = std::fabs(w[i]);
    if (a == 0 || std::ilogb(a) < n2 - 1) continue;
    const int level = std::clamp(nearest_exponent(a), n2, n1);
    const int sign = std::signbit(w[i]) ? -1 : 1;
    r.codes[i] = sign * (n1 - level + 1);
    r.values[i] = sign * static_cast<double>(std::ldexp(T(1), level));  // ldexp rounds 2^level like R_p
    ++r.support;
  }
  return r;
}

// §5.8 the activation quantizer at one β, in T with the spec's order of operations.
template <class T>
void activation_at(std::span<const T> x, T beta, int bits, std::vector<int32_t>& codes, std::vector<T>& values) {
  const T levels = static_cast<T>((1 << bits) - 1);
  const T step = beta / levels;  // R(β / L)
  for (size_t i = 0; i < x.size(); ++i) {
    const T clipped = std::min(std::max(x[i], T(0)), beta);
    const T code = std::min(std::nearbyint(clipped * levels / beta), levels);  // R(R(L·c) / β), RNE
    codes[i] = static_cast<int32_t>(code);
    values[i] = step * code + T(0);  // + 0: a zero code gives +0
  }
}

// The signed exact difference v - x (units 2^kQuantum) as a magnitude and a sign.
template <class T>
std::pair<Wide, bool> exact_difference(T v, T x) {
  Wide vm = exact_magnitude(v), xm = exact_magnitude(x);  // v >= 0
  if (x <= 0) {
    vm.add(xm);
    return {vm, false};
  }
  if (compare(vm, xm) >= 0) {
    vm.subtract(xm);
    return {vm, false};
  }
  xm.subtract(vm);
  return {xm, true};
}

// The exact error of §5.8 (units 2^(2·kQuantum)).
template <class T>
Wide exact_error(UlqCriterion criterion, std::span<const T> x, std::span<const T> g, const std::vector<T>& values) {
  Wide positive, negative;
  for (size_t i = 0; i < x.size(); ++i) {
    const auto [difference, is_negative] = exact_difference(values[i], x[i]);
    if (criterion == UlqCriterion::Mse) {
      positive.add(difference * difference);
    } else {
      const Wide term = difference * exact_magnitude(g[i]);
      ((is_negative != std::signbit(g[i])) ? negative : positive).add(term);
    }
  }
  if (compare(positive, negative) < 0) std::swap(positive, negative);
  positive.subtract(negative);
  return positive;
}

template <class T>
UlqResult activation(const UlqParams& p, std::span<const T> x, std::span<const T> g) {
  const size_t n = x.size();
  std::vector<int32_t> codes(n);
  std::vector<T> values(n);
  // 1. Estimates of each candidate's error and of its bound: MSE terms are non-negative (relative
  //    error <= (n + 4)u); the proxy's bound is (n + 4)u·Σ|g·(v - x)|. Both absolute 2^-1000·n.
  struct Estimate {
    double error, bound;
  };
  std::vector<Estimate> estimates;
  const double relative = (static_cast<double>(n) + 4.0) * kUnit * 2.0;
  for (double beta : p.betas) {
    activation_at(x, static_cast<T>(beta), p.bits, codes, values);
    double error = 0, magnitude = 0;
    for (size_t i = 0; i < n; ++i) {
      const double difference = static_cast<double>(values[i]) - static_cast<double>(x[i]);
      const double term = p.criterion == UlqCriterion::Mse ? difference * difference : static_cast<double>(g[i]) * difference;
      error += term;
      magnitude += std::fabs(term);
    }
    estimates.push_back({std::fabs(error), relative * magnitude + static_cast<double>(n) * 0x1p-1000});
  }
  // 2. Contenders: candidates whose error could be the smallest; settled exactly when several.
  size_t best = 0;
  for (size_t c = 1; c < estimates.size(); ++c)
    if (estimates[c].error + estimates[c].bound < estimates[best].error + estimates[best].bound) best = c;
  const double ceiling = estimates[best].error + estimates[best].bound;
  std::vector<size_t> contenders;
  for (size_t c = 0; c < estimates.size(); ++c)
    if (!(estimates[c].error - estimates[c].bound > ceiling)) contenders.push_back(c);  // (NaN/inf estimates stay in)
  size_t chosen = contenders[0];
  if (contenders.size() > 1) {
    std::optional<Wide> best_error;
    for (size_t c : contenders) {
      activation_at(x, static_cast<T>(p.betas[c]), p.bits, codes, values);
      Wide error = exact_error(p.criterion, x, g, values);
      const int order = best_error ? compare(error, *best_error) : -1;
      if (order < 0 || (order == 0 && p.betas[c] < p.betas[chosen])) chosen = c, best_error = std::move(error);
    }
  }
  activation_at(x, static_cast<T>(p.betas[chosen]), p.bits, codes, values);
  UlqResult r;
  r.codes = std::move(codes);
  r.values.assign(values.begin(), values.end());
  r.scale = p.betas[chosen];
  r.support = static_cast<size_t>(std::count_if(r.codes.begin(), r.codes.end(), [](int32_t c) { return c != 0; }));
  return r;
}

template <class T>
UlqOutcome quantize(const UlqParams& p, std::span<const T> w, std::span<const T> d, std::span<const T> g) {
  UlqOutcome out;
  if (auto e = ulq_params_error(p)) return out.error = *e, out;
  if (auto e = ulq_input_error(p, w, d, g, out.error_index)) return out.error = *e, out;
  switch (p.method) {
    case UlqMethod::Binary: {  // §5.2 α = Σ|w| / n
      Wide total;
      for (T v : w) add_magnitude(total, v);
      fill_sign_codes(out.result, w, std::vector<uint8_t>(w.size(), 1), round_quotient<T>(total, w.size(), Traits<T>::kQuantum));
      break;
    }
    case UlqMethod::Lab: {  // §5.5 α = Σd|w| / Σd
      const auto [a, den] = weighted_sums(w, d, nullptr);
      fill_sign_codes(out.result, w, std::vector<uint8_t>(w.size(), 1), round_quotient<T>(a, den, Traits<T>::kQuantum));
      break;
    }
    case UlqMethod::Ternary: out.result = ternary_optimal(w); break;
    case UlqMethod::TernaryTwn: out.result = ternary_twn(w); break;
    case UlqMethod::Laq: out.result = laq(w, d); break;
    case UlqMethod::Pow2: out.result = power_of_two(p, w); break;
    case UlqMethod::Activation: out.result = activation(p, w, g); break;
  }
  out.ok = true;
  return out;
}

std::vector<float> to_float(std::span<const double> v) { return {v.begin(), v.end()}; }

// ceil(σ·n) exactly: σ = m·2^e with an integer m < 2^53.
size_t ceil_fraction(double sigma, size_t n) {
  int e = 0;
  const double fraction = std::frexp(sigma, &e);
  const auto m = static_cast<uint64_t>(std::ldexp(fraction, 53));
  const int shift = 53 - e;  // σ·n = m·n / 2^shift, shift >= 53
  if (shift >= 127) return m != 0 && n != 0 ? 1 : 0;
  const uint128 product = uint128{m} * n;
  return static_cast<size_t>((product >> shift) + ((product & ((uint128{1} << shift) - 1)) != 0));
}

}  // namespace

UlqOutcome ulq_quantize(const UlqParams& p, std::span<const double> w, std::span<const double> curvature, std::span<const double> gradient) {
  if (p.precision == UlqPrecision::Float64) return quantize<double>(p, w, curvature, gradient);
  UlqOutcome out;
  if (auto e = ulq_params_error(p)) return out.error = *e, out;
  if (auto e = ulq_input_error(p, w, curvature, gradient, out.error_index)) return out.error = *e, out;  // before narrowing
  const std::vector<float> wf = to_float(w), df = to_float(curvature), gf = to_float(gradient);
  return quantize<float>(p, wf, df, gf);
}

UlqOutcome ulq_quantize(const UlqParams& p, std::span<const float> w, std::span<const float> curvature, std::span<const float> gradient) {
  if (p.precision != UlqPrecision::Float32) return {false, {}, 0, "the float32 entry point needs precision float32"};
  return quantize<float>(p, w, curvature, gradient);
}

std::vector<uint8_t> ulq_partition_next(std::span<const double> w, std::span<const uint8_t> frozen, size_t count) {
  std::vector<uint8_t> next(frozen.begin(), frozen.end());
  size_t already = static_cast<size_t>(std::count(frozen.begin(), frozen.end(), uint8_t{1}));
  for (uint32_t i : order_by_magnitude<double, true>(w).index) {
    if (already >= count) break;
    if (!next[i]) next[i] = 1, ++already;
  }
  return next;
}

std::vector<int> ulq_partition_steps(std::span<const double> w, std::span<const double> ratios) {
  const std::vector<uint32_t> order = order_by_magnitude<double, true>(w).index;
  std::vector<int> step(w.size(), 0);
  size_t rank = 0;
  for (size_t j = 0; j < ratios.size(); ++j)
    for (const size_t count = std::min(ceil_fraction(ratios[j], w.size()), w.size()); rank < count; ++rank) step[order[rank]] = static_cast<int>(j + 1);
  return step;
}

double ulq_loss_error(std::span<const double> w, std::span<const double> w_hat, std::span<const double> gradient, double lambda) {
  long double inner = 0, squares = 0;
  for (size_t i = 0; i < w.size(); ++i) {
    const long double difference = static_cast<long double>(w_hat[i]) - w[i];
    inner += static_cast<long double>(gradient[i]) * difference;
    squares += difference * difference;
  }
  return static_cast<double>(std::fabs(inner) + lambda * squares);
}

}  // namespace lpc::fast
