#pragma once

#include <optional>
#include <string>
#include <vector>

#include "host/host_fs.h"
#include "host/proc/net_dev.h"
#include "host/proc/net_sockets.h"

namespace keelson::host {

/// Which interfaces to report.
struct NetworkOptions {
  /// Interface name prefixes never reported (none by default; e.g. {"veth", "cali"} hides
  /// per-pod interfaces).
  std::vector<std::string> exclude_interface_prefixes;
};

/// Reads the host's interface counters from `/proc/1/net/dev` (the network namespace of the
/// host's init when the host's /proc is mounted under the host root; /proc/net is the
/// reader's own namespace), falling back to `/proc/net/dev`. Excluded interfaces are dropped.
/// Throws Error(kNotFound/kUnavailable) if neither can be read.
std::vector<NetDevStat> sampleNetwork(const HostFs& fs, const NetworkOptions& options);

/// One interface's counters and its rates over the sampling interval.
struct InterfaceIo {
  NetDevStat counters;  ///< Cumulative counters at the second sample.
  // Per-second rates; nullopt when the interval is empty, the interface is new, or a counter
  // went backwards (interface re-created).
  std::optional<double> rx_bytes_per_second;    ///< Bytes received per second.
  std::optional<double> tx_bytes_per_second;    ///< Bytes transmitted per second.
  std::optional<double> rx_packets_per_second;  ///< Packets received per second.
  std::optional<double> tx_packets_per_second;  ///< Packets transmitted per second.
  std::optional<double> rx_errors_per_second;   ///< Receive errors per second.
  std::optional<double> tx_errors_per_second;   ///< Transmit errors per second.
  std::optional<double> rx_drops_per_second;    ///< Receive drops per second.
  std::optional<double> tx_drops_per_second;    ///< Transmit drops per second.
};

/// Combines two samples taken `elapsed_seconds` apart; interfaces matched by name, listed in
/// the order of `after`. Pure.
std::vector<InterfaceIo> computeNetworkIo(const std::vector<NetDevStat>& before,
                                          const std::vector<NetDevStat>& after,
                                          double elapsed_seconds);

/// True when the host's network namespace as the collectors read it (through /proc/1/net/ when
/// accessible, else /proc/net/; see sampleNetwork) is the one this process is in, so that
/// netlink, which answers for the caller's namespace, describes the same sockets and devices
/// as those tables. Decided by the /proc/PID/ns/net links when both can be read (PID 1's needs
/// CAP_SYS_PTRACE over it), else by the table's own proc entry (each namespace's /proc/PID/net
/// entries have their own inode numbers). Never true for a host root that is not a procfs (a
/// fixture tree). Never throws Error.
bool readsOwnNetNamespace(const HostFs& fs);

/// Socket counts of the host's network namespace by protocol. A protocol whose table is absent
/// (IPv6 disabled, module not loaded) is nullopt.
struct ConnectionStats {
  std::optional<SocketCounts> tcp;   ///< /proc/net/tcp (IPv4).
  std::optional<SocketCounts> tcp6;  ///< /proc/net/tcp6.
  std::optional<SocketCounts> udp;   ///< /proc/net/udp.
  std::optional<SocketCounts> udp6;  ///< /proc/net/udp6.
};

/// Reads the four socket tables from `/proc/1/net/` if it is accessible, else from `/proc/net/`
/// (see sampleNetwork). When those tables are this process's own network namespace (the
/// /proc/PID/ns/net links match), they are counted through sock_diag netlink instead
/// (countTcpSocketsByNetlink, countUdpSocketsByNetlink: the same sockets, a fraction of the
/// kernel's CPU), falling back to the files if netlink cannot answer; a table's file decides
/// whether it exists. Throws
/// Error(kNotFound) if none of them exists, Error(kUnavailable) if one cannot be read.
ConnectionStats collectConnections(const HostFs& fs);

}  // namespace keelson::host
