// lpconform fast — AdaComp (adacomp.hpp), spec/codecs.md §1.2 (declared float32), §1.4 (message),
// §1.5 (decoding).
//
// Why the bit tricks are right: for finite or infinite float32 values with the sign bit cleared,
// the order of the bits as integers is the order of the magnitudes, so the bin maximum |G| and the
// comparison |H| >= gmax run on integers (the bits of |x| are x's bits & 0x7fffffff); a NaN or an
// infinity has bits >= 0x7f800000, which is how one comparison per bin finds a non-finite input or
// an overflowed G (the error path then rescans in the spec's order). Every float operation below
// is one of §1.2's, in its order (no FMA: -ffp-contract=off).
#include "impls/fast/codecs/adacomp.hpp"
#include "impls/fast/codecs/residual.hpp"

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstring>

#include <immintrin.h>

namespace lpc::fast {

namespace {

static_assert(std::endian::native == std::endian::little, "the message is little-endian and is copied as such");

constexpr uint32_t kAbs = 0x7fffffffu;
constexpr uint32_t kInfBits = 0x7f800000u;

uint32_t bits_of(float x) { return std::bit_cast<uint32_t>(x); }

// The selected elements of a layer, in index order, and their signs (1: negative).
struct Selection {
  std::vector<uint32_t> index;
  std::vector<uint8_t> negative;
  size_t count = 0;
  void make_room(size_t more) {
    if (count + more <= index.size()) return;
    const size_t size = std::max(count + more, 2 * index.size());
    index.resize(size);
    negative.resize(size);
  }
};

// ---- one bin: G and its maximum |G|, then the selection ------------------------------------------

uint32_t sum_max_scalar(const float* r, const float* d, float* g, size_t len) {
  uint32_t m = 0;
  for (size_t i = 0; i < len; ++i) {
    g[i] = r[i] + d[i];
    m = std::max(m, bits_of(g[i]) & kAbs);
  }
  return m;
}

// `mxnet`: MXNet's rule (spec/codecs.md §1.6), where G_i = 0 may be selected.
void select_scalar(const float* g, const float* d, size_t len, uint32_t m, uint32_t base, bool mxnet, Selection& s) {
  for (size_t i = 0; i < len; ++i) {
    const float h = g[i] + d[i];
    if ((mxnet || (bits_of(g[i]) & kAbs) != 0) && (bits_of(h) & kAbs) >= m) s.index[s.count++] = base + static_cast<uint32_t>(i);
  }
}

// Lanes 0 .. k-1 of eight (k <= 8): the tail of a bin, loaded and stored under this mask (masked
// loads never fault past the end).
__attribute__((target("avx2"))) inline __m256i first_lanes(size_t k) {
  return _mm256_cmpgt_epi32(_mm256_set1_epi32(static_cast<int>(k)), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
}

__attribute__((target("avx2"))) uint32_t sum_max_avx2(const float* r, const float* d, float* g, size_t len) {
  const __m256i abs_mask = _mm256_set1_epi32(static_cast<int>(kAbs));
  __m256i m0 = _mm256_setzero_si256(), m1 = _mm256_setzero_si256();
  size_t i = 0;
  for (; i + 16 <= len; i += 16) {
    const __m256 a = _mm256_add_ps(_mm256_loadu_ps(r + i), _mm256_loadu_ps(d + i));
    const __m256 b = _mm256_add_ps(_mm256_loadu_ps(r + i + 8), _mm256_loadu_ps(d + i + 8));
    _mm256_storeu_ps(g + i, a);
    _mm256_storeu_ps(g + i + 8, b);
    m0 = _mm256_max_epu32(m0, _mm256_and_si256(_mm256_castps_si256(a), abs_mask));
    m1 = _mm256_max_epu32(m1, _mm256_and_si256(_mm256_castps_si256(b), abs_mask));
  }
  for (; i < len; i += 8) {  // the last 1..15: one or two vectors, the last masked (masked-off lanes add 0 + 0)
    const __m256i lanes = first_lanes(std::min<size_t>(8, len - i));
    const __m256 a = _mm256_add_ps(_mm256_maskload_ps(r + i, lanes), _mm256_maskload_ps(d + i, lanes));
    _mm256_maskstore_ps(g + i, lanes, a);
    m0 = _mm256_max_epu32(m0, _mm256_and_si256(_mm256_castps_si256(a), abs_mask));
  }
  __m256i m8 = _mm256_max_epu32(m0, m1);
  __m128i m4 = _mm_max_epu32(_mm256_castsi256_si128(m8), _mm256_extracti128_si256(m8, 1));
  m4 = _mm_max_epu32(m4, _mm_shuffle_epi32(m4, 0x4e));
  m4 = _mm_max_epu32(m4, _mm_shuffle_epi32(m4, 0xb1));
  return static_cast<uint32_t>(_mm_cvtsi128_si32(m4));
}

// The lanes of each 8-bit mask, packed to the front: byte k of kCompact[mask] is the lane of the
// k-th set bit (the rest 0). A permutation by it stores the selected indices without a branch.
struct CompactTable {
  uint64_t lanes[256];
  CompactTable() {
    for (uint32_t mask = 0; mask < 256; ++mask) {
      uint64_t packed = 0;
      int k = 0;
      for (int lane = 0; lane < 8; ++lane)
        if ((mask >> lane) & 1) packed |= uint64_t(lane) << (8 * k++);
      lanes[mask] = packed;
    }
  }
};
const CompactTable kCompact;

template <bool mxnet>
__attribute__((target("avx2"))) void select_avx2(const float* g, const float* d, size_t len, uint32_t m, uint32_t base, Selection& s) {
  const __m256i abs_mask = _mm256_set1_epi32(static_cast<int>(kAbs));
  const __m256i threshold = _mm256_set1_epi32(static_cast<int>(m));  // m <= 0x7f7fffff: a positive int32
  const __m256i zero = _mm256_setzero_si256();
  const __m256i iota = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
  uint32_t* out = s.index.data();
  size_t count = s.count;
  for (size_t i = 0; i < len; i += 8) {
    const size_t k = std::min<size_t>(8, len - i);
    const __m256i lanes = first_lanes(k);
    const __m256 gv = _mm256_maskload_ps(g + i, lanes);  // masked-off lanes read as +0: never selected
    const __m256i h = _mm256_and_si256(_mm256_castps_si256(_mm256_add_ps(gv, _mm256_maskload_ps(d + i, lanes))), abs_mask);
    const __m256i ga = _mm256_and_si256(_mm256_castps_si256(gv), abs_mask);
    // rejected: m > |H| (signed compare: every operand is below 2^31), or G = ±0
    // MXNet's rule has no "G ≠ 0" test, so there the lanes past the bin (read as +0) are masked off;
    // the suite's rule rejects them as zeros.
    const __m256i below = _mm256_cmpgt_epi32(threshold, h);
    const __m256i rejected = mxnet ? below : _mm256_or_si256(below, _mm256_cmpeq_epi32(ga, zero));
    const uint32_t keep = ~static_cast<uint32_t>(_mm256_movemask_ps(_mm256_castsi256_ps(rejected))) & (mxnet ? (1u << k) - 1 : 0xffu);
    // Eight indices stored, the selected ones first; the count moves past them only.
    const __m256i order = _mm256_cvtepu8_epi32(_mm_cvtsi64_si128(static_cast<long long>(kCompact.lanes[keep])));
    const __m256i index = _mm256_add_epi32(_mm256_set1_epi32(static_cast<int>(base + i)), iota);
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(out + count), _mm256_permutevar8x32_epi32(index, order));
    count += static_cast<size_t>(std::popcount(keep));
  }
  s.count = count;
}

const bool kAvx2 = __builtin_cpu_supports("avx2");

// The error of §1.2 the step hits, rescanned in the spec's order (the fast pass only knows that one
// occurred). Precondition: one did.
std::string first_error(const AdacompParams& p, std::span<const float> r, std::span<const float> d) {
  if (auto e = residual_inputs_error(r, d)) return *e;
  float s = 0;
  for (size_t b = 0, start = 0; start < r.size(); ++b, start += p.bin) {
    float m = 0;
    for (size_t i = start; i < std::min(r.size(), start + p.bin); ++i) m = std::max(m, std::fabs(r[i] + d[i]));
    s += m;
    if (std::isinf(s)) return "the sum of the bin maxima overflows float32 at bin " + std::to_string(b);
  }
  return "unknown error";  // unreachable under the precondition
}

// ---- the message ---------------------------------------------------------------------------------

void store_u32(uint8_t* at, uint32_t v) { std::memcpy(at, &v, 4); }
uint32_t load_u32(const uint8_t* at) {
  uint32_t v;
  std::memcpy(&v, at, 4);
  return v;
}

void encode(const AdacompParams& p, uint64_t n, float scale, const Selection& s, std::vector<uint8_t>& out) {
  const size_t c = s.count;
  out.assign(kAdacompHeaderBytes, 0);
  store_u32(out.data(), static_cast<uint32_t>(c));
  store_u32(out.data() + 4, bits_of(scale));
  if (p.layout == AdacompLayout::Index32) {
    out.resize(adacomp_message_bytes(p, n, c), 0);
    if (c) std::memcpy(out.data() + 8, s.index.data(), 4 * c);  // an empty selection may hold no buffer at all
    uint8_t* signs = out.data() + 8 + 4 * c;
    for (size_t j = 0; j < c; ++j) signs[j / 8] |= static_cast<uint8_t>(s.negative[j] << (j % 8));
    return;
  }
  // Binned: per bin k ones, a zero, then k entries (offset | sign << w), w + 1 <= 25 bits each; the
  // bits gather in a 64-bit word and leave 32 at a time into the buffer sized beforehand (+ 8 slack).
  const size_t size = adacomp_message_bytes(p, n, c);
  out.resize(size + 8, 0);
  uint8_t* at = out.data() + kAdacompHeaderBytes;
  const int w = adacomp_offset_bits(p);
  uint64_t acc = 0;
  int filled = 0;
  auto put = [&](uint64_t v, int k) {  // k <= 32
    acc |= v << filled;
    filled += k;
    if (filled >= 32) {
      const uint32_t word = static_cast<uint32_t>(acc);
      std::memcpy(at, &word, 4);
      at += 4;
      acc >>= 32;
      filled -= 32;
    }
  };
  size_t j = 0;
  const uint64_t nb = adacomp_bins(p, n);
  const uint32_t* index = s.index.data();
  for (uint64_t b = 0, start = 0; b < nb; ++b, start += p.bin) {
    const uint64_t end = std::min<uint64_t>(n, start + p.bin);
    size_t k = j;
    while (k < c && index[k] < end) ++k;
    uint64_t run = k - j;
    for (; run >= 31; run -= 31) put(0x7fffffffu, 31);
    put((uint64_t{1} << run) - 1, static_cast<int>(run) + 1);  // the rest of the ones and the zero
    for (; j < k; ++j) put((index[j] - start) | (uint64_t{s.negative[j]} << w), w + 1);
  }
  const uint64_t last = acc;
  std::memcpy(at, &last, 8);  // the remaining < 32 bits (the slack absorbs the rest)
  out.resize(size);
}

// ---- decoding ------------------------------------------------------------------------------------

AdacompDecodeError rejection(uint64_t offset, const std::string& why) { return {offset, "byte offset " + std::to_string(offset) + ": " + why}; }

// The payload bits (from byte 8) of a message, read least significant first, never past its end.
class BitReader {
 public:
  BitReader(const uint8_t* payload, uint64_t bytes) : p_(payload), bytes_(bytes), total_(bytes * 8) {}
  uint64_t position() const { return pos_; }
  uint64_t remaining() const { return total_ - pos_; }
  // The next min(57, remaining) bits (the rest 0), not consumed.
  uint64_t peek() const {
    const uint64_t byte = pos_ / 8;
    uint64_t v = 0;
    if (byte + 8 <= bytes_) {
      std::memcpy(&v, p_ + byte, 8);
    } else {
      for (uint64_t k = 0; byte + k < bytes_; ++k) v |= uint64_t{p_[byte + k]} << (8 * k);
    }
    v >>= pos_ % 8;
    return v & ((uint64_t{1} << std::min<uint64_t>(57, remaining())) - 1);
  }
  void skip(uint64_t k) { pos_ += k; }

