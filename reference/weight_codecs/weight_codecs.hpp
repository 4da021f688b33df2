// lpconform — the reference weight-memory codecs and compressed weight block (spec/weight_codecs.md),
// written literally from the spec: streams as sequences of single bits, package-merge on explicit
// lists of packages, Huffman decoding by comparing the bits read with every code word.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "spec/weight_codecs/params.hpp"

namespace lpc::ref {

// §2.5.3: the code lengths package-merge gives the frequencies f (all >= 1) under the maximum
// length L; {1} for one symbol. Throws std::invalid_argument when f.size() > 2^L or is empty.
std::vector<int> wc_package_merge(std::span<const uint64_t> frequencies, int max_length);

// §2.5.4: the canonical code word of each symbol (its length is lengths[i]).
std::vector<uint32_t> wc_canonical_codes(std::span<const int> lengths);

// §3: the compressed weight block of the dense row-major matrix `codes` (rows·cols codes).
// Throws std::invalid_argument for what §4's last paragraph lets an encoder reject.
std::vector<uint8_t> wc_encode(const WcParams& p, std::span<const uint16_t> codes);

// §4: the dense matrix a block decodes to, or the first error (matrix left empty).
struct WcDecoded {
  WcParams header;               // as read (valid when error.ok())
  std::vector<uint16_t> matrix;  // rows·cols codes, row-major
  WcError error;
};
WcDecoded wc_decode(std::span<const uint8_t> block);

}  // namespace lpc::ref
