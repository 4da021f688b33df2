// lpconform tests — AdaComp (spec/codecs.md §1): the two implementations behind one signature, so
// every known answer runs on both, and a message encoder written here from §1.4's tables alone
// (byte by byte, bit by bit) for the exhaustive layouts.
#pragma once

#include <bit>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "impls/fast/codecs/adacomp.hpp"
#include "reference/codecs/adacomp.hpp"

namespace lpc::test {

struct AdacompResult {
  bool ok = false;
  std::string error;
  std::vector<uint8_t> message;
  std::vector<float> next_residue, update;
};

struct AdacompDecodeResult {
  bool ok = false;
  uint64_t offset = 0;
  std::string error;
  std::vector<float> update;
};

enum class AdacompImpl { Reference, Fast };
inline const char* name_of(AdacompImpl i) { return i == AdacompImpl::Reference ? "reference" : "fast"; }

inline AdacompResult compress(AdacompImpl impl, const AdacompParams& p, std::span<const float> r, std::span<const float> d) {
  AdacompResult out;
  if (impl == AdacompImpl::Reference) {
    ref::AdacompOutcome x = ref::adacomp_compress(p, r, d);
    return {x.ok, x.error, std::move(x.message), std::move(x.next_residue), std::move(x.update)};
  }
  out.next_residue.resize(r.size());
  out.update.resize(r.size());
  const auto e = fast::adacomp_compress(p, r, d, out.next_residue, out.update, out.message);
  out.ok = !e;
  if (e) out = {false, *e, {}, {}, {}};
  return out;
}

inline AdacompDecodeResult decode(AdacompImpl impl, const AdacompParams& p, uint64_t n, std::span<const uint8_t> message) {
  if (impl == AdacompImpl::Reference) {
    ref::AdacompDecoded x = ref::adacomp_decode(p, n, message);
    return {x.ok, x.error_offset, x.error, std::move(x.update)};
  }
  AdacompDecodeResult out;
  out.update.resize(n);
  const auto e = fast::adacomp_decode(p, message, out.update);
  if (e) return {false, e->offset, e->message, {}};
  out.ok = true;
  return out;
}

// §1.4 written out for the tests: the message of the selected indices (increasing) and signs.
inline std::vector<uint8_t> spec_message(const AdacompParams& p, uint64_t n, float scale, const std::vector<uint32_t>& index, const std::vector<bool>& negative) {
  std::vector<uint8_t> m;
  auto u32 = [&](uint32_t v) {
    for (int k = 0; k < 4; ++k) m.push_back(static_cast<uint8_t>((v >> (8 * k)) & 0xff));
  };
  u32(static_cast<uint32_t>(index.size()));
  u32(std::bit_cast<uint32_t>(scale));
  std::vector<bool> bits;
  if (p.layout == AdacompLayout::Index32) {
    for (uint32_t i : index) u32(i);
    bits = negative;
  } else {
    const int w = std::bit_width(p.bin - 1);
    for (uint64_t start = 0; start < n; start += p.bin) {
      std::vector<uint32_t> in_bin;
      std::vector<bool> signs;
      for (size_t j = 0; j < index.size(); ++j)
        if (index[j] >= start && index[j] < start + p.bin) in_bin.push_back(static_cast<uint32_t>(index[j] - start)), signs.push_back(negative[j]);
      for (size_t k = 0; k < in_bin.size(); ++k) bits.push_back(true);
      bits.push_back(false);
      for (size_t k = 0; k < in_bin.size(); ++k) {
        for (int b = 0; b < w; ++b) bits.push_back((in_bin[k] >> b) & 1);
        bits.push_back(signs[k]);
      }
    }
  }
  for (size_t b = 0; b < bits.size(); b += 8) {
    uint8_t byte = 0;
    for (size_t k = 0; k < 8 && b + k < bits.size(); ++k) byte |= static_cast<uint8_t>(bits[b + k] << k);
    m.push_back(byte);
  }
  return m;
}

}  // namespace lpc::test
