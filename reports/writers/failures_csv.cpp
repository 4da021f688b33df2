#include "reports/writers/report.hpp"
#include "spec/table/csv.hpp"

namespace lpc::reports {

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
