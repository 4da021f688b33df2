// Checking a report.json read from outside before anything uses it (report.hpp: validate_report).
#include <cmath>
#include <initializer_list>
#include <limits>
#include <stdexcept>

#include "conformance/core/runner.hpp"
#include "reports/writers/report.hpp"

namespace lpc::reports {

namespace {

// One object of the document and where it sits ("items[3]"), for messages.
class Fields {
 public:
  Fields(const Document& object, std::string path) : object_(object), path_(std::move(path)) {
    if (!object_.is_object()) fail(path_, "an object", object_);
  }

  const Document& get(const char* key) const {
    if (!object_.contains(key)) throw std::invalid_argument(where(key) + ": missing");
    return object_[key];
  }
  bool has(const char* key) const { return object_.contains(key); }
  std::string where(const char* key) const { return path_ + "." + key; }

  void string(const char* key) const {
    if (!get(key).is_string()) fail(where(key), "a string", get(key));
  }
  void optional_string(const char* key) const {
    if (has(key)) string(key);
  }
  void one_of(const char* key, std::initializer_list<const char*> values) const {
    string(key);
    for (const char* v : values)
      if (get(key) == v) return;
    std::string list;
    for (const char* v : values) list += (list.empty() ? "" : ", ") + std::string(v);
    fail(where(key), ("one of " + list).c_str(), get(key));
  }
  void boolean(const char* key) const {
    if (!get(key).is_boolean()) fail(where(key), "true or false", get(key));
  }
  void whole_number(const char* key, uint64_t max = std::numeric_limits<uint64_t>::max()) const {
    const Document& v = get(key);
    const bool whole = v.is_number_unsigned() || (v.is_number_integer() && v.get<int64_t>() >= 0);
    if (!whole || v.get<uint64_t>() > max) fail(where(key), ("an integer from 0 to " + std::to_string(max)).c_str(), v);
  }
  void seconds(const char* key) const {
    const Document& v = get(key);
    if (!v.is_number() || !std::isfinite(v.get<double>()) || v.get<double>() < 0) fail(where(key), "a number of seconds >= 0", v);
  }
  const Document& array(const char* key) const {
    if (!get(key).is_array()) fail(where(key), "an array", get(key));
    return get(key);
  }

  [[noreturn]] static void fail(const std::string& where, const char* expected, const Document& got) {
    std::string text = got.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    if (text.size() > 60) text = text.substr(0, 57) + "...";
    throw std::invalid_argument(where + ": expected " + expected + ", got " + text);
  }

 private:
  const Document& object_;
  std::string path_;
};

void check_implementation(const Fields& doc, const char* key) {
  const Fields impl(doc.get(key), doc.where(key));
  for (const char* k : {"name", "version", "description"}) impl.string(k);
  impl.boolean("produces_flags");
  const Document& declarations = impl.array("declarations");
  for (size_t i = 0; i < declarations.size(); ++i) {
    const Fields d(declarations[i], impl.where("declarations") + "[" + std::to_string(i) + "]");
    d.string("behaviour");
    d.string("choice");
  }
}

void check_item(const Fields& item) {
  for (const char* k : {"signature", "op", "verification"}) item.string(k);
  item.whole_number("index");
  item.one_of("requirement", {"required", "optional"});
  item.one_of("status", {"PASS", "FAIL", "UNSUPPORTED", "WAIVED", "CRASH", "TIMEOUT", "ERROR", "QUALITY_WARNING"});
  for (const char* k : {"checked", "mismatches", "unspecified"}) item.whole_number(k);
  item.seconds("seconds");
  if (item.has("infrastructure_error")) item.boolean("infrastructure_error");
  // The op's own fields, where the writers read them.
  for (const char* k : {"format", "rounding", "overflow", "source", "variant", "scheme", "message"}) item.optional_string(k);
  if (item.has("sr_bits")) item.whole_number("sr_bits", 64);
  if (item.get("status") != "PASS") item.string("rerun");
  if (!item.has("first_mismatches")) return;
  const Document& mismatches = item.array("first_mismatches");
  if (mismatches.empty()) Fields::fail(item.where("first_mismatches"), "at least one mismatch", mismatches);
  for (size_t i = 0; i < mismatches.size(); ++i) {
    const Fields m(mismatches[i], item.where("first_mismatches") + "[" + std::to_string(i) + "]");
    for (const char* k : {"input", "got", "want", "repro"}) m.string(k);
    for (const char* k : {"random", "got_flags", "want_flags"}) m.optional_string(k);
  }
}

}  // namespace

void validate_report(const Document& document) {
  check_schema(document);
  const Fields doc(document, "report");
  const Fields suite(doc.get("suite"), "suite");
  suite.string("name");
  suite.string("version");
  suite.optional_string("commit");
  for (const char* k : {"command", "started", "finished"}) doc.string(k);
  doc.seconds("duration_s");
  doc.whole_number("threads", std::numeric_limits<unsigned>::max());
  doc.whole_number("seed");
  if (!doc.get("filter").is_null()) doc.string("filter");
  const Fields shard(doc.get("shard"), "shard");
  shard.whole_number("index", Shard::kMaxCount);
  shard.whole_number("count", Shard::kMaxCount);
  if (!Shard::make(shard.get("index").get<uint64_t>(), shard.get("count").get<uint64_t>()))
    Fields::fail("shard", ("{index I, count N} with 1 <= I <= N <= " + std::to_string(Shard::kMaxCount)).c_str(), doc.get("shard"));
  const Document& waivers = doc.array("waivers");
  for (size_t i = 0; i < waivers.size(); ++i) {
    const Fields w(waivers[i], "waivers[" + std::to_string(i) + "]");
    for (const char* k : {"implementation", "version", "signature", "reason", "expires", "origin"}) w.string(k);
    w.one_of("state", {"used", "unmatched", "expired", "other-implementation"});
    w.whole_number("waived");
  }
  check_implementation(doc, "implementation");
  check_implementation(doc, "oracle");
  const Fields profile(doc.get("profile"), "profile");
  for (const char* k : {"name", "version", "title", "label"}) profile.string(k);
  profile.optional_string("sha256");
  if (profile.has("modified")) profile.boolean("modified");
  const Document& items = doc.array("items");
  for (size_t i = 0; i < items.size(); ++i) check_item(Fields(items[i], "items[" + std::to_string(i) + "]"));
}

}  // namespace lpc::reports
