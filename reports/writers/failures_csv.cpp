#include "reports/writers/report.hpp"

namespace lpc::reports {

namespace {

// RFC 4180: quote a field holding a comma, a quote or a line break; double the quotes inside.
std::string csv_field(const std::string& s) {
  if (s.find_first_of(",\"\n\r") == std::string::npos) return s;
  std::string out = "\"";
  for (char c : s) out += c == '"' ? std::string("\"\"") : std::string(1, c);
  return out + "\"";
}

}  // namespace

std::string render_failures_csv(const nlohmann::ordered_json& doc) {
  check_schema(doc);
  std::string csv = "signature,status,requirement,input,random,got,got_flags,want,want_flags,message,repro\n";
  auto row = [&](std::initializer_list<std::string> fields) {
    bool first = true;
    for (const std::string& f : fields) {
      if (!first) csv += ',';
      csv += csv_field(f);
      first = false;
    }
    csv += "\n";
  };
  for (const auto& item : doc["items"]) {
    if (item["status"] == "PASS") continue;
    const std::string sig = item["signature"], status = item["status"], req = item["requirement"], msg = item.value("message", "");
    if (!item.contains("first_mismatches")) {
      row({sig, status, req, "", "", "", "", "", "", msg, item["rerun"].get<std::string>()});
      continue;
    }
    for (const auto& m : item["first_mismatches"])
      row({sig, status, req, m["input"], m.value("random", ""), m["got"], m.value("got_flags", ""), m["want"], m.value("want_flags", ""), msg, m["repro"]});
  }
  return csv;
}

}  // namespace lpc::reports
