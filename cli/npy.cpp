#include "cli/npy.hpp"

#include <bit>
#include <cctype>
#include <cstdint>
#include <cstring>
#include <stdexcept>
#include <vector>

namespace lpc::cli {

namespace {

constexpr std::string_view kMagic = "\x93NUMPY";
constexpr uint64_t kMaxElements = uint64_t{1} << 32;

static_assert(std::endian::native == std::endian::little, "the .npy files carry little-endian data");

std::string shape_tuple(const std::vector<uint64_t>& shape) {
  if (shape.empty()) return "()";
  std::string s = "(";
  for (size_t d = 0; d < shape.size(); ++d) s += std::to_string(shape[d]) + (shape.size() == 1 ? ",)" : d + 1 < shape.size() ? ", " : ")");
  return s;
}

// The header dictionary, a Python literal: {'descr': '<f8', 'fortran_order': False, 'shape': (2, 3), }.
struct Header {
  std::string descr;
  bool fortran_order = false, has_descr = false, has_order = false, has_shape = false;
  std::vector<uint64_t> shape;
};

class HeaderParser {
 public:
  explicit HeaderParser(std::string_view text) : s_(text) {}

  Header parse() {
    Header h;
    expect('{');
    while (!peek('}')) {
      const std::string key = string();
      expect(':');
      if (key == "descr") h.descr = string(), h.has_descr = true;
      else if (key == "fortran_order") h.fortran_order = boolean(), h.has_order = true;
      else if (key == "shape") h.shape = tuple(), h.has_shape = true;
      else throw std::invalid_argument("unknown header key '" + key + "'");
      if (!peek('}')) expect(',');
    }
    expect('}');
    skip_space();
    if (i_ != s_.size()) throw std::invalid_argument("text after the header dictionary");
    if (!h.has_descr || !h.has_order || !h.has_shape) throw std::invalid_argument("the header lacks descr, fortran_order or shape");
    return h;
  }

 private:
  void skip_space() {
    while (i_ < s_.size() && std::isspace(static_cast<unsigned char>(s_[i_]))) ++i_;
  }
  bool peek(char c) {
    skip_space();
    return i_ < s_.size() && s_[i_] == c;
  }
  void expect(char c) {
    if (!peek(c)) throw std::invalid_argument(std::string("malformed header: expected '") + c + "' at byte " + std::to_string(i_));
    ++i_;
  }
  std::string string() {
    skip_space();
    if (i_ >= s_.size() || (s_[i_] != '\'' && s_[i_] != '"')) throw std::invalid_argument("malformed header: expected a quoted string at byte " + std::to_string(i_));
    const char quote = s_[i_++];
    const size_t end = s_.find(quote, i_);
    if (end == std::string_view::npos) throw std::invalid_argument("malformed header: unterminated string");
    std::string out(s_.substr(i_, end - i_));
    i_ = end + 1;
    return out;
  }
  bool boolean() {
    skip_space();
    for (const auto& [word, value] : {std::pair<std::string_view, bool>{"True", true}, {"False", false}})
      if (s_.substr(i_, word.size()) == word) {
        i_ += word.size();
        return value;
      }
    throw std::invalid_argument("malformed header: expected True or False at byte " + std::to_string(i_));
  }
  std::vector<uint64_t> tuple() {
    std::vector<uint64_t> out;
    expect('(');
    while (!peek(')')) {
      skip_space();
      uint64_t v = 0;
      size_t digits = 0;
      for (; i_ < s_.size() && std::isdigit(static_cast<unsigned char>(s_[i_])); ++i_, ++digits) {
        if (v > (kMaxElements - (s_[i_] - '0')) / 10) throw std::invalid_argument("a shape extent above 2^32");
        v = v * 10 + static_cast<uint64_t>(s_[i_] - '0');
      }
      if (digits == 0) throw std::invalid_argument("malformed header: expected a shape extent at byte " + std::to_string(i_));
      if (out.size() == 32) throw std::invalid_argument("more than 32 dimensions");
      out.push_back(v);
      if (!peek(')')) expect(',');
    }
    expect(')');
    return out;
  }

