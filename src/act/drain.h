#pragma once

// kubectl drain NODE: cordon the node, list its pods, run kubectl's filters (drain_filters.h),
// report every refusal before anything is evicted, then evict the pods through the Eviction API
// (policy/v1; or delete them with --disable-eviction) in parallel up to a bound, retrying a
// PodDisruptionBudget's 429 every 5 s and naming the budget, and wait until each pod is gone
// (or its UID changed). A --timeout ends it with every pod not yet gone reported.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>

#include "act/action.h"
#include "act/context.h"
#include "act/drain_filters.h"
#include "core/clock.h"

namespace keelson::act {

/// kubectl drain's flags, plus the bound on parallel evictions.
struct DrainOptions {
  DrainFilterOptions filters;     ///< --ignore-daemonsets, --delete-emptydir-data, --force, ...
  bool disable_eviction = false;  ///< --disable-eviction: DELETE instead of evicting (no PDBs).
  /// --grace-period; nullopt (kubectl's -1): each pod's terminationGracePeriodSeconds.
  std::optional<std::int64_t> grace_period_seconds;
  std::chrono::milliseconds timeout{0};  ///< --timeout; 0: wait for ever.
  std::string pod_selector;              ///< --pod-selector: a label selector.
  std::int64_t chunk_size = 500;         ///< --chunk-size: pods per list page (0: one page).
  std::size_t parallelism = 16;          ///< Evictions in flight at once (at least 1).
  std::chrono::milliseconds retry_interval{5000};  ///< After a 429 (kubectl: 5 s).
  /// The longest wait between checks that evicted pods are gone (the first come sooner).
  std::chrono::milliseconds poll_interval{1000};
  std::shared_ptr<const core::Clock> clock = core::systemClock();
};

/// Something the drain reports as it goes, in kubectl's terms.
struct DrainEvent {
  enum class Type {
    kCordoned,        ///< message: "node/N cordoned" or "node/N already cordoned" (+ dry-run).
    kWarning,         ///< message: kubectl's warning text (after "Warning: ").
    kEvicting,        ///< pod; message: "evicting pod NS/NAME" (+ dry-run suffix).
    kRetrying,        ///< pod; message: kubectl's retry line; pdb: the budget that blocks.
    kGone,            ///< pod; message: "pod/NAME evicted" or "pod/NAME deleted".
    kSkippedWaiting,  ///< pod; message: kubectl's "has DeletionTimestamp older than" line.
    kError,           ///< pod (may be ""); message: the error line.
  };
  Type type = Type::kError;
  std::string pod;      ///< "NS/NAME"; "" for node-level events.
  std::string message;  ///< The line kubectl would print.
  std::string pdb;  ///< kRetrying: "NS/NAME" of the PodDisruptionBudget, when the server named it.
};

/// Counts for a live progress display.
struct DrainProgress {
  std::size_t total = 0;                       ///< Pods to evict.
  std::size_t pending = 0;                     ///< Not yet evicted (queued, in flight or retrying).
  std::size_t waiting = 0;                     ///< Evicted, not yet gone.
  std::size_t gone = 0;                        ///< Done.
  std::size_t failed = 0;                      ///< Ended in an error.
  std::map<std::string, std::string> blocked;  ///< Pod "NS/NAME" -> the PDB blocking it.
  std::chrono::milliseconds elapsed{0};
};

/// Receives events and progress, from the drain's threads, one call at a time (never
/// concurrently). Either may be empty.
struct DrainObserver {
  std::function<void(const DrainEvent&)> on_event;
  std::function<void(const DrainProgress&)> on_progress;
};

/// Drains `node`. Returns the result: summary "drained" when every pod is gone (or would be, in
/// a dry run); changes: the cordon and every pod evicted or deleted; skipped: the pods the
/// filters left (DaemonSet pods with --ignore-daemonsets, mirror pods, pods deleted too long
/// ago); warnings; and, when it failed, the error: kubectl's refusals ("cannot delete ..."), or
/// each pod's eviction error or timeout. Outcome kRefused when the filters refused and nothing
/// was written, kFailed when something was. Throws ApiError when the node cannot be cordoned or
/// its pods cannot be listed (a malformed --pod-selector is the server's 400).
ActionResult drain(ActionContext& context, const std::string& node, const DrainOptions& options,
                   const DrainObserver& observer = {});

}  // namespace keelson::act
