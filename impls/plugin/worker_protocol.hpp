// lpconform plugin worker — the wire format between the runner (conformance/plugin) and
// lpconform-worker (impls/plugin/worker.cpp), over one Unix stream socket (fd 3 in the worker).
//
// Both ends are the same build on the same machine, so values travel in native byte order. Every
// message is a frame: uint32 tag, uint64 payload size, payload. The runner sends a request and
// waits for one reply; the worker serves requests one at a time until the socket closes.
//
//   Describe request: (empty)
//   Describe reply:   u32 abi_version, str name, str version, str description, u32 capabilities,
//                     u8 has_encode, u8 has_decode, u32 n, n x (str behaviour, str choice),
//                     u8 has_run_op, u32 m, m x str op (version 2: the ops run_op takes),
//                     u32 v, v x str variant (the declared variants)
//   LoadError reply:  str message (the plugin could not be loaded; the worker then exits)
//   Encode request:   str format, u32 source, u32 rounding, u32 overflow, i32 sr_bits, u8 want_flags,
//                     u8 has_random, u64 count, count x u64 inputs, [count x u32 random]
//   Decode request:   str format, u64 count, count x u32 codes
//   Op request:       str op, u32 n, n x (str name, u8 lpc_value_kind, i64 | f64 | str value),
//                     u32 inputs, each (str name, u8 lpc_element, u32 rank, rank x u64 shape,
//                     u64 count, count x 8-byte elements), u32 outputs, each (str name,
//                     u8 lpc_element, u32 rank, rank x u64 shape: its capacity)
//   Result reply:     u32 lpc_status, str error, then on LPC_STATUS_OK the outputs: encode
//                     count x u32 codes, or with LPC_CAPABILITY_VALUES count x f64 values,
//                     [+ count x u8 flags]; decode count x f64 values; op, per
//                     output, u64 count as the plugin set it, then its elements when that count
//                     is the capacity
//   Fault reply:      raw text, written by the worker's fatal-signal handler just before it dies
// (str = u32 length + bytes.)
#pragma once

#include <cstdint>
#include <cstring>
#include <stdexcept>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

namespace lpc::plugin_wire {

enum class Tag : uint32_t { Describe = 1, Encode = 2, Decode = 3, Result = 4, LoadError = 5, Fault = 6, Op = 7 };

inline constexpr int kWorkerSocketFd = 3;  // the worker's end of the socket
inline constexpr size_t kFrameHeaderBytes = sizeof(uint32_t) + sizeof(uint64_t);
// Op requests: at most this many input and output tensors (16 each) and parameters.
inline constexpr uint32_t kMaxOpTensors = 16, kMaxOpParams = 256;
// The longest message the worker relays from a plugin (last_error, names): longer ones are cut.
inline constexpr size_t kMaxPluginText = 64 * 1024;

// Appends values to a frame payload.
class Writer {
 public:
  Writer() : bytes_(kFrameHeaderBytes) {}  // the header is filled in by frame()
  template <class T>
  void put(const T& value) {
    static_assert(std::is_trivially_copyable_v<T>);
    append(&value, sizeof value);
  }
  template <class T>
  void put_array(const T* values, size_t count) {
    append(values, count * sizeof(T));
  }
  void put_string(std::string_view text) {
    put(static_cast<uint32_t>(text.size()));
    append(text.data(), text.size());
  }
  // The whole frame, header then payload, built in place (batches are large: no second copy).
  std::vector<char> frame(Tag tag) && {
    const uint32_t t = static_cast<uint32_t>(tag);
    const uint64_t n = bytes_.size() - kFrameHeaderBytes;
    std::memcpy(bytes_.data(), &t, sizeof t);
    std::memcpy(bytes_.data() + sizeof t, &n, sizeof n);
    return std::move(bytes_);
  }

 private:
  void append(const void* data, size_t n) {
    const size_t at = bytes_.size();
    bytes_.resize(at + n);
    if (n) std::memcpy(bytes_.data() + at, data, n);
  }
  std::vector<char> bytes_;
};

// Reads values from a frame payload; throws std::runtime_error("malformed ...") past the end.
class Reader {
 public:
  explicit Reader(std::string_view payload) : rest_(payload) {}
  template <class T>
  T get() {
    T value;
    std::memcpy(&value, take(sizeof value), sizeof value);
    return value;
  }
  template <class T>
  void get_array(T* out, size_t count) {
    if (count > rest_.size() / sizeof(T)) throw std::runtime_error("malformed message: array runs past the end");
    if (count == 0) return;  // `out` may be null (an empty batch); memcpy with a null pointer is undefined
    std::memcpy(out, take(count * sizeof(T)), count * sizeof(T));
  }
  std::string get_string() {
    const auto n = get<uint32_t>();
    return std::string(take(n), n);
  }
  bool done() const { return rest_.empty(); }
  size_t left() const { return rest_.size(); }

 private:
  const char* take(size_t n) {
    if (n > rest_.size()) throw std::runtime_error("malformed message: " + std::to_string(n) + " bytes wanted, " +
                                                   std::to_string(rest_.size()) + " left");
    const char* p = rest_.data();
    rest_.remove_prefix(n);
    return p;
  }
  std::string_view rest_;
};

}  // namespace lpc::plugin_wire
