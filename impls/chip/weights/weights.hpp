// lpconform — the chip model's weight path (spec/weight_codecs.md §5): a compressed weight block in
// global memory, moved over the network and decoded by one bank decoder per local weight bank
// into the banks, each addressed by index. Values (the banks) and timing (bytes moved, transfer,
// decode cycles, when the block is loaded, what a layer's compute hides) from one model. Its own
// implementation: bank decoders as shift registers fed from byte FIFOs, a canonical Huffman
// decoder by first-code-per-length comparators; it shares nothing with impls/fast.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "spec/weight_codecs/params.hpp"

namespace lpc::chip {

// §5.3, §5.4: the network and the bank decoders.
struct WeightPath {
  uint32_t link_bytes_per_cycle = 32;
  uint32_t latency = 20;
  uint32_t decode_bits = 64;   // payload bits a bank decoder retires per cycle
  uint32_t decode_codes = 8;   // codes a bank decoder writes per cycle
};

struct WeightLoad {
  WcParams header;                            // as read (valid when error.ok())
  std::vector<std::vector<uint16_t>> banks;   // banks[b][address]; empty when rejected
  WcError error;                              // §4's first error
  // Timing (§5.2-§5.4), valid when error.ok().
  uint64_t bytes_moved = 0;    // the block
  uint64_t dense_bytes = 0;    // rows·cols·⌈w/8⌉
  uint64_t decode_cycles = 0;  // max over banks of c_b
  uint64_t load_cycles = 0;    // max over banks of F_b
  std::vector<uint64_t> bank_cycles, bank_finish;  // c_b, F_b
};

// Moves `block` from global memory to the core and decodes it into the banks.
WeightLoad load_weight_block(std::span<const uint8_t> block, const WeightPath& path = {});

// §3.5: the dense row-major matrix the banks hold (rows·cols codes).
std::vector<uint16_t> dense_from_banks(const WeightLoad& load);

// §5.5: the cycles a load adds to a layer that computes for `compute_cycles` while it runs.
inline uint64_t exposed_load_cycles(uint64_t load_cycles, uint64_t compute_cycles) {
  return load_cycles > compute_cycles ? load_cycles - compute_cycles : 0;
}

}  // namespace lpc::chip
