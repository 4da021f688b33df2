/* A minimal, complete lpconform vendor plugin (spec/vendor-abi.md): OCP OFP8 E4M3 and E5M2,
 * encode with round-to-nearest-even under the saturating and non-saturating overflow modes from
 * float32 / float64 / bfloat16 / float16, and decode; and two ops of the registry through the
 * generic entry point (ABI version 2): `requantize` under TOSA SINGLE_ROUND, and `gemm` on the
 * int8-inference chip. Everything else is declined as unsupported. It passes the required items
 * of the profile ocp-ofp8-1.0:
 *
 *   lpconform run --impl plugin:./libminimal_plugin.so --profile ocp-ofp8-1.0
 *   lpconform eval gemm --impl plugin:./libminimal_plugin.so --m 2 --n 3 --k 4
 *
 * Plain C99 (it also compiles as C++, which the suite's faulty-plugin tests rely on), scalar,
 * through double arithmetic, which is exact here: every source value is a double, and scaling by a
 * power of two and rounding to an integer below 2^53 introduce no error. */
#include <lpconform/vendor.h>

#include <math.h>
#include <string.h>

typedef struct minimal_format {
  const char* name;
  int mantissa_bits;
  int bias;
  double max_finite;    /* largest finite magnitude */
  int has_infinity;     /* E5M2: exponent all ones, mantissa 0 */
  uint32_t nan_code;    /* the canonical NaN (positive) */
  uint32_t inf_code;    /* +infinity, when has_infinity */
} minimal_format;

static const minimal_format kFormats[] = {
    /* OCP OFP8 1.0 Table 1: E4M3 has no infinity, NaN is S.1111.111, max 448 = 1.75 * 2^8. */
    {"float8_e4m3fn", 3, 7, 448.0, 0, 0x7f, 0},
    /* E5M2 is IEEE-like: infinity S.11111.00, NaN S.11111.{01,10,11}, max 57344 = 1.75 * 2^15. */
    {"float8_e5m2", 2, 15, 57344.0, 1, 0x7e, 0x7c},
};

static const minimal_format* find_minimal_format(const char* name) {
  size_t i;
  for (i = 0; i < sizeof kFormats / sizeof kFormats[0]; ++i)
    if (strcmp(kFormats[i].name, name) == 0) return &kFormats[i];
  return NULL;
}

/* The value of a source bit pattern, exactly. */
static double source_value(lpc_source source, uint64_t bits) {
  float f;
  double d;
  uint32_t word;
  switch (source) {
    case LPC_SOURCE_FLOAT64:
      memcpy(&d, &bits, sizeof d);
      return d;
    case LPC_SOURCE_BFLOAT16: /* the top half of a float32 */
      word = (uint32_t)bits << 16;
      memcpy(&f, &word, sizeof f);
      return f;
    case LPC_SOURCE_FLOAT16: { /* 1-5-10, bias 15 */
      const int exponent = (int)((bits >> 10) & 0x1f);
      const double magnitude = exponent == 0x1f ? ((bits & 0x3ff) ? NAN : INFINITY)
                               : exponent == 0  ? ldexp((double)(bits & 0x3ff), -24)
                                                : ldexp((double)((bits & 0x3ff) | 0x400), exponent - 25);
      return (bits & 0x8000) ? -magnitude : magnitude;
    }
    default: /* LPC_SOURCE_FLOAT32 */
      word = (uint32_t)bits;
      memcpy(&f, &word, sizeof f);
      return f;
  }
}

/* Spacing of the format's values around magnitude a > 0: 2^(e - m) in the binade 2^e <= a < 2^(e+1),
 * and the subnormal spacing 2^(1 - bias - m) below the smallest normal 2^(1 - bias). */
static double value_spacing(const minimal_format* f, double a) {
  int exponent;
  frexp(a, &exponent); /* a = fraction * 2^exponent, fraction in [0.5, 1): the binade is exponent - 1 */
  exponent -= 1;
  if (exponent < 1 - f->bias) exponent = 1 - f->bias;
  return ldexp(1.0, exponent - f->mantissa_bits);
}

/* The code of the finite magnitude r, which is a value of the format (0 <= r <= max_finite). */
static uint32_t code_of_magnitude(const minimal_format* f, double r) {
  int exponent;
  if (r < ldexp(1.0, 1 - f->bias)) return (uint32_t)(r / value_spacing(f, r)); /* subnormal or zero: field 0 */
  frexp(r, &exponent);
  exponent -= 1;
  /* biased exponent field, then the stored mantissa: r / 2^(e - m) = 2^m + mantissa */
  return ((uint32_t)(exponent + f->bias) << f->mantissa_bits) |
         ((uint32_t)ldexp(r, f->mantissa_bits - exponent) - (1u << f->mantissa_bits));
}

/* spec/formats.md §5: round to nearest even at the format's precision, then decide overflow on the
 * rounded value (§5.2), keep the sign of zero (§5.3), NaN in gives the canonical NaN. */
