#pragma once

#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

namespace keelson::host {

/// CPU time counters from one "cpu" line of /proc/stat, in clock ticks (USER_HZ, see
/// sysconf(_SC_CLK_TCK), 100 per second on every mainstream kernel). Fields a kernel does not
/// report (older kernels print 4, 7, 8 or 9 of the 10) are 0.
struct CpuTimes {
  std::uint64_t user = 0;        ///< Normal processes in user mode (includes guest).
  std::uint64_t nice = 0;        ///< Niced processes in user mode (includes guest_nice).
  std::uint64_t system = 0;      ///< Kernel mode.
  std::uint64_t idle = 0;        ///< Idle.
  std::uint64_t iowait = 0;      ///< Idle with I/O outstanding (may go backwards on NO_HZ).
  std::uint64_t irq = 0;         ///< Servicing hardware interrupts.
  std::uint64_t softirq = 0;     ///< Servicing softirqs.
  std::uint64_t steal = 0;       ///< Stolen by the hypervisor for other guests.
  std::uint64_t guest = 0;       ///< Running a guest VM (already counted in user).
  std::uint64_t guest_nice = 0;  ///< Running a niced guest VM (already counted in nice).

  /// All ticks: user + nice + system + idle + iowait + irq + softirq + steal. Guest time is
  /// not added because the kernel already counts it in user and nice.
  std::uint64_t totalTicks() const noexcept {
    return user + nice + system + idle + iowait + irq + softirq + steal;
  }

  friend bool operator==(const CpuTimes&, const CpuTimes&) = default;
};

/// One per-CPU line of /proc/stat ("cpu3 ..."). Only online CPUs have a line.
struct PerCpuTimes {
  int cpu = 0;     ///< Logical CPU number (the N of "cpuN").
  CpuTimes times;  ///< Its counters.
};

/// The parts of /proc/stat that keelson uses. Counters are cumulative since boot.
struct ProcStat {
  std::optional<CpuTimes> total;                       ///< The aggregate "cpu" line.
  std::vector<PerCpuTimes> per_cpu;                    ///< "cpuN" lines in file order.
  std::optional<std::uint64_t> context_switches;       ///< "ctxt": context switches since boot.
  std::optional<std::int64_t> boot_time_unix_seconds;  ///< "btime": boot time, Unix seconds.
  std::optional<std::uint64_t> processes_forked;       ///< "processes": forks since boot.
  std::optional<std::uint64_t> procs_running;          ///< "procs_running": runnable tasks now.
  std::optional<std::uint64_t> procs_blocked;          ///< "procs_blocked": tasks in D state now.
};

/// Parses the text of /proc/stat (see proc(5)). Pure: no I/O. Malformed or unknown lines are
/// skipped (a cpu line needs at least the 4 fields of Linux 2.4; missing later fields are 0;
/// extra fields of future kernels are ignored), so any input yields a result; `total` is
/// nullopt when no valid aggregate "cpu" line was found. Never throws except std::bad_alloc.
ProcStat parseStat(std::string_view text);

}  // namespace keelson::host
