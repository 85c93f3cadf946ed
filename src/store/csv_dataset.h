#pragma once

// The CSV dataset `keelson monitor` appends to (--output-file, default pod_metrics.csv): one
// header line, then one row per subject and tick, quoted as core/csv.h says (RFC 4180, LF).
//
// Durability: each tick is one write(2) of whole rows followed by fdatasync(2). A crash in the
// middle of that write can leave a torn last record; the next CsvDataset::open finds the end of
// the last complete record (quote-aware, so a quoted field holding a newline is no record end)
// and truncates the file there before appending. A failed write (ENOSPC, EIO) is undone with
// ftruncate(2) so the file never keeps half a tick written by a process that is still running.

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace keelson::store {

/// One tick's worth of CSV rows: each row has one cell per column; std::nullopt is an empty field.
using CsvRows = std::vector<std::vector<std::optional<std::string>>>;

/// An append-only CSV file with a fixed header. Not thread-safe: one thread appends. Holds an
/// exclusive flock(2) on the file while open, so a second writer (another `keelson monitor`
/// with the same --output-file) is refused instead of interleaving rows. Move-only.
class CsvDataset {
 public:
  /// Opens `path` for appending, creating it (and its parent directories) and writing the header
  /// `columns` when it is absent or empty. When it exists: a torn last record (a crash during
  /// an append) is cut off, and a file whose only content is a torn header is started afresh; a
  /// header that differs from `columns` throws Error(kBadInput) naming the file and the first
  /// differing column. Throws Error(kConflict) when another open CsvDataset (in any process)
  /// holds the file, Error(kUnavailable) naming the file when it cannot be read or written.
  /// `columns` must not be empty.
  static CsvDataset open(const std::filesystem::path& path, std::vector<std::string> columns);

  CsvDataset(CsvDataset&& other) noexcept;
  CsvDataset& operator=(CsvDataset&& other) noexcept;
  CsvDataset(const CsvDataset&) = delete;
  CsvDataset& operator=(const CsvDataset&) = delete;
  ~CsvDataset();

  /// Appends the rows of one tick (a nullopt cell is an empty field) in one write(2), then
  /// fdatasync(2)s the file. A row whose width differs from the header's throws Error(kBadInput)
  /// and nothing is written. A write or sync failure throws Error(kUnavailable) naming the file,
  /// after cutting the file back to its size before the call. An empty `rows` does nothing.
  void appendRows(const CsvRows& rows);

  /// The file's path as given to open().
  const std::filesystem::path& path() const noexcept { return path_; }

  /// The header's column names.
  const std::vector<std::string>& columns() const noexcept { return columns_; }

  /// The file's size in bytes after the last complete append (or after open()).
  std::uint64_t sizeBytes() const noexcept { return size_bytes_; }

 private:
  CsvDataset(std::filesystem::path path, std::vector<std::string> columns, int fd,
             std::uint64_t size_bytes);

  std::filesystem::path path_;
  std::vector<std::string> columns_;
  int fd_ = -1;
  std::uint64_t size_bytes_ = 0;
};

}  // namespace keelson::store
