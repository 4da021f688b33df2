// lpconform reference — N:M fine-grained sparsity (nm_sparse.hpp), clause by clause from
// spec/sparsity.md.
#include "reference/sparsity/nm_sparse.hpp"

#include <algorithm>
#include <sstream>

#include <boost/multiprecision/cpp_int.hpp>

namespace lpc::ref {

namespace {

using boost::multiprecision::cpp_int;

// Every strictly increasing N-tuple of [0, M), in lexicographic order (recursive enumeration).
void enumerate(uint32_t m, uint32_t n, uint32_t from, std::vector<uint32_t>& prefix, std::vector<std::vector<uint32_t>>& out) {
  if (prefix.size() == n) {
    out.push_back(prefix);
    return;
  }
  for (uint32_t t = from; t < m; ++t) {
    prefix.push_back(t);
    enumerate(m, n, t + 1, prefix, out);
    prefix.pop_back();
  }
}

// §2.2: field = Σ_j idx_j · 2^(j·b), by arithmetic.
uint64_t field_of(NmPattern p, const std::vector<uint32_t>& indices) {
  cpp_int f = 0, weight = 1;
  const cpp_int step = cpp_int(1) << nm_index_bits(p);
  for (uint32_t t : indices) {
    f += weight * t;
    weight *= step;
  }
  return static_cast<uint64_t>(f);
}

std::string hex(uint64_t v) {
  std::ostringstream s;
  s << "0x" << std::hex << v;
  return s.str();
}

std::string columns(NmPattern p, size_t g) { return "columns " + std::to_string(g * p.m) + ".." + std::to_string(g * p.m + p.m - 1); }

std::optional<std::string> shape_error(NmPattern p, size_t rows, size_t k, size_t size, const char* tensor) {
  if (auto e = nm_shape_error(p, k)) return *e;
  if (size != rows * k) return std::string(tensor) + " holds " + std::to_string(size) + " elements, rows·K = " + std::to_string(rows * k);
  return std::nullopt;
}

}  // namespace

std::vector<NmField> nm_valid_fields(NmPattern p) {
  std::vector<std::vector<uint32_t>> sets;
  std::vector<uint32_t> prefix;
  enumerate(p.m, p.n, 0, prefix, sets);
  std::vector<NmField> out;
  for (auto& s : sets) out.push_back({field_of(p, s), std::move(s)});
  return out;
}

std::optional<std::string> nm_conformance_error(NmPattern p, size_t rows, size_t k, std::span<const int64_t> a) {
  if (auto e = shape_error(p, rows, k, a.size(), "A")) return e;
  for (size_t i = 0; i < rows; ++i)
    for (size_t g = 0; g < k / p.m; ++g) {
      size_t count = 0;
      for (size_t t = 0; t < p.m; ++t) count += a[i * k + g * p.m + t] != 0;
      if (count > p.n)
        return "row " + std::to_string(i) + ", group " + std::to_string(g) + " (" + columns(p, g) + ") holds " + std::to_string(count) +
               " nonzeros, more than N = " + std::to_string(p.n) + " of " + nm_name(p);
    }
  return std::nullopt;
}

NmCompressed nm_compress(NmPattern p, size_t rows, size_t k, std::span<const int64_t> a) {
  NmCompressed out;
  if (auto e = nm_conformance_error(p, rows, k, a)) {
    out.error = *e;
    return out;
  }
  const std::vector<NmField> fields = nm_valid_fields(p);
  const NmLayout layout{p, rows, k};
  const uint32_t w = nm_field_bits(p);
  for (size_t i = 0; i < rows; ++i) {
    cpp_int stream = 0;
    for (size_t g = 0; g < layout.groups_per_row(); ++g) {
      const int64_t* group = a.data() + i * k + g * p.m;
      // §2.4: the lexicographically first index set holding every nonzero position (it is the
      // nonzeros filled up with the lowest free positions, spec/sparsity.md §2.4).
      const NmField* chosen = nullptr;
      for (const NmField& f : fields) {
        bool holds = true;
        for (uint32_t t = 0; t < p.m; ++t)
          if (group[t] != 0 && std::find(f.indices.begin(), f.indices.end(), t) == f.indices.end()) holds = false;
        if (holds) {
          chosen = &f;
          break;
        }
      }
      for (uint32_t t : chosen->indices) out.values.push_back(group[t]);
      stream += cpp_int(chosen->field) << (g * w);  // §2.3: field g at stream bits [g·w, g·w+w)
    }
    for (size_t word = 0; word < layout.meta_words_per_row(); ++word)
      out.meta.push_back(static_cast<uint32_t>((stream >> (32 * word)) & 0xffffffffu));
  }
  out.ok = true;
  return out;
}

std::optional<std::string> nm_metadata_error(NmPattern p, size_t rows, size_t k, std::span<const int64_t> values, std::span<const int64_t> meta) {
  if (auto e = nm_shape_error(p, k)) return e;
  const NmLayout layout{p, rows, k};
  if (values.size() != layout.values())
    return "values holds " + std::to_string(values.size()) + " elements, " + nm_name(p) + " of " + std::to_string(rows) + " x " + std::to_string(k) +
           " needs " + std::to_string(layout.values());
  if (meta.size() != layout.meta_words())
    return "meta holds " + std::to_string(meta.size()) + " words, " + nm_name(p) + " of " + std::to_string(rows) + " x " + std::to_string(k) +
           " needs " + std::to_string(layout.meta_words());
  for (size_t j = 0; j < meta.size(); ++j)
    if (meta[j] < 0 || meta[j] > 0xffffffffLL) return "meta word " + std::to_string(j) + " = " + std::to_string(meta[j]) + " is outside 0 .. 2^32 - 1";
  const std::vector<NmField> fields = nm_valid_fields(p);
  const uint32_t w = nm_field_bits(p), b = nm_index_bits(p);
  const size_t per_row = layout.meta_words_per_row(), groups = layout.groups_per_row();
  for (size_t i = 0; i < rows; ++i) {
    cpp_int stream = 0;
    for (size_t word = 0; word < per_row; ++word) stream += cpp_int(meta[i * per_row + word]) << (32 * word);
    const cpp_int limit = cpp_int(1) << (groups * w);
    if (stream >= limit) {
      size_t bit = groups * w;
      while ((stream >> bit) % 2 == 0) ++bit;
      return "meta word " + std::to_string(i * per_row + bit / 32) + " (row " + std::to_string(i) + "), bit " + std::to_string(bit % 32) +
             ": set after the row's last field (bits from " + std::to_string(groups * w % 32) + " of its last word must be zero)";
    }
    for (size_t g = 0; g < groups; ++g) {
      const uint64_t field = static_cast<uint64_t>((stream >> (g * w)) % (cpp_int(1) << w));
      if (std::any_of(fields.begin(), fields.end(), [&](const NmField& f) { return f.field == field; })) continue;
      const size_t bit = g * w, word = i * per_row + bit / 32;
      std::string indices;
      for (uint32_t t = 0; t < p.n; ++t) indices += (t ? ", " : "") + std::to_string((field >> (t * b)) % (uint64_t{1} << b));
      return "meta word " + std::to_string(word) + " (row " + std::to_string(i) + ", group " + std::to_string(g) + "), bits " + std::to_string(bit % 32) +
             ".." + std::to_string(bit % 32 + w - 1) + ": field " + hex(field) + " is not a valid " + nm_name(p) + " field (indices " + indices +
             "; they must increase and be below " + std::to_string(p.m) + ")";
    }
  }
  return std::nullopt;
}

NmMatrix nm_decompress(NmPattern p, size_t rows, size_t k, std::span<const int64_t> values, std::span<const int64_t> meta) {
  NmMatrix out;
  if (auto e = nm_metadata_error(p, rows, k, values, meta)) {
    out.error = *e;
    return out;
  }
  const std::vector<NmField> fields = nm_valid_fields(p);
  const NmLayout layout{p, rows, k};
  const uint32_t w = nm_field_bits(p);
  const size_t per_row = layout.meta_words_per_row();
  out.a.assign(rows * k, 0);
  size_t v = 0;
  for (size_t i = 0; i < rows; ++i) {
    cpp_int stream = 0;
    for (size_t word = 0; word < per_row; ++word) stream += cpp_int(meta[i * per_row + word]) << (32 * word);
    for (size_t g = 0; g < layout.groups_per_row(); ++g) {
      const uint64_t field = static_cast<uint64_t>((stream >> (g * w)) % (cpp_int(1) << w));
      const auto f = std::find_if(fields.begin(), fields.end(), [&](const NmField& x) { return x.field == field; });
      for (uint32_t t : f->indices) out.a[i * k + g * p.m + t] = values[v++];
    }
  }
  out.ok = true;
  return out;
}

std::vector<int64_t> nm_prune(NmPattern p, size_t rows, size_t k, std::span<const int64_t> a) {
  std::vector<int64_t> out(a.size(), 0);
  for (size_t i = 0; i < rows; ++i)
    for (size_t g = 0; g < k / p.m; ++g) {
      const size_t base = i * k + g * p.m;
      std::vector<uint32_t> order(p.m);
      for (uint32_t t = 0; t < p.m; ++t) order[t] = t;
      // §4: by |a| descending (exact: cpp_int holds |-2^63|), ties by the lower index first.
      std::stable_sort(order.begin(), order.end(), [&](uint32_t x, uint32_t y) { return abs(cpp_int(a[base + x])) > abs(cpp_int(a[base + y])); });
      for (uint32_t j = 0; j < p.n; ++j) out[base + order[j]] = a[base + order[j]];
    }
  return out;
}

NmDecomposition nm_decompose(NmPattern p, size_t rows, size_t k, std::span<const int64_t> w) {
  NmDecomposition out;
  out.parts.assign(nm_max_parts(p), std::vector<int64_t>(w.size(), 0));
  for (size_t i = 0; i < rows; ++i)
    for (size_t g = 0; g < k / p.m; ++g) {
      const size_t base = i * k + g * p.m;
      uint32_t nonzeros = 0;
      for (uint32_t t = 0; t < p.m; ++t) nonzeros += w[base + t] != 0;
      out.r = std::max(out.r, (nonzeros + p.n - 1) / p.n);  // §5.1: r = max_g ceil(nnz_g / N)
      // §5.1: the nonzero of rank q (q nonzeros before it in its group) goes to S_{q / N}.
      for (uint32_t t = 0; t < p.m; ++t) {
        if (w[base + t] == 0) continue;
        uint32_t rank = 0;
        for (uint32_t s = 0; s < t; ++s) rank += w[base + s] != 0;
        out.parts[rank / p.n][base + t] = w[base + t];
      }
    }
  return out;
}

std::vector<int64_t> matmul_wrap32(size_t rows, size_t k, size_t cols, std::span<const int64_t> w, std::span<const int64_t> x) {
  std::vector<int64_t> y(rows * cols);
  const cpp_int modulus = cpp_int(1) << 32, half = cpp_int(1) << 31;
  for (size_t i = 0; i < rows; ++i)
    for (size_t c = 0; c < cols; ++c) {
      cpp_int sum = 0;
      for (size_t t = 0; t < k; ++t) sum += cpp_int(w[i * k + t]) * x[t * cols + c];
      cpp_int wrapped = sum % modulus;  // cpp_int's % truncates: bring it into [0, 2^32), then to [-2^31, 2^31)
      if (wrapped < 0) wrapped += modulus;
      if (wrapped >= half) wrapped -= modulus;
      y[i * cols + c] = static_cast<int64_t>(wrapped);
    }
  return y;
}

}  // namespace lpc::ref
