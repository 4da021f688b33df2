#include <fstream>
#include <stdexcept>

#include "reports/writers/report.hpp"

namespace lpc::reports {

namespace {

// Writes through a temporary file renamed into place, so a reader never sees half a report.
void write_file(const std::filesystem::path& path, const std::string& text) {
  const std::filesystem::path tmp = path.string() + ".tmp";
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    out << text;
    if (!out.flush()) throw std::runtime_error("cannot write " + tmp.string());
  }
  std::filesystem::rename(tmp, path);
}

}  // namespace

std::vector<std::filesystem::path> write_reports(const nlohmann::ordered_json& document, const std::filesystem::path& directory) {
  check_schema(document);
  std::filesystem::create_directories(directory);
  const std::pair<const char*, std::string> files[] = {
      {"report.json", document.dump(1) + "\n"},
      {"junit.xml", render_junit(document)},
      {"summary.md", render_markdown(document)},
      {"failures.csv", render_failures_csv(document)},
  };
  std::vector<std::filesystem::path> written;
  for (const auto& [name, text] : files) {
    write_file(directory / name, text);
    written.push_back(directory / name);
  }
  return written;
}

}  // namespace lpc::reports
