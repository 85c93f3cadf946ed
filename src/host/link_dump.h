#pragma once

// Network devices through rtnetlink (NETLINK_ROUTE, rtnetlink(7)): one RTM_GETLINK dump lists
// every device of the caller's network namespace with its flags, operational state, carrier,
// MTU and link-layer address, where /sys/class/net takes a file read per attribute and device
// (a node with a hundred pods has a hundred veth devices).

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "host/netlink.h"

namespace keelson::host {

/// One device as an RTM_NEWLINK message describes it (struct ifinfomsg and its IFLA_*
/// attributes, include/uapi/linux/if_link.h).
struct LinkMessage {
  std::string name;         ///< IFLA_IFNAME: "eth0".
  std::uint32_t flags = 0;  ///< ifi_flags: IFF_UP, IFF_LOOPBACK, IFF_LOWER_UP, ... (net/if.h).
  std::uint16_t type = 0;   ///< ifi_type: ARPHRD_* (1 ether, 772 loopback, 512 ppp).
  std::optional<std::uint8_t> operstate;  ///< IFLA_OPERSTATE: IF_OPER_* (6 up, 2 down, ...).
  std::optional<bool> carrier;            ///< IFLA_CARRIER.
  std::optional<std::uint32_t> mtu;       ///< IFLA_MTU, bytes.
  std::string address;  ///< IFLA_ADDRESS: the link-layer address's bytes; "" when none.
  std::string kind;     ///< IFLA_LINKINFO's IFLA_INFO_KIND ("tun", "wireguard", "veth"); "".
  /// For kind "tun": IFLA_INFO_DATA's IFLA_TUN_TYPE, 1 (IFF_TUN) or 2 (IFF_TAP); nullopt when
  /// absent.
  std::optional<std::uint8_t> tun_type;
};

/// Adds the devices of one buffer received from an RTM_GETLINK dump (netlink messages of type
/// RTM_NEWLINK: a struct ifinfomsg, then attributes) to `links`, in order, until NLMSG_DONE or
/// NLMSG_ERROR. A message or attribute whose length does not fit is kError; unknown attributes
/// are skipped. Never throws except std::bad_alloc.
NetlinkDumpStatus parseLinkDump(std::string_view bytes, std::vector<LinkMessage>& links);

/// The network devices of the calling thread's network namespace, in the kernel's order
/// (ifindex), from one RTM_GETLINK dump without statistics (RTEXT_FILTER_SKIP_STATS). nullopt
/// when rtnetlink cannot answer (no netlink, a seccomp filter, a malformed or failed dump).
/// Never throws except std::bad_alloc. Thread-safe.
std::optional<std::vector<LinkMessage>> dumpLinks();

/// `address` (LinkMessage::address) as /sys/class/net/<name>/address prints it: each byte as
/// two lowercase hex digits, joined by ':' ("02:fc:00:00:00:01"); "" for "". Pure.
std::string formatLinkAddress(std::string_view address);

}  // namespace keelson::host
