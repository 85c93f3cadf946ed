#include "store/csv_dataset.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <spdlog/spdlog.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cassert>
#include <cerrno>
#include <cstring>
#include <system_error>
#include <utility>

#include "core/csv.h"
#include "core/error.h"
#include "core/log.h"

namespace keelson::store {
namespace {

// A header longer than this is not one keelson wrote.
constexpr std::size_t kMaxHeaderBytes = 1 << 20;
constexpr std::size_t kScanChunkBytes = 1 << 20;
// One tick is one write; a torn tail longer than this is not a torn tick but a file keelson did
// not write (say, a stray quote from an editor), and cutting it could destroy data.
constexpr std::uint64_t kMaxTornTailBytes = std::uint64_t{64} << 20;

[[noreturn]] void throwErrno(ErrorCode code, const std::filesystem::path& path,
                             std::string_view what, int err) {
  throw Error(code, fmt::format("CSV dataset {}: {}: {}", path.string(), what,
                                std::error_code(err, std::generic_category()).message()));
}

// Closes the fd unless released; keeps open() exception-safe.
class FdGuard {
 public:
  explicit FdGuard(int fd) : fd_(fd) {}
  FdGuard(const FdGuard&) = delete;
  FdGuard& operator=(const FdGuard&) = delete;
  ~FdGuard() {
    if (fd_ >= 0) ::close(fd_);
  }
  int get() const { return fd_; }
  int release() { return std::exchange(fd_, -1); }

