// Writing the report set as one unit (report.hpp: write_reports). The four files go into a
// temporary directory beside the target, each synced to disk, and that directory is swapped with
// the target in one rename, so a reader, a kill or a full disk sees the previous set or the new
// one, never a mix.
#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cstdio>
#include <stdexcept>
#include <system_error>

#include "reports/writers/report.hpp"

namespace lpc::reports {

namespace {

namespace fs = std::filesystem;

constexpr const char* kReportFiles[] = {"report.json", "junit.xml", "summary.md", "failures.csv"};

[[noreturn]] void throw_errno(int error, const std::string& what) { throw std::system_error(error, std::generic_category(), what); }

// The directory the set replaces: absolute, without a trailing separator, a symbolic link followed.
fs::path target_of(const fs::path& directory) {
  fs::path target = fs::absolute(directory).lexically_normal();
  if (target.filename().empty()) target = target.parent_path();
  if (fs::is_symlink(target)) target = fs::weakly_canonical(target);
  if (target.filename().empty() || target.filename() == "..")
    throw std::invalid_argument("'" + directory.string() + "' cannot be replaced: name a directory of its own");
  return target;
}

// "<name>.tmp-<pid>" beside the target: ours, or left by a process that was killed.
fs::path temporary_of(const fs::path& target, pid_t pid) { return target.parent_path() / (target.filename().string() + ".tmp-" + std::to_string(pid)); }

// Removes the temporary directories (and the ".old" of exchange()) of writers that were killed.
void remove_stale_temporaries(const fs::path& target) {
  const std::string prefix = target.filename().string() + ".tmp-";
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(target.parent_path(), ec)) {
    const std::string name = entry.path().filename().string();
    if (!name.starts_with(prefix)) continue;
    pid_t pid = 0;
    const char* digits = name.data() + prefix.size();
    const auto [end, error] = std::from_chars(digits, name.data() + name.size(), pid);
    const std::string_view rest(end, name.data() + name.size());
    if (error != std::errc() || pid <= 0 || !(rest.empty() || rest == ".old") || pid == getpid()) continue;
    if (kill(pid, 0) != 0 && errno == ESRCH) fs::remove_all(entry.path(), ec);
  }
}

void write_synced(const fs::path& path, const std::string& text) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
  if (fd < 0) throw_errno(errno, "cannot create '" + path.string() + "'");
  for (size_t done = 0; done < text.size();) {
    const ssize_t n = ::write(fd, text.data() + done, text.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      const int error = errno;
      ::close(fd);
      throw_errno(error, "cannot write '" + path.string() + "'");
    }
    done += static_cast<size_t>(n);
  }
  if (::fsync(fd) != 0) {
    const int error = errno;
    ::close(fd);
    throw_errno(error, "cannot write '" + path.string() + "'");
  }
  if (::close(fd) != 0) throw_errno(errno, "cannot write '" + path.string() + "'");
}

// Makes the directory's entries (a rename, new files) durable; file systems that cannot sync a
// directory (EINVAL) are left as they are.
void sync_directory(const fs::path& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) throw_errno(errno, "cannot open '" + path.string() + "'");
  const int error = ::fsync(fd) == 0 ? 0 : errno;
  ::close(fd);
  if (error != 0 && error != EINVAL) throw_errno(error, "cannot sync '" + path.string() + "'");
}

// Puts `from` in the place of `to` (an existing directory) in one step where the kernel can
// exchange the two; `from` then holds the old set.
void exchange(const fs::path& from, const fs::path& to) {
#ifdef RENAME_EXCHANGE
  if (renameat2(AT_FDCWD, from.c_str(), AT_FDCWD, to.c_str(), RENAME_EXCHANGE) == 0) return;
  if (errno != EINVAL && errno != ENOSYS) throw_errno(errno, "cannot replace '" + to.string() + "'");
#endif
  // No exchange here: two renames, between which the target is briefly absent (never mixed).
  const fs::path old = from.string() + ".old";
  fs::rename(to, old);
  fs::rename(from, to);
  fs::rename(old, from);
}

}  // namespace

void check_report_directory(const fs::path& directory) {
  const fs::path target = target_of(directory);
  std::error_code ec;
  if (fs::exists(target, ec)) {
    if (!fs::is_directory(target, ec)) throw std::invalid_argument("'" + directory.string() + "' exists and is not a directory");
    for (const auto& entry : fs::directory_iterator(target, ec)) {
      const std::string name = entry.path().filename().string();
      bool ours = false;
      for (const char* file : kReportFiles) ours = ours || name == file || name == std::string(file) + ".tmp";
      if (!ours)
        throw std::invalid_argument("'" + directory.string() + "' holds '" + name +
                                    "', which is not a report file; the report set replaces the whole directory, so name one of its own");
    }
    if (ec) throw std::invalid_argument("cannot read '" + directory.string() + "': " + ec.message());
  }
  fs::create_directories(target.parent_path(), ec);
  if (ec) throw std::invalid_argument("cannot create '" + target.parent_path().string() + "': " + ec.message());
  // Creating the temporary directory is what writing needs; try it now.
  const fs::path probe = temporary_of(target, getpid());
  fs::remove_all(probe, ec);
  if (!fs::create_directory(probe, ec) || ec)
    throw std::invalid_argument("cannot create files in '" + target.parent_path().string() + "': " + ec.message());
  fs::remove(probe, ec);
}

std::vector<fs::path> write_reports(const Document& document, const fs::path& directory) {
  check_schema(document);
  const std::pair<const char*, std::string> files[] = {
      {kReportFiles[0], document.dump(1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n"},
      {kReportFiles[1], render_junit(document)},
      {kReportFiles[2], render_markdown(document)},
      {kReportFiles[3], render_failures_csv(document)},
  };
  check_report_directory(directory);
  const fs::path target = target_of(directory);
  remove_stale_temporaries(target);
  const fs::path tmp = temporary_of(target, getpid());
  try {
    fs::create_directory(tmp);
    for (const auto& [name, text] : files) write_synced(tmp / name, text);
    sync_directory(tmp);
    if (fs::exists(target)) {
      exchange(tmp, target);
      fs::remove_all(tmp);  // the previous set
    } else {
      fs::rename(tmp, target);
    }
    sync_directory(target.parent_path());
  } catch (...) {
    std::error_code ignored;
    fs::remove_all(tmp, ignored);
    throw;
  }
  std::vector<fs::path> written;
  for (const char* name : kReportFiles) written.push_back(directory / name);
  return written;
}

}  // namespace lpc::reports
