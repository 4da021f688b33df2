/* lpconform vendor ABI — the pure-C interface through which `lpconform run --impl plugin:PATH`
 * tests an implementation it cannot link at build time.
 *
 * A plugin is a shared library that exports one symbol, lpc_vendor_get_descriptor(), returning a
 * descriptor: its name and version, the ABI version it was built against, what it declares about
 * implementation-defined behaviour, and a table of optional entry points (NULL means
 * "unsupported", which the suite reports as UNSUPPORTED, never as a failure nor a pass): encode
 * and decode for the format family (version 1), and one generic entry point for every other op of
 * the suite's registry — the quantizers, the chip's layers — with named, typed parameters and
 * tensors (version 2).
 *
 * The suite loads the plugin inside a separate worker process (lpconform-worker), one batch at a
 * time: a crash, abort, hang or memory blow-up in the plugin becomes a CRASH / TIMEOUT / ERROR
 * status for the affected item, never the end of the run. Output buffers are bounded by
 * inaccessible guard pages, so a write past the end is caught as a crash.
 *
 * Semantics of every entry point: spec/formats.md (normative). Documentation, a complete minimal
 * plugin and the evolution rules: spec/vendor-abi.md.
 *
 * Versioning. LPC_VENDOR_ABI_VERSION changes only for incompatible changes. Compatible growth
 * (new entry points, new argument fields, one family at a time) appends fields at the end of a
 * struct; every struct starts with `struct_size`, set by whoever fills it to sizeof() as it was
 * compiled, so either side can tell which trailing fields the other knows. */
#ifndef LPCONFORM_VENDOR_H
#define LPCONFORM_VENDOR_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define LPC_VENDOR_ABI_VERSION 2
#define LPC_VENDOR_ENTRY_SYMBOL "lpc_vendor_get_descriptor"

#if defined(_WIN32)
#define LPC_VENDOR_EXPORT __declspec(dllexport)
#else
#define LPC_VENDOR_EXPORT __attribute__((visibility("default")))
#endif

/* What an entry point returns. Anything other than LPC_STATUS_OK leaves the outputs unread. */
typedef enum lpc_status {
  LPC_STATUS_OK = 0,
  LPC_STATUS_UNSUPPORTED = 1, /* this format / rounding / overflow / source is not implemented */
  LPC_STATUS_ERROR = 2        /* a failure; last_error() says what */
} lpc_status;

/* The type of the values being encoded; their bit patterns travel zero-extended in a uint64_t. */
typedef enum lpc_source {
  LPC_SOURCE_FLOAT32 = 0,
  LPC_SOURCE_FLOAT64 = 1,
  LPC_SOURCE_BFLOAT16 = 2,
  LPC_SOURCE_FLOAT16 = 3
} lpc_source;

/* Rounding, spec/formats.md §5.1. The stochastic modes use the low sr_bits of one random word per
 * input (IEEE P3109 StochasticA/B/C). */
typedef enum lpc_rounding {
  LPC_ROUNDING_RNE = 0, /* nearest, ties to even */
  LPC_ROUNDING_RNA = 1, /* nearest, ties away from zero */
  LPC_ROUNDING_RTZ = 2, /* toward zero */
  LPC_ROUNDING_RUP = 3, /* toward +infinity */
  LPC_ROUNDING_RDN = 4, /* toward -infinity */
  LPC_ROUNDING_RTO = 5, /* to odd */
  LPC_ROUNDING_SR_A = 6,
  LPC_ROUNDING_SR_B = 7,
  LPC_ROUNDING_SR_C = 8
} lpc_rounding;

/* Overflow policy, spec/formats.md §5.2. */
typedef enum lpc_overflow {
  LPC_OVERFLOW_SAT = 0,     /* OCP saturating = P3109 SatFinite */
  LPC_OVERFLOW_NONSAT = 1,  /* OCP non-saturating */
  LPC_OVERFLOW_SATPROP = 2, /* P3109 SatPropagate */
  LPC_OVERFLOW_WRAP = 3     /* integers only */
} lpc_overflow;

