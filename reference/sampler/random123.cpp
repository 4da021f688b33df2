// lpconform reference — Random123's Philox4x32 and Threefry4x32 (random123.hpp).
#include "reference/sampler/random123.hpp"

namespace lpc::ref {

namespace {

// §3.1 constants: the multipliers and the Weyl key bumps (golden ratio, sqrt(3) - 1).
constexpr uint32_t kPhiloxM0 = 0xD2511F53, kPhiloxM1 = 0xCD9E8D57;
constexpr uint32_t kPhiloxW0 = 0x9E3779B9, kPhiloxW1 = 0xBB67AE85;

// §3.2 constants: Skein's key-schedule parity and the 4x32 rotation pairs, round r using r mod 8.
constexpr uint32_t kSkeinParity = 0x1BD11BDA;
constexpr int kRotations[8][2] = {{10, 26}, {11, 21}, {13, 27}, {23, 5}, {6, 20}, {17, 11}, {25, 10}, {18, 20}};

uint32_t rotate_left(uint32_t x, int n) { return (x << n) | (x >> (32 - n)); }

}  // namespace

Words4 philox4x32(int rounds, const Words4& counter, const std::array<uint32_t, 2>& key) {
  Words4 c = counter;
  uint32_t k0 = key[0], k1 = key[1];
  for (int r = 0; r < rounds; ++r) {
    if (r > 0) {  // the key bump before every round but the first
      k0 += kPhiloxW0;
      k1 += kPhiloxW1;
    }
    const uint64_t product0 = uint64_t{kPhiloxM0} * c[0];
    const uint64_t product1 = uint64_t{kPhiloxM1} * c[2];
    const uint32_t hi0 = static_cast<uint32_t>(product0 >> 32), lo0 = static_cast<uint32_t>(product0);
    const uint32_t hi1 = static_cast<uint32_t>(product1 >> 32), lo1 = static_cast<uint32_t>(product1);
    c = {hi1 ^ c[1] ^ k0, lo1, hi0 ^ c[3] ^ k1, lo0};
  }
  return c;
}

Words4 threefry4x32(int rounds, const Words4& counter, const Words4& key) {
  uint32_t ks[5] = {key[0], key[1], key[2], key[3], kSkeinParity ^ key[0] ^ key[1] ^ key[2] ^ key[3]};
  Words4 x;
  for (int i = 0; i < 4; ++i) x[i] = counter[i] + ks[i];
  for (int r = 0; r < rounds; ++r) {
    const int a = kRotations[r % 8][0], b = kRotations[r % 8][1];
    if (r % 2 == 0) {  // mix (0,1) and (2,3)
      x[0] += x[1];
      x[1] = rotate_left(x[1], a) ^ x[0];
      x[2] += x[3];
      x[3] = rotate_left(x[3], b) ^ x[2];
    } else {  // mix (0,3) and (2,1)
      x[0] += x[3];
      x[3] = rotate_left(x[3], a) ^ x[0];
      x[2] += x[1];
      x[1] = rotate_left(x[1], b) ^ x[2];
    }
    if ((r + 1) % 4 == 0) {  // key injection q after every fourth round
      const int q = (r + 1) / 4;
      for (int i = 0; i < 4; ++i) x[i] += ks[(q + i) % 5];
      x[3] += static_cast<uint32_t>(q);
    }
  }
  return x;
}

uint32_t sample_word(CounterGenerator generator, uint64_t seed, uint32_t row, uint64_t sample) {
  const uint64_t block = sample / 4;
  const Words4 counter = {static_cast<uint32_t>(block), static_cast<uint32_t>(block >> 32), row, 0};
  const uint32_t seed_low = static_cast<uint32_t>(seed), seed_high = static_cast<uint32_t>(seed >> 32);
  const Words4 out =
      generator == CounterGenerator::Philox ? philox4x32(10, counter, {seed_low, seed_high}) : threefry4x32(20, counter, {seed_low, seed_high, 0, 0});
  return out[sample % 4];
}

}  // namespace lpc::ref
