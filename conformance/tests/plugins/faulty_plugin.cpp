// The faulty-plugin catalogue: each plugin is the correct example plugin
// (impls/plugin/examples/minimal, included below) plus exactly one defect, chosen at build time by
// LPC_FAULT_<NAME> (conformance/tests/plugins/CMakeLists.txt builds one MODULE per fault). The
// fatal defects fire on the input 1.0 only, so the runner's bisection must find that input.
//
//   none                the example, unchanged (the control: must pass)
//   wrong_tie           encode: ties away from zero instead of to even                   -> FAIL
//   nan_for_sat         encode: NaN where saturation must give +-max                      -> FAIL
//   flushed_subnormals  encode: subnormal results flushed to +-0                          -> FAIL
//   bias_off_by_one     decode: exponent bias one too small (every value doubled)         -> FAIL
//   negative_zero       encode -0 -> +0 code, decode of the -0 code -> +0                 -> FAIL
//   segfault            encode: a null-pointer write                                      -> CRASH
//   abort               encode: abort()                                                   -> CRASH
//   hang                encode: an endless loop                                           -> TIMEOUT
//   overrun             encode: writes one code past the end of the output buffer          -> CRASH
//   error_status        encode: returns LPC_STATUS_ERROR with a message                   -> ERROR
//   exception           encode: a C++ exception thrown across the C boundary              -> ERROR
//   memory_blowup       encode: allocates and touches memory until it runs out            -> CRASH
//   malformed_output    encode: a code wider than the 8-bit format                        -> ERROR
//   op_wrong_value      gemm: ReLU left out of the output                                 -> FAIL
//   op_overrun          gemm: writes one element past the end of the output tensor         -> CRASH
//   op_unwritten        gemm: leaves the last accumulator unwritten                       -> ERROR
//   op_bad_count        gemm: sets the output's count to 1                                -> ERROR
//   abi_v1              the example as an ABI version 1 plugin (no ops): loads, passes encode and decode
// Containment (the fatal ones on input 1.0; $LPC_FAULTY_PID_FILE, when set, receives the pids):
//   fork_child          encode: forks a child that sleeps, returns OK                     -> PASS, the child killed
//   fork_abort          encode: forks a child that sleeps, then aborts                    -> CRASH at once, not TIMEOUT
//   fork_hang           encode: forks a child that sleeps, then hangs (for the runner-death test)
//   forged_frame        encode: writes a 2 GiB frame header onto the worker's socket       -> ERROR, nothing allocated
//   bad_text            encode: an error message and a description with invalid UTF-8 and control characters -> ERROR, repaired
// Values as results (LPC_CAPABILITY_VALUES: encode writes values, the suite maps them to codes):
//   values              encode: each result's value (a fake-quantize)                      -> PASS
//   values_off_grid     encode: 1.0 + 2^-10, not a value of the format, for input 1.0      -> ERROR
// Declared variants (spec/formats.md §7): the deviation of flushed_subnormals and others, declared
//   ftz_declared        encode: subnormal results flushed to +-0, declares "ftz"           -> PASS
//   daz_declared        encode: subnormal inputs read as +-0, declares "daz"               -> PASS
//   f64_via_f32         encode: float64 inputs converted to float32 first, declares it     -> PASS
#include <lpconform/vendor.h>

#include <cstddef>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <stdexcept>
#include <vector>

#include <unistd.h>

// The example plugin's codec (static functions) in this translation unit, its entry symbol renamed.
#define lpc_vendor_get_descriptor minimal_example_get_descriptor
#include "impls/plugin/examples/minimal/minimal_plugin.c"
#undef lpc_vendor_get_descriptor

