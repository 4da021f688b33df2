#include "reports/writers/report.hpp"

#include <stdexcept>

namespace lpc::reports {

namespace {

nlohmann::ordered_json implementation_json(const Implementation& impl) {
  nlohmann::ordered_json j = {{"name", impl.name}, {"version", impl.version}, {"description", impl.description},
                      {"produces_flags", impl.produces_flags}, {"declarations", nlohmann::ordered_json::array()}};
  for (const Declaration& d : impl.declarations) j["declarations"].push_back({{"behaviour", d.behaviour}, {"choice", d.choice}});
  if (!impl.variants.empty()) j["variants"] = impl.variants;
  if (!impl.library.empty()) {
    j["library"] = impl.library;
    j["library_sha256"] = impl.library_sha256;
  }
  return j;
}

nlohmann::ordered_json mismatch_json(const Mismatch& m) {
  nlohmann::ordered_json j = {{"input", m.input}, {"got", m.got}, {"want", m.want}, {"repro", m.repro}};
  if (!m.random.empty()) j["random"] = m.random;
  if (!m.got_flags.empty() || !m.want_flags.empty()) {
    j["got_flags"] = m.got_flags;
    j["want_flags"] = m.want_flags;
  }
  return j;
}

}  // namespace

void count_items(Document& doc) {
  nlohmann::ordered_json status_counts = nlohmann::ordered_json::object();
  for (Status s : kAllStatuses) status_counts[to_string(s)] = 0;
  uint64_t required = 0, required_not_passed = 0, infrastructure = 0, inputs = 0, mismatches = 0;
  for (const auto& item : doc["items"]) {
    const std::string status = item["status"];
    const bool is_required = item["requirement"] == "required";
    status_counts[status] = status_counts[status].get<uint64_t>() + 1;
    required += is_required;
    required_not_passed += is_required && status != "PASS" && status != "WAIVED" && status != "QUALITY_WARNING";
    infrastructure += item.value("infrastructure_error", false);
    inputs += item["checked"].get<uint64_t>();
    mismatches += item["mismatches"].get<uint64_t>();
  }
  const size_t items = doc["items"].size();
  doc["counts"] = {{"items", items}, {"required", required}, {"optional", items - required}, {"status", status_counts},
                   {"required_not_passed", required_not_passed}, {"infrastructure_errors", infrastructure},
                   {"inputs_checked", inputs}, {"mismatches", mismatches}};
  doc["verdict"] = infrastructure ? "ERROR" : required_not_passed ? "FAIL" : "PASS";
}

int exit_status(const Document& doc) {
  const std::string verdict = doc["verdict"];
  return verdict == "PASS" ? 0 : verdict == "FAIL" ? 1 : 3;
}

Document report_document(const RunResult& run) {
  Document doc;
  doc["schema"] = kSchema;
  doc["suite"] = {{"name", "lpconform"}, {"version", run.suite_version}};
  if (!run.suite_commit.empty()) doc["suite"]["commit"] = run.suite_commit;
  doc["command"] = run.command;
  doc["started"] = run.started;
  doc["finished"] = run.finished;
  doc["duration_s"] = run.seconds;
  doc["threads"] = run.threads;
  doc["seed"] = run.seed;
  doc["filter"] = run.filter.empty() ? nlohmann::ordered_json(nullptr) : nlohmann::ordered_json(run.filter);
  doc["shard"] = {{"index", run.shard_index}, {"count", run.shard_count}};
  doc["waivers"] = nlohmann::ordered_json::array();
  for (const WaiverUse& use : run.waivers) {
    const Waiver& w = use.waiver;
    doc["waivers"].push_back({{"implementation", w.implementation}, {"version", w.version}, {"signature", w.signature}, {"reason", w.reason},
                              {"expires", w.expires}, {"origin", w.origin}, {"state", to_string(use.state)}, {"waived", use.waived}});
  }
  doc["implementation"] = implementation_json(*run.subject);
  doc["oracle"] = implementation_json(*run.oracle);
  doc["profile"] = {{"name", run.profile.name},   {"version", run.profile.version}, {"title", run.profile.title},
                    {"label", run.profile.label}, {"sha256", run.profile.sha256},   {"modified", run.profile.modified}};
  if (!run.profile.required_variants.empty()) doc["profile"]["required_variants"] = run.profile.required_variants;
  if (!run.profile.forbidden_variants.empty()) doc["profile"]["forbidden_variants"] = run.profile.forbidden_variants;
  doc["variants"] = run.variants;
  doc["environment"] = nlohmann::ordered_json::object();
  for (const auto& [key, value] : run.environment) doc["environment"][key] = value;

  auto& items = doc["items"] = nlohmann::ordered_json::array();
  for (const ItemResult& r : run.items) {
    const Item& item = r.item;
    nlohmann::ordered_json j = {{"signature", r.signature}, {"index", r.index}};
    append_item_fields(item, j);
    j["status"] = to_string(r.status);
    j["verification"] = r.verification.describe(item.op);
    j["checked"] = r.checked;
    j["mismatches"] = r.mismatches;
    j["unspecified"] = r.unspecified;
    j["seconds"] = r.seconds;
    if (r.infrastructure) j["infrastructure_error"] = true;
    if (const auto& st = r.statistical) {
      j["statistical"] = {{"seed", st->seed},
                          {"samples", st->samples},
                          {"tests", st->tests},
                          {"family_false_failure_rate", st->family_false_failure_rate},
                          {"alpha", st->alpha},
                          {"effect_size", st->effect_size},
                          {"power", st->power},
                          {"statistic", st->statistic},
                          {"degrees_of_freedom", st->degrees_of_freedom},
                          {"cells", st->cells},
                          {"p_value", st->p_value},
                          {"critical", st->critical}};
    }
    if (r.status != Status::Pass) {
      j["message"] = r.message;
      j["rerun"] = "lpconform run --impl " + impl_argument(*run.subject) + " --profile " + run.profile.name + " --seed " +
                   std::to_string(run.seed) + " --only " + r.signature;
    }
    if (!r.first_mismatches.empty()) {
      auto& first = j["first_mismatches"] = nlohmann::ordered_json::array();
      for (const Mismatch& m : r.first_mismatches) first.push_back(mismatch_json(m));
    }
    items.push_back(std::move(j));
  }
  count_items(doc);
  // Names, messages and the command line come from outside (a waiver file, --out, --name, a
  // plugin): a serialization that replaces every invalid UTF-8 byte with U+FFFD, read back, leaves
  // no string a writer could choke on.
  return Document::parse(doc.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
}

void check_schema(const nlohmann::ordered_json& document) {
  if (!document.is_object() || !document.contains("schema") || document["schema"] != kSchema)
    throw std::invalid_argument(std::string("not an lpconform report: expected \"schema\": \"") + kSchema + "\"");
}

}  // namespace lpc::reports
