#include <cstdio>
#include <sstream>

#include "reports/writers/report.hpp"

namespace lpc::reports {

namespace {

std::string xml_escape(std::string_view s) {
  std::string out;
  for (char c : s) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&apos;"; break;
      default: out += c;
    }
  }
  return out;
}

std::string seconds(double s) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.3f", s);
  return buf;
}

// A registry op's item (no "format" field): its parameters as written after "op", up to "inputs".
std::vector<std::string> registry_params(const nlohmann::ordered_json& item) {
  std::vector<std::string> values;
  bool after_op = false;
  for (const auto& [key, value] : item.items()) {
    if (key == "inputs") break;
    if (after_op) values.push_back(value.is_string() ? value.get<std::string>() : value.dump());
    after_op = after_op || key == "op";
  }
  return values;
}

// The classname's last part: the format, or a registry op's first parameter.
std::string class_suffix(const nlohmann::ordered_json& item) {
  if (item.contains("format")) return item["format"].get<std::string>();
  const auto values = registry_params(item);
  return values.empty() ? "-" : values.front();
}

// "rne-sat-from-float32 [required]" / "all-codes [required]" / registry ops: their further
// parameters joined by '-' ("random [required]").
std::string testcase_name(const nlohmann::ordered_json& item) {
  std::string name;
  if (!item.contains("format")) {
    const auto values = registry_params(item);
    for (size_t i = 1; i < values.size(); ++i) name += (i > 1 ? "-" : "") + values[i];
    if (name.empty()) name = "default";
  } else if (item["op"] == "encode") {
    name = item["rounding"].get<std::string>();
    if (item.contains("sr_bits")) name.append("_n").append(std::to_string(item["sr_bits"].get<int>()));
    name.append("-").append(item["overflow"].get<std::string>()).append("-from-").append(item["source"].get<std::string>());
  } else if (item["op"] == "decode") {
    name = "all-codes";
  } else {  // a quantizer op: its variant or scheme (conformance/core/case.hpp append_item_fields)
    name = item.value("variant", item.value("scheme", std::string("initial-step"))) + "-from-" + item["source"].get<std::string>();
  }
  return name.append(" [").append(item["requirement"].get<std::string>()).append("]");
}

// The body of a <failure>/<error>: what happened, how it was compared, the first mismatches.
std::string detail(const nlohmann::ordered_json& item) {
  std::string text = item["signature"].get<std::string>() + ": " + item.value("message", "") + "\nverification: " +
                     item["verification"].get<std::string>() + "\n";
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
  const std::string suite = "lpconform " + doc["profile"]["name"].get<std::string>() + " " + doc["profile"]["version"].get<std::string>() +
                            " (" + doc["implementation"]["name"].get<std::string>() + ")";
  const std::string totals = " tests=\"" + std::to_string(doc["items"].size()) + "\" failures=\"" + std::to_string(failures) + "\" errors=\"" +
                             std::to_string(errors) + "\" skipped=\"" + std::to_string(skipped) + "\" time=\"" + seconds(doc["duration_s"]) + "\"";
  std::ostringstream xml;
  xml << "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
  xml << "<testsuites name=\"lpconform\"" << totals << ">\n";
  xml << "  <testsuite name=\"" << xml_escape(suite) << "\"" << totals << " timestamp=\"" << xml_escape(doc["started"].get<std::string>()) << "\">\n";
  xml << "    <properties>\n";
  auto property = [&](const char* name, const std::string& value) {
    xml << "      <property name=\"" << name << "\" value=\"" << xml_escape(value) << "\"/>\n";
  };
  property("schema", doc["schema"]);
  property("suite_version", doc["suite"]["version"]);
  property("implementation", doc["implementation"]["name"].get<std::string>() + " " + doc["implementation"]["version"].get<std::string>());
  property("oracle", doc["oracle"]["name"].get<std::string>() + " " + doc["oracle"]["version"].get<std::string>());
  property("profile", doc["profile"]["name"].get<std::string>() + " " + doc["profile"]["version"].get<std::string>());
  if (!doc["profile"]["label"].get<std::string>().empty()) property("profile_label", doc["profile"]["label"]);
  property("seed", std::to_string(doc["seed"].get<uint64_t>()));
  property("verdict", doc["verdict"]);
  xml << "    </properties>\n";
  for (const auto& item : doc["items"]) {
    const std::string status = item["status"];
    xml << "    <testcase classname=\"lpconform." << xml_escape(item["op"].get<std::string>()) << "." << xml_escape(class_suffix(item))
        << "\" name=\"" << xml_escape(testcase_name(item)) << "\" time=\"" << seconds(item["seconds"]) << "\"";
    if (status == "PASS") { xml << "/>\n"; continue; }
    xml << ">\n";
    const std::string message = xml_escape(item.value("message", ""));
    if (status == "FAIL")
      xml << "      <failure type=\"FAIL\" message=\"" << message << "\">" << xml_escape(detail(item)) << "</failure>\n";
    else if (status == "UNSUPPORTED" || status == "WAIVED")
      xml << "      <skipped message=\"" << xml_escape(status) << ": " << message << "\"/>\n";
    else
      xml << "      <error type=\"" << xml_escape(status) << "\" message=\"" << message << "\">" << xml_escape(detail(item)) << "</error>\n";
    xml << "    </testcase>\n";
  }
  xml << "  </testsuite>\n</testsuites>\n";
  return xml.str();
}

}  // namespace lpc::reports
