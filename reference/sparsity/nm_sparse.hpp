// lpconform reference — N:M fine-grained sparsity (spec/sparsity.md): the logical compressed format,
// prune, the canonical decomposition into constrained fine-grained sparse matrices and the exact
// integer matmul. Written from the spec's definitions with a different algorithm from impls/:
// a group's kept positions are the lexicographically first of all C(M, N) index sets that holds its
// nonzeros (§2.4), a row's metadata is one arbitrary-precision integer Σ field_g · 2^(g·w) split
// into 32-bit words (§2.3), a field is decoded by lookup in the table of every valid field (§2.2),
// products are summed in Boost cpp_int (in the .cpp only). Nothing here is shared with impls/.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "spec/sparsity/nm_format.hpp"

namespace lpc::ref {

// Every valid metadata field of `p` (§2.2) with its indices, in lexicographic order of the indices.
struct NmField {
  uint64_t field = 0;
  std::vector<uint32_t> indices;  // strictly increasing, each < M
};
std::vector<NmField> nm_valid_fields(NmPattern p);

// §1: the first group of A (rows x k, row-major) holding more than N nonzeros, as the error text
// of §2.4, or nullopt when A conforms. Also the shape errors (k not a multiple of M, a size that
// is not rows·k). Precondition: nm_pattern_error(p) == nullopt.
std::optional<std::string> nm_conformance_error(NmPattern p, size_t rows, size_t k, std::span<const int64_t> a);

struct NmCompressed {
  bool ok = false;
  std::string error;
  std::vector<int64_t> values;  // rows x (k/M)·N
  std::vector<uint32_t> meta;   // rows x ceil((k/M)·w / 32) words
};
// §2.4: compress a conforming A; a non-conforming one is an error (nm_conformance_error's text).
NmCompressed nm_compress(NmPattern p, size_t rows, size_t k, std::span<const int64_t> a);

// §2.5: the first rule (values, meta) break, as the error text of §2.5 (sizes, a word outside
// 0 .. 2^32-1, an invalid field, a nonzero bit after a row's last field), or nullopt. The words
// are untrusted integers.
std::optional<std::string> nm_metadata_error(NmPattern p, size_t rows, size_t k, std::span<const int64_t> values, std::span<const int64_t> meta);

struct NmMatrix {
  bool ok = false;
  std::string error;
  std::vector<int64_t> a;  // rows x k
};
// §2.5: the dense matrix of (values, meta), or nm_metadata_error's error.
NmMatrix nm_decompress(NmPattern p, size_t rows, size_t k, std::span<const int64_t> values, std::span<const int64_t> meta);

// §4: keep the N largest |a| of each group (ties to the lower index), zero the rest. Precondition:
// k a multiple of M, a.size() == rows·k.
std::vector<int64_t> nm_prune(NmPattern p, size_t rows, size_t k, std::span<const int64_t> a);

struct NmDecomposition {
  uint32_t r = 0;                           // the number of matrices of the canonical split (§5.1)
  std::vector<std::vector<int64_t>> parts;  // ceil(M/N) matrices rows x k; parts j >= r all zero
};
// §5.1: the canonical split of W. Precondition as nm_prune.
NmDecomposition nm_decompose(NmPattern p, size_t rows, size_t k, std::span<const int64_t> w);

// §6.1: Y = W·X (W rows x k, X k x cols, row-major) summed exactly, then wrapped to int32 two's
// complement.
std::vector<int64_t> matmul_wrap32(size_t rows, size_t k, size_t cols, std::span<const int64_t> w, std::span<const int64_t> x);

}  // namespace lpc::ref