namespace {

bool is_trigger(double x) { return x == 1.0; }

// Appends "worker PID" or "child PID" to $LPC_FAULTY_PID_FILE.
[[maybe_unused]] void note_pid(const char* role, pid_t pid) {
  if (const char* path = std::getenv("LPC_FAULTY_PID_FILE"))
    if (FILE* f = std::fopen(path, "a")) {
      std::fprintf(f, "%s %ld\n", role, static_cast<long>(pid));
      std::fclose(f);
    }
}

// A child process that sleeps: the plugin "starts a helper" and forgets it.
[[maybe_unused]] void fork_sleeper() {
  const pid_t child = fork();
  if (child == 0) {
    for (;;) pause();
  }
  note_pid("worker", getpid());
  note_pid("child", child);
}

[[maybe_unused]] volatile int* volatile g_null_pointer = nullptr;
[[maybe_unused]] volatile unsigned long g_spins = 0;

#if defined(LPC_FAULT_VALUES) || defined(LPC_FAULT_VALUES_OFF_GRID)
// The example's codes, then their values (what a fake-quantize returns).
lpc_status faulty_encode(const lpc_encode_args* args) {
  std::vector<uint32_t> codes(args->count);
  lpc_encode_args coded = *args;
  coded.codes = codes.data();
  const lpc_status status = minimal_encode(&coded);
  if (status != LPC_STATUS_OK) return status;
  const minimal_format* f = find_minimal_format(args->format);
  for (size_t i = 0; i < args->count; ++i) {
    args->values[i] = decode_one(f, codes[i]);
#if defined(LPC_FAULT_VALUES_OFF_GRID)
    if (is_trigger(source_value(args->source, args->inputs[i]))) args->values[i] = 1.0 + 0x1p-10;
#endif
  }
  return LPC_STATUS_OK;
}
#else
lpc_status faulty_encode(const lpc_encode_args* args) {
  const lpc_status status = minimal_encode(args);
  if (status != LPC_STATUS_OK) return status;
  [[maybe_unused]] const minimal_format* f = find_minimal_format(args->format);
  for (size_t i = 0; i < args->count; ++i) {
    [[maybe_unused]] const double x = source_value(args->source, args->inputs[i]);
    [[maybe_unused]] uint32_t& code = args->codes[i];
#if defined(LPC_FAULT_WRONG_TIE)
    const double a = fabs(x);
    if (isfinite(a) && a != 0) {
      const double spacing = value_spacing(f, a), n = a / spacing;
      if (n - floor(n) == 0.5) code = encode_one(f, copysign((floor(n) + 1) * spacing, x), args->overflow);
    }
#elif defined(LPC_FAULT_NAN_FOR_SAT)
    if (args->overflow == LPC_OVERFLOW_SAT && fabs(x) > f->max_finite && !isnan(x)) code = (code & 0x80u) | f->nan_code;
#elif defined(LPC_FAULT_FLUSHED_SUBNORMALS) || defined(LPC_FAULT_FTZ_DECLARED)
    if (((code & 0x7fu) >> f->mantissa_bits) == 0) code &= 0x80u;
#elif defined(LPC_FAULT_DAZ_DECLARED)
    // The smallest normal of each source type: float32 and bfloat16 2^-126, float64 2^-1022, float16 2^-14.
    const double smallest_normal = args->source == LPC_SOURCE_FLOAT64 ? 0x1p-1022 : args->source == LPC_SOURCE_FLOAT16 ? 0x1p-14 : 0x1p-126;
    if (x != 0 && fabs(x) < smallest_normal) code = signbit(x) ? 0x80u : 0u;
#elif defined(LPC_FAULT_F64_VIA_F32)
    if (args->source == LPC_SOURCE_FLOAT64) code = encode_one(f, static_cast<double>(static_cast<float>(x)), args->overflow);
#elif defined(LPC_FAULT_NEGATIVE_ZERO)
    if (code == 0x80u) code = 0;
#elif defined(LPC_FAULT_SEGFAULT)
    if (is_trigger(x)) *g_null_pointer = 1;
#elif defined(LPC_FAULT_ABORT)
    if (is_trigger(x)) std::abort();
#elif defined(LPC_FAULT_HANG)
    while (is_trigger(x)) g_spins = g_spins + 1;
#elif defined(LPC_FAULT_OVERRUN)
    if (is_trigger(x)) args->codes[args->count] = code;
#elif defined(LPC_FAULT_ERROR_STATUS)
    if (is_trigger(x)) return LPC_STATUS_ERROR;
#elif defined(LPC_FAULT_EXCEPTION)
    if (is_trigger(x)) throw std::runtime_error("simulated driver failure on input 1.0");
#elif defined(LPC_FAULT_MEMORY_BLOWUP)
    for (size_t chunk = 64u << 20; is_trigger(x);) std::memset(std::malloc(chunk), 1, chunk);  // until malloc gives NULL
#elif defined(LPC_FAULT_MALFORMED_OUTPUT)
    if (is_trigger(x)) code = 0x100;
#elif defined(LPC_FAULT_FORK_CHILD)
    if (is_trigger(x)) fork_sleeper();
#elif defined(LPC_FAULT_FORK_ABORT)
    if (is_trigger(x)) fork_sleeper(), std::abort();
#elif defined(LPC_FAULT_FORK_HANG)
    if (is_trigger(x)) fork_sleeper();
    while (is_trigger(x)) g_spins = g_spins + 1;
#elif defined(LPC_FAULT_FORGED_FRAME)
    if (is_trigger(x)) {
      const uint32_t tag = 4;  // Result
      const uint64_t size = uint64_t{1} << 31;
      char header[12];
      std::memcpy(header, &tag, 4);
      std::memcpy(header + 4, &size, 8);
      if (write(3, header, sizeof header) != static_cast<ssize_t>(sizeof header)) std::abort();
    }
#elif defined(LPC_FAULT_BAD_TEXT)
    if (is_trigger(x)) return LPC_STATUS_ERROR;
#endif
  }
  return LPC_STATUS_OK;
}

#endif

lpc_status faulty_decode(const lpc_decode_args* args) {
  const lpc_status status = minimal_decode(args);
  for (size_t i = 0; status == LPC_STATUS_OK && i < args->count; ++i) {
#if defined(LPC_FAULT_BIAS_OFF_BY_ONE)
    args->values[i] *= 2;
#elif defined(LPC_FAULT_NEGATIVE_ZERO)
    if ((args->codes[i] & 0xffu) == 0x80u) args->values[i] = 0.0;
#endif
  }
  return status;
}

lpc_status faulty_run_op(const lpc_op_args* args) {
  const lpc_status status = minimal_run_op(args);
  if (status != LPC_STATUS_OK || std::strcmp(args->op, "gemm") != 0) return status;
  [[maybe_unused]] lpc_tensor* accumulator = lpc_find_output(args, "accumulator");
  [[maybe_unused]] lpc_tensor* output = lpc_find_output(args, "output");
#if defined(LPC_FAULT_OP_WRONG_VALUE)
  auto* out = static_cast<int64_t*>(output->data);
  const auto* acc = static_cast<const int64_t*>(accumulator->data);
  for (size_t i = 0; i < output->count; ++i)
    if (acc[i] < 0) out[i] = -1;
#elif defined(LPC_FAULT_OP_OVERRUN)
  static_cast<int64_t*>(output->data)[output->count] = 0;
#elif defined(LPC_FAULT_OP_UNWRITTEN)
  std::memset(static_cast<int64_t*>(accumulator->data) + accumulator->count - 1, 0xA5, sizeof(int64_t));
#elif defined(LPC_FAULT_OP_BAD_COUNT)
  output->count = 1;
#endif
  return LPC_STATUS_OK;
}

#if defined(LPC_FAULT_BAD_TEXT)
const char* faulty_last_error() { return "\xff\xfe device \x1b[31mfailed\x1b[0m\n\xc3\x28 | end"; }
constexpr const char* kDescription = "the example \x1b]0;owned\x07 with \xed\xa0\x80 bad text";
#else
const char* faulty_last_error() { return "simulated device error: the accelerator reported status 0x2a on input 1.0"; }
constexpr const char* kDescription = "the example plugin with one injected defect (conformance/tests/plugins)";
#endif

#if defined(LPC_FAULT_VALUES) || defined(LPC_FAULT_VALUES_OFF_GRID)
constexpr uint32_t kCapabilities = LPC_CAPABILITY_VALUES;
#else
constexpr uint32_t kCapabilities = 0;
#endif
#if defined(LPC_FAULT_FTZ_DECLARED)
const char* const kVariants[] = {"ftz"};
#elif defined(LPC_FAULT_DAZ_DECLARED)
const char* const kVariants[] = {"daz"};
#elif defined(LPC_FAULT_F64_VIA_F32)
const char* const kVariants[] = {"f64_via_f32"};
#else
const char* const kVariants[] = {"none"};  // not read: the count below is 0
#define LPC_NO_VARIANTS
#endif
#if defined(LPC_NO_VARIANTS)
constexpr size_t kVariantCount = 0;
#else
constexpr size_t kVariantCount = sizeof kVariants / sizeof kVariants[0];
#endif
#if defined(LPC_FAULT_ABI_V1)
constexpr uint32_t kAbiVersion = 1, kDescriptorSize = offsetof(lpc_vendor_descriptor, ops);  // as a version 1 header compiled it
#else
constexpr uint32_t kAbiVersion = LPC_VENDOR_ABI_VERSION, kDescriptorSize = sizeof(lpc_vendor_descriptor);
#endif

const lpc_vendor_descriptor kFaultyDescriptor = {
    kDescriptorSize,
    kAbiVersion,
    "faulty-" LPC_FAULT_NAME,
    "1.0.0",
    kDescription,
    kCapabilities,
    kMinimalDeclarations,
    sizeof kMinimalDeclarations / sizeof kMinimalDeclarations[0],
    faulty_encode,
    faulty_decode,
    faulty_last_error,
    kMinimalOps,
    sizeof kMinimalOps / sizeof kMinimalOps[0],
    faulty_run_op,
    kVariantCount ? kVariants : nullptr,
    kVariantCount,
};

}  // namespace

extern "C" LPC_VENDOR_EXPORT const lpc_vendor_descriptor* lpc_vendor_get_descriptor(void) { return &kFaultyDescriptor; }