static uint32_t encode_one(const minimal_format* f, double x, lpc_overflow overflow) {
  const uint32_t sign = signbit(x) ? 0x80u : 0u;
  const double a = fabs(x);
  double rounded;
  if (isnan(x)) return sign | f->nan_code;
  if (isinf(x)) rounded = INFINITY;
  else if (a == 0) return sign;
  else rounded = nearbyint(a / value_spacing(f, a)) * value_spacing(f, a); /* default mode: ties to even */
  if (rounded > f->max_finite) {
    if (overflow == LPC_OVERFLOW_SAT) return sign | code_of_magnitude(f, f->max_finite);
    return sign | (f->has_infinity ? f->inf_code : f->nan_code);
  }
  return sign | code_of_magnitude(f, rounded);
}

static double decode_one(const minimal_format* f, uint32_t code) {
  const int exponent_field = (int)((code & 0x7fu) >> f->mantissa_bits);
  const uint32_t mantissa = code & ((1u << f->mantissa_bits) - 1u);
  const int top_exponent = (1 << (7 - f->mantissa_bits)) - 1;
  double magnitude;
  if (f->has_infinity && exponent_field == top_exponent) magnitude = mantissa ? NAN : INFINITY;
  else if (!f->has_infinity && (code & 0x7fu) == f->nan_code) magnitude = NAN;
  else if (exponent_field == 0) magnitude = ldexp((double)mantissa, 1 - f->bias - f->mantissa_bits);
  else magnitude = ldexp((double)(mantissa | (1u << f->mantissa_bits)), exponent_field - f->bias - f->mantissa_bits);
  return (code & 0x80u) ? -magnitude : magnitude;
}

static lpc_status minimal_encode(const lpc_encode_args* args) {
  const minimal_format* f = find_minimal_format(args->format);
  size_t i;
  if (!f || args->rounding != LPC_ROUNDING_RNE || (args->overflow != LPC_OVERFLOW_SAT && args->overflow != LPC_OVERFLOW_NONSAT))
    return LPC_STATUS_UNSUPPORTED;
  for (i = 0; i < args->count; ++i) args->codes[i] = encode_one(f, source_value(args->source, args->inputs[i]), args->overflow);
  return LPC_STATUS_OK;
}

static lpc_status minimal_decode(const lpc_decode_args* args) {
  const minimal_format* f = find_minimal_format(args->format);
  size_t i;
  if (!f) return LPC_STATUS_UNSUPPORTED;
  for (i = 0; i < args->count; ++i) args->values[i] = decode_one(f, args->codes[i] & 0xffu);
  return LPC_STATUS_OK;
}

/* ---- ops of the registry (ABI version 2) ---------------------------------------------------- */

/* floor(p / 2^shift + 1/2) for 1 <= shift <= 63 without overflow: TOSA's round half up (spec/quantizers.md §2.2). */
static int64_t round_half_up_shift(int64_t p, int shift) {
  const int64_t q = shift > 1 ? p >> (shift - 1) : p * 2; /* floor(p / 2^(shift-1)); >> of a negative is arithmetic on every target we know */
  return (q + 1) >> 1;
}

static int64_t clip(int64_t x, int64_t lo, int64_t hi) { return x < lo ? lo : x > hi ? hi : x; }

static int integer_range(const char* type, int64_t* lo, int64_t* hi) {
  static const struct { const char* name; int64_t lo, hi; } kTypes[] = {
      {"i8", -128, 127}, {"u8", 0, 255}, {"i16", -32768, 32767}, {"u16", 0, 65535}, {"i32", -2147483647 - 1, 2147483647}};
  size_t i;
  for (i = 0; i < sizeof kTypes / sizeof kTypes[0]; ++i)
    if (strcmp(kTypes[i].name, type) == 0) {
      *lo = kTypes[i].lo, *hi = kTypes[i].hi;
      return 1;
    }
  return 0;
}

/* requantize, TOSA SINGLE_ROUND with 32-bit multipliers (spec/quantizers.md §2.1, §2.2): element i
 * of channel c = i % channels: clip(RHU((in - input_zp) * m_c / 2^shift_c) + output_zp). Inputs
 * of at most 32 bits minus an int32 zero point times a multiplier below 2^31: the product fits int64. */
