#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace keelson::host {

/// One line of /proc/diskstats (see the kernel's Documentation/admin-guide/iostats.rst).
/// Counters are cumulative since boot (they wrap at 32 bits on 32-bit kernels). Fields a kernel
/// does not print are 0; `stat_fields` says how many it printed.
struct DiskStat {
  std::uint32_t major = 0;                ///< Device major number.
  std::uint32_t minor = 0;                ///< Device minor number.
  std::string name;                       ///< Kernel device name, e.g. "vda", "nvme0n1p1", "dm-0".
  std::uint64_t reads_completed = 0;      ///< (1) Reads completed successfully.
  std::uint64_t reads_merged = 0;         ///< (2) Adjacent reads merged.
  std::uint64_t sectors_read = 0;         ///< (3) Sectors read; a sector is 512 bytes.
  std::uint64_t read_time_ms = 0;         ///< (4) Milliseconds spent reading.
  std::uint64_t writes_completed = 0;     ///< (5) Writes completed.
  std::uint64_t writes_merged = 0;        ///< (6) Adjacent writes merged.
  std::uint64_t sectors_written = 0;      ///< (7) Sectors written (512 bytes each).
  std::uint64_t write_time_ms = 0;        ///< (8) Milliseconds spent writing.
  std::uint64_t ios_in_progress = 0;      ///< (9) I/Os in flight now (a gauge).
  std::uint64_t io_time_ms = 0;           ///< (10) Milliseconds the device had I/O in flight.
  std::uint64_t weighted_io_time_ms = 0;  ///< (11) Milliseconds of I/O weighted by queue depth.
  std::uint64_t discards_completed = 0;   ///< (12) Discards completed (Linux 4.18+).
  std::uint64_t discards_merged = 0;      ///< (13) Discards merged (4.18+).
  std::uint64_t sectors_discarded = 0;    ///< (14) Sectors discarded (4.18+).
  std::uint64_t discard_time_ms = 0;      ///< (15) Milliseconds spent discarding (4.18+).
  std::uint64_t flushes_completed = 0;    ///< (16) Flush requests completed (5.5+).
  std::uint64_t flush_time_ms = 0;        ///< (17) Milliseconds spent flushing (5.5+).
  /// How many statistics the line had: 11 (before 4.18; 14 fields with major, minor, name),
  /// 15 (4.18+, 18 fields), 17 (5.5+, 20 fields), or 4 (partitions on 2.6.0-2.6.24: reads,
  /// sectors read, writes, sectors written, mapped to fields 1, 3, 5, 7).
  int stat_fields = 0;
};

/// The size of a diskstats sector in bytes, whatever the device's real sector size.
inline constexpr std::uint64_t kDiskstatsSectorBytes = 512;

/// Parses /proc/diskstats. Pure. Accepts lines of 7 (old partition format), 14, 18 or 20 fields;
/// any other line with at least 11 statistics uses the richest of those layouts it fully
/// contains (so future kernels' extra fields are ignored). Other lines, and lines with a
/// non-numeric counter, are skipped. Never throws except std::bad_alloc.
std::vector<DiskStat> parseDiskstats(std::string_view text);

}  // namespace keelson::host
