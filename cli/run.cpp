// lpconform run --impl NAME --profile NAME [--seed N] [--out DIR]
#include <unistd.h>

#include <charconv>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <iostream>
#include <optional>
#include <thread>
#include <utility>

#include "cli/commands.hpp"
#include "spec/table/text.hpp"
#include "conformance/bundled/bundled.hpp"
#include "conformance/core/runner.hpp"
#include "conformance/plugin/plugin_implementation.hpp"
#include "reports/writers/report.hpp"

namespace lpc::cli {

namespace {

struct RunArguments {
  std::string impl, profile = std::string(kDefaultProfile), out, only, waivers, shard;
  uint64_t seed = kDefaultSeed;
  unsigned jobs = 0;
  size_t max_mismatches = 10;
  plugin::IsolationOptions isolation;  // --timeout, --memory-limit (plugin:PATH subjects)
};

// A progress line on stderr, redrawn four times a second, while the run lasts: items
// done/total, inputs/s and an ETA from the estimated cost done (RunProgress::eta_seconds). Only on a
// terminal, and never when CI is set (logs would fill with carriage returns).
class ProgressLine {
 public:
  explicit ProgressLine(const RunProgress& progress) : progress_(progress) {
    if (!isatty(STDERR_FILENO) || std::getenv("CI")) return;
    thread_ = std::jthread([this](std::stop_token stop) {
      const auto t0 = std::chrono::steady_clock::now();
      while (!stop.stop_requested()) {
        std::this_thread::sleep_for(std::chrono::milliseconds(250));
        const double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
        const size_t done = progress_.items_done, total = progress_.items_total;
        const double rate = progress_.inputs_done / std::max(elapsed, 1e-9);
        const double eta = progress_.eta_seconds(elapsed);
        std::fprintf(stderr, "\r  %zu/%zu items  %3.0f%%  %7.1f M inputs/s  ETA %d:%02d ", done, total,
                     total ? 100.0 * static_cast<double>(done) / static_cast<double>(total) : 0.0, rate / 1e6,
                     static_cast<int>(eta) / 60, static_cast<int>(eta) % 60);
      }
      std::fprintf(stderr, "\r%70s\r", "");
    });
  }

 private:
  const RunProgress& progress_;
  std::jthread thread_;  // declared last: stops and joins first
};

}  // namespace

std::vector<Waiver> waivers_option(const std::string& path) {
  if (path.empty()) return {};
  std::ifstream in(path, std::ios::binary);
  if (!in) throw UsageError("--waivers: cannot read '" + path + "'");
  const std::string text(std::istreambuf_iterator<char>(in), {});
  return parse_waivers(text, path);
}

namespace {

// A decimal environment variable, or nullopt when unset; anything else is a usage error naming it.
std::optional<uint64_t> environment_number(const char* name) {
  const char* value = std::getenv(name);
  if (!value) return std::nullopt;
  const std::string text = repaired_text(value);
  uint64_t n = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), n);
  if (text.empty() || ec != std::errc() || end != text.data() + text.size())
    throw UsageError(std::string("--shard auto: ") + name + " is '" + text + "', not a decimal number");
  return n;
}

// --shard auto: the part of the job this process is, from the launcher's environment. The first
// launcher whose variables are set wins: LPC_SHARD (I/N, for anything else), an MPI launch (Open
// MPI's OMPI_COMM_WORLD_RANK/SIZE, MPICH's and Slurm srun's PMI_RANK/PMI_SIZE), a Kubernetes
// Indexed Job (JOB_COMPLETION_INDEX, from 0, with LPC_SHARD_COUNT set to the Job's completions),
// a Slurm job array (SLURM_ARRAY_TASK_ID, _MIN, _STEP and _COUNT).
Shard shard_from_environment() {
  const auto make = [](const char* from, uint64_t index, uint64_t count) {
    if (const auto shard = Shard::make(index, count)) {
      std::cerr << "lpconform: shard " << shard->index << "/" << shard->count << " from " << from << "\n";
      return *shard;
    }
    throw UsageError(std::string("--shard auto: ") + from + " gives part " + std::to_string(index) + " of " +
                     std::to_string(count) + ", expected 1 <= I <= N <= " + std::to_string(Shard::kMaxCount));
  };
  if (const char* text = std::getenv("LPC_SHARD")) {
    if (const auto shard = Shard::parse(text)) return make("LPC_SHARD", shard->index, shard->count);
    throw UsageError("--shard auto: LPC_SHARD is '" + repaired_text(text) + "', expected I/N like 2/4");
  }
  for (const auto& [rank, size] : {std::pair{"OMPI_COMM_WORLD_RANK", "OMPI_COMM_WORLD_SIZE"}, std::pair{"PMI_RANK", "PMI_SIZE"}}) {
    const auto r = environment_number(rank), n = environment_number(size);
    if (r && n) return make((std::string(rank) + "/" + size).c_str(), *r + 1, *n);
  }
  if (const auto index = environment_number("JOB_COMPLETION_INDEX")) {
    const auto count = environment_number("LPC_SHARD_COUNT");
    if (!count)
      throw UsageError("--shard auto: JOB_COMPLETION_INDEX is set (a Kubernetes Indexed Job) but LPC_SHARD_COUNT is not; "
                       "set it to the Job's .spec.completions");
    return make("JOB_COMPLETION_INDEX/LPC_SHARD_COUNT", *index + 1, *count);
  }
  if (const auto id = environment_number("SLURM_ARRAY_TASK_ID")) {
    const auto count = environment_number("SLURM_ARRAY_TASK_COUNT");
    const uint64_t min = environment_number("SLURM_ARRAY_TASK_MIN").value_or(0);
    const uint64_t step = std::max<uint64_t>(1, environment_number("SLURM_ARRAY_TASK_STEP").value_or(1));
    if (!count || *id < min || (*id - min) % step != 0)
      throw UsageError("--shard auto: SLURM_ARRAY_TASK_ID " + std::to_string(*id) +
                       " is not a task of an array described by SLURM_ARRAY_TASK_MIN, _STEP and _COUNT");
    return make("SLURM_ARRAY_TASK_ID/COUNT", (*id - min) / step + 1, *count);
  }
  throw UsageError("--shard auto: no launcher found in the environment (LPC_SHARD, OMPI_COMM_WORLD_RANK/SIZE, "
                   "PMI_RANK/SIZE, JOB_COMPLETION_INDEX with LPC_SHARD_COUNT, SLURM_ARRAY_TASK_ID/COUNT)");
}

}  // namespace

