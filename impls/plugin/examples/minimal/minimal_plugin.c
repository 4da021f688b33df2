/* A minimal, complete lpconform vendor plugin (spec/vendor-abi.md): OCP OFP8 E4M3 and E5M2,
 * encode with round-to-nearest-even under the saturating and non-saturating overflow modes from
 * float32 / float64 / bfloat16 / float16, and decode. Everything else is declined as unsupported.
 * It passes the required items of the profile ocp-ofp8-1.0:
 *
 *   lpconform run --impl plugin:./libminimal_plugin.so --profile ocp-ofp8-1.0
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
};

LPC_VENDOR_EXPORT const lpc_vendor_descriptor* lpc_vendor_get_descriptor(void) { return &kMinimalDescriptor; }
