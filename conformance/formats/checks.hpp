// lpconform — running one formats-family requirement item: generate its inputs, ask the oracle
// and the subject, compare under the item's verification mode, record the first mismatches with
// their repro commands.
#pragma once

#include <cstdint>
#include <string>

#include "conformance/core/check_context.hpp"
#include "conformance/core/verdict.hpp"

namespace lpc {

// The inputs of `item` in the order the checks below send them: decode, every code; encode, every
// 16-bit source pattern, or the boundary inputs followed by `inputs.random` seeded random ones,
// with one random word per input for a stochastic rounding. `seed` is the item's seed
// (item_seed in conformance/core/runner.hpp). Vector mode writes exactly these.
Case make_case(const Item& item, uint64_t seed);

// Encode item: inputs per item.inputs (exhaustive 16-bit patterns, or boundary + seeded random
// float32/float64), compared exactly: the code, and the flags when both implementations produce
// them; a NaN result matches any NaN code of the format; where the oracle marks the result
// unspecified, any code matches (the flags still count).
ItemResult check_encode(const Item& item, const CheckContext& context);

// Decode item: every code, compared as float64 bit patterns; a NaN matches any NaN.
ItemResult check_decode(const Item& item, const CheckContext& context);

// The exact decimal text of a float64: "448", "-0.001953125", "-0", "inf", "-inf", and "nan" for
// every NaN.
std::string exact_decimal(double value);

}  // namespace lpc