/* Exception flags, spec/formats.md §5.4 (TestFloat's bit order). */
#define LPC_FLAG_INEXACT 0x01u
#define LPC_FLAG_UNDERFLOW 0x02u
#define LPC_FLAG_OVERFLOW 0x04u
#define LPC_FLAG_INVALID 0x10u

/* Descriptor capability bits. */
#define LPC_CAPABILITY_FLAGS 0x01u /* encode writes exception flags when `flags` is not NULL */
/* Values as results: encode writes each result as its value (a float64: what a fake-quantize or a
 * cast back to float returns) into `values`, and `codes` is NULL; the suite maps each value to its
 * code exactly (a value that is not one of the format's is malformed output). Version 2. */
#define LPC_CAPABILITY_VALUES 0x02u

/* Encode `count` values to codes of `format` (a name from spec/formats.csv, e.g.
 * "float8_e4m3fn"). Inputs, random words, codes and flags are arrays of `count` elements; `random`
 * is NULL unless the rounding is stochastic, `flags` is NULL when the caller does not want them.
 * Codes are right-aligned in a uint32_t; bits above the format's width must be 0. */
typedef struct lpc_encode_args {
  uint32_t struct_size; /* sizeof(lpc_encode_args) as the suite was compiled */
  const char* format;
  lpc_source source;
  lpc_rounding rounding;
  lpc_overflow overflow;
  int32_t sr_bits; /* stochastic roundings: random bits used, 1..24; else 0 */
  size_t count;
  const uint64_t* inputs;
  const uint32_t* random;
  uint32_t* codes;
  uint8_t* flags;
  double* values; /* version 2, LPC_CAPABILITY_VALUES: the results as values; else NULL */
} lpc_encode_args;

/* Decode `count` codes of `format` to float64 values (every value of every format is exactly a
 * float64): NaN codes give a NaN, infinity codes +-inf. */
typedef struct lpc_decode_args {
  uint32_t struct_size; /* sizeof(lpc_decode_args) as the suite was compiled */
  const char* format;
  size_t count;
  const uint32_t* codes;
  double* values;
} lpc_decode_args;

/* One declared implementation-defined choice (DESIGN.md rule 5), printed in every report, e.g.
 * {"nan_into_nanless", "code 0 (+0) with the invalid flag"}. */
typedef struct lpc_declaration {
  const char* behaviour;
  const char* choice;
} lpc_declaration;

typedef lpc_status (*lpc_encode_fn)(const lpc_encode_args* args);
typedef lpc_status (*lpc_decode_fn)(const lpc_decode_args* args);

/* ---- Version 2: every op of the registry (`lpconform list ops`; its parameters and tensors:
 * `lpconform eval OP --help`) through one entry point. */

/* One parameter of an op call, named as in the op's schema ("scheme", "block", "preset"). */
typedef enum lpc_value_kind {
  LPC_VALUE_INT = 0,  /* `integer` */
  LPC_VALUE_REAL = 1, /* `real` (a float32 parameter holds a float32 value exactly) */
  LPC_VALUE_TEXT = 2  /* `text`: a choice's name ("tosa-single", "float8_e4m3fn") or a path */
} lpc_value_kind;

typedef struct lpc_param {
  const char* name;
  lpc_value_kind kind;
  int64_t integer;
  double real;
  const char* text; /* NULL unless kind is LPC_VALUE_TEXT */
} lpc_param;

/* Tensors hold 64-bit elements: integers and codes as int64_t, reals (float32 values exactly,
 * float64 values) as double. */
typedef enum lpc_element { LPC_ELEMENT_INT64 = 0, LPC_ELEMENT_FLOAT64 = 1 } lpc_element;

#define LPC_MAX_RANK 8

/* A dense row-major tensor. Inputs: `data` holds `count` elements (an optional input the case
 * does not use has count 0). Outputs: allocated by the suite to the shape the case gives them
 * (guarded: a write past `count` elements faults); the plugin fills all `count` elements, or sets
 * `count` to 0 for an output it does not produce (the comparison then decides). */
typedef struct lpc_tensor {
  const char* name;
  lpc_element element;
  uint32_t rank;
  uint64_t shape[LPC_MAX_RANK];
  size_t count;
  void* data; /* int64_t* or double*; read-only for inputs */
} lpc_tensor;

