// lpconform reference — the exact rational algorithms of AdaComp (spec/codecs.md §1.3: §1.2's steps
// with every float32 operation replaced by the exact one) and of EF-SignSGD (§1.7), on rational
// inputs. It includes Boost.Multiprecision: only tests and reference/*.cpp include this header (DESIGN.md keeps heavy
// headers out of widely included ones; reference/codecs/adacomp.hpp stays Boost-free).
#pragma once

#include <cstdint>
#include <vector>

#include <boost/multiprecision/cpp_int.hpp>

namespace lpc::ref {

struct AdacompExactStep {
  std::vector<boost::multiprecision::cpp_rational> update;        // Gq = ±scale where selected, else 0
  std::vector<boost::multiprecision::cpp_rational> next_residue;  // R' = R + ΔW − Gq
  boost::multiprecision::cpp_rational scale;                      // (Σ_b gmax_b) / nb
  std::vector<uint64_t> selected;                                 // increasing
};

// Preconditions: residue.size() == gradient.size() >= 1, bin >= 1.
AdacompExactStep adacomp_step_exact(uint32_t bin, const std::vector<boost::multiprecision::cpp_rational>& residue,
                                    const std::vector<boost::multiprecision::cpp_rational>& gradient);

struct EfSignExactStep {
  std::vector<boost::multiprecision::cpp_rational> update;        // Δ = ±scale (the sign of p; + for p = 0)
  std::vector<boost::multiprecision::cpp_rational> next_residue;  // R' = R + g − Δ
  boost::multiprecision::cpp_rational scale;                      // Σ|p| / n
};

// spec/codecs.md §1.7 in exact arithmetic. Preconditions: residue.size() == gradient.size() >= 1.
EfSignExactStep ef_signsgd_step_exact(const std::vector<boost::multiprecision::cpp_rational>& residue,
                                      const std::vector<boost::multiprecision::cpp_rational>& gradient);

}  // namespace lpc::ref
