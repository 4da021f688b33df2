// lpconform — the N:M fine-grained sparsity pattern and the layout of its logical compressed format
// (spec/sparsity.md §1-§2), shared by the reference and every implementation so both present the
// same signature. Plain values, sizes and the validation spec/sparsity.md states; no codec logic.
#pragma once

#include <bit>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>

namespace lpc {

// §1: at most N nonzero elements in every group of M consecutive elements along K.
inline constexpr uint32_t kMaxNmGroup = 16;  // M <= 16 [suite]

struct NmPattern {
  uint32_t n = 2;  // N, 1 .. M-1
  uint32_t m = 4;  // M, 2 .. 16
};

// The error message for a pattern spec/sparsity.md §1 rejects, or nullopt.
inline std::optional<std::string> nm_pattern_error(NmPattern p) {
  if (p.m < 2 || p.m > kMaxNmGroup) return "M must be in [2, 16] (spec/sparsity.md §1)";
  if (p.n < 1 || p.n >= p.m) return "N must be in [1, M-1] (spec/sparsity.md §1)";
  return std::nullopt;
}

inline std::string nm_name(NmPattern p) { return std::to_string(p.n) + ":" + std::to_string(p.m); }

// §2.2: b = ceil(log2 M) bits per index, w = N·b bits per group field.
inline constexpr uint32_t nm_index_bits(NmPattern p) { return static_cast<uint32_t>(std::bit_width(p.m - 1)); }
inline constexpr uint32_t nm_field_bits(NmPattern p) { return p.n * nm_index_bits(p); }

// §2.1-2.3: the sizes of a rows x k matrix (k a multiple of M) in the compressed format.
struct NmLayout {
  NmPattern pattern;
  size_t rows = 0, k = 0;
  size_t groups_per_row() const { return k / pattern.m; }
  size_t values_per_row() const { return groups_per_row() * pattern.n; }
  size_t meta_words_per_row() const { return (groups_per_row() * nm_field_bits(pattern) + 31) / 32; }
  size_t values() const { return rows * values_per_row(); }
  size_t meta_words() const { return rows * meta_words_per_row(); }
  size_t elements() const { return rows * k; }
};

// The error message for a shape §1 rejects (k not a multiple of M), or nullopt.
inline std::optional<std::string> nm_shape_error(NmPattern p, size_t k) {
  if (k % p.m != 0) return "K = " + std::to_string(k) + " is not a multiple of M = " + std::to_string(p.m) + " (spec/sparsity.md §1)";
  return std::nullopt;
}

// §5: the most matrices the canonical split of any matrix needs, ceil(M / N).
inline constexpr uint32_t nm_max_parts(NmPattern p) { return (p.m + p.n - 1) / p.n; }

}  // namespace lpc