  std::string_view s_;
  size_t i_ = 0;
};

template <class T>
T load(const char* p) {
  T v;
  std::memcpy(&v, p, sizeof v);
  return v;
}

}  // namespace

std::string npy_bytes(const ops::Tensor& t) {
  std::string header = std::string("{'descr': '") + (t.is_float ? "<f8" : "<i8") + "', 'fortran_order': False, 'shape': " + shape_tuple(t.shape) + ", }";
  const size_t unpadded = kMagic.size() + 2 + 2 + header.size() + 1;
  header.append((64 - unpadded % 64) % 64, ' ');
  header += '\n';
  std::string out(kMagic);
  out += '\x01';
  out += '\x00';
  const uint16_t length = static_cast<uint16_t>(header.size());
  out.append(reinterpret_cast<const char*>(&length), sizeof length);
  out += header;
  if (t.is_float) out.append(reinterpret_cast<const char*>(t.floats.data()), t.floats.size() * sizeof(double));
  else out.append(reinterpret_cast<const char*>(t.ints.data()), t.ints.size() * sizeof(int64_t));
  return out;
}

ops::Tensor read_npy(std::string_view bytes) {
  if (bytes.substr(0, kMagic.size()) != kMagic) throw std::invalid_argument("not a NumPy .npy file (no \\x93NUMPY magic)");
  if (bytes.size() < 10) throw std::invalid_argument("truncated .npy header");
  const int major = static_cast<unsigned char>(bytes[6]);
  size_t header_length = 0, at = 0;
  if (major == 1) header_length = load<uint16_t>(bytes.data() + 8), at = 10;
  else if ((major == 2 || major == 3) && bytes.size() >= 12) header_length = load<uint32_t>(bytes.data() + 8), at = 12;
  else throw std::invalid_argument(".npy format version " + std::to_string(major) + " (1, 2 and 3 are read)");
  if (header_length > bytes.size() - at) throw std::invalid_argument("truncated .npy header");
  const Header h = HeaderParser(bytes.substr(at, header_length)).parse();
  at += header_length;
  if (h.fortran_order) throw std::invalid_argument("Fortran order: write the array in C order (numpy.ascontiguousarray)");
  uint64_t count = 1;
  for (uint64_t d : h.shape) {
    if (d && count > kMaxElements / d) throw std::invalid_argument("more than 2^32 elements");
    count *= d;
  }
  // descr: '<' or '|' (no byte order for one byte), then i/u/f and the width.
  const std::string& d = h.descr;
  const bool known = d.size() == 3 && (d[0] == '<' || d[0] == '|' || d[0] == '=') && (d[1] == 'i' || d[1] == 'u' || d[1] == 'f') &&
                     (d[2] == '1' || d[2] == '2' || d[2] == '4' || d[2] == '8') && !(d[1] == 'f' && d[2] != '4' && d[2] != '8') &&
                     !(d[0] == '|' && d[2] != '1');
  if (!known)
    throw std::invalid_argument("element type '" + d + "': expected little-endian integers ('<i8', '<i4', '|u1', ...) or floats ('<f4', '<f8')");
  const size_t width = static_cast<size_t>(d[2] - '0');
  if (bytes.size() - at != count * width)
    throw std::invalid_argument("data holds " + std::to_string(bytes.size() - at) + " bytes, shape " + shape_tuple(h.shape) + " of '" + d + "' needs " +
                                std::to_string(count * width));
  ops::Tensor t;
  t.shape = h.shape;
  t.is_float = d[1] == 'f';
  const char* p = bytes.data() + at;
  if (t.is_float) {
    t.floats.resize(count);
    for (uint64_t i = 0; i < count; ++i) t.floats[i] = width == 4 ? load<float>(p + 4 * i) : load<double>(p + 8 * i);
    return t;
  }
  t.ints.resize(count);
  const bool is_signed = d[1] == 'i';
  for (uint64_t i = 0; i < count; ++i) {
    const char* e = p + width * i;
    int64_t v = 0;
    switch (width) {
      case 1: v = is_signed ? load<int8_t>(e) : load<uint8_t>(e); break;
      case 2: v = is_signed ? load<int16_t>(e) : load<uint16_t>(e); break;
      case 4: v = is_signed ? load<int32_t>(e) : load<uint32_t>(e); break;
      default: {
        const uint64_t u = load<uint64_t>(e);
        if (!is_signed && u > static_cast<uint64_t>(INT64_MAX)) throw std::invalid_argument("element " + std::to_string(i) + " above 2^63 - 1");
        v = static_cast<int64_t>(u);
      }
    }
    t.ints[i] = v;
  }
  return t;
}

}  // namespace lpc::cli
