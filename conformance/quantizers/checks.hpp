// lpconform — running one quantizer requirement item (requantize, ulq, dynbits): its cases
// (cases.hpp), oracle and subject through Implementation::quantize, compared under the op's
// verification mode, the first mismatches recorded with one-line repro commands.
#pragma once

#include <cstddef>

#include "conformance/core/verdict.hpp"
#include "conformance/core/check_context.hpp"
#include "conformance/quantizers/cases.hpp"

namespace lpc {

// The item's verification mode: Exact, or for requantize under INEXACT_ROUND PermittedSet
// (spec/quantizers.md §2.2).
Verification quantizer_verification(const Item& item);

// Runs every case of a quantizer item (quantizer_cases::make_cases with context.seed).
ItemResult check_quantizer(const Item& item, const CheckContext& context);

// Runs one case on oracle and subject and adds to `result`: checked, mismatches (all counted, the
// first `max_mismatches` of the item recorded with repro lines for `result`'s subject name). Returns
// false when an entry point did not return Ok; `result`'s status and message then say which and why
// (the subject's failing element recorded when it names one). result.verification must be set
// (quantizer_verification). The fuzzer calls this with the same Case the runner uses.
bool check_quantizer_case(const Case& c, const Implementation& subject, const Implementation& oracle, size_t max_mismatches,
                          ItemResult& result);

}  // namespace lpc
