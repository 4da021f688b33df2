#include "cli/vector_files.hpp"

#include <bit>
#include <charconv>
#include <cmath>
#include <filesystem>
#include <set>
#include <stdexcept>

#include <nlohmann/json.hpp>

#include "cli/commands.hpp"
#include "cli/npy.hpp"
#include "conformance/ops/derive.hpp"
#include "conformance/core/sha256.hpp"
#include "conformance/formats/checks.hpp"
#include "spec/table/csv.hpp"

namespace lpc::cli {

std::string item_id(const Item& item) { return item.signature("").substr(1); }

std::string output_description(const Item& item) {
  if (item.op == Op::Decode)
    return "the value as a float32 or float64 bit pattern, 8 or 16 hex digits, like 0x3f800000 or 0x3ff0000000000000 (1.0); any NaN for a NaN";
  return "a code of " + item.format->name + " in hex, " + code_hex(*item.format, 0) + " .. " + code_hex(*item.format, item.format->code_mask());
}

int input_bits(const Item& item) { return item.op == Op::Decode ? item.format->bits : source_bits(item.source); }

std::string input_hex(const Item& item, uint64_t bits) {
  return item.op == Op::Decode ? code_hex(*item.format, static_cast<uint32_t>(bits)) : source_bits_hex(item.source, bits);
}

VectorManifest parse_manifest(std::string_view text, const std::string& origin) {
  using nlohmann::ordered_json;
  ordered_json manifest;
  try {
    manifest = ordered_json::parse(text);
  } catch (const nlohmann::json::exception& e) {  // parse_error, and out_of_range for a number past double (4e773)
    throw UsageError(origin + ": not valid JSON: " + e.what());
  }
  VectorManifest m;
  try {
    const auto schema = manifest.is_object() ? manifest.find("schema") : manifest.end();
    if (schema == manifest.end() || *schema != kManifestSchema)
      throw UsageError(origin + ": not a vectors manifest: expected \"schema\": \"" + kManifestSchema + "\"");
    const std::string version = manifest.at("suite").at("version").get<std::string>();
    if (version != LPC_VERSION)
      throw UsageError(origin + ": written by lpconform " + version + ", this is " + LPC_VERSION +
                       ": inputs may differ between versions; regenerate them with `lpconform vectors gen`");
    const auto& p = manifest.at("profile");
    const std::string name = p.at("name").get<std::string>(), text = p.at("text").get<std::string>();
    if (sha256_hex(text) != p.at("sha256").get<std::string>())
      throw UsageError(origin + ": its profile text does not match the profile's sha256; was it edited? Regenerate it with `lpconform vectors gen`");
    m.profile = parse_profile(text, name, origin + " (profile " + name + ")");
    const auto& index = manifest.at("shard").at("index");
    const auto& count = manifest.at("shard").at("count");
    const auto shard = index.is_number_unsigned() && count.is_number_unsigned() ? Shard::make(index.get<uint64_t>(), count.get<uint64_t>())
                                                                                   : std::nullopt;
    if (!shard)
      throw UsageError(origin + ": shard " + index.dump() + "/" + count.dump() + " is not I/N with 1 <= I <= N <= " + std::to_string(Shard::kMaxCount));
    m.shard = *shard;
    if (!manifest.at("seed").is_number_unsigned()) throw UsageError(origin + ": seed " + manifest.at("seed").dump() + " is not a number from 0 to 2^64-1");
    m.seed = manifest.at("seed").get<uint64_t>();
    m.indexes = select_items(m.profile, "", "", m.shard);
    const auto& listed = manifest.at("items");
    bool same = listed.is_array() && listed.size() == m.indexes.size();
    for (size_t i = 0; same && i < m.indexes.size(); ++i)
      same = listed[i].at("index") == m.indexes[i] && listed[i].at("id") == item_id(m.profile.items[m.indexes[i]]);
    if (!same)
      throw UsageError(origin + ": its items do not match its profile and shard; was it edited? Regenerate it with `lpconform vectors gen`");
  } catch (const nlohmann::json::exception& e) {
    throw UsageError(origin + ": malformed manifest: " + e.what());
  }
  return m;
}

void fill_vector_table(const VectorManifest& manifest, VectorTable& table) {
  for (size_t index : manifest.indexes) {
    const Item& item = manifest.profile.items[index];
    VectorItem& v = table[item_id(item)];
    v.item = &item;
    if (item.op == Op::Registered) v.cases = item_cases(item, item_seed(manifest.seed, item), ops::statistical_item_count(manifest.profile.items));
    else v.inputs = make_case(item, item_seed(manifest.seed, item));
  }
}

std::vector<ops::OpCase> item_cases(const Item& item, uint64_t seed, uint64_t statistical_items) {
  if (item.schema->statistical && ops::item_verification(item).kind == Verification::Kind::Statistical) {
    ops::StatisticalDraws draws = ops::statistical_draws(item, *find_implementation("reference"), seed, statistical_items);
    if (draws.oracle_status != OpStatus::Ok) throw std::runtime_error(item.schema->name + ": the reference's distribution: " + draws.error);
    return std::move(draws.cases);
  }
  std::vector<ops::OpCase> cases = item.schema->cases(item.op_params, item.inputs, seed);
  for (ops::OpCase& c : cases) c.op = item.schema;
  return cases;
}

std::string cases_csv(const Item& item, const std::vector<ops::OpCase>& cases) {
  std::string text = "op,case";
  for (const ops::ParamSpec& p : item.schema->params) text.append(",").append(p.name);
  text += "\n";
  for (size_t k = 0; k < cases.size(); ++k) {
    text.append(item.schema->name).append(",").append(std::to_string(k));
    for (const ops::ParamSpec& p : item.schema->params) text.append(",").append(csv_field(ops::value_text(cases[k].params.at(p.name))));
    text += "\n";
  }
  return text;
}

std::string tensor_file(size_t k, const std::string& name) { return std::to_string(k) + "." + name + ".npy"; }

void read_op_results(const std::string& dir, VectorTable& table) {
  namespace fs = std::filesystem;
  std::set<std::string> ids;
  for (auto& [id, v] : table) {
    if (v.item->op != Op::Registered) continue;
    ids.insert(id);
    const fs::path item_dir = fs::path(dir) / id;
    std::error_code ec;
    if (!fs::is_directory(item_dir, ec)) continue;  // no results: UNSUPPORTED
    const ops::OpSchema& op = *v.item->schema;
    std::set<std::string> expected;
    for (size_t k = 0; k < v.cases.size(); ++k) {
      std::vector<ops::Tensor> outputs = ops::output_forms(v.cases[k]);
      for (size_t o = 0; o < outputs.size(); ++o) {
        const std::string name = tensor_file(k, op.outputs[o].name);
        expected.insert(name);
        const fs::path path = item_dir / name;
        ops::Tensor& form = outputs[o];
        if (!fs::exists(path, ec)) {
          form = ops::Tensor{form.is_float, {0}, {}, {}};  // not produced
          continue;
        }
        std::string origin;
        const std::string bytes = read_input(path.string(), origin);
        ops::Tensor got;
        try {
          got = read_npy(bytes);
        } catch (const std::invalid_argument& e) {
          throw UsageError(origin + ": " + e.what());
        }
        const std::string what = origin + ": output " + op.outputs[o].name + " of case " + std::to_string(k) + " (" + op.outputs[o].doc + ")";
        if (got.is_float != form.is_float)
          throw UsageError(what + ": holds " + (got.is_float ? "floats" : "integers") + ", expected " + (form.is_float ? "floats" : "integers"));
        if (got.size() && got.shape != form.shape)
          throw UsageError(what + ": shape " + ops::shape_text(got.shape) + ", expected " + ops::shape_text(form.shape) + " (or no file)");
        if (op.outputs[o].type == ops::ElemType::Float32)
          for (size_t i = 0; i < got.floats.size(); ++i)
            if (const double x = got.floats[i]; !std::isnan(x) && static_cast<double>(static_cast<float>(x)) != x)
              throw UsageError(what + ": element " + std::to_string(i) + " is not a float32 value");
        form = std::move(got);
        if (form.size() == 0) form.shape = {0};
      }
      v.results.push_back(std::move(outputs));
    }
    for (const auto& entry : fs::directory_iterator(item_dir, ec))
      if (!expected.contains(entry.path().filename().string()))
        throw UsageError(entry.path().string() + ": not a results file of item " + id + ", expected CASE.OUTPUT.npy for its " +
                         std::to_string(v.cases.size()) + " cases (spec/vectors.md)");
  }
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(dir, ec))
    if (entry.is_directory() && !ids.contains(entry.path().filename().string()))
      throw UsageError(entry.path().string() + ": not an item of the manifest (a registry op's item id)");
}

