// Fuzzes the /proc/net/route, /proc/net/ipv6_route and resolv.conf parsers, and the
// --probe-target and API server URL parsers.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "core/error.h"
#include "host/connectivity.h"
#include "host/proc/net_route.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  for (const auto& route : keelson::host::parseProcNetRoute(text)) {
    if (route.ipv6 || route.prefix_length > 32) __builtin_trap();
  }
  for (const auto& route : keelson::host::parseProcIpv6Route(text)) {
    if (!route.ipv6 || route.prefix_length > 128) __builtin_trap();
  }
  (void)keelson::host::parseResolvConf(text);
  try {
    const auto target = keelson::host::parseProbeTarget(text);
    // What text() prints parses back to the same target.
    if (!(keelson::host::parseProbeTarget(target.text()) == target)) __builtin_trap();
  } catch (const keelson::Error&) {
  }
  (void)keelson::host::apiServerTarget(text);
  return 0;
}