/* One call of an op: every parameter of the op (item and case parameters, defaults filled in) and
 * every input and output tensor, each in the order of the op's schema. */
typedef struct lpc_op_args {
  uint32_t struct_size; /* sizeof(lpc_op_args) as the suite was compiled */
  const char* op;       /* "requantize", "gemm", ... */
  size_t param_count;
  const lpc_param* params;
  size_t input_count;
  const lpc_tensor* inputs;
  size_t output_count;
  lpc_tensor* outputs;
} lpc_op_args;

typedef lpc_status (*lpc_run_op_fn)(const lpc_op_args* args);

/* Look-ups by name for plugins: NULL when absent. */
static inline int lpc_name_equal(const char* a, const char* b) {
  while (*a && *a == *b) ++a, ++b;
  return *a == *b;
}
static inline const lpc_param* lpc_find_param(const lpc_op_args* args, const char* name) {
  size_t i;
  for (i = 0; i < args->param_count; ++i)
    if (lpc_name_equal(args->params[i].name, name)) return &args->params[i];
  return NULL;
}
static inline const lpc_tensor* lpc_find_input(const lpc_op_args* args, const char* name) {
  size_t i;
  for (i = 0; i < args->input_count; ++i)
    if (lpc_name_equal(args->inputs[i].name, name)) return &args->inputs[i];
  return NULL;
}
static inline lpc_tensor* lpc_find_output(const lpc_op_args* args, const char* name) {
  size_t i;
  for (i = 0; i < args->output_count; ++i)
    if (lpc_name_equal(args->outputs[i].name, name)) return &args->outputs[i];
  return NULL;
}

/* The table a plugin returns. Static storage: the suite reads it for the life of the process.
 * Entry points may be called with any format name; an unknown one gets LPC_STATUS_UNSUPPORTED.
 * The suite calls entry points one at a time per process. */
typedef struct lpc_vendor_descriptor {
  uint32_t struct_size; /* sizeof(lpc_vendor_descriptor) as the plugin was compiled */
  uint32_t abi_version; /* LPC_VENDOR_ABI_VERSION */
  const char* name;        /* e.g. "acme-npu-fp8" */
  const char* version;     /* e.g. "2.4.1" */
  const char* description; /* one line, may be NULL */
  uint32_t capabilities;   /* LPC_CAPABILITY_* bits */
  const lpc_declaration* declarations;
  size_t declaration_count;
  /* Format family (spec/formats.md). NULL = unsupported. */
  lpc_encode_fn encode;
  lpc_decode_fn decode;
  /* The message for the last non-OK status returned on this thread; NULL or "" when none. The
   * string stays valid until the next entry-point call. */
  const char* (*last_error)(void);
  /* Version 2. The ops run_op takes, by name: the capability the suite queries before a run
   * (items of other ops are UNSUPPORTED without a call); run_op may still decline one call's
   * parameters with LPC_STATUS_UNSUPPORTED. NULL run_op: no op of the registry. */
  const char* const* ops;
  size_t op_count;
  lpc_run_op_fn run_op;
  /* Version 2, appended: the declared variants the plugin implements, spec/formats.md §7's ("daz",
   * "ftz", "tininess_after_rounding", "snan_invalid", "f64_via_f32") and the ops' own ("lsq_fma",
   * spec/quantizers.md §1.3; `lpconform list variants`); the verdict then computes the reference
   * under them, unless the profile forbids one. An undeclared deviation stays a FAIL. */
  const char* const* variants;
  size_t variant_count;
  /* Later versions append their fields here (struct_size tells which exist). */
} lpc_vendor_descriptor;

/* The one exported symbol (LPC_VENDOR_ENTRY_SYMBOL). */
typedef const lpc_vendor_descriptor* (*lpc_vendor_get_descriptor_fn)(void);
LPC_VENDOR_EXPORT const lpc_vendor_descriptor* lpc_vendor_get_descriptor(void);

#ifdef __cplusplus
}
#endif

#endif /* LPCONFORM_VENDOR_H */
