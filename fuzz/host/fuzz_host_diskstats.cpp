// Fuzzes the /proc/diskstats parser, the partition heuristic and the rate arithmetic.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>

#include "host/disk_collector.h"
#include "host/proc/diskstats.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const auto disks = keelson::host::parseDiskstats(text);
  const auto later = keelson::host::parseDiskstats(text.substr(size / 2));
  (void)keelson::host::selectDisks(disks, std::nullopt, {});
  for (const auto& io : keelson::host::computeDiskIo(disks, later, 0.5)) {
    if (io.io_utilization_percent && *io.io_utilization_percent > 100.0) __builtin_trap();
  }
  return 0;
}
