#include "host/proc/diskstats.h"

#include <array>
#include <limits>

#include "host/proc/parse_util.h"

namespace keelson::host {

std::vector<DiskStat> parseDiskstats(std::string_view text) {
  std::vector<DiskStat> disks;
  detail::forEachLine(text, [&](std::string_view line) {
    detail::Tokenizer tokens(line);
    const auto major_token = tokens.next();
    const auto minor_token = tokens.next();
    const auto name = tokens.next();
    if (!major_token || !minor_token || !name) return;
    const auto major = detail::parseU64(*major_token);
    const auto minor = detail::parseU64(*minor_token);
    constexpr auto kMaxU32 = std::numeric_limits<std::uint32_t>::max();
    if (!major || !minor || *major > kMaxU32 || *minor > kMaxU32) return;

    std::array<std::uint64_t, 17> values{};
    std::size_t count = 0;
    while (const auto token = tokens.next()) {
      const auto value = detail::parseU64(*token);
      if (!value) return;
      if (count < values.size()) values[count] = *value;
      ++count;
    }
    DiskStat disk;
    disk.major = static_cast<std::uint32_t>(*major);
    disk.minor = static_cast<std::uint32_t>(*minor);
    disk.name = std::string(*name);
    if (count == 4) {
      disk.reads_completed = values[0];
      disk.sectors_read = values[1];
      disk.writes_completed = values[2];
      disk.sectors_written = values[3];
      disk.stat_fields = 4;
      disks.push_back(std::move(disk));
      return;
    }
    if (count < 11) return;
    disk.stat_fields = static_cast<int>(count < 15 ? 11 : count < 17 ? 15 : 17);
    disk.reads_completed = values[0];
    disk.reads_merged = values[1];
    disk.sectors_read = values[2];
    disk.read_time_ms = values[3];
    disk.writes_completed = values[4];
    disk.writes_merged = values[5];
    disk.sectors_written = values[6];
    disk.write_time_ms = values[7];
    disk.ios_in_progress = values[8];
    disk.io_time_ms = values[9];
    disk.weighted_io_time_ms = values[10];
    if (disk.stat_fields >= 15) {
      disk.discards_completed = values[11];
      disk.discards_merged = values[12];
      disk.sectors_discarded = values[13];
      disk.discard_time_ms = values[14];
    }
    if (disk.stat_fields >= 17) {
      disk.flushes_completed = values[15];
      disk.flush_time_ms = values[16];
    }
    disks.push_back(std::move(disk));
  });
  return disks;
}

}  // namespace keelson::host
