#include "reports/writers/bench.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>
#include <stdexcept>

#include "reports/writers/tables.hpp"

namespace lpc::reports {

namespace {

// A key of `object` that must be there with a JSON type `check` accepts.
const nlohmann::json& need(const nlohmann::json& object, const char* key, bool (nlohmann::json::*check)() const noexcept,
                           const char* expected, const std::string& where) {
  if (!object.is_object() || !object.contains(key) || !(object[key].*check)())
    throw std::invalid_argument(where + "." + key + ": expected " + expected);
  return object[key];
}

double to_ns(double value, const std::string& unit, const std::string& where) {
  if (unit == "ns") return value;
  if (unit == "us") return value * 1e3;
  if (unit == "ms") return value * 1e6;
  if (unit == "s") return value * 1e9;
  throw std::invalid_argument(where + ".time_unit: expected ns, us, ms or s, got '" + detail::one_line(unit) + "'");
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  const size_t n = v.size();
  return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

std::optional<double> median_of(const std::vector<double>& v) {
  if (v.empty()) return std::nullopt;
  return median(v);
}

std::vector<std::string> parts(const std::string& name) {
  std::vector<std::string> out;
  size_t start = 0;
  for (size_t slash; (slash = name.find('/', start)) != std::string::npos; start = slash + 1) out.push_back(name.substr(start, slash - start));
  out.push_back(name.substr(start));
  return out;
}

// How much two names share: twice each part equal at the same place from the start or from the
// end (never counting a part twice), plus once each part of `a` found anywhere in `b`.
size_t shared_parts(const std::vector<std::string>& a, const std::vector<std::string>& b) {
  const size_t n = std::min(a.size(), b.size());
  size_t front = 0, back = 0, anywhere = 0;
  while (front < n && a[front] == b[front]) ++front;
  while (back < n - front && a[a.size() - 1 - back] == b[b.size() - 1 - back]) ++back;
  for (const std::string& part : a) anywhere += std::find(b.begin(), b.end(), part) != b.end();
  return 2 * (front + back) + anywhere;
}

std::string fixed(double v, int digits) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", digits, v);
  return buf;
}

std::string padded(std::string s, size_t width) {
  if (s.size() < width) s.append(width - s.size(), ' ');
  return s;
}

}  // namespace

std::string format_duration_ns(double ns) {
  const char* unit = "ns";
  double v = ns;
  if (v >= 1e9) v /= 1e9, unit = "s";
  else if (v >= 1e6) v /= 1e6, unit = "ms";
  else if (v >= 1e3) v /= 1e3, unit = "us";
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f %s", v >= 100 ? 0 : v >= 10 ? 1 : 2, v, unit);
  return buf;
}

BenchRun parse_bench(const nlohmann::json& document, const std::string& origin) {
  BenchRun run;
  run.origin = origin;
  if (!document.is_object()) throw std::invalid_argument(origin + ": expected a JSON object (Google Benchmark's --benchmark_out)");
  const auto& context = need(document, "context", &nlohmann::json::is_object, "an object", origin);
  const auto text = [&](const char* key) {
    return context.contains(key) && context[key].is_string() ? detail::one_line(context[key].get<std::string>()) : std::string();
  };
  run.date = text("date");
  run.host = text("host_name");
  run.commit = text("commit");
  if (context.contains("num_cpus") && context["num_cpus"].is_number_integer() && context["num_cpus"].get<int64_t>() > 0)
    run.num_cpus = static_cast<unsigned>(std::min<int64_t>(context["num_cpus"].get<int64_t>(), 1 << 20));
  if (context.contains("mhz_per_cpu") && context["mhz_per_cpu"].is_number()) run.mhz_per_cpu = context["mhz_per_cpu"].get<double>();

  struct Collected {
    std::vector<double> times, bytes, items;
    std::optional<double> median_time, cv;
  };
  std::vector<std::string> order;
  std::map<std::string, Collected> by_name;
  const auto& benchmarks = need(document, "benchmarks", &nlohmann::json::is_array, "an array", origin);
  for (size_t i = 0; i < benchmarks.size(); ++i) {
    const std::string where = origin + ": benchmarks[" + std::to_string(i) + "]";
    const auto& b = benchmarks[i];
    const std::string name = need(b, "name", &nlohmann::json::is_string, "a string", where).get<std::string>();
    const std::string run_name = b.contains("run_name") && b["run_name"].is_string() ? b["run_name"].get<std::string>() : name;
    if (b.contains("error_occurred") && !(b["error_occurred"].is_boolean() && !b["error_occurred"].get<bool>())) continue;
    const double real = need(b, "real_time", &nlohmann::json::is_number, "a number", where).get<double>();
    if (!std::isfinite(real) || real < 0) throw std::invalid_argument(where + ".real_time: expected a finite number >= 0");
    const std::string run_type = b.contains("run_type") && b["run_type"].is_string() ? b["run_type"].get<std::string>() : "iteration";
    if (!by_name.contains(run_name)) order.push_back(run_name);
    Collected& c = by_name[run_name];
    if (run_type == "aggregate") {
      const std::string aggregate = need(b, "aggregate_name", &nlohmann::json::is_string, "a string", where).get<std::string>();
      if (aggregate == "median")
        c.median_time = to_ns(real, need(b, "time_unit", &nlohmann::json::is_string, "a string", where).get<std::string>(), where);
      else if (aggregate == "cv")
        c.cv = real;  // aggregate_unit "percentage": a fraction
      continue;
    }
    c.times.push_back(to_ns(real, need(b, "time_unit", &nlohmann::json::is_string, "a string", where).get<std::string>(), where));
    for (auto [key, into] : {std::pair{"bytes_per_second", &c.bytes}, std::pair{"items_per_second", &c.items}})
      if (b.contains(key)) into->push_back(need(b, key, &nlohmann::json::is_number, "a number", where).get<double>());
  }
  for (const std::string& name : order) {
    const Collected& c = by_name[name];
    if (c.times.empty() && !c.median_time) continue;
    BenchEntry e;
    e.name = detail::one_line(name);
    e.repetitions = static_cast<unsigned>(c.times.size());
    e.time_ns = c.median_time ? *c.median_time : median(c.times);
    if (c.cv) {
      e.cv = *c.cv;
    } else if (c.times.size() > 1) {
      double mean = 0, var = 0;
      for (double t : c.times) mean += t;
      mean /= static_cast<double>(c.times.size());
      for (double t : c.times) var += (t - mean) * (t - mean);
      var /= static_cast<double>(c.times.size() - 1);
      e.cv = mean > 0 ? std::sqrt(var) / mean : 0;
    }
    e.bytes_per_second = median_of(c.bytes);
    e.items_per_second = median_of(c.items);
    for (const std::string& part : parts(e.name))
      if (part.find("memcpy") != std::string::npos) e.is_peer = true;
    run.entries.push_back(std::move(e));
  }
  return run;
}

std::vector<PeerRatio> peer_ratios(const BenchRun& run) {
  std::vector<PeerRatio> out;
  for (const BenchEntry& e : run.entries) {
    if (e.is_peer) continue;
    PeerRatio r{&e, nullptr, 0};
    size_t best = 0;
    const auto mine = parts(e.name);
    for (const BenchEntry& p : run.entries) {
      if (!p.is_peer) continue;
      const size_t score = shared_parts(mine, parts(p.name));
      if (score > best) best = score, r.peer = &p;
    }
    if (r.peer && r.peer->time_ns > 0) r.ratio = e.time_ns / r.peer->time_ns;
    out.push_back(r);
  }
  return out;
}

std::vector<BenchDelta> compare_runs(const BenchRun& base, const BenchRun& current) {
  std::map<std::string, const BenchEntry*> before;
  for (const BenchEntry& e : base.entries) before.emplace(e.name, &e);
  std::vector<BenchDelta> out;
  for (const BenchEntry& e : current.entries) {
    const auto it = before.find(e.name);
    if (it == before.end() || it->second->time_ns <= 0) continue;
    BenchDelta d{e.name, it->second->time_ns, e.time_ns, e.time_ns / it->second->time_ns, it->second->cv, e.cv};
    d.significant = std::fabs(d.ratio - 1) > std::max(0.02, 2 * std::max(d.base_cv, d.current_cv));
    out.push_back(d);
  }
  return out;
}

namespace {

// Rows under a header, as padded plain text (indented two spaces) or as a Markdown table.
std::string table(const std::vector<std::string>& header, const std::vector<std::vector<std::string>>& rows, bool markdown) {
  std::string out;
  if (markdown) {
    const auto line = [&out](const std::vector<std::string>& cells) {
      for (const std::string& c : cells) out += "| " + detail::markdown_cell(c) + " ";
      out += "|\n";
    };
    line(header);
    for (size_t i = 0; i < header.size(); ++i) out += i ? "|---:" : "|---";
    out += "|\n";
    for (const auto& row : rows) line(row);
    return out;
  }
  std::vector<size_t> width(header.size());
  for (size_t i = 0; i < header.size(); ++i) {
    width[i] = header[i].size();
    for (const auto& row : rows) width[i] = std::max(width[i], row[i].size());
  }
  const auto line = [&](const std::vector<std::string>& cells) {
    std::string text = " ";
    for (size_t i = 0; i < cells.size(); ++i) text += " " + (i + 1 < cells.size() ? padded(cells[i], width[i]) : cells[i]) + " ";
    while (!text.empty() && text.back() == ' ') text.pop_back();
    out += text + "\n";
  };
  line(header);
  for (const auto& row : rows) line(row);
  return out;
}

}  // namespace

std::string render_bench_text(const std::vector<BenchRun>& runs, bool markdown) {
  std::string out;
  for (const BenchRun& run : runs) {
    out += (markdown ? "\n" : "") + run.origin + ": " + std::to_string(run.entries.size()) + " benchmarks" + (run.commit.empty() ? "" : ", commit " + run.commit) +
           (run.host.empty() ? "" : ", host " + run.host) + (run.date.empty() ? "" : ", " + run.date) + (markdown ? "\n\n" : "\n");
    std::vector<std::vector<std::string>> rows;
    for (const PeerRatio& r : peer_ratios(run))
      rows.push_back({r.entry->name, format_duration_ns(r.entry->time_ns), fixed(100 * r.entry->cv, 1) + "%", r.peer ? fixed(r.ratio, 2) : "-",
                      r.peer ? r.peer->name : "(no memcpy peer)"});
    out += table({"benchmark", "time", "cv", "x peer", "peer"}, rows, markdown);
  }
  for (size_t i = 1; i < runs.size(); ++i) {
    const auto deltas = compare_runs(runs[0], runs[i]);
    out += "\n" + runs[i].origin + " against " + runs[0].origin + ": " + std::to_string(deltas.size()) + " benchmarks in both (" +
           std::to_string(runs[i].entries.size() - deltas.size()) + " only in " + runs[i].origin + ", " +
           std::to_string(runs[0].entries.size() - deltas.size()) + " only in " + runs[0].origin + ")" + (markdown ? "\n\n" : "\n");
    std::vector<std::vector<std::string>> rows;
    for (const BenchDelta& d : deltas) {
      char change[64];
      std::snprintf(change, sizeof change, "%+.1f%%%s", 100 * (d.ratio - 1), d.significant ? "" : " (within noise)");
      rows.push_back({d.name, format_duration_ns(d.base_ns), format_duration_ns(d.current_ns), change});
    }
    out += table({"benchmark", "base", "current", "change"}, rows, markdown);
  }
  return out;
}

}  // namespace lpc::reports
