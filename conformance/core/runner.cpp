#include "conformance/core/runner.hpp"

#include <sys/utsname.h>

#include <algorithm>
#include <charconv>
#include <chrono>
#include <ctime>
#include <fstream>
#include <map>
#include <thread>

#include "spec/table/csv.hpp"
#include "conformance/core/build_info.hpp"
#include "conformance/ops/derive.hpp"
#include "conformance/formats/checks.hpp"
#include "conformance/core/variants.hpp"
#include "impls/fast/formats/convert.hpp"

namespace lpc {

namespace {

// splitmix64 finalizer: spreads every input bit over the output.
uint64_t mix(uint64_t z) {
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return z ^ (z >> 31);
}

// A rough cost, to start the heaviest groups first.
uint64_t cost(const Item& item) {
  if (item.op == Op::Registered)
    return item.schema->cost ? item.schema->cost(item.op_params, item.inputs) : 1000 * item.schema->cases(item.op_params, item.inputs, 0).size();
  if (item.op == Op::Decode) return item.format->code_count();
  uint64_t n = item.inputs.all ? 65536 : item.inputs.random;
  if (item.inputs.boundary) n += 10 * uint64_t{item.format->code_count()};
  return n;
}

}  // namespace

std::string utc_now() {
  const std::time_t t = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

std::optional<Shard> Shard::make(uint64_t index, uint64_t count) {
  if (count < 1 || count > kMaxCount || index < 1 || index > count) return std::nullopt;
  return Shard{static_cast<unsigned>(index), static_cast<unsigned>(count)};
}

std::optional<Shard> Shard::parse(std::string_view text) {
  uint64_t index = 0, count = 0;
  const size_t slash = text.find('/');
  if (slash == std::string_view::npos) return std::nullopt;
  auto [p1, e1] = std::from_chars(text.data(), text.data() + slash, index);
  auto [p2, e2] = std::from_chars(text.data() + slash + 1, text.data() + text.size(), count);
  if (e1 != std::errc() || p1 != text.data() + slash || e2 != std::errc() || p2 != text.data() + text.size()) return std::nullopt;
  return make(index, count);
}

std::vector<size_t> select_items(const Profile& profile, const std::string& only, std::string_view subject_name, Shard shard) {
  std::vector<size_t> selected;
  for (size_t i = 0; i < profile.items.size(); ++i)
    if (only.empty() || glob_match(only, profile.items[i].signature(subject_name))) selected.push_back(i);
  if (shard.count == 1) return selected;
  // Longest processing time first: heaviest item to the least loaded shard (lowest number on ties).
  std::vector<uint64_t> costs(profile.items.size());
  for (size_t i : selected) costs[i] = cost(profile.items[i]);
  std::vector<size_t> by_cost = selected;
  std::stable_sort(by_cost.begin(), by_cost.end(), [&](size_t a, size_t b) { return costs[a] > costs[b]; });
  std::vector<uint64_t> load(shard.count, 0);
  std::vector<size_t> mine;
  for (size_t i : by_cost) {
    const size_t target = static_cast<size_t>(std::min_element(load.begin(), load.end()) - load.begin());
    load[target] += costs[i] + 1;
    if (target + 1 == shard.index) mine.push_back(i);
  }
  std::sort(mine.begin(), mine.end());
  return mine;
}

std::vector<std::pair<std::string, std::string>> run_environment() {
  std::vector<std::pair<std::string, std::string>> env;
  utsname u{};
  if (uname(&u) == 0) env.emplace_back("os", std::string(u.sysname) + " " + u.release + " " + u.machine);
  std::ifstream cpuinfo("/proc/cpuinfo");
  for (std::string line; std::getline(cpuinfo, line);)
    if (line.starts_with("model name")) {
      const size_t colon = line.find(':');
      env.emplace_back("cpu", colon == std::string::npos ? line : line.substr(std::min(line.size(), colon + 2)));
      break;
    }
  const fast::Isa isa = fast::isa_available(fast::Isa::Avx512) ? fast::Isa::Avx512 : fast::isa_available(fast::Isa::Avx2) ? fast::Isa::Avx2 : fast::Isa::Scalar;
  env.emplace_back("fast_isa", fast::to_string(isa));
  return env;
}

uint64_t item_seed(uint64_t run_seed, const Item& item) {
  uint64_t h = 0xcbf29ce484222325ull;  // FNV-1a over the signature
  for (char c : item.signature("")) h = (h ^ static_cast<unsigned char>(c)) * 0x100000001b3ull;
  return mix(run_seed ^ mix(h));
}

RunResult run_profile(const Profile& profile, const Implementation& subject, const Implementation& oracle, const RunOptions& options) {
  RunResult run;
  run.suite_version = LPC_VERSION;
  run.suite_commit = suite_commit();
  run.subject = &subject;
  run.oracle = &oracle;
  run.profile = profile.info;
  run.seed = options.seed;
  run.command = options.command;
  run.filter = options.only;
  run.shard_index = options.shard.index;
  run.shard_count = options.shard.count;
  run.waivers = start_waivers(options.waivers, subject, utc_now().substr(0, 10));
  // The oracle computes under the variants the subject declares and the profile allows, and those
  // the profile requires (spec/formats.md §7); reports name them.
  run.variants = applied_variants(subject.variants, {profile.info.required_variants, profile.info.forbidden_variants});
  run.environment = run_environment();
  const Implementation checking_oracle = under_variants(oracle, run.variants);
  run.threads = options.threads ? options.threads : std::max(1u, std::thread::hardware_concurrency());
  run.started = utc_now();
  const auto t0 = std::chrono::steady_clock::now();

  // 1. The selected items, grouped by (op, format, mode): one group is one unit of work.
  const std::vector<size_t> indexes = select_items(profile, options.only, subject.name, options.shard);
  std::vector<const Item*> selected;
  for (size_t i : indexes) selected.push_back(&profile.items[i]);
  std::map<std::string, std::vector<size_t>> by_mode;
  for (size_t i = 0; i < selected.size(); ++i) {
    const Item& item = *selected[i];
    by_mode[item.op == Op::Registered ? item.signature("")
                                  : std::string(op_info(item.op).name) + item.format->name + item.rounding_name() + to_string(item.params.overflow)]
        .push_back(i);
  }
  std::vector<std::pair<uint64_t, std::vector<size_t>>> costed;  // (cost, members)
  for (auto& [key, members] : by_mode) {
    uint64_t c = 0;
    for (size_t i : members) c += cost(*selected[i]);
    costed.emplace_back(c, std::move(members));
  }
  std::stable_sort(costed.begin(), costed.end(), [](const auto& a, const auto& b) { return a.first > b.first; });
  std::vector<std::vector<size_t>> groups;
  for (auto& [c, members] : costed) groups.push_back(std::move(members));
  if (options.progress) {
    options.progress->items_total = selected.size();
    uint64_t total_cost = 0;
    for (const auto& [c, members] : costed) total_cost += c;
    options.progress->cost_total = total_cost;
  }

  // Bonferroni's m: the Statistical items of the whole profile (not of this filter or shard), so
  // an item's level, and its verdict, do not depend on which items run beside it.
  const uint64_t statistical_items = ops::statistical_item_count(profile.items);

  // 2. Workers take groups in order; each writes only its own items' slots.
  run.items.resize(selected.size());
  std::atomic<size_t> next_group{0};
  auto worker = [&] {
    for (size_t g; (g = next_group++) < groups.size();) {
      for (size_t i : groups[g]) {
        const Item& item = *selected[i];
        const CheckContext context{&subject, &checking_oracle, item_seed(options.seed, item), options.max_mismatches,
                                   options.progress ? &options.progress->inputs_done : nullptr, statistical_items};
        const auto start = std::chrono::steady_clock::now();
        run.items[i] = item.op == Op::Registered ? ops::check_item(item, context)
                       : item.op == Op::Encode ? check_encode(item, context)
                                               : check_decode(item, context);
        run.items[i].seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
        ItemResult& r = run.items[i];
        r.index = indexes[i];
        // checks.cpp words every error that is not the subject's "oracle ..." or "harness: ...".
        r.infrastructure = r.status == Status::Error && !r.message.starts_with("subject");
        if (const int w = find_waiver(run.waivers, r); w >= 0) waive(r, run.waivers[static_cast<size_t>(w)].waiver);
        if (options.progress) {
          options.progress->cost_done += cost(item);
          ++options.progress->items_done;
        }
      }
    }
  };
  std::vector<std::jthread> pool;
  for (unsigned t = 1; t < run.threads; ++t) pool.emplace_back(worker);
  worker();
  pool.clear();  // joins

  // 3. What each waiver did (the states do not change while items run, so find_waiver finds the
  //    same waiver again).
  for (const ItemResult& r : run.items)
    if (const int w = r.status == Status::Waived ? find_waiver(run.waivers, r) : -1; w >= 0) ++run.waivers[static_cast<size_t>(w)].waived;
  for (WaiverUse& use : run.waivers)
    if (use.waived) use.state = WaiverState::Used;

  run.finished = utc_now();
  run.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return run;
}

}  // namespace lpc
