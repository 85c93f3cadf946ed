#pragma once

#include <sys/statvfs.h>

#include <chrono>
#include <cstddef>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace keelson::host {

/// A statvfs(3)-like function: fills `out` for `path` and returns 0, or returns an errno value.
/// Injected into StatvfsProber so tests can simulate failing and hanging mounts. It runs on a
/// probe thread, possibly after the prober is gone, so it must own (or share) what it uses.
using StatvfsFunction = std::function<int(const std::string& path, struct statvfs& out)>;

/// The real statvfs(3): returns 0 or errno.
int realStatvfs(const std::string& path, struct statvfs& out) noexcept;

/// Runs statvfs calls with a deadline, so a hung mount (an unreachable NFS server, a dead FUSE
/// daemon) cannot hang the agent. Each probe runs on its own detached thread; the caller waits
/// until the deadline and reports the probes that have not returned as stale. A thread stuck
/// in the kernel cannot be cancelled, so leaked threads are bounded instead: a path whose
/// earlier probe missed its deadline and is still blocked is not probed again (it is reported
/// stale at once), and no new probe starts while `max_stuck_probes` such probes exist; so at
/// most one thread per mount point, plus the probes of one call, can be stuck. A stuck probe
/// that finally returns frees its slot. A concurrent caller asking for a path being probed
/// waits for that probe instead of starting another.
///
/// Thread-safe. Keep one prober for the life of the process (see shared()) so that stuck
/// probes are remembered across snapshots.
class StatvfsProber {
 public:
  /// The default bound on probes left blocked by earlier calls.
  static constexpr std::size_t kDefaultMaxStuckProbes = 32;

  /// Outcome of one probe.
  struct Result {
    enum class Status {
      kOk,      ///< statvfs returned 0; `stat` is valid.
      kFailed,  ///< statvfs returned an error (`error_number`), or no thread could be started.
      kStale,   ///< statvfs did not return by the deadline (or an earlier probe is still stuck).
    };
    Status status = Status::kFailed;
    struct statvfs stat {};  ///< The filesystem's statistics when kOk.
    int error_number = 0;    ///< errno when kFailed.
    std::string message;     ///< Why, when not kOk, e.g. "statvfs did not return within 2000 ms".
  };

  /// A prober calling `statvfs_function` (the real statvfs by default).
  explicit StatvfsProber(StatvfsFunction statvfs_function = realStatvfs,
                         std::size_t max_stuck_probes = kDefaultMaxStuckProbes);

  /// The process-wide prober using the real statvfs.
  static std::shared_ptr<StatvfsProber> shared();

  /// Probes every path concurrently and waits at most `deadline` (from when the probes are
  /// started) for all of them. Returns one Result per path, in order. Never throws except
  /// std::bad_alloc.
  std::vector<Result> probeAll(const std::vector<std::string>& paths,
                               std::chrono::milliseconds deadline);

  /// Probes still blocked in statvfs (their threads are alive).
  std::size_t stuckProbes() const;

 private:
  struct Probe;

  StatvfsFunction statvfs_function_;
  std::size_t max_stuck_probes_;
  mutable std::mutex mutex_;
  // Probes whose threads may still be running, by path. Guarded by mutex_.
  std::map<std::string, std::shared_ptr<Probe>> in_flight_;
};

}  // namespace keelson::host
