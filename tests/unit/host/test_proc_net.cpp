// Parsers of /proc/net/dev and /proc/net/{tcp,tcp6,udp,udp6}.
#include <gtest/gtest.h>

#include "host/proc/net_dev.h"
#include "host/proc/net_sockets.h"
#include "test_util.h"

namespace keelson::host {
namespace {

using testing::readData;

TEST(NetDevTest, ParsesRealCapture) {
  const auto interfaces = parseNetDev(readData("node-vm/t0/proc/1/net/dev"));
  ASSERT_EQ(interfaces.size(), 4u);
  EXPECT_EQ(interfaces[0].interface, "lo");
  EXPECT_EQ(interfaces[0].rx_bytes, 1348215u);
  EXPECT_EQ(interfaces[0].tx_packets, 5688u);
  const auto& eth0 = interfaces[3];
  EXPECT_EQ(eth0.interface, "eth0");
  EXPECT_EQ(eth0.rx_bytes, 618798053u);
  EXPECT_EQ(eth0.rx_packets, 43380u);
  EXPECT_EQ(eth0.tx_bytes, 4038719u);
  EXPECT_EQ(eth0.tx_packets, 41176u);
}

TEST(NetDevTest, NoSpaceAfterColonAndEveryColumn) {
  const auto interfaces = parseNetDev(readData("misc/net-dev-linux-2.6"));
  ASSERT_EQ(interfaces.size(), 2u);  // bond0 has too few columns.
  const auto& eth0 = interfaces[1];
  EXPECT_EQ(eth0.rx_bytes, 3456789012u);
  EXPECT_EQ(eth0.rx_packets, 24681357u);
  EXPECT_EQ(eth0.rx_errors, 1u);
  EXPECT_EQ(eth0.rx_drops, 2u);
  EXPECT_EQ(eth0.rx_fifo, 3u);
  EXPECT_EQ(eth0.rx_frame, 4u);
  EXPECT_EQ(eth0.rx_compressed, 5u);
  EXPECT_EQ(eth0.rx_multicast, 6u);
  EXPECT_EQ(eth0.tx_bytes, 1234567890u);
  EXPECT_EQ(eth0.tx_packets, 13579246u);
  EXPECT_EQ(eth0.tx_errors, 7u);
  EXPECT_EQ(eth0.tx_drops, 8u);
  EXPECT_EQ(eth0.tx_fifo, 9u);
  EXPECT_EQ(eth0.tx_collisions, 10u);
  EXPECT_EQ(eth0.tx_carrier, 11u);
  EXPECT_EQ(eth0.tx_compressed, 12u);
}

TEST(NetSocketsTest, RealTcpCaptureByState) {
  const auto counts = parseNetSockets(readData("misc/net-tcp-states"));
  EXPECT_EQ(counts.total, 57u);
  EXPECT_EQ(counts.by_state[static_cast<int>(TcpState::kEstablished)], 2u);
  EXPECT_EQ(counts.by_state[static_cast<int>(TcpState::kFinWait2)], 1u);
  EXPECT_EQ(counts.by_state[static_cast<int>(TcpState::kTimeWait)], 51u);
  EXPECT_EQ(counts.by_state[static_cast<int>(TcpState::kCloseWait)], 1u);
  EXPECT_EQ(counts.by_state[static_cast<int>(TcpState::kListen)], 2u);
  EXPECT_EQ(counts.by_state[0], 0u);
}

TEST(NetSocketsTest, RealTcp6AndUdpCaptures) {
  const auto tcp6 = parseNetSockets(readData("misc/net-tcp6-states"));
  EXPECT_EQ(tcp6.total, 6u);
  EXPECT_EQ(tcp6.by_state[1], 2u);
  EXPECT_EQ(tcp6.by_state[10], 1u);
  const auto udp = parseNetSockets(readData("misc/net-udp-states"));
  EXPECT_EQ(udp.total, 2u);
  EXPECT_EQ(udp.by_state[static_cast<int>(TcpState::kEstablished)], 1u);
  EXPECT_EQ(udp.by_state[static_cast<int>(TcpState::kClose)], 1u);
  EXPECT_EQ(parseNetSockets(readData("node-vm/t0/proc/1/net/udp6")).total, 0u);
}

TEST(NetSocketsTest, UnknownStatesAndMalformedLines) {
  const auto counts = parseNetSockets(
      "  sl  local_address rem_address   st\n"
      "   0: 0100007F:0016 00000000:0000 0A\n"
      "   1: 0100007F:0016 00000000:0000 FF\n"  // Unknown state.
      "   2: 0100007F:0016 00000000:0000 zz\n"  // Not hex.
      "   x: 0100007F:0016 00000000:0000 01\n"  // Not a slot.
      "   3: 0100007F:0016\n");                 // No state column.
  EXPECT_EQ(counts.total, 3u);
  EXPECT_EQ(counts.by_state[10], 1u);
  EXPECT_EQ(counts.by_state[0], 2u);
}

TEST(NetSocketsTest, StateNames) {
  EXPECT_EQ(tcpStateName(1), "ESTABLISHED");
  EXPECT_EQ(tcpStateName(6), "TIME_WAIT");
  EXPECT_EQ(tcpStateName(10), "LISTEN");
  EXPECT_EQ(tcpStateName(12), "NEW_SYN_RECV");
  EXPECT_EQ(tcpStateName(0), "UNKNOWN");
  EXPECT_EQ(tcpStateName(13), "UNKNOWN");
}

}  // namespace
}  // namespace keelson::host
