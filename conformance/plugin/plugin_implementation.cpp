#include "conformance/plugin/plugin_implementation.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <chrono>
#include <climits>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <stdexcept>
#include <thread>
#include <vector>

#include "impls/plugin/include/lpconform/vendor.h"
#include "impls/plugin/worker_protocol.hpp"
#include "conformance/core/sha256.hpp"
#include "conformance/ops/op.hpp"
#include "conformance/plugin/replies.hpp"

extern char** environ;

namespace lpc::plugin {

namespace {

using namespace plugin_wire;
using Clock = std::chrono::steady_clock;

// The longest reply a request can bring: its outputs plus a status and a message of at most
// kMaxPluginText bytes (the worker cuts longer ones); a descriptor of at most 16 MiB.
constexpr uint64_t kReplyOverhead = 64 + kMaxPluginText, kMaxDescriptionBytes = uint64_t{1} << 24;

std::mutex g_options_mutex;
IsolationOptions g_options;

IsolationOptions current_options() {
  std::lock_guard lock(g_options_mutex);
  return g_options;
}

// lpconform-worker: $LPCONFORM_WORKER, else beside the running executable (build/bin, or the
// install prefix's bin).
std::string find_worker() {
  if (const char* env = std::getenv("LPCONFORM_WORKER"); env && *env) return env;
  std::error_code ec;
  const auto self = std::filesystem::read_symlink("/proc/self/exe", ec);
  const auto beside = self.parent_path() / "lpconform-worker";
  if (!ec && access(beside.c_str(), X_OK) == 0) return beside.string();
  throw std::runtime_error("cannot find lpconform-worker (looked in $LPCONFORM_WORKER and beside " + self.string() +
                           "): it runs vendor plugins out of process");
}

std::string describe_wait_status(int status) {
  if (WIFSIGNALED(status)) {
    const int s = WTERMSIG(status);
    const char* abbreviation = sigabbrev_np(s);
    return std::string("was killed by SIG") + (abbreviation ? abbreviation : std::to_string(s).c_str()) + " (" + strsignal(s) + ")";
  }
  if (WIFEXITED(status)) return "exited with status " + std::to_string(WEXITSTATUS(status)) + " in the middle of a batch";
  return "ended with wait status " + std::to_string(status) + ")";
}

// One reply, or why there is none.
struct Exchange {
  OpStatus status = OpStatus::Ok;  // Ok: tag and payload hold the reply; else `why` says what happened
  Tag tag{};
  std::string payload;
  std::string why;
};

// One lpconform-worker process with the plugin loaded, and our end of its socket.
class WorkerProcess {
 public:
  WorkerProcess(const std::string& worker, const std::string& plugin, const IsolationOptions& options) {
    // 1. A socket pair: ours non-blocking for deadlines, the worker's as its fd 3.
    int ends[2];
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, ends) != 0)
      throw std::runtime_error(std::string("socketpair: ") + std::strerror(errno));
    fd_ = ends[0];
    fcntl(fd_, F_SETFL, fcntl(fd_, F_GETFL) | O_NONBLOCK);
    for (int end : ends) {  // room for a whole batch each way: fewer wake-ups per request
      const int bytes = 1 << 20;
      setsockopt(end, SOL_SOCKET, SO_SNDBUF, &bytes, sizeof bytes);
      setsockopt(end, SOL_SOCKET, SO_RCVBUF, &bytes, sizeof bytes);
    }
    // 2. posix_spawn (vfork-fast, safe in a threaded process); the worker sets its own limits.
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, ends[1], kWorkerSocketFd);  // same fd: glibc clears CLOEXEC
    posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_adddup2(&actions, STDERR_FILENO, STDOUT_FILENO);  // plugin prints never reach the socket
    const std::string limit = std::to_string(options.memory_limit_mib);
    std::vector<char*> argv = {const_cast<char*>(worker.c_str()), const_cast<char*>("--memory-limit-mib"),
                               const_cast<char*>(limit.c_str()), const_cast<char*>(plugin.c_str()), nullptr};
    // The worker leads a process group of its own: whatever the plugin starts is killed with it.
    posix_spawnattr_t attributes;
    posix_spawnattr_init(&attributes);
    posix_spawnattr_setflags(&attributes, POSIX_SPAWN_SETPGROUP);
    posix_spawnattr_setpgroup(&attributes, 0);
    const int error = posix_spawn(&pid_, worker.c_str(), &actions, &attributes, argv.data(), environ);
    posix_spawnattr_destroy(&attributes);
    posix_spawn_file_actions_destroy(&actions);
    close(ends[1]);
    if (error != 0) {
      close(fd_);
      throw std::runtime_error("cannot start " + worker + ": " + std::strerror(error));
    }
    // Its death wakes a wait even while a process the plugin forked keeps the socket open.
    pidfd_ = static_cast<int>(syscall(SYS_pidfd_open, pid_, 0));
  }

  ~WorkerProcess() {
    close(fd_);
    if (pidfd_ >= 0) close(pidfd_);
    if (pid_ > 0) {
      kill(-pid_, SIGKILL);
      waitpid(pid_, nullptr, 0);
    }
  }
  WorkerProcess(const WorkerProcess&) = delete;
  WorkerProcess& operator=(const WorkerProcess&) = delete;

  // Sends `request` and waits for the reply until `timeout_seconds` have passed; a frame over
  // `max_reply` bytes (more than the request can produce) is malformed. On anything but
  // OpStatus::Ok the process is gone (dead, or killed for the timeout) and this object is spent.
  Exchange exchange(const std::vector<char>& request, double timeout_seconds, uint64_t max_reply) {
    const auto deadline = Clock::now() + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(timeout_seconds));
    Exchange x;
    std::string fault_note;
    Io io = transfer(true, const_cast<char*>(request.data()), request.size(), deadline);
    while (io == Io::Ok) {
      char header[kFrameHeaderBytes];
      if ((io = transfer(false, header, sizeof header, deadline)) != Io::Ok) break;
      uint32_t tag;
      uint64_t size;
      std::memcpy(&tag, header, sizeof tag);
      std::memcpy(&size, header + sizeof tag, sizeof size);
      if (size > max_reply) {
        kill(-pid_, SIGKILL);
        reap();
        return spent(x, OpStatus::Error, "malformed reply from the worker: a frame of " + std::to_string(size) + " bytes, where this request allows " +
                                             std::to_string(max_reply) + " (the plugin wrote to the worker's socket?)");
      }
      x.payload.assign(size, '\0');
      if ((io = transfer(false, x.payload.data(), size, deadline)) != Io::Ok) break;
      x.tag = static_cast<Tag>(tag);
      if (x.tag != Tag::Fault) return x;
      fault_note = x.payload;  // the worker's last words; the socket closes next
    }
    if (io == Io::TimedOut)
      return spent(x, OpStatus::Timeout, "no answer within " + seconds_text(timeout_seconds) + " s (the worker was killed)");
    return spent(x, OpStatus::Crash, "the worker process " + reap() + (fault_note.empty() ? "" : ": " + fault_note));
  }

 private:
  enum class Io { Ok, Closed, TimedOut };

  static std::string seconds_text(double seconds) {
    char text[32];
    std::snprintf(text, sizeof text, "%g", seconds);
    return text;
  }

  Io transfer(bool sending, char* data, size_t n, Clock::time_point deadline) {
    while (n) {
      const auto left = std::chrono::ceil<std::chrono::milliseconds>(deadline - Clock::now()).count();
      if (left <= 0) return Io::TimedOut;
      pollfd p[2] = {{fd_, static_cast<short>(sending ? POLLOUT : POLLIN), 0}, {pidfd_, POLLIN, 0}};
      const int ready = poll(p, pidfd_ >= 0 ? 2 : 1, static_cast<int>(std::min<long long>(left, INT_MAX)));
      if (ready < 0 && errno == EINTR) continue;
      if (ready == 0) return Io::TimedOut;
      if (!p[0].revents && p[1].revents) return Io::Closed;  // the worker died; its last words are read first
      const ssize_t moved = sending ? send(fd_, data, n, MSG_NOSIGNAL) : recv(fd_, data, n, 0);
      if (moved < 0 && (errno == EAGAIN || errno == EINTR)) continue;
      if (moved <= 0) return Io::Closed;
      data += moved;
      n -= static_cast<size_t>(moved);
    }
    return Io::Ok;
  }

  // The worker closed its socket or died. Waits for it (a second at most, then kills it), kills
  // what is left of its process group, and says how it ended.
  std::string reap() {
    const std::string how = wait_for_end();
    kill(-pid_, SIGKILL);
    pid_ = -1;
    return how;
  }

  std::string wait_for_end() {
    int status = 0;
    for (int waited_ms = 0; waitpid(pid_, &status, WNOHANG) == 0; waited_ms += 5) {
      if (waited_ms >= 1000) {
        kill(pid_, SIGKILL);
        waitpid(pid_, &status, 0);
        return "closed its socket without exiting, and was killed";
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    return describe_wait_status(status);
  }

  Exchange& spent(Exchange& x, OpStatus status, std::string why) {
    x.status = status;
    x.why = std::move(why);
    return x;
  }

  pid_t pid_ = -1;
  int fd_ = -1, pidfd_ = -1;
};

bool failed(OpStatus s) { return s != OpStatus::Ok && s != OpStatus::Unsupported; }

// A plugin's declared name as the name of an implementation: letters, digits and . _ + - kept,
// anything else '_' (it starts every signature and waiver pattern).
std::string identity_name(const std::string& declared) {
  std::string name;
  for (char c : declared) name += std::isalnum(static_cast<unsigned char>(c)) || std::string_view("._+-").find(c) != std::string_view::npos ? c : '_';
  return name.empty() ? "plugin" : name;
}

std::string file_sha256(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::invalid_argument("--impl " + std::string(kImplementationPrefix) + path + ": cannot read the library");
  return sha256_hex(std::string(std::istreambuf_iterator<char>(in), {}));
}

// Runs `attempt` on the whole batch; on a failure, bisects to the first input that fails on its
// own: the left half first, so with independent per-input failures this is the first one. Each
// step costs one attempt that passes quickly or fails (a hang: one timeout per step, at most
// log2(count) + 1 of them).
template <class AttemptFn>
OpStatus run_bisecting(size_t count, size_t* failed_at, std::string& error, const AttemptFn& attempt) {
  Attempt whole = attempt(0, count);
  error = whole.error;
  if (!failed(whole.status)) return whole.status;
  size_t begin = 0, length = count;
  while (length > 1) {
    const size_t half = length / 2;
    if (failed(attempt(begin, half).status)) {
      length = half;
    } else if (failed(attempt(begin + half, length - half).status)) {
      begin += half;
      length -= half;
    } else {
      error += "; no single input fails on its own (inputs " + std::to_string(begin) + ".." + std::to_string(begin + length - 1) +
               " of this batch fail only together)";
      return whole.status;
    }
  }
  if (failed_at) *failed_at = begin;
  if (count > 1) error += "; first failing input: #" + std::to_string(begin) + " of this batch of " + std::to_string(count);
  return whole.status;
}

// A loaded plugin: its descriptor, and a pool of workers serving it.
class PluginClient {
 public:
  explicit PluginClient(std::string path) : path_(std::move(path)), worker_path_(find_worker()), library_sha256_(file_sha256(path_)) {
    auto worker = std::make_unique<WorkerProcess>(worker_path_, path_, current_options());
    const Exchange x = worker->exchange(Writer().frame(Tag::Describe), current_options().timeout_seconds, kMaxDescriptionBytes);
    const std::string where = std::string(kImplementationPrefix) + path_ + ": ";
    if (x.status != OpStatus::Ok) throw std::invalid_argument(where + "loading the plugin failed: " + x.why);
    Description d = parse_description(x.tag, x.payload, where);
    abi_version_ = d.abi_version;
    declared_name_ = identity_name(d.name);
    version_ = std::move(d.version);
    description_ = std::move(d.description);
    capabilities_ = d.capabilities;
    values_as_results_ = d.abi_version >= 2 && (d.capabilities & LPC_CAPABILITY_VALUES);
    has_encode_ = d.has_encode;
    has_decode_ = d.has_decode;
    declarations_ = std::move(d.declarations);
    if (d.has_run_op) ops_.insert(d.ops.begin(), d.ops.end());
    variants_ = std::move(d.variants);
    give_back(std::move(worker));
  }

  Implementation implementation(const std::shared_ptr<PluginClient>& self) const {
    Implementation impl;
    impl.name = declared_name_;
    impl.selector = std::string(kImplementationPrefix) + path_;
    impl.library = path_;
    impl.library_sha256 = library_sha256_;
    impl.version = version_;
    impl.description = "vendor plugin '" + declared_name_ + "' " + version_ + (description_.empty() ? "" : ": " + description_) +
                       " (vendor ABI " + std::to_string(abi_version_) + ", run out of process by lpconform-worker" +
                       (values_as_results_ ? "; encode returns values, mapped to codes exactly" : "") + ")";
    impl.produces_flags = (capabilities_ & LPC_CAPABILITY_FLAGS) != 0;
    impl.declarations = declarations_;
    impl.variants = variants_;
    if (has_encode_) impl.encode = [self](const EncodeBatch& b, std::string& e) { return self->encode(b, e); };
    if (has_decode_) impl.decode = [self](const DecodeBatch& b, std::string& e) { return self->decode(b, e); };
    if (!ops_.empty())
      impl.run = [self](const ops::OpCase& c, std::vector<ops::Tensor>& outputs, std::string& e) { return self->run(c, outputs, e); };
    return impl;
  }

  // One case of a registry op. `outputs` holds the case's output forms (run_case), which size the
  // worker's output buffers.
  OpStatus run(const ops::OpCase& c, std::vector<ops::Tensor>& outputs, std::string& error) {
    if (!ops_.contains(c.op->name)) return OpStatus::Unsupported;
    Writer w;
    w.put_string(c.op->name);
    w.put(static_cast<uint32_t>(c.params.entries().size()));
    for (const auto& [name, value] : c.params.entries()) {
      w.put_string(name);
      if (const auto* i = std::get_if<int64_t>(&value)) {
        w.put(static_cast<uint8_t>(LPC_VALUE_INT));
        w.put(*i);
      } else if (const auto* r = std::get_if<double>(&value)) {
        w.put(static_cast<uint8_t>(LPC_VALUE_REAL));
        w.put(*r);
      } else {
        w.put(static_cast<uint8_t>(LPC_VALUE_TEXT));
        w.put_string(std::get<std::string>(value));
      }
    }
    auto put_header = [&](const std::string& name, const ops::Tensor& t) {
      // A list's shape is its length (an empty optional input: {0}).
      const std::vector<uint64_t> shape = t.shape.empty() ? std::vector<uint64_t>{t.size()} : t.shape;
      w.put_string(name);
      w.put(static_cast<uint8_t>(t.is_float ? LPC_ELEMENT_FLOAT64 : LPC_ELEMENT_INT64));
      w.put(static_cast<uint32_t>(shape.size()));
      w.put_array(shape.data(), shape.size());
    };
    if (c.inputs.size() > kMaxOpTensors || outputs.size() > kMaxOpTensors)
      throw std::logic_error("op " + c.op->name + " has more tensors than the worker protocol carries");
    w.put(static_cast<uint32_t>(c.inputs.size()));
    for (size_t k = 0; k < c.inputs.size(); ++k) {
      const ops::Tensor& t = c.inputs[k];
      put_header(c.op->inputs[k].name, t);
      w.put(static_cast<uint64_t>(t.size()));
      if (t.is_float) w.put_array(t.floats.data(), t.floats.size());
      else w.put_array(t.ints.data(), t.ints.size());
    }
    w.put(static_cast<uint32_t>(outputs.size()));
    std::vector<std::string> names;
    for (size_t k = 0; k < outputs.size(); ++k) {
      names.push_back(c.op->outputs[k].name);
      put_header(names.back(), outputs[k]);
    }
    uint64_t reply = kReplyOverhead;
    for (const ops::Tensor& t : outputs) {
      uint64_t count = 1;
      for (uint64_t d : t.shape) count *= d;
      reply += 8 + 8 * count;
    }
    const Attempt a = call(std::move(w).frame(Tag::Op), reply, [&](Reader& in) { return read_op_outputs(in, names, outputs); });
    error = a.error;
    return a.status;
  }

  OpStatus encode(const EncodeBatch& batch, std::string& error) {
    const Format& format = *batch.format;
    const bool want_flags = !batch.flags.empty();
    return run_bisecting(batch.inputs.size(), batch.failed_at, error, [&](size_t begin, size_t count) {
      Writer w;
      w.put_string(format.name);
      w.put(static_cast<uint32_t>(batch.source));
      w.put(static_cast<uint32_t>(batch.params.rounding));
      w.put(static_cast<uint32_t>(batch.params.overflow));
      w.put(static_cast<int32_t>(batch.params.sr_bits));
      w.put(static_cast<uint8_t>(want_flags));
      w.put(static_cast<uint8_t>(!batch.random.empty()));
      w.put(static_cast<uint64_t>(count));
      w.put_array(batch.inputs.data() + begin, count);
      if (!batch.random.empty()) w.put_array(batch.random.data() + begin, count);
      return call(std::move(w).frame(Tag::Encode), kReplyOverhead + count * (sizeof(double) + 1), [&](Reader& in) {
        return read_encode_outputs(in, format, batch.codes, batch.flags, begin, count, want_flags, values_as_results_);
      });
    });
  }

  OpStatus decode(const DecodeBatch& batch, std::string& error) {
    return run_bisecting(batch.codes.size(), batch.failed_at, error, [&](size_t begin, size_t count) {
      Writer w;
      w.put_string(batch.format->name);
      w.put(static_cast<uint64_t>(count));
      w.put_array(batch.codes.data() + begin, count);
      return call(std::move(w).frame(Tag::Decode), kReplyOverhead + count * sizeof(double), [&](Reader& in) -> std::string {
        in.get_array(batch.values.data() + begin, count);
        return "";
      });
    });
  }

 private:
  // One request on a pooled worker. `read_outputs` reads the outputs of an OK reply and returns ""
  // or why they are malformed. A worker that died or timed out is dropped; the next call starts a
  // fresh one.
  template <class ReadOutputs>
  Attempt call(const std::vector<char>& request, uint64_t max_reply, const ReadOutputs& read_outputs) {
    std::unique_ptr<WorkerProcess> worker = take();
    const Exchange x = worker->exchange(request, current_options().timeout_seconds, max_reply);
    if (x.status != OpStatus::Ok) return {x.status, x.why};
    Attempt a = parse_result(x.tag, x.payload, read_outputs);
    if (!a.malformed_reply) give_back(std::move(worker));  // else dropped: its state is unknown
    return a;
  }

  std::unique_ptr<WorkerProcess> take() {
    {
      std::lock_guard lock(mutex_);
      if (!idle_.empty()) {
        auto worker = std::move(idle_.back());
        idle_.pop_back();
        return worker;
      }
    }
    return std::make_unique<WorkerProcess>(worker_path_, path_, current_options());
  }

  void give_back(std::unique_ptr<WorkerProcess> worker) {
    std::lock_guard lock(mutex_);
    idle_.push_back(std::move(worker));
  }

  std::string path_, worker_path_;
  uint32_t abi_version_ = 0, capabilities_ = 0;
  std::string declared_name_, version_, description_, library_sha256_;
  bool has_encode_ = false, has_decode_ = false;
  std::vector<Declaration> declarations_;
  std::set<std::string, std::less<>> ops_;  // the ops run_op takes (version 2)
  bool values_as_results_ = false;          // encode returns values (LPC_CAPABILITY_VALUES)
  std::vector<std::string> variants_;       // declared (spec/formats.md §7)
  std::mutex mutex_;
  std::vector<std::unique_ptr<WorkerProcess>> idle_;
};

}  // namespace

void set_isolation_options(const IsolationOptions& options) {
  if (!(options.timeout_seconds > 0) || !std::isfinite(options.timeout_seconds))
    throw std::invalid_argument("--timeout: expected a positive number of seconds, got " + std::to_string(options.timeout_seconds));
  std::lock_guard lock(g_options_mutex);
  g_options = options;
}

const Implementation& plugin_implementation(std::string_view path) {
  static std::mutex mutex;
  static std::map<std::string, std::unique_ptr<Implementation>, std::less<>> loaded;
  std::lock_guard lock(mutex);
  if (auto it = loaded.find(path); it != loaded.end()) return *it->second;
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec))
    throw std::invalid_argument("--impl " + std::string(kImplementationPrefix) + std::string(path) + ": no such file");
  auto client = std::make_shared<PluginClient>(std::filesystem::absolute(path).lexically_normal().string());
  auto impl = std::make_unique<Implementation>(client->implementation(client));
  return *loaded.emplace(std::string(path), std::move(impl)).first->second;
}

}  // namespace lpc::plugin
