#pragma once

// TCP socket counts through the kernel's sock_diag netlink interface (NETLINK_SOCK_DIAG,
// inet_diag(7)), the cheap alternative to reading /proc/net/tcp{,6}: each read(2) of those
// files walks the whole established hash table (262,144 buckets on a small VM) again, and
// reading to EOF takes at least two reads, while one netlink dump walks it once.

#include <cstdint>
#include <optional>
#include <string_view>

#include "host/proc/net_sockets.h"

namespace keelson::host {

/// What one buffer of a sock_diag dump held (parseSockDiagDump).
enum class SockDiagDumpStatus : std::uint8_t {
  kMore,   ///< Socket messages only: the dump continues in the next buffer.
  kDone,   ///< NLMSG_DONE seen: the dump is complete.
  kError,  ///< NLMSG_ERROR, or a message that does not fit the buffer or its header: give up.
};

/// Counts the sockets of one buffer received from a NETLINK_SOCK_DIAG dump (a sequence of
/// netlink messages, each an nlmsghdr followed by a struct inet_diag_msg for
/// SOCK_DIAG_BY_FAMILY), adding each to `counts` as parseNetSockets counts a line of
/// /proc/net/tcp: `total`, and `by_state[idiag_state]` (index 0 for a state above
/// kMaxTcpState). Messages are read in order until NLMSG_DONE or NLMSG_ERROR. Pure, no
/// allocation; never throws. `bytes` is the buffer in the host's byte order, as recv(2) gave it.
SockDiagDumpStatus parseSockDiagDump(std::string_view bytes, SocketCounts& counts) noexcept;

/// The TCP sockets of the calling thread's network namespace with the given address family
/// (AF_INET: what /proc/net/tcp lists; AF_INET6: /proc/net/tcp6), counted by state through one
/// sock_diag dump asking for states 1..kMaxTcpState (listening, connected, TIME_WAIT and
/// NEW_SYN_RECV request sockets: the same sockets as the /proc table). nullopt when the
/// interface cannot answer (no netlink, sock_diag or inet_diag module, a seccomp filter, a
/// malformed or failed dump): the caller reads the /proc table instead. Never throws except
/// std::bad_alloc. Thread-safe (one socket per call).
std::optional<SocketCounts> countTcpSocketsByNetlink(int family);

}  // namespace keelson::host
