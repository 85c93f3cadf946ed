#pragma once

#include <chrono>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "core/clock.h"
#include "core/error.h"
#include "host/collectors.h"
#include "host/connectivity.h"
#include "host/cpu_collector.h"
#include "host/disk_collector.h"
#include "host/filesystem_collector.h"
#include "host/host_fs.h"
#include "host/memory_collector.h"
#include "host/network_collector.h"
#include "host/process_collector.h"
#include "host/statvfs_prober.h"
#include "host/system_collector.h"

namespace keelson::host {

/// One section of a snapshot: its data, why it could not be collected, or that its collector
/// was switched off. A failed section never affects the others.
template <typename T>
struct Section {
  std::optional<T> value;  ///< The data; nullopt when the section failed or is disabled.
  std::string error;       ///< The failure's message (empty when value is set or disabled).
  std::optional<ErrorCode> error_code;  ///< The failure's kind (kInternal: not an Error).
  bool disabled = false;                ///< Its collector was switched off: not run at all.

  /// True when the data is present.
  bool ok() const noexcept { return value.has_value(); }
  /// True when the section has data or was not asked for: nothing failed.
  bool okOrDisabled() const noexcept { return ok() || disabled; }
};

/// How collectHost samples the host.
struct HostOptions {
  /// Time between the two samples that rates and CPU usage are computed from. Single-sample
  /// sections (system, memory, filesystems, connections, connectivity) are read during it, so a
  /// snapshot takes about max(interval, their time). 0 takes the samples back to back.
  std::chrono::milliseconds interval{1000};
  /// The time source: steady time for the interval, wall time for the timestamp, and the wait
  /// between the samples.
  std::shared_ptr<const core::Clock> clock = core::systemClock();
  /// Runs statvfs with deadlines; nullptr means StatvfsProber::shared(). Keep one for the life
  /// of the process so hung mounts are remembered between snapshots.
  std::shared_ptr<StatvfsProber> statvfs_prober;
  /// Reads the process table, keeping /proc/<pid>/stat open between samples; nullptr means
  /// ProcessTableReader::shared(). Keep one for the life of the process so that snapshots
  /// reuse the descriptors.
  std::shared_ptr<ProcessTableReader> process_reader;
  FilesystemOptions filesystems;     ///< Which mounts, and the statvfs deadline.
  DiskOptions disks;                 ///< Which block devices.
  NetworkOptions network;            ///< Which interfaces.
  ProcessOptions processes;          ///< Top-N length, ticks and page size.
  ConnectivityOptions connectivity;  ///< Probe targets, the API server, the probe timeout.
  /// Which sections are collected; a disabled one is not read at all and is marked disabled.
  /// (Collector::kGluster is not part of the snapshot; see app::captureHost.)
  EnabledCollectors collectors;
};

/// Everything collectHost reports about the host at one moment.
struct HostSnapshot {
  /// Wall-clock time when the second sample was taken.
  std::chrono::system_clock::time_point timestamp;
  std::string host_root;  ///< HostFs::root() of the host read.
  /// Measured time between the first and second samples (HostCollector: between the previous
  /// snapshot's second samples and this one's).
  double interval_seconds = 0;
  Section<SystemInfo> system;                    ///< Hostname, kernel, OS, uptime.
  Section<CpuStats> cpu;                         ///< Usage, load, topology.
  Section<MemoryStats> memory;                   ///< Memory and swap.
  Section<std::vector<Filesystem>> filesystems;  ///< Mounted filesystems' usage.
  Section<std::vector<DiskIo>> disks;            ///< Block device I/O.
  Section<std::vector<InterfaceIo>> network;     ///< Interface traffic.
  Section<ConnectionStats> connections;          ///< Sockets by protocol and state.
  Section<ProcessStats> processes;               ///< Process counts and top lists.
  Section<Connectivity> connectivity;  ///< Interfaces, routes, DNS, probes, VPN interfaces.
  // GlusterFS (host/gluster*) is wired in by its owner.
};

/// Takes a host snapshot: a first sample of /proc/stat, /proc/diskstats, network counters and
/// processes; then the single-sample sections (connectivity among them: its probes, up to twice
/// options.connectivity.timeout, overlap the interval); then, `options.interval` after the first
/// sample, the second sample; rates and usage come from the two. Each section is collected in
/// its own try/catch: a failure (missing file, permission, parse error, hung mount) is
/// recorded in that section's `error` and the others are still reported. Never throws except
/// std::bad_alloc. Thread-safe if the clock and prober are (the defaults are).
HostSnapshot collectHost(const HostFs& fs, const HostOptions& options = {});

struct HostSamples;

namespace detail {

/// The CPU topology a HostCollector keeps, and the /sys/devices/system/cpu/online text it was
/// read with.
struct TopologyCache {
  std::string host_root;
  std::string online;
  CpuTopology topology;
};

}  // namespace detail

/// Takes snapshots one after another for a long-running collector (serve's host sampler,
/// monitor's ticks). The first collect() is collectHost. Each later one starts its rates from
/// the samples the previous collect() ended with, so it reads /proc/stat, diskstats,
/// net/dev and the process table once instead of twice and does not wait:
/// `interval_seconds` is the time since the previous snapshot's samples, and CPU usage, rates
/// and the top-CPU list cover all of it. collectHost's two samples `options.interval` apart are
/// taken again when the previous samples cannot serve: another host root or set of two-sample
/// collectors, or a two-sample section that failed. The CPU topology is read again only when
/// /sys/devices/system/cpu/online changes (CPU hotplug). Keep `options` otherwise the same from
/// call to call (disk and interface filters, clock). Never throws except std::bad_alloc.
/// Thread-safe: calls are serialised.
class HostCollector {
 public:
  HostCollector();
  HostCollector(const HostCollector&) = delete;
  HostCollector& operator=(const HostCollector&) = delete;
  ~HostCollector();

  /// The next snapshot of `fs` (see the class).
  HostSnapshot collect(const HostFs& fs, const HostOptions& options);

 private:
  std::mutex mutex_;
  std::unique_ptr<HostSamples> previous_;          // The last snapshot's second samples; guarded.
  std::optional<detail::TopologyCache> topology_;  // Guarded by mutex_.
};

}  // namespace keelson::host
