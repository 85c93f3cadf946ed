// Fuzzes the os-release and passwd parsers, and toJson's UTF-8 repair with host strings.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "host/host_json.h"
#include "host/proc/os_release.h"
#include "host/proc/passwd.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  (void)keelson::host::parsePasswd(text);
  keelson::host::HostSnapshot snapshot;
  keelson::host::SystemInfo system;
  system.os = keelson::host::parseOsRelease(text);
  system.hostname = std::string(text);
  snapshot.system.value = std::move(system);
  snapshot.cpu.error = std::string(text);
  // Any bytes from the host must serialise: dump() throws on invalid UTF-8.
  (void)keelson::host::toJson(snapshot).dump();
  return 0;
}
