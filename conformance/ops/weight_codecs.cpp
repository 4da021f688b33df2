// The ops wc-encode and wc-decode: the compressed weight block of spec/weight_codecs.md. wc-encode
// takes a rows × cols matrix of w-bit codes and gives the block's bytes; wc-decode takes a block's
// bytes (untrusted) and gives the dense matrix and the byte offset of the first error (-1 for a
// valid block, the matrix then empty), both checked exactly. The codec and its parameters are item
// parameters of both: wc-encode codes with them, wc-decode's case generator builds its blocks with
// them (a block's header decides how it is decoded). One module for both: they share the
// parameters and the matrices of the case generator.
#include <algorithm>
#include <numeric>
#include <random>
#include <set>

#include "conformance/core/case.hpp"
#include "conformance/ops/derive.hpp"
#include "impls/chip/weights/weights.hpp"
#include "impls/fast/weight_codecs/weight_codecs.hpp"
#include "reference/weight_codecs/weight_codecs.hpp"
#include "spec/weight_codecs/params.hpp"

namespace lpc::ops {

namespace {

constexpr const char* kClause = "spec/weight_codecs.md";
const std::vector<std::string> kCodecs = {"zvc", "zrle", "huffman", "dict"};

WcCodec codec_of(const Params& p) { return static_cast<WcCodec>(1 + (std::find(kCodecs.begin(), kCodecs.end(), p.text("codec")) - kCodecs.begin())); }

// The codec's own parameter (§3.1 byte 7).
uint32_t codec_param(const Params& p) {
  switch (codec_of(p)) {
    case WcCodec::Zvc: return static_cast<uint32_t>(p.integer("block"));
    case WcCodec::Zrle: return static_cast<uint32_t>(p.integer("run_bits"));
    case WcCodec::Huffman: return static_cast<uint32_t>(p.integer("max_length"));
    case WcCodec::Dict: return static_cast<uint32_t>(p.integer("index_bits"));
  }
  return 0;
}

// wc-encode's parameters for a matrix of n codes: cols 0 stands for n / rows.
WcParams params_of(const Params& p, size_t n) {
  WcParams w{codec_of(p), static_cast<uint32_t>(p.integer("width")), codec_param(p), 1, 1, 1};
  if (const Value* rows = p.find("rows")) {
    w.rows = static_cast<uint32_t>(std::get<int64_t>(*rows));
    const int64_t cols = p.integer("cols");
    w.cols = static_cast<uint32_t>(cols ? cols : w.rows ? n / w.rows : 0);
    w.banks = static_cast<uint32_t>(p.integer("banks"));
  }
  return w;
}

std::vector<ParamSpec> item_params() {
  ParamSpec codec{"codec", ParamType::Choice, ParamScope::Item, "zvc, zrle, huffman or dict", "spec/weight_codecs.md §2", "zvc"};
  codec.choices = [] { return kCodecs; };
  codec.signature_join = "-";
  ParamSpec width{"width", ParamType::Int, ParamScope::Item, "w, the bits of a code (0 .. 2^w - 1; the code 0 is zero)", "spec/weight_codecs.md §3.1", "8"};
  width.min = 1;
  width.max = 16;
  width.signature_join = "-w";
  auto codec_param_spec = [](const char* name, const char* doc, const char* clause, const char* def, int64_t max, const char* join) {
    ParamSpec s{name, ParamType::Int, ParamScope::Item, doc, clause, def};
    s.min = 1;
    s.max = max;
    s.signature_join = join;
    s.omit_default = true;
    return s;
  };
  return {codec,
          width,
          codec_param_spec("block", "ZVC: B, the codes per mask (used with codec zvc)", "spec/weight_codecs.md §2.1", "32", 64, "-B"),
          codec_param_spec("run_bits", "ZRLE: r, the bits of a run (used with codec zrle)", "spec/weight_codecs.md §2.2", "4", 16, "-r"),
          codec_param_spec("max_length", "Huffman: L, the longest code (used with codec huffman)", "spec/weight_codecs.md §2.5", "12", 15, "-L"),
          codec_param_spec("index_bits", "dictionary: k, the bits of an index (used with codec dict)", "spec/weight_codecs.md §2.4", "8", 16, "-k")};
}

// ---------------------------------------------------------------------------------------------
// Matrices of the case generator.

struct Matrix {
  uint32_t rows, cols, banks;
  std::vector<uint16_t> codes;
};

// The most distinct codes a matrix may hold under the item's codec (§2.4, §2.5), capped.
uint32_t distinct_limit(const WcParams& p, uint32_t cap) {
  uint64_t d = uint64_t{1} << p.width;
  if (p.codec == WcCodec::Dict || p.codec == WcCodec::Huffman) d = std::min(d, uint64_t{1} << p.param);
  return static_cast<uint32_t>(std::min<uint64_t>(d, cap));
}

// Codes from a palette of `size` codes (0 first when zeros are wanted), `density` of them non-zero.
std::vector<uint16_t> palette_codes(std::mt19937_64& rng, const WcParams& p, size_t n, double density, uint32_t distinct) {
  const uint32_t top = (1u << p.width) - 1;
  std::vector<uint16_t> palette;
  std::set<uint16_t> seen;
  const uint32_t nonzero = std::max<uint32_t>(1, std::min(distinct - (density < 1 ? 1 : 0), top));
  while (palette.size() < nonzero) {
    const uint16_t c = static_cast<uint16_t>(1 + rng() % top);
    if (seen.insert(c).second) palette.push_back(c);
  }
  std::vector<uint16_t> codes(n, 0);
  std::uniform_real_distribution<double> u(0, 1);
  std::geometric_distribution<size_t> pick(0.3);  // skewed: the first codes of the palette most often
  for (uint16_t& c : codes)
    if (u(rng) < density) c = palette[std::min(pick(rng), palette.size() - 1)];
  return codes;
}

// Boundary matrices (spec/weight_codecs.md §5 and the research file's checks): a single zero and
// a single largest code; all zeros and all non-zero; alternating; zero runs of 2^r - 1, 2^r,
// 2^r + 1 and 2·2^r (r the item's, or 4); lengths B + 1 and 2B - 1 (not multiples of B); a single
// non-zero at the end; uneven banks (rows 5 over 3 banks, one row per bank); every code of the
// palette the codec allows; Huffman frequencies 2^i, which push codes past the length limit.
std::vector<Matrix> boundary_matrices(const WcParams& p, std::mt19937_64& rng) {
  const uint16_t top = static_cast<uint16_t>((1u << p.width) - 1);
  const uint32_t limit = distinct_limit(p, 4096);  // >= 2
  const uint16_t high = limit >= 3 ? top : 1;       // beside 0 and 1 only when a third code fits
  std::vector<Matrix> out = {{1, 1, 1, {0}}, {1, 1, 1, {top}}, {4, 16, 1, std::vector<uint16_t>(64, 0)}, {4, 16, 3, std::vector<uint16_t>(64, top)}};
  Matrix alternating{3, 17, 2, std::vector<uint16_t>(51, 0)};
  for (size_t i = 1; i < 51; i += 2) alternating.codes[i] = static_cast<uint16_t>(1 + (i / 2) % std::min<uint32_t>(top, limit - 1));
  out.push_back(alternating);
  const uint32_t r = p.codec == WcCodec::Zrle ? p.param : 4;
  if (r <= 12)
    for (uint64_t run : {(uint64_t{1} << r) - 1, uint64_t{1} << r, (uint64_t{1} << r) + 1, uint64_t{2} << r}) {
      Matrix m{1, static_cast<uint32_t>(2 * run + 3), 1, std::vector<uint16_t>(2 * run + 3, 0)};
      m.codes[run] = 1;            // run zeros, then 1
      m.codes[2 * run + 1] = high;  // run zeros, then the largest code, then one zero
      out.push_back(m);
    }
  const uint32_t block = p.codec == WcCodec::Zvc ? p.param : 32;
  for (uint32_t n : {block + 1, 2 * block - 1})
    if (n > 0) out.push_back({1, n, 1, palette_codes(rng, p, n, 0.5, distinct_limit(p, 16))});
  Matrix last{2, 40, 2, std::vector<uint16_t>(80, 0)};
  last.codes.back() = top;
  out.push_back(last);
  out.push_back({5, 7, 3, palette_codes(rng, p, 35, 0.6, distinct_limit(p, 8))});
  out.push_back({6, 5, 6, palette_codes(rng, p, 30, 0.4, distinct_limit(p, 8))});
  // Every code the codec allows (capped at 4096): the dictionary full, the Huffman alphabet at 2^L.
  Matrix full{1, limit, 1, std::vector<uint16_t>(limit)};
  const uint32_t first = limit == (1u << p.width) ? 0 : 1;  // codes 1..limit when fewer than all codes fit
  for (uint32_t i = 0; i < limit; ++i) full.codes[i] = static_cast<uint16_t>(first + i);
  std::shuffle(full.codes.begin(), full.codes.end(), rng);
  out.push_back(full);
  // Frequencies 1, 2, 4, ..., 2^10, 2^10, ...: code lengths the limit L cuts short.
  const uint32_t symbols = distinct_limit(p, 24);
  std::vector<uint16_t> skewed;
  for (uint32_t i = 0; i < symbols; ++i) skewed.insert(skewed.end(), size_t{1} << std::min(i, 10u), static_cast<uint16_t>(i));
  std::shuffle(skewed.begin(), skewed.end(), rng);
  out.push_back({1, static_cast<uint32_t>(skewed.size()), 1, skewed});
  return out;
}

// random:N: N matrices of seeded shapes (rows 1..8, cols 1..200, banks 1..rows), densities 0,
// 0.05, 0.3, 0.7 or 1 and palettes of up to 200 codes the codec allows.
std::vector<Matrix> random_matrices(const WcParams& p, std::mt19937_64& rng, uint32_t count) {
  std::vector<Matrix> out;
  const double densities[] = {0, 0.05, 0.3, 0.7, 1};
  for (uint32_t k = 0; k < count; ++k) {
    const uint32_t rows = 1 + static_cast<uint32_t>(rng() % 8), cols = 1 + static_cast<uint32_t>(rng() % 200), banks = 1 + static_cast<uint32_t>(rng() % rows);
    const uint32_t distinct = 1 + static_cast<uint32_t>(rng() % distinct_limit(p, 200));
    out.push_back({rows, cols, banks, palette_codes(rng, p, size_t{rows} * cols, densities[rng() % 5], std::max<uint32_t>(distinct, 1))});
  }
  return out;
}

std::vector<Matrix> matrices(const Params& item, const InputSpec& inputs, std::mt19937_64& rng) {
  const WcParams p = params_of(item, 0);
  std::vector<Matrix> out;
  if (inputs.boundary) out = boundary_matrices(p, rng);
  if (inputs.random) {
    std::vector<Matrix> more = random_matrices(p, rng, inputs.random);
    out.insert(out.end(), more.begin(), more.end());
  }
  return out;
}

Tensor codes_tensor(const std::vector<uint16_t>& codes) { return Tensor::integer_list(std::vector<int64_t>(codes.begin(), codes.end())); }
Tensor bytes_tensor(const std::vector<uint8_t>& bytes) { return Tensor::integer_list(std::vector<int64_t>(bytes.begin(), bytes.end())); }
template <typename T>
std::vector<T> narrow(const Tensor& t) {
  std::vector<T> v(t.ints.size());
  for (size_t i = 0; i < v.size(); ++i) v[i] = static_cast<T>(t.ints[i]);
  return v;
}

// Every output element by element; a mismatch names the output and the element.
void compare_outputs(const OpCase& c, std::span<const Tensor> got, std::span<const Tensor> want, CompareSink& sink) {
  for (size_t k = 0; k < want.size(); ++k) {
    if (!same_size(c, k, got, want, sink)) continue;
    for (size_t i = 0; i < want[k].size(); ++i) {
      ++sink.checked;
      if (!same_element(got[k], i, want[k], i))
        sink.mismatch(c.op->outputs[k].name + "[" + std::to_string(i) + "]", element_text(got[k], i), element_text(want[k], i));
    }
  }
}

// ---------------------------------------------------------------------------------------------
// wc-encode.

std::optional<std::string> encode_inputs_error(const OpCase& c) {
  const size_t n = c.inputs[0].size();
  const WcParams p = params_of(c.params, n);
  if (n == 0) return std::string("weights is empty");
  if (uint64_t{p.rows} * p.cols != n) return "weights holds " + std::to_string(n) + " codes, rows x cols is " + std::to_string(uint64_t{p.rows} * p.cols);
  if (auto e = wc_params_error(p)) return e;
  std::set<int64_t> distinct;
  for (int64_t v : c.inputs[0].ints) {
    if (v < 0 || v >> p.width) return "weights: code " + std::to_string(v) + " outside 0 .. 2^" + std::to_string(p.width) + " - 1";
    distinct.insert(v);
  }
  if ((p.codec == WcCodec::Dict || p.codec == WcCodec::Huffman) && distinct.size() > (size_t{1} << p.param))
    return std::to_string(distinct.size()) + " distinct codes, more than 2^" + std::to_string(p.param) + (p.codec == WcCodec::Dict ? " (index_bits)" : " (max_length)");
  return std::nullopt;
}

OpSchema make_encode() {
  OpSchema op;
  op.name = "wc-encode";
  op.summary = "a rows x cols matrix of w-bit codes -> its compressed weight block (ZVC, ZRLE, canonical Huffman or dictionary) (spec/weight_codecs.md §2, §3)";
  op.clause = "spec/weight_codecs.md §2, §3";
  op.params = item_params();
  ParamSpec rows{"rows", ParamType::Int, ParamScope::Case, "the matrix rows", "spec/weight_codecs.md §3.1", "1"};
  rows.min = 1;
  rows.max = 1 << 24;
  rows.fuzz_min = 1;
  rows.fuzz_max = 4;
  ParamSpec cols{"cols", ParamType::Int, ParamScope::Case, "the matrix columns; 0: the codes given / rows", "spec/weight_codecs.md §3.1", "0"};
  cols.max = 1 << 24;
  cols.fuzz_values = {"0"};
  ParamSpec banks{"banks", ParamType::Int, ParamScope::Case, "the core's weight banks, 1 .. min(rows, 4096); row i goes to bank i mod banks", "spec/weight_codecs.md §3.5", "1"};
  banks.min = 1;
  banks.max = kWcMaxBanks;
  banks.fuzz_min = 1;
  banks.fuzz_max = 4;
  op.params.insert(op.params.end(), {rows, cols, banks});
  op.inputs = {{"weights", ElemType::Code, {}, "the matrix, row-major: rows x cols codes of w bits"}};
  op.outputs = {{"block", ElemType::Code, {}, "the compressed weight block, one byte per row (spec/weight_codecs.md §3)"}};
  op.verification.kind = Verification::Kind::Exact;
  op.verification.text = "exact: every byte of the block";
  op.element_range = [](const Params& p, size_t) -> std::optional<std::pair<int64_t, int64_t>> {
    return std::pair<int64_t, int64_t>{0, (int64_t{1} << p.integer("width")) - 1};
  };
  op.inputs_error = encode_inputs_error;
  op.output_forms = [](const OpCase& c) {
    size_t bytes = 0;
    try {  // §3.4's size is the reference's
      bytes = ref::wc_encode(params_of(c.params, c.inputs[0].size()), narrow<uint16_t>(c.inputs[0])).size();
    } catch (const std::invalid_argument&) {
    }
    return list_forms(c, {bytes});
  };
  op.cases = [](const Params& item, const InputSpec& inputs, uint64_t seed) {
    std::mt19937_64 rng(seed);
    std::vector<OpCase> out;
    for (const Matrix& m : matrices(item, inputs, rng)) {
      Params p = item;
      p.set("rows", int64_t{m.rows});
      p.set("cols", int64_t{m.cols});
      p.set("banks", int64_t{m.banks});
      out.push_back({nullptr, p, {codes_tensor(m.codes)}});
    }
    return out;
  };
  op.cost = [](const Params&, const InputSpec& inputs) { return uint64_t{inputs.boundary ? 20000u : 0u} + uint64_t{inputs.random} * 800; };
  op.compare = compare_outputs;
  auto binding = [](auto encode) {
    return [encode](const OpCase& c, std::vector<Tensor>& out, std::string& error) {
      try {
        out = {bytes_tensor(encode(params_of(c.params, c.inputs[0].size()), narrow<uint16_t>(c.inputs[0])))};
        return OpStatus::Ok;
      } catch (const std::invalid_argument& e) {
        error = std::string("wc-encode: ") + e.what();
        return OpStatus::Error;
      }
    };
  };
  op.bindings = {
      {"reference", binding([](const WcParams& p, const std::vector<uint16_t>& m) { return ref::wc_encode(p, m); })},
      {"fast", binding([](const WcParams& p, const std::vector<uint16_t>& m) { return fast::wc_encode(p, m); })},
  };
  return op;
}

// ---------------------------------------------------------------------------------------------
// wc-decode.

// The blocks of a case: the reference's encoding of each matrix, and corrupted copies of it —
// boundary: every header field broken, the block cut at 0, 23, 24 bytes, half and one byte short,
// a byte too many, bank 0's count one up, one row or column more, and 8 seeded single-bit flips; random: the block as it is
// or with one seeded corruption (a bit flip, a cut, a byte added).
std::vector<std::vector<uint8_t>> decode_blocks(const Params& item, const InputSpec& inputs, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::vector<std::vector<uint8_t>> out;
  const WcParams base = params_of(item, 0);
  InputSpec boundary_only = inputs, random_only = inputs;
  boundary_only.random = 0;
  random_only.boundary = false;
  for (const bool boundary : {true, false}) {
    if (boundary ? !inputs.boundary : !inputs.random) continue;
    for (const Matrix& m : matrices(item, boundary ? boundary_only : random_only, rng)) {
      WcParams p = base;
      p.rows = m.rows;
      p.cols = m.cols;
      p.banks = m.banks;
      const std::vector<uint8_t> block = ref::wc_encode(p, m.codes);
      out.push_back(block);
      auto flip = [&](std::vector<uint8_t> b) {  // rows and cols (bytes 8..15) left alone: a flip there
        size_t bit;                               // can declare 2^24 codes, which ZRLE's implied zeros fill
        do bit = rng() % (8 * b.size());
        while (bit >= 64 && bit < 128);
        b[bit / 8] ^= static_cast<uint8_t>(1u << (bit % 8));
        return b;
      };
      auto cut = [&](size_t len) { return std::vector<uint8_t>(block.begin(), block.begin() + static_cast<ptrdiff_t>(std::min(len, block.size()))); };
      if (boundary && block.size() <= 4096) {
        for (size_t at : {0, 4, 5, 6, 7, 8, 12, 16, 20}) {  // each header field out of range
          std::vector<uint8_t> b = block;
          b[at] = at == 12 || at == 8 || at == 20 ? 0xff : at == 16 ? 0 : 0x77;
          if (at >= 8) b[at + 3] = at == 16 ? 0 : 0x7f;
          out.push_back(b);
        }
        for (size_t len : {size_t{0}, size_t{23}, size_t{24}, block.size() / 2, block.size() - 1}) out.push_back(cut(len));
        std::vector<uint8_t> longer = block;
        longer.push_back(0);
        out.push_back(longer);
        // Bank 0's count one up: its record follows the header, codebook and lengths.
        std::vector<uint8_t> counted = block;
        const uint64_t d = p.codec == WcCodec::Huffman || p.codec == WcCodec::Dict ? block[20] | block[21] << 8 | block[22] << 16 : 0;
        const size_t record = 24 + (p.codec >= WcCodec::Huffman ? (d * p.width + 7) / 8 : 0) + (p.codec == WcCodec::Huffman ? (d + 1) / 2 : 0);
        if (record < counted.size()) ++counted[record];
        out.push_back(counted);
        for (size_t at : {size_t{8}, size_t{12}}) {  // one row or one column more than the payloads hold
          std::vector<uint8_t> b = block;
          for (size_t j = at; j < at + 4 && ++b[j] == 0; ++j) {
          }
          out.push_back(b);
        }
        for (int k = 0; k < 8; ++k) out.push_back(flip(block));
      } else if (!boundary) {
        switch (rng() % 6) {
          case 0: out.push_back(flip(block)); break;
          case 1: out.push_back(cut(rng() % block.size())); break;
          case 2: {
            std::vector<uint8_t> b = block;
            b.push_back(static_cast<uint8_t>(rng()));
            out.push_back(b);
            break;
          }
          default: break;  // the block as it is
        }
      }
    }
  }
  return out;
}

OpSchema make_decode() {
  OpSchema op;
  op.name = "wc-decode";
  op.summary = "a compressed weight block (untrusted bytes) -> the dense matrix and the byte offset of its first error, -1 if none (spec/weight_codecs.md §3, §4)";
  op.clause = "spec/weight_codecs.md §3, §4";
  op.params = item_params();
  for (ParamSpec& s : op.params) s.doc += "; the case generator's (a block's header decides how it decodes)";
  op.inputs = {{"block", ElemType::Code, {}, "the compressed weight block, one byte (0 .. 255) per row"}};
  TensorSpec weights{"weights", ElemType::Code, {}, "the decoded matrix, row-major (rows x cols codes); empty when the block is rejected"};
  weights.optional = true;
  op.outputs = {weights, {"error_offset", ElemType::Int, {}, "-1 for a valid block, else the byte offset of its first error (§4)"}};
  op.verification.kind = Verification::Kind::Exact;
  op.verification.text = "exact: every code of the matrix and the error offset";
  op.element_range = [](const Params&, size_t) -> std::optional<std::pair<int64_t, int64_t>> { return std::pair<int64_t, int64_t>{0, 255}; };
  op.inputs_error = [](const OpCase& c) -> std::optional<std::string> {
    for (size_t i = 0; i < c.inputs[0].ints.size(); ++i)
      if (c.inputs[0].ints[i] < 0 || c.inputs[0].ints[i] > 255) return "block[" + std::to_string(i) + "] = " + std::to_string(c.inputs[0].ints[i]) + " is not a byte (0 .. 255)";
    return std::nullopt;
  };
  op.output_forms = [](const OpCase& c) {
    // The matrix's size as the header declares it (24 bytes: magic, ..., rows at 8, cols at 12),
    // when it is within §3.1's bound; an implementation returns it empty for a rejected block.
    const std::vector<int64_t>& b = c.inputs[0].ints;
    uint64_t n = 0;
    if (b.size() >= kWcHeaderBytes) {
      auto u32 = [&](size_t at) { return uint64_t(b[at]) | uint64_t(b[at + 1]) << 8 | uint64_t(b[at + 2]) << 16 | uint64_t(b[at + 3]) << 24; };
      n = u32(8) * u32(12);
      if (n > kWcMaxElements) n = 0;
    }
    return list_forms(c, {n, 1});
  };
  op.cases = [](const Params& item, const InputSpec& inputs, uint64_t seed) {
    std::vector<OpCase> out;
    for (const std::vector<uint8_t>& b : decode_blocks(item, inputs, seed)) out.push_back({nullptr, item, {bytes_tensor(b)}});
    return out;
  };
  op.cost = [](const Params&, const InputSpec& inputs) { return uint64_t{inputs.boundary ? 60000u : 0u} + uint64_t{inputs.random} * 800; };
  op.compare = compare_outputs;
  auto finish = [](std::vector<uint16_t> matrix, const WcError& e, std::vector<Tensor>& out, std::string& error) {
    out = {codes_tensor(matrix), Tensor::integer_list({e.offset})};
    if (!e.ok()) error = e.message;  // eval prints it beside the offset
    return OpStatus::Ok;
  };
  op.bindings = {
      {"reference",
       [finish](const OpCase& c, std::vector<Tensor>& out, std::string& error) {
         ref::WcDecoded r = ref::wc_decode(narrow<uint8_t>(c.inputs[0]));
         return finish(std::move(r.matrix), r.error, out, error);
       }},
      {"fast",
       [finish](const OpCase& c, std::vector<Tensor>& out, std::string& error) {
         WcParams header;
         std::vector<uint16_t> matrix;
         const WcError e = fast::wc_decode(narrow<uint8_t>(c.inputs[0]), header, matrix);
         return finish(std::move(matrix), e, out, error);
       }},
      {"chip",  // the banks as the core holds them, read back by index (spec/weight_codecs.md §3.5, §5.1)
       [finish](const OpCase& c, std::vector<Tensor>& out, std::string& error) {
         const chip::WeightLoad load = chip::load_weight_block(narrow<uint8_t>(c.inputs[0]));
         return finish(chip::dense_from_banks(load), load.error, out, error);
       }},
  };
  return op;
}

}  // namespace

const OpSchema& wc_encode_op() {
  static const OpSchema op = make_encode();
  return op;
}

const OpSchema& wc_decode_op() {
  static const OpSchema op = make_decode();
  return op;
}

}  // namespace lpc::ops
