// lpconform fuzz — the compressed weight block encoders (spec/weight_codecs.md §2, §3),
// differential: the fast encoder against the reference, byte for byte, then both decoders on the
// block, which must give the matrix back.
//
// Bytes, read with FuzzedDataProvider: the codec, w (1..16), the codec's parameter in its range,
// rows (1..8) and banks (1..rows), a palette size (1..min(2^w, 2^param, 64)), then one byte per
// code picking from a palette of codes read as 2 bytes each (the palette's first entry 0), up to
// 2048 codes; cols = codes / rows.
#include <fuzzer/FuzzedDataProvider.h>

#include <algorithm>
#include <stdexcept>
#include <string>
#include <vector>

#include "fuzz/support/fuzz_support.hpp"
#include "impls/fast/weight_codecs/weight_codecs.hpp"
#include "reference/weight_codecs/weight_codecs.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace lpc;
  FuzzedDataProvider in(data, size);
  WcParams p;
  p.codec = static_cast<WcCodec>(in.ConsumeIntegralInRange<int>(1, 4));
  p.width = in.ConsumeIntegralInRange<uint32_t>(1, 16);
  p.param = in.ConsumeIntegralInRange<uint32_t>(1, wc_param_max(p.codec));
  p.rows = in.ConsumeIntegralInRange<uint32_t>(1, 8);
  p.banks = in.ConsumeIntegralInRange<uint32_t>(1, p.rows);
  uint64_t limit = std::min<uint64_t>(uint64_t{1} << p.width, 64);
  if (p.codec == WcCodec::Huffman || p.codec == WcCodec::Dict) limit = std::min(limit, uint64_t{1} << p.param);
  const size_t palette_size = in.ConsumeIntegralInRange<size_t>(1, limit);
  std::vector<uint16_t> palette = {0};
  while (palette.size() < palette_size) {
    const uint16_t c = static_cast<uint16_t>(in.ConsumeIntegral<uint16_t>() & ((1u << p.width) - 1));
    if (std::find(palette.begin(), palette.end(), c) == palette.end()) palette.push_back(c);
    if (in.remaining_bytes() == 0) break;
  }
  std::vector<uint8_t> picks = in.ConsumeRemainingBytes<uint8_t>();
  picks.resize(std::min<size_t>(picks.size(), 2048));
  p.cols = static_cast<uint32_t>(picks.size() / p.rows);
  if (p.cols == 0) return 0;
  std::vector<uint16_t> m(size_t{p.rows} * p.cols);
  for (size_t i = 0; i < m.size(); ++i) m[i] = palette[picks[i] % palette.size()];
  std::vector<uint8_t> want;
  try {
    want = ref::wc_encode(p, m);
  } catch (const std::invalid_argument& e) {
    fuzz::report_finding("wc-encode: the reference rejects a matrix that fits", e.what(), "");
  }
  std::vector<uint8_t> got;
  try {
    got = fast::wc_encode(p, m);
  } catch (const std::invalid_argument& e) {
    fuzz::report_finding("wc-encode: fast rejects a matrix that fits", e.what(), "");
  }
  if (got != want) fuzz::report_finding("wc-encode: fast differs from the reference", std::string("codec ") + wc_codec_name(p.codec), "");
  const ref::WcDecoded r = ref::wc_decode(want);
  WcParams h;
  std::vector<uint16_t> back;
  const WcError e = fast::wc_decode(want, h, back);
  if (!r.error.ok() || r.matrix != m) fuzz::report_finding("wc-encode: the reference does not decode its block back", r.error.message, "");
  if (!e.ok() || back != m) fuzz::report_finding("wc-encode: fast does not decode the block back", e.message, "");
  return 0;
}
