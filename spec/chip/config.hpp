// lpconform — the bundled chip's configuration (spec/chip.md §2 Configuration): array shape and
// dataflow, the PE mode and its operand formats, the declared accumulator, the vector processor
// (bias, requantization or float scaling) and the activation unit; a key = value file parser and
// the named presets embedded in the binary (spec/chip/presets/*.cfg).
//
// Data only: the value model (impls/chip/values), the hardware-semantics reference
// (reference/chip) and the timing model all read the same ChipConfig and decide nothing here
// beyond the validity rules spec/chip.md §2 states.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "spec/chip/layer.hpp"
#include "spec/formats/format.hpp"
#include "spec/quantizers/params.hpp"

namespace lpc::chip {

// What a processing element multiplies (spec/chip.md §1.2). The mode fixes the MACs per PE per
// cycle (int8 1, int4 2, int2 4, fp8 1, fp4-int4 1) and which operand formats are allowed.
enum class PeMode : uint8_t { Int8, Int4, Int2, Fp8, Fp4Int4 };
std::string_view to_string(PeMode mode);           // "int8" | "int4" | "int2" | "fp8" | "fp4-int4"
std::optional<PeMode> parse_pe_mode(std::string_view name);
uint32_t macs_per_pe_per_cycle(PeMode mode);

enum class IntOverflow : uint8_t { Wrap, Saturate };
enum class FloatRounding : uint8_t { NearestEven, TowardZero };

// The declared accumulator (spec/chip.md §3.2, §3.3): two's complement of `int_bits` bits that
// wraps or saturates after every addition, or a binary float with `exp_bits` exponent and
// `man_bits` stored fraction bits in IEEE layout, rounded after every addition.
struct AccumulatorSpec {
  bool is_float = false;
  int int_bits = 32;  // integer W, 2..62
  IntOverflow overflow = IntOverflow::Wrap;
  int exp_bits = 8, man_bits = 23;  // float E 2..11, M 1..52
  FloatRounding rounding = FloatRounding::NearestEven;

  int bias() const { return (1 << (exp_bits - 1)) - 1; }
  // "int32", "float16", "bfloat16", "float32", or "e<E>m<M>"; the spelling the config file takes.
  std::string name() const;
};
// Parses "int<W>" | "float32" | "float16" | "bfloat16" | "e<E>m<M>"; nullopt when malformed.
std::optional<AccumulatorSpec> parse_accumulator(std::string_view name);

// The vector processor after the array (spec/chip.md §4).
enum class OutputStage : uint8_t {
  None,        // the accumulator value itself
  Requantize,  // integer accumulators: spec/quantizers.md §2 scheme to an integer type
  FloatScale,  // float accumulators: float32 RNE of accumulator × scale
};
enum class Activation : uint8_t { None, Relu, Clamp, Table };

struct ChipConfig {
  std::string name;  // preset name, or the file's `name` key
  ArrayShape array{32, 32};
  Dataflow dataflow = Dataflow::WeightStationary;
  uint32_t cores = 1;  // cores sharing the global weight memory (values do not depend on it)
  PeMode pe_mode = PeMode::Int8;
  const Format* a_format = nullptr;  // activations, M x K
  const Format* b_format = nullptr;  // weights, K x N
  AccumulatorSpec accumulator;
  bool bias = false;  // integer accumulators: a per-column int32 bias added after the array
  OutputStage output = OutputStage::None;
  RequantParams requant;  // OutputStage::Requantize (input type i32)
  float scale = 1.0f;     // OutputStage::FloatScale
  Activation activation = Activation::None;
  double clamp_min = 0, clamp_max = 0;  // Activation::Clamp (integers for integer outputs)
  std::vector<int32_t> table;           // Activation::Table: 256 entries, indexed by the 8-bit output code

  // The fold length of the declared accumulation order (spec/chip.md §3.1): the weight-stationary
  // array's rows times the products a PE packs per cycle (P = 2 for int4, 4 for int2), the same
  // mapping the timing model uses (spec/chip_timing.md §2.1).
  uint32_t fold_rows() const { return array.rows * macs_per_pe_per_cycle(pe_mode); }
  bool float_pipeline() const { return accumulator.is_float; }
};

// Values of one stage of the chip, row-major M x N (spec/chip.md §3.5): integers, or floats held
// as doubles (every value of a float accumulator with E <= 11, M <= 52 and every float32 is exactly
// a double; the sign of zero is kept; NaN stands for any NaN).
struct ChipTensor {
  bool is_float = false;
  std::vector<int64_t> ints;
  std::vector<double> floats;
  size_t size() const { return is_float ? floats.size() : ints.size(); }
};

// What the chip (or its hardware-semantics reference) computes for a layer: the accumulators as
// they leave the array, and the outputs of the vector processor and activation unit.
struct ChipValues {
  ChipTensor accumulators;
  ChipTensor outputs;
};

// The first rule of spec/chip.md §2 the config breaks, or nullopt when it is valid.
std::optional<std::string> config_error(const ChipConfig& config);

// Parses a config file (spec/chip.md §2): `key = value` lines, '#' comments, blank lines. Unknown
// keys, repeated keys and malformed values are thrown as lpc::InputError "origin:LINE:COLUMN: ..."
// at the value; a config that breaks a rule of config_error() is reported at the end of the text.
ChipConfig parse_chip_config(std::string_view text, std::string_view origin);

// The embedded presets (spec/chip/presets/NAME.cfg), in name order; defined in the index that
// spec/CMakeLists.txt generates from LPC_CHIP_PRESETS.
struct ChipPreset {
  std::string_view name;
  std::string_view text;
};
std::vector<ChipPreset> chip_presets();
// Throws std::invalid_argument naming the preset and listing the known ones.
ChipConfig chip_preset(std::string_view name);

}  // namespace lpc::chip
