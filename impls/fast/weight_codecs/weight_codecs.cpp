// The optimized compressed weight block (spec/weight_codecs.md). Fields are read from
// little-endian 64-bit words (§1.2), bounded by the region they lie in: a word that would reach
// past the region is assembled from its remaining bytes and zeros, so no read leaves the block.
// Each decoder runs a fast loop while whole items lie well inside the payload and a checked loop
// for the rest; a fast loop that meets anything unusual stops and lets the checked loop find the
// exact error of §4.
#include "impls/fast/weight_codecs/weight_codecs.hpp"

#include <immintrin.h>

#include <algorithm>
#include <array>
#include <bit>
#include <cstring>
#include <stdexcept>
#include <string>

namespace lpc::fast {

static_assert(std::endian::native == std::endian::little, "word loads assume a little-endian host (§1.2)");

namespace {

// ---------------------------------------------------------------------------------------------
// Bits out.

// §1.2: LSB-first fields into bytes through a 64-bit accumulator.
class BitWriter {
 public:
  explicit BitWriter(std::vector<uint8_t>& out) : out_(out) {}
  void put(uint64_t v, unsigned f) {  // f <= 32
    acc_ |= (v & ((uint64_t{1} << f) - 1)) << n_;
    n_ += f;
    bits_ += f;
    while (n_ >= 8) {
      out_.push_back(static_cast<uint8_t>(acc_));
      acc_ >>= 8;
      n_ -= 8;
    }
  }
  void flush() {  // §1.4: zero padding to the byte
    if (n_) out_.push_back(static_cast<uint8_t>(acc_));
    acc_ = 0;
    n_ = 0;
  }
  uint64_t bits() const { return bits_; }

 private:
  std::vector<uint8_t>& out_;
  uint64_t acc_ = 0;
  unsigned n_ = 0;
  uint64_t bits_ = 0;
};

uint32_t reverse_bits(uint32_t code, int length) {
  uint32_t r = 0;
  for (int j = 0; j < length; ++j) r |= ((code >> j) & 1u) << (length - 1 - j);
  return r;
}

void put_u32(std::vector<uint8_t>& out, uint64_t v) {
  const uint32_t x = static_cast<uint32_t>(v);
  const size_t at = out.size();
  out.resize(at + 4);
  std::memcpy(out.data() + at, &x, 4);
}

// §2.5.4: canonical codes from lengths, by counting codes per length (RFC 1951 §3.2.2's steps).
std::vector<uint32_t> canonical_codes(std::span<const int> lengths, int max_length) {
  std::array<uint32_t, 17> count{}, next{};
  for (int l : lengths) ++count[l];
  uint32_t code = 0;
  count[0] = 0;
  for (int l = 1; l <= max_length; ++l) {
    code = (code + count[l - 1]) << 1;
    next[l] = code;
  }
  std::vector<uint32_t> codes(lengths.size());
  for (size_t i = 0; i < lengths.size(); ++i) codes[i] = next[lengths[i]]++;
  return codes;
}

// ---------------------------------------------------------------------------------------------
// Bits in.

struct Failure {
  uint64_t offset;
  std::string message;
};

// Bytes [base, base + len) of the block.
struct Region {
  const uint8_t* p;
  uint64_t base, len;

