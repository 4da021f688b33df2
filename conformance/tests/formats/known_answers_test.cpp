// Known-answer vectors (spec/formats_known_answers.csv: published values and hand derivations from
// the spec, never output of our code) through the reference and the fast implementation.
#include <catch2/catch.hpp>

#include <bit>
#include <cmath>
#include <cstdlib>
#include <stdexcept>
#include <string>
#include <vector>

// csv.h's strncpy of the file name trips g++ 12's -Wstringop-truncation where it is inlined.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wstringop-truncation"
#include <libfccp/csv.h>
#pragma GCC diagnostic pop

#include "conformance/tests/formats/formats_support.hpp"

namespace lpc::test {
namespace {

struct KnownAnswer {
  int line = 0;
  std::string op, format, rounding, overflow, sr_bits, random, input_type, input, expected, flags, source, derivation;
};

std::vector<KnownAnswer> read_known_answers() {
  io::CSVReader<12, io::trim_chars<' ', '\t'>, io::double_quote_escape<',', '"'>, io::throw_on_overflow,
                io::single_line_comment<'#'>>
      in(LPC_KNOWN_ANSWERS_CSV);
  in.read_header(io::ignore_no_column, "op", "format", "rounding", "overflow", "sr_bits", "random", "input_type",
                 "input", "expected", "flags", "source", "derivation");
  std::vector<KnownAnswer> rows;
  KnownAnswer r;
  while (in.read_row(r.op, r.format, r.rounding, r.overflow, r.sr_bits, r.random, r.input_type, r.input, r.expected,
                     r.flags, r.source, r.derivation)) {
    r.line = static_cast<int>(in.get_file_line());
    rows.push_back(r);
  }
  return rows;
}

[[noreturn]] void bad_row(const KnownAnswer& r, const std::string& what) {
  throw std::invalid_argument(std::string(LPC_KNOWN_ANSWERS_CSV) + ":" + std::to_string(r.line) + ": " + what);
}

uint64_t parse_unsigned(const KnownAnswer& r, const std::string& text, const char* column) {
  char* end = nullptr;
  const uint64_t v = std::strtoull(text.c_str(), &end, 0);
  if (text.empty() || *end != '\0') bad_row(r, std::string("column '") + column + "': expected a number, got '" + text + "'");
  return v;
}

// A value written as decimal, hex float (contains 'p'), inf, -inf, nan or -nan; as a double.
double parse_value(const KnownAnswer& r, const std::string& text) {
  if (text == "nan" || text == "-nan") return std::copysign(std::nan(""), text[0] == '-' ? -1.0 : 1.0);
  char* end = nullptr;
  const double v = std::strtod(text.c_str(), &end);  // decimal correctly rounded, hex float exact
  if (text.empty() || *end != '\0') bad_row(r, "expected a value, got '" + text + "'");
  return v;
}

// The source bit pattern of an encode input (spec §5: a float32 decimal is read with RNE).
uint64_t parse_input(const KnownAnswer& r, Source source) {
  const std::string& text = r.input;
  const bool bit_pattern = text.rfind("0x", 0) == 0 && text.find('p') == std::string::npos;
  if (bit_pattern) return parse_unsigned(r, text, "input");
  if (source == Source::F64) return std::bit_cast<uint64_t>(parse_value(r, text));
  const bool hex_float = text.find('p') != std::string::npos;
  if (hex_float || text == "nan" || text == "-nan" || text.find("inf") != std::string::npos) {
    const double v = parse_value(r, text);
    if (!is_float32(v)) bad_row(r, "input '" + text + "' is not a float32 value");
    return std::bit_cast<uint32_t>(static_cast<float>(v));
  }
  char* end = nullptr;
  const float v = std::strtof(text.c_str(), &end);  // round to nearest even
  if (*end != '\0') bad_row(r, "input: expected a decimal, got '" + text + "'");
  return std::bit_cast<uint32_t>(v);
}

uint8_t parse_flags(const KnownAnswer& r) {
  if (r.flags == "none") return 0;
  uint8_t flags = 0;
  for (char c : r.flags) {
    switch (c) {
      case 'x': flags |= kFlagInexact; break;
      case 'u': flags |= kFlagUnderflow; break;
      case 'o': flags |= kFlagOverflow; break;
      case 'i': flags |= kFlagInvalid; break;
      default: bad_row(r, "flags: expected letters x u o i or none, got '" + r.flags + "'");
    }
  }
  return flags;
}

void check_encode_row(const KnownAnswer& r, MismatchLog& log) {
  const Format& f = format_by_name(r.format);
  const auto rounding = parse_rounding(r.rounding);
  const auto overflow = parse_overflow(r.overflow);
  const auto source = parse_source(r.input_type);
  if (!rounding || !overflow || !source) bad_row(r, "unknown rounding, overflow or input_type");
  const EncodeParams params{*rounding, *overflow, r.sr_bits.empty() ? 0 : static_cast<int>(parse_unsigned(r, r.sr_bits, "sr_bits"))};
  const uint32_t random = r.random.empty() ? 0 : static_cast<uint32_t>(parse_unsigned(r, r.random, "random"));
  const uint64_t input = parse_input(r, *source);
  const ref::EncodeResult want{static_cast<uint32_t>(parse_unsigned(r, r.expected, "expected")), parse_flags(r), false};
  const std::string where = "known answer " + std::string(LPC_KNOWN_ANSWERS_CSV) + ":" + std::to_string(r.line) +
                            " (" + r.source + ": " + r.derivation + ")\n";

  const ref::EncodeResult got = ref::encode(f, params, ref::ExactValue::from_source(*source, input), random);
  if (!code_accepted(f, want, got.code) || got.flags != want.flags)
    log.add(where + describe({&f, params, *source, input, random, "reference encode()"}, got.code, got.flags, want));

  const std::vector<uint64_t> inputs = {input};
  const std::vector<uint32_t> words = {random};
  for (const fast::Variant& v : fast_variants()) {
    const fast::Encoder encoder(f, params, v);
    MismatchLog row_log;
    const FastResults general = fast_encode(encoder, *source, inputs, is_stochastic(params.rounding) ? words : std::vector<uint32_t>{});
    compare_batch({&f, params, *source, 0, 0, "fast encode() " + to_string(v)}, inputs, words, general.codes, general.flags,
                  {&want, 1}, row_log);
    if (*source == Source::F32 && !is_stochastic(params.rounding)) {
      const std::vector<float> floats = {std::bit_cast<float>(static_cast<uint32_t>(input))};
      compare_batch({&f, params, *source, 0, 0, "fast from_f32() " + to_string(v)}, inputs, {},
                    fast_from_f32(encoder, floats), {}, {&want, 1}, row_log);
    }
    if (row_log.count() != 0) log.add(where + row_log.report());
  }
}

void check_decode_row(const KnownAnswer& r, MismatchLog& log) {
  const Format& f = format_by_name(r.format);
  const uint32_t code = static_cast<uint32_t>(parse_unsigned(r, r.input, "input"));
  const double want = parse_value(r, r.expected);
  const auto same = [&](double got) {
    return std::isnan(want) ? std::isnan(got) : std::bit_cast<uint64_t>(got) == std::bit_cast<uint64_t>(want);
  };
  const std::string where = "known answer " + std::string(LPC_KNOWN_ANSWERS_CSV) + ":" + std::to_string(r.line) +
                            ": decode " + f.name + " " + r.input + ", want " + r.expected + "; ";
  const ref::ExactValue ref_value = ref::decode(f, code);
  if (!same(ref_value.is_nan() ? std::nan("") : ref_value.to_double()))
    log.add(where + "reference decode() got " + ref_value.to_string() + "\n");
  for (const fast::Variant& v : fast_variants()) {
    const fast::Decoder decoder(f, v);
    const std::vector<uint32_t> codes = {code};
    std::vector<double> as_f64(1);
    decoder.to_f64(codes, as_f64);
    if (!same(as_f64[0])) log.add(where + "fast to_f64 " + to_string(v) + " got " + std::to_string(as_f64[0]) + "\n");
  }
}

TEST_CASE("known-answer vectors through the reference and fast", "[known-answers]") {
  const std::vector<KnownAnswer> rows = read_known_answers();
  CHECK(rows.size() >= 200);
  for (const KnownAnswer& r : rows) {
    MismatchLog log;
    if (r.op == "encode") check_encode_row(r, log);
    else if (r.op == "decode") check_decode_row(r, log);
    else bad_row(r, "column 'op': expected encode or decode, got '" + r.op + "'");
    INFO(log.report());
    CHECK(log.count() == 0);
  }
}

}  // namespace
}  // namespace lpc::test
