#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "host/host_fs.h"
#include "host/proc/os_release.h"

namespace keelson::host {

/// Identity and uptime of the host.
struct SystemInfo {
  std::string hostname;  ///< The host's name (see hostname_source).
  /// Where hostname came from: "kernel" (/proc/sys/kernel/hostname, when the agent shares the
  /// host's UTS namespace or the host root is "/"), or "etc/hostname" (<root>/etc/hostname,
  /// when the agent is in its own UTS namespace, e.g. a pod without hostNetwork, where the
  /// kernel would give the pod's name).
  std::string hostname_source;
  std::string kernel_release;  ///< /proc/sys/kernel/osrelease, e.g. "6.1.0-18-amd64".
  std::string kernel_version;  ///< /proc/sys/kernel/version, e.g. "#1 SMP PREEMPT_DYNAMIC ...".
  OsRelease os;                ///< <root>/etc/os-release, else <root>/usr/lib/os-release.
  double uptime_seconds = 0;   ///< /proc/uptime: seconds since boot.
  std::optional<std::int64_t> boot_time_unix_seconds;  ///< "btime" of /proc/stat.
};

/// Reads the system section. The OS release and kernel version are optional (left empty if
/// absent); throws Error(kNotFound/kUnavailable/kBadInput) if the hostname, kernel release,
/// /proc/uptime or /proc/stat cannot be read or parsed.
SystemInfo collectSystem(const HostFs& fs);

}  // namespace keelson::host
