#include "host/network_collector.h"

#include <linux/magic.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/statfs.h>

#include <algorithm>
#include <array>
#include <map>
#include <string_view>
#include <utility>

#include "core/error.h"
#include "host/sock_diag.h"

namespace keelson::host {
namespace {

std::optional<double> counterRate(std::uint64_t before, std::uint64_t after,
                                  double elapsed_seconds) {
  if (elapsed_seconds <= 0 || after < before) return std::nullopt;
  return static_cast<double>(after - before) / elapsed_seconds;
}

// The host's network namespace as seen through its init process, else the reader's own. One
// base for all files, so that a table missing from /proc/1/net (IPv6 disabled) is not
// replaced by the reader's namespace.
std::string netDir(const HostFs& fs) {
  return fs.exists("/proc/1/net/dev") ? "/proc/1/net/" : "/proc/net/";
}

// True when the tables under `dir` (netDir) are those of the network namespace this process
// is in. The namespace links (/proc/PID/ns/net, "net:[4026531840]") decide when both can be read;
// reading PID 1's needs CAP_SYS_PTRACE over it, so otherwise the table's own proc entry does:
// each namespace has its own /proc/PID/net entries, numbered (st_ino) from one counter shared
// by every procfs mount. A table that is not on a procfs (a fixture tree) is never ours.
bool ownNetNamespace(const HostFs& fs, const std::string& dir) {
  const HostFs local("/");
  const auto tables_ns =
      fs.readLink(dir == "/proc/1/net/" ? "/proc/1/ns/net" : "/proc/self/ns/net");
  const auto own_ns = local.readLink("/proc/self/ns/net");
  if (tables_ns && own_ns) return *tables_ns == *own_ns;
  const auto table = fs.path(dir + "tcp");
  struct statfs table_fs {};
  struct stat table_entry {};
  struct stat own_entry {};
  return ::statfs(table.c_str(), &table_fs) == 0 && table_fs.f_type == PROC_SUPER_MAGIC &&
         ::stat(table.c_str(), &table_entry) == 0 &&
         ::stat("/proc/self/net/tcp", &own_entry) == 0 && table_entry.st_ino == own_entry.st_ino;
}

}  // namespace

bool readsOwnNetNamespace(const HostFs& fs) { return ownNetNamespace(fs, netDir(fs)); }

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
      io.rx_bytes_per_second = counterRate(old.rx_bytes, interface.rx_bytes, elapsed_seconds);
      io.tx_bytes_per_second = counterRate(old.tx_bytes, interface.tx_bytes, elapsed_seconds);
      io.rx_packets_per_second = counterRate(old.rx_packets, interface.rx_packets, elapsed_seconds);
      io.tx_packets_per_second = counterRate(old.tx_packets, interface.tx_packets, elapsed_seconds);
      io.rx_errors_per_second = counterRate(old.rx_errors, interface.rx_errors, elapsed_seconds);
      io.tx_errors_per_second = counterRate(old.tx_errors, interface.tx_errors, elapsed_seconds);
      io.rx_drops_per_second = counterRate(old.rx_drops, interface.rx_drops, elapsed_seconds);
      io.tx_drops_per_second = counterRate(old.tx_drops, interface.tx_drops, elapsed_seconds);
    }
    result.push_back(std::move(io));
  }
  return result;
}

ConnectionStats collectConnections(const HostFs& fs) {
  ConnectionStats stats;
  // Each protocol's two tables are counted by one sock_diag call, made when the first of them
  // exists and the tables are this process's namespace; nullopt (not asked, or no answer):
  // read the files.
  struct Protocol {
    std::optional<InetSocketCounts> (*count)();
    bool tried = false;
    std::optional<InetSocketCounts> counts;
  };
  Protocol tcp{countTcpSocketsByNetlink, false, std::nullopt};
  Protocol udp{countUdpSocketsByNetlink, false, std::nullopt};
  struct Table {
    std::string_view name;
    std::optional<SocketCounts>* target;
    Protocol* protocol;
    bool ipv6;
  };
  const std::array<Table, 4> tables = {{{"tcp", &stats.tcp, &tcp, false},
                                        {"tcp6", &stats.tcp6, &tcp, true},
                                        {"udp", &stats.udp, &udp, false},
                                        {"udp6", &stats.udp6, &udp, true}}};
  const auto dir = netDir(fs);
  std::optional<bool> own_namespace;  // ownNetNamespace, asked once a table exists.
  bool any = false;
  for (const auto& [name, target, protocol, ipv6] : tables) {
    const auto path = dir + std::string(name);
    // The file still says whether the table exists (IPv6 disabled: no tcp6); a stat is cheap,
    // its contents are not.
    if (fs.exists(path)) {
      if (!protocol->tried) {
        protocol->tried = true;
        if (!own_namespace) own_namespace = ownNetNamespace(fs, dir);
        if (*own_namespace) protocol->counts = protocol->count();
      }
      if (protocol->counts) {
        *target = ipv6 ? protocol->counts->ipv6 : protocol->counts->ipv4;
        any = true;
        continue;
      }
    }
    if (const auto text = fs.readFileIfExists(path, HostFs::kLargeTableMaxBytes)) {
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
