#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "host/host_fs.h"
#include "host/proc/pid.h"

namespace keelson::host {

/// Clock ticks per second of /proc CPU times: sysconf(_SC_CLK_TCK) (100 on Linux).
std::uint64_t systemClockTicksPerSecond() noexcept;

/// Bytes per page of /proc/<pid>/stat rss: sysconf(_SC_PAGESIZE). The host's kernel is ours.
std::uint64_t systemPageSizeBytes() noexcept;

/// What the process section reports.
struct ProcessOptions {
  std::size_t top_n = 10;  ///< Length of the top-by-CPU and top-by-RSS lists.
  std::uint64_t clock_ticks_per_second = systemClockTicksPerSecond();  ///< For CPU times.
  std::uint64_t page_size_bytes = systemPageSizeBytes();               ///< For rss pages.
  std::size_t max_cmdline_bytes = 4096;  ///< Longer command lines are cut.
};

/// The stat line of every process at one moment, in /proc listing order.
struct ProcessSample {
  std::vector<PidStat> processes;  ///< One per process (thread-group leader).
};

/// Lists `/proc` and reads each numeric entry's `stat`. Processes that exit while being read,
/// or whose stat does not parse, are skipped. Throws Error(kNotFound/kUnavailable) if /proc
/// cannot be listed. Opens and closes every file; ProcessTableReader keeps them open.
ProcessSample sampleProcesses(const HostFs& fs);

/// Samples the process table as sampleProcesses does, keeping each /proc/<pid>/stat open from
/// one sample to the next (read again with pread from offset 0), so a sample costs one read a
/// process instead of open, fstat, read, read, close. A kept file whose process has exited
/// reads as gone (ESRCH), even when its PID was reused: it is closed and the PID's file opened
/// afresh. Files are kept only when the host's /proc is a procfs (statfs): the regular files of
/// a fixture tree may be replaced between samples; at most `max_open_files` are kept (the rest
/// are opened each time); those of processes no longer listed are closed at each sample, all
/// of them when the host root changes. Thread-safe (one sample at a time).
class ProcessTableReader {
 public:
  /// Keeps at most `max_open_files` descriptors open (0: none, as sampleProcesses).
  explicit ProcessTableReader(std::size_t max_open_files = kDefaultMaxOpenFiles);
  ProcessTableReader(const ProcessTableReader&) = delete;
  ProcessTableReader& operator=(const ProcessTableReader&) = delete;
  ~ProcessTableReader();

  /// The default bound on kept descriptors: 4096 (well under the usual RLIMIT_NOFILE soft
  /// limit of a service, 1024 * 1024 under systemd and containerd; a host with more processes
  /// than this opens the rest each time).
  static constexpr std::size_t kDefaultMaxOpenFiles = 4096;

  /// One process-wide reader, for collectHost's default: descriptors are reused across
  /// snapshots.
  static std::shared_ptr<ProcessTableReader> shared();

  /// As sampleProcesses(fs). Throws as it does.
  ProcessSample sample(const HostFs& fs);

  /// Descriptors kept open now (for tests and the agent's own metrics).
  std::size_t openFiles() const;

 private:
  struct State;
  std::size_t max_open_files_ = 0;
  mutable std::mutex mutex_;
  std::unique_ptr<State> state_;  // Guarded by mutex_.
};

/// One process in a top list.
struct ProcessInfo {
  std::int64_t pid = 0;   ///< Process ID.
  std::int64_t ppid = 0;  ///< Parent process ID.
  std::string command;    ///< comm from /proc/<pid>/stat (at most 15 bytes).
  /// /proc/<pid>/cmdline, credentials redacted (core::redactArgv), space-joined, control
  /// characters as '?', cut to ProcessOptions::max_cmdline_bytes; empty if none.
  std::string cmdline;
  std::optional<std::uint32_t> uid;  ///< Real UID from /proc/<pid>/status.
  std::string user;                  ///< Name of uid in <root>/etc/passwd, else the number.
  char state = '?';                  ///< State letter (R, S, D, Z, ...).
  /// CPU over the interval: (utime + stime delta) / ticks per second / elapsed seconds * 100.
  /// 100 is one CPU; a multi-threaded process can exceed it. nullopt for a zero interval.
  std::optional<double> cpu_percent;
  std::uint64_t rss_bytes = 0;  ///< Resident set size: rss pages * page size.
  std::int64_t threads = 0;     ///< Threads in the process.
};

/// Process section of a host snapshot.
struct ProcessStats {
  std::uint64_t total = 0;                 ///< Processes at the second sample.
  std::uint64_t threads = 0;               ///< Threads of all processes.
  std::map<char, std::uint64_t> by_state;  ///< Processes per state letter.
  std::vector<ProcessInfo> top_cpu;        ///< Highest cpu_percent first (empty for zero interval).
  std::vector<ProcessInfo> top_rss;        ///< Highest rss_bytes first.
};

/// The name of a process state letter, as proc(5) describes it: R "running", S "sleeping",
/// D "disk_sleep", Z "zombie", T "stopped", t "tracing_stop", X/x "dead", I "idle", P "parked",
/// W "waking", K "wakekill"; "unknown" otherwise.
std::string_view processStateName(char state) noexcept;

/// Counts and ranks processes from two samples taken `elapsed_seconds` apart. A process is
/// matched by PID and start time, so a reused PID is a new process; a process absent from
/// `before` is charged all its CPU time (it started during the interval). The listed
/// processes are completed from /proc/<pid>/status (UID), /proc/<pid>/cmdline (redacted) and
/// <root>/etc/passwd (user name; parsed again only when the file's inode, size or modification
/// time changes); a process that exits meanwhile keeps what the samples had. Never throws
/// Error. Thread-safe.
ProcessStats computeProcesses(const HostFs& fs, const ProcessSample& before,
                              const ProcessSample& after, double elapsed_seconds,
                              const ProcessOptions& options);

}  // namespace keelson::host
