// lpconform list formats|ops|impls|profiles|variants
#include <algorithm>
#include <cstdio>
#include <cstring>
#include <iostream>

#include "cli/commands.hpp"
#include "conformance/bundled/bundled.hpp"
#include "conformance/core/profile.hpp"
#include "conformance/core/variants.hpp"
#include "conformance/ops/op.hpp"

namespace lpc::cli {

namespace {

void list_formats(bool csv) {
  if (csv) { std::cout << formats_csv_text(); return; }
  std::printf("%-20s %4s %-6s %3s %3s %5s %5s %-6s %-9s %-3s %-4s\n", "name", "bits", "kind", "E", "M", "radix", "bias", "inf", "nan", "-0",
              "sub");
  for (const Format& f : all_formats()) {
    const bool fl = f.is_float();
    std::printf("%-20s %4d %-6s %3s %3s %5s %5s %-6s %-9s %-3s %-4s\n", f.name.c_str(), f.bits,
                fl ? (f.is_signed ? "float" : "ufloat") : (f.is_signed ? "int" : "uint"), fl ? std::to_string(f.exp_bits).c_str() : "-",
                fl ? std::to_string(f.man_bits).c_str() : "-", fl ? std::to_string(f.radix).c_str() : "-",
                fl ? std::to_string(f.bias).c_str() : "-", to_string(f.inf), to_string(f.nan), f.neg_zero ? "yes" : "no",
                fl ? (f.subnormals ? "yes" : "no") : "-");
  }
  std::cout << "\nIEEE P3109 formats (binary{K}p{P}{s|u}{e|f}) follow the interim report v4.0, a DRAFT: not a compliance standard.\n"
               "Full descriptors with sources: lpconform list formats --csv\n";
}

void list_ops() {
  int name_width = 0;
  for (const OpInfo& op : all_ops()) name_width = std::max(name_width, static_cast<int>(std::strlen(op.name)));
  for (const ops::OpSchema* op : ops::registered_ops()) name_width = std::max(name_width, static_cast<int>(op->name.size()));
  for (const OpInfo& op : all_ops()) std::printf("%-*s axes: %-40s %s\n", name_width, op.name, op.axes, op.description);
  // Registry ops: the axes are the item parameters, and everything else comes from the declaration.
  for (const ops::OpSchema* op : ops::registered_ops()) {
    std::string axes;
    for (const ops::ParamSpec& p : op->params)
      if (p.scope == ops::ParamScope::Item) axes += (axes.empty() ? "" : " x ") + p.name;
    std::printf("%-*s axes: %-40s %s\n", name_width, op->name.c_str(), axes.c_str(), op->summary.c_str());
  }
}

void list_impls() {
  for (const Implementation* impl : implementations()) {
    std::printf("%-10s %-8s %s%s\n", impl->name.c_str(), impl->version.c_str(), impl->description.c_str(),
                impl->produces_flags ? " (produces flags)" : "");
    for (const Declaration& d : impl->declarations) std::printf("%21s%s: %s\n", "", d.behaviour.c_str(), d.choice.c_str());
  }
  std::printf("%-19s %s\n", "plugin:PATH", "a vendor plugin built against <lpconform/vendor.h> (spec/vendor-abi.md), run out of process");
}

void list_profiles() {
  for (const EmbeddedProfile& embedded : embedded_profiles()) {
    const Profile p = parse_profile(embedded.text, std::string(embedded.name), std::string(embedded.name));
    size_t required = 0;
    for (const Item& item : p.items) required += item.required;
    std::printf("%-20s %-6s %5zu items (%zu required)  %s%s\n", p.info.name.c_str(), p.info.version.c_str(), p.items.size(), required,
                p.info.title.c_str(), p.info.label.empty() ? "" : ("  [" + p.info.label + "]").c_str());
  }
  std::cout << "\nDefault: " << kDefaultProfile << ". A profile file of your own: --profile path/to/profile.csv\n";
}

// The declared variants a subject may claim (spec/formats.md §7 and the ops' own), with the op
// each applies to and where the spec defines it.
void list_variants() {
  for (const std::string& v : known_variants()) {
    const auto [op, clause] = variant_scope(v);
    std::printf("%-24s %-8s %s\n", v.c_str(), op.c_str(), clause.c_str());
  }
}

}  // namespace

Command add_list(CLI::App& app) {
  auto* sub = app.add_subcommand("list", "List formats, ops, implementations, profiles or declared variants");
  auto what = std::make_shared<std::string>();
  auto csv = std::make_shared<bool>(false);
  sub->add_option("what", *what, "formats | ops | impls | profiles | variants")
      ->required()
      ->check(CLI::IsMember({"formats", "ops", "impls", "profiles", "variants"}));
  sub->add_flag("--csv", *csv, "formats: print spec/formats.csv as embedded");
  return {sub, [what, csv] {
            if (*what == "formats") list_formats(*csv);
            else if (*what == "ops") list_ops();
            else if (*what == "impls") list_impls();
            else if (*what == "variants") list_variants();
            else list_profiles();
            return 0;
          }};
}

}  // namespace lpc::cli
