// lpconform fuzz — the compressed weight block decoders (spec/weight_codecs.md §4), differential:
// the fast decoder, with its AVX-512 VBMI2 ZVC kernel and without, and the chip model's bank
// decoders (impls/chip/weights, §5.1), against the reference, on untrusted bytes. Built once per codec (LPC_WC_CODEC 1..4: the input's byte 5, the codec, is
// forced to it, so each target's corpus grows that decoder's paths); 0 takes the bytes as they are.
//
// Verdict: the same error offset, and on a valid block the same matrix. Blocks that declare more
// than 2^16 codes (ZRLE's implied zeros can make a short block declare 2^24) are decoded by fast
// and the chip alone, which must agree: the reference decodes bit by bit and would stall the fuzzer.
// No read outside the input is the sanitizers' to find.
#include <algorithm>
#include <string>
#include <vector>

#include "fuzz/support/fuzz_support.hpp"
#include "impls/chip/weights/weights.hpp"
#include "impls/fast/weight_codecs/weight_codecs.hpp"
#include "reference/weight_codecs/weight_codecs.hpp"

#ifndef LPC_WC_CODEC
#define LPC_WC_CODEC 0
#endif

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace lpc;
  std::vector<uint8_t> block(data, data + size);
  if (LPC_WC_CODEC && block.size() > 5) block[5] = LPC_WC_CODEC;
  WcParams h;
  std::vector<uint16_t> plain, simd;
  const WcError e_plain = fast::wc_decode(block, h, plain, false);
  const WcError e_simd = fast::wc_decode(block, h, simd, true);
  auto text = [](const WcError& e) { return std::to_string(e.offset) + " (" + e.message + ")"; };
  if (e_plain.offset != e_simd.offset || plain != simd)
    fuzz::report_finding("wc-decode: fast with and without SIMD disagree", "portable: " + text(e_plain) + "\nsimd: " + text(e_simd), "");
  const chip::WeightLoad banks = chip::load_weight_block(block);
  if (banks.error.offset != e_plain.offset || chip::dense_from_banks(banks) != plain)
    fuzz::report_finding("wc-decode: the chip's banks differ from fast", "fast: " + text(e_plain) + "\nchip: " + text(banks.error), "");
  uint64_t declared = 0;
  if (size >= 16) {
    auto u32 = [&](size_t at) { return uint64_t(block[at]) | uint64_t(block[at + 1]) << 8 | uint64_t(block[at + 2]) << 16 | uint64_t(block[at + 3]) << 24; };
    declared = u32(8) * u32(12);
  }
  if (declared > (uint64_t{1} << 16)) return 0;
  const ref::WcDecoded want = ref::wc_decode(block);
  if (want.error.offset != e_plain.offset || want.matrix != plain)
    fuzz::report_finding("wc-decode: fast differs from the reference", "reference: " + text(want.error) + "\nfast: " + text(e_plain) +
                         (want.error.ok() && e_plain.ok() ? "\nboth valid, the matrices differ" : ""), "");
  return 0;
}
