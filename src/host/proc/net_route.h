#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace keelson::host {

/// Route flags of <linux/route.h> and <linux/ipv6_route.h> as the kernel prints them in
/// /proc/net/route and /proc/net/ipv6_route.
inline constexpr std::uint32_t kRouteFlagUp = 0x0001;       ///< RTF_UP: the route is usable.
inline constexpr std::uint32_t kRouteFlagGateway = 0x0002;  ///< RTF_GATEWAY: via a next hop.
inline constexpr std::uint32_t kRouteFlagReject = 0x0200;   ///< RTF_REJECT: unreachable route.

/// One route of the kernel's main routing table, IPv4 or IPv6.
struct Route {
  bool ipv6 = false;           ///< True for a /proc/net/ipv6_route line.
  std::string interface;       ///< Output device, e.g. "eth0" ("*" in IPv4 when none).
  std::string destination;     ///< Destination network, e.g. "0.0.0.0", "10.0.0.0", "::".
  unsigned prefix_length = 0;  ///< Destination prefix length in bits (0 for a default route).
  /// Next hop, e.g. "192.0.2.1" or "fd00::1"; nullopt when the route has no gateway
  /// (RTF_GATEWAY unset: the destination is on the link, as for a point-to-point VPN device).
  std::optional<std::string> gateway;
  std::uint32_t flags = 0;   ///< RTF_* flags (kRouteFlagUp, ...).
  std::uint32_t metric = 0;  ///< Route metric (priority; lower wins).

  /// True for a usable default route: destination 0/0, RTF_UP, not RTF_REJECT (the kernel keeps
  /// an unreachable ::/0 route on "lo" in every IPv6 table).
  bool isDefault() const noexcept {
    return prefix_length == 0 && (flags & kRouteFlagUp) != 0 && (flags & kRouteFlagReject) == 0;
  }
};

/// Parses /proc/net/route (IPv4; /proc/<pid>/net/route): a header line, then per route
/// "Iface Destination Gateway Flags RefCnt Use Metric Mask MTU Window IRTT", addresses as
/// 8 hex digits of the network-order value read as a native integer (so "010200C0" is
/// 192.0.2.1 on little-endian hosts). The prefix length is the number of bits set in Mask.
/// Lines with fewer than 8 fields or malformed hex are skipped. Pure; never throws except
/// std::bad_alloc.
std::vector<Route> parseProcNetRoute(std::string_view text);

/// Parses /proc/net/ipv6_route: per route "dest dest_plen src src_plen next_hop metric refcnt
/// use flags iface", addresses as 32 hex digits in network order, the rest in hex. A next hop
/// of :: means no gateway. Lines with fewer than 10 fields or malformed hex are skipped. Pure;
/// never throws except std::bad_alloc.
std::vector<Route> parseProcIpv6Route(std::string_view text);

/// What the resolver configuration says (resolv.conf(5)).
struct ResolvConf {
  std::vector<std::string> nameservers;  ///< "nameserver ADDRESS" lines, in order.
  std::vector<std::string> search;       ///< The last "search" (or "domain") line's domains.
};

/// Parses /etc/resolv.conf: "nameserver" lines and the last "search"/"domain" line; comments
/// ('#' or ';' at the start of a line) and other keywords are ignored. Pure; never throws except
/// std::bad_alloc.
ResolvConf parseResolvConf(std::string_view text);

}  // namespace keelson::host
