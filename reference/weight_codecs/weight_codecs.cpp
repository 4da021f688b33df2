// The reference compressed weight block (spec/weight_codecs.md). Streams are vectors of single
// bits (§1.1); every field is written and read one bit at a time; sizes are whatever the bits
// come to. No word loads, no tables: the fast implementation's shortcuts are absent on purpose.
#include "reference/weight_codecs/weight_codecs.hpp"

#include <algorithm>
#include <map>
#include <set>
#include <stdexcept>
#include <string>

namespace lpc::ref {

namespace {

using Bits = std::vector<bool>;

// §1.2: v as f bits, least significant first.
void put_field(Bits& s, uint64_t v, uint32_t f) {
  for (uint32_t j = 0; j < f; ++j) s.push_back((v >> j) & 1);
}
// §1.3: a code word, most significant bit first.
void put_code(Bits& s, uint32_t code, int length) {
  for (int j = length - 1; j >= 0; --j) s.push_back((code >> j) & 1);
}
// §1.4: bits to bytes, zero-padded.
void append_bytes(std::vector<uint8_t>& out, const Bits& s) {
  std::vector<uint8_t> bytes((s.size() + 7) / 8, 0);
  for (size_t i = 0; i < s.size(); ++i)
    if (s[i]) bytes[i / 8] |= static_cast<uint8_t>(1u << (i % 8));
  out.insert(out.end(), bytes.begin(), bytes.end());
}
void put_u32(std::vector<uint8_t>& out, uint64_t v) {
  for (int j = 0; j < 4; ++j) out.push_back(static_cast<uint8_t>(v >> (8 * j)));
}

// An item of a package-merge list (§2.5.3): its weight and the leaves it holds, with repeats.
struct Item {
  uint64_t weight;
  std::vector<uint32_t> leaves;
};

}  // namespace

std::vector<int> wc_package_merge(std::span<const uint64_t> f, int max_length) {
  const size_t d = f.size();
  if (d == 0 || max_length < 1 || max_length > 30 || d > (size_t{1} << max_length))
    throw std::invalid_argument("package-merge: " + std::to_string(d) + " symbols do not fit codes of at most " + std::to_string(max_length) + " bits");
  if (d == 1) return {1};  // §2.5.2
  // Leaves by (f_i, i).
  std::vector<uint32_t> order(d);
  for (uint32_t i = 0; i < d; ++i) order[i] = i;
  std::sort(order.begin(), order.end(), [&](uint32_t a, uint32_t b) { return f[a] != f[b] ? f[a] < f[b] : a < b; });
  std::vector<Item> leaves;
  for (uint32_t i : order) leaves.push_back({f[i], {i}});
  std::vector<Item> list = leaves;  // List_L
  for (int level = max_length - 1; level >= 1; --level) {
    std::vector<Item> packages;
    for (size_t q = 0; q + 1 < list.size(); q += 2) {
      Item p{list[q].weight + list[q + 1].weight, list[q].leaves};
      p.leaves.insert(p.leaves.end(), list[q + 1].leaves.begin(), list[q + 1].leaves.end());
      packages.push_back(std::move(p));
    }
    // Merge: a leaf before a package of equal weight.
    std::vector<Item> merged;
    size_t a = 0, b = 0;
    while (a < leaves.size() || b < packages.size()) {
      if (b == packages.size() || (a < leaves.size() && leaves[a].weight <= packages[b].weight)) merged.push_back(leaves[a++]);
      else merged.push_back(packages[b++]);
    }
    list = std::move(merged);
  }
  std::vector<int> lengths(d, 0);
  for (size_t s = 0; s < 2 * d - 2; ++s)
    for (uint32_t leaf : list[s].leaves) ++lengths[leaf];
  return lengths;
}

std::vector<uint32_t> wc_canonical_codes(std::span<const int> lengths) {
  std::vector<uint32_t> order(lengths.size());
  for (uint32_t i = 0; i < order.size(); ++i) order[i] = i;
  std::sort(order.begin(), order.end(), [&](uint32_t a, uint32_t b) { return lengths[a] != lengths[b] ? lengths[a] < lengths[b] : a < b; });
  std::vector<uint32_t> codes(lengths.size(), 0);
  uint32_t code = 0;
  for (size_t k = 0; k < order.size(); ++k) {
    if (k > 0) code = (code + 1) << (lengths[order[k]] - lengths[order[k - 1]]);
    codes[order[k]] = code;
  }
  return codes;
}

std::vector<uint8_t> wc_encode(const WcParams& p, std::span<const uint16_t> codes) {
  if (auto e = wc_params_error(p)) throw std::invalid_argument(*e);
  const uint64_t n = uint64_t{p.rows} * p.cols;
  if (codes.size() != n) throw std::invalid_argument("the matrix holds " + std::to_string(codes.size()) + " codes, rows x cols is " + std::to_string(n));
  for (size_t i = 0; i < n; ++i)
    if (codes[i] >> p.width) throw std::invalid_argument("code " + std::to_string(codes[i]) + " at index " + std::to_string(i) + " does not fit " + std::to_string(p.width) + " bits");
  const bool uses_book = p.codec == WcCodec::Huffman || p.codec == WcCodec::Dict;
  // §2.3: the distinct codes, increasing; an element's index is its rank among them.
  std::map<uint16_t, uint64_t> frequency;
  if (uses_book)
    for (uint16_t c : codes) ++frequency[c];
  std::vector<uint16_t> book;
  std::vector<uint64_t> f;
  for (const auto& [code, count] : frequency) {
    book.push_back(code);
    f.push_back(count);
  }
  const uint64_t d = book.size();
  if (p.codec == WcCodec::Dict && d > (uint64_t{1} << p.param))
    throw std::invalid_argument(std::to_string(d) + " distinct codes do not fit " + std::to_string(p.param) + "-bit indices");
  if (p.codec == WcCodec::Huffman && d > (uint64_t{1} << p.param))
    throw std::invalid_argument(std::to_string(d) + " distinct codes do not fit codes of at most " + std::to_string(p.param) + " bits");
  auto index_of = [&](uint16_t c) { return static_cast<uint32_t>(std::lower_bound(book.begin(), book.end(), c) - book.begin()); };
  std::vector<int> lengths;
  std::vector<uint32_t> words;
  if (p.codec == WcCodec::Huffman) {
    lengths = wc_package_merge(f, static_cast<int>(p.param));
    words = wc_canonical_codes(lengths);
  }
  // §3.1 header.
  std::vector<uint8_t> out = {0x4C, 0x50, 0x57, 0x42, 1, static_cast<uint8_t>(p.codec), static_cast<uint8_t>(p.width), static_cast<uint8_t>(p.param)};
  put_u32(out, p.rows);
  put_u32(out, p.cols);
  put_u32(out, p.banks);
  put_u32(out, d);
  if (uses_book) {  // §3.2
    Bits s;
    for (uint16_t c : book) put_field(s, c, p.width);
    append_bytes(out, s);
  }
  if (p.codec == WcCodec::Huffman) {  // §3.3
    Bits s;
    for (int l : lengths) put_field(s, static_cast<uint64_t>(l), 4);
    append_bytes(out, s);
  }
  // §3.5, §2: each bank's sequence and payload.
  std::vector<std::pair<uint64_t, Bits>> payloads;
  for (uint32_t b = 0; b < p.banks; ++b) {
    std::vector<uint16_t> seq;
    for (uint64_t i = b; i < p.rows; i += p.banks)
      for (uint64_t j = 0; j < p.cols; ++j) seq.push_back(codes[i * p.cols + j]);
    Bits s;
    uint64_t count = 0;
    switch (p.codec) {
      case WcCodec::Zvc:  // §2.1
        for (size_t start = 0; start < seq.size(); start += p.param) {
          for (size_t t = 0; t < p.param; ++t) s.push_back(start + t < seq.size() && seq[start + t] != 0);
          for (size_t t = start; t < std::min<size_t>(start + p.param, seq.size()); ++t)
            if (seq[t] != 0) {
              put_field(s, seq[t], p.width);
              ++count;
            }
        }
        break;
      case WcCodec::Zrle: {  // §2.2
        const uint64_t span = uint64_t{1} << p.param;
        uint64_t zeros = 0;
        for (uint16_t c : seq) {
          if (c == 0) {
            ++zeros;
            continue;
          }
          for (; zeros >= span; zeros -= span, ++count) {
            put_field(s, span - 1, p.param);
            put_field(s, 0, p.width);
          }
          put_field(s, zeros, p.param);
          put_field(s, c, p.width);
          ++count;
          zeros = 0;
        }
        break;
      }
      case WcCodec::Huffman:  // §2.5
        for (uint16_t c : seq) put_code(s, words[index_of(c)], lengths[index_of(c)]);
        count = seq.size();
        break;
      case WcCodec::Dict:  // §2.4
        for (uint16_t c : seq) put_field(s, index_of(c), p.param);
        count = seq.size();
        break;
    }
    payloads.push_back({count, std::move(s)});
  }
  for (const auto& [count, s] : payloads) {  // §3.4
    put_u32(out, count);
    put_u32(out, (s.size() + 7) / 8);
  }
  for (const auto& [count, s] : payloads) append_bytes(out, s);
  return out;
}

namespace {

// A decoding failure of §4: where, and what.
struct Reject {
  uint64_t offset;
  std::string message;
};

// The bits of bytes [begin, end) of the block, read one at a time (§1.1).
class BitReader {
 public:
  BitReader(std::span<const uint8_t> block, uint64_t begin, uint64_t end) : block_(block), begin_(begin), end_(end) {}
  // Bit i of the region; a bit past its end is a truncation at the region's end (§4).
  bool bit(uint64_t i) const {
    if (i >= 8 * (end_ - begin_)) throw Reject{end_, "truncated: the stream ends inside an item"};
    return (block_[begin_ + i / 8] >> (i % 8)) & 1;
  }
  uint64_t field(uint64_t at, uint32_t f) const {  // §1.2
    uint64_t v = 0;
    for (uint32_t j = 0; j < f; ++j) v |= uint64_t{bit(at + j)} << j;
    return v;
  }
  uint64_t byte_of(uint64_t i) const { return begin_ + i / 8; }
  // §1.4 and §4.5's last rule: after `t` bits, zero padding and nothing more.
  void finish(uint64_t t, const char* what) const {
    const uint64_t used = (t + 7) / 8;
    for (uint64_t i = t; i < 8 * std::min(used, end_ - begin_); ++i)
      if (bit(i)) throw Reject{byte_of(i), std::string("non-zero padding bit after the ") + what};
    if (end_ - begin_ > used) throw Reject{begin_ + used, std::string("over-long: bytes after the ") + what};
  }

