// lpconform — an implementation under test, as the harness sees it.
//
// An Implementation is a name and a table of optional batch entry points. The reference, the fast
// CPU implementation, the chip model (registry ops only: gemm, conv2d) and vendor plugins (encode,
// decode, and the registry ops their run_op takes: vendor ABI 2) present this same signature; the harness takes (oracle, subject)
// and never knows which is which. A missing entry point means UNSUPPORTED — a status, never a
// failure and never a pass.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "conformance/ops/values.hpp"
#include "spec/formats/format.hpp"
#include "spec/formats/modes.hpp"
#include "spec/quantizers/mx_params.hpp"
#include "spec/quantizers/params.hpp"
#include "spec/quantizers/params_sr_dynbits.hpp"
#include "spec/quantizers/ulq_params.hpp"

namespace lpc {

// The operations the harness checks. Encode and Decode are the formats family (spec/formats.md),
// with their span entry points below (case.hpp lists them with their axes); Registered is every op
// declared in the op registry (conformance/ops/op.hpp: the quantizers, the chip's layers), which an
// item or case names by its schema.
enum class Op : uint8_t { Encode, Decode, Registered };

// Crash and Timeout come from implementations run out of process (conformance/plugin): the process
// serving the batch died of a signal, or did not answer within the time limit.
enum class OpStatus : uint8_t { Ok, Unsupported, Error, Crash, Timeout };

// Convert a batch of values of type `source` (bit patterns, zero-extended to 64 bits) to codes of
// `format` under `params`.
struct EncodeBatch {
  const Format* format = nullptr;
  EncodeParams params;
  Source source = Source::F32;
  std::span<const uint64_t> inputs;
  std::span<const uint32_t> random;  // one word per input for stochastic rounding, else empty
  std::span<uint32_t> codes;         // out, one per input
  std::span<uint8_t> flags;          // out, one per input; empty when the caller ignores flags
  // out, one per input; empty when the caller does not ask. An oracle sets 1 where the spec
  // permits any code (spec/formats.md §5.3: NaN into a NaN-less format, +-inf into an integer
  // under wrap), else 0; the harness then accepts any code there. Subjects may leave it empty.
  std::span<uint8_t> unspecified;
  // out, optional: when the call fails (Error, Crash, Timeout), an implementation that narrows the
  // failure down (the plugin path bisects) stores the index of the first input that fails on its
  // own; left untouched when unknown.
  size_t* failed_at = nullptr;
};

// Decode a batch of codes to values. Every value of every format in spec/formats.csv is exactly a
// float64, so the result is exact; NaN codes give a NaN, Inf codes +-inf.
struct DecodeBatch {
  const Format* format = nullptr;
  std::span<const uint32_t> codes;
  std::span<double> values;  // out
  size_t* failed_at = nullptr;  // out, optional: as in EncodeBatch
};

// Implementation-defined behaviour, declared by the implementation and printed in reports
// (DESIGN.md rule 5). Free text, one entry per behaviour.
struct Declaration {
  std::string behaviour;  // e.g. "nan_into_nanless"
  std::string choice;     // e.g. "code 0 (+0)"
};

struct Implementation {
  std::string name;  // in signatures, --only, waivers and reports (a plugin's declared name)
  std::string version;
  std::string description;
  // What `--impl` takes to select it again, for repro and rerun lines ("plugin:/abs/libacme.so");
  // empty: the name.
  std::string selector;
  // A plugin's library: its absolute path and the SHA-256 of its bytes when it was loaded.
  std::string library, library_sha256;
  bool produces_flags = false;
  // Answers only the batches it recorded, in their order (vector mode's results file): the
  // runner's batch-shape pass, which sends inputs again in other batches, is left out.
  bool replays_recorded_batches = false;
  std::vector<Declaration> declarations;
  // The variants of spec/formats.md §7 it implements ("ftz", "tininess_after_rounding"): the
  // verdict computes the oracle under them (conformance/core/variants.hpp).
  std::vector<std::string> variants;
  // Entry points; an empty std::function means the op is unsupported. On OpStatus::Error the
  // implementation writes a message into `error`. The runner calls them from several threads at
  // once (different batches), so they must be thread-safe.
  std::function<OpStatus(const EncodeBatch&, std::string& error)> encode;
  std::function<OpStatus(const DecodeBatch&, std::string& error)> decode;
  // Every op of the registry (conformance/ops): named typed tensors in, named typed tensors out,
  // in the order of the op's schema. An implementation that does not take an op returns Unsupported.
  std::function<OpStatus(const ops::OpCase&, std::vector<ops::Tensor>& outputs, std::string& error)> run;
};

// The registry: every bundled implementation, in a fixed order ("reference" first). One line per
// implementation in conformance/core/registry.cpp.
const std::vector<const Implementation*>& implementations();
// A shell word: `text` when it holds only characters no shell treats specially, else single-quoted.
std::string shell_word(std::string_view text);
// `--impl`'s argument for `impl` in a command line: its selector (or name) as a shell word.
std::string impl_argument(const Implementation& impl);

// nullptr for an unknown name. "plugin:PATH" loads the vendor plugin at PATH (once) and runs it out
// of process (conformance/plugin/plugin_implementation.hpp); a plugin that cannot be loaded throws
// std::invalid_argument with the reason.
const Implementation* find_implementation(std::string_view name);

}  // namespace lpc
