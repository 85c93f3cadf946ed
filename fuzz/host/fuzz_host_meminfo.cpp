// Fuzzes the /proc/meminfo parser, the memory arithmetic and the JSON key mapping.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "core/error.h"
#include "host/host_json.h"
#include "host/memory_collector.h"
#include "host/proc/meminfo.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  auto info = keelson::host::parseMeminfo(text);
  for (const auto& field : info.fields) {
    if (keelson::host::meminfoKey(field.name).empty()) __builtin_trap();
  }
  try {
    const auto memory = keelson::host::computeMemory(std::move(info));
    if (memory.used_bytes > memory.total_bytes ||
        memory.swap_used_bytes > memory.swap_total_bytes) {
      __builtin_trap();
    }
  } catch (const keelson::Error&) {
  }
  return 0;
}
