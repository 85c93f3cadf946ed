#include "host/host_fs.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <utility>

#include "core/error.h"
#include "core/unique_fd.h"

namespace keelson::host {
namespace {

// Owns a DIR*.
class UniqueDir {
 public:
  explicit UniqueDir(DIR* dir) noexcept : dir_(dir) {}
  UniqueDir(const UniqueDir&) = delete;
  UniqueDir& operator=(const UniqueDir&) = delete;
  ~UniqueDir() {
    if (dir_ != nullptr) ::closedir(dir_);
  }
  DIR* get() const noexcept { return dir_; }

 private:
  DIR* dir_;
};

bool isNotFound(int error_number) {
  return error_number == ENOENT || error_number == ENOTDIR || error_number == ESRCH;
}

Error ioError(const std::string& local_path, int error_number) {
  return {isNotFound(error_number) ? ErrorCode::kNotFound : ErrorCode::kUnavailable,
          "host file " + local_path + ": " + std::strerror(error_number)};
}

// What a file that is not regular is, for messages.
const char* fileTypeName(mode_t mode) {
  if (S_ISFIFO(mode)) return "FIFO";
  if (S_ISCHR(mode)) return "character device";
  if (S_ISBLK(mode)) return "block device";
  if (S_ISSOCK(mode)) return "socket";
  if (S_ISDIR(mode)) return "directory";
  if (S_ISLNK(mode)) return "symbolic link";
  return "special file";
}

// The outcome of readAll: an errno value, or a file that is not regular, or too long.
struct ReadStatus {
  int error_number = 0;    // errno of open, fstat or read; 0 if none.
  mode_t not_regular = 0;  // The st_mode of a file that is not S_ISREG; 0 if regular.
  bool too_long = false;   // Longer than max_bytes (only without `truncate`).
  bool ok() const { return error_number == 0 && not_regular == 0 && !too_long; }
};

// Reads an open regular file from offset 0 to EOF (files in /proc and /sys report st_size 0),
// holding at most max_bytes (+1 to tell "exactly max_bytes" from "longer"). pread from 0, so an
// fd kept open reads the file afresh (a /proc file is regenerated). With `truncate`, a longer
// file yields its first max_bytes bytes instead of too_long.
ReadStatus readFromStart(int fd, std::size_t max_bytes, std::string& out, bool truncate) {
  ReadStatus status;
  // Reading stops once this many bytes are held: one past the bound tells "longer than".
  const std::size_t limit = truncate ? max_bytes : max_bytes + 1;
  out.clear();
  std::size_t size = 0;
  out.resize(std::min<std::size_t>(limit, 4096));
  while (size < limit) {
    if (size == out.size()) out.resize(std::min(out.size() * 2, limit));
    const ssize_t n = ::pread(fd, out.data() + size, out.size() - size, static_cast<off_t>(size));
    if (n < 0) {
      if (errno == EINTR) continue;
      status.error_number = errno;
      return status;
    }
    if (n == 0) break;
    size += static_cast<std::size_t>(n);
  }
  if (size > max_bytes) {
    status.too_long = true;
    return status;
  }
  out.resize(size);
  return status;
}

// Opens a regular file for reading: O_NONBLOCK so that opening a FIFO returns at once instead
// of waiting for a writer; fstat then refuses anything that is not a regular file (a FIFO
// would block in read, /dev/zero never ends). `path` is resolved relative to `dir_fd`
// (AT_FDCWD: the working directory, for absolute paths). -1 with `status` set on failure.
int openRegular(int dir_fd, const char* path, ReadStatus& status) {
  core::UniqueFd fd(::openat(dir_fd, path, O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY));
  if (fd.get() < 0) {
    status.error_number = errno;
    return -1;
  }
  struct stat info {};
  if (::fstat(fd.get(), &info) != 0) {
    status.error_number = errno;
    return -1;
  }
  if (!S_ISREG(info.st_mode)) {
    status.not_regular = info.st_mode;
    return -1;
  }
  return fd.release();
}

// openRegular, then readFromStart.
ReadStatus readAllAt(int dir_fd, const char* path, std::size_t max_bytes, std::string& out,
                     bool truncate = false) {
  ReadStatus status;
  const core::UniqueFd fd(openRegular(dir_fd, path, status));
  if (fd.get() < 0) return status;
  return readFromStart(fd.get(), max_bytes, out, truncate);
}

ReadStatus readAll(const std::string& local_path, std::size_t max_bytes, std::string& out,
                   bool truncate = false) {
  return readAllAt(AT_FDCWD, local_path.c_str(), max_bytes, out, truncate);
}

// The Error for a failed readAll (status.ok() is false).
Error readError(const std::string& local_path, const ReadStatus& status, std::size_t max_bytes) {
  if (status.not_regular != 0) {
    return {ErrorCode::kUnavailable, "host file " + local_path + ": not a regular file (" +
                                         fileTypeName(status.not_regular) +
                                         "); expected a regular file such as /proc's"};
  }
  if (status.too_long) {
    return {ErrorCode::kUnavailable, "host file " + local_path + ": longer than " +
                                         std::to_string(max_bytes) +
                                         " bytes, the limit for one host file"};
  }
  return ioError(local_path, status.error_number);
}

std::string normaliseRoot(std::string root) {
  while (root.size() > 1 && root.back() == '/') root.pop_back();
  if (root.empty()) root = "/";
  return root;
}

}  // namespace

HostFs::HostFs(std::string root) : root_(normaliseRoot(std::move(root))) {
  prefix_ = root_ == "/" ? std::string() : root_;
}

HostFs HostFs::open(const std::string& root) {
  if (root.empty()) throw Error(ErrorCode::kBadInput, "host root: empty path");
  std::error_code ec;
  const auto absolute = std::filesystem::absolute(root, ec);
  HostFs fs(ec ? root : absolute.string());
  struct stat info {};
  if (::stat(fs.root_.c_str(), &info) != 0) {
    throw Error(ErrorCode::kBadInput,
                "host root " + fs.root_ + ": " + std::strerror(errno) +
                    "; expected a directory where the host's / is mounted (with /proc)");
  }
  if (!S_ISDIR(info.st_mode)) {
    throw Error(ErrorCode::kBadInput, "host root " + fs.root_ +
                                          ": not a directory; expected the host's / mounted "
                                          "there (with /proc)");
  }
  const auto stat_path = fs.path("/proc/stat");
  std::string text;
  if (const ReadStatus status = readAll(stat_path, std::size_t{1} << 20, text); !status.ok()) {
    std::string reason;
    if (status.error_number != 0 && isNotFound(status.error_number)) {
      reason = "not found";
    } else if (status.error_number != 0) {
      reason = std::string("unreadable (") + std::strerror(status.error_number) + ")";
    } else {
      // Not regular or too long: readError's wording, without the path said again.
      const std::string detail = readError(stat_path, status, std::size_t{1} << 20).what();
      reason = "unreadable (" + detail.substr(detail.find(": ") + 2) + ")";
    }
    throw Error(ErrorCode::kBadInput, "host root " + fs.root_ + ": " + stat_path + " " + reason +
                                          "; expected the host's / mounted there (with /proc)");
  }
  if (!text.starts_with("cpu ") && text.find("\ncpu ") == std::string::npos) {
    throw Error(ErrorCode::kBadInput, "host root " + fs.root_ + ": " + stat_path +
                                          " has no \"cpu\" line; expected the kernel's procfs "
                                          "mounted at " +
                                          fs.path("/proc"));
  }
  return fs;
}

std::string HostFs::path(std::string_view host_path) const {
  std::string local = prefix_;
  if (host_path.empty() || host_path.front() != '/') local.push_back('/');
  local.append(host_path);
  return local;
}

std::string HostFs::readFile(std::string_view host_path, std::size_t max_bytes) const {
  const auto local = path(host_path);
  std::string text;
  if (const ReadStatus status = readAll(local, max_bytes, text); !status.ok()) {
    throw readError(local, status, max_bytes);
  }
  return text;
}

std::optional<std::string> HostFs::readFileIfExists(std::string_view host_path,
                                                    std::size_t max_bytes) const {
  const auto local = path(host_path);
  std::string text;
  const ReadStatus status = readAll(local, max_bytes, text);
  if (status.ok()) return text;
  if (status.error_number != 0 && isNotFound(status.error_number)) return std::nullopt;
  throw readError(local, status, max_bytes);
}

std::optional<std::string> HostFs::readFileHead(std::string_view host_path,
                                                std::size_t max_bytes) const {
  const auto local = path(host_path);
  std::string text;
  const ReadStatus status = readAll(local, max_bytes, text, /*truncate=*/true);
  if (status.ok()) return text;
  if (status.error_number != 0 && isNotFound(status.error_number)) return std::nullopt;
  throw readError(local, status, max_bytes);
}

std::vector<std::string> HostFs::listDir(std::string_view host_path) const {
  const auto local = path(host_path);
  UniqueDir dir(::opendir(local.c_str()));
  if (dir.get() == nullptr) throw ioError(local, errno);
  std::vector<std::string> names;
  while (true) {
    errno = 0;
    const dirent* entry = ::readdir(dir.get());
    if (entry == nullptr) {
      if (errno != 0) throw ioError(local, errno);
      break;
    }
    const std::string_view name(entry->d_name);
    if (name == "." || name == "..") continue;
    names.emplace_back(name);
  }
  return names;
}

HostDir HostFs::openDir(std::string_view host_path) const {
  auto local = path(host_path);
  const int fd = ::open(local.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) throw ioError(local, errno);
  return {fd, std::move(local)};
}

HostDir::HostDir(HostDir&& other) noexcept
    : fd_(std::exchange(other.fd_, -1)), local_path_(std::move(other.local_path_)) {}

HostDir& HostDir::operator=(HostDir&& other) noexcept {
  if (this != &other) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = std::exchange(other.fd_, -1);
    local_path_ = std::move(other.local_path_);
  }
  return *this;
}

