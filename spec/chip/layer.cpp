// lpconform — parsers for the chip model's layer, array and dataflow spellings (spec/chip/layer.hpp).
#include "spec/chip/layer.hpp"

#include <charconv>
#include <limits>
#include <stdexcept>
#include <vector>

namespace lpc::chip {

namespace {

// `text` split at every `separator`; empty pieces are kept so that "1,,2" reports the empty field.
std::vector<std::string_view> split(std::string_view text, char separator) {
  std::vector<std::string_view> pieces;
  size_t start = 0;
  for (size_t end; (end = text.find(separator, start)) != std::string_view::npos; start = end + 1)
    pieces.push_back(text.substr(start, end - start));
  pieces.push_back(text.substr(start));
  return pieces;
}

// A positive decimal integer no larger than `max`: digits only (no sign, no spaces).
uint64_t positive_field(std::string_view whole, std::string_view field_name, std::string_view digits, uint64_t max) {
  uint64_t value = 0;
  const auto [end, error] = std::from_chars(digits.data(), digits.data() + digits.size(), value);
  const bool all_digits = !digits.empty() && digits.find_first_not_of("0123456789") == std::string_view::npos;
  if (!all_digits || error != std::errc() || end != digits.data() + digits.size() || value == 0 || value > max)
    throw std::invalid_argument("'" + std::string(whole) + "': " + std::string(field_name) + " is '" + std::string(digits) +
                                "', expected an integer in [1, " + std::to_string(max) + "]");
  return value;
}

constexpr uint64_t kMax32 = std::numeric_limits<uint32_t>::max();

}  // namespace

std::optional<std::string> shape_error(const ConvShape& c) {
  if (c.ifmap_h == 0 || c.ifmap_w == 0) return "the input height and width must be at least 1";
  if (c.filter_h == 0 || c.filter_w == 0) return "the filter height and width must be at least 1";
  if (c.channels == 0 || c.filters == 0) return "the channels C and filters M must be at least 1";
  if (c.stride == 0) return "stride must be at least 1";
  if (c.dilation_h == 0 || c.dilation_w == 0) return "dilation must be at least 1";
  if (c.groups == 0) return "groups must be at least 1";
  if (c.channels % c.groups != 0)
    return "groups = " + std::to_string(c.groups) + " must divide the input channels C = " + std::to_string(c.channels);
  if (c.filters % c.groups != 0)
    return "groups = " + std::to_string(c.groups) + " must divide the filters M = " + std::to_string(c.filters);
  if (c.window_h() > c.padded_h())
    return "the dilated filter height dilation_h*(R-1)+1 = " + std::to_string(c.window_h()) +
           " exceeds the padded input height H+pad_top+pad_bottom = " + std::to_string(c.padded_h());
  if (c.window_w() > c.padded_w())
    return "the dilated filter width dilation_w*(S-1)+1 = " + std::to_string(c.window_w()) +
           " exceeds the padded input width W+pad_left+pad_right = " + std::to_string(c.padded_w());
  return std::nullopt;
}

Layer conv_layer(const ConvShape& conv) {
  if (const auto error = shape_error(conv)) throw std::invalid_argument("convolution: " + *error);
  Layer layer;
  layer.conv = conv;
  layer.gemm = {uint64_t{conv.ofmap_h()} * conv.ofmap_w(), conv.filters, uint64_t{conv.filter_h} * conv.filter_w * conv.group_channels()};
  return layer;
}

Layer parse_conv_layer(std::string_view text) {
  constexpr std::string_view prefix = "conv:";
  constexpr std::string_view expected = "expected conv:H,W,R,S,C,M,STRIDE (e.g. conv:224,224,11,11,3,96,4)";
  if (!text.starts_with(prefix)) throw std::invalid_argument("'" + std::string(text) + "': " + std::string(expected));
  const std::vector<std::string_view> fields = split(text.substr(prefix.size()), ',');
  if (fields.size() != 7)
    throw std::invalid_argument("'" + std::string(text) + "': " + std::to_string(fields.size()) + " fields, " + std::string(expected));
  static constexpr std::string_view names[7] = {"H (ifmap height)", "W (ifmap width)", "R (filter height)", "S (filter width)",
                                                "C (channels)", "M (filters)", "STRIDE"};
  uint32_t v[7];
  for (int i = 0; i < 7; ++i) v[i] = static_cast<uint32_t>(positive_field(text, names[i], fields[i], kMax32));
  ConvShape conv{.ifmap_h = v[0], .ifmap_w = v[1], .filter_h = v[2], .filter_w = v[3], .channels = v[4], .filters = v[5], .stride = v[6]};
  if (conv.filter_h > conv.ifmap_h)
    throw std::invalid_argument("'" + std::string(text) + "': filter height R = " + std::to_string(conv.filter_h) +
                                " exceeds ifmap height H = " + std::to_string(conv.ifmap_h) + " (no padding)");
  if (conv.filter_w > conv.ifmap_w)
    throw std::invalid_argument("'" + std::string(text) + "': filter width S = " + std::to_string(conv.filter_w) +
                                " exceeds ifmap width W = " + std::to_string(conv.ifmap_w) + " (no padding)");
  Layer layer;
  layer.conv = conv;
  // im2col (layer.hpp): M = ofmap pixels, N = filters, K = R*S*C. Each factor is below 2^32, so the
  // products of two fit in 64 bits; R*S*C is a product of three and is checked.
  layer.gemm.m = uint64_t{conv.ofmap_h()} * conv.ofmap_w();
  layer.gemm.n = conv.filters;
  const uint64_t window = uint64_t{conv.filter_h} * conv.filter_w;
  if (window > std::numeric_limits<uint64_t>::max() / conv.channels)
    throw std::invalid_argument("'" + std::string(text) + "': R*S*C overflows 64 bits");
  layer.gemm.k = window * conv.channels;
  return layer;
}

Layer parse_gemm_layer(std::string_view text) {
  const std::vector<std::string_view> fields = split(text, ',');
  if (fields.size() != 3)
    throw std::invalid_argument("'" + std::string(text) + "': " + std::to_string(fields.size()) +
                                " fields, expected M,N,K (C[MxN] = A[MxK] * B[KxN], e.g. 64,147,256)");
  constexpr uint64_t max = std::numeric_limits<uint64_t>::max();
  Layer layer;
  layer.gemm = {.m = positive_field(text, "M", fields[0], max), .n = positive_field(text, "N", fields[1], max),
                .k = positive_field(text, "K", fields[2], max)};
  return layer;
}

ArrayShape parse_array_shape(std::string_view text) {
  const std::vector<std::string_view> fields = split(text, 'x');
  if (fields.size() != 2) throw std::invalid_argument("'" + std::string(text) + "': expected ROWSxCOLS, e.g. 32x32");
  return {.rows = static_cast<uint32_t>(positive_field(text, "ROWS", fields[0], kMax32)),
          .cols = static_cast<uint32_t>(positive_field(text, "COLS", fields[1], kMax32))};
}

Dataflow parse_dataflow(std::string_view text) {
  if (text == "ws") return Dataflow::WeightStationary;
  if (text == "os") return Dataflow::OutputStationary;
  if (text == "is") return Dataflow::InputStationary;
  throw std::invalid_argument("'" + std::string(text) + "': unknown dataflow, expected ws, os or is");
}

std::string_view dataflow_name(Dataflow dataflow) {
  switch (dataflow) {
    case Dataflow::WeightStationary: return "ws";
    case Dataflow::OutputStationary: return "os";
    case Dataflow::InputStationary: return "is";
  }
  return "?";
}

}  // namespace lpc::chip
