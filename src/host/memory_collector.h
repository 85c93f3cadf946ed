#pragma once

#include <cstdint>
#include <optional>

#include "host/host_fs.h"
#include "host/proc/meminfo.h"

namespace keelson::host {

/// Memory and swap of the host, from /proc/meminfo. All sizes in bytes.
struct MemoryStats {
  MemInfo meminfo;  ///< Every /proc/meminfo field (kB fields converted to bytes).

  std::uint64_t total_bytes = 0;  ///< MemTotal: usable RAM.
  std::uint64_t free_bytes = 0;   ///< MemFree: RAM not used for anything.
  /// MemAvailable: RAM available for new work without swapping (free + reclaimable cache).
  /// Before Linux 3.14, which lacks it, estimated as MemFree + Buffers + Cached + SReclaimable.
  std::uint64_t available_bytes = 0;
  bool available_estimated = false;  ///< True when available_bytes was estimated.
  /// total_bytes - available_bytes: memory that cannot be reclaimed, as free(1) of procps-ng 4
  /// reports "used". Page cache and reclaimable slab are not "used".
  std::uint64_t used_bytes = 0;
  std::uint64_t buffers_bytes = 0;  ///< Buffers.
  std::uint64_t cached_bytes = 0;   ///< Cached (page cache, includes tmpfs/shmem).
  double usage_percent = 0;         ///< used_bytes / total_bytes * 100.

  std::uint64_t swap_total_bytes = 0;  ///< SwapTotal.
  std::uint64_t swap_free_bytes = 0;   ///< SwapFree.
  std::uint64_t swap_used_bytes = 0;   ///< SwapTotal - SwapFree.
  double swap_usage_percent = 0;       ///< swap_used_bytes / swap_total_bytes * 100 (0 if none).
};

/// Derives MemoryStats from parsed meminfo. Pure. Throws Error(kBadInput) if MemTotal is
/// missing or 0.
MemoryStats computeMemory(MemInfo meminfo);

/// Reads /proc/meminfo and derives MemoryStats. Throws Error(kNotFound/kUnavailable) if the
/// file is unreadable, Error(kBadInput) as computeMemory.
MemoryStats collectMemory(const HostFs& fs);

}  // namespace keelson::host
