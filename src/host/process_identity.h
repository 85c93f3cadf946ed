#pragma once

// A process named so that it cannot be mistaken for another: the kernel reuses pids, so a pid is
// paired with the process's start time (field 22, `starttime`, of /proc/PID/stat: clock ticks
// after boot), which a later process with the same pid cannot share. The audit log records it
// with every intent, to tell an action still running from one whose process died.
//
// Both functions read /proc of this process's own pid namespace (not the --host-root view of
// HostFs collectors), parsed with parsePidStat (proc/pid.h).

#include <cstdint>

namespace keelson::host {

/// A running (or once running) process.
struct ProcessIdentity {
  std::int64_t pid = 0;  ///< In this process's pid namespace.
  std::uint64_t start_ticks =
      0;  ///< /proc/PID/stat field 22: clock ticks (_SC_CLK_TCK) after boot.

  friend bool operator==(const ProcessIdentity&, const ProcessIdentity&) = default;
};

/// This process: getpid() and its start time from /proc/self/stat. Throws Error(kUnavailable)
/// naming the file when /proc is not mounted or cannot be read, Error(kBadInput) when the file
/// does not parse.
ProcessIdentity currentProcess();

/// True while `process` runs: /proc/PID/stat exists, its state is not a zombie (Z, X: the
/// process has exited, only its exit status waits to be reaped) and its start time is
/// `process.start_ticks` (else the pid now names another process). When it cannot be told, it
/// answers true rather than declare a live process dead: /proc/PID/stat unreadable or
/// unparsable, or absent while kill(pid, 0) says the pid exists (a /proc mounted with hidepid
/// hides other users' processes). Never throws except std::bad_alloc.
bool isRunning(const ProcessIdentity& process);

}  // namespace keelson::host
