// lpconform fast — N:M fine-grained sparsity (spec/sparsity.md): the logical compressed format's
// compress and decompress, prune, and the canonical decomposition into constrained fine-grained
// sparse matrices. 2:4 runs table-driven kernels over two groups at a time (the nonzero mask of 8
// elements picks a shuffle, SSSE3 where the CPU has it); metadata is validated eight nibbles per
// 32-bit word at once; any other N:M takes the general path (a 64-bit bit buffer for the stream).
// Element types: int8, int16, int32, int64 (a float format's codes of that width).
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>

#include "spec/sparsity/nm_format.hpp"

namespace lpc::fast {

// §2.4: compress A (rows x k, row-major) into values (NmLayout::values()) and meta
// (NmLayout::meta_words()). A non-conforming A (or k not a multiple of M) is an error naming the
// row, the group and its columns; the outputs then hold unspecified values. Precondition:
// nm_pattern_error(p) == nullopt and the spans have the layout's sizes (else an error).
template <class T>
std::optional<std::string> nm_compress(NmPattern p, size_t rows, size_t k, std::span<const T> a, std::span<T> values, std::span<uint32_t> meta);

// §2.5: the dense rows x k matrix of (values, meta). Every word is validated before anything is
// written: an invalid field or a nonzero bit after a row's last field is an error naming the word,
// its bits, the row and the group; `out` is then untouched.
template <class T>
std::optional<std::string> nm_decompress(NmPattern p, size_t rows, size_t k, std::span<const T> values, std::span<const uint32_t> meta, std::span<T> out);

// §4: the N largest |a| of every group kept (ties to the lower index), the rest 0. Precondition:
// k a multiple of M; a and out rows·k elements, not overlapping.
template <class T>
void nm_prune(NmPattern p, size_t rows, size_t k, std::span<const T> a, std::span<T> out);

// §5.1: the canonical split of W into parts (nm_max_parts(p) matrices of rows·k, back to back;
// parts j >= r zero). Returns r. Precondition as nm_prune; parts holds nm_max_parts(p)·rows·k.
template <class T>
uint32_t nm_decompose(NmPattern p, size_t rows, size_t k, std::span<const T> w, std::span<T> parts);

}  // namespace lpc::fast