namespace {

// "0x" and hex digits of at most `bits` significant bits.
uint64_t parse_hex(const CsvReader& reader, const CsvRecord& row, const CsvField& field, int bits, const std::string& expected) {
  const std::string& s = field.text;
  uint64_t v = 0;
  const bool prefixed = s.size() > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X');
  auto [p, ec] = prefixed ? std::from_chars(s.data() + 2, s.data() + s.size(), v, 16) : std::from_chars_result{s.data(), std::errc::invalid_argument};
  if (ec == std::errc::result_out_of_range || (ec == std::errc() && p == s.data() + s.size() && bits < 64 && (v >> bits) != 0))
    reader.fail(row, field, "'" + s + "' does not fit " + std::to_string(bits) + " bits, expected " + expected);
  if (ec != std::errc() || p != s.data() + s.size()) reader.fail(row, field, "malformed hex '" + s + "', expected " + expected);
  return v;
}

// Flag letters per spec/formats.md §5.4: a subsequence of "xuoi".
uint8_t parse_flags(const CsvReader& reader, const CsvRecord& row, const CsvField& field) {
  static constexpr std::pair<char, uint8_t> kLetters[] = {{'x', kFlagInexact}, {'u', kFlagUnderflow}, {'o', kFlagOverflow}, {'i', kFlagInvalid}};
  uint8_t flags = 0;
  size_t next = 0;
  for (size_t i = 0; i < field.text.size(); ++i) {
    while (next < std::size(kLetters) && kLetters[next].first != field.text[i]) ++next;
    if (next == std::size(kLetters))
      reader.fail(row.line, field.column + i,
                  "bad flags '" + field.text + "', expected letters from x u o i in that order, each at most once (empty: no flag)");
    flags |= kLetters[next++].second;
  }
  return flags;
}

}  // namespace

