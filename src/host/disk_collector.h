#pragma once

#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "host/host_fs.h"
#include "host/proc/diskstats.h"

namespace keelson::host {

/// Which block devices to report.
struct DiskOptions {
  /// Report partitions too (by default only whole disks: names listed in /sys/block).
  bool include_partitions = false;
  /// Device name prefixes never reported: loop and RAM-disk devices by default.
  std::vector<std::string> exclude_name_prefixes = {"loop", "ram"};
};

/// Chooses the devices to report. Pure. A device is a whole disk if its name (with '/' written
/// as '!', as sysfs does) is in `whole_disks` (the entries of /sys/block). Without that list
/// (no sysfs under the host root) a device is taken as a partition of another listed device D
/// when its name is D followed by digits, or by "p" and digits (sda1, nvme0n1p1, mmcblk0p2).
std::vector<DiskStat> selectDisks(std::vector<DiskStat> disks,
                                  const std::optional<std::set<std::string>>& whole_disks,
                                  const DiskOptions& options);

/// Reads /proc/diskstats and the names in /sys/block, and returns the selected devices'
/// counters. Throws Error(kNotFound/kUnavailable) if /proc/diskstats is unreadable.
std::vector<DiskStat> sampleDisks(const HostFs& fs, const DiskOptions& options);

/// One device's counters and its rates over the sampling interval.
struct DiskIo {
  DiskStat counters;                ///< Cumulative counters at the second sample.
  std::uint64_t read_bytes = 0;     ///< sectors_read * 512: bytes read since boot.
  std::uint64_t written_bytes = 0;  ///< sectors_written * 512: bytes written since boot.
  // Rates over the interval; nullopt when the interval is empty, the device is new, or a
  // counter went backwards (device re-created, 32-bit wrap).
  std::optional<double> reads_per_second;        ///< Reads completed per second.
  std::optional<double> writes_per_second;       ///< Writes completed per second.
  std::optional<double> read_bytes_per_second;   ///< Bytes read per second.
  std::optional<double> write_bytes_per_second;  ///< Bytes written per second.
  /// Share of the interval with I/O in flight (io_time_ms delta / interval), 0-100, as
  /// iostat's %util.
  std::optional<double> io_utilization_percent;
};

/// Combines two samples taken `elapsed_seconds` apart. Devices are matched by name; the
/// result lists the devices of `after` in its order. Pure.
std::vector<DiskIo> computeDiskIo(const std::vector<DiskStat>& before,
                                  const std::vector<DiskStat>& after, double elapsed_seconds);

}  // namespace keelson::host
