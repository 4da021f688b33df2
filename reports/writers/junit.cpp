#include <cstdio>
#include <sstream>

#include "reports/writers/report.hpp"
#include "reports/writers/tables.hpp"

namespace lpc::reports {

namespace {

// XML 1.0 §2.2 admits no C0 control but tab, line feed and carriage return: the others become
// U+FFFD. In an attribute (§3.3.3 normalizes whitespace there) those three are written as
// character references, so a message keeps its line breaks.
std::string xml_escape(std::string_view s, bool attribute = false) {
  std::string out;
  for (char c : s) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&apos;"; break;
      case '\t': out += attribute ? "&#9;" : "\t"; break;
      case '\n': out += attribute ? "&#10;" : "\n"; break;
      case '\r': out += "&#13;"; break;
      default: out += is_control(c) ? kReplacement : std::string_view(&c, 1);
    }
  }
  return out;
}

std::string seconds(double s) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.3f", s);
  return buf;
}

// The classname's last part: the format, or a registry op's first parameter (written after "op").
std::string class_suffix(const nlohmann::ordered_json& item) {
  auto text = [](const nlohmann::ordered_json& value) { return value.is_string() ? value.get<std::string>() : value.dump(); };
  if (item.contains("format")) return text(item["format"]);  // any op may name a parameter "format"
  bool after_op = false;
  for (const auto& [key, value] : item.items()) {
    if (key == "inputs") break;
    if (after_op) return text(value);
    after_op = key == "op";
  }
  return "-";
}

// The body of a <failure>/<error>: what happened, how it was compared, the first mismatches.
std::string failure_detail(const nlohmann::ordered_json& item) {
  std::string text = item["signature"].get<std::string>() + ": " + item.value("message", "") + "\nrequirement: " +
                     item["requirement"].get<std::string>() + "\nverification: " + item["verification"].get<std::string>() + "\n";
  if (item.contains("first_mismatches")) {
    for (const auto& m : item["first_mismatches"]) {
      text += "input " + m["input"].get<std::string>() + (m.contains("random") ? " random " + m["random"].get<std::string>() : "") +
              ": got " + m["got"].get<std::string>() + (m.contains("got_flags") ? " flags '" + m["got_flags"].get<std::string>() + "'" : "") +
              ", want " + m["want"].get<std::string>() + (m.contains("want_flags") ? " flags '" + m["want_flags"].get<std::string>() + "'" : "") +
              "\n  repro: " + m["repro"].get<std::string>() + "\n";
    }
  }
  return text + "rerun: " + item["rerun"].get<std::string>() + "\n";
}

}  // namespace

std::string render_junit(const nlohmann::ordered_json& doc) {
  check_schema(doc);
  uint64_t failures = 0, errors = 0, skipped = 0;
  for (const auto& item : doc["items"]) {
    const std::string status = item["status"];
    failures += status == "FAIL";
    errors += status == "ERROR" || status == "CRASH" || status == "TIMEOUT";
    skipped += status == "UNSUPPORTED" || status == "WAIVED";
  }
  const std::string suite = "lpconform " + detail::profile_identity(doc) + " (" + doc["implementation"]["name"].get<std::string>() + ")";
  // Jenkins' junit-10.xsd has `skipped` on <testsuite> only, not on <testsuites>.
  const std::string totals = " tests=\"" + std::to_string(doc["items"].size()) + "\" failures=\"" + std::to_string(failures) + "\" errors=\"" +
                             std::to_string(errors) + "\" time=\"" + seconds(doc["duration_s"]) + "\"";
  std::ostringstream xml;
  xml << "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
  xml << "<testsuites name=\"lpconform\"" << totals << ">\n";
  xml << "  <testsuite name=\"" << xml_escape(suite, true) << "\"" << totals << " skipped=\"" << skipped << "\" timestamp=\""
      << xml_escape(doc["started"].get<std::string>(), true) << "\">\n";
  xml << "    <properties>\n";
  auto property = [&](const char* name, const std::string& value) {
    xml << "      <property name=\"" << name << "\" value=\"" << xml_escape(value, true) << "\"/>\n";
  };
  property("schema", doc["schema"]);
  property("suite_version", doc["suite"]["version"]);
  if (doc["suite"].contains("commit") && doc["suite"]["commit"].is_string()) property("suite_commit", doc["suite"]["commit"]);
  property("implementation", doc["implementation"]["name"].get<std::string>() + " " + doc["implementation"]["version"].get<std::string>());
  property("oracle", doc["oracle"]["name"].get<std::string>() + " " + doc["oracle"]["version"].get<std::string>());
  property("profile", detail::profile_identity(doc));
  property("profile_sha256", doc["profile"]["sha256"]);
  if (!doc["profile"]["label"].get<std::string>().empty()) property("profile_label", doc["profile"]["label"]);
  property("seed", std::to_string(doc["seed"].get<uint64_t>()));
  property("verdict", doc["verdict"]);
  xml << "    </properties>\n";
  for (const auto& item : doc["items"]) {
    const std::string status = item["status"];
    // The signature names the testcase: unique within a report, stable across runs, so CI
    // reporters (GitLab, Jenkins) keep one history per item.
    xml << "    <testcase classname=\"lpconform." << xml_escape(item["op"].get<std::string>(), true) << "." << xml_escape(class_suffix(item), true)
        << "\" name=\"" << xml_escape(item["signature"].get<std::string>(), true) << "\" time=\"" << seconds(item["seconds"]) << "\"";
    if (status == "PASS") { xml << "/>\n"; continue; }
    xml << ">\n";
    const std::string message = xml_escape(item.value("message", ""), true);
    if (status == "QUALITY_WARNING") {  // not a failure: a passed testcase that says why it warns
      xml << "      <system-out>QUALITY_WARNING: " << xml_escape(item.value("message", "")) << "</system-out>\n    </testcase>\n";
      continue;
    }
    if (status == "FAIL")
      xml << "      <failure type=\"FAIL\" message=\"" << message << "\">" << xml_escape(failure_detail(item)) << "</failure>\n";
    else if (status == "UNSUPPORTED" || status == "WAIVED")
      xml << "      <skipped message=\"" << status << ": " << message << "\"/>\n";
    else
      xml << "      <error type=\"" << status << "\" message=\"" << message << "\">" << xml_escape(failure_detail(item)) << "</error>\n";
    xml << "    </testcase>\n";
  }
  xml << "  </testsuite>\n</testsuites>\n";
  return xml.str();
}

}  // namespace lpc::reports
