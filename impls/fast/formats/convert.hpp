// lpconform fast — optimized batch conversions between float32/float64/bfloat16/float16 and every
// format of spec/formats.csv.
//
// An implementation under test like any vendor's: bit manipulation and tables, vectorized for
// AVX2 and AVX-512 with runtime dispatch and a portable fallback, threaded for large arrays. It
// never includes reference/ (DESIGN.md rule 1); conformance/ checks it against the reference.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>

#include "spec/formats/format.hpp"
#include "spec/formats/modes.hpp"

namespace lpc::fast {
namespace detail {
struct EncoderPlan;  // derived constants (convert.cpp)
struct DecoderPlan;
}  // namespace detail

// Instruction-set paths. `Auto` picks the best the CPU supports; tests force each in turn.
enum class Isa : uint8_t { Auto, Scalar, Avx2, Avx512 };
const char* to_string(Isa);
bool isa_available(Isa);  // Auto and Scalar are always available

// Internal variants that must never change a result (tests and fuzzers sweep them).
struct Variant {
  Isa isa = Isa::Auto;
  int max_threads = 0;     // 0: hardware concurrency; 1: never spawn threads
  size_t chunk = 0;        // elements per thread task; 0: default (64 Ki)
};

// A compiled conversion to one format under one (rounding, overflow): the per-format constants are
// derived once from the descriptor, then batches run without re-deriving them.
// Throws std::invalid_argument for combinations spec/formats.md rejects.
class Encoder {
 public:
  Encoder(const Format& format, const EncodeParams& params, Variant variant = {});

  // Fast paths, no flags. The output width must hold a code of the format (format.code_bytes()).
  // Stochastic roundings need the random words: use encode() below.
  void from_f32(std::span<const float> in, std::span<uint8_t> out) const;
  void from_f32(std::span<const float> in, std::span<uint16_t> out) const;
  void from_f32(std::span<const float> in, std::span<uint32_t> out) const;

  // General path: any source type (bit patterns zero-extended to 64 bits), optional random words
  // (one per input, low params.sr_bits used; required for stochastic modes), optional flags.
  void encode(Source source, std::span<const uint64_t> in, std::span<const uint32_t> random,
              std::span<uint32_t> codes, std::span<uint8_t> flags) const;

  const Format& format() const { return *format_; }
  const EncodeParams& params() const { return params_; }

 private:
  const Format* format_;
  EncodeParams params_;
  std::shared_ptr<const detail::EncoderPlan> plan_;  // immutable, so copies share it
};

class Decoder {
 public:
  explicit Decoder(const Format& format, Variant variant = {});
  // Codes to float32 / float64 values. Every value of a format of at most 16 bits is a float32;
  // float64 holds every value of every format. NaN codes give a quiet NaN, Inf codes +-inf.
  // to_f32 needs codes as wide as the format's (throws std::invalid_argument otherwise); code bits
  // above the format width are ignored. Formats of at most 8 bits decode through a 256-entry table.
  void to_f32(std::span<const uint8_t> codes, std::span<float> out) const;
  void to_f32(std::span<const uint16_t> codes, std::span<float> out) const;
  void to_f64(std::span<const uint32_t> codes, std::span<double> out) const;

 private:
  const Format* format_;
  std::shared_ptr<const detail::DecoderPlan> plan_;
};

}  // namespace lpc::fast
