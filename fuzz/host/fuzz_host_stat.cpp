// Fuzzes the /proc/stat, /proc/loadavg and /proc/uptime parsers and the CPU usage arithmetic.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "core/error.h"
#include "host/cpu_collector.h"
#include "host/proc/loadavg.h"
#include "host/proc/stat.h"
#include "host/proc/uptime.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const auto stat = keelson::host::parseStat(text);
  // The second half of the input as a later sample: usage must stay finite and in range.
  const auto later = keelson::host::parseStat(text.substr(size / 2));
  const auto stats = keelson::host::computeCpuStats(stat, later, 1.0);
  if (stats.total && (stats.total->usage_percent < 0 || stats.total->usage_percent > 100.0001)) {
    __builtin_trap();
  }
  try {
    (void)keelson::host::parseLoadavg(text);
  } catch (const keelson::Error&) {
  }
  try {
    (void)keelson::host::parseUptime(text);
  } catch (const keelson::Error&) {
  }
  return 0;
}
