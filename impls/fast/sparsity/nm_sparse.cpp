// lpconform fast — N:M fine-grained sparsity (nm_sparse.hpp).
#include "impls/fast/sparsity/nm_sparse.hpp"

#include <algorithm>
#include <array>
#include <bit>
#include <cstring>
#include <type_traits>

#if defined(__x86_64__)
#include <immintrin.h>
#endif

namespace lpc::fast {

namespace {

__extension__ typedef unsigned __int128 uint128;

// ---- 2:4 tables ------------------------------------------------------------------------------------

// The kept positions of a group from its nonzero mask (bit t: element t is nonzero): the nonzeros,
// filled up with the lowest free positions (§2.4). `nonzeros` > 2 marks a non-conforming group.
struct Pick {
  uint8_t nibble = 0, first = 0, second = 0, nonzeros = 0;
};

constexpr std::array<Pick, 16> make_picks() {
  std::array<Pick, 16> picks{};
  for (unsigned mask = 0; mask < 16; ++mask) {
    unsigned chosen = mask, count = 0;
    for (unsigned t = 0; t < 4; ++t) count += mask >> t & 1;
    for (unsigned t = 0, have = count; t < 4 && have < 2; ++t)
      if (!(chosen >> t & 1)) chosen |= 1u << t, ++have;
    unsigned kept[4] = {}, n = 0;
    for (unsigned t = 0; t < 4; ++t)
      if (chosen >> t & 1) kept[n++] = t;
    picks[mask] = {static_cast<uint8_t>(kept[0] | kept[1] << 2), static_cast<uint8_t>(kept[0]), static_cast<uint8_t>(kept[1]), static_cast<uint8_t>(count)};
  }
  return picks;
}
constexpr std::array<Pick, 16> kPicks = make_picks();

// Eight 2:4 nibbles at once: bit 4j+2 of the result is set iff nibble j's idx1 > idx0 (§2.2).
// Per nibble (4 + idx1) - idx0 - 1 lies in [0, 6], so no borrow crosses a nibble.
inline uint32_t valid_nibbles(uint32_t word) {
  const uint32_t lo = word & 0x33333333u, hi = word >> 2 & 0x33333333u;
  return ((hi | 0x44444444u) - lo - 0x11111111u) & 0x44444444u;
}

std::string columns_text(NmPattern p, size_t g) { return "columns " + std::to_string(g * p.m) + ".." + std::to_string(g * p.m + p.m - 1); }

std::string too_many(NmPattern p, size_t row, size_t g, unsigned count) {
  return "row " + std::to_string(row) + ", group " + std::to_string(g) + " (" + columns_text(p, g) + ") holds " + std::to_string(count) +
         " nonzeros, more than N = " + std::to_string(p.n) + " of " + nm_name(p);
}

std::string hex(uint64_t v) {
  static const char digits[] = "0123456789abcdef";
  std::string s;
  do s.insert(s.begin(), digits[v & 15]);
  while (v >>= 4);
  return "0x" + s;
}

std::string bad_field(NmPattern p, size_t word, size_t row, size_t g, size_t bit, uint64_t field) {
  const uint32_t b = nm_index_bits(p), w = nm_field_bits(p);
  std::string indices;
  for (uint32_t t = 0; t < p.n; ++t) indices += (t ? ", " : "") + std::to_string(field >> (t * b) & ((uint64_t{1} << b) - 1));
  return "meta word " + std::to_string(word) + " (row " + std::to_string(row) + ", group " + std::to_string(g) + "), bits " + std::to_string(bit % 32) + ".." +
         std::to_string(bit % 32 + w - 1) + ": field " + hex(field) + " is not a valid " + nm_name(p) + " field (indices " + indices +
         "; they must increase and be below " + std::to_string(p.m) + ")";
}

std::string bad_padding(size_t word, size_t row, uint32_t bits, uint32_t first_free) {
  return "meta word " + std::to_string(word) + " (row " + std::to_string(row) + "), bit " + std::to_string(std::countr_zero(bits)) +
         ": set after the row's last field (bits from " + std::to_string(first_free) + " of its last word must be zero)";
}

template <class T>
std::optional<std::string> size_error(const NmLayout& l, size_t a, size_t values, size_t meta) {
  if (auto e = nm_shape_error(l.pattern, l.k)) return e;
  if (a != l.elements()) return "the matrix holds " + std::to_string(a) + " elements, rows·K = " + std::to_string(l.elements());
  const std::string shape = nm_name(l.pattern) + " of " + std::to_string(l.rows) + " x " + std::to_string(l.k);
  if (values != l.values()) return "values holds " + std::to_string(values) + " elements, " + shape + " needs " + std::to_string(l.values());
  if (meta != l.meta_words()) return "meta holds " + std::to_string(meta) + " words, " + shape + " needs " + std::to_string(l.meta_words());
  return std::nullopt;
}

// ---- 2:4 compress ----------------------------------------------------------------------------------

// Groups [begin, end) of one row (begin a multiple of 8): 8 groups per metadata word; a
// non-conforming group is looked for again after its word.
template <class T>
std::optional<std::string> compress24_row(size_t row, const T* a, T* values, uint32_t* meta, size_t begin, size_t end) {
  for (size_t g0 = begin; g0 < end; g0 += 8) {
    const size_t n = std::min<size_t>(8, end - g0);
    uint32_t word = 0;
    unsigned worst = 0;
    for (size_t j = 0; j < n; ++j) {
      const T* s = a + (g0 + j) * 4;
      const unsigned mask = unsigned{s[0] != 0} | unsigned{s[1] != 0} << 1 | unsigned{s[2] != 0} << 2 | unsigned{s[3] != 0} << 3;
      const Pick pick = kPicks[mask];
      worst = std::max<unsigned>(worst, pick.nonzeros);
      values[2 * (g0 + j)] = s[pick.first];
      values[2 * (g0 + j) + 1] = s[pick.second];
      word |= uint32_t{pick.nibble} << (4 * j);
    }
    if (worst > 2)
      for (size_t j = 0; j < n; ++j) {
        const T* s = a + (g0 + j) * 4;
        const unsigned count = unsigned{s[0] != 0} + unsigned{s[1] != 0} + unsigned{s[2] != 0} + unsigned{s[3] != 0};
        if (count > 2) return too_many({2, 4}, row, g0 + j, count);
      }
    meta[g0 / 8] = word;
  }
  return std::nullopt;
}

#if defined(__x86_64__)
// SSSE3 (int8, int16: two groups per load; int32: one): the nonzero mask of the load picks a
// shuffle that gathers the kept elements into the low bytes, and a byte of nibbles.
struct Shuffle24 {
  alignas(16) uint8_t control[16];
  uint8_t nibbles;
  uint8_t worst;
};

template <int Width>
std::array<Shuffle24, 256> make_shuffles() {
  std::array<Shuffle24, 256> table{};
  for (unsigned mask = 0; mask < 256; ++mask) {
    Shuffle24& s = table[mask];
    std::memset(s.control, 0x80, sizeof s.control);
    const Pick lo = kPicks[mask & 15], hi = kPicks[mask >> 4];
    const unsigned lanes[4] = {lo.first, lo.second, 4u + hi.first, 4u + hi.second};
    for (unsigned j = 0; j < 4; ++j)
      for (unsigned byte = 0; byte < Width && Width * (lanes[j] + 1) <= 16; ++byte)
        s.control[Width * j + byte] = static_cast<uint8_t>(Width * lanes[j] + byte);
    s.nibbles = static_cast<uint8_t>(lo.nibble | hi.nibble << 4);
    s.worst = std::max(lo.nonzeros, hi.nonzeros);
  }
  return table;
}

template <class T>
__attribute__((target("ssse3"))) std::optional<std::string> compress24_row_ssse3(size_t row, const T* a, size_t groups, T* values, uint32_t* meta) {
  static const std::array<Shuffle24, 256> shuffles = make_shuffles<sizeof(T)>();
  constexpr size_t step = sizeof(T) == 4 ? 1 : 2;  // groups per load
  const size_t whole = groups / 8 * 8;
  const __m128i zero = _mm_setzero_si128();
  for (size_t g0 = 0; g0 < whole; g0 += 8) {
    uint32_t word = 0;
    unsigned worst = 0;
    for (size_t j = 0; j < 8; j += step) {
      const T* src = a + (g0 + j) * 4;
      T* dst = values + 2 * (g0 + j);
      unsigned mask;
      __m128i x;
      if constexpr (sizeof(T) == 1) {
        x = _mm_loadl_epi64(reinterpret_cast<const __m128i*>(src));
        mask = ~static_cast<unsigned>(_mm_movemask_epi8(_mm_cmpeq_epi8(x, zero))) & 0xff;
      } else if constexpr (sizeof(T) == 2) {
        x = _mm_loadu_si128(reinterpret_cast<const __m128i*>(src));
        const __m128i is_zero = _mm_cmpeq_epi16(x, zero);
        mask = ~static_cast<unsigned>(_mm_movemask_epi8(_mm_packs_epi16(is_zero, is_zero))) & 0xff;
      } else {
        x = _mm_loadu_si128(reinterpret_cast<const __m128i*>(src));
        mask = ~static_cast<unsigned>(_mm_movemask_ps(_mm_castsi128_ps(_mm_cmpeq_epi32(x, zero)))) & 0xf;
      }
      const Shuffle24& s = shuffles[mask];
      const __m128i kept = _mm_shuffle_epi8(x, _mm_load_si128(reinterpret_cast<const __m128i*>(s.control)));
      if constexpr (sizeof(T) == 1) {
        const int32_t four = _mm_cvtsi128_si32(kept);
        std::memcpy(dst, &four, 4);
      } else {
        _mm_storel_epi64(reinterpret_cast<__m128i*>(dst), kept);
      }
      word |= (step == 2 ? uint32_t{s.nibbles} : uint32_t{s.nibbles} & 15) << (4 * j);  // one group: the high nibble is not ours
      worst = std::max<unsigned>(worst, s.worst);
    }
    if (worst > 2) return compress24_row(row, a, values, meta, g0, g0 + 8);
    meta[g0 / 8] = word;
  }
  return compress24_row(row, a, values, meta, whole, groups);
}
// Decompress, int16: a metadata byte (two groups) picks the shuffle that spreads four values into
// eight lanes, zeros elsewhere. Fields are validated before (an invalid nibble's entry is unused).
std::array<std::array<uint8_t, 16>, 256> make_spreads() {
  std::array<std::array<uint8_t, 16>, 256> table{};
  for (unsigned byte = 0; byte < 256; ++byte) {
    auto& control = table[byte];
    control.fill(0x80);
    const unsigned lanes[4] = {byte & 3, byte >> 2 & 3, 4 + (byte >> 4 & 3), 4 + (byte >> 6 & 3)};
    for (unsigned j = 0; j < 4; ++j) {
      control[2 * lanes[j]] = static_cast<uint8_t>(2 * j);
      control[2 * lanes[j] + 1] = static_cast<uint8_t>(2 * j + 1);
    }
  }
  return table;
}
const std::array<std::array<uint8_t, 16>, 256> kSpreads = make_spreads();

// Groups [0, groups / 2 * 2) of one row; the caller does an odd last group.
__attribute__((target("ssse3"))) void decompress24_row_ssse3(const int16_t* values, const uint32_t* meta, size_t groups, int16_t* out) {
  for (size_t g = 0; g + 2 <= groups; g += 2) {
    const unsigned byte = meta[g / 8] >> (4 * (g % 8)) & 0xff;
    const __m128i v = _mm_loadl_epi64(reinterpret_cast<const __m128i*>(values + 2 * g));
    const __m128i spread = _mm_shuffle_epi8(v, _mm_loadu_si128(reinterpret_cast<const __m128i*>(kSpreads[byte].data())));
    _mm_storeu_si128(reinterpret_cast<__m128i*>(out + 4 * g), spread);
  }
}

const bool kHaveSsse3 = __builtin_cpu_supports("ssse3");
#endif

// ---- general N:M -----------------------------------------------------------------------------------

// The mask of kept positions of a group: its nonzeros, then the lowest free positions up to N.
template <class T>
unsigned kept_mask(const T* s, uint32_t m, uint32_t n, unsigned& nonzeros) {
  unsigned mask = 0;
  for (uint32_t t = 0; t < m; ++t) mask |= unsigned{s[t] != 0} << t;
  nonzeros = static_cast<unsigned>(std::popcount(mask));
  for (uint32_t t = 0, have = nonzeros; t < m && have < n; ++t)
    if (!(mask >> t & 1)) mask |= 1u << t, ++have;
  return mask;
}

template <class T>
std::optional<std::string> compress_general_row(NmPattern p, size_t row, const T* a, size_t groups, T* values, uint32_t* meta) {
  const uint32_t b = nm_index_bits(p), w = nm_field_bits(p);
  uint128 buffer = 0;  // stream bits not yet written; fewer than 32 before each field
  uint32_t pending = 0;
  for (size_t g = 0; g < groups; ++g) {
    unsigned nonzeros = 0;
    unsigned mask = kept_mask(a + g * p.m, p.m, p.n, nonzeros);
    if (nonzeros > p.n) return too_many(p, row, g, nonzeros);
    uint64_t field = 0;
    for (uint32_t j = 0; j < p.n; ++j, mask &= mask - 1) {
      const unsigned t = static_cast<unsigned>(std::countr_zero(mask));
      *values++ = a[g * p.m + t];
      field |= uint64_t{t} << (j * b);
    }
    buffer |= static_cast<uint128>(field) << pending;
    for (pending += w; pending >= 32; pending -= 32, buffer >>= 32) *meta++ = static_cast<uint32_t>(buffer);
  }
  if (pending) *meta = static_cast<uint32_t>(buffer);
  return std::nullopt;
}

// Field g of a row: w bits from stream bit g·w, read from at most three words of the row.
uint64_t field_at(const uint32_t* words, size_t count, size_t bit, uint32_t w) {
  uint128 x = 0;
  const size_t first = bit / 32;
  for (size_t j = 0; j < 3 && first + j < count; ++j) x |= static_cast<uint128>(words[first + j]) << (32 * j);
  return static_cast<uint64_t>(x >> (bit % 32)) & ((uint64_t{1} << w) - 1);
}

bool field_valid(NmPattern p, uint64_t field) {
  const uint32_t b = nm_index_bits(p);
  const uint64_t index_mask = (uint64_t{1} << b) - 1;
  uint64_t previous = 0;
  for (uint32_t j = 0; j < p.n; ++j, field >>= b) {
    const uint64_t t = field & index_mask;
    if (t >= p.m || (j > 0 && t <= previous)) return false;
    previous = t;
  }
  return true;
}

// ---- validation of metadata ------------------------------------------------------------------------

std::optional<std::string> validate_meta(NmPattern p, size_t rows, size_t groups, std::span<const uint32_t> meta) {
  const uint32_t w = nm_field_bits(p);
  const size_t per_row = (groups * w + 31) / 32;
  const uint32_t tail_bits = static_cast<uint32_t>(groups * w % 32);  // used bits of a row's last word (0: all)
  const uint32_t tail_free = tail_bits ? ~((uint32_t{1} << tail_bits) - 1) : 0;
  const bool two_four = p.n == 2 && p.m == 4;
  for (size_t i = 0; i < rows; ++i) {
    const uint32_t* row = meta.data() + i * per_row;
    if (per_row && (row[per_row - 1] & tail_free)) return bad_padding(i * per_row + per_row - 1, i, row[per_row - 1] & tail_free, tail_bits);
    if (two_four) {
      for (size_t j = 0; j < per_row; ++j) {
        const uint32_t used = j + 1 < per_row || !tail_bits ? 0x44444444u : 0x44444444u & ((uint32_t{1} << tail_bits) - 1);
        const uint32_t valid = valid_nibbles(row[j]) | ~used;  // a free nibble is zero, and zero counts as not valid: mask it
        if ((valid & 0x44444444u) != 0x44444444u) {
          const unsigned nibble = static_cast<unsigned>(std::countr_zero(~valid & 0x44444444u)) / 4;
          return bad_field(p, i * per_row + j, i, j * 8 + nibble, (j * 8 + nibble) * 4, row[j] >> (4 * nibble) & 15);
        }
      }
      continue;
    }
    for (size_t g = 0; g < groups; ++g) {
      const uint64_t field = field_at(row, per_row, g * w, w);
      if (!field_valid(p, field)) return bad_field(p, i * per_row + g * w / 32, i, g, g * w, field);
    }
  }
  return std::nullopt;
}

}  // namespace

template <class T>
std::optional<std::string> nm_compress(NmPattern p, size_t rows, size_t k, std::span<const T> a, std::span<T> values, std::span<uint32_t> meta) {
  if (auto e = nm_pattern_error(p)) return e;
  const NmLayout l{p, rows, k};
  if (auto e = size_error<T>(l, a.size(), values.size(), meta.size())) return e;
  const size_t groups = l.groups_per_row(), vpr = l.values_per_row(), wpr = l.meta_words_per_row();
  for (size_t i = 0; i < rows; ++i) {
    const T* row = a.data() + i * k;
    std::optional<std::string> e;
    if (p.n == 2 && p.m == 4) {
#if defined(__x86_64__)
      if constexpr (sizeof(T) <= 4)
        if (kHaveSsse3) {
          e = compress24_row_ssse3<T>(i, row, groups, values.data() + i * vpr, meta.data() + i * wpr);
          if (e) return e;
          continue;
        }
#endif
      e = compress24_row(i, row, values.data() + i * vpr, meta.data() + i * wpr, 0, groups);
    } else {
      e = compress_general_row(p, i, row, groups, values.data() + i * vpr, meta.data() + i * wpr);
    }
    if (e) return e;
  }
  return std::nullopt;
}

template <class T>
std::optional<std::string> nm_decompress(NmPattern p, size_t rows, size_t k, std::span<const T> values, std::span<const uint32_t> meta, std::span<T> out) {
  if (auto e = nm_pattern_error(p)) return e;
  const NmLayout l{p, rows, k};
  if (auto e = size_error<T>(l, out.size(), values.size(), meta.size())) return e;
  const size_t groups = l.groups_per_row();
  if (auto e = validate_meta(p, rows, groups, meta)) return e;
  const size_t wpr = l.meta_words_per_row();
  const T* v = values.data();
  if (p.n == 2 && p.m == 4) {
    for (size_t i = 0; i < rows; ++i) {
      T* row = out.data() + i * k;
      const uint32_t* words = meta.data() + i * wpr;
      size_t g = 0;
#if defined(__x86_64__)
      if constexpr (std::is_same_v<T, int16_t>)
        if (kHaveSsse3) {
          decompress24_row_ssse3(v, words, groups, row);
          g = groups / 2 * 2;
          v += 2 * g;
        }
#endif
      for (; g < groups; ++g, v += 2) {
        const unsigned nibble = words[g / 8] >> (4 * (g % 8)) & 15;
        T* s = row + 4 * g;
        if constexpr (sizeof(T) == 2) {
          // The group as one 64-bit store: both values shifted into their lanes.
          const uint64_t x = uint64_t{static_cast<uint16_t>(v[0])} << (16 * (nibble & 3)) | uint64_t{static_cast<uint16_t>(v[1])} << (16 * (nibble >> 2));
          std::memcpy(s, &x, 8);
        } else {
          s[0] = s[1] = s[2] = s[3] = 0;
          s[nibble & 3] = v[0];
          s[nibble >> 2] = v[1];
        }
      }
    }
    return std::nullopt;
  }
  const uint32_t b = nm_index_bits(p), w = nm_field_bits(p);
  std::fill(out.begin(), out.end(), T{0});
  for (size_t i = 0; i < rows; ++i) {
    T* row = out.data() + i * k;
    for (size_t g = 0; g < groups; ++g) {
      uint64_t field = field_at(meta.data() + i * wpr, wpr, g * w, w);
      for (uint32_t j = 0; j < p.n; ++j, field >>= b) row[g * p.m + (field & ((uint64_t{1} << b) - 1))] = *v++;
    }
  }
  return std::nullopt;
}

template <class T>
void nm_prune(NmPattern p, size_t rows, size_t k, std::span<const T> a, std::span<T> out) {
  using U = std::make_unsigned_t<T>;
  U magnitude[kMaxNmGroup];
  for (size_t base = 0; base + p.m <= rows * k; base += p.m) {
    for (uint32_t t = 0; t < p.m; ++t) {
      const T x = a[base + t];
      magnitude[t] = x < 0 ? static_cast<U>(U{0} - static_cast<U>(x)) : static_cast<U>(x);  // exact for the most negative value too
    }
    // Element t is kept iff fewer than N elements outrank it (larger |a|, or equal and earlier).
    for (uint32_t t = 0; t < p.m; ++t) {
      uint32_t above = 0;
      for (uint32_t s = 0; s < p.m; ++s) above += magnitude[s] > magnitude[t] || (magnitude[s] == magnitude[t] && s < t);
      out[base + t] = above < p.n ? a[base + t] : T{0};
    }
  }
}

template <class T>
uint32_t nm_decompose(NmPattern p, size_t rows, size_t k, std::span<const T> w, std::span<T> parts) {
  const size_t plane = rows * k;
  std::fill(parts.begin(), parts.begin() + static_cast<std::ptrdiff_t>(nm_max_parts(p) * plane), T{0});
  uint32_t most = 0;
  for (size_t base = 0; base + p.m <= plane; base += p.m) {
    uint32_t seen = 0;
    for (uint32_t t = 0; t < p.m; ++t)
      if (w[base + t] != 0) parts[seen++ / p.n * plane + base + t] = w[base + t];
    most = std::max(most, seen);
  }
  return (most + p.n - 1) / p.n;
}

#define LPC_NM_INSTANTIATE(T)                                                                                                                  \
  template std::optional<std::string> nm_compress<T>(NmPattern, size_t, size_t, std::span<const T>, std::span<T>, std::span<uint32_t>);       \
  template std::optional<std::string> nm_decompress<T>(NmPattern, size_t, size_t, std::span<const T>, std::span<const uint32_t>, std::span<T>); \
  template void nm_prune<T>(NmPattern, size_t, size_t, std::span<const T>, std::span<T>);                                                     \
  template uint32_t nm_decompose<T>(NmPattern, size_t, size_t, std::span<const T>, std::span<T>);
LPC_NM_INSTANTIATE(int8_t)
LPC_NM_INSTANTIATE(int16_t)
LPC_NM_INSTANTIATE(int32_t)
LPC_NM_INSTANTIATE(int64_t)
#undef LPC_NM_INSTANTIATE

}  // namespace lpc::fast
