#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace keelson::host {

/// One interface line of /proc/net/dev: cumulative counters since the interface was created.
struct NetDevStat {
  std::string interface;            ///< Interface name, e.g. "eth0", "lo".
  std::uint64_t rx_bytes = 0;       ///< Bytes received.
  std::uint64_t rx_packets = 0;     ///< Packets received.
  std::uint64_t rx_errors = 0;      ///< Receive errors.
  std::uint64_t rx_drops = 0;       ///< Received packets dropped.
  std::uint64_t rx_fifo = 0;        ///< Receive FIFO overruns.
  std::uint64_t rx_frame = 0;       ///< Receive framing errors.
  std::uint64_t rx_compressed = 0;  ///< Compressed packets received.
  std::uint64_t rx_multicast = 0;   ///< Multicast frames received.
  std::uint64_t tx_bytes = 0;       ///< Bytes transmitted.
  std::uint64_t tx_packets = 0;     ///< Packets transmitted.
  std::uint64_t tx_errors = 0;      ///< Transmit errors.
  std::uint64_t tx_drops = 0;       ///< Transmitted packets dropped.
  std::uint64_t tx_fifo = 0;        ///< Transmit FIFO overruns.
  std::uint64_t tx_collisions = 0;  ///< Collisions.
  std::uint64_t tx_carrier = 0;     ///< Carrier losses.
  std::uint64_t tx_compressed = 0;  ///< Compressed packets transmitted.
};

/// Parses /proc/net/dev (or /proc/<pid>/net/dev). Pure. The two header lines and any line
/// without "name:" followed by 16 numbers are skipped (the kernel may print "eth0:123" without
/// a space after the colon). Never throws except std::bad_alloc.
std::vector<NetDevStat> parseNetDev(std::string_view text);

}  // namespace keelson::host
