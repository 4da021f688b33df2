// lpconform — the optimized weight-memory codecs and compressed weight block
// (spec/weight_codecs.md): 64-bit word reads and writes, a lookup table for canonical Huffman
// codes, AVX-512 VBMI2 expand-loads for byte-aligned ZVC blocks (chosen at run time), the
// package-merge lengths from leaf counts per level. Decoders take untrusted bytes: every read is
// bounded by the block, and the first error of §4 is reported at its byte offset.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "spec/weight_codecs/params.hpp"

namespace lpc::fast {

// §2.5.3: the package-merge code lengths of frequencies f (all >= 1) under the maximum length L
// ({1} for one symbol). Throws std::invalid_argument when f is empty or longer than 2^L.
std::vector<int> wc_package_merge(std::span<const uint64_t> frequencies, int max_length);

// §3: the compressed weight block of the dense row-major matrix `codes`. Throws
// std::invalid_argument for what spec/weight_codecs.md §4 lets an encoder reject.
std::vector<uint8_t> wc_encode(const WcParams& p, std::span<const uint16_t> codes);

// §4: decodes `block` into `matrix` (resized to rows·cols, row-major) and `header`; on an error
// the matrix is left empty and the error says where. `simd` false keeps to the portable paths.
WcError wc_decode(std::span<const uint8_t> block, WcParams& header, std::vector<uint16_t>& matrix, bool simd = true);

// Whether the AVX-512 VBMI2 ZVC kernel can run on this machine.
bool wc_simd_available();

}  // namespace lpc::fast
