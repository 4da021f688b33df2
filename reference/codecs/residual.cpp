// lpconform reference — residual.hpp, from spec/codecs.md §1.2 step 1 and IEEE 754 §6.3 (the sign
// of an exact zero sum).
#include "reference/codecs/residual.hpp"

#include <cmath>

#include "reference/common/exact_math.hpp"

namespace lpc::ref {

std::optional<std::string> residual_sum(std::span<const float> r, std::span<const float> d, std::vector<float>& g) {
  for (size_t i = 0; i < r.size(); ++i)
    if (!std::isfinite(r[i])) return "residue element " + std::to_string(i) + " is not finite";
  for (size_t i = 0; i < d.size(); ++i)
    if (!std::isfinite(d[i])) return "gradient element " + std::to_string(i) + " is not finite";
  g.resize(r.size());
  for (size_t i = 0; i < r.size(); ++i) {
    const float sum = exact_math::to_float32(exact_math::exact(r[i]) + exact_math::exact(d[i]));
    if (std::isinf(sum)) return "element " + std::to_string(i) + ": residue + gradient overflows float32";
    const bool both_negative_zero = r[i] == 0 && d[i] == 0 && std::signbit(r[i]) && std::signbit(d[i]);
    g[i] = both_negative_zero ? -0.0f : sum;
  }
  return std::nullopt;
}

}  // namespace lpc::ref
