// lpconform — verdicts: statuses, verification modes, mismatches, and the in-memory model of a
// run that the report writers (reports/writers) turn into the JSON document.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "conformance/core/case.hpp"
#include "conformance/core/implementation.hpp"

namespace lpc {

// PASS: every input agreed. FAIL: at least one mismatch. UNSUPPORTED: the subject lacks the entry
// point or declines the combination (never a pass). WAIVED: failed, but a waiver covers it.
// CRASH / TIMEOUT: an out-of-process subject died or hung. ERROR: the subject or the oracle
// reported an error or threw.
enum class Status : uint8_t { Pass, Fail, Unsupported, Waived, Crash, Timeout, Error };
inline constexpr Status kAllStatuses[] = {Status::Pass,  Status::Fail,    Status::Unsupported, Status::Waived,
                                          Status::Crash, Status::Timeout, Status::Error};
const char* to_string(Status);  // "PASS", "FAIL", ...

// How a subject's result is compared with the oracle's: explicit data, printed next to every
// verdict (DESIGN.md "Verification mode"). Only Exact exists for the formats family.
struct Verification {
  enum class Kind : uint8_t { Exact } kind = Kind::Exact;
  bool flags = false;        // encode: flags compared too (both implementations produce them)
  bool nan_as_class = true;  // any NaN code (encode) / any NaN value (decode) matches a NaN
  bool unspecified_any = true;  // encode: where the oracle says "unspecified", any code matches
  // "exact: code+flags; NaN as a class; unspecified accepts any code"
  std::string describe(Op op) const;
};

// One disagreement, with everything needed to rerun it.
struct Mismatch {
  std::string input;       // source bit pattern (encode) or code (decode), hex
  std::string random;      // hex random word (stochastic rounding), else empty
  std::string got, want;   // encode: codes ("0x7f", want may be "any NaN" / "any"); decode: exact values
  std::string got_flags, want_flags;  // letters per spec/formats.md §5.4; empty when not compared
  std::string repro;       // one-line command
};

struct ItemResult {
  Item item;
  std::string signature;
  Status status = Status::Pass;
  Verification verification;
  std::string message;       // why, for anything but PASS
  uint64_t checked = 0;      // inputs compared
  uint64_t mismatches = 0;   // inputs that disagreed
  uint64_t unspecified = 0;  // inputs where the oracle permitted any code
  std::vector<Mismatch> first_mismatches;
  double seconds = 0;
};

// A known, accepted failure: items whose signature matches `pattern` ('*' wildcards) and that did
// not pass (UNSUPPORTED excepted) are reported WAIVED with the reason and what went wrong.
struct Waiver {
  std::string pattern, reason;
};

struct ProfileInfo {
  std::string name, version, title, label;  // label: e.g. "DRAFT - not a compliance claim"
};

struct RunResult {
  std::string suite_version;
  const Implementation* subject = nullptr;
  const Implementation* oracle = nullptr;
  ProfileInfo profile;
  uint64_t seed = 0;
  std::string command;             // the command line that produced it
  std::string started, finished;   // ISO 8601 UTC
  double seconds = 0;
  unsigned threads = 0;
  std::string filter;              // --only pattern, empty when every item ran
  std::vector<Waiver> waivers;     // as given
  std::vector<ItemResult> items;   // in profile order

  // True when every required item passed (or was waived): the exit status of `lpconform run`.
  bool required_passed() const;
};

}  // namespace lpc
