#pragma once

// The host collectors, switched by name as node_exporter switches its own
// (--collector.NAME / --no-collector.NAME).

#include <array>
#include <cstddef>
#include <optional>
#include <span>
#include <string_view>

namespace keelson::host {

/// One host collector: a section of the host snapshot (GlusterFS: of the host capture).
enum class Collector : std::size_t {
  kCpu,          ///< "cpu": usage, load, topology (/proc/stat, /proc/loadavg, /sys).
  kMemory,       ///< "memory": memory and swap (/proc/meminfo).
  kFilesystems,  ///< "filesystems": mounted filesystems' usage (statvfs).
  kDisks,        ///< "disks": block device I/O (/proc/diskstats).
  kNetwork,      ///< "network": interface traffic (/proc/net/dev).
  kConnections,  ///< "connections": sockets by protocol and state (/proc/net/tcp*, udp*).
  kProcesses,    ///< "processes": process counts and top lists (/proc/PID).
  /// "connectivity": interfaces, default routes, DNS, TCP probes, VPN interfaces
  /// (/sys/class/net, /proc/net/route, /etc/resolv.conf; see connectivity.h).
  kConnectivity,
  kGluster,  ///< "gluster": GlusterFS state from the host's gluster CLI.
};

/// How many collectors there are.
inline constexpr std::size_t kCollectorCount = static_cast<std::size_t>(Collector::kGluster) + 1;

/// What the registry knows of a collector.
struct CollectorInfo {
  Collector id;
  std::string_view name;  ///< The flag name: --collector.NAME.
  bool enabled_by_default;
  std::string_view help;  ///< One line for --help.
};

/// Every collector, in declaration order of Collector. Thread-safe (constant data).
std::span<const CollectorInfo> collectorRegistry() noexcept;

/// Which collectors run. A value type; not synchronised (copy it to share).
class EnabledCollectors {
 public:
  /// Each collector's default (all on except gluster).
  EnabledCollectors() noexcept;

  /// True when `collector` runs.
  bool enabled(Collector collector) const noexcept {
    return enabled_[static_cast<std::size_t>(collector)];
  }
  /// Switches `collector` on or off.
  void set(Collector collector, bool on) noexcept {
    enabled_[static_cast<std::size_t>(collector)] = on;
  }

 private:
  std::array<bool, kCollectorCount> enabled_{};
};

/// Parses a boolean environment variable's value: true/false/1/0. nullopt when `value` is null
/// or empty (unset). Throws Error(kBadInput) naming `variable` for anything else.
std::optional<bool> parseBoolEnv(std::string_view variable, const char* value);

}  // namespace keelson::host
