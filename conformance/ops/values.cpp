#include "conformance/ops/values.hpp"

#include <bit>
#include <charconv>
#include <cmath>
#include <stdexcept>

#include "conformance/formats/checks.hpp"  // exact_decimal

namespace lpc::ops {

std::string value_text(const Value& value) {
  if (const auto* i = std::get_if<int64_t>(&value)) return std::to_string(*i);
  if (const auto* d = std::get_if<double>(&value)) {
    char buffer[40];
    const auto end = std::to_chars(buffer, buffer + sizeof buffer, *d).ptr;
    return std::string(buffer, end);
  }
  return std::get<std::string>(value);
}

void Params::set(std::string name, Value value) {
  for (auto& [n, v] : entries_)
    if (n == name) {
      v = std::move(value);
      return;
    }
  entries_.emplace_back(std::move(name), std::move(value));
}

const Value* Params::find(std::string_view name) const {
  for (const auto& [n, v] : entries_)
    if (n == name) return &v;
  return nullptr;
}

const Value& Params::at(std::string_view name) const {
  if (const Value* v = find(name)) return *v;
  throw std::out_of_range("op parameter '" + std::string(name) + "' is not set");
}

int64_t Params::integer(std::string_view name) const { return std::get<int64_t>(at(name)); }
double Params::real(std::string_view name) const { return std::get<double>(at(name)); }
const std::string& Params::text(std::string_view name) const { return std::get<std::string>(at(name)); }

std::string shape_text(const std::vector<uint64_t>& shape) {
  std::string s;
  for (uint64_t n : shape) s += (s.empty() ? "" : "x") + std::to_string(n);
  return s.empty() ? "scalar" : s;
}

std::string element_text(const Tensor& t, size_t i) { return t.is_float ? exact_decimal(t.floats[i]) : std::to_string(t.ints[i]); }

bool same_element(const Tensor& x, size_t i, const Tensor& y, size_t j) {
  if (x.is_float != y.is_float) return false;
  if (!x.is_float) return x.ints[i] == y.ints[j];
  const double a = x.floats[i], b = y.floats[j];
  return (std::isnan(a) && std::isnan(b)) || std::bit_cast<uint64_t>(a) == std::bit_cast<uint64_t>(b);
}

}  // namespace lpc::ops