Shard shard_option(const std::string& text) {
  if (text.empty()) return {};
  if (text == "auto") return shard_from_environment();
  if (const auto shard = Shard::parse(text)) return *shard;
  throw UsageError("--shard: expected I/N with 1 <= I <= N <= " + std::to_string(Shard::kMaxCount) + ", like 2/4, or auto, got '" +
                   repaired_text(text) + "'");
}

std::string default_out(std::string_view implementation) {
  const size_t cut = implementation.find_last_of(":/");
  return "reports/out/" + std::string(implementation.substr(cut == std::string_view::npos ? 0 : cut + 1));
}

void check_out_option(const std::string& out) {
  try {
    reports::check_report_directory(out);
  } catch (const std::exception& e) {
    throw UsageError(std::string("--out: ") + e.what());
  }
}

int write_reports_and_exit_status(const reports::Document& document, const std::string& out) {
  std::vector<std::filesystem::path> written;
  try {
    written = reports::write_reports(document, out);
  } catch (const std::exception& e) {
    throw InfrastructureError("--out: the reports were not written (the previous ones, if any, are kept): " + std::string(e.what()));
  }
  std::cout << "reports:";
  for (const auto& path : written) std::cout << " " << path.string();
  std::cout << "\n";
  return reports::exit_status(document);
}

int run_and_report(const Profile& profile, const Implementation& subject, const RunOptions& options, const std::string& out) {
  if (select_items(profile, options.only, subject.name, {}).empty())
    throw UsageError("--only '" + options.only + "' matches no item of profile " + profile.info.name);
  check_out_option(out);
  RunResult result;
  {
    ProgressLine line(*options.progress);
    result = run_profile(profile, subject, reference_implementation(), options);
  }
  const reports::Document document = reports::report_document(result);
  std::cout << reports::render_summary_text(document);
  return write_reports_and_exit_status(document, out);
}

Command add_run(CLI::App& app, const std::string& command_line) {
  auto* sub = app.add_subcommand("run", "Run a conformance profile: the subject (--impl) against the reference oracle.\n"
                                        "Exit 0 when every required item passes (or is waived), 1 otherwise, 2 on usage errors,\n"
                                        "3 when the oracle or the harness failed.");
  auto a = std::make_shared<RunArguments>();
  sub->add_option("--impl", a->impl, "Implementation under test: reference | fast | chip | plugin:PATH (see `lpconform list impls`)")->required();
  sub->add_option("--profile", a->profile, "Bundled profile name (see `lpconform list profiles`) or a profile file path")->capture_default_str();
  sub->add_option("--seed", a->seed, "Seed of every random choice; recorded in the report")
      ->transform(whole_number(0, kMaxUint64))
      ->capture_default_str();
  sub->add_option("--out", a->out,
                  "Directory of its own for report.json, junit.xml, summary.md, failures.csv, replaced as one set "
                  "(default: reports/out/IMPL, IMPL the last part of --impl)");
  sub->add_option("--only", a->only, "Run only the items whose signature matches this '*' pattern");
  sub->add_option("--jobs,-j", a->jobs, "Threads (default: every core)")->transform(whole_number(0, kMaxJobs));
  sub->add_option("--waivers", a->waivers,
                  "CSV file 'implementation,version,signature,reason,expires': matching failures are reported WAIVED (never PASS)");
  sub->add_option("--shard", a->shard,
                  "Run only part I of N (I/N, 1 <= I <= N), or auto: from an MPI launch, a Kubernetes Indexed Job, a "
                  "Slurm array or LPC_SHARD (README: Sharding); `lpconform report merge` joins the N reports");
  sub->add_option("--max-mismatches", a->max_mismatches, "Mismatches recorded per item (all are counted)")
      ->transform(whole_number(0, kMaxRecordedMismatches))
      ->capture_default_str();
  sub->add_option("--timeout", a->isolation.timeout_seconds, "plugin:PATH: seconds one batch may take before it is a TIMEOUT")
      ->capture_default_str();
  sub->add_option("--memory-limit", a->isolation.memory_limit_mib, "plugin:PATH: address-space limit of the worker process, MiB (0: none)")
      ->transform(whole_number(0, kMaxUint64 >> 20))  // in bytes it must fit 64 bits
      ->capture_default_str();
  return {sub, [a, command_line] {
            plugin::set_isolation_options(a->isolation);
            const Implementation& subject = implementation_by_name(a->impl);
            const Profile profile = load_profile(a->profile);
            RunProgress progress;
            RunOptions options{a->seed, a->jobs, a->max_mismatches, a->only, command_line, &progress, waivers_option(a->waivers),
                               shard_option(a->shard)};
            return run_and_report(profile, subject, options, a->out.empty() ? default_out(a->impl) : a->out);
          }};
}

}  // namespace lpc::cli
