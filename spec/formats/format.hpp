// lpconform — the numeric-format descriptor.
//
// A Format is a value that holds every policy of a number format: width, signedness, exponent and
// mantissa widths, radix, bias, where Inf and NaN live, whether -0, zero and subnormals exist.
// Every algorithm in reference/ and impls/ is generic over it; adding a format is one row in
// spec/formats.csv (the single source of truth, embedded at build time). The IEEE P3109 family is
// one row there, expanded here by the formula of the P3109 interim report (a DRAFT, not a
// compliance standard).
//
// This header is data only: no algorithm that decides a value lives here, so the reference and the
// fast implementation each decode codes with their own, independent code.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace lpc {

enum class FormatKind : uint8_t { Float, Integer };

// Where the infinities are encoded.
enum class InfEncoding : uint8_t {
  None,   // no infinities
  Ieee,   // exponent field all ones, mantissa field zero (both signs)
  P3109,  // +Inf = largest positive code (2^(K-1)-1 signed, 2^K-2 unsigned); -Inf = its negative
};

// Where the NaNs are encoded.
enum class NanEncoding : uint8_t {
  None,     // no NaN
  Ieee,     // exponent field all ones, mantissa field non-zero (both signs)
  AllOnes,  // every magnitude bit set (S.1111.111 in float8_e4m3fn; 0xFF in E8M0 and P3109 unsigned)
  NegZero,  // the code 100...0 that would be -0 (FNUZ formats, P3109 signed)
};

struct Format {
  std::string name;        // ml_dtypes name where one exists
  FormatKind kind = FormatKind::Float;
  int bits = 0;            // total width of a code
  bool is_signed = true;   // has a sign bit (floats) / two's complement (integers)
  int exp_bits = 0;        // floats only
  int man_bits = 0;        // floats only: stored fraction bits
  int radix = 2;           // 2, or 4 for the radix-4 FP4
  int bias = 0;            // floats only
  InfEncoding inf = InfEncoding::None;
  NanEncoding nan = NanEncoding::None;
  bool neg_zero = false;   // -0 is a distinct code
  bool has_zero = true;    // false only for E8M0: exponent field 0 is then an ordinary binade
  bool subnormals = true;  // exponent field 0 is the subnormal binade (with mantissa 0: zero)
  std::string source;      // where the definition comes from
  // IEEE P3109 parameters (draft); k == 0 for other formats.
  int p3109_k = 0, p3109_p = 0;
  bool p3109_extended = false;

  bool is_float() const { return kind == FormatKind::Float; }
  bool is_integer() const { return kind == FormatKind::Integer; }
  bool is_p3109() const { return p3109_k != 0; }
  uint32_t code_count() const { return bits >= 32 ? 0u : (1u << bits); }  // 0 means 2^32
  uint32_t code_mask() const { return bits >= 32 ? 0xFFFFFFFFu : ((1u << bits) - 1u); }
  bool has_inf() const { return inf != InfEncoding::None; }
  bool has_nan() const { return nan != NanEncoding::None; }
  // Smallest unsigned type that holds a code: 1, 2 or 4 bytes.
  int code_bytes() const { return bits <= 8 ? 1 : bits <= 16 ? 2 : 4; }
};

// All formats, in spec/formats.csv order (P3109 expanded in place, by K, then P, then
// signed/unsigned, then extended/finite). Parsed once; a malformed table aborts with the line.
const std::vector<Format>& all_formats();

// nullptr when no format has this name.
const Format* find_format(std::string_view name);

// Throws std::invalid_argument naming the format and listing close names when unknown.
const Format& format_by_name(std::string_view name);

// The embedded text of spec/formats.csv (for `lpconform list formats --csv` and reports).
std::string_view formats_csv_text();

// Parses a formats table. `origin` names the file in error messages ("spec/formats.csv:LINE:
// ..."). Exposed for tests and for users who keep their own table.
std::vector<Format> parse_formats_csv(std::string_view text, std::string_view origin);

const char* to_string(InfEncoding);
const char* to_string(NanEncoding);

}  // namespace lpc
