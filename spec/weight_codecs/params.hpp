// lpconform — parameters of the compressed weight block (spec/weight_codecs.md), shared by the
// reference and every implementation so both present the same signature. Plain values and the
// validation spec/weight_codecs.md §3.1 states; no coding.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

namespace lpc {

// §3.1: the codec byte of the header.
enum class WcCodec : uint8_t { Zvc = 1, Zrle = 2, Huffman = 3, Dict = 4 };

inline constexpr uint32_t kWcHeaderBytes = 24;
inline constexpr uint64_t kWcMaxElements = uint64_t{1} << 24;  // rows·cols, §3.1
inline constexpr uint32_t kWcMaxBanks = 4096;

inline const char* wc_codec_name(WcCodec c) {
  switch (c) {
    case WcCodec::Zvc: return "zvc";
    case WcCodec::Zrle: return "zrle";
    case WcCodec::Huffman: return "huffman";
    case WcCodec::Dict: return "dict";
  }
  return "?";
}

// §3.1: the largest value of the codec's parameter byte (ZVC B 64, ZRLE r 16, Huffman L 15,
// dictionary k 16); the smallest is 1.
inline uint32_t wc_param_max(WcCodec c) { return c == WcCodec::Zvc ? 64 : c == WcCodec::Huffman ? 15 : 16; }

// What an encoder is asked for: the codec, the value width w, the codec's parameter (ZVC B, ZRLE
// r, Huffman L, dictionary k) and the matrix shape with its bank count.
struct WcParams {
  WcCodec codec = WcCodec::Zvc;
  uint32_t width = 8;   // w, 1..16
  uint32_t param = 32;  // B 1..64, r 1..16, L 1..15, k 1..16
  uint32_t rows = 1, cols = 1, banks = 1;
};

// The first rule of §3.1 that `p` breaks (the codebook bounds on D are the encoder's to check), or
// nullopt.
inline std::optional<std::string> wc_params_error(const WcParams& p) {
  const int c = static_cast<int>(p.codec);
  if (c < 1 || c > 4) return "codec " + std::to_string(c) + " is not 1..4";
  if (p.width < 1 || p.width > 16) return "width " + std::to_string(p.width) + " outside 1..16";
  const uint32_t max_param = wc_param_max(p.codec);
  if (p.param < 1 || p.param > max_param)
    return std::string(wc_codec_name(p.codec)) + " parameter " + std::to_string(p.param) + " outside 1.." + std::to_string(max_param);
  if (p.rows < 1 || p.cols < 1) return "rows and cols must be at least 1";
  if (uint64_t{p.rows} * p.cols > kWcMaxElements) return "rows x cols above 2^24";
  if (p.banks < 1 || p.banks > p.rows || p.banks > kWcMaxBanks) return "banks " + std::to_string(p.banks) + " outside 1..min(rows, 4096)";
  return std::nullopt;
}

// The number of rows bank b holds (§3.5).
inline uint32_t wc_bank_rows(uint32_t rows, uint32_t banks, uint32_t b) { return (rows - b + banks - 1) / banks; }

// A decoder's verdict on a block: -1 and no message for a valid block, else the byte offset of the
// first violation of §4 and what it is.
struct WcError {
  int64_t offset = -1;
  std::string message;
  bool ok() const { return offset < 0; }
};

}  // namespace lpc