HostDir::~HostDir() {
  if (fd_ >= 0) ::close(fd_);
}

std::vector<std::string> HostDir::list() const {
  // A DIR* of its own (over a duplicate descriptor), from the start: fd_ stays usable for openat.
  const int fd = ::openat(fd_, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) throw ioError(local_path_, errno);
  UniqueDir dir(::fdopendir(fd));
  if (dir.get() == nullptr) {
    const int error_number = errno;
    ::close(fd);
    throw ioError(local_path_, error_number);
  }
  std::vector<std::string> names;
  while (true) {
    errno = 0;
    const dirent* entry = ::readdir(dir.get());
    if (entry == nullptr) {
      if (errno != 0) throw ioError(local_path_, errno);
      break;
    }
    const std::string_view name(entry->d_name);
    if (name == "." || name == "..") continue;
    names.emplace_back(name);
  }
  return names;
}

bool HostDir::readFileInto(std::string_view relative, std::size_t max_bytes, std::string& out,
                           bool truncate) const {
  // NUL-terminated for openat; short names ("1234/stat") need no allocation.
  std::array<char, 64> short_path{};
  std::string long_path;
  const char* c_path = nullptr;
  if (relative.size() < short_path.size()) {
    std::copy(relative.begin(), relative.end(), short_path.begin());
    c_path = short_path.data();
  } else {
    long_path.assign(relative);
    c_path = long_path.c_str();
  }
  const ReadStatus status = readAllAt(fd_, c_path, max_bytes, out, truncate);
  if (status.ok()) return true;
  if (status.error_number != 0 && isNotFound(status.error_number)) return false;
  std::string local = local_path_;
  if (local.empty() || local.back() != '/') local.push_back('/');
  local.append(relative);
  throw readError(local, status, max_bytes);
}