 private:
  int fd_;
};

// Writes all of `data` (retrying on EINTR and short writes); returns 0 or the errno.
int writeAll(int fd, std::string_view data) {
  while (!data.empty()) {
    const ssize_t n = ::write(fd, data.data(), data.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return errno;
    }
    data.remove_prefix(static_cast<std::size_t>(n));
  }
  return 0;
}

int syncData(int fd) {
  while (::fdatasync(fd) != 0) {
    if (errno != EINTR) return errno;
  }
  return 0;
}

// Makes a new directory entry durable (best effort: some filesystems refuse fsync on a dir).
void syncParentDir(const std::filesystem::path& path) {
  std::filesystem::path dir = path.parent_path();
  if (dir.empty()) dir = ".";
  const int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return;
  (void)::fsync(fd);
  ::close(fd);
}

// Splits one CSV record (without its line end) into fields, undoing RFC 4180 quoting.
std::vector<std::string> parseRecord(std::string_view record) {
  std::vector<std::string> fields(1);
  bool in_quotes = false;
  for (std::size_t i = 0; i < record.size(); ++i) {
    const char c = record[i];
    if (in_quotes) {
      if (c == '"') {
        if (i + 1 < record.size() && record[i + 1] == '"') {
          fields.back() += '"';
          ++i;
        } else {
          in_quotes = false;
        }
      } else {
        fields.back() += c;
      }
    } else if (c == '"') {
      in_quotes = true;
    } else if (c == ',') {
      fields.emplace_back();
    } else {
      fields.back() += c;
    }
  }
  return fields;
}

// What a scan of an existing file found.
struct ScanResult {
  std::optional<std::string> header;  // the first record without its line end; nullopt if torn
  std::uint64_t complete_bytes = 0;   // the offset just past the last complete record
};

// Reads the whole file once, tracking whether each LF is inside a quoted field: a record ends
// at an LF outside quotes (a doubled quote toggles twice, so it needs no special case).
ScanResult scan(int fd, std::uint64_t size, const std::filesystem::path& path) {
  ScanResult result;
  std::string header;
  bool in_quotes = false;
  std::vector<char> buffer(kScanChunkBytes);
  std::uint64_t offset = 0;
  while (offset < size) {
    const ssize_t n = ::pread(fd, buffer.data(), buffer.size(), static_cast<off_t>(offset));
    if (n < 0) {
      if (errno == EINTR) continue;
      throwErrno(ErrorCode::kUnavailable, path, "cannot read", errno);
    }
    if (n == 0) break;  // the file shrank under us; what we saw is what we have
    for (ssize_t i = 0; i < n; ++i) {
      const char c = buffer[static_cast<std::size_t>(i)];
      if (!result.header) {
        if (header.size() >= kMaxHeaderBytes) {
          throw Error(ErrorCode::kBadInput,
                      fmt::format("CSV dataset {}: the first line is longer than {} bytes; not a "
                                  "keelson dataset (move it away or choose another file)",
                                  path.string(), kMaxHeaderBytes));
        }
        header += c;
      }
      if (c == '"') {
        in_quotes = !in_quotes;
      } else if (c == '\n' && !in_quotes) {
        result.complete_bytes = offset + static_cast<std::uint64_t>(i) + 1;
        if (!result.header) {
          header.pop_back();
          if (!header.empty() && header.back() == '\r') header.pop_back();
          result.header = header;  // a copy: `header` is not touched again
        }
      }
    }
    offset += static_cast<std::uint64_t>(n);
  }
  return result;
}

void checkHeader(const std::filesystem::path& path, const std::string& header_line,
                 const std::vector<std::string>& columns) {
  const std::vector<std::string> found = parseRecord(header_line);
  if (found == columns) return;
  const std::size_t common = std::min(found.size(), columns.size());
  for (std::size_t i = 0; i < common; ++i) {
    if (found[i] != columns[i]) {
      throw Error(ErrorCode::kBadInput,
                  fmt::format("CSV dataset {}: header differs at column {}: the file has \"{}\", "
                              "expected \"{}\" (move the file away or choose another file)",
                              path.string(), i + 1, found[i], columns[i]));
    }
  }
  if (found.size() < columns.size()) {
    throw Error(ErrorCode::kBadInput,
                fmt::format("CSV dataset {}: header differs at column {}: the file has no such "
                            "column, expected \"{}\" (move the file away or choose another file)",
                            path.string(), found.size() + 1, columns[found.size()]));
  }
  throw Error(ErrorCode::kBadInput,
              fmt::format("CSV dataset {}: header differs at column {}: the file has \"{}\", "
                          "expected no more columns (move the file away or choose another file)",
                          path.string(), columns.size() + 1, found[columns.size()]));
}

}  // namespace

CsvDataset CsvDataset::open(const std::filesystem::path& path, std::vector<std::string> columns) {
  if (columns.empty()) {
    throw Error(ErrorCode::kBadInput,
                fmt::format("CSV dataset {}: no columns given", path.string()));
  }
  if (const std::filesystem::path dir = path.parent_path(); !dir.empty()) {
    std::error_code ec;
    std::filesystem::create_directories(dir, ec);
    if (ec) {
      throw Error(ErrorCode::kUnavailable,
                  fmt::format("CSV dataset {}: cannot create directory {}: {}", path.string(),
                              dir.string(), ec.message()));
    }
  }
  FdGuard fd(::open(path.c_str(), O_RDWR | O_CREAT | O_APPEND | O_CLOEXEC, 0644));
  if (fd.get() < 0) throwErrno(ErrorCode::kUnavailable, path, "cannot open", errno);
  if (::flock(fd.get(), LOCK_EX | LOCK_NB) != 0 && errno == EWOULDBLOCK) {
    throw Error(ErrorCode::kConflict,
                fmt::format("CSV dataset {}: another process (or another writer in this one) is "
                            "appending to it",
                            path.string()));
  }  // other flock failures (ENOLCK on some network filesystems) leave the file unlocked
  struct stat st {};
  if (::fstat(fd.get(), &st) != 0) throwErrno(ErrorCode::kUnavailable, path, "cannot stat", errno);
  if (!S_ISREG(st.st_mode)) {
    throw Error(ErrorCode::kBadInput,
                fmt::format("CSV dataset {}: not a regular file", path.string()));
  }
  auto size = static_cast<std::uint64_t>(st.st_size);
  if (size > 0) {
    const ScanResult found = scan(fd.get(), size, path);
    if (!found.header) {
      // Only a torn header: nothing of value was ever appended.
      core::logEvent(spdlog::level::warn,
                     "CSV dataset: the header is incomplete; starting the file afresh",
                     {{"path", path.string()}, {"bytes", size}});
      if (::ftruncate(fd.get(), 0) != 0) {
        throwErrno(ErrorCode::kUnavailable, path, "cannot truncate", errno);
      }
      size = 0;
    } else {
      checkHeader(path, *found.header, columns);
      if (size - found.complete_bytes > kMaxTornTailBytes) {
        throw Error(ErrorCode::kBadInput,
                    fmt::format("CSV dataset {}: the last {} bytes are not complete CSV records "
                                "(an unbalanced quote?); refusing to cut them (repair or move the "
                                "file away)",
                                path.string(), size - found.complete_bytes));
      }
      if (found.complete_bytes < size) {
        core::logEvent(spdlog::level::warn,
                       "CSV dataset: cutting a torn last record left by an interrupted append",
                       {{"path", path.string()}, {"bytes", size - found.complete_bytes}});
        if (::ftruncate(fd.get(), static_cast<off_t>(found.complete_bytes)) != 0) {
          throwErrno(ErrorCode::kUnavailable, path, "cannot truncate", errno);
        }
        if (const int err = syncData(fd.get()); err != 0) {
          throwErrno(ErrorCode::kUnavailable, path, "cannot sync", err);
        }
        size = found.complete_bytes;
      }
    }
  }
  if (size == 0) {
    const std::string header = core::csvRecord(columns);
    if (const int err = writeAll(fd.get(), header); err != 0) {
      (void)::ftruncate(fd.get(), 0);
      throwErrno(ErrorCode::kUnavailable, path, "cannot write the header", err);
    }
    if (const int err = syncData(fd.get()); err != 0) {
      throwErrno(ErrorCode::kUnavailable, path, "cannot sync", err);
    }
    syncParentDir(path);
    size = header.size();
  }
  return {path, std::move(columns), fd.release(), size};
}

CsvDataset::CsvDataset(std::filesystem::path path, std::vector<std::string> columns, int fd,
                       std::uint64_t size_bytes)
    : path_(std::move(path)), columns_(std::move(columns)), fd_(fd), size_bytes_(size_bytes) {}

CsvDataset::CsvDataset(CsvDataset&& other) noexcept
    : path_(std::move(other.path_)),
      columns_(std::move(other.columns_)),
      fd_(std::exchange(other.fd_, -1)),
      size_bytes_(other.size_bytes_) {}

CsvDataset& CsvDataset::operator=(CsvDataset&& other) noexcept {
  if (this != &other) {
    if (fd_ >= 0) ::close(fd_);
    path_ = std::move(other.path_);
    columns_ = std::move(other.columns_);
    fd_ = std::exchange(other.fd_, -1);
    size_bytes_ = other.size_bytes_;
  }
  return *this;
}

CsvDataset::~CsvDataset() {
  if (fd_ >= 0) ::close(fd_);
}

void CsvDataset::appendRows(const CsvRows& rows) {
  assert(fd_ >= 0 && "appendRows on a moved-from CsvDataset");
  if (rows.empty()) return;
  std::string buffer;
  for (std::size_t r = 0; r < rows.size(); ++r) {
    const auto& row = rows[r];
    if (row.size() != columns_.size()) {
      throw Error(ErrorCode::kBadInput,
                  fmt::format("CSV dataset {}: row {} of this tick has {} cells, the header has {} "
                              "columns; nothing was written",
                              path_.string(), r + 1, row.size(), columns_.size()));
    }
    for (std::size_t i = 0; i < row.size(); ++i) {
      if (i > 0) buffer += ',';
      if (row[i]) buffer += core::csvField(*row[i]);
    }
    buffer += '\n';
  }
  int err = writeAll(fd_, buffer);
  if (err == 0) err = syncData(fd_);
  if (err != 0) {
    // Undo a partial append so that the rows already in the file stay whole.
    (void)::ftruncate(fd_, static_cast<off_t>(size_bytes_));
    throwErrno(ErrorCode::kUnavailable, path_, "cannot append", err);
  }
  size_bytes_ += buffer.size();
}

}  // namespace keelson::store
