#include "host/sock_diag.h"

#include <linux/inet_diag.h>
#include <linux/netlink.h>
#include <linux/sock_diag.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <cstring>

namespace keelson::host {
namespace {

// States 1..kMaxTcpState: everything /proc/net/tcp (udp) lists. Bit 13 (TCPF_BOUND_INACTIVE,
// bound but not listening, Linux 6.8+) is left out: those sockets are not in the /proc table.
constexpr std::uint32_t kAllProcStates = ((std::uint32_t{1} << (kMaxTcpState + 1)) - 1) & ~1u;

// Sends one sock_diag dump request of `type` (TCPDIAG_GETSOCK, SOCK_DIAG_BY_FAMILY: the kernel
// answers each socket in a message of the same type) with `body` (inet_diag_req,
// inet_diag_req_v2) and counts the answer into `counts`. False if anything fails.
template <typename Body>
bool dump(std::uint16_t type, const Body& body, InetSocketCounts& counts) {
  struct Request {
    nlmsghdr header;
    Body body;
  } request{};
  request.header.nlmsg_len = sizeof(request);
  request.header.nlmsg_type = type;
  request.header.nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
  request.header.nlmsg_seq = 1;
  request.body = body;
  return netlinkDump(NETLINK_SOCK_DIAG, &request, sizeof(request), [&](std::string_view bytes) {
    return parseSockDiagDump(bytes, type, counts);
  });
}

}  // namespace

NetlinkDumpStatus parseSockDiagDump(std::string_view bytes, std::uint16_t socket_message_type,
                                    InetSocketCounts& counts) noexcept {
  return forEachNetlinkMessage(bytes, [&](std::uint16_t type, std::string_view payload) {
    // Other types (NLMSG_NOOP, ...) carry no socket.
    if (type != socket_message_type) return true;
    if (payload.size() < sizeof(inet_diag_msg)) return false;
    inet_diag_msg message{};
    std::memcpy(&message, payload.data(), sizeof(message));
    SocketCounts* target = message.idiag_family == AF_INET    ? &counts.ipv4
                           : message.idiag_family == AF_INET6 ? &counts.ipv6
                                                              : nullptr;
    if (target != nullptr) {
      ++target->total;
      const auto state = message.idiag_state;
      ++target->by_state[state >= 1 && state <= kMaxTcpState ? state : 0];
    }
    return true;
  });
}

namespace {

// One SOCK_DIAG_BY_FAMILY dump of `protocol` per family, into one count. nullopt if one fails.
std::optional<InetSocketCounts> dumpEachFamily(std::uint8_t protocol) {
  InetSocketCounts counts;
  for (const int family : {AF_INET, AF_INET6}) {
    inet_diag_req_v2 body{};
    body.sdiag_family = static_cast<std::uint8_t>(family);
    body.sdiag_protocol = protocol;
    body.idiag_states = kAllProcStates;
    if (!dump(SOCK_DIAG_BY_FAMILY, body, counts)) return std::nullopt;
  }
  return counts;
}

}  // namespace

std::optional<InetSocketCounts> countTcpSocketsByNetlink() {
  // The compatibility request carries no family (the kernel dumps AF_UNSPEC: every family),
  // so one walk of the hash tables answers for tcp and tcp6. No extensions (idiag_ext 0):
  // each socket is one bare inet_diag_msg.
  inet_diag_req compat{};
  compat.idiag_family = AF_INET;  // Ignored by the kernel; set as ss(8) does.
  compat.idiag_states = kAllProcStates;
  InetSocketCounts counts;
  if (dump(TCPDIAG_GETSOCK, compat, counts)) return counts;
  // Kernels without the compatibility request: one dump per family.
  return dumpEachFamily(IPPROTO_TCP);
}

// UDP has no compatibility request (it only names TCP and DCCP), and a family-less
// SOCK_DIAG_BY_FAMILY request has no handler: one dump per family, each walking the table.
std::optional<InetSocketCounts> countUdpSocketsByNetlink() { return dumpEachFamily(IPPROTO_UDP); }

}  // namespace keelson::host
