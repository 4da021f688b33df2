// lpconform — verdicts: statuses, verification modes, mismatches, and the in-memory model of a
// run that the report writers (reports/writers) turn into the JSON document.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "conformance/core/case.hpp"
#include "conformance/core/implementation.hpp"

namespace lpc {

// PASS: every input agreed. FAIL: at least one mismatch. UNSUPPORTED: the subject lacks the entry
// point or declines the combination (never a pass). WAIVED: failed, but a waiver covers it.
// CRASH / TIMEOUT: an out-of-process subject died or hung. ERROR: the subject or the oracle
// reported an error or threw. QUALITY_WARNING: a Statistical item within its bound but biased
// (conformance/statistics/chi_square.hpp): not a pass, but not a failure either — it never gates
// (non_failing), and reports list it apart.
enum class Status : uint8_t { Pass, Fail, Unsupported, Waived, Crash, Timeout, Error, QualityWarning };
inline constexpr Status kAllStatuses[] = {Status::Pass,  Status::Fail,    Status::Unsupported, Status::Waived,
                                          Status::Crash, Status::Timeout, Status::Error,       Status::QualityWarning};
const char* to_string(Status);  // "PASS", "FAIL", ...
// PASS, WAIVED and QUALITY_WARNING: an item that does not fail a run.
inline bool non_failing(Status s) { return s == Status::Pass || s == Status::Waived || s == Status::QualityWarning; }

// How a subject's result is compared with the oracle's: explicit data, printed next to every
// verdict (DESIGN.md "Verification mode"). The formats family is Exact; the registry's ops declare
// theirs (lsq-init Ulp with ulps = 1; requantize under TOSA INEXACT_ROUND PermittedSet, the oracle
// giving the allowed range per input).
// DotProductBound: within an error bound of the exact dot product for a free or declared
// accumulation order (TOSA's DOT_PRODUCT); Statistical: a test with a stated false-failure rate
// (conformance/ops/derive.cpp check_item, any op with an OpSchema::statistical declaration);
// BoundaryBounded: a result may differ from the exact-real one only where its input lies within a
// stated rounding bound of a decision boundary (the oracle gives the permitted range per input, as
// for PermittedSet; multinomial's undeclared association, spec/sampler.md §2.10).
struct Verification {
  enum class Kind : uint8_t { Exact, PermittedSet, Ulp, DotProductBound, Statistical, BoundaryBounded } kind = Kind::Exact;
  int ulps = 0;              // Ulp: the largest distance in float32 ulps that passes
  bool flags = false;        // encode: flags compared too (both implementations produce them)
  bool nan_as_class = true;  // any NaN code (encode) / any NaN value (decode) matches a NaN
  bool unspecified_any = true;  // encode: where the oracle says "unspecified", any code matches
  double false_failure_rate = 0;  // Statistical: the probability that a conforming subject fails
                                  // any Statistical item of the run (split over them by Bonferroni)
  double effect_size = 0;         // Statistical: the Cohen's w the sample size is chosen to detect
  double power = 0;               // Statistical: the probability of detecting it at the item's α
  std::string text;  // registry ops: the mode in words, from the op's declaration
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

// A Statistical item's test as it ran, for the report: everything needed to judge and rerun it.
struct StatisticalRecord {
  uint64_t seed = 0;     // the item's seed (its draws' generator seed derives from it)
  uint64_t samples = 0;  // N, the subject's draws
  uint64_t tests = 1;    // m, the Statistical items of the profile the rate is split over
  double family_false_failure_rate = 0, alpha = 0, effect_size = 0, power = 0;
  double statistic = 0, p_value = 1, critical = 0;
  int degrees_of_freedom = 0;
  uint64_t cells = 0;  // after pooling cells expected below 5
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
  size_t index = 0;             // the item's position in the expanded profile (stable across shards)
  bool infrastructure = false;  // ERROR caused by the oracle or the harness, not the subject: exit 3
  std::optional<StatisticalRecord> statistical;  // Statistical items
};

// A known, accepted failure (Khronos CTS style: keyed to the implementation and its version, with
// a reason and an expiry date). An item whose subject matches `implementation` and `version`,
// whose signature matches `signature` ('*' wildcards), and that did not pass (UNSUPPORTED
// excepted) is reported WAIVED — never PASS — with the reason and what went wrong, until the end
// of the day `expires` (UTC). An expired waiver waives nothing.
struct Waiver {
  std::string implementation, version, signature, reason;
  std::string expires;  // YYYY-MM-DD, the last day it applies
  std::string origin;   // "waivers.csv:3", for messages
};

// What a waiver did in one run; every waiver given is reported with one of these, so a stale one
// is noticed. Used: it waived at least one failure. Unmatched: it applies to the subject but
// waived nothing (the failure is fixed, or the pattern is wrong: remove or correct it). Expired:
// past its date, it waived nothing. OtherImplementation: it names another implementation or
// version.
enum class WaiverState : uint8_t { Used, Unmatched, Expired, OtherImplementation };
const char* to_string(WaiverState);  // "used", "unmatched", "expired", "other-implementation"

struct WaiverUse {
  Waiver waiver;
  WaiverState state = WaiverState::Unmatched;
  uint64_t waived = 0;  // items it turned into WAIVED
};

// Parses a waiver file: CSV with the header "implementation,version,signature,reason,expires"
// ('#' comment lines; patterns use '*'; expires is YYYY-MM-DD). Throws InputError
// ("origin:line:column: ...") for a missing field, an empty reason or a malformed date.
std::vector<Waiver> parse_waivers(std::string_view text, const std::string& origin);

// The state of each waiver before any item ran: Expired when `today` (YYYY-MM-DD) is after its
// date, OtherImplementation when it does not name the subject, else Unmatched.
std::vector<WaiverUse> start_waivers(const std::vector<Waiver>& waivers, const Implementation& subject, const std::string& today);

// Finds the first active waiver (state Unmatched or Used) whose pattern matches a result that
// did not pass (UNSUPPORTED and infrastructure errors excepted); returns its index, or -1.
// Does not modify `uses` (the runner counts after its threads end).
int find_waiver(const std::vector<WaiverUse>& uses, const ItemResult& result);
// Turns `result` into WAIVED, its message saying which waiver, why, and what it was.
void waive(ItemResult& result, const Waiver& waiver);

// A profile is identified by its name, its version and its content: `sha256` is the hash of its
// text, and `modified` is set when it carries a bundled profile's name but not its text, so an
// edited copy never reads as the bundled profile.
struct ProfileInfo {
  std::string name, version, title, label;  // label: e.g. "DRAFT - not a compliance claim"
  std::string sha256;                       // of the profile file's text, 64 hex digits
  bool modified = false;
  // spec/formats.md §7 variants the profile applies whatever the subject declares, and those it
  // never applies (@require-variants, @forbid-variants).
  std::vector<std::string> required_variants, forbidden_variants;
};

struct RunResult {
  std::string suite_version;
  std::string suite_commit;  // lpc::suite_commit() of the binary that ran
  const Implementation* subject = nullptr;
  const Implementation* oracle = nullptr;
  ProfileInfo profile;
  uint64_t seed = 0;
  std::string command;             // the command line that produced it
  std::string started, finished;   // ISO 8601 UTC
  double seconds = 0;
  unsigned threads = 0;
  std::string filter;              // --only pattern, empty when every item ran
  std::vector<std::string> variants;  // the spec/formats.md §7 variants the oracle computed under
  // Where it ran: "os" (uname), "cpu" (/proc/cpuinfo's model name), "fast_isa" (the instruction set
  // the fast kernels chose).
  std::vector<std::pair<std::string, std::string>> environment;
  unsigned shard_index = 1, shard_count = 1;  // --shard I/N; 1/1 when unsharded
  std::vector<WaiverUse> waivers;  // as given, with what each did
  std::vector<ItemResult> items;   // in profile order

  // True when every required item passed (or was waived).
  bool required_passed() const;
};

// Finishes a result whose entry point did not return Ok: status and message. `who` is "subject"
// or "oracle". The subject's Unsupported, Crash and Timeout (an out-of-process implementation died
// or hung) keep their status; anything else, and anything the oracle does, is Error.
ItemResult& not_ok(ItemResult& r, OpStatus status, const std::string& who, const std::string& error);

}  // namespace lpc
