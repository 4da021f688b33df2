// The fast conversions' chunk pool (impls/fast/formats/chunk_pool.hpp): every chunk runs exactly
// once whoever runs it — several callers at once, more threads asked for than there are workers,
// an exception, a forked child — and a conversion split over it equals the one-thread conversion.
#include <catch2/catch.hpp>

#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <stdexcept>
#include <thread>
#include <vector>

#include "impls/fast/formats/chunk_pool.hpp"

namespace lpc::test {
namespace {

struct Tally {
  std::vector<std::atomic<int>> runs;
  explicit Tally(size_t chunks) : runs(chunks) {}
  static void body(void* p, size_t c) { static_cast<Tally*>(p)->runs[c].fetch_add(1); }
  bool each_once() const {
    for (const auto& r : runs)
      if (r.load() != 1) return false;
    return true;
  }
};

TEST_CASE("chunk pool: every chunk once, from several callers at once", "[property][chunk-pool]") {
  for (size_t threads : {size_t{1}, size_t{2}, size_t{64}}) {
    std::vector<std::thread> callers;
    std::atomic<int> good{0};
    for (int t = 0; t < 4; ++t)
      callers.emplace_back([&] {
        for (int round = 0; round < 200; ++round) {
          Tally tally(1 + size_t(round) % 37);
          fast::detail::run_chunks(tally.runs.size(), threads, Tally::body, &tally);
          if (tally.each_once()) good.fetch_add(1);
        }
      });
    for (auto& c : callers) c.join();
    INFO("threads asked for: " << threads);
    CHECK(good.load() == 800);
  }
}

TEST_CASE("chunk pool: an exception reaches the caller, and the pool serves the next call", "[property][chunk-pool]") {
  auto throwing = [](void*, size_t c) {
    if (c == 5) throw std::runtime_error("chunk 5");
  };
  CHECK_THROWS_WITH(fast::detail::run_chunks(64, 2, throwing, nullptr), "chunk 5");
  Tally tally(64);
  fast::detail::run_chunks(64, 2, Tally::body, &tally);
  CHECK(tally.each_once());
}

TEST_CASE("chunk pool: a child forked after the workers started runs its chunks itself", "[property][chunk-pool]") {
  Tally warm(8);
  fast::detail::run_chunks(8, 2, Tally::body, &warm);  // the workers exist now
  REQUIRE(warm.each_once());
  const pid_t child = fork();
  REQUIRE(child >= 0);
  if (child == 0) {
    Tally tally(16);
    fast::detail::run_chunks(16, 2, Tally::body, &tally);
    _exit(tally.each_once() ? 0 : 1);
  }
  int status = 0;
  REQUIRE(waitpid(child, &status, 0) == child);
  CHECK(WIFEXITED(status));
  CHECK(WEXITSTATUS(status) == 0);
}

}  // namespace
}  // namespace lpc::test
