#pragma once

// kubectl drain's pod filters (k8s.io/kubectl/pkg/drain/filters.go), in its order: deleted too
// long ago, DaemonSet-managed, mirror, local storage (emptyDir), unreplicated. Each pod runs
// through them until one says not to delete it; the status of the last filter run is the pod's.
// The refusal and warning messages are kubectl's.

#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "kube/pod.h"

namespace keelson::act {

/// The flags that change what the filters decide.
struct DrainFilterOptions {
  bool ignore_daemonsets = false;                ///< --ignore-daemonsets
  bool delete_emptydir_data = false;             ///< --delete-emptydir-data
  bool force = false;                            ///< --force (bare pods, orphaned DaemonSet pods)
  int skip_wait_for_delete_timeout_seconds = 0;  ///< --skip-wait-for-delete-timeout
};

/// What drain does with one pod (kubectl's PodDeleteStatus).
struct PodDeleteStatus {
  enum class Reason { kOkay, kSkip, kWarning, kError };
  bool remove = true;  ///< Evict (or delete) it.
  Reason reason = Reason::kOkay;
  std::string message;  ///< The warning or refusal; "" for kOkay and kSkip.
};

/// Why a pod's DaemonSet could not be read.
struct DaemonSetLookupError {
  bool not_found = false;
  std::string message;  ///< e.g. `daemonsets.apps "x" not found`.
};
/// Looks up a pod's DaemonSet (GET /apis/apps/v1/namespaces/NS/daemonsets/NAME): nullopt when it
/// exists, else why not (any failure, not only 404, is reported and never thrown).
using DaemonSetLookup = std::function<std::optional<DaemonSetLookupError>(
    const std::string& namespace_name, const std::string& name)>;

/// kubectl's messages.
inline constexpr const char* kDaemonSetFatal =
    "DaemonSet-managed Pods (use --ignore-daemonsets to ignore)";
inline constexpr const char* kDaemonSetWarning = "ignoring DaemonSet-managed Pods";
inline constexpr const char* kLocalStorageFatal =
    "Pods with local storage (use --delete-emptydir-data to override)";
inline constexpr const char* kLocalStorageWarning = "deleting Pods with local storage";
inline constexpr const char* kUnmanagedFatal =
    "Pods that declare no controller (use --force to override)";
inline constexpr const char* kUnmanagedWarning = "deleting Pods that declare no controller";

/// True for a pod whose deletion was requested more than `skip_seconds` before `now` (never
/// when skip_seconds is 0): drain neither evicts it nor waits for it.
bool deletedTooLongAgo(const kube::Pod& pod, int skip_seconds,
                       std::chrono::system_clock::time_point now);

/// Runs the filters on `pod`. `daemonsets` is called only for a running DaemonSet pod. Pure
/// apart from `daemonsets`; thread-safe when it is.
PodDeleteStatus filterPod(const kube::Pod& pod, const DrainFilterOptions& options,
                          const DaemonSetLookup& daemonsets,
                          std::chrono::system_clock::time_point now);

/// One pod and what the filters decided.
struct PodDelete {
  kube::Pod pod;
  PodDeleteStatus status;
};

/// kubectl's aggregated refusals, one per message in first-seen order:
/// "cannot delete <message>: ns/a, ns/b".
std::vector<std::string> refusals(const std::vector<PodDelete>& pods);

/// kubectl's warning text (without "Warning: "): "<message>: ns/a, ns/b; <message>: ns/c", "" when
/// there is none.
std::string warnings(const std::vector<PodDelete>& pods);

}  // namespace keelson::act
