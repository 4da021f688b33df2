// The chip's weight path (spec/weight_codecs.md §5). Each bank decoder is a 64-bit shift register
// refilled one byte at a time from its payload's FIFO; fields leave it least significant bit first
// (§1.2), Huffman code bits one at a time into a canonical decoder that compares the code so far
// with the first code of each length. Errors follow spec/weight_codecs.md §4 exactly.
#include "impls/chip/weights/weights.hpp"

#include <algorithm>
#include <array>
#include <string>

namespace lpc::chip {

namespace {

struct Rejected {
  uint64_t offset;
  std::string why;
};

uint64_t le32(std::span<const uint8_t> b, uint64_t at) { return b[at] | b[at + 1] << 8 | b[at + 2] << 16 | uint64_t{b[at + 3]} << 24; }

// One bank decoder's input: bytes [first, last) of the block through a shift register.
class ShiftRegister {
 public:
  ShiftRegister(std::span<const uint8_t> block, uint64_t first, uint64_t last) : block_(block), first_(first), next_(first), last_(last) {}
  // f <= 32 bits, least significant first; truncation at the payload's end (§4.5).
  uint32_t take(unsigned f) {
    while (held_ < f) {
      if (next_ == last_) throw Rejected{last_, "truncated: the stream ends inside an item"};
      reg_ |= uint64_t{block_[next_++]} << held_;
      held_ += 8;
    }
    const uint32_t v = static_cast<uint32_t>(reg_ & ((uint64_t{1} << f) - 1));
    reg_ >>= f;
    held_ -= f;
    consumed_ += f;
    return v;
  }
  // Whether `f` more bits are there, without taking them.
  bool has(unsigned f) const { return consumed_ + f <= 8 * (last_ - first_); }
  uint64_t consumed() const { return consumed_; }
  // The block offset of the byte holding the next bit.
  uint64_t here() const { return first_ + consumed_ / 8; }
  // After the items: zero padding to the byte, then the payload's end (§4.5).
  void close(const char* what) {
    const unsigned pad = static_cast<unsigned>((8 - consumed_ % 8) % 8);
    if (pad && take(pad) != 0) throw Rejected{first_ + (consumed_ - 1) / 8, std::string("non-zero padding bit after the ") + what};
    if (next_ != last_) throw Rejected{next_, std::string("over-long: bytes after the ") + what};
  }

 private:
  std::span<const uint8_t> block_;
  uint64_t first_, next_, last_;
  uint64_t reg_ = 0;
  unsigned held_ = 0;
  uint64_t consumed_ = 0;
};

// The canonical Huffman decoder: count[l] codes of length l, the first code of each length, and
// the symbols in (length, index) order.
struct CanonicalDecoder {
  std::array<uint32_t, 17> count{}, first{}, base{};
  std::vector<uint32_t> symbols;
  bool single = false;

