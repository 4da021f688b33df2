#include "conformance/core/verdict.hpp"

#include "conformance/core/profile.hpp"
#include "spec/table/csv.hpp"

namespace lpc {

const char* to_string(Status s) {
  switch (s) {
    case Status::Pass: return "PASS";
    case Status::Fail: return "FAIL";
    case Status::Unsupported: return "UNSUPPORTED";
    case Status::Waived: return "WAIVED";
    case Status::Crash: return "CRASH";
    case Status::Timeout: return "TIMEOUT";
    case Status::Error: return "ERROR";
    case Status::QualityWarning: return "QUALITY_WARNING";
  }
  return "?";
}

std::string Verification::describe(Op op) const {
  if (!text.empty()) return text;
  if (kind == Kind::Ulp) return "ulp(" + std::to_string(ulps) + "): within " + std::to_string(ulps) + " float32 ulp of the exact value";
  if (kind == Kind::PermittedSet) return "permitted set: output within the range the oracle allows (TOSA INEXACT_ROUND)";
  if (op == Op::Decode) return std::string("exact: value") + (nan_as_class ? "; NaN as a class" : "");
  std::string s = flags ? "exact: code+flags" : "exact: code (flags not compared)";
  if (nan_as_class) s += "; NaN as a class";
  if (unspecified_any) s += "; unspecified accepts any code";
  return s;
}

const char* to_string(WaiverState s) {
  switch (s) {
    case WaiverState::Used: return "used";
    case WaiverState::Unmatched: return "unmatched";
    case WaiverState::Expired: return "expired";
    case WaiverState::OtherImplementation: return "other-implementation";
  }
  return "?";
}

namespace {

// True for a real calendar date written YYYY-MM-DD (so that string order is date order).
bool is_iso_date(const std::string& s) {
  if (s.size() != 10 || s[4] != '-' || s[7] != '-') return false;
  for (size_t i : {0, 1, 2, 3, 5, 6, 8, 9})
    if (s[i] < '0' || s[i] > '9') return false;
  const int year = std::stoi(s.substr(0, 4)), month = std::stoi(s.substr(5, 2)), day = std::stoi(s.substr(8, 2));
  const bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
  const int days[] = {31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return month >= 1 && month <= 12 && day >= 1 && day <= days[month - 1];
}

}  // namespace

std::vector<Waiver> parse_waivers(std::string_view text, const std::string& origin) {
  constexpr const char* kHeader = "implementation,version,signature,reason,expires";
  CsvReader reader(text, origin, true);
  reader.expect_header({{"implementation", "version", "signature", "reason", "expires"}});
  std::vector<Waiver> waivers;
  for (CsvRecord row; reader.next(row);) {
    if (row.fields.size() != 5)
      reader.fail(row.line, row.fields.size() > 5 ? row.fields[5].column : 1,
                  "expected 5 fields (" + std::string(kHeader) + "), got " + std::to_string(row.fields.size()));
    const char* what[] = {"implementation name pattern (e.g. fast or *)", "version pattern (e.g. 2.* or *)", "signature pattern",
                          "reason: say why the failure is accepted", "expiry date YYYY-MM-DD"};
    for (size_t i = 0; i < 5; ++i)
      if (row.fields[i].text.empty()) reader.fail(row, row.fields[i], std::string("empty field, expected the ") + what[i]);
    if (!is_iso_date(row.fields[4].text))
      reader.fail(row, row.fields[4], "malformed date '" + row.fields[4].text + "', expected the expiry date as YYYY-MM-DD, like 2027-06-30");
    waivers.push_back({row.fields[0].text, row.fields[1].text, row.fields[2].text, row.fields[3].text, row.fields[4].text,
                       origin + ":" + std::to_string(row.line)});
  }
  return waivers;
}

std::vector<WaiverUse> start_waivers(const std::vector<Waiver>& waivers, const Implementation& subject, const std::string& today) {
  std::vector<WaiverUse> uses;
  for (const Waiver& w : waivers) {
    WaiverState state = WaiverState::Unmatched;
    if (today > w.expires) state = WaiverState::Expired;
    else if (!glob_match(w.implementation, subject.name) || !glob_match(w.version, subject.version)) state = WaiverState::OtherImplementation;
    uses.push_back({w, state, 0});
  }
  return uses;
}

int find_waiver(const std::vector<WaiverUse>& uses, const ItemResult& result) {
  if (result.status == Status::Pass || result.status == Status::QualityWarning || result.status == Status::Unsupported || result.infrastructure) return -1;
  for (size_t i = 0; i < uses.size(); ++i) {
    const bool active = uses[i].state == WaiverState::Unmatched || uses[i].state == WaiverState::Used;
    if (active && glob_match(uses[i].waiver.signature, result.signature)) return static_cast<int>(i);
  }
  return -1;
}

void waive(ItemResult& result, const Waiver& waiver) {
  result.message = "waived by " + waiver.origin + " until " + waiver.expires + " (" + waiver.reason + "); was " + to_string(result.status) +
                   (result.message.empty() ? "" : ": " + result.message);
  result.status = Status::Waived;
}

bool RunResult::required_passed() const {
  for (const ItemResult& r : items)
    if (r.item.required && !non_failing(r.status)) return false;
  return true;
}

ItemResult& not_ok(ItemResult& r, OpStatus status, const std::string& who, const std::string& error) {
  const bool subject = who == "subject";
  r.status = !subject                           ? Status::Error
             : status == OpStatus::Unsupported ? Status::Unsupported
             : status == OpStatus::Crash       ? Status::Crash
             : status == OpStatus::Timeout     ? Status::Timeout
                                               : Status::Error;
  const char* what = status == OpStatus::Unsupported ? " does not support this item"
                     : status == OpStatus::Crash     ? " crashed"
                     : status == OpStatus::Timeout   ? " timed out"
                                                     : " failed";
  r.message = who + what + (error.empty() ? "" : ": " + error);
  return r;
}

}  // namespace lpc
