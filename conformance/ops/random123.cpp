// The ops philox and threefry: Random123's counter-based generators (spec/sampler.md §3.1, §3.2).
// One row per block: the counter words c0..c3 in, the output words x0..x3 out, under a key per
// case and the rounds per item; checked exactly, block by block. One module for both: their
// declarations differ only in the name, the rounds and the key's length.
#include <random>

#include "conformance/core/case.hpp"
#include "conformance/ops/derive.hpp"
#include "impls/fast/sampler/random123.hpp"
#include "reference/sampler/random123.hpp"
#include "spec/sampler/params.hpp"

namespace lpc::ops {

namespace {

struct Generator {
  fast::CounterRng kind;
  const char* name;
  int max_rounds, default_rounds;
  size_t key_words;
  const char* clause;
};

constexpr Generator kPhilox{fast::CounterRng::Philox, "philox", kPhiloxMaxRounds, 10, 2, "spec/sampler.md §3.1"};
constexpr Generator kThreefry{fast::CounterRng::Threefry, "threefry", kThreefryMaxRounds, 20, 4, "spec/sampler.md §3.2"};

std::string key_name(size_t i) { return "key" + std::to_string(i); }

std::array<uint32_t, 4> key_of(const Generator& g, const Params& p) {
  std::array<uint32_t, 4> key{};
  for (size_t i = 0; i < g.key_words; ++i) key[i] = static_cast<uint32_t>(p.integer(key_name(i)));
  return key;
}

// The counters of a case as blocks of 4 words (c0, c1, c2, c3, c0, ...).
std::vector<uint32_t> counters_of(const OpCase& c) {
  std::vector<uint32_t> words;
  for (size_t i = 0; i < c.inputs[0].size(); ++i)
    for (size_t w = 0; w < 4; ++w) words.push_back(static_cast<uint32_t>(c.inputs[w].ints[i]));
  return words;
}

std::vector<Tensor> words_to_outputs(const std::vector<uint32_t>& blocks) {
  std::vector<Tensor> out(4);
  for (size_t w = 0; w < 4; ++w) {
    std::vector<int64_t> column;
    for (size_t i = w; i < blocks.size(); i += 4) column.push_back(blocks[i]);
    out[w] = Tensor::integer_list(std::move(column));
  }
  return out;
}

// Boundary: under the keys of Random123's known answers (0, all ones, the digits of pi; the rest
// of a threefry key the next digits), their counters, the first 20 counters, every single-bit
// counter word and a carry pattern. random:N: N seeded counters under one seeded key.
std::vector<OpCase> cases(const Generator& g, const Params& item, const InputSpec& inputs, uint64_t seed) {
  std::mt19937_64 rng(seed);
  const uint32_t pi[8] = {0x243f6a88, 0x85a308d3, 0x13198a2e, 0x03707344, 0xa4093822, 0x299f31d0, 0x082efa98, 0xec4e6c89};
  std::vector<std::pair<std::array<uint32_t, 4>, std::vector<std::array<uint32_t, 4>>>> sets;  // key, counters
  if (inputs.boundary) {
    std::vector<std::array<uint32_t, 4>> counters = {{0, 0, 0, 0}, {~0u, ~0u, ~0u, ~0u}, {pi[0], pi[1], pi[2], pi[3]}, {~0u, 0, ~0u, 0}};
    for (uint32_t i = 0; i < 20; ++i) counters.push_back({i, 0, 0, 0});
    for (int w = 0; w < 4; ++w)
      for (int bit = 0; bit < 32; bit += 5) {
        std::array<uint32_t, 4> one{};
        one[w] = 1u << bit;
        counters.push_back(one);
      }
    sets.push_back({{0, 0, 0, 0}, counters});
    sets.push_back({{~0u, ~0u, ~0u, ~0u}, counters});
    sets.push_back({{pi[4], pi[5], pi[6], pi[7]}, counters});
  }
  if (inputs.random) {
    std::array<uint32_t, 4> key;
    for (uint32_t& k : key) k = static_cast<uint32_t>(rng());
    std::vector<std::array<uint32_t, 4>> counters(inputs.random);
    for (auto& block : counters)
      for (uint32_t& w : block) w = static_cast<uint32_t>(rng());
    sets.push_back({key, counters});
  }
  std::vector<OpCase> out;
  for (const auto& [key, counters] : sets) {
    Params p = item;
    for (size_t i = 0; i < g.key_words; ++i) p.set(key_name(i), int64_t{key[i]});
    std::vector<Tensor> tensors(4);
    for (size_t w = 0; w < 4; ++w) {
      std::vector<int64_t> column;
      for (const auto& block : counters) column.push_back(block[w]);
      tensors[w] = Tensor::integer_list(std::move(column));
    }
    out.push_back({nullptr, p, std::move(tensors)});
  }
  return out;
}

OpSchema make_schema(const Generator& g) {
  OpSchema op;
  op.name = g.name;
  op.summary = std::string(g.kind == fast::CounterRng::Philox ? "Philox4x32-R" : "Threefry4x32-R") +
               " (Random123): counter c0..c3, key -> the output words x0..x3 of each block (" + g.clause + ")";
  op.clause = g.clause;
  ParamSpec rounds{"rounds", ParamType::Int, ParamScope::Item, "R, the rounds (Random123's default " + std::to_string(g.default_rounds) + ")", g.clause,
                   std::to_string(g.default_rounds)};
  rounds.min = 1;
  rounds.max = g.max_rounds;
  rounds.signature_join = "-r";
  op.params = {rounds};
  for (size_t i = 0; i < g.key_words; ++i) {
    ParamSpec key{key_name(i), ParamType::Int, ParamScope::Case, "key word " + std::to_string(i) + ", 0 .. 2^32 - 1", g.clause, "0"};
    key.max = UINT32_MAX;
    op.params.push_back(key);
  }
  for (int w = 0; w < 4; ++w)
    op.inputs.push_back({"c" + std::to_string(w), ElemType::Code, {}, "counter word " + std::to_string(w) + " of each block, 0 .. 2^32 - 1"});
  for (int w = 0; w < 4; ++w) op.outputs.push_back({"x" + std::to_string(w), ElemType::Code, {}, "output word " + std::to_string(w) + " of each block"});
  op.verification.kind = Verification::Kind::Exact;
  op.verification.text = "exact: every output word";
  op.element_range = [](const Params&, size_t) -> std::optional<std::pair<int64_t, int64_t>> { return std::pair<int64_t, int64_t>{0, UINT32_MAX}; };
  op.inputs_error = [](const OpCase& c) -> std::optional<std::string> {
    for (size_t w = 1; w < 4; ++w)
      if (c.inputs[w].size() != c.inputs[0].size()) return "c0..c3 need the same length (one counter per row)";
    for (const Tensor& t : c.inputs)
      for (int64_t v : t.ints)
        if (v < 0 || v > UINT32_MAX) return "counter word " + std::to_string(v) + " outside 0 .. 2^32 - 1";
    return std::nullopt;
  };
  op.cases = [&g](const Params& item, const InputSpec& inputs, uint64_t seed) { return cases(g, item, inputs, seed); };
  op.cost = [](const Params&, const InputSpec& inputs) { return uint64_t{inputs.boundary ? 150u : 0u} + inputs.random; };
  op.compare = [](const OpCase& c, std::span<const Tensor> got, std::span<const Tensor> want, CompareSink& sink) {
    compare_elementwise(c, got, want, sink, [](const OpCase& k, size_t i) {
      std::string s = "counter";
      for (size_t w = 0; w < 4; ++w) s += " " + std::to_string(k.inputs[w].ints[i]);
      return s;
    });
  };
  op.bindings = {
      {"reference",
       [&g](const OpCase& c, std::vector<Tensor>& out, std::string&) {
         const std::array<uint32_t, 4> key = key_of(g, c.params);
         const int rounds = static_cast<int>(c.params.integer("rounds"));
         const std::vector<uint32_t> counters = counters_of(c);
         std::vector<uint32_t> blocks;
         for (size_t i = 0; i < counters.size(); i += 4) {
           const ref::Words4 counter = {counters[i], counters[i + 1], counters[i + 2], counters[i + 3]};
           const ref::Words4 x = g.kind == fast::CounterRng::Philox ? ref::philox4x32(rounds, counter, {key[0], key[1]}) : ref::threefry4x32(rounds, counter, key);
           blocks.insert(blocks.end(), x.begin(), x.end());
         }
         out = words_to_outputs(blocks);
         return OpStatus::Ok;
       }},
      {"fast",
       [&g](const OpCase& c, std::vector<Tensor>& out, std::string&) {
         const std::vector<uint32_t> counters = counters_of(c);
         std::vector<uint32_t> blocks(counters.size());
         fast::random123_blocks({g.kind, static_cast<int>(c.params.integer("rounds")), key_of(g, c.params)}, counters, blocks);
         out = words_to_outputs(blocks);
         return OpStatus::Ok;
       }},
  };
  return op;
}

}  // namespace

const OpSchema& philox_op() {
  static const OpSchema op = make_schema(kPhilox);
  return op;
}

const OpSchema& threefry_op() {
  static const OpSchema op = make_schema(kThreefry);
  return op;
}

}  // namespace lpc::ops
