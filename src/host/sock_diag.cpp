#include "host/sock_diag.h"

#include <linux/inet_diag.h>
#include <linux/netlink.h>
#include <linux/sock_diag.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>

namespace keelson::host {
namespace {

// Owns a socket descriptor.
class UniqueSocket {
 public:
  explicit UniqueSocket(int fd) noexcept : fd_(fd) {}
  UniqueSocket(const UniqueSocket&) = delete;
  UniqueSocket& operator=(const UniqueSocket&) = delete;
  ~UniqueSocket() {
    if (fd_ >= 0) ::close(fd_);
  }
  int get() const noexcept { return fd_; }

 private:
  int fd_;
};

// States 1..kMaxTcpState: everything /proc/net/tcp lists. Bit 13 (TCPF_BOUND_INACTIVE, bound
// but not listening, Linux 6.8+) is left out: those sockets are not in the /proc table.
constexpr std::uint32_t kAllProcStates = ((std::uint32_t{1} << (kMaxTcpState + 1)) - 1) & ~1u;

}  // namespace

SockDiagDumpStatus parseSockDiagDump(std::string_view bytes, std::uint16_t socket_message_type,
                                     TcpSocketCounts& counts) noexcept {
  while (!bytes.empty()) {
    nlmsghdr header{};
    if (bytes.size() < sizeof(header)) return SockDiagDumpStatus::kError;
    std::memcpy(&header, bytes.data(), sizeof(header));
    if (header.nlmsg_len < sizeof(header) || header.nlmsg_len > bytes.size()) {
      return SockDiagDumpStatus::kError;
    }
    if (header.nlmsg_type == NLMSG_DONE) return SockDiagDumpStatus::kDone;
    if (header.nlmsg_type == NLMSG_ERROR) return SockDiagDumpStatus::kError;
    if (header.nlmsg_type == socket_message_type) {
      if (header.nlmsg_len < NLMSG_LENGTH(sizeof(inet_diag_msg))) {
        return SockDiagDumpStatus::kError;
      }
      inet_diag_msg message{};
      std::memcpy(&message, bytes.data() + NLMSG_HDRLEN, sizeof(message));
      SocketCounts* target = message.idiag_family == AF_INET    ? &counts.ipv4
                             : message.idiag_family == AF_INET6 ? &counts.ipv6
                                                                : nullptr;
      if (target != nullptr) {
        ++target->total;
        const auto state = message.idiag_state;
        ++target->by_state[state >= 1 && state <= kMaxTcpState ? state : 0];
      }
    }
    // Other types (NLMSG_NOOP, ...) carry no socket. The last message may lack its padding.
    bytes.remove_prefix(std::min<std::size_t>(NLMSG_ALIGN(header.nlmsg_len), bytes.size()));
  }
  return SockDiagDumpStatus::kMore;
}

namespace {

// Sends one dump request (`request`, `size` bytes, starting with its nlmsghdr) on a new
// NETLINK_SOCK_DIAG socket and counts the answer into `counts`. False if anything fails.
bool dump(const void* request, std::size_t size, std::uint16_t socket_message_type,
          TcpSocketCounts& counts) {
  UniqueSocket fd(::socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_SOCK_DIAG));
  if (fd.get() < 0) return false;
  sockaddr_nl kernel{};
  kernel.nl_family = AF_NETLINK;
  ssize_t sent = 0;
  do {
    sent =
        ::sendto(fd.get(), request, size, 0, reinterpret_cast<sockaddr*>(&kernel), sizeof(kernel));
  } while (sent < 0 && errno == EINTR);
  if (sent != static_cast<ssize_t>(size)) return false;

  // Aligned for nlmsghdr; the kernel fills up to about this much per recv (32 KiB holds some
  // 400 bare messages: a busy node's tens of thousands of sockets take a hundred calls, each
  // resuming where the last stopped).
  alignas(nlmsghdr) std::array<char, 32768> buffer;
  while (true) {
    const ssize_t n = ::recv(fd.get(), buffer.data(), buffer.size(), 0);
    if (n < 0) {
      if (errno == EINTR) continue;
      return false;
    }
    if (n == 0) return false;  // Closed before NLMSG_DONE.
    switch (parseSockDiagDump(std::string_view(buffer.data(), static_cast<std::size_t>(n)),
                              socket_message_type, counts)) {
      case SockDiagDumpStatus::kDone:
        return true;
      case SockDiagDumpStatus::kError:
        return false;
      case SockDiagDumpStatus::kMore:
        break;
    }
  }
}

}  // namespace

std::optional<TcpSocketCounts> countTcpSocketsByNetlink() {
  // The compatibility request carries no family (the kernel dumps AF_UNSPEC: every family),
  // so one walk of the hash tables answers for tcp and tcp6. No extensions (idiag_ext 0):
  // each socket is one bare inet_diag_msg.
  struct CompatRequest {
    nlmsghdr header;
    inet_diag_req body;
  } compat{};
  compat.header.nlmsg_len = sizeof(compat);
  compat.header.nlmsg_type = TCPDIAG_GETSOCK;
  compat.header.nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
  compat.header.nlmsg_seq = 1;
  compat.body.idiag_family = AF_INET;  // Ignored by the kernel; set as ss(8) does.
  compat.body.idiag_states = kAllProcStates;
  TcpSocketCounts counts;
  if (dump(&compat, sizeof(compat), TCPDIAG_GETSOCK, counts)) return counts;

  // Kernels without the compatibility request: one dump per family.
  counts = {};
  for (const int family : {AF_INET, AF_INET6}) {
    struct Request {
      nlmsghdr header;
      inet_diag_req_v2 body;
    } request{};
    request.header.nlmsg_len = sizeof(request);
    request.header.nlmsg_type = SOCK_DIAG_BY_FAMILY;
    request.header.nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
    request.header.nlmsg_seq = 1;
    request.body.sdiag_family = static_cast<std::uint8_t>(family);
    request.body.sdiag_protocol = IPPROTO_TCP;
    request.body.idiag_states = kAllProcStates;
    if (!dump(&request, sizeof(request), SOCK_DIAG_BY_FAMILY, counts)) return std::nullopt;
  }
  return counts;
}

}  // namespace keelson::host
