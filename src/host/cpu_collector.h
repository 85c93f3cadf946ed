#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "host/host_fs.h"
#include "host/proc/loadavg.h"
#include "host/proc/stat.h"

namespace keelson::host {

/// The CPU layout of the host: what is installed and online.
struct CpuTopology {
  std::string model_name;        ///< E.g. "Intel(R) Xeon(R) Processor"; empty if not reported.
  std::uint32_t sockets = 0;     ///< Physical packages with at least one online CPU.
  std::uint32_t cores = 0;       ///< Physical cores with at least one online CPU.
  std::uint32_t threads = 0;     ///< Online logical CPUs (hardware threads).
  std::vector<int> online_cpus;  ///< Online logical CPU numbers, ascending.
  /// Where sockets/cores came from: "sysfs" (/sys/devices/system/cpu/cpuN/topology), "cpuinfo"
  /// ("physical id"/"core id" in /proc/cpuinfo), or "assumed" (one socket, one core per
  /// thread) when neither says.
  std::string source;
};

/// Reads the topology: online CPUs from /sys/devices/system/cpu/online (else the processors of
/// /proc/cpuinfo, else the cpuN lines of /proc/stat); for each online CPU, its package and core
/// from /sys/devices/system/cpu/cpuN/topology/{physical_package_id,core_id}, else from
/// /proc/cpuinfo. Offline and hot-unplugged CPUs are not counted. Throws Error(kNotFound or
/// kUnavailable) only when no source of online CPUs can be read.
CpuTopology readCpuTopology(const HostFs& fs);

/// Reads and parses /proc/stat. Throws Error(kNotFound/kUnavailable) if unreadable and
/// Error(kBadInput) if it has no aggregate "cpu" line.
ProcStat sampleCpu(const HostFs& fs);

/// CPU time shares over an interval, in percent of all CPU time of the CPUs concerned (0-100;
/// for the total, 100 means every online CPU was busy).
struct CpuUsage {
  double usage_percent = 0;    ///< Busy: 100 - idle - iowait.
  double user_percent = 0;     ///< User mode, guest time included (as top(1) counts it).
  double nice_percent = 0;     ///< Niced user mode, guest_nice included.
  double system_percent = 0;   ///< Kernel mode.
  double idle_percent = 0;     ///< Idle.
  double iowait_percent = 0;   ///< Idle waiting for I/O.
  double irq_percent = 0;      ///< Hardware interrupts.
  double softirq_percent = 0;  ///< Softirqs.
  double steal_percent = 0;    ///< Stolen by the hypervisor.
  double guest_percent = 0;    ///< Running guests (guest + guest_nice; part of user/nice).
};

/// The usage between two readings of the same CPU's counters. Each field's delta is clamped at
/// 0 (iowait may go backwards). nullopt when no tick elapsed (a zero-length interval). Pure.
std::optional<CpuUsage> computeCpuUsage(const CpuTimes& before, const CpuTimes& after) noexcept;

/// One logical CPU's usage.
struct CoreUsage {
  int cpu = 0;     ///< Logical CPU number.
  CpuUsage usage;  ///< Its usage over the interval.
};

/// CPU section of a host snapshot.
struct CpuStats {
  CpuTopology topology;             ///< Model and layout.
  std::optional<CpuUsage> total;    ///< All online CPUs together (nullopt: zero interval).
  std::vector<CoreUsage> per_core;  ///< CPUs online in both samples, ascending by number.
  std::optional<LoadAvg> load;      ///< /proc/loadavg (nullopt if unreadable).
  std::optional<double> context_switches_per_second;  ///< From "ctxt" deltas.
  std::optional<std::uint64_t> procs_running;         ///< Runnable tasks at the second sample.
  std::optional<std::uint64_t> procs_blocked;  ///< Tasks blocked on I/O at the second sample.
};

/// Usage from two /proc/stat samples taken `elapsed_seconds` apart (the rate of context
/// switches needs it; nullopt if elapsed_seconds <= 0). A CPU missing from either sample
/// (hot-plugged during the interval) is left out of per_core. Leaves topology and load empty.
/// Pure.
CpuStats computeCpuStats(const ProcStat& before, const ProcStat& after, double elapsed_seconds);

}  // namespace keelson::host
