// Fuzzes the /proc/net/dev and /proc/net/{tcp,udp}[6] parsers and the sock_diag and
// RTM_GETLINK dump parsers.
#include <linux/inet_diag.h>
#include <linux/sock_diag.h>

#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

#include "host/link_dump.h"
#include "host/network_collector.h"
#include "host/proc/net_dev.h"
#include "host/proc/net_sockets.h"
#include "host/sock_diag.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const auto interfaces = keelson::host::parseNetDev(text);
  (void)keelson::host::computeNetworkIo(interfaces,
                                        keelson::host::parseNetDev(text.substr(size / 2)), 1.0);
  const auto counts = keelson::host::parseNetSockets(text);
  std::uint64_t sum = 0;
  for (const auto n : counts.by_state) sum += n;
  if (sum != counts.total) __builtin_trap();
  // The same bytes as a netlink dump buffer (both message types the collector asks for).
  for (const std::uint16_t type :
       {std::uint16_t{TCPDIAG_GETSOCK}, std::uint16_t{SOCK_DIAG_BY_FAMILY}}) {
    keelson::host::InetSocketCounts dump;
    (void)keelson::host::parseSockDiagDump(text, type, dump);
    for (const auto* family : {&dump.ipv4, &dump.ipv6}) {
      std::uint64_t in_states = 0;
      for (const auto n : family->by_state) in_states += n;
      if (in_states != family->total) __builtin_trap();
    }
  }
  // The same bytes as an RTM_GETLINK dump buffer: every device read has a name.
  std::vector<keelson::host::LinkMessage> links;
  (void)keelson::host::parseLinkDump(text, links);
  for (const auto& link : links) {
    if (link.name.empty()) __builtin_trap();
    (void)keelson::host::formatLinkAddress(link.address);
  }
  return 0;
}
