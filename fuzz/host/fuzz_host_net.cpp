// Fuzzes the /proc/net/dev and /proc/net/{tcp,udp}[6] parsers.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "host/network_collector.h"
#include "host/proc/net_dev.h"
#include "host/proc/net_sockets.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const auto interfaces = keelson::host::parseNetDev(text);
  (void)keelson::host::computeNetworkIo(interfaces,
                                        keelson::host::parseNetDev(text.substr(size / 2)), 1.0);
  const auto counts = keelson::host::parseNetSockets(text);
  std::uint64_t sum = 0;
  for (const auto n : counts.by_state) sum += n;
  if (sum != counts.total) __builtin_trap();
  return 0;
}
