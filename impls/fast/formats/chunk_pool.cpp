// lpconform fast — the chunk pool: hardware_concurrency - 1 workers that sleep on a condition
// variable between jobs; one job at a time; the caller works too.
#include "impls/fast/formats/chunk_pool.hpp"

#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <exception>
#include <mutex>
#include <thread>
#include <vector>

namespace lpc::fast::detail {
namespace {

class Pool {
 public:
  explicit Pool(size_t workers) {
    threads_.reserve(workers);
    for (size_t i = 0; i < workers; ++i) threads_.emplace_back([this] { serve(); });
  }
  // Lives as long as the process (a static that is never destroyed: no join at exit while a
  // detached caller might still convert).
  size_t workers() const { return threads_.size(); }

  // False when another job holds the pool.
  bool try_run(size_t chunks, size_t helpers, void (*body)(void*, size_t), void* context) {
    std::unique_lock<std::mutex> job_lock(job_mutex_, std::try_to_lock);
    if (!job_lock.owns_lock()) return false;
    {
      std::lock_guard<std::mutex> lock(mutex_);
      body_ = body;
      context_ = context;
      chunks_ = chunks;
      next_.store(0, std::memory_order_relaxed);
      seats_ = std::min(helpers, threads_.size());
      busy_ = 0;
      error_ = nullptr;
      ++generation_;
    }
    wake_.notify_all();
    work();
    std::unique_lock<std::mutex> lock(mutex_);
    // Seats not taken yet are withdrawn: every chunk is done or being done by a seated worker.
    seats_ = 0;
    done_.wait(lock, [this] { return busy_ == 0; });
    if (error_) std::rethrow_exception(error_);
    return true;
  }

 private:
  void work() {
    try {
      for (size_t c; (c = next_.fetch_add(1, std::memory_order_relaxed)) < chunks_;) body_(context_, c);
    } catch (...) {
      std::lock_guard<std::mutex> lock(mutex_);
      if (!error_) error_ = std::current_exception();
      next_.store(chunks_, std::memory_order_relaxed);  // the others stop at their next chunk
    }
  }

  void serve() {
    uint64_t seen = 0;
    for (;;) {
      {
        std::unique_lock<std::mutex> lock(mutex_);
        wake_.wait(lock, [&] { return generation_ != seen && seats_ > 0; });
        seen = generation_;
        --seats_;
        ++busy_;
      }
      work();
      {
        std::lock_guard<std::mutex> lock(mutex_);
        --busy_;
      }
      done_.notify_one();
    }
  }

  std::vector<std::thread> threads_;
  std::mutex job_mutex_;  // one job at a time
  std::mutex mutex_;      // guards the fields below (next_ is atomic)
  std::condition_variable wake_, done_;
  void (*body_)(void*, size_t) = nullptr;
  void* context_ = nullptr;
  size_t chunks_ = 0;
  std::atomic<size_t> next_{0};
  size_t seats_ = 0, busy_ = 0;
  uint64_t generation_ = 0;
  std::exception_ptr error_;
};

}  // namespace

void run_chunks(size_t chunks, size_t threads, void (*body)(void*, size_t), void* context) {
  static const pid_t owner = getpid();
  static Pool* const pool = new Pool(std::max(1u, std::thread::hardware_concurrency()) - 1);
  if (threads > 1 && chunks > 1 && pool->workers() > 0 && getpid() == owner &&
      pool->try_run(chunks, threads - 1, body, context))
    return;
  for (size_t c = 0; c < chunks; ++c) body(context, c);
}

}  // namespace lpc::fast::detail