std::optional<HostFile> HostDir::openFile(std::string_view relative) const {
  const std::string name(relative);
  ReadStatus status;
  const int fd = openRegular(fd_, name.c_str(), status);
  std::string local = local_path_;
  if (local.empty() || local.back() != '/') local.push_back('/');
  local.append(relative);
  if (fd >= 0) return HostFile(fd, std::move(local));
  if (status.error_number != 0 && isNotFound(status.error_number)) return std::nullopt;
  throw readError(local, status, 0);
}

HostFile::HostFile(HostFile&& other) noexcept
    : fd_(std::exchange(other.fd_, -1)), local_path_(std::move(other.local_path_)) {}

HostFile& HostFile::operator=(HostFile&& other) noexcept {
  if (this != &other) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = std::exchange(other.fd_, -1);
    local_path_ = std::move(other.local_path_);
  }
  return *this;
}

HostFile::~HostFile() {
  if (fd_ >= 0) ::close(fd_);
}

bool HostFile::readInto(std::size_t max_bytes, std::string& out) const {
  const ReadStatus status = readFromStart(fd_, max_bytes, out, /*truncate=*/false);
  if (status.ok()) return true;
  if (status.error_number != 0 && isNotFound(status.error_number)) return false;
  throw readError(local_path_, status, max_bytes);
}

bool HostFs::exists(std::string_view host_path) const noexcept {
  try {
    struct stat info {};
    return ::stat(path(host_path).c_str(), &info) == 0;
  } catch (...) {  // std::bad_alloc from path().
    return false;
  }
}

std::optional<std::string> HostFs::readLink(std::string_view host_path) const {
  const auto local = path(host_path);
  std::string target(256, '\0');
  while (true) {
    const ssize_t n = ::readlink(local.c_str(), target.data(), target.size());
    if (n < 0) return std::nullopt;
    if (static_cast<std::size_t>(n) < target.size()) {
      target.resize(static_cast<std::size_t>(n));
      return target;
    }
    if (target.size() >= 65536) return std::nullopt;
    target.resize(target.size() * 2);
  }
}

}  // namespace keelson::host
