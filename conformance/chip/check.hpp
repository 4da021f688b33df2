// lpconform — checking the chip's values (spec/chip.md §5): the chip value model
// (impls/chip/values) against the hardware-semantics reference (bit-exact, accumulators and
// outputs) and its accumulators against exact math under the verification mode the accumulator
// declares: EXACT for integer accumulators (modulo 2^W with wrap; as integers when no intermediate
// can saturate), the DOT_PRODUCT-style bound for float accumulators.
#pragma once

#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "spec/chip/config.hpp"
#include "spec/chip/layer.hpp"

namespace lpc::chip::conformance {

// The data sets (spec/chip.md §5.3), in the spirit of TOSA's S0-S5.
enum class DataSet : uint8_t {
  Random,     // S0: uniform codes (no NaN / inf codes)
  Large,      // S1/S5: codes of the largest magnitudes, random signs (overflow, saturation)
  Cancel,     // S2/S3: large products cancelled pairwise, small ones added (rounding of small sums)
  Sparse,     // S4: three quarters of the codes zero
  Saturate,   // S5: all products at the largest magnitude with one sign (drives the accumulator out)
  Specials,   // uniform over all codes, NaN and inf included
};
inline constexpr DataSet kAllDataSets[] = {DataSet::Random, DataSet::Large, DataSet::Cancel, DataSet::Sparse, DataSet::Saturate, DataSet::Specials};
std::string_view to_string(DataSet d);
// Throws std::invalid_argument listing the names when unknown.
DataSet parse_data_set(std::string_view name);

// The operands of one layer run: a (GEMM A or the NHWC ifmap), b (B or RSCM filters), bias.
struct LayerData {
  std::vector<uint8_t> a, b;
  std::vector<int32_t> bias;
};

// Seeded operands for `layer` on `config` (std::mt19937_64, so the same on every platform).
LayerData make_layer_data(const ChipConfig& config, const Layer& layer, DataSet data_set, uint64_t seed);

struct ValueMismatch {
  std::string stage;  // "accumulator vs reference", "output vs reference", "accumulator vs exact"
  uint64_t row = 0, col = 0;
  std::string got, want;  // want: the reference value, or "exact ± bound"
};

struct ValueVerdict {
  bool pass = true;
  std::string mode;    // e.g. "bit-exact vs hardware reference; exact mod 2^32 vs exact math"
  uint64_t compared = 0;        // outputs compared with the hardware reference
  uint64_t exact_checked = 0;   // accumulators compared with exact math
  uint64_t excluded = 0;        // accumulators the exact check could not judge (overflow possible)
  uint64_t mismatches = 0;
  uint64_t rows_checked = 0, rows_total = 0;  // rows of C (output pixels) the references recomputed
  std::vector<ValueMismatch> first_mismatches;  // at most 10
  std::string repro;  // one line that reruns this check
};

// The accumulators `acc` (all M x N of the layer) on `rows` of C against exact math, under the
// accumulator's mode (spec/chip.md §5.2): integers exact mod 2^W with wrap, exact where no sum can
// saturate, else excluded; floats within the dot-product bound, excluded where an intermediate may
// overflow. `mismatch(i, got, want)` is called for each disagreement at index i of `acc`.
struct ExactMathCounts {
  uint64_t checked = 0, excluded = 0;
};
ExactMathCounts check_exact_math(const ChipConfig& config, const Layer& layer, const LayerData& data, std::span<const uint64_t> rows,
                                 const ChipTensor& acc, const std::function<void(size_t i, std::string got, std::string want)>& mismatch);
// The verification mode of a chip's values in words ("bit-exact vs hardware reference ...; ...").
std::string values_mode(const ChipConfig& config);

// Runs the chip value model on the whole layer and both references on `max_rows` rows of C (all
// rows when 0 or when the layer has no more; else the first, the last and the rest drawn with
// `seed`), and compares those rows (spec/chip.md §5). The references are exact and far slower than
// the chip, so a large layer is checked on a sample. `repro` is stored in the verdict as given.
ValueVerdict check_values(const ChipConfig& config, const Layer& layer, const LayerData& data, std::string repro,
                          uint64_t max_rows = 0, uint64_t seed = 0);
// make_layer_data + check_values, with the repro `lpconform chip run ... --seed S --data D`.
ValueVerdict check_layer(const ChipConfig& config, const Layer& layer, DataSet data_set, uint64_t seed, uint64_t max_rows = 0);
// One line per verdict: "values: PASS (mode) compared=N exact=N excluded=N", then mismatches.
std::string describe(const ValueVerdict& v);

}  // namespace lpc::chip::conformance
