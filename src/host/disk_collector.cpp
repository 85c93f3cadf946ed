#include "host/disk_collector.h"

#include <algorithm>
#include <map>
#include <utility>

#include "core/error.h"

namespace keelson::host {
namespace {

bool allDigits(std::string_view text) {
  return !text.empty() &&
         std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; });
}

// True if `name` is `parent` followed by digits or "p" and digits.
bool looksLikePartitionOf(std::string_view name, std::string_view parent) {
  if (name.size() <= parent.size() || !name.starts_with(parent)) return false;
  auto suffix = name.substr(parent.size());
  if (suffix.front() == 'p') suffix.remove_prefix(1);
  return allDigits(suffix);
}

std::string sysfsName(std::string name) {
  std::replace(name.begin(), name.end(), '/', '!');
  return name;
}

std::optional<double> rate(std::uint64_t before, std::uint64_t after, double elapsed_seconds,
                           double scale = 1.0) {
  if (elapsed_seconds <= 0 || after < before) return std::nullopt;
  return static_cast<double>(after - before) * scale / elapsed_seconds;
}

}  // namespace

std::vector<DiskStat> selectDisks(std::vector<DiskStat> disks,
                                  const std::optional<std::set<std::string>>& whole_disks,
                                  const DiskOptions& options) {
  std::vector<std::string> names;
  names.reserve(disks.size());
  for (const auto& disk : disks) names.push_back(disk.name);
  auto is_partition = [&](const DiskStat& disk) {
    if (whole_disks) return !whole_disks->contains(sysfsName(disk.name));
    return std::any_of(names.begin(), names.end(), [&](const std::string& parent) {
      return looksLikePartitionOf(disk.name, parent);
    });
  };
  std::erase_if(disks, [&](const DiskStat& disk) {
    const bool excluded_name =
        std::any_of(options.exclude_name_prefixes.begin(), options.exclude_name_prefixes.end(),
                    [&](const std::string& prefix) { return disk.name.starts_with(prefix); });
    return excluded_name || (!options.include_partitions && is_partition(disk));
  });
  return disks;
}

std::vector<DiskStat> sampleDisks(const HostFs& fs, const DiskOptions& options) {
  auto disks = parseDiskstats(fs.readFile("/proc/diskstats"));
  std::optional<std::set<std::string>> whole_disks;
  try {
    const auto entries = fs.listDir("/sys/block");
    whole_disks.emplace(entries.begin(), entries.end());
  } catch (const Error&) {
    // No sysfs under the host root: selectDisks falls back to names.
  }
  return selectDisks(std::move(disks), whole_disks, options);
}

std::vector<DiskIo> computeDiskIo(const std::vector<DiskStat>& before,
                                  const std::vector<DiskStat>& after, double elapsed_seconds) {
  std::map<std::string_view, const DiskStat*> earlier;
  for (const auto& disk : before) earlier.emplace(disk.name, &disk);
  std::vector<DiskIo> result;
  result.reserve(after.size());
  for (const auto& disk : after) {
    DiskIo io;
    io.counters = disk;
    io.read_bytes = disk.sectors_read * kDiskstatsSectorBytes;
    io.written_bytes = disk.sectors_written * kDiskstatsSectorBytes;
    if (const auto it = earlier.find(disk.name); it != earlier.end()) {
      const DiskStat& old = *it->second;
      const auto sector = static_cast<double>(kDiskstatsSectorBytes);
      io.reads_per_second = rate(old.reads_completed, disk.reads_completed, elapsed_seconds);
      io.writes_per_second = rate(old.writes_completed, disk.writes_completed, elapsed_seconds);
      io.read_bytes_per_second = rate(old.sectors_read, disk.sectors_read, elapsed_seconds, sector);
      io.write_bytes_per_second =
          rate(old.sectors_written, disk.sectors_written, elapsed_seconds, sector);
      if (const auto busy_ms_per_second = rate(old.io_time_ms, disk.io_time_ms, elapsed_seconds)) {
        io.io_utilization_percent = std::min(100.0, *busy_ms_per_second / 10.0);
      }
    }
    result.push_back(std::move(io));
  }
  return result;
}

}  // namespace keelson::host
