// Fuzzes the mountinfo parser, escape decoding and the mount selection.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "host/filesystem_collector.h"
#include "host/proc/mountinfo.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const auto mounts = keelson::host::parseMountinfo(text);
  const auto selected = keelson::host::selectMounts(mounts, {});
  if (selected.size() > mounts.size()) __builtin_trap();
  if (keelson::host::decodeMountEscapes(text).size() > size) __builtin_trap();
  (void)keelson::host::hasMountOption(text, "ro");
  return 0;
}
