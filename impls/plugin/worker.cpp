// lpconform-worker [--memory-limit-mib N] PLUGIN.so — loads one vendor plugin (lpconform/vendor.h) and serves batches
// from the runner over the socket on fd 3 (impls/plugin/worker_protocol.hpp), one at a time.
//
// The worker is the part that may die: the runner starts it with resource limits, times every
// batch, and starts a fresh one after a crash. What the worker adds to make deaths informative:
//   - every output buffer sits between two inaccessible guard pages, and is pre-filled with an
//     out-of-range value, so a write past the end faults at once and an unwritten output shows;
//   - a SIGSEGV / SIGBUS handler sends a Fault frame saying where: on a guard page (which buffer,
//     how far past its end), a null pointer, or elsewhere;
//   - a C++ exception escaping an entry point is caught and returned as an error status;
//   - every process the plugin starts is killed when its request has been answered, and the
//     whole process group when the runner dies (containment, below).
#include <dirent.h>
#include <dlfcn.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstddef>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <algorithm>
#include <exception>
#include <new>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "impls/plugin/include/lpconform/vendor.h"
#include "impls/plugin/worker_protocol.hpp"

namespace {

using namespace lpc::plugin_wire;

// ---- blocking socket I/O: the worker has nothing else to do while it waits ----------------------
bool read_exact(void* out, size_t n) {
  auto* p = static_cast<char*>(out);
  while (n) {
    const ssize_t got = read(kWorkerSocketFd, p, n);
    if (got < 0 && errno == EINTR) continue;
    if (got <= 0) return false;
    p += got;
    n -= static_cast<size_t>(got);
  }
  return true;
}

bool write_exact(const void* data, size_t n) {
  const auto* p = static_cast<const char*>(data);
  while (n) {
    const ssize_t put = write(kWorkerSocketFd, p, n);
    if (put < 0 && errno == EINTR) continue;
    if (put <= 0) return false;
    p += put;
    n -= static_cast<size_t>(put);
  }
  return true;
}

void end_plugin_processes();

// Every reply ends its request: what the plugin started is gone before the runner hears back.
void send(Writer&& payload, Tag tag) {
  end_plugin_processes();
  const std::vector<char> frame = std::move(payload).frame(tag);
  if (!write_exact(frame.data(), frame.size())) std::_Exit(0);  // the runner went away
}

// ---- guarded buffers ---------------------------------------------------------------------------------
// One mapping per buffer role, kept across batches and grown when a batch needs more:
// [guard page][capacity][guard page]. A batch's data ends exactly where the trailing guard page
// begins, so an access one byte past the end faults. (Before the start, the leading guard page
// catches an underrun only when the batch fills the capacity.)
struct GuardRange {
  char name[96] = {};  // "codes output", "output 'y'"
  uintptr_t data_begin = 0, data_end = 0, map_begin = 0, map_end = 0;
};

class GuardedBuffer {
 public:
  explicit GuardedBuffer(const char* name = "") { rename(name); }
  // Named before each batch (op tensors take their schema names), never inside the fault handler.
  void rename(std::string_view name) {
    const size_t n = std::min(name.size(), sizeof range_.name - 1);
    std::memcpy(range_.name, name.data(), n);
    range_.name[n] = '\0';
  }
  GuardedBuffer(const GuardedBuffer&) = delete;
  GuardedBuffer& operator=(const GuardedBuffer&) = delete;

  // `bytes` bytes, each set to `fill`, ending at the trailing guard page.
  template <class T>
  T* prepare(size_t bytes, int fill) {
    if (bytes > capacity_) grow(bytes);
    char* data = map_ + page_ + capacity_ - bytes;
    std::memset(data, fill, bytes);
    range_.data_begin = reinterpret_cast<uintptr_t>(data);
    range_.data_end = range_.data_begin + bytes;
    return reinterpret_cast<T*>(data);
  }
  const GuardRange& range() const { return range_; }

