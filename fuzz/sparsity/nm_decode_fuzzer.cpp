// lpconform fuzz — the N:M compressed-format decoder (spec/sparsity.md §2.5) on untrusted
// metadata, differential: the fast decoder at every element width against the exact reference.
//
// Bytes (FuzzedDataProvider, control values from the end): M in 2..16, N in 1..M-1, K/M in 1..80,
// rows in 1..4, the element width; then the metadata words (4 bytes each, little-endian, as many as
// the layout needs; missing bytes read as 0) and the values (one byte each, sign-extended). Both
// decoders must give the same answer — the same error text, or the same matrix — and a decoded
// matrix must compress back (§2.4) to metadata whose decode is the same matrix. A word of an
// invalid field, a stray bit after a row's last field or a short buffer must be an error, never a
// read out of bounds (the fast decoder reads only the spans it is handed; ASan checks it). Then a
// dense matrix from the bytes left (zero three times in four) through both compressors.
#include <cstdint>
#include <string>
#include <vector>

#include "fuzz/support/fuzz_support.hpp"
#include "impls/fast/sparsity/nm_sparse.hpp"
#include "reference/sparsity/nm_sparse.hpp"

namespace {

using lpc::NmLayout;
using lpc::NmPattern;

std::string describe(NmPattern p, size_t rows, size_t k, int width) {
  return lpc::nm_name(p) + " rows " + std::to_string(rows) + " K " + std::to_string(k) + " int" + std::to_string(width);
}

template <class T>
void check(NmPattern p, size_t rows, size_t k, const std::vector<int64_t>& values, const std::vector<uint32_t>& meta, bool short_meta) {
  const std::string what = describe(p, rows, k, static_cast<int>(8 * sizeof(T)));
  const std::vector<T> v(values.begin(), values.end());
  std::vector<T> out(rows * k);
  const auto error = lpc::fast::nm_decompress<T>(p, rows, k, v, meta, out);
  const auto want = lpc::ref::nm_decompress(p, rows, k, std::vector<int64_t>(v.begin(), v.end()), std::vector<int64_t>(meta.begin(), meta.end()));
  if (want.ok == bool(error) || (error && *error != want.error))
    lpc::fuzz::report_finding("fast-nm-decompress-" + lpc::nm_name(p) + "-error", what + "\nfast: " + error.value_or("ok") + "\nreference: " + (want.ok ? "ok" : want.error),
                              "");
  if (short_meta && !error) lpc::fuzz::report_finding("fast-nm-decompress-short", what + ": a short metadata buffer decoded", "");
  if (!want.ok) return;
  if (std::vector<int64_t>(out.begin(), out.end()) != want.a) lpc::fuzz::report_finding("fast-nm-decompress-" + lpc::nm_name(p) + "-values", what, "");
  // Round trip: the decoded matrix conforms, and its canonical compressed form decodes to it.
  const NmLayout l{p, rows, k};
  std::vector<T> again_values(l.values()), back(rows * k);
  std::vector<uint32_t> again_meta(l.meta_words());
  if (auto e = lpc::fast::nm_compress<T>(p, rows, k, out, again_values, again_meta))
    lpc::fuzz::report_finding("fast-nm-compress-" + lpc::nm_name(p) + "-roundtrip", what + "\n" + *e, "");
  if (lpc::fast::nm_decompress<T>(p, rows, k, again_values, again_meta, back) || back != out)
    lpc::fuzz::report_finding("fast-nm-" + lpc::nm_name(p) + "-roundtrip", what, "");
}

// Compress of a matrix from the remaining bytes (zero three times in four), conforming or not:
// the same error text or the same values and words as the reference.
template <class T>
void check_compress(NmPattern p, size_t rows, size_t k, const std::vector<int64_t>& a) {
  const std::string what = describe(p, rows, k, static_cast<int>(8 * sizeof(T)));
  const NmLayout l{p, rows, k};
  const std::vector<T> in(a.begin(), a.end());
  std::vector<T> values(l.values());
  std::vector<uint32_t> meta(l.meta_words());
  const auto error = lpc::fast::nm_compress<T>(p, rows, k, in, values, meta);
  const auto want = lpc::ref::nm_compress(p, rows, k, a);
  if (want.ok == bool(error) || (error && *error != want.error))
    lpc::fuzz::report_finding("fast-nm-compress-" + lpc::nm_name(p) + "-error", what + "\nfast: " + error.value_or("ok") + "\nreference: " + (want.ok ? "ok" : want.error), "");
  if (want.ok && (std::vector<int64_t>(values.begin(), values.end()) != want.values || meta != want.meta))
    lpc::fuzz::report_finding("fast-nm-compress-" + lpc::nm_name(p) + "-values", what, "");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  FuzzedDataProvider provider(data, size);
  const uint32_t m = provider.ConsumeIntegralInRange<uint32_t>(2, lpc::kMaxNmGroup);
  const NmPattern p{provider.ConsumeIntegralInRange<uint32_t>(1, m - 1), m};
  const size_t k = m * provider.ConsumeIntegralInRange<size_t>(1, 80);
  const size_t rows = provider.ConsumeIntegralInRange<size_t>(1, 4);
  const int width = provider.ConsumeIntegralInRange<int>(0, 3);
  const bool short_meta = provider.ConsumeIntegralInRange<int>(0, 31) == 0;  // one word too few: an error
  const NmLayout l{p, rows, k};
  std::vector<uint32_t> meta(l.meta_words() - (short_meta ? 1 : 0));
  for (uint32_t& w : meta) {
    const std::vector<uint8_t> b = provider.ConsumeBytes<uint8_t>(4);
    w = 0;
    for (size_t i = 0; i < b.size(); ++i) w |= uint32_t{b[i]} << (8 * i);
  }
  std::vector<int64_t> values(l.values());
  for (int64_t& v : values) v = static_cast<int8_t>(provider.ConsumeIntegral<uint8_t>());
  std::vector<int64_t> dense(rows * k);
  for (int64_t& v : dense) {
    const uint8_t b = provider.ConsumeIntegral<uint8_t>();
    v = b & 3 ? 0 : static_cast<int8_t>(b | 4);
  }
  switch (width) {
    case 0: check<int8_t>(p, rows, k, values, meta, short_meta), check_compress<int8_t>(p, rows, k, dense); break;
    case 1: check<int16_t>(p, rows, k, values, meta, short_meta), check_compress<int16_t>(p, rows, k, dense); break;
    case 2: check<int32_t>(p, rows, k, values, meta, short_meta), check_compress<int32_t>(p, rows, k, dense); break;
    default: check<int64_t>(p, rows, k, values, meta, short_meta), check_compress<int64_t>(p, rows, k, dense); break;
  }
  return 0;
}