bool parse_results(std::string_view text, const std::string& path, VectorTable& table) {
  CsvReader reader(text, path, false);
  const bool with_flags = reader.expect_header({kResultColumns, kResultColumnsNoFlags}) == 0;
  const size_t columns = with_flags ? 5 : 4;
  const std::string some_id = table.empty() ? "" : table.begin()->first;
  for (CsvRecord row; reader.next(row);) {
    if (row.fields.size() != columns)
      reader.fail(row.line, row.fields.size() > columns ? row.fields[columns].column : 1,
                  "expected " + std::to_string(columns) + " fields (" + (with_flags ? "item,input,random,output,flags" : "item,input,random,output") +
                      "), got " + std::to_string(row.fields.size()));
    const auto it = table.find(row.fields[0].text);
    if (it == table.end())
      reader.fail(row, row.fields[0], "unknown item '" + row.fields[0].text + "', expected an item id of the manifest, like " + some_id);
    VectorItem& v = it->second;
    const Item& item = *v.item;
    const size_t k = v.outputs.size();
    if (k == v.inputs.inputs.size())
      reader.fail(row, row.fields[0], "one row too many for item " + it->first + ": its input file has " + std::to_string(k) + " rows");
    const std::string want_input = input_hex(item, v.inputs.inputs[k]);
    const std::string input_expected = "input " + want_input + " (row " + std::to_string(k + 1) + " of inputs/" + it->first + ".csv)";
    if (parse_hex(reader, row, row.fields[1], input_bits(item), input_expected) != v.inputs.inputs[k])
      reader.fail(row, row.fields[1], "input '" + row.fields[1].text + "' out of order, expected " + input_expected);
    const CsvField& random = row.fields[2];
    if (v.inputs.random.empty()) {
      if (!random.text.empty()) reader.fail(row, random, "expected an empty random field: item " + it->first + " is not stochastic");
    } else {
      const std::string want = source_bits_hex(Source::F32, v.inputs.random[k]);
      if (parse_hex(reader, row, random, 32, "random word " + want) != v.inputs.random[k])
        reader.fail(row, random, "random word '" + random.text + "' differs from the input file's, expected " + want);
    }
    const CsvField& output = row.fields[3];
    if (item.op == Op::Encode) {
      v.outputs.push_back(parse_hex(reader, row, output, item.format->bits, output_description(item)));
    } else {
      // Every value of a format of at most 16 bits is exactly a float32 (spec/formats.md), so
      // either width is exact.
      const size_t digits = output.text.size() - std::min<size_t>(output.text.size(), 2);
      if (digits != 8 && digits != 16) reader.fail(row, output, "'" + output.text + "' is neither 8 nor 16 hex digits, expected " + output_description(item));
      const uint64_t bits = parse_hex(reader, row, output, 64, output_description(item));
      v.outputs.push_back(digits == 16 ? bits : std::bit_cast<uint64_t>(static_cast<double>(std::bit_cast<float>(static_cast<uint32_t>(bits)))));
    }
    if (with_flags) {
      if (item.op == Op::Decode && !row.fields[4].text.empty()) reader.fail(row, row.fields[4], "expected empty flags: decode raises none");
      v.flags.push_back(parse_flags(reader, row, row.fields[4]));
    }
    v.last_line = row.line;
  }
  for (const auto& [id, v] : table)
    if (!v.outputs.empty() && v.outputs.size() < v.inputs.inputs.size())
      throw InputError(path, v.last_line + 1, 1,
                       "item " + id + " ends after " + std::to_string(v.outputs.size()) + " of " + std::to_string(v.inputs.inputs.size()) +
                           " rows, expected next the row for input " + input_hex(*v.item, v.inputs.inputs[v.outputs.size()]));
  return with_flags;
}


}  // namespace lpc::cli
