#pragma once

// TCP and UDP socket counts through the kernel's sock_diag netlink interface
// (NETLINK_SOCK_DIAG, inet_diag(7)), the cheap alternative to reading /proc/net/{tcp,udp}{,6}:
// each read(2) of those files walks the protocol's whole hash table (262,144 TCP buckets, 16,384
// UDP slots on a small VM) again, reading to EOF takes at least two reads, and the IPv4 and
// IPv6 files walk it separately. A netlink dump walks the table once, resuming where it stopped
// from one buffer to the next; for TCP, one dump walks it for both families at once.

#include <cstdint>
#include <optional>
#include <string_view>

#include "host/netlink.h"
#include "host/proc/net_sockets.h"

namespace keelson::host {

/// The sockets of one protocol (TCP or UDP) in one network namespace, by address family.
struct InetSocketCounts {
  SocketCounts ipv4;  ///< Sockets of family AF_INET: what /proc/net/tcp (udp) lists.
  SocketCounts ipv6;  ///< Sockets of family AF_INET6 (dual-stack included): /proc/net/tcp6 (udp6).
};

/// Counts the sockets of one buffer received from a NETLINK_SOCK_DIAG dump: a sequence of
/// netlink messages, each an nlmsghdr followed by a struct inet_diag_msg. Messages of type
/// `socket_message_type` (SOCK_DIAG_BY_FAMILY, or TCPDIAG_GETSOCK for the family-less dump)
/// are sockets: each is added to `counts.ipv4` or `counts.ipv6` by its idiag_family (other
/// families are skipped) as parseNetSockets counts a line of /proc/net/tcp: `total`, and
/// `by_state[idiag_state]` (index 0 for a state above kMaxTcpState). Messages are read in
/// order until NLMSG_DONE or NLMSG_ERROR. Pure, no allocation; never throws. `bytes` is the
/// buffer in the host's byte order, as recv(2) gave it.
NetlinkDumpStatus parseSockDiagDump(std::string_view bytes, std::uint16_t socket_message_type,
                                    InetSocketCounts& counts) noexcept;

/// The TCP sockets of the calling thread's network namespace, counted by family and state
/// through sock_diag, asking for states 1..kMaxTcpState (listening, connected, TIME_WAIT and
/// NEW_SYN_RECV request sockets: the sockets /proc/net/tcp{,6} list). One dump of the
/// inet_diag compatibility request (TCPDIAG_GETSOCK, which asks for every family) when the
/// kernel has it, else one SOCK_DIAG_BY_FAMILY dump per family. nullopt when the interface
/// cannot answer (no netlink, sock_diag or inet_diag module, a seccomp filter, a malformed or
/// failed dump): the caller reads the /proc tables instead. Never throws except
/// std::bad_alloc. Thread-safe (one socket per call).
std::optional<InetSocketCounts> countTcpSocketsByNetlink();

/// The UDP sockets of the calling thread's network namespace, counted by family and state
/// (kClose unconnected, kEstablished connected) through sock_diag: one SOCK_DIAG_BY_FAMILY dump
/// (IPPROTO_UDP) per family, the sockets /proc/net/udp{,6} list (not UDP-Lite's). nullopt when
/// the interface cannot answer (no udp_diag module, ...), as countTcpSocketsByNetlink. Never
/// throws except std::bad_alloc. Thread-safe.
std::optional<InetSocketCounts> countUdpSocketsByNetlink();

}  // namespace keelson::host