  explicit CanonicalDecoder(const std::vector<uint32_t>& lengths) {
    single = lengths.size() == 1;
    for (uint32_t l : lengths) ++count[l];
    uint32_t code = 0, index = 0;
    for (int l = 1; l <= 16; ++l) {
      first[l] = code;
      base[l] = index;
      code = (code + count[l]) << 1;
      index += count[l];
    }
    for (uint32_t l = 1; l <= 16; ++l)
      for (uint32_t s = 0; s < lengths.size(); ++s)
        if (lengths[s] == l) symbols.push_back(s);
  }
  uint32_t decode(ShiftRegister& in) const {
    const uint64_t at = in.here();
    uint32_t code = 0;
    for (int l = 1; l <= 16; ++l) {
      code = code << 1 | in.take(1);
      if (code - first[l] < count[l]) return symbols[base[l] + code - first[l]];
      if (single) throw Rejected{at, "bits that begin no code word"};  // only the code 0 exists
    }
    throw Rejected{at, "bits that begin no code word"};
  }
};

void load(std::span<const uint8_t> b, WeightLoad& out, const WeightPath& path) {
  const uint64_t size = b.size();
  if (size < kWcHeaderBytes) throw Rejected{size, "truncated: the header needs 24 bytes"};
  if (b[0] != 'L' || b[1] != 'P' || b[2] != 'W' || b[3] != 'B') throw Rejected{0, "not a compressed weight block (magic LPWB)"};
  if (b[4] != 1) throw Rejected{4, "unknown version"};
  if (b[5] == 0 || b[5] > 4) throw Rejected{5, "unknown codec"};
  const auto codec = static_cast<WcCodec>(b[5]);
  const uint32_t w = b[6], param = b[7];
  if (w == 0 || w > 16) throw Rejected{6, "width outside 1..16"};
  const uint32_t param_max = wc_param_max(codec);
  if (param == 0 || param > param_max) throw Rejected{7, "codec parameter out of range"};
  const uint64_t rows = le32(b, 8), cols = le32(b, 12), nbanks = le32(b, 16), d = le32(b, 20);
  if (rows == 0) throw Rejected{8, "no rows"};
  if (cols == 0 || rows * cols > kWcMaxElements) throw Rejected{12, "rows x cols outside 1..2^24"};
  if (nbanks == 0 || nbanks > rows || nbanks > kWcMaxBanks) throw Rejected{16, "banks outside 1..min(rows, 4096)"};
  const bool book_codec = codec == WcCodec::Huffman || codec == WcCodec::Dict;
  const uint64_t d_cap = book_codec ? uint64_t{1} << std::min(w, param) : 0;
  if (book_codec ? d == 0 || d > d_cap : d != 0) throw Rejected{20, "codebook size not allowed by the codec"};
  uint64_t at = kWcHeaderBytes;
  std::vector<uint16_t> book;
  if (book_codec) {
    const uint64_t end = at + (d * w + 7) / 8;
    if (end > size) throw Rejected{size, "truncated: the block ends inside the codebook"};
    ShiftRegister in(b, at, end);
    for (uint64_t i = 0; i < d; ++i) {
      const uint64_t where = in.here();
      book.push_back(static_cast<uint16_t>(in.take(w)));
      if (i && book[i] <= book[i - 1]) throw Rejected{where, "codebook entries not increasing"};
    }
    in.close("codebook");
    at = end;
  }
  std::vector<uint32_t> lengths;
  if (codec == WcCodec::Huffman) {
    const uint64_t end = at + (d + 1) / 2;
    if (end > size) throw Rejected{size, "truncated: the block ends inside the code lengths"};
    ShiftRegister in(b, at, end);
    uint64_t kraft = 0;
    for (uint64_t i = 0; i < d; ++i) {
      const uint64_t where = in.here();
      lengths.push_back(in.take(4));
      if (lengths[i] == 0 || lengths[i] > param) throw Rejected{where, "code length outside 1..L"};
      kraft += uint64_t{1} << (param - lengths[i]);
    }
    in.close("code lengths");
    if (d == 1 ? lengths[0] != 1 : kraft != uint64_t{1} << param) throw Rejected{at, "code lengths break the Kraft equality"};
    at = end;
  }
  const uint64_t table = at;
  if (table + 8 * nbanks > size) throw Rejected{size, "truncated: the block ends inside the bank table"};
  uint64_t payloads = 0;
  for (uint64_t k = 0; k < nbanks; ++k) payloads += le32(b, table + 8 * k + 4);
  at = table + 8 * nbanks;
  if (payloads > size - at) throw Rejected{size, "truncated: the payloads run past the block"};
  if (payloads < size - at) throw Rejected{at + payloads, "over-long: bytes after the last payload"};
  const CanonicalDecoder huffman(codec == WcCodec::Huffman ? lengths : std::vector<uint32_t>{1});
  out.banks.assign(nbanks, {});
  out.bank_cycles.assign(nbanks, 0);
  out.bank_finish.assign(nbanks, 0);
  auto arrived = [&](uint64_t byte) { return path.latency + byte / path.link_bytes_per_cycle + 1; };  // §5.3
  for (uint64_t k = 0; k < nbanks; ++k) {
    const uint64_t n = (rows - k + nbanks - 1) / nbanks * cols, count = le32(b, table + 8 * k), bytes = le32(b, table + 8 * k + 4);
    if (book_codec && count != n) throw Rejected{table + 8 * k, "the bank's code count is not its size"};
    ShiftRegister in(b, at, at + bytes);
    std::vector<uint16_t>& bank = out.banks[k];
    bank.reserve(n);
    switch (codec) {
      case WcCodec::Zvc: {
        uint64_t nonzero = 0;
        while (bank.size() < n) {
          if (!in.has(param)) throw Rejected{at + bytes, "truncated: the stream ends inside an item"};
          const uint64_t mask_at = in.consumed();
          uint64_t mask = in.take(std::min(param, 32u));
          if (param > 32) mask |= uint64_t{in.take(param - 32)} << 32;
          for (uint32_t j = 0; j < param; ++j)
            if ((mask >> j & 1) && bank.size() + j >= n) throw Rejected{at + (mask_at + j) / 8, "mask bit past the bank"};
          for (uint32_t j = 0; j < param && bank.size() < n; ++j) {
            uint16_t v = 0;
            if (mask >> j & 1) {
              const uint64_t where = in.here();
              v = static_cast<uint16_t>(in.take(w));
              if (v == 0) throw Rejected{where, "a zero value under a set mask bit"};
              ++nonzero;
            }
            bank.push_back(v);
          }
        }
        if (nonzero != count) throw Rejected{table + 8 * k, "the bank's non-zero count disagrees with its masks"};
        break;
      }
      case WcCodec::Zrle: {
        const uint32_t full_run = (1u << param) - 1;
        for (uint64_t q = 0; q < count; ++q) {
          const uint64_t where = in.here();
          const uint32_t run = in.take(param), v = in.take(w);
          if (bank.size() + run + 1 > n) throw Rejected{where, "a run past the bank"};
          if (v == 0 && run != full_run) throw Rejected{where, "a zero value without the filler run"};
          if (v == 0 && q + 1 == count) throw Rejected{where, "the last pair is a filler"};
          bank.insert(bank.end(), run, 0);
          bank.push_back(static_cast<uint16_t>(v));
        }
        bank.resize(n, 0);  // the implied trailing zeros
        break;
      }
      case WcCodec::Huffman:
        while (bank.size() < n) bank.push_back(book[huffman.decode(in)]);
        break;
      case WcCodec::Dict:
        while (bank.size() < n) {
          const uint64_t where = in.here();
          const uint32_t index = in.take(param);
          if (index >= d) throw Rejected{where, "an index past the codebook"};
          bank.push_back(book[index]);
        }
        break;
    }
    const uint64_t bits = in.consumed();
    in.close("payload");
    // §5.4: the decoder's cycles, its start and its finish.
    const uint64_t c = std::max((bits + path.decode_bits - 1) / path.decode_bits, (n + path.decode_codes - 1) / path.decode_codes);
    const uint64_t start = arrived(at), last = arrived(at + (bytes ? bytes - 1 : 0));
    out.bank_cycles[k] = c;
    out.bank_finish[k] = std::max(start + c, last + 1);
    at += bytes;
  }
  out.header = {codec, w, param, static_cast<uint32_t>(rows), static_cast<uint32_t>(cols), static_cast<uint32_t>(nbanks)};
  out.bytes_moved = size;
  out.dense_bytes = rows * cols * ((w + 7) / 8);
  out.decode_cycles = *std::max_element(out.bank_cycles.begin(), out.bank_cycles.end());
  out.load_cycles = *std::max_element(out.bank_finish.begin(), out.bank_finish.end());
}

}  // namespace

WeightLoad load_weight_block(std::span<const uint8_t> block, const WeightPath& path) {
  WeightLoad out;
  try {
    load(block, out, path);
  } catch (const Rejected& r) {
    out = WeightLoad{};
    out.error = {static_cast<int64_t>(r.offset), r.why};
  }
  return out;
}

std::vector<uint16_t> dense_from_banks(const WeightLoad& load) {
  const WcParams& h = load.header;
  std::vector<uint16_t> m(load.banks.empty() ? 0 : uint64_t{h.rows} * h.cols);
  for (uint64_t b = 0; b < load.banks.size(); ++b)
    for (uint64_t a = 0; a < load.banks[b].size(); ++a) m[(b + a / h.cols * h.banks) * h.cols + a % h.cols] = load.banks[b][a];
  return m;
}

}  // namespace lpc::chip
