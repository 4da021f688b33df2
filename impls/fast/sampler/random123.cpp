// lpconform fast — Philox4x32 and Threefry4x32 in batches (random123.hpp).
#include "impls/fast/sampler/random123.hpp"

#include <algorithm>
#include <cstring>

#include "impls/fast/sampler/random123_kernels.hpp"

namespace lpc::fast {

namespace {

// One block, portable: Philox's 32x32->64 multiplies and Weyl key bumps (§3.1); Threefry's
// add-rotate-xor with a key injection every four rounds (§3.2).
void philox_block(int rounds, uint32_t k0, uint32_t k1, uint32_t* c) {
  uint32_t x0 = c[0], x1 = c[1], x2 = c[2], x3 = c[3];
  for (int r = 0; r < rounds; ++r, k0 += 0x9E3779B9u, k1 += 0xBB67AE85u) {
    const uint64_t p0 = uint64_t{0xD2511F53u} * x0, p1 = uint64_t{0xCD9E8D57u} * x2;
    const uint32_t y0 = static_cast<uint32_t>(p1 >> 32) ^ x1 ^ k0, y2 = static_cast<uint32_t>(p0 >> 32) ^ x3 ^ k1;
    x1 = static_cast<uint32_t>(p1);
    x3 = static_cast<uint32_t>(p0);
    x0 = y0;
    x2 = y2;
  }
  c[0] = x0, c[1] = x1, c[2] = x2, c[3] = x3;
}

constexpr uint8_t kThreefryRotation[8][2] = {{10, 26}, {11, 21}, {13, 27}, {23, 5}, {6, 20}, {17, 11}, {25, 10}, {18, 20}};

inline uint32_t rotl(uint32_t v, unsigned n) { return (v << n) | (v >> (32 - n)); }

void threefry_block(int rounds, const std::array<uint32_t, 4>& k, uint32_t* c) {
  const uint32_t ks[5] = {k[0], k[1], k[2], k[3], 0x1BD11BDAu ^ k[0] ^ k[1] ^ k[2] ^ k[3]};
  uint32_t x[4] = {c[0] + ks[0], c[1] + ks[1], c[2] + ks[2], c[3] + ks[3]};
  for (int r = 0; r < rounds; ++r) {
    const uint8_t* rot = kThreefryRotation[r & 7];
    const int partner = (r & 1) ? 3 : 1, other = 4 - partner;  // even: (0,1),(2,3); odd: (0,3),(2,1)
    x[0] += x[partner];
    x[partner] = rotl(x[partner], rot[0]) ^ x[0];
    x[2] += x[other];
    x[other] = rotl(x[other], rot[1]) ^ x[2];
    if ((r & 3) == 3) {
      const unsigned q = static_cast<unsigned>(r + 1) >> 2;
      for (int i = 0; i < 4; ++i) x[i] += ks[(q + i) % 5];
      x[3] += q;
    }
  }
  std::memcpy(c, x, sizeof x);
}

void block(const CounterRngSpec& spec, uint32_t* c) {
  if (spec.generator == CounterRng::Philox)
    philox_block(spec.rounds, spec.key[0], spec.key[1], c);
  else
    threefry_block(spec.rounds, spec.key, c);
}

bool use_avx512(Isa isa) { return isa == Isa::Avx512 || (isa == Isa::Auto && isa_available(Isa::Avx512)); }

constexpr size_t kChunk = detail::kRandom123Avx512Blocks;

// kChunk consecutive blocks of a stream (c0, c1 = the 64-bit block number; c2, c3 fixed) into out.
void stream_chunk(const CounterRngSpec& spec, uint64_t first_block, uint32_t c2, uint32_t c3, bool avx512, uint32_t* out) {
  if (avx512) return detail::random123_avx512(spec, nullptr, first_block, c2, c3, out);
  for (size_t b = 0; b < kChunk; ++b) {
    const uint64_t n = first_block + static_cast<uint64_t>(b);
    uint32_t* c = out + 4 * b;
    c[0] = static_cast<uint32_t>(n), c[1] = static_cast<uint32_t>(n >> 32), c[2] = c2, c[3] = c3;
    block(spec, c);
  }
}

}  // namespace

void random123_blocks(const CounterRngSpec& spec, std::span<const uint32_t> counters, std::span<uint32_t> out, Isa isa) {
  const size_t blocks = counters.size() / 4;
  size_t b = 0;
  if (use_avx512(isa))
    for (; b + kChunk <= blocks; b += kChunk) detail::random123_avx512(spec, counters.data() + 4 * b, 0, 0, 0, out.data() + 4 * b);
  for (; b < blocks; ++b) {
    std::copy_n(counters.data() + 4 * b, 4, out.data() + 4 * b);
    block(spec, out.data() + 4 * b);
  }
}

void sample_words(CounterRng generator, uint64_t seed, uint32_t row, uint64_t first, std::span<uint32_t> out, Isa isa) {
  const CounterRngSpec spec{generator, generator == CounterRng::Philox ? 10 : 20, {static_cast<uint32_t>(seed), static_cast<uint32_t>(seed >> 32), 0, 0}};
  const bool avx512 = use_avx512(isa);
  alignas(64) uint32_t words[4 * kChunk];
  for (size_t i = 0; i < out.size();) {
    const uint64_t s = first + i;
    const size_t lane = static_cast<size_t>(s % 4), take = std::min<size_t>(4 * kChunk - lane, out.size() - i);
    if (lane == 0 && take == 4 * kChunk) {  // whole: straight into the output
      stream_chunk(spec, s / 4, row, 0, avx512, out.data() + i);
    } else {
      stream_chunk(spec, s / 4, row, 0, avx512, words);
      std::copy_n(words + lane, take, out.data() + i);
    }
    i += take;
  }
}

}  // namespace lpc::fast
