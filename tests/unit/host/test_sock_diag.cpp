// sock_diag: the dump parser on buffers built from the kernel's own structs, and the live
// netlink counts checked against /proc/net/{tcp,udp}{,6} (read and parsed by parseNetSockets).
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <linux/inet_diag.h>
#include <linux/netlink.h>
#include <linux/sock_diag.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "host/host_fs.h"
#include "host/network_collector.h"
#include "host/proc/net_sockets.h"
#include "host/sock_diag.h"

namespace keelson::host {
namespace {

constexpr int kListen = static_cast<int>(TcpState::kListen);
constexpr int kEstablished = static_cast<int>(TcpState::kEstablished);

// Appends one netlink message of `type` with `payload` bytes (padded to NLMSG_ALIGN).
void appendMessage(std::string& buffer, std::uint16_t type, const void* payload,
                   std::size_t payload_size, bool pad = true) {
  nlmsghdr header{};
  header.nlmsg_len = static_cast<std::uint32_t>(NLMSG_LENGTH(payload_size));
  header.nlmsg_type = type;
  buffer.append(reinterpret_cast<const char*>(&header), sizeof(header));
  buffer.append(static_cast<const char*>(payload), payload_size);
  if (pad) buffer.resize(buffer.size() + (NLMSG_ALIGN(header.nlmsg_len) - header.nlmsg_len));
}

void appendSocket(std::string& buffer, std::uint8_t state, bool pad = true,
                  std::uint8_t family = AF_INET, std::uint16_t type = SOCK_DIAG_BY_FAMILY) {
  inet_diag_msg message{};
  message.idiag_family = family;
  message.idiag_state = state;
  appendMessage(buffer, type, &message, sizeof(message), pad);
}

TEST(SockDiagDumpTest, CountsSocketsByStateUntilDone) {
  std::string buffer;
  appendSocket(buffer, kListen);
  appendSocket(buffer, kListen);
  appendSocket(buffer, kEstablished);
  appendSocket(buffer, 200);  // Not a state we know: index 0, as parseNetSockets counts it.
  InetSocketCounts both;
  SocketCounts& counts = both.ipv4;
  EXPECT_EQ(parseSockDiagDump(buffer, SOCK_DIAG_BY_FAMILY, both), NetlinkDumpStatus::kMore);
  EXPECT_EQ(counts.total, 4u);
  EXPECT_EQ(counts.by_state[kListen], 2u);
  EXPECT_EQ(counts.by_state[kEstablished], 1u);
  EXPECT_EQ(counts.by_state[0], 1u);

  // The next buffer ends the dump; a socket after NLMSG_DONE is not counted.
  std::string last;
  appendSocket(last, static_cast<int>(TcpState::kTimeWait));
  const int done_payload = 0;
  appendMessage(last, NLMSG_DONE, &done_payload, sizeof(done_payload));
  appendSocket(last, kListen);
  EXPECT_EQ(parseSockDiagDump(last, SOCK_DIAG_BY_FAMILY, both), NetlinkDumpStatus::kDone);
  EXPECT_EQ(counts.total, 5u);
  EXPECT_EQ(counts.by_state[static_cast<int>(TcpState::kTimeWait)], 1u);
  EXPECT_EQ(counts.by_state[kListen], 2u);

  EXPECT_EQ(both.ipv6.total, 0u);

  // An empty buffer continues; a last message without its padding still counts.
  InetSocketCounts more;
  EXPECT_EQ(parseSockDiagDump("", SOCK_DIAG_BY_FAMILY, more), NetlinkDumpStatus::kMore);
  std::string unpadded;
  appendSocket(unpadded, kListen, /*pad=*/false);
  EXPECT_EQ(parseSockDiagDump(unpadded, SOCK_DIAG_BY_FAMILY, more), NetlinkDumpStatus::kMore);
  EXPECT_EQ(more.ipv4.total, 1u);
}

TEST(SockDiagDumpTest, FamilyLessDumpIsSplitByFamily) {
  std::string buffer;
  appendSocket(buffer, kListen, true, AF_INET, TCPDIAG_GETSOCK);
  appendSocket(buffer, kListen, true, AF_INET6, TCPDIAG_GETSOCK);
  appendSocket(buffer, kEstablished, true, AF_INET6, TCPDIAG_GETSOCK);
  appendSocket(buffer, kListen, true, AF_UNIX, TCPDIAG_GETSOCK);      // Neither: skipped.
  appendSocket(buffer, kListen, true, AF_INET, SOCK_DIAG_BY_FAMILY);  // Not the asked type.
  InetSocketCounts counts;
  EXPECT_EQ(parseSockDiagDump(buffer, TCPDIAG_GETSOCK, counts), NetlinkDumpStatus::kMore);
  EXPECT_EQ(counts.ipv4.total, 1u);
  EXPECT_EQ(counts.ipv4.by_state[kListen], 1u);
  EXPECT_EQ(counts.ipv6.total, 2u);
  EXPECT_EQ(counts.ipv6.by_state[kListen], 1u);
  EXPECT_EQ(counts.ipv6.by_state[kEstablished], 1u);
}

TEST(SockDiagDumpTest, ErrorsAndMalformedMessagesStopTheDump) {
  InetSocketCounts both;
  const SocketCounts& counts = both.ipv4;
  std::string error;
  nlmsgerr failure{};
  failure.error = -ENOENT;
  appendMessage(error, NLMSG_ERROR, &failure, sizeof(failure));
  EXPECT_EQ(parseSockDiagDump(error, SOCK_DIAG_BY_FAMILY, both), NetlinkDumpStatus::kError);

  std::string cut;
  appendSocket(cut, kListen);
  cut.resize(cut.size() - 8);  // The length says more than the buffer holds.
  EXPECT_EQ(parseSockDiagDump(cut, SOCK_DIAG_BY_FAMILY, both), NetlinkDumpStatus::kError);

  std::string short_body;
  const std::uint32_t too_small = 1;
  appendMessage(short_body, SOCK_DIAG_BY_FAMILY, &too_small, sizeof(too_small));
  EXPECT_EQ(parseSockDiagDump(short_body, SOCK_DIAG_BY_FAMILY, both), NetlinkDumpStatus::kError);

  std::string zero_length(sizeof(nlmsghdr), '\0');  // nlmsg_len 0 would never advance.
  EXPECT_EQ(parseSockDiagDump(zero_length, SOCK_DIAG_BY_FAMILY, both), NetlinkDumpStatus::kError);
  EXPECT_EQ(parseSockDiagDump(std::string(3, '\0'), SOCK_DIAG_BY_FAMILY, both),
            NetlinkDumpStatus::kError);
  EXPECT_EQ(counts.total, 0u);
}

// A socket of `family` and `type` bound to loopback, port 0, and listening if a stream
// socket (so in state LISTEN; a bound datagram socket is in state CLOSE); closed on
// destruction.
class BoundSocket {
 public:
  BoundSocket(int family, int type) : fd_(::socket(family, type | SOCK_CLOEXEC, 0)) {
    if (fd_ < 0) return;
    int ok = -1;
    if (family == AF_INET) {
      sockaddr_in address{};
      address.sin_family = AF_INET;
      address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
      ok = ::bind(fd_, reinterpret_cast<const sockaddr*>(&address), sizeof(address));
    } else {
      sockaddr_in6 address{};
      address.sin6_family = AF_INET6;
      address.sin6_addr = in6addr_loopback;
      ok = ::bind(fd_, reinterpret_cast<const sockaddr*>(&address), sizeof(address));
    }
    bound_ = ok == 0 && (type != SOCK_STREAM || ::listen(fd_, 1) == 0);
  }
  BoundSocket(const BoundSocket&) = delete;
  BoundSocket& operator=(const BoundSocket&) = delete;
  ~BoundSocket() {
    if (fd_ >= 0) ::close(fd_);
  }
  bool bound() const { return bound_; }