static lpc_status minimal_requantize(const lpc_op_args* args) {
  const char* mode = lpc_find_param(args, "mode")->text;
  const lpc_param* input_type = lpc_find_param(args, "input_type");
  const lpc_tensor* value = lpc_find_input(args, "value");
  const lpc_tensor* multiplier = lpc_find_input(args, "multiplier");
  const lpc_tensor* shift = lpc_find_input(args, "shift");
  lpc_tensor* output = lpc_find_output(args, "output");
  const int64_t channels = lpc_find_param(args, "channels")->integer;
  const int64_t input_zp = lpc_find_param(args, "input_zp")->integer, output_zp = lpc_find_param(args, "output_zp")->integer;
  int64_t lo, hi;
  size_t i;
  if (strcmp(mode, "tosa_single") != 0 || strcmp(input_type->text, "i48") == 0 ||
      !integer_range(lpc_find_param(args, "output_type")->text, &lo, &hi))
    return LPC_STATUS_UNSUPPORTED;
  for (i = 0; i < value->count; ++i) {
    const size_t c = (size_t)((int64_t)i % channels);
    const int64_t v = ((const int64_t*)value->data)[i] - input_zp;
    const int64_t m = ((const int64_t*)multiplier->data)[c];
    const int s = (int)((const int64_t*)shift->data)[c];
    ((int64_t*)output->data)[i] = clip(round_half_up_shift(v * m, s) + output_zp, lo, hi);
  }
  lpc_find_output(args, "low")->count = 0; /* the permitted range: the reference's, not ours */
  lpc_find_output(args, "high")->count = 0;
  return LPC_STATUS_OK;
}

/* x modulo 2^32, as an int32 value. */
static int64_t wrap_int32(int64_t x) {
  const int64_t low = (int64_t)((uint64_t)x & 0xffffffffu);
  return low >= INT64_C(0x80000000) ? low - INT64_C(0x100000000) : low;
}

/* An int8 code (its two's-complement byte) as its value. */
static int64_t int8_value(int64_t code) { return code >= 128 ? code - 256 : code; }

/* gemm on the preset int8-inference (spec/chip/presets/int8-inference.cfg): int8 A (M x K) and B
 * (K x N) codes, an int32 accumulator that wraps, a per-column int32 bias added with the same
 * wrap, TOSA SINGLE_ROUND requantization to int8 (multiplier 2^30, shift 38, zero point 0), ReLU. */
static lpc_status minimal_gemm(const lpc_op_args* args) {
  const lpc_tensor* a = lpc_find_input(args, "a");
  const lpc_tensor* b = lpc_find_input(args, "b");
  const lpc_tensor* bias = lpc_find_input(args, "bias");
  lpc_tensor* accumulator = lpc_find_output(args, "accumulator");
  lpc_tensor* output = lpc_find_output(args, "output");
  const uint64_t m = a->shape[0], k = a->shape[1], n = b->shape[1];
  uint64_t i, j, p;
  if (strcmp(lpc_find_param(args, "preset")->text, "int8-inference") != 0 || strcmp(lpc_find_param(args, "config")->text, "none") != 0)
    return LPC_STATUS_UNSUPPORTED;
  for (i = 0; i < m; ++i)
    for (j = 0; j < n; ++j) {
      int64_t sum = 0, out;
      for (p = 0; p < k; ++p) sum += int8_value(((const int64_t*)a->data)[i * k + p]) * int8_value(((const int64_t*)b->data)[p * n + j]);
      sum = wrap_int32(sum); /* wrapping each addition or only the sum: the same, modulo 2^32 */
      out = wrap_int32(sum + ((const int64_t*)bias->data)[j]);
      out = clip(round_half_up_shift(out * (INT64_C(1) << 30), 38), -128, 127);
      ((int64_t*)accumulator->data)[i * n + j] = sum;
      ((int64_t*)output->data)[i * n + j] = out > 0 ? out : 0;
    }
  return LPC_STATUS_OK;
}

static lpc_status minimal_run_op(const lpc_op_args* args) {
  if (strcmp(args->op, "requantize") == 0) return minimal_requantize(args);
  if (strcmp(args->op, "gemm") == 0) return minimal_gemm(args);
  return LPC_STATUS_UNSUPPORTED;
}

static const char* const kMinimalOps[] = {"requantize", "gemm"};

static const char* minimal_last_error(void) { return ""; } /* never returns LPC_STATUS_ERROR */

static const lpc_declaration kMinimalDeclarations[] = {
    {"nan_encoding", "the canonical NaN (0x7f e4m3fn, 0x7e e5m2) with the sign of the input"},
    {"decode_nan", "a quiet float64 NaN with the sign of the code"},
};

static const lpc_vendor_descriptor kMinimalDescriptor = {
    sizeof(lpc_vendor_descriptor),
    LPC_VENDOR_ABI_VERSION,
    "minimal-example",
    "1.0.0",
    "scalar OCP OFP8 E4M3/E5M2, RNE only, no flags (spec/vendor-abi.md example)",
    0, /* capabilities: no exception flags */
    kMinimalDeclarations,
    sizeof kMinimalDeclarations / sizeof kMinimalDeclarations[0],
    minimal_encode,
    minimal_decode,
    minimal_last_error,
    kMinimalOps,
    sizeof kMinimalOps / sizeof kMinimalOps[0],
    minimal_run_op,
};

LPC_VENDOR_EXPORT const lpc_vendor_descriptor* lpc_vendor_get_descriptor(void) { return &kMinimalDescriptor; }
