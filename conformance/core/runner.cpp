#include "conformance/core/runner.hpp"

#include <algorithm>
#include <chrono>
#include <ctime>
#include <map>
#include <thread>

#include "spec/table/csv.hpp"
#include "conformance/formats/checks.hpp"

namespace lpc {

namespace {

std::string utc_now() {
  const std::time_t t = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

// splitmix64 finalizer: spreads every input bit over the output.
uint64_t mix(uint64_t z) {
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return z ^ (z >> 31);
}

// A rough cost, to start the heaviest groups first.
uint64_t cost(const Item& item) {
  if (item.op == Op::Decode) return item.format->code_count();
  uint64_t n = item.inputs.all ? 65536 : item.inputs.random;
  if (item.inputs.boundary) n += 10 * uint64_t{item.format->code_count()};
  return n;
}

}  // namespace

std::vector<Waiver> parse_waivers(std::string_view text, const std::string& origin) {
  CsvReader reader(text, origin, true);
  reader.expect_header({{"signature", "reason"}});
  std::vector<Waiver> waivers;
  for (CsvRecord row; reader.next(row);) {
    if (row.fields.size() != 2) reader.fail(row.line, 1, "expected 2 fields (signature,reason), got " + std::to_string(row.fields.size()));
    if (row.fields[0].text.empty()) reader.fail(row, row.fields[0], "empty signature pattern");
    if (row.fields[1].text.empty()) reader.fail(row, row.fields[1], "empty reason: say why the failure is accepted");
    waivers.push_back({row.fields[0].text, row.fields[1].text});
  }
  return waivers;
}

uint64_t item_seed(uint64_t run_seed, const Item& item) {
  uint64_t h = 0xcbf29ce484222325ull;  // FNV-1a over the signature
  for (char c : item.signature("")) h = (h ^ static_cast<unsigned char>(c)) * 0x100000001b3ull;
  return mix(run_seed ^ mix(h));
}

RunResult run_profile(const Profile& profile, const Implementation& subject, const Implementation& oracle, const RunOptions& options) {
  RunResult run;
  run.suite_version = LPC_VERSION;
  run.subject = &subject;
  run.oracle = &oracle;
  run.profile = profile.info;
  run.seed = options.seed;
  run.command = options.command;
  run.filter = options.only;
  run.waivers = options.waivers;
  run.threads = options.threads ? options.threads : std::max(1u, std::thread::hardware_concurrency());
  run.started = utc_now();
  const auto t0 = std::chrono::steady_clock::now();

  // 1. The selected items, grouped by (op, format, mode): one group is one unit of work.
  std::vector<const Item*> selected;
  for (const Item& item : profile.items)
    if (options.only.empty() || glob_match(options.only, item.signature(subject.name))) selected.push_back(&item);
  std::map<std::string, std::vector<size_t>> by_mode;
  for (size_t i = 0; i < selected.size(); ++i) {
    const Item& item = *selected[i];
    by_mode[std::string(op_info(item.op).name) + item.format->name + item.rounding_name() + to_string(item.params.overflow)].push_back(i);
  }
  std::vector<std::vector<size_t>> groups;
  for (auto& [key, members] : by_mode) groups.push_back(std::move(members));
  auto group_cost = [&](const std::vector<size_t>& g) {
    uint64_t c = 0;
    for (size_t i : g) c += cost(*selected[i]);
    return c;
  };
  std::stable_sort(groups.begin(), groups.end(), [&](const auto& a, const auto& b) { return group_cost(a) > group_cost(b); });
  if (options.progress) options.progress->items_total = selected.size();

  // 2. Workers take groups in order; each writes only its own items' slots.
  run.items.resize(selected.size());
  std::atomic<size_t> next_group{0};
  auto worker = [&] {
    for (size_t g; (g = next_group++) < groups.size();) {
      for (size_t i : groups[g]) {
        const Item& item = *selected[i];
        const CheckContext context{&subject, &oracle, item_seed(options.seed, item), options.max_mismatches,
                                   options.progress ? &options.progress->inputs_done : nullptr};
        const auto start = std::chrono::steady_clock::now();
        run.items[i] = item.op == Op::Encode ? check_encode(item, context) : check_decode(item, context);
        run.items[i].seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
        ItemResult& r = run.items[i];
        for (const Waiver& w : options.waivers) {
          if (r.status == Status::Pass || r.status == Status::Unsupported || !glob_match(w.pattern, r.signature)) continue;
          r.message = "waived (" + w.reason + "); was " + to_string(r.status) + (r.message.empty() ? "" : ": " + r.message);
          r.status = Status::Waived;
          break;
        }
        if (options.progress) ++options.progress->items_done;
      }
    }
  };
  std::vector<std::jthread> pool;
  for (unsigned t = 1; t < run.threads; ++t) pool.emplace_back(worker);
  worker();
  pool.clear();  // joins

  run.finished = utc_now();
  run.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return run;
}

}  // namespace lpc
