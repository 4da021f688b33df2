#include "fuzz/support/fuzz_support.hpp"

#include <cstdio>
#include <cstdlib>

namespace lpc::fuzz {

void report_finding(std::string_view signature, std::string_view detail, std::string_view repro) {
  std::fprintf(stderr, "lpc-fuzz: FINDING %.*s\n", int(signature.size()), signature.data());
  for (size_t begin = 0; begin < detail.size();) {
    size_t end = detail.find('\n', begin);
    if (end == std::string_view::npos) end = detail.size();
    std::fprintf(stderr, "lpc-fuzz: %.*s\n", int(end - begin), detail.data() + begin);
    begin = end + 1;
  }
  if (!repro.empty()) std::fprintf(stderr, "lpc-fuzz: repro: %.*s\n", int(repro.size()), repro.data());
  std::fflush(stderr);
  std::abort();
}

fast::Variant consume_variant(FuzzedDataProvider& provider, const Format& format, const uint8_t* data, size_t size) {
  constexpr fast::Isa kIsas[] = {fast::Isa::Auto, fast::Isa::Scalar, fast::Isa::Avx2, fast::Isa::Avx512};
  const uint8_t isa_byte = provider.ConsumeIntegral<uint8_t>();
  fast::Variant variant;
  variant.isa = kIsas[isa_byte % 4];
  if (!fast::isa_available(variant.isa) || format.bits > 16) variant.isa = fast::Isa::Auto;
  variant.max_threads = 1;
  uint64_t hash = 0xcbf29ce484222325u;  // FNV-1a over the whole input
  for (size_t i = 0; i < size; ++i) hash = (hash ^ data[i]) * 0x100000001b3u;
  if (hash % 1024 == 0 && format.bits <= 16) {
    variant.max_threads = 2 + ((hash >> 10) & 1);
    variant.chunk = (hash >> 11) & 1 ? 5 : 1;
  }
  return variant;
}

std::string describe(const fast::Variant& variant) {
  return std::string("isa=") + fast::to_string(variant.isa) + " threads=" + std::to_string(variant.max_threads) +
         " chunk=" + std::to_string(variant.chunk);
}

}  // namespace lpc::fuzz