  uint64_t bits() const { return len * 8; }
  uint64_t end() const { return base + len; }
  uint64_t word_at(uint64_t byte) const {
    uint64_t w = 0;
    if (byte + 8 <= len) std::memcpy(&w, p + byte, 8);
    else if (byte < len) std::memcpy(&w, p + byte, len - byte);
    return w;
  }
  // At least 57 bits from stream bit t; zeros past the region.
  uint64_t peek(uint64_t t) const { return word_at(t >> 3) >> (t & 7); }
  // A field of f <= 57 bits at t that must lie inside the region.
  uint64_t field(uint64_t t, unsigned f) const {
    if (t + f > bits()) throw Failure{end(), "truncated: the stream ends inside an item"};
    return peek(t) & ((uint64_t{1} << f) - 1);
  }
  uint64_t field64(uint64_t t, unsigned f) const {  // f <= 64
    if (f <= 32) return field(t, f);
    const uint64_t lo = field(t, 32);
    return lo | field(t + 32, f - 32) << 32;
  }
  uint64_t byte_of(uint64_t t) const { return base + (t >> 3); }
  // §4.5's last rule: after t bits, zero padding, then the region's end.
  void finish(uint64_t t, const char* what) const {
    const uint64_t used = (t + 7) >> 3;
    if (t & 7) {
      const unsigned pad = p[t >> 3] >> (t & 7);
      if (pad) throw Failure{byte_of(t), std::string("non-zero padding bit after the ") + what};
    }
    if (len > used) throw Failure{base + used, std::string("over-long: bytes after the ") + what};
  }
};

uint64_t u32_at(const uint8_t* p) {
  uint32_t v;
  std::memcpy(&v, p, 4);
  return v;
}

// ---------------------------------------------------------------------------------------------
// ZVC (§2.1).

// The AVX-512 VBMI2 kernel: whole blocks of a byte-aligned layout (B a multiple of 32, w 8 or 16)
// that lie entirely inside the payload, expanded 32 codes at a time. Returns where it stopped
// (position, bits read, non-zeros): the checked loop goes on from there, and finds any error.
struct ZvcState {
  uint64_t start = 0, t = 0, nnz = 0;
};

#define LPC_WC_SIMD __attribute__((target("avx512f,avx512bw,avx512vl,avx512vbmi2,popcnt")))

// One block at s: false (s unchanged) when it is not a whole block lying well inside the payload,
// or holds a zero value under a set bit. The loads read 32 codes' bytes past each chunk's first
// value: a block's mask, its values and 32·(w/8) bytes more must lie inside the payload.
LPC_WC_SIMD inline __attribute__((always_inline)) bool zvc_expand_block(const Region& r, uint16_t* out, uint64_t n, unsigned block, unsigned w, ZvcState& s) {
  const uint64_t block_bytes_max = block / 8 + block * (w / 8) + 32 * (w / 8);
  if (s.start + block > n || (s.t >> 3) + block_bytes_max > r.len) return false;
  const uint8_t* mask_bytes = r.p + (s.t >> 3);
  const uint8_t* values = mask_bytes + block / 8;
  uint64_t used = 0;
  bool bad = false;
  for (unsigned c = 0; c < block / 32; ++c) {
    uint32_t m;
    std::memcpy(&m, mask_bytes + 4 * c, 4);
    __m512i wide;
    if (w == 8) {
      const __m256i v = _mm256_maskz_expand_epi8(m, _mm256_loadu_si256(reinterpret_cast<const __m256i*>(values + used)));
      bad |= _mm256_mask_cmpeq_epi8_mask(m, v, _mm256_setzero_si256()) != 0;
      wide = _mm512_cvtepu8_epi16(v);
      used += std::popcount(m);
    } else {
      wide = _mm512_maskz_expand_epi16(m, _mm512_loadu_si512(values + used));
      bad |= _mm512_mask_cmpeq_epi16_mask(m, wide, _mm512_setzero_si512()) != 0;
      used += 2 * std::popcount(m);
    }
    _mm512_storeu_si512(out + s.start + 32 * c, wide);
  }
  if (bad) return false;  // the checked loop reports it
  s.t += block + 8 * used;
  s.nnz += used / (w / 8);
  s.start += block;
  return true;
}

// The kernel on one bank: each block's address depends on the previous mask's popcount.
LPC_WC_SIMD ZvcState zvc_expand(const Region& r, uint16_t* out, uint64_t n, unsigned block, unsigned w) {
  ZvcState s;
  while (zvc_expand_block(r, out, n, block, w, s)) {
  }
  return s;
}

// Two banks side by side: their chains are independent (32 banks of B = 32: 10.3 -> 13.0 GB/s).
LPC_WC_SIMD void zvc_expand_pair(const Region& r0, uint16_t* out0, uint64_t n0, const Region& r1, uint16_t* out1, uint64_t n1, unsigned block, unsigned w,
                                 ZvcState& s0, ZvcState& s1) {
  bool more0 = true, more1 = true;
  while (more0 && more1) {
    more0 = zvc_expand_block(r0, out0, n0, block, w, s0);
    more1 = zvc_expand_block(r1, out1, n1, block, w, s1);
  }
  while (more0 && zvc_expand_block(r0, out0, n0, block, w, s0)) {
  }
  while (more1 && zvc_expand_block(r1, out1, n1, block, w, s1)) {
  }
}

// The checked loop from `s` on.
void zvc_checked(const Region& r, uint16_t* out, uint64_t n, unsigned block, unsigned w, ZvcState& s) {
  for (; s.start < n; s.start += block) {
    const uint64_t mask = r.field64(s.t, block);
    const uint64_t here = std::min<uint64_t>(block, n - s.start);
    const uint64_t outside = here == 64 ? 0 : mask & ~((uint64_t{1} << here) - 1);
    if (outside)
      throw Failure{r.byte_of(s.t + std::countr_zero(outside)), "mask bit set for position " + std::to_string(s.start + std::countr_zero(outside)) + " past the bank's " + std::to_string(n) + " codes"};
    s.t += block;
    std::memset(out + s.start, 0, here * sizeof(uint16_t));
    for (uint64_t m = mask; m; m &= m - 1) {
      const uint64_t v = r.field(s.t, w);
      if (v == 0) throw Failure{r.byte_of(s.t), "a zero value under a set mask bit"};
      out[s.start + std::countr_zero(m)] = static_cast<uint16_t>(v);
      s.t += w;
      ++s.nnz;
    }
  }
}

// ---------------------------------------------------------------------------------------------
// ZRLE (§2.2).

// The fast loop of decode_zrle: K pairs per 64-bit load (K·f <= 57), while 8 bytes lie ahead,
// none of the K is the last pair and K·2^r codes remain (no run can then pass n). A filler (v = 0
// with z = M) stores its zero like any value; v = 0 with z != M ends the loop before its group,
// and the checked loop reports it. Advances t, pos, q past the groups it decoded.
template <unsigned K>
void zrle_groups(const Region& r, uint16_t* out, uint64_t n, unsigned run_bits, unsigned f, uint64_t pairs, uint64_t& t, uint64_t& pos, uint64_t& q) {
  const uint64_t field_mask = (uint64_t{1} << f) - 1, run_mask = (uint64_t{1} << run_bits) - 1, span = run_mask + 1;
  if (n < K * span) return;
  const uint64_t pos_limit = n - K * span;
  while (q + K < pairs && (t >> 3) + 8 <= r.len && pos <= pos_limit) {
    uint64_t x;
    std::memcpy(&x, r.p + (t >> 3), 8);
    x >>= t & 7;
    uint64_t bad = 0, p = pos;
    for (unsigned j = 0; j < K; ++j) {  // unrolled: K is a constant
      const uint64_t pair = (x >> (j * f)) & field_mask;
      const uint64_t z = pair & run_mask, v = pair >> run_bits;
      bad |= pair < run_mask;  // v = 0 with z < M: below the filler (M, 0), the smallest valid pair
      p += z;
      out[p++] = static_cast<uint16_t>(v);
    }
    if (bad) break;  // pos, t, q still at the group's start
    pos = p;
    t += K * f;
    q += K;
  }
}

uint64_t decode_zrle(const Region& r, uint16_t* out, uint64_t n, unsigned run_bits, unsigned w, uint64_t pairs) {
  const unsigned f = run_bits + w;
  const uint64_t run_mask = (uint64_t{1} << run_bits) - 1;
  std::memset(out, 0, n * sizeof(uint16_t));
  uint64_t t = 0, pos = 0, q = 0;
  if (4 * f <= 57) zrle_groups<4>(r, out, n, run_bits, f, pairs, t, pos, q);
  else if (2 * f <= 57) zrle_groups<2>(r, out, n, run_bits, f, pairs, t, pos, q);
  for (; q < pairs; ++q) {
    const uint64_t x = r.field(t, f);
    const uint64_t z = x & run_mask, v = x >> run_bits;
    if (pos + z + 1 > n) throw Failure{r.byte_of(t), "a run past the bank's " + std::to_string(n) + " codes"};
    if (v == 0 && z != run_mask) throw Failure{r.byte_of(t), "a zero value with a run other than 2^r - 1"};
    if (v == 0 && q + 1 == pairs) throw Failure{r.byte_of(t), "the last pair is a filler"};
    pos += z;
    out[pos++] = static_cast<uint16_t>(v);
    t += f;
  }
  return t;
}

// ---------------------------------------------------------------------------------------------
// Canonical Huffman (§2.5): a table on the next kTableBits bits (the first code bit lowest, §1.3)
// gives the code and its length for codes up to that long; longer codes are decoded bit by bit
// from the counts of codes per length.

struct HuffmanTables {
  int table_bits = 0;
  std::vector<uint32_t> table;  // value | length << 16; length 0: a longer code; 0xFFFFFFFF: no code
  std::array<uint32_t, 16> count{};
  std::vector<uint16_t> sorted_values;  // values by (length, index)
};

constexpr uint32_t kNoCode = 0xFFFFFFFFu;

HuffmanTables huffman_tables(const std::vector<int>& lengths, const std::vector<uint16_t>& book, int max_length) {
  HuffmanTables h;
  h.table_bits = std::min(max_length, 11);
  const std::vector<uint32_t> codes = canonical_codes(lengths, max_length);
  // With one symbol (code 0 of length 1) the codes beginning with 1 are no code; with two or
  // more the lengths are complete (§3.3) and every entry is a code or begins one.
  h.table.assign(size_t{1} << h.table_bits, lengths.size() == 1 ? kNoCode : 0);
  for (size_t i = 0; i < lengths.size(); ++i) {
    ++h.count[lengths[i]];
    if (lengths[i] > h.table_bits) continue;
    const uint32_t entry = book[i] | static_cast<uint32_t>(lengths[i]) << 16;
    for (uint32_t x = reverse_bits(codes[i], lengths[i]); x < h.table.size(); x += 1u << lengths[i]) h.table[x] = entry;
  }
  std::vector<uint32_t> order(lengths.size());
  for (uint32_t i = 0; i < order.size(); ++i) order[i] = i;
  std::stable_sort(order.begin(), order.end(), [&](uint32_t a, uint32_t b) { return lengths[a] < lengths[b]; });
  for (uint32_t i : order) h.sorted_values.push_back(book[i]);
  return h;
}

// A code longer than the table, bit by bit from t (the table said it is longer).
uint16_t huffman_long(const Region& r, const HuffmanTables& h, uint64_t& t) {
  uint32_t code = 0, first = 0, index = 0;
  for (int l = 1; l < 16; ++l) {
    code |= static_cast<uint32_t>(r.field(t++, 1));
    const uint32_t k = h.count[l];
    if (code - first < k) return h.sorted_values[index + code - first];
    index += k;
    first = (first + k) << 1;
    code <<= 1;
  }
  throw Failure{r.byte_of(t), "bits that begin no code word"};  // unreachable for complete codes
}

uint64_t decode_huffman(const Region& r, uint16_t* out, uint64_t n, const HuffmanTables& h) {
  const uint64_t mask = (uint64_t{1} << h.table_bits) - 1;
  const uint32_t* table = h.table.data();
  uint64_t t = 0, i = 0;
  // Fast: four codes per load while 8 bytes lie ahead (4 × 11 + 7 <= 64).
  if (h.table_bits <= 11)
    while (i + 4 <= n && (t >> 3) + 8 <= r.len) {
      uint64_t x;
      std::memcpy(&x, r.p + (t >> 3), 8);
      x >>= t & 7;
      const uint32_t e0 = table[x & mask];
      const unsigned l0 = e0 >> 16;
      if (e0 == kNoCode || l0 == 0) break;
      const uint32_t e1 = table[(x >> l0) & mask];
      const unsigned l1 = e1 >> 16;
      if (e1 == kNoCode || l1 == 0) break;
      const uint32_t e2 = table[(x >> (l0 + l1)) & mask];
      const unsigned l2 = e2 >> 16;
      if (e2 == kNoCode || l2 == 0) break;
      const uint32_t e3 = table[(x >> (l0 + l1 + l2)) & mask];
      const unsigned l3 = e3 >> 16;
      if (e3 == kNoCode || l3 == 0) break;
      out[i] = static_cast<uint16_t>(e0);
      out[i + 1] = static_cast<uint16_t>(e1);
      out[i + 2] = static_cast<uint16_t>(e2);
      out[i + 3] = static_cast<uint16_t>(e3);
      i += 4;
      t += l0 + l1 + l2 + l3;
    }
  for (; i < n; ++i) {
    const uint32_t e = table[r.peek(t) & mask];
    if (e == kNoCode) {
      if (t >= r.bits()) throw Failure{r.end(), "truncated: the stream ends inside an item"};
      throw Failure{r.byte_of(t), "bits that begin no code word"};
    }
    const unsigned l = e >> 16;
    if (l == 0) {
      out[i] = huffman_long(r, h, t);
      continue;
    }
    if (t + l > r.bits()) throw Failure{r.end(), "truncated: the stream ends inside an item"};
    out[i] = static_cast<uint16_t>(e);
    t += l;
  }
  return t;
}

// ---------------------------------------------------------------------------------------------
// Dictionary (§2.4).

uint64_t decode_dict(const Region& r, uint16_t* out, uint64_t n, unsigned k, const std::vector<uint16_t>& book) {
  const uint64_t mask = (uint64_t{1} << k) - 1, d = book.size();
  uint64_t t = 0;
  for (uint64_t i = 0; i < n; ++i, t += k) {
    const uint64_t idx = r.field(t, k);
    if (idx >= d) throw Failure{r.byte_of(t), "index " + std::to_string(idx) + " past the codebook's " + std::to_string(d) + " entries"};
    out[i] = book[idx & mask];
  }
  return t;
}

// ---------------------------------------------------------------------------------------------
// The block (§3, §4).

void decode_block(std::span<const uint8_t> b, WcParams& h, std::vector<uint16_t>& matrix, bool simd) {
  const uint64_t size = b.size();
  const uint8_t* p = b.data();
  if (size < kWcHeaderBytes) throw Failure{size, "truncated: the header needs 24 bytes"};
  if (std::memcmp(p, "LPWB", 4) != 0) throw Failure{0, "not a compressed weight block (magic LPWB)"};
  if (p[4] != 1) throw Failure{4, "version " + std::to_string(p[4]) + ", expected 1"};
  if (p[5] < 1 || p[5] > 4) throw Failure{5, "codec " + std::to_string(p[5]) + " is not 1..4"};
  h.codec = static_cast<WcCodec>(p[5]);
  h.width = p[6];
  if (h.width < 1 || h.width > 16) throw Failure{6, "width " + std::to_string(h.width) + " outside 1..16"};
  h.param = p[7];
  const uint32_t max_param = wc_param_max(h.codec);
  if (h.param < 1 || h.param > max_param) throw Failure{7, "codec parameter " + std::to_string(h.param) + " outside 1.." + std::to_string(max_param)};
  const uint64_t rows = u32_at(p + 8), cols = u32_at(p + 12), banks = u32_at(p + 16), d = u32_at(p + 20);
  if (rows == 0) throw Failure{8, "rows is 0"};
  if (cols == 0 || rows * cols > kWcMaxElements) throw Failure{12, "cols " + std::to_string(cols) + ": rows x cols outside 1..2^24"};
  if (banks == 0 || banks > rows || banks > kWcMaxBanks) throw Failure{16, "banks " + std::to_string(banks) + " outside 1..min(rows, 4096)"};
  h.rows = static_cast<uint32_t>(rows);
  h.cols = static_cast<uint32_t>(cols);
  h.banks = static_cast<uint32_t>(banks);
  const bool uses_book = h.codec == WcCodec::Huffman || h.codec == WcCodec::Dict;
  const uint64_t d_max = uses_book ? uint64_t{1} << std::min(h.width, h.param) : 0;
  if (uses_book ? (d == 0 || d > d_max) : d != 0) throw Failure{20, "codebook size " + std::to_string(d) + " not allowed by the codec (at most " + std::to_string(d_max) + ")"};
  uint64_t at = kWcHeaderBytes;
  std::vector<uint16_t> book;
  if (uses_book) {
    const Region s{p + at, at, (d * h.width + 7) / 8};
    if (s.end() > size) throw Failure{size, "truncated: the block ends inside the codebook"};
    book.resize(d);
    for (uint64_t i = 0; i < d; ++i) {
      book[i] = static_cast<uint16_t>(s.field(i * h.width, h.width));
      if (i && book[i] <= book[i - 1]) throw Failure{s.byte_of(i * h.width), "codebook entry " + std::to_string(i) + " not above the previous one"};
    }
    s.finish(d * h.width, "codebook");
    at = s.end();
  }
  HuffmanTables huffman;
  if (h.codec == WcCodec::Huffman) {
    const Region s{p + at, at, (d + 1) / 2};
    if (s.end() > size) throw Failure{size, "truncated: the block ends inside the code lengths"};
    std::vector<int> lengths(d);
    uint64_t kraft = 0;
    for (uint64_t i = 0; i < d; ++i) {
      lengths[i] = (p[at + i / 2] >> (4 * (i & 1))) & 15;
      if (lengths[i] == 0 || lengths[i] > static_cast<int>(h.param))
        throw Failure{at + i / 2, "code length " + std::to_string(lengths[i]) + " of symbol " + std::to_string(i) + " outside 1.." + std::to_string(h.param)};
      kraft += uint64_t{1} << (h.param - lengths[i]);
    }
    s.finish(4 * d, "code lengths");
    if (d == 1 ? lengths[0] != 1 : kraft != uint64_t{1} << h.param) throw Failure{at, "code lengths break the Kraft equality (sum of 2^-l is not 1)"};
    huffman = huffman_tables(lengths, book, static_cast<int>(h.param));
    at = s.end();
  }
  const uint64_t table = at;
  if (at + 8 * banks > size) throw Failure{size, "truncated: the block ends inside the bank table"};
  uint64_t total = 0;
  for (uint64_t k = 0; k < banks; ++k) total += u32_at(p + at + 8 * k + 4);
  at += 8 * banks;
  if (total > size - at) throw Failure{size, "truncated: the payloads need " + std::to_string(total) + " bytes, " + std::to_string(size - at) + " left"};
  if (total < size - at) throw Failure{at + total, "over-long: bytes after the last payload"};
  matrix.resize(rows * cols);
  std::vector<uint16_t> scratch(banks > 1 ? wc_bank_rows(h.rows, h.banks, 0) * cols : 0);
  // ZVC under the kernel decodes banks two at a time (zvc_expand_pair): bank k + 1's kernel part
  // waits in `ahead` with its state until its turn; errors still come in bank order.
  const bool zvc_simd = h.codec == WcCodec::Zvc && simd && h.param % 32 == 0 && (h.width == 8 || h.width == 16) && wc_simd_available();
  std::vector<uint16_t> ahead(zvc_simd && banks > 1 ? scratch.size() : 0);
  ZvcState ahead_state;
  bool ahead_ready = false;
  for (uint64_t k = 0; k < banks; ++k) {
    const uint64_t bank_rows = wc_bank_rows(h.rows, h.banks, static_cast<uint32_t>(k)), n = bank_rows * cols;
    const uint64_t count = u32_at(p + table + 8 * k), bytes = u32_at(p + table + 8 * k + 4);
    if (uses_book && count != n) throw Failure{table + 8 * k, "bank " + std::to_string(k) + " declares " + std::to_string(count) + " codes, it holds " + std::to_string(n)};
    const Region r{p + at, at, bytes};
    uint16_t* out = banks == 1 ? matrix.data() : scratch.data();
    uint64_t t = 0;
    switch (h.codec) {
      case WcCodec::Zvc: {
        ZvcState s;
        if (ahead_ready) {
          std::swap(scratch, ahead);
          out = scratch.data();
          s = ahead_state;
          ahead_ready = false;
        } else if (zvc_simd && k + 1 < banks) {
          const uint64_t n1 = wc_bank_rows(h.rows, h.banks, static_cast<uint32_t>(k + 1)) * cols;
          const Region r1{p + at + bytes, at + bytes, u32_at(p + table + 8 * (k + 1) + 4)};
          ahead_state = {};
          zvc_expand_pair(r, out, n, r1, ahead.data(), n1, h.param, h.width, s, ahead_state);
          ahead_ready = true;
        } else if (zvc_simd) {
          s = zvc_expand(r, out, n, h.param, h.width);
        }
        zvc_checked(r, out, n, h.param, h.width, s);
        if (s.nnz != count) throw Failure{table + 8 * k, "bank " + std::to_string(k) + " declares " + std::to_string(count) + " non-zero codes, its masks hold " + std::to_string(s.nnz)};
        t = s.t;
        break;
      }
      case WcCodec::Zrle: t = decode_zrle(r, out, n, h.param, h.width, count); break;
      case WcCodec::Huffman: t = decode_huffman(r, out, n, huffman); break;
      case WcCodec::Dict: t = decode_dict(r, out, n, h.param, book); break;
    }
    r.finish(t, "payload");
    if (banks > 1)
      for (uint64_t a = 0; a < bank_rows; ++a) std::memcpy(matrix.data() + (k + a * banks) * cols, out + a * cols, cols * sizeof(uint16_t));
    at += bytes;
  }
}

}  // namespace

bool wc_simd_available() {
  static const bool yes = __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") && __builtin_cpu_supports("avx512vl") &&
                          __builtin_cpu_supports("avx512vbmi2");
  return yes;
}

WcError wc_decode(std::span<const uint8_t> block, WcParams& header, std::vector<uint16_t>& matrix, bool simd) {
  try {
    decode_block(block, header, matrix, simd);
    return {};
  } catch (const Failure& f) {
    matrix.clear();
    return {static_cast<int64_t>(f.offset), f.message};
  }
}

// ---------------------------------------------------------------------------------------------
// Encoding.

std::vector<int> wc_package_merge(std::span<const uint64_t> f, int max_length) {
  const size_t m = f.size();
  if (m == 0 || max_length < 1 || max_length > 30 || m > (size_t{1} << max_length))
    throw std::invalid_argument("package-merge: " + std::to_string(m) + " symbols do not fit codes of at most " + std::to_string(max_length) + " bits");
  if (m == 1) return {1};
  std::vector<uint32_t> leaf(m);
  for (uint32_t i = 0; i < m; ++i) leaf[i] = i;
  std::sort(leaf.begin(), leaf.end(), [&](uint32_t a, uint32_t b) { return f[a] != f[b] ? f[a] < f[b] : a < b; });
  // Each list kept as its weights and, per item, whether it is a package; the contents of a
  // package are never stored: the selection is traced back level by level by counting.
  std::vector<std::vector<uint64_t>> weight(max_length + 1);
  std::vector<std::vector<uint8_t>> is_package(max_length + 1);
  for (uint32_t s : leaf) weight[max_length].push_back(f[s]);
  is_package[max_length].assign(m, 0);
  for (int l = max_length - 1; l >= 1; --l) {
    const std::vector<uint64_t>& below = weight[l + 1];
    size_t a = 0, q = 0;
    const size_t packages = below.size() / 2;
    while (a < m || q < packages) {
      const uint64_t pw = q < packages ? below[2 * q] + below[2 * q + 1] : 0;
      if (q == packages || (a < m && f[leaf[a]] <= pw)) {
        weight[l].push_back(f[leaf[a++]]);
        is_package[l].push_back(0);
      } else {
        weight[l].push_back(pw);
        is_package[l].push_back(1);
        ++q;
      }
    }
  }
  // The first 2m - 2 items of List_1; at each level the selected leaves are a prefix of the leaf
  // order, and the selected packages a prefix of the packages, which select twice as many items
  // of the level below.
  std::vector<int> depth_count(m + 1, 0);  // +1 for every leaf below the prefix length at a level
  size_t take = 2 * m - 2;
  for (int l = 1; l <= max_length && take; ++l) {
    size_t leaves = 0, packages = 0;
    for (size_t s = 0; s < take; ++s) (is_package[l][s] ? packages : leaves)++;
    ++depth_count[0];
    --depth_count[leaves];
    take = 2 * packages;
  }
  std::vector<int> lengths(m);
  int running = 0;
  for (size_t s = 0; s < m; ++s) {
    running += depth_count[s];
    lengths[leaf[s]] = running;
  }
  return lengths;
}

std::vector<uint8_t> wc_encode(const WcParams& p, std::span<const uint16_t> codes) {
  if (auto e = wc_params_error(p)) throw std::invalid_argument(*e);
  const uint64_t n = uint64_t{p.rows} * p.cols;
  if (codes.size() != n) throw std::invalid_argument("the matrix holds " + std::to_string(codes.size()) + " codes, rows x cols is " + std::to_string(n));
  const unsigned w = p.width, param = p.param;
  const bool uses_book = p.codec == WcCodec::Huffman || p.codec == WcCodec::Dict;
  std::vector<uint64_t> histogram(uint64_t{1} << w, 0);
  for (size_t i = 0; i < n; ++i) {
    if (codes[i] >> w) throw std::invalid_argument("code " + std::to_string(codes[i]) + " at index " + std::to_string(i) + " does not fit " + std::to_string(w) + " bits");
    ++histogram[codes[i]];
  }
  std::vector<uint16_t> book, index(uses_book ? size_t{1} << w : 0);
  std::vector<uint64_t> frequency;
  if (uses_book)
    for (uint32_t c = 0; c < histogram.size(); ++c)
      if (histogram[c]) {
        index[c] = static_cast<uint16_t>(book.size());
        book.push_back(static_cast<uint16_t>(c));
        frequency.push_back(histogram[c]);
      }
  const uint64_t d = book.size();
  if (uses_book && d > (uint64_t{1} << param))
    throw std::invalid_argument(std::to_string(d) + " distinct codes do not fit " + (p.codec == WcCodec::Dict ? std::to_string(param) + "-bit indices" : "codes of at most " + std::to_string(param) + " bits"));
  std::vector<uint32_t> word;  // the code words bit-reversed, so that a put() writes them first bit first (§1.3)
  std::vector<int> lengths;
  if (p.codec == WcCodec::Huffman) {
    lengths = wc_package_merge(frequency, static_cast<int>(param));
    word = canonical_codes(lengths, static_cast<int>(param));
    for (size_t i = 0; i < d; ++i) word[i] = reverse_bits(word[i], lengths[i]);
  }
  std::vector<uint8_t> out(kWcHeaderBytes);
  std::memcpy(out.data(), "LPWB", 4);
  out[4] = 1;
  out[5] = static_cast<uint8_t>(p.codec);
  out[6] = static_cast<uint8_t>(w);
  out[7] = static_cast<uint8_t>(param);
  out.resize(8);
  put_u32(out, p.rows);
  put_u32(out, p.cols);
  put_u32(out, p.banks);
  put_u32(out, d);
  if (uses_book) {
    BitWriter bw(out);
    for (uint16_t c : book) bw.put(c, w);
    bw.flush();
  }
  if (p.codec == WcCodec::Huffman) {
    BitWriter bw(out);
    for (int l : lengths) bw.put(static_cast<uint64_t>(l), 4);
    bw.flush();
  }
  std::vector<std::vector<uint8_t>> payload(p.banks);
  std::vector<uint64_t> count(p.banks, 0);
  for (uint32_t k = 0; k < p.banks; ++k) {
    BitWriter bw(payload[k]);
    auto code_at = [&](uint64_t a) { return codes[(k + a / p.cols * p.banks) * p.cols + a % p.cols]; };
    const uint64_t bank_n = wc_bank_rows(p.rows, p.banks, k) * p.cols;
    switch (p.codec) {
      case WcCodec::Zvc:
        for (uint64_t start = 0; start < bank_n; start += param) {
          const uint64_t here = std::min<uint64_t>(param, bank_n - start);
          uint64_t mask = 0;
          for (uint64_t j = 0; j < here; ++j) mask |= uint64_t{code_at(start + j) != 0} << j;
          if (param > 32) {
            bw.put(mask & 0xFFFFFFFFu, 32);
            bw.put(mask >> 32, param - 32);
          } else {
            bw.put(mask, param);
          }
          for (uint64_t j = 0; j < here; ++j)
            if (const uint16_t c = code_at(start + j)) {
              bw.put(c, w);
              ++count[k];
            }
        }
        break;
      case WcCodec::Zrle: {
        const uint64_t span = uint64_t{1} << param;
        uint64_t zeros = 0;
        for (uint64_t a = 0; a < bank_n; ++a) {
          const uint16_t c = code_at(a);
          if (c == 0) {
            ++zeros;
            continue;
          }
          const uint64_t fillers = zeros >> param;
          for (uint64_t i = 0; i < fillers; ++i) bw.put(span - 1, param + w);  // (2^r - 1, 0)
          bw.put((zeros & (span - 1)) | uint64_t{c} << param, param + w);
          count[k] += fillers + 1;
          zeros = 0;
        }
        break;
      }
      case WcCodec::Huffman:
        for (uint64_t a = 0; a < bank_n; ++a) {
          const uint16_t i = index[code_at(a)];
          bw.put(word[i], static_cast<unsigned>(lengths[i]));
        }
        count[k] = bank_n;
        break;
      case WcCodec::Dict:
        for (uint64_t a = 0; a < bank_n; ++a) bw.put(index[code_at(a)], param);
        count[k] = bank_n;
        break;
    }
    bw.flush();
  }
  for (uint32_t k = 0; k < p.banks; ++k) {
    put_u32(out, count[k]);
    put_u32(out, payload[k].size());
  }
  for (const auto& bytes : payload) out.insert(out.end(), bytes.begin(), bytes.end());
  return out;
}

}  // namespace lpc::fast
