// lpconform fast — Encoder and Decoder: plan construction, instruction-set dispatch and threading.
// The arithmetic lives in scalar_codec.cpp (general path) and encode_kernel.hpp (batch kernels).
#include "impls/fast/formats/convert.hpp"

#include <algorithm>
#include <array>
#include <atomic>
#include <bit>
#include <cmath>
#include <limits>
#include <optional>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "impls/fast/formats/chunk_pool.hpp"
#include "impls/fast/formats/scalar_codec.hpp"
#include "impls/fast/formats/simd_kernels.hpp"

namespace lpc::fast {
namespace detail {

using EncodeKernel = void (*)(const KernelPlan&, const float*, size_t, void*, int);
using DecodeKernel = void (*)(const float*, const uint8_t*, size_t, float*);

struct EncoderPlan {
  FormatConstants constants;
  Variant variant;
  std::optional<KernelPlan> kernel;  // the float32 batch kernel, when it serves these params
  EncodeKernel encode_f32 = nullptr;
};

struct DecoderPlan {
  FormatConstants constants;
  Variant variant;
  std::array<float, 256> table_f32{};   // formats of at most 8 bits: value of code & code_mask
  std::array<double, 256> table_f64{};
  DecodeKernel decode_u8 = nullptr;
};

namespace {

constexpr size_t kDefaultChunk = size_t{64} << 10;

bool cpu_has(Isa isa) {
  switch (isa) {
    case Isa::Auto:
    case Isa::Scalar: return true;
    case Isa::Avx2: return __builtin_cpu_supports("avx2");
    case Isa::Avx512:
      return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
             __builtin_cpu_supports("avx512dq") && __builtin_cpu_supports("avx512vl");
  }
  return false;
}

Isa resolve(Isa requested) {
  if (!cpu_has(requested))
    throw std::invalid_argument(std::string("lpc::fast: instruction set '") + to_string(requested) +
                                "' is not available on this CPU (see lpc::fast::isa_available)");
  if (requested != Isa::Auto) return requested;
  return cpu_has(Isa::Avx512) ? Isa::Avx512 : cpu_has(Isa::Avx2) ? Isa::Avx2 : Isa::Scalar;
}

// Runs body(begin, end) over [0, n) in chunks, on up to max_threads threads (the calling thread
// included; the others from the chunk pool). Chunks are independent, so the split never changes a
// result. A batch of one chunk never leaves the calling thread.
template <class Body>
void for_each_chunk(size_t n, const Variant& variant, Body body) {
  const size_t chunk = variant.chunk ? variant.chunk : kDefaultChunk;
  const size_t chunks = (n + chunk - 1) / chunk;
  static const unsigned hardware = std::max(1u, std::thread::hardware_concurrency());  // a system call: ask once
  const size_t threads = std::min<size_t>(variant.max_threads > 0 ? size_t(variant.max_threads) : hardware, chunks);
  if (threads <= 1) {
    if (n) body(size_t{0}, n);
    return;
  }
  struct Context {
    Body* body;
    size_t n, chunk;
  } context{&body, n, chunk};
  run_chunks(chunks, threads, [](void* p, size_t c) {
    const Context& ctx = *static_cast<const Context*>(p);
    (*ctx.body)(c * ctx.chunk, std::min(ctx.n, (c + 1) * ctx.chunk));
  }, &context);
}

void check_sizes(const char* what, size_t in, size_t out) {
  if (in != out)
    throw std::invalid_argument(std::string("lpc::fast: ") + what + ": output has " + std::to_string(out) +
                                " elements, input has " + std::to_string(in));
}

void check_code_width(const Format& format, size_t code_bytes, const char* what) {
  if (size_t(format.code_bytes()) > code_bytes)
    throw std::invalid_argument(std::string("lpc::fast: ") + what + ": format '" + format.name + "' has " +
                                std::to_string(format.bits) + "-bit codes, which do not fit " +
                                std::to_string(code_bytes) + "-byte elements");
}

uint32_t encode_special(const FormatConstants& c, const EncodeParams& params, double value) {
  return encode_one(c, params, Source::F64, std::bit_cast<uint64_t>(value), 0).code;
}

}  // namespace

std::optional<KernelPlan> make_kernel_plan(const FormatConstants& c, const EncodeParams& params) {
  if (params.rounding != Rounding::Rne && params.rounding != Rounding::Rna && params.rounding != Rounding::Rtz)
    return std::nullopt;
  KernelPlan p;
  p.rounding = params.rounding;
  p.code_mask = int32_t(c.code_mask);
  if (c.is_float) {
    // The kernel's grid is radix 2 with a subnormal binade and M <= 22 (a rounding bit below the
    // quantum inside the float32 fraction); the smallest normal must be a float32 normal and the
    // quantum at least 2^-125, so float32 subnormal inputs (below half a quantum) round to 0 in
    // every mode the kernel serves, whatever the DAZ setting.
    //   One exception: a format whose smallest normal is float32's, 2^-126 (bfloat16). Its
    // subnormal binade lies on float32's, so the float32 bit pattern shifted right by 23 - M is
    // the code in every binade, subnormals included, and no lane needs the scaled route (whose
    // scale, 2^(M + 126), would not be a float32).
    const int emin = c.min_normal_log2;
    const bool float32_bottom = emin == -126 && c.bias == 127 && !c.radix4 && !c.zero_less && c.man_bits <= 22;
    if (!float32_bottom && (c.radix4 || c.zero_less || c.man_bits > 22 || emin - c.man_bits < -125 || emin > 127))
      return std::nullopt;
    p.quantum_shift = 23 - c.man_bits;
    p.exponent_offset = (127 - c.bias) * (1 << c.man_bits);
    p.min_normal_bits = float32_bottom ? 0 : (emin + 127) << 23;
    p.subnormal_scale = float32_bottom ? 1.0f : std::ldexp(1.0f, c.man_bits - emin);
    p.max_magnitude[0] = p.max_magnitude[1] = int32_t(c.max_magnitude);
    p.negative_is_nan = !c.is_signed;
    p.keep_negative_zero = c.neg_zero;
    p.sign_bit = int32_t(c.sign_bit);
  } else {
    if (params.overflow != Overflow::Sat || c.bits > 16) return std::nullopt;
    p.integer = true;
    p.min_normal_bits = 0x7F800001;  // every lane takes the "subnormal" route with quantum 1
    p.subnormal_scale = 1.0f;
    p.max_magnitude[0] = int32_t(c.max_magnitude);
    p.max_magnitude[1] = int32_t(c.min_magnitude);
  }
  // The special results are whatever the general path gives, so the two paths cannot disagree.
  constexpr double kHuge = std::numeric_limits<double>::max();
  constexpr double kInf = std::numeric_limits<double>::infinity();
  const double nan = std::numeric_limits<double>::quiet_NaN();
  for (int negative = 0; negative < 2; ++negative) {
    const double sign = negative ? -1.0 : 1.0;
    p.overflow_code[negative] = int32_t(encode_special(c, params, sign * kHuge));
    p.inf_code[negative] = int32_t(encode_special(c, params, sign * kInf));
    p.nan_code[negative] = int32_t(encode_special(c, params, std::copysign(nan, sign)));
  }
  return p;
}

}  // namespace detail

const char* to_string(Isa isa) {
  switch (isa) {
    case Isa::Auto: return "auto";
    case Isa::Scalar: return "scalar";
    case Isa::Avx2: return "avx2";
    case Isa::Avx512: return "avx512";
  }
  return "?";
}

bool isa_available(Isa isa) { return detail::cpu_has(isa); }

Encoder::Encoder(const Format& format, const EncodeParams& params, Variant variant)
    : format_(&format), params_(params) {
  detail::check_params(format, params);
  auto plan = std::make_shared<detail::EncoderPlan>();
  plan->constants = detail::derive_constants(format);
  plan->variant = variant;
  plan->kernel = detail::make_kernel_plan(plan->constants, params);
  switch (detail::resolve(variant.isa)) {
    case Isa::Avx512: plan->encode_f32 = detail::encode_f32_avx512; break;
    case Isa::Avx2: plan->encode_f32 = detail::encode_f32_avx2; break;
    default: plan->encode_f32 = detail::encode_f32_scalar; break;
  }
  plan_ = std::move(plan);
}

template <class Code>
static void encode_f32_batch(const Format& format, const EncodeParams& params, const detail::EncoderPlan& plan,
                             std::span<const float> in, std::span<Code> out) {
  detail::check_sizes("Encoder::from_f32", in.size(), out.size());
  detail::check_code_width(format, sizeof(Code), "Encoder::from_f32");
  if (is_stochastic(params.rounding))
    throw std::invalid_argument(std::string("lpc::fast: Encoder::from_f32: rounding ") + to_string(params.rounding) +
                                " needs random words; use Encoder::encode");
  detail::for_each_chunk(in.size(), plan.variant, [&](size_t begin, size_t end) {
    if (plan.kernel) {
      plan.encode_f32(*plan.kernel, in.data() + begin, end - begin, out.data() + begin, int(sizeof(Code)));
      return;
    }
    for (size_t i = begin; i < end; ++i)
      out[i] = Code(detail::encode_one(plan.constants, params, Source::F32, std::bit_cast<uint32_t>(in[i]), 0).code);
  });
}

void Encoder::from_f32(std::span<const float> in, std::span<uint8_t> out) const {
  encode_f32_batch(*format_, params_, *plan_, in, out);
}
void Encoder::from_f32(std::span<const float> in, std::span<uint16_t> out) const {
  encode_f32_batch(*format_, params_, *plan_, in, out);
}
void Encoder::from_f32(std::span<const float> in, std::span<uint32_t> out) const {
  encode_f32_batch(*format_, params_, *plan_, in, out);
}

void Encoder::encode(Source source, std::span<const uint64_t> in, std::span<const uint32_t> random,
                     std::span<uint32_t> codes, std::span<uint8_t> flags) const {
  detail::check_sizes("Encoder::encode (codes)", in.size(), codes.size());
  if (!flags.empty()) detail::check_sizes("Encoder::encode (flags)", in.size(), flags.size());
  const bool stochastic = is_stochastic(params_.rounding);
  if (stochastic) detail::check_sizes("Encoder::encode (random words for a stochastic rounding)", in.size(), random.size());
  const detail::EncoderPlan& plan = *plan_;
  detail::for_each_chunk(in.size(), plan.variant, [&](size_t begin, size_t end) {
    for (size_t i = begin; i < end; ++i) {
      const auto result = detail::encode_one(plan.constants, params_, source, in[i], stochastic ? random[i] : 0);
      codes[i] = result.code;
      if (!flags.empty()) flags[i] = result.flags;
    }
  });
}

Decoder::Decoder(const Format& format, Variant variant) : format_(&format) {
  auto plan = std::make_shared<detail::DecoderPlan>();
  plan->constants = detail::derive_constants(format);
  plan->variant = variant;
  if (format.bits <= 8)
    for (uint32_t code = 0; code < 256; ++code) {
      plan->table_f64[code] = detail::decode_code(plan->constants, code);
      plan->table_f32[code] = float(plan->table_f64[code]);  // exact: every such value is a float32
    }
  switch (detail::resolve(variant.isa)) {
    case Isa::Avx512: plan->decode_u8 = detail::decode_u8_avx512; break;
    default: plan->decode_u8 = detail::decode_u8_scalar; break;
  }
  plan_ = std::move(plan);
}

void Decoder::to_f32(std::span<const uint8_t> codes, std::span<float> out) const {
  detail::check_sizes("Decoder::to_f32", codes.size(), out.size());
  if (format_->bits > 8)
    throw std::invalid_argument("lpc::fast: Decoder::to_f32: format '" + format_->name + "' has " +
                                std::to_string(format_->bits) + "-bit codes; pass them as uint16 or uint32");
  const detail::DecoderPlan& plan = *plan_;
  detail::for_each_chunk(codes.size(), plan.variant, [&](size_t begin, size_t end) {
    plan.decode_u8(plan.table_f32.data(), codes.data() + begin, end - begin, out.data() + begin);
  });
}

void Decoder::to_f32(std::span<const uint16_t> codes, std::span<float> out) const {
  detail::check_sizes("Decoder::to_f32", codes.size(), out.size());
  if (format_->bits > 16)
    throw std::invalid_argument("lpc::fast: Decoder::to_f32: format '" + format_->name +
                                "' has values outside float32 codes of 16 bits; use to_f64");
  const detail::DecoderPlan& plan = *plan_;
  detail::for_each_chunk(codes.size(), plan.variant, [&](size_t begin, size_t end) {
    if (format_->bits <= 8) {
      for (size_t i = begin; i < end; ++i) out[i] = plan.table_f32[codes[i] & 0xFF & plan.constants.code_mask];
    } else {
      for (size_t i = begin; i < end; ++i) out[i] = float(detail::decode_code(plan.constants, codes[i]));
    }
  });
}

void Decoder::to_f64(std::span<const uint32_t> codes, std::span<double> out) const {
  detail::check_sizes("Decoder::to_f64", codes.size(), out.size());
  const detail::DecoderPlan& plan = *plan_;
  detail::for_each_chunk(codes.size(), plan.variant, [&](size_t begin, size_t end) {
    if (format_->bits <= 8) {
      for (size_t i = begin; i < end; ++i) out[i] = plan.table_f64[codes[i] & plan.constants.code_mask];
    } else {
      for (size_t i = begin; i < end; ++i) out[i] = detail::decode_code(plan.constants, codes[i]);
    }
  });
}

}  // namespace lpc::fast
