// lpconform vector mode — NumPy .npy files (format versions 1.0, 2.0, 3.0), the tensor files of
// the registry ops in vector mode (spec/vectors.md), as TOSA's conformance tests use them. A file
// from a vendor is outside input: read_npy accepts what numpy.save writes for the integer and
// float element types and rejects everything else with the reason (fuzz/parsers/npy_fuzzer.cpp).
#pragma once

#include <string>
#include <string_view>

#include "conformance/ops/values.hpp"

namespace lpc::cli {

// The bytes of an .npy file holding `t`: '<i8' for integers, '<f8' for reals, C order.
std::string npy_bytes(const ops::Tensor& t);

// A tensor from .npy bytes: little-endian or byte-order-free integers of 1, 2, 4 or 8 bytes
// (unsigned ones up to 2^63 - 1) as integers, '<f4' and '<f8' as reals; C order. Throws
// std::invalid_argument with the reason (the caller names the file).
ops::Tensor read_npy(std::string_view bytes);

}  // namespace lpc::cli
