// Fuzzes the /proc/<pid>/stat, status and cmdline parsers.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "core/error.h"
#include "host/proc/pid.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  try {
    const auto stat = keelson::host::parsePidStat(text);
    if (stat.comm.size() > size) __builtin_trap();
  } catch (const keelson::Error&) {
  }
  (void)keelson::host::parsePidStatus(text);
  if (keelson::host::formatCmdline(text, 64).size() > 64) __builtin_trap();
  return 0;
}
