#include "host/memory_collector.h"

#include <algorithm>
#include <utility>

#include "core/error.h"

namespace keelson::host {

MemoryStats computeMemory(MemInfo meminfo) {
  MemoryStats stats;
  const auto total = meminfo.get("MemTotal");
  if (!total || *total == 0) {
    throw Error(ErrorCode::kBadInput, "meminfo: no MemTotal field (or it is 0)");
  }
  stats.total_bytes = *total;
  stats.free_bytes = meminfo.get("MemFree").value_or(0);
  stats.buffers_bytes = meminfo.get("Buffers").value_or(0);
  stats.cached_bytes = meminfo.get("Cached").value_or(0);
  if (const auto available = meminfo.get("MemAvailable")) {
    stats.available_bytes = *available;
  } else {
    stats.available_estimated = true;
    stats.available_bytes = stats.free_bytes + stats.buffers_bytes + stats.cached_bytes +
                            meminfo.get("SReclaimable").value_or(0);
  }
  stats.available_bytes = std::min(stats.available_bytes, stats.total_bytes);
  stats.used_bytes = stats.total_bytes - stats.available_bytes;
  stats.usage_percent =
      static_cast<double>(stats.used_bytes) * 100.0 / static_cast<double>(stats.total_bytes);

  stats.swap_total_bytes = meminfo.get("SwapTotal").value_or(0);
  stats.swap_free_bytes = std::min(meminfo.get("SwapFree").value_or(0), stats.swap_total_bytes);
  stats.swap_used_bytes = stats.swap_total_bytes - stats.swap_free_bytes;
  stats.swap_usage_percent = stats.swap_total_bytes == 0
                                 ? 0.0
                                 : static_cast<double>(stats.swap_used_bytes) * 100.0 /
                                       static_cast<double>(stats.swap_total_bytes);
  stats.meminfo = std::move(meminfo);
  return stats;
}

MemoryStats collectMemory(const HostFs& fs) {
  try {
    return computeMemory(parseMeminfo(fs.readFile("/proc/meminfo")));
  } catch (const Error& error) {
    if (error.code() != ErrorCode::kBadInput) throw;
    throw Error(ErrorCode::kBadInput,
                "host file " + fs.path("/proc/meminfo") + ": " + error.what());
  }
}

}  // namespace keelson::host
