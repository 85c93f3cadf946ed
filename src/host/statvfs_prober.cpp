#include "host/statvfs_prober.h"

#include <algorithm>
#include <cerrno>
#include <condition_variable>
#include <cstring>
#include <system_error>
#include <thread>
#include <utility>

namespace keelson::host {

// Shared between the waiting caller, the probe thread and in_flight_.
struct StatvfsProber::Probe {
  std::mutex mutex;
  std::condition_variable finished;
  bool done = false;       // Guarded by mutex.
  int rc = 0;              // Guarded by mutex.
  struct statvfs stat {};  // Guarded by mutex.
  std::chrono::steady_clock::time_point started = std::chrono::steady_clock::now();
  // A caller gave up waiting: the probe counts as stuck until it returns. Guarded by the
  // prober's mutex_.
  bool abandoned = false;

  bool isDone() {
    std::lock_guard lock(mutex);
    return done;
  }
};

int realStatvfs(const std::string& path, struct statvfs& out) noexcept {
  return ::statvfs(path.c_str(), &out) == 0 ? 0 : errno;
}

StatvfsProber::StatvfsProber(StatvfsFunction statvfs_function, std::size_t max_stuck_probes)
    : statvfs_function_(std::move(statvfs_function)), max_stuck_probes_(max_stuck_probes) {}

std::shared_ptr<StatvfsProber> StatvfsProber::shared() {
  static const auto prober = std::make_shared<StatvfsProber>();
  return prober;
}

std::size_t StatvfsProber::stuckProbes() const {
  std::lock_guard lock(mutex_);
  std::size_t stuck = 0;
  for (const auto& [path, probe] : in_flight_) {
    if (probe->abandoned && !probe->isDone()) ++stuck;
  }
  return stuck;
}

std::vector<StatvfsProber::Result> StatvfsProber::probeAll(const std::vector<std::string>& paths,
                                                           std::chrono::milliseconds deadline) {
  using Status = Result::Status;
  std::vector<Result> results(paths.size());
  // The probes this call waits for, by path: started here, or started by a concurrent call
  // and not yet given up on. A path listed twice shares one probe.
  std::map<std::string, std::shared_ptr<Probe>> started;
  {
    std::lock_guard lock(mutex_);
    std::erase_if(in_flight_, [](const auto& entry) { return entry.second->isDone(); });
    const auto stuck_before = static_cast<std::size_t>(
        std::count_if(in_flight_.begin(), in_flight_.end(),
                      [](const auto& entry) { return entry.second->abandoned; }));
    const auto now = std::chrono::steady_clock::now();
    for (std::size_t i = 0; i < paths.size(); ++i) {
      const auto& path = paths[i];
      if (started.contains(path)) continue;
      if (const auto it = in_flight_.find(path); it != in_flight_.end()) {
        if (!it->second->abandoned) {  // Another caller's probe, still within its deadline.
          started.emplace(path, it->second);
          continue;
        }
        const auto blocked_ms =
            std::chrono::duration_cast<std::chrono::milliseconds>(now - it->second->started);
        results[i].status = Status::kStale;
        results[i].message = "an earlier statvfs on this path is still blocked (for " +
                             std::to_string(blocked_ms.count()) + " ms); not probing again";
        continue;
      }
      if (stuck_before >= max_stuck_probes_) {
        results[i].status = Status::kStale;
        results[i].message = std::to_string(stuck_before) +
                             " statvfs probes are blocked on hung mounts; not starting more";
        continue;
      }
      auto probe = std::make_shared<Probe>();
      try {
        std::thread([probe, fn = statvfs_function_, path] {
          struct statvfs stat {};
          int rc = EIO;
          try {
            rc = fn(path, stat);
          } catch (...) {  // An injected function that throws is a failed probe, not a crash.
          }
          {
            std::lock_guard probe_lock(probe->mutex);
            probe->rc = rc;
            probe->stat = stat;
            probe->done = true;
          }
          probe->finished.notify_all();
        }).detach();
      } catch (const std::system_error& error) {
        results[i].status = Status::kFailed;
        results[i].error_number = EAGAIN;
        results[i].message = std::string("cannot start a statvfs thread: ") + error.what();
        continue;
      }
      in_flight_.emplace(path, probe);
      started.emplace(path, std::move(probe));
    }
  }

  const auto deadline_at = std::chrono::steady_clock::now() + deadline;
  for (std::size_t i = 0; i < paths.size(); ++i) {
    const auto it = started.find(paths[i]);
    if (it == started.end()) continue;
    const auto& probe = it->second;
    std::unique_lock probe_lock(probe->mutex);
    if (!probe->finished.wait_until(probe_lock, deadline_at, [&] { return probe->done; })) {
      probe_lock.unlock();
      {
        std::lock_guard lock(mutex_);
        probe->abandoned = true;
      }
      results[i].status = Status::kStale;
      results[i].message =
          "statvfs did not return within " + std::to_string(deadline.count()) + " ms";
      continue;
    }
    if (probe->rc == 0) {
      results[i].status = Status::kOk;
      results[i].stat = probe->stat;
    } else {
      results[i].status = Status::kFailed;
      results[i].error_number = probe->rc;
      results[i].message = std::string("statvfs: ") + std::strerror(probe->rc);
    }
  }
  {
    // Finished probes leave in_flight_ now; stuck ones stay until they return.
    std::lock_guard lock(mutex_);
    for (const auto& [path, probe] : started) {
      const auto it = in_flight_.find(path);
      if (it != in_flight_.end() && it->second == probe && probe->isDone()) in_flight_.erase(it);
    }
  }
  return results;
}

}  // namespace keelson::host
