// lpconform — the values an op of the registry exchanges with implementations: named, typed
// parameters and named, typed tensors (conformance/ops/op.hpp declares which an op takes).
// Nothing is packed by position: an output is found by its name in the op's schema.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

namespace lpc::ops {

struct OpSchema;

// One parameter value: an integer, a real (float32 parameters are held exactly as doubles), or a
// text (a choice's name, a format's name, a file path).
using Value = std::variant<int64_t, double, std::string>;

// The canonical text of a value, as profiles, Case JSON and repro flags write it: integers in
// decimal, reals as the shortest decimal that reads back to the same double, text as it is.
std::string value_text(const Value& value);

// Parameters by name, in the order of the op's schema. Lookups of a missing name throw
// std::out_of_range naming it (a schema and its op module disagree: a bug, not bad input).
class Params {
 public:
  void set(std::string name, Value value);
  const Value* find(std::string_view name) const;
  const Value& at(std::string_view name) const;
  int64_t integer(std::string_view name) const;
  double real(std::string_view name) const;
  const std::string& text(std::string_view name) const;
  const std::vector<std::pair<std::string, Value>>& entries() const { return entries_; }
  bool operator==(const Params&) const = default;

 private:
  std::vector<std::pair<std::string, Value>> entries_;
};

// A dense row-major tensor of integers (codes, int32/int64 values) or of float64 values (every
// float32 and every value of the suite's formats is exactly a double; NaN stands for any NaN).
struct Tensor {
  bool is_float = false;
  std::vector<uint64_t> shape;  // empty: a scalar
  std::vector<int64_t> ints;    // !is_float
  std::vector<double> floats;   // is_float

  size_t size() const { return is_float ? floats.size() : ints.size(); }
  static Tensor integers(std::vector<uint64_t> shape, std::vector<int64_t> values) { return {false, std::move(shape), std::move(values), {}}; }
  static Tensor reals(std::vector<uint64_t> shape, std::vector<double> values) { return {true, std::move(shape), {}, std::move(values)}; }
  // A list (shape {n}) of its values.
  static Tensor integer_list(std::vector<int64_t> values) {
    const uint64_t n = values.size();
    return integers({n}, std::move(values));
  }
  static Tensor real_list(std::vector<double> values) {
    const uint64_t n = values.size();
    return reals({n}, std::move(values));
  }
  bool operator==(const Tensor&) const = default;
};

// A shape as text: "2x3", "scalar" for none.
std::string shape_text(const std::vector<uint64_t>& shape);
// Element i of a tensor as text: an integer in decimal, a real as its exact decimal ("nan",
// "inf", "-inf", "-0" kept).
std::string element_text(const Tensor& t, size_t i);
// Element i of x and element j of y are the same value: integers equal; reals with the same bits,
// or both NaN (NaN as a class; the sign of zero counts).
bool same_element(const Tensor& x, size_t i, const Tensor& y, size_t j);

// One concrete call of an op: the op, every parameter (item and case scope), and the input
// tensors in the order of the op's schema.
struct OpCase {
  const OpSchema* op = nullptr;
  Params params;
  std::vector<Tensor> inputs;
};

}  // namespace lpc::ops