 private:
  std::span<const uint8_t> block_;
  uint64_t begin_, end_;
};

uint64_t u32_at(std::span<const uint8_t> b, uint64_t at) {
  uint64_t v = 0;
  for (int j = 0; j < 4; ++j) v |= uint64_t{b[at + j]} << (8 * j);
  return v;
}

WcDecoded decode_or_throw(std::span<const uint8_t> b) {
  WcDecoded r;
  const uint64_t size = b.size();
  // §4.1 header.
  if (size < kWcHeaderBytes) throw Reject{size, "truncated: the header needs 24 bytes"};
  if (b[0] != 0x4C || b[1] != 0x50 || b[2] != 0x57 || b[3] != 0x42) throw Reject{0, "not a compressed weight block (magic LPWB)"};
  if (b[4] != 1) throw Reject{4, "version " + std::to_string(b[4]) + ", expected 1"};
  if (b[5] < 1 || b[5] > 4) throw Reject{5, "codec " + std::to_string(b[5]) + " is not 1..4"};
  WcParams& h = r.header;
  h.codec = static_cast<WcCodec>(b[5]);
  h.width = b[6];
  if (h.width < 1 || h.width > 16) throw Reject{6, "width " + std::to_string(h.width) + " outside 1..16"};
  h.param = b[7];
  const uint32_t max_param = wc_param_max(h.codec);
  if (h.param < 1 || h.param > max_param) throw Reject{7, "codec parameter " + std::to_string(h.param) + " outside 1.." + std::to_string(max_param)};
  const uint64_t rows = u32_at(b, 8), cols = u32_at(b, 12), banks = u32_at(b, 16), d = u32_at(b, 20);
  if (rows < 1) throw Reject{8, "rows is 0"};
  if (cols < 1 || rows * cols > kWcMaxElements) throw Reject{12, "cols " + std::to_string(cols) + ": rows x cols outside 1..2^24"};
  if (banks < 1 || banks > rows || banks > kWcMaxBanks) throw Reject{16, "banks " + std::to_string(banks) + " outside 1..min(rows, 4096)"};
  h.rows = static_cast<uint32_t>(rows);
  h.cols = static_cast<uint32_t>(cols);
  h.banks = static_cast<uint32_t>(banks);
  const bool uses_book = h.codec == WcCodec::Huffman || h.codec == WcCodec::Dict;
  const uint64_t d_max = uses_book ? std::min(uint64_t{1} << h.width, uint64_t{1} << h.param) : 0;
  if (uses_book ? (d < 1 || d > d_max) : d != 0) throw Reject{20, "codebook size " + std::to_string(d) + " outside " + (uses_book ? "1.." + std::to_string(d_max) : std::string("0 (no codebook)"))};
  uint64_t at = kWcHeaderBytes;
  // §4.2 codebook.
  std::vector<uint16_t> book;
  if (uses_book) {
    const uint64_t end = at + (d * h.width + 7) / 8;
    if (end > size) throw Reject{size, "truncated: the block ends inside the codebook"};
    BitReader s(b, at, end);
    for (uint64_t i = 0; i < d; ++i) {
      book.push_back(static_cast<uint16_t>(s.field(i * h.width, h.width)));
      if (i > 0 && book[i] <= book[i - 1]) throw Reject{s.byte_of(i * h.width), "codebook entry " + std::to_string(i) + " not above the previous one"};
    }
    s.finish(d * h.width, "codebook");
    at = end;
  }
  // §4.3 code lengths.
  std::vector<int> lengths;
  std::vector<uint32_t> words;
  if (h.codec == WcCodec::Huffman) {
    const uint64_t end = at + (d + 1) / 2;
    if (end > size) throw Reject{size, "truncated: the block ends inside the code lengths"};
    BitReader s(b, at, end);
    for (uint64_t i = 0; i < d; ++i) {
      lengths.push_back(static_cast<int>(s.field(4 * i, 4)));
      if (lengths[i] < 1 || lengths[i] > static_cast<int>(h.param))
        throw Reject{s.byte_of(4 * i), "code length " + std::to_string(lengths[i]) + " of symbol " + std::to_string(i) + " outside 1.." + std::to_string(h.param)};
    }
    s.finish(4 * d, "code lengths");
    uint64_t kraft = 0;  // Σ 2^(L - l), exact in integers
    for (int l : lengths) kraft += uint64_t{1} << (h.param - l);
    const bool complete = d == 1 ? lengths[0] == 1 : kraft == (uint64_t{1} << h.param);
    if (!complete) throw Reject{at, "code lengths break the Kraft equality (sum of 2^-l is not 1)"};
    words = wc_canonical_codes(lengths);
    at = end;
  }
  // §4.4 bank table.
  const uint64_t table = at;
  if (at + 8 * banks > size) throw Reject{size, "truncated: the block ends inside the bank table"};
  std::vector<uint64_t> count(banks), bytes(banks);
  uint64_t total = 0;
  for (uint64_t k = 0; k < banks; ++k) {
    count[k] = u32_at(b, at + 8 * k);
    bytes[k] = u32_at(b, at + 8 * k + 4);
    total += bytes[k];
  }
  at += 8 * banks;
  if (total > size - at) throw Reject{size, "truncated: the payloads need " + std::to_string(total) + " bytes, " + std::to_string(size - at) + " left"};
  if (total < size - at) throw Reject{at + total, "over-long: bytes after the last payload"};
  // §4.5 banks, into the dense matrix (§3.5).
  r.matrix.assign(rows * cols, 0);
  for (uint64_t k = 0; k < banks; ++k) {
    const uint64_t n = wc_bank_rows(h.rows, h.banks, static_cast<uint32_t>(k)) * cols;
    const uint64_t record = table + 8 * k;
    if (uses_book && count[k] != n) throw Reject{record, "bank " + std::to_string(k) + " declares " + std::to_string(count[k]) + " codes, it holds " + std::to_string(n)};
    BitReader s(b, at, at + bytes[k]);
    std::vector<uint16_t> seq(n, 0);
    uint64_t t = 0;  // bits read
    switch (h.codec) {
      case WcCodec::Zvc: {
        uint64_t nnz = 0;
        for (uint64_t start = 0; start < n; start += h.param) {
          const uint64_t mask_at = t;
          s.field(mask_at, h.param);  // the mask is one item: present as a whole before its bits count
          t += h.param;
          for (uint64_t j = 0; j < h.param; ++j)
            if (s.bit(mask_at + j) && start + j >= n) throw Reject{s.byte_of(mask_at + j), "mask bit set for position " + std::to_string(start + j) + " past the bank's " + std::to_string(n) + " codes"};
          for (uint64_t j = 0; j < h.param; ++j)
            if (s.bit(mask_at + j)) {
              const uint64_t v = s.field(t, h.width);
              if (v == 0) throw Reject{s.byte_of(t), "a zero value under a set mask bit"};
              seq[start + j] = static_cast<uint16_t>(v);
              t += h.width;
              ++nnz;
            }
        }
        if (nnz != count[k]) throw Reject{record, "bank " + std::to_string(k) + " declares " + std::to_string(count[k]) + " non-zero codes, its masks hold " + std::to_string(nnz)};
        break;
      }
      case WcCodec::Zrle: {
        const uint64_t m = (uint64_t{1} << h.param) - 1;
        uint64_t pos = 0;
        for (uint64_t q = 0; q < count[k]; ++q) {
          const uint64_t pair_at = t;
          const uint64_t z = s.field(t, h.param), v = s.field(t + h.param, h.width);
          t += h.param + h.width;
          if (pos + z + 1 > n) throw Reject{s.byte_of(pair_at), "a run past the bank's " + std::to_string(n) + " codes"};
          if (v == 0 && z != m) throw Reject{s.byte_of(pair_at), "a zero value with a run other than 2^r - 1"};
          if (v == 0 && q + 1 == count[k]) throw Reject{s.byte_of(pair_at), "the last pair is a filler"};
          pos += z;
          seq[pos++] = static_cast<uint16_t>(v);
        }
        break;
      }
      case WcCodec::Huffman:
        // The brute-force oracle: extend the bits read until they equal some symbol's code word.
        for (uint64_t i = 0; i < n; ++i) {
          const uint64_t code_at = t;
          uint32_t bits = 0;
          int length = 0;
          for (;;) {
            bits = bits << 1 | (s.bit(t++) ? 1u : 0u);
            ++length;
            int found = -1;
            bool prefix = false;  // the bits read begin some longer code word
            for (size_t sym = 0; sym < d; ++sym) {
              if (lengths[sym] == length && words[sym] == bits) found = static_cast<int>(sym);
              if (lengths[sym] > length && words[sym] >> (lengths[sym] - length) == bits) prefix = true;
            }
            if (found >= 0) {
              seq[i] = book[found];
              break;
            }
            if (!prefix) throw Reject{s.byte_of(code_at), "bits that begin no code word"};
          }
        }
        break;
      case WcCodec::Dict:
        for (uint64_t i = 0; i < n; ++i) {
          const uint64_t idx = s.field(t, h.param);
          if (idx >= d) throw Reject{s.byte_of(t), "index " + std::to_string(idx) + " past the codebook's " + std::to_string(d) + " entries"};
          seq[i] = book[idx];
          t += h.param;
        }
        break;
    }
    s.finish(t, "payload");
    for (uint64_t a = 0; a < n; ++a) r.matrix[(k + a / cols * banks) * cols + a % cols] = seq[a];
    at += bytes[k];
  }
  return r;
}

}  // namespace

WcDecoded wc_decode(std::span<const uint8_t> block) {
  try {
    return decode_or_throw(block);
  } catch (const Reject& e) {
    WcDecoded r;
    r.error = {static_cast<int64_t>(e.offset), e.message};
    return r;
  }
}

}  // namespace lpc::ref
