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

fast::Variant consume_variant(FuzzedDataProvider& provider, const Format& format) {
  constexpr fast::Isa kIsas[] = {fast::Isa::Auto, fast::Isa::Scalar, fast::Isa::Avx2, fast::Isa::Avx512};
  const uint8_t isa_byte = provider.ConsumeIntegral<uint8_t>();
  const uint8_t thread_byte = provider.ConsumeIntegral<uint8_t>();
  fast::Variant variant;
  variant.isa = kIsas[isa_byte % 4];
  if (!fast::isa_available(variant.isa) || format.bits > 16) variant.isa = fast::Isa::Auto;
  variant.max_threads = 1;
  if (thread_byte == 0xFF && (isa_byte & 0x3C) == 0x3C && format.bits <= 16) {  // 1 in 4096: 2 or 3 threads, chunks of 1 or 5
    variant.max_threads = 2 + ((isa_byte >> 6) & 1);
    variant.chunk = (isa_byte >> 7) & 1 ? 5 : 1;
  }
  return variant;
}

std::string describe(const fast::Variant& variant) {
  return std::string("isa=") + fast::to_string(variant.isa) + " threads=" + std::to_string(variant.max_threads) +
         " chunk=" + std::to_string(variant.chunk);
}

}  // namespace lpc::fuzz