 private:
  void grow(size_t bytes) {
    if (map_) munmap(map_, capacity_ + 2 * page_);
    range_.map_begin = range_.map_end = 0;
    capacity_ = (bytes + page_ - 1) / page_ * page_;
    void* map = mmap(nullptr, capacity_ + 2 * page_, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (map == MAP_FAILED || mprotect(static_cast<char*>(map) + page_, capacity_, PROT_READ | PROT_WRITE) != 0) {
      map_ = nullptr;
      capacity_ = 0;
      throw std::bad_alloc();
    }
    map_ = static_cast<char*>(map);
    range_.map_begin = reinterpret_cast<uintptr_t>(map_);
    range_.map_end = range_.map_begin + capacity_ + 2 * page_;
  }

  GuardRange range_;
  size_t page_ = static_cast<size_t>(sysconf(_SC_PAGESIZE));
  size_t capacity_ = 0;
  char* map_ = nullptr;
};

// Inputs (encode: source values; decode: codes), codes out (encode), flags / values out; an op's
// input and output tensors, one buffer each.
GuardedBuffer g_inputs("input"), g_codes("codes output"), g_second_output("flags output (encode) / values output (decode)");
GuardedBuffer g_op_inputs[kMaxOpTensors], g_op_outputs[kMaxOpTensors];

template <class Fn>
void for_each_guarded(const Fn& fn) {
  for (const GuardedBuffer* b : {&g_inputs, &g_codes, &g_second_output}) fn(*b);
  for (const GuardedBuffer& b : g_op_inputs) fn(b);
  for (const GuardedBuffer& b : g_op_outputs) fn(b);
}

// ---- the memory-fault handler: async-signal-safe formatting into a static buffer ----------------
char g_note[512];
size_t g_note_length = 0;

void note(const char* text) {
  while (*text && g_note_length < sizeof g_note) g_note[g_note_length++] = *text++;
}
void note_number(uintptr_t value) {
  char digits[24];
  int n = 0;
  do digits[n++] = static_cast<char>('0' + value % 10); while (value /= 10);
  while (n && g_note_length < sizeof g_note) g_note[g_note_length++] = digits[--n];
}

// A memory fault: says where, when the address is on a guard page of an output buffer (an
// overrun), or whether it was a null pointer, then dies of the same signal so the runner sees it
// in the exit status.
void on_memory_fault(int signal_number, siginfo_t* info, void*) {
  const auto address = reinterpret_cast<uintptr_t>(info->si_addr);
  g_note_length = 0;
  for_each_guarded([&](const GuardedBuffer& buffer) {
    const GuardRange& g = buffer.range();
    if (address < g.map_begin || address >= g.map_end) return;
    note("an access ");
    note_number(address >= g.data_end ? address - g.data_end : g.data_begin - address);
    note(address >= g.data_end ? " bytes past the end of the " : " bytes before the start of the ");
    note(g.name);
    note(" buffer (guard page)");
  });
  if (!g_note_length) note(address < 4096 ? "null pointer access" : "invalid memory access");
  char header[kFrameHeaderBytes];
  const uint32_t tag = static_cast<uint32_t>(Tag::Fault);
  const uint64_t size = g_note_length;
  std::memcpy(header, &tag, sizeof tag);
  std::memcpy(header + sizeof tag, &size, sizeof size);
  write_exact(header, sizeof header);
  write_exact(g_note, g_note_length);
  signal(signal_number, SIG_DFL);
  raise(signal_number);
}

// On its own stack, so a stack overflow is reported too.
void install_memory_fault_handler() {
  static char alternate_stack[64 * 1024];
  stack_t stack{};
  stack.ss_sp = alternate_stack;
  stack.ss_size = sizeof alternate_stack;
  sigaltstack(&stack, nullptr);
  struct sigaction action{};
  action.sa_sigaction = on_memory_fault;
  action.sa_flags = SA_SIGINFO | SA_ONSTACK | SA_RESETHAND;
  sigaction(SIGSEGV, &action, nullptr);
  sigaction(SIGBUS, &action, nullptr);
}

// ---- containment: no process the plugin starts outlives its batch or the runner ----------------
// The runner starts the worker as the leader of its own process group; the worker is also the
// subreaper of everything below it, so a plugin's orphans come back to it.

// A watchdog thread: when the runner's end of the socket closes (the runner died, even while the
// plugin spins without reading), it takes the whole group down, the worker with it. (Not
// PR_SET_PDEATHSIG: that follows the runner *thread* that started the worker, and pooled workers
// outlive those threads.)
void* watch_runner(void*) {
  for (;;) {
    pollfd p{kWorkerSocketFd, POLLRDHUP, 0};
    if (poll(&p, 1, -1) < 0 && errno == EINTR) continue;
    if (p.revents & (POLLRDHUP | POLLHUP | POLLERR | POLLNVAL)) break;
  }
  if (getpgrp() == getpid()) kill(0, SIGKILL);
  _exit(3);
}

void contain() {
  prctl(PR_SET_CHILD_SUBREAPER, 1);
  pthread_attr_t attributes;
  pthread_attr_init(&attributes);
  pthread_attr_setstacksize(&attributes, 64 * 1024);
  pthread_t watchdog;
  pthread_create(&watchdog, &attributes, watch_runner, nullptr);
  pthread_attr_destroy(&attributes);
}

// The worker's child processes: /proc/self/task/*/children.
std::vector<pid_t> children() {
  std::vector<pid_t> out;
  DIR* tasks = opendir("/proc/self/task");
  if (!tasks) return out;
  while (const dirent* task = readdir(tasks)) {
    if (task->d_name[0] == '.') continue;
    const std::string path = std::string("/proc/self/task/") + task->d_name + "/children";
    if (FILE* f = std::fopen(path.c_str(), "r")) {
      for (long pid; std::fscanf(f, "%ld", &pid) == 1;) out.push_back(static_cast<pid_t>(pid));
      std::fclose(f);
    }
  }
  closedir(tasks);
  return out;
}

// Before every reply: kills and reaps every process the plugin started, a generation at a time
// (a killed child's own children are reparented to this subreaper before it can be reaped).
void end_plugin_processes() {
  for (int generation = 0; generation < 64; ++generation) {
    const std::vector<pid_t> pids = children();
    if (pids.empty()) return;
    for (pid_t pid : pids) kill(pid, SIGKILL);
    for (pid_t pid : pids) waitpid(pid, nullptr, 0);
  }
}

// ---- serving ------------------------------------------------------------------------------------
const lpc_vendor_descriptor* g_plugin = nullptr;

// Text from the plugin, cut to kMaxPluginText bytes (it may not end).
std::string plugin_text(const char* text) {
  if (!text) return "";
  return std::string(text, strnlen(text, kMaxPluginText));
}

std::string last_error() { return plugin_text(g_plugin->last_error ? g_plugin->last_error() : nullptr); }

// Version 2's fields, when the plugin's descriptor has them.
bool has_ops() { return g_plugin->abi_version >= 2 && g_plugin->run_op; }
bool values_as_results() { return g_plugin->abi_version >= 2 && (g_plugin->capabilities & LPC_CAPABILITY_VALUES); }

// Calls an entry point; a C++ exception escaping it (undefined behaviour in C, caught here because
// C++ plugins do it) becomes an error status naming it.
template <class Fn, class Args>
lpc_status call_plugin(Fn fn, const Args& args, std::string& error) {
  try {
    const lpc_status status = fn(&args);
    if (status != LPC_STATUS_OK) error = last_error();
    return status;
  } catch (const std::exception& e) {
    error = std::string("a C++ exception escaped the C ABI boundary: ") + e.what();
  } catch (...) {
    error = "a C++ exception of unknown type escaped the C ABI boundary";
  }
  return LPC_STATUS_ERROR;
}

void serve_describe() {
  Writer w;
  w.put(g_plugin->abi_version);
  w.put_string(plugin_text(g_plugin->name));
  w.put_string(plugin_text(g_plugin->version));
  w.put_string(plugin_text(g_plugin->description));
  w.put(g_plugin->capabilities);
  w.put(static_cast<uint8_t>(g_plugin->encode != nullptr));
  w.put(static_cast<uint8_t>(g_plugin->decode != nullptr));
  const size_t n = g_plugin->declarations ? g_plugin->declaration_count : 0;
  w.put(static_cast<uint32_t>(n));
  for (size_t i = 0; i < n; ++i) {
    const lpc_declaration& d = g_plugin->declarations[i];
    w.put_string(plugin_text(d.behaviour));
    w.put_string(plugin_text(d.choice));
  }
  w.put(static_cast<uint8_t>(has_ops()));
  const size_t ops = has_ops() && g_plugin->ops ? g_plugin->op_count : 0;
  w.put(static_cast<uint32_t>(ops));
  for (size_t i = 0; i < ops; ++i) w.put_string(plugin_text(g_plugin->ops[i]));
  const bool has_variants = g_plugin->abi_version >= 2 && g_plugin->struct_size >= offsetof(lpc_vendor_descriptor, variant_count) + sizeof(size_t) &&
                            g_plugin->variants;
  const size_t variants = has_variants ? g_plugin->variant_count : 0;
  w.put(static_cast<uint32_t>(variants));
  for (size_t i = 0; i < variants; ++i) w.put_string(plugin_text(g_plugin->variants[i]));
  send(std::move(w), Tag::Describe);
}

void send_status(lpc_status status, const std::string& error) {
  Writer w;
  w.put(static_cast<uint32_t>(status));
  w.put_string(error);
  send(std::move(w), Tag::Result);
}

void serve_encode(Reader& in) {
  const std::string format = in.get_string();
  lpc_encode_args args{};
  args.struct_size = sizeof args;
  args.format = format.c_str();
  args.source = static_cast<lpc_source>(in.get<uint32_t>());
  args.rounding = static_cast<lpc_rounding>(in.get<uint32_t>());
  args.overflow = static_cast<lpc_overflow>(in.get<uint32_t>());
  args.sr_bits = in.get<int32_t>();
  const bool want_flags = in.get<uint8_t>() != 0;
  const bool has_random = in.get<uint8_t>() != 0;
  args.count = in.get<uint64_t>();
  // Inputs are guarded too: a plugin that reads past them faults instead of reading garbage.
  uint64_t* inputs = g_inputs.prepare<uint64_t>(args.count * sizeof(uint64_t), 0);
  in.get_array(inputs, args.count);
  args.inputs = inputs;
  std::vector<uint32_t> random(has_random ? args.count : 0);
  in.get_array(random.data(), random.size());
  args.random = has_random ? random.data() : nullptr;
  // Codes pre-filled with 0xFFFFFFFF and flags with 0xFF: out of range for every format below 32
  // bits and for the flag mask, so the runner sees an output the plugin never wrote. Values (a
  // plugin with LPC_CAPABILITY_VALUES) with 0xA5 bytes: a double no format holds.
  const bool as_values = values_as_results();
  g_codes.rename(as_values ? "values output" : "codes output");
  if (as_values) args.values = g_codes.prepare<double>(args.count * sizeof(double), 0xA5);
  else args.codes = g_codes.prepare<uint32_t>(args.count * sizeof(uint32_t), 0xFF);
  args.flags = want_flags ? g_second_output.prepare<uint8_t>(args.count, 0xFF) : nullptr;
  std::string error;
  const lpc_status status = call_plugin(g_plugin->encode, args, error);
  Writer w;
  w.put(static_cast<uint32_t>(status));
  w.put_string(error);
  if (status == LPC_STATUS_OK) {
    if (as_values) w.put_array(args.values, args.count);
    else w.put_array(args.codes, args.count);
    if (want_flags) w.put_array(args.flags, args.count);
  }
  send(std::move(w), Tag::Result);
}

void serve_decode(Reader& in) {
  const std::string format = in.get_string();
  lpc_decode_args args{};
  args.struct_size = sizeof args;
  args.format = format.c_str();
  args.count = in.get<uint64_t>();
  uint32_t* codes = g_inputs.prepare<uint32_t>(args.count * sizeof(uint32_t), 0);
  in.get_array(codes, args.count);
  args.codes = codes;
  args.values = g_second_output.prepare<double>(args.count * sizeof(double), 0);
  std::string error;
  const lpc_status status = call_plugin(g_plugin->decode, args, error);
  Writer w;
  w.put(static_cast<uint32_t>(status));
  w.put_string(error);
  if (status == LPC_STATUS_OK) w.put_array(args.values, args.count);
  send(std::move(w), Tag::Result);
}

// An op tensor's header: name, element type, shape; its element count, checked against `limit`.
size_t read_tensor_header(Reader& in, std::string& name, lpc_tensor& t, size_t limit) {
  name = in.get_string();
  t.element = static_cast<lpc_element>(in.get<uint8_t>());
  t.rank = in.get<uint32_t>();
  if (t.element > LPC_ELEMENT_FLOAT64 || t.rank > LPC_MAX_RANK) throw std::runtime_error("malformed op request: tensor '" + name + "'");
  size_t count = 1;
  for (uint32_t d = 0; d < t.rank; ++d) {
    t.shape[d] = in.get<uint64_t>();
    if (t.shape[d] && count > limit / t.shape[d]) throw std::runtime_error("malformed op request: tensor '" + name + "' too large");
    count *= t.shape[d];
  }
  return count;
}

void serve_op(Reader& in) {
  const std::string op = in.get_string();
  // Parameters; their texts kept where c_str() stays put.
  const uint32_t param_count = in.get<uint32_t>();
  if (param_count > kMaxOpParams) throw std::runtime_error("malformed op request: too many parameters");
  std::vector<std::string> texts(2 * param_count);
  std::vector<lpc_param> params(param_count);
  for (uint32_t i = 0; i < param_count; ++i) {
    lpc_param& p = params[i];
    texts[2 * i] = in.get_string();
    p.name = texts[2 * i].c_str();
    p.kind = static_cast<lpc_value_kind>(in.get<uint8_t>());
    if (p.kind == LPC_VALUE_INT) p.integer = in.get<int64_t>();
    else if (p.kind == LPC_VALUE_REAL) p.real = in.get<double>();
    else if (p.kind == LPC_VALUE_TEXT) p.text = (texts[2 * i + 1] = in.get_string()).c_str();
    else throw std::runtime_error("malformed op request: parameter kind");
  }
  // Inputs, each in its own guarded buffer: a plugin that reads past one faults.
  const uint32_t input_count = in.get<uint32_t>();
  if (input_count > kMaxOpTensors) throw std::runtime_error("malformed op request: too many inputs");
  std::vector<std::string> input_names(input_count);
  std::vector<lpc_tensor> inputs(input_count);
  for (uint32_t i = 0; i < input_count; ++i) {
    lpc_tensor& t = inputs[i];
    const size_t capacity = read_tensor_header(in, input_names[i], t, in.left() / 8);
    t.name = input_names[i].c_str();
    t.count = in.get<uint64_t>();
    if (t.count != capacity) throw std::runtime_error("malformed op request: input '" + input_names[i] + "' count");
    g_op_inputs[i].rename("input '" + input_names[i] + "'");
    char* data = g_op_inputs[i].prepare<char>(t.count * 8, 0);
    in.get_array(data, t.count * 8);
    t.data = t.count ? data : nullptr;
  }
  // Outputs, pre-filled with 0xA5 bytes: an int64 or a double no op produces, so an element the
  // plugin never wrote shows.
  const uint32_t output_count = in.get<uint32_t>();
  if (output_count > kMaxOpTensors) throw std::runtime_error("malformed op request: too many outputs");
  std::vector<std::string> output_names(output_count);
  std::vector<lpc_tensor> outputs(output_count);
  std::vector<size_t> capacity(output_count);
  for (uint32_t i = 0; i < output_count; ++i) {
    lpc_tensor& t = outputs[i];
    capacity[i] = read_tensor_header(in, output_names[i], t, size_t{1} << 32);
    t.name = output_names[i].c_str();
    t.count = capacity[i];
    g_op_outputs[i].rename("output '" + output_names[i] + "'");
    char* data = g_op_outputs[i].prepare<char>(t.count * 8, 0xA5);
    t.data = t.count ? data : nullptr;
  }
  if (!in.done()) throw std::runtime_error("malformed op request: longer than its fields");
  lpc_op_args args{};
  args.struct_size = sizeof args;
  args.op = op.c_str();
  args.param_count = param_count;
  args.params = params.data();
  args.input_count = input_count;
  args.inputs = inputs.data();
  args.output_count = output_count;
  args.outputs = outputs.data();
  std::string error;
  const lpc_status status = call_plugin(g_plugin->run_op, args, error);
  Writer w;
  w.put(static_cast<uint32_t>(status));
  w.put_string(error);
  if (status == LPC_STATUS_OK)
    for (uint32_t i = 0; i < output_count; ++i) {
      w.put(static_cast<uint64_t>(outputs[i].count));
      if (outputs[i].count == capacity[i]) w.put_array(static_cast<const char*>(outputs[i].data), capacity[i] * 8);
    }
  send(std::move(w), Tag::Result);
}

// Loads the plugin; returns "" or why it cannot be used.
std::string load(const char* path) {
  void* library = dlopen(path, RTLD_NOW | RTLD_LOCAL);
  if (!library) return std::string("dlopen failed: ") + dlerror();
  auto entry = reinterpret_cast<lpc_vendor_get_descriptor_fn>(dlsym(library, LPC_VENDOR_ENTRY_SYMBOL));
  if (!entry) return std::string("the library exports no '") + LPC_VENDOR_ENTRY_SYMBOL + "' (see spec/vendor-abi.md)";
  g_plugin = entry();
  if (!g_plugin) return std::string(LPC_VENDOR_ENTRY_SYMBOL) + "() returned NULL";
  if (g_plugin->abi_version < 1 || g_plugin->abi_version > LPC_VENDOR_ABI_VERSION)
    return "the plugin was built for vendor ABI version " + std::to_string(g_plugin->abi_version) +
           ", this lpconform speaks versions 1 to " + std::to_string(LPC_VENDOR_ABI_VERSION);
  const size_t needed = g_plugin->abi_version == 1 ? offsetof(lpc_vendor_descriptor, last_error) + sizeof g_plugin->last_error
                                                   : offsetof(lpc_vendor_descriptor, run_op) + sizeof g_plugin->run_op;
  if (g_plugin->struct_size < needed)
    return "descriptor struct_size " + std::to_string(g_plugin->struct_size) + " is smaller than ABI version " +
           std::to_string(g_plugin->abi_version) + "'s";
  if (!g_plugin->name || !*g_plugin->name) return "the descriptor has no name";
  return "";
}

}  // namespace

int main(int argc, char** argv) {
  // 1. Arguments: [--memory-limit-mib N] PLUGIN.so.
  size_t memory_limit_mib = 0;
  if (argc == 4 && std::strcmp(argv[1], "--memory-limit-mib") == 0) {
    memory_limit_mib = std::strtoull(argv[2], nullptr, 10);
    argv += 2;
    argc -= 2;
  }
  if (argc != 2) {
    std::fprintf(stderr, "usage: lpconform-worker [--memory-limit-mib N] PLUGIN.so (started by `lpconform run --impl "
                         "plugin:PATH`; it serves requests on fd 3)\n");
    return 2;
  }
  // 2. Limits before the plugin runs any code: address space (a memory blow-up fails its
  //    allocations instead of the machine), and no core files from deliberate crashes.
  if (memory_limit_mib) {
    const rlim_t bytes = static_cast<rlim_t>(memory_limit_mib) << 20;
    const rlimit limit{bytes, bytes};
    setrlimit(RLIMIT_AS, &limit);
  }
  const rlimit no_core{0, 0};
  setrlimit(RLIMIT_CORE, &no_core);
  install_memory_fault_handler();
  contain();
  const std::string load_error = load(argv[1]);
  end_plugin_processes();  // a library constructor may start processes too
  for (;;) {
    uint32_t tag = 0;
    uint64_t size = 0;
    if (!read_exact(&tag, sizeof tag) || !read_exact(&size, sizeof size)) return 0;  // the runner closed the socket
    std::string payload(size, '\0');
    if (!read_exact(payload.data(), size)) return 0;
    if (!load_error.empty()) {
      Writer w;
      w.put_string(std::string(argv[1]) + ": " + load_error);
      send(std::move(w), Tag::LoadError);
      return 2;
    }
    Reader in(payload);
    try {
      switch (static_cast<Tag>(tag)) {
        case Tag::Describe: serve_describe(); break;
        case Tag::Encode:
          if (!g_plugin->encode) send_status(LPC_STATUS_UNSUPPORTED, "no encode entry point");
          else serve_encode(in);
          break;
        case Tag::Decode:
          if (!g_plugin->decode) send_status(LPC_STATUS_UNSUPPORTED, "no decode entry point");
          else serve_decode(in);
          break;
        case Tag::Op:
          if (!has_ops()) send_status(LPC_STATUS_UNSUPPORTED, "no run_op entry point");
          else serve_op(in);
          break;
        default: send_status(LPC_STATUS_ERROR, "worker: unknown request tag " + std::to_string(tag));
      }
    } catch (const std::exception& e) {  // a malformed request or no memory for the buffers
      send_status(LPC_STATUS_ERROR, std::string("worker: ") + e.what());
    }
  }
}
