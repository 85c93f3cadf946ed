// Fuzzes the /proc/cpuinfo and CPU list parsers.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "host/proc/cpuinfo.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  (void)keelson::host::parseCpuinfo(text);
  const auto cpus = keelson::host::parseCpuList(text);
  for (std::size_t i = 0; i < cpus.size(); ++i) {
    // Ascending, unique, within bounds.
    if (cpus[i] < 0 || cpus[i] > keelson::host::kMaxCpuNumber ||
        (i > 0 && cpus[i] <= cpus[i - 1])) {
      __builtin_trap();
    }
  }
  return 0;
}
