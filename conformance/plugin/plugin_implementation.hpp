// lpconform — a vendor plugin (impls/plugin/include/lpconform/vendor.h) as an Implementation,
// run out of process.
//
// Every batch goes to an lpconform-worker process that has the plugin loaded, under a per-batch
// time limit and an address-space limit. A worker that dies (any signal: segfault, abort, a write
// onto the guard page after an output buffer, memory exhaustion) makes the batch OpStatus::Crash;
// one that does not answer in time is killed and the batch is OpStatus::Timeout; an error status,
// an exception escaping the C boundary or malformed output (a code wider than the format, flag
// bits outside the mask, an output never written) is OpStatus::Error. The failing batch is then
// bisected, each half in a fresh worker where needed, to the first input that fails on its own,
// returned in the batch's `failed_at`. Dead workers are replaced; the run goes on. Several runner
// threads call at once: each takes its own worker from a pool. Each worker leads its own process
// group, killed whole when the worker dies, times out or is dropped (spec/vendor-abi.md §3).
// Registry ops (vendor ABI 2) go one case per request, without bisection.
#pragma once

#include <string>
#include <string_view>

#include "conformance/core/implementation.hpp"

namespace lpc::plugin {

inline constexpr std::string_view kImplementationPrefix = "plugin:";  // --impl plugin:PATH

struct IsolationOptions {
  double timeout_seconds = 10;  // per batch of at most 65536 inputs
  size_t memory_limit_mib = 4096;  // RLIMIT_AS of each worker process; 0: no limit
};

// Sets the limits for workers started from now on (lpconform run --timeout / --memory-limit).
// Throws std::invalid_argument for a non-positive timeout.
void set_isolation_options(const IsolationOptions& options);

// The plugin at `path` as an Implementation named "plugin:PATH", loaded once per path and kept for
// the life of the process. Its version, description, flags capability and declarations come from
// the plugin's descriptor (asked of a first worker). Throws std::invalid_argument when the plugin
// cannot be loaded (no such file, missing entry symbol, ABI version mismatch: the worker's
// message), std::runtime_error when no worker can be started (lpconform-worker not found: it is
// looked up in $LPCONFORM_WORKER, then beside the running executable).
const Implementation& plugin_implementation(std::string_view path);

}  // namespace lpc::plugin