 private:
  const uint8_t* p_;
  uint64_t bytes_, total_, pos_ = 0;
};

std::optional<AdacompDecodeError> decode_index32(uint64_t n, std::span<const uint8_t> msg, uint64_t c, float scale, std::span<float> u) {
  const uint64_t m = msg.size(), size = adacomp_message_bytes({1, AdacompLayout::Index32}, n, c);
  if (m < size) return rejection(m, "truncated: " + std::to_string(m) + " bytes, " + std::to_string(c) + " entries need " + std::to_string(size));
  if (m > size) return rejection(size, "trailing bytes after the " + std::to_string(size) + " of " + std::to_string(c) + " entries");
  std::fill(u.begin(), u.end(), 0.0f);
  const uint8_t* indices = msg.data() + 8;
  const uint8_t* signs = indices + 4 * c;
  const float negative = -scale;
  uint64_t previous = 0;
  for (uint64_t j = 0; j < c; ++j) {
    const uint64_t index = load_u32(indices + 4 * j);
    if (index >= n || (j > 0 && index <= previous)) {
      return rejection(8 + 4 * j, index >= n ? "index " + std::to_string(index) + " outside the layer's " + std::to_string(n) + " elements"
                                             : "index " + std::to_string(index) + " not above the previous one");
    }
    previous = index;
    u[index] = (signs[j / 8] >> (j % 8)) & 1 ? negative : scale;
  }
  if (c % 8 != 0 && (signs[c / 8] >> (c % 8)) != 0) return rejection(m - 1, "unused sign bits are not zero");
  return std::nullopt;
}

std::optional<AdacompDecodeError> decode_binned(const AdacompParams& p, uint64_t n, std::span<const uint8_t> msg, uint64_t c, float scale,
                                                std::span<float> u) {
  const uint64_t m = msg.size();
  std::fill(u.begin(), u.end(), 0.0f);
  BitReader in(msg.data() + 8, m - 8);
  const int w = adacomp_offset_bits(p);
  const uint64_t offset_mask = (uint64_t{1} << w) - 1;
  const float negative = -scale;
  uint64_t total = 0;
  auto at = [&](uint64_t bit) { return 8 + bit / 8; };
  for (uint64_t start = 0; start < n; start += p.bin) {
    const uint64_t length = std::min<uint64_t>(n - start, p.bin);
    // The unary count: ones up to the first zero.
    uint64_t k = 0;
    for (;;) {
      const uint64_t avail = std::min<uint64_t>(57, in.remaining());
      if (avail == 0) return rejection(m, "truncated in the count of the bin at element " + std::to_string(start));
      const uint64_t ones = std::min<uint64_t>(static_cast<uint64_t>(std::countr_one(in.peek())), avail);
      if (k + ones > length)
        return rejection(at(in.position() + (length - k)), "the bin at element " + std::to_string(start) + " holds more than its " + std::to_string(length) + " elements");
      k += ones;
      if (ones < avail) {
        in.skip(ones + 1);
        break;
      }
      in.skip(ones);
    }
    uint64_t previous = 0;
    for (uint64_t e = 0; e < k; ++e) {
      const uint64_t first = in.position();
      if (in.remaining() < static_cast<uint64_t>(w) + 1) return rejection(m, "truncated in an entry of the bin at element " + std::to_string(start));
      const uint64_t entry = in.peek();
      in.skip(static_cast<uint64_t>(w) + 1);
      const uint64_t offset = entry & offset_mask;
      if (offset >= length) return rejection(at(first), "offset " + std::to_string(offset) + " outside the bin at element " + std::to_string(start));
      if (e > 0 && offset <= previous)
        return rejection(at(first), "offset " + std::to_string(offset) + " not above the previous one in the bin at element " + std::to_string(start));
      previous = offset;
      u[start + offset] = (entry >> w) & 1 ? negative : scale;
    }
    total += k;
  }
  const uint64_t end = in.position();
  if (end % 8 != 0 && (msg[8 + end / 8] >> (end % 8)) != 0) return rejection(8 + end / 8, "unused bits of the last byte are not zero");
  const uint64_t size = 8 + (end + 7) / 8;
  if (m > size) return rejection(size, "trailing bytes after the " + std::to_string(size) + " of the bit stream");
  if (total != c) return rejection(0, "count " + std::to_string(c) + " disagrees with the " + std::to_string(total) + " entries of the bit stream");
  return std::nullopt;
}

}  // namespace

std::optional<std::string> adacomp_compress(const AdacompParams& p, std::span<const float> residue, std::span<const float> gradient,
                                            std::span<float> next_residue, std::span<float> update, std::vector<uint8_t>& message,
                                            AdacompSummary* summary) {
  const size_t n = residue.size();
  if (auto e = adacomp_params_error(p, n)) return e;
  thread_local Selection s;
  s.count = 0;
  const float* r = residue.data();
  const float* d = gradient.data();
  float* g = next_residue.data();
  // Steps 1-5, bin by bin: G (stored as the next residue), gmax_b, the selection, s_{b+1} = s_b ⊕ gmax_b.
  const bool mxnet = p.zero == AdacompZeroRule::Mxnet;
  float sum = 0;
  bool failed = false;
  for (size_t start = 0; start < n; start += p.bin) {
    const size_t len = std::min<size_t>(p.bin, n - start);
    const uint32_t m = kAvx2 ? sum_max_avx2(r + start, d + start, g + start, len) : sum_max_scalar(r + start, d + start, g + start, len);
    if (m >= kInfBits) {
      failed = true;  // a non-finite input or an overflowed G
      break;
    }
    sum += std::bit_cast<float>(m);
    if (m == 0 && !mxnet) continue;  // an all-zero bin selects nothing
    s.make_room(len + 8);  // the vector path stores 8 indices at a time
    if (kAvx2) (mxnet ? select_avx2<true> : select_avx2<false>)(g + start, d + start, len, m, static_cast<uint32_t>(start), s);
    else select_scalar(g + start, d + start, len, m, static_cast<uint32_t>(start), mxnet, s);
  }
  if (failed || std::isinf(sum)) return first_error(p, residue, gradient);
  const float scale = sum / static_cast<float>(adacomp_bins(p, n));  // nb <= 2^24: exact in float32
  // Steps 6-7 for the selected elements (the others: Gq = +0, R' = G already stored).
  // Gq_i = sign(G_i)·scale (−0 for a negative G when scale is +0).
  if (!update.empty()) std::fill(update.begin(), update.end(), 0.0f);
  for (size_t j = 0; j < s.count; ++j) {
    const uint32_t i = s.index[j];
    const uint32_t negative = mxnet ? static_cast<uint32_t>(!(g[i] > 0)) : bits_of(g[i]) >> 31;  // MXNet's sign bit is G_i > 0
    const float q = std::bit_cast<float>(bits_of(scale) | negative << 31);  // without a branch on the sign
    s.negative[j] = static_cast<uint8_t>(negative);
    g[i] = g[i] - q;
    if (!update.empty()) update[i] = q;
  }
  encode(p, n, scale, s, message);
  if (summary) *summary = {static_cast<uint32_t>(s.count), scale};
  return std::nullopt;
}

std::optional<AdacompDecodeError> adacomp_decode(const AdacompParams& p, std::span<const uint8_t> message, std::span<float> update) {
  const uint64_t n = update.size(), m = message.size();
  if (m < 8) return rejection(m, "truncated header: " + std::to_string(m) + " bytes, the header is 8");
  const uint64_t c = load_u32(message.data());
  if (c > n) return rejection(0, "count " + std::to_string(c) + " exceeds the layer's " + std::to_string(n) + " elements");
  const float scale = std::bit_cast<float>(load_u32(message.data() + 4));
  if (!std::isfinite(scale) || std::signbit(scale)) return rejection(4, "scale is not a finite non-negative float32");
  return p.layout == AdacompLayout::Index32 ? decode_index32(n, message, c, scale, update) : decode_binned(p, n, message, c, scale, update);
}

}  // namespace lpc::fast
