#include "host/host_fs.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <utility>

#include "core/error.h"

namespace keelson::host {
namespace {

// Owns a file descriptor.
class UniqueFd {
 public:
  explicit UniqueFd(int fd) noexcept : fd_(fd) {}
  UniqueFd(const UniqueFd&) = delete;
  UniqueFd& operator=(const UniqueFd&) = delete;
  ~UniqueFd() {
    if (fd_ >= 0) ::close(fd_);
  }
  int get() const noexcept { return fd_; }

 private:
  int fd_;
};

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

// Reads a file to EOF. Returns 0 and fills `out`, or returns an errno value (EFBIG when longer
// than max_bytes, unless `truncate`, which keeps the first max_bytes bytes instead).
int readAll(const std::string& local_path, std::size_t max_bytes, std::string& out,
            bool truncate = false) {
  UniqueFd fd(::open(local_path.c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY));
  if (fd.get() < 0) return errno;
  out.clear();
  std::size_t size = 0;
  out.resize(truncate ? std::min<std::size_t>(max_bytes, 4096) : 4096);
  while (true) {
    if (size == out.size()) {
      if (truncate && size >= max_bytes) break;
      if (out.size() > max_bytes) return EFBIG;
      out.resize(truncate ? std::min(out.size() * 2, max_bytes) : out.size() * 2);
    }
    const ssize_t n = ::read(fd.get(), out.data() + size, out.size() - size);
    if (n < 0) {
      if (errno == EINTR) continue;
      return errno;
    }
    if (n == 0) break;
    size += static_cast<std::size_t>(n);
  }
  if (size > max_bytes) {
    if (!truncate) return EFBIG;
    size = max_bytes;
  }
  out.resize(size);
  return 0;
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
  if (const int error_number = readAll(stat_path, std::size_t{1} << 20, text); error_number != 0) {
    const std::string reason =
        isNotFound(error_number) ? std::string("not found")
                                 : std::string("unreadable (") + std::strerror(error_number) + ")";
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
  const int error_number = readAll(local, max_bytes, text);
  if (error_number == EFBIG) {
    throw Error(ErrorCode::kUnavailable,
                "host file " + local + ": longer than " + std::to_string(max_bytes) + " bytes");
  }
  if (error_number != 0) throw ioError(local, error_number);
  return text;
}

std::optional<std::string> HostFs::readFileIfExists(std::string_view host_path,
                                                    std::size_t max_bytes) const {
  const auto local = path(host_path);
  std::string text;
  const int error_number = readAll(local, max_bytes, text);
  if (error_number == 0) return text;
  if (isNotFound(error_number)) return std::nullopt;
  if (error_number == EFBIG) {
    throw Error(ErrorCode::kUnavailable,
                "host file " + local + ": longer than " + std::to_string(max_bytes) + " bytes");
  }
  throw ioError(local, error_number);
}

std::optional<std::string> HostFs::readFileHead(std::string_view host_path,
                                                std::size_t max_bytes) const {
  const auto local = path(host_path);
  std::string text;
  const int error_number = readAll(local, max_bytes, text, /*truncate=*/true);
  if (error_number == 0) return text;
  if (isNotFound(error_number)) return std::nullopt;
  throw ioError(local, error_number);
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
