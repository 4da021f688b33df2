#include "conformance/core/verdict.hpp"

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
  }
  return "?";
}

std::string Verification::describe(Op op) const {
  if (op == Op::Decode) return std::string("exact: value") + (nan_as_class ? "; NaN as a class" : "");
  std::string s = flags ? "exact: code+flags" : "exact: code (flags not compared)";
  if (nan_as_class) s += "; NaN as a class";
  if (unspecified_any) s += "; unspecified accepts any code";
  return s;
}

bool RunResult::required_passed() const {
  for (const ItemResult& r : items)
    if (r.item.required && r.status != Status::Pass && r.status != Status::Waived) return false;
  return true;
}

}  // namespace lpc
