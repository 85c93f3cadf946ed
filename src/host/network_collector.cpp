#include "host/network_collector.h"

#include <algorithm>
#include <array>
#include <map>
#include <string_view>
#include <utility>

#include "core/error.h"

namespace keelson::host {
namespace {

std::optional<double> rate(std::uint64_t before, std::uint64_t after, double elapsed_seconds) {
  if (elapsed_seconds <= 0 || after < before) return std::nullopt;
  return static_cast<double>(after - before) / elapsed_seconds;
}

// The host's network namespace as seen through its init process, else the reader's own. One
// base for all files, so that a table missing from /proc/1/net (IPv6 disabled) is not
// replaced by the reader's namespace.
std::string netDir(const HostFs& fs) {
  return fs.exists("/proc/1/net/dev") ? "/proc/1/net/" : "/proc/net/";
}

}  // namespace

std::vector<NetDevStat> sampleNetwork(const HostFs& fs, const NetworkOptions& options) {
  std::optional<std::string> text;
  try {
    text = fs.readFileIfExists("/proc/1/net/dev");
  } catch (const Error& error) {
    if (error.code() != ErrorCode::kUnavailable) throw;
  }
  if (!text) text = fs.readFile("/proc/net/dev");
  auto interfaces = parseNetDev(*text);
  std::erase_if(interfaces, [&](const NetDevStat& interface) {
    return std::any_of(
        options.exclude_interface_prefixes.begin(), options.exclude_interface_prefixes.end(),
        [&](const std::string& prefix) { return interface.interface.starts_with(prefix); });
  });
  return interfaces;
}

std::vector<InterfaceIo> computeNetworkIo(const std::vector<NetDevStat>& before,
                                          const std::vector<NetDevStat>& after,
                                          double elapsed_seconds) {
  std::map<std::string_view, const NetDevStat*> earlier;
  for (const auto& interface : before) earlier.emplace(interface.interface, &interface);
  std::vector<InterfaceIo> result;
  result.reserve(after.size());
  for (const auto& interface : after) {
    InterfaceIo io;
    io.counters = interface;
    if (const auto it = earlier.find(interface.interface); it != earlier.end()) {
      const NetDevStat& old = *it->second;
      io.rx_bytes_per_second = rate(old.rx_bytes, interface.rx_bytes, elapsed_seconds);
      io.tx_bytes_per_second = rate(old.tx_bytes, interface.tx_bytes, elapsed_seconds);
      io.rx_packets_per_second = rate(old.rx_packets, interface.rx_packets, elapsed_seconds);
      io.tx_packets_per_second = rate(old.tx_packets, interface.tx_packets, elapsed_seconds);
      io.rx_errors_per_second = rate(old.rx_errors, interface.rx_errors, elapsed_seconds);
      io.tx_errors_per_second = rate(old.tx_errors, interface.tx_errors, elapsed_seconds);
      io.rx_drops_per_second = rate(old.rx_drops, interface.rx_drops, elapsed_seconds);
      io.tx_drops_per_second = rate(old.tx_drops, interface.tx_drops, elapsed_seconds);
    }
    result.push_back(std::move(io));
  }
  return result;
}

ConnectionStats collectConnections(const HostFs& fs) {
  ConnectionStats stats;
  const std::array<std::pair<std::string_view, std::optional<SocketCounts>*>, 4> tables = {
      {{"tcp", &stats.tcp}, {"tcp6", &stats.tcp6}, {"udp", &stats.udp}, {"udp6", &stats.udp6}}};
  const auto dir = netDir(fs);
  bool any = false;
  for (const auto& [name, target] : tables) {
    if (const auto text =
            fs.readFileIfExists(dir + std::string(name), HostFs::kLargeTableMaxBytes)) {
      *target = parseNetSockets(*text);
      any = true;
    }
  }
  if (!any) {
    throw Error(ErrorCode::kNotFound,
                "host directory " + fs.path(dir) + ": none of tcp, tcp6, udp, udp6 found");
  }
  return stats;
}

}  // namespace keelson::host