 private:
  int fd_;
  bool bound_ = false;
};

// Netlink and the /proc table `table` (tcp, tcp6, udp or udp6), read back to back, agree on
// the sockets in the state this test's bound sockets are in (LISTEN for TCP, CLOSE for UDP;
// other processes may open or close sockets in between, so a mismatch is read again a few
// times before it counts).
void expectBoundSocketsAgree(int family, int type, const std::string& table) {
  const bool tcp = type == SOCK_STREAM;
  const int state = static_cast<int>(tcp ? TcpState::kListen : TcpState::kClose);
  std::vector<std::unique_ptr<BoundSocket>> sockets;
  for (int i = 0; i < 3; ++i) {
    sockets.push_back(std::make_unique<BoundSocket>(family, type));
    if (!sockets.back()->bound()) GTEST_SKIP() << "cannot bind on loopback " << table;
  }
  const HostFs fs("/");
  std::optional<SocketCounts> netlink;
  SocketCounts file;
  for (int attempt = 0; attempt < 5; ++attempt) {
    const auto both = tcp ? countTcpSocketsByNetlink() : countUdpSocketsByNetlink();
    if (both) netlink = family == AF_INET ? both->ipv4 : both->ipv6;
    if (!netlink) {
      if (std::getenv("CI") != nullptr) FAIL() << "sock_diag netlink unavailable";
      GTEST_SKIP() << "sock_diag netlink unavailable here";
    }
    file = parseNetSockets(fs.readFile("/proc/net/" + table, HostFs::kLargeTableMaxBytes));
    if (netlink->by_state[state] == file.by_state[state]) break;
  }
  EXPECT_EQ(netlink->by_state[state], file.by_state[state]) << table;
  EXPECT_GE(netlink->by_state[state], 3u) << table;
  EXPECT_GE(netlink->total, netlink->by_state[state]);

  // collectConnections (which takes netlink when the tables are this namespace's) agrees too.
  for (int attempt = 0; attempt < 5; ++attempt) {
    const auto stats = collectConnections(fs);
    const auto& counts = tcp ? (family == AF_INET ? stats.tcp : stats.tcp6)
                             : (family == AF_INET ? stats.udp : stats.udp6);
    ASSERT_TRUE(counts.has_value());
    file = parseNetSockets(fs.readFile("/proc/net/" + table, HostFs::kLargeTableMaxBytes));
    if (attempt == 4 || counts->by_state[state] == file.by_state[state]) {
      EXPECT_EQ(counts->by_state[state], file.by_state[state]) << table;
      break;
    }
  }
}

TEST(SockDiagLiveTest, Ipv4ListenersMatchProcNetTcp) {
  expectBoundSocketsAgree(AF_INET, SOCK_STREAM, "tcp");
}

TEST(SockDiagLiveTest, Ipv6ListenersMatchProcNetTcp6) {
  if (!HostFs("/").exists("/proc/net/tcp6")) GTEST_SKIP() << "IPv6 is disabled here";
  expectBoundSocketsAgree(AF_INET6, SOCK_STREAM, "tcp6");
}

TEST(SockDiagLiveTest, Ipv4UdpSocketsMatchProcNetUdp) {
  expectBoundSocketsAgree(AF_INET, SOCK_DGRAM, "udp");
}

TEST(SockDiagLiveTest, Ipv6UdpSocketsMatchProcNetUdp6) {
  if (!HostFs("/").exists("/proc/net/udp6")) GTEST_SKIP() << "IPv6 is disabled here";
  expectBoundSocketsAgree(AF_INET6, SOCK_DGRAM, "udp6");
}

}  // namespace
}  // namespace keelson::host
