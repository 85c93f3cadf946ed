#pragma once
// Actionable findings for `keelson monitor`: rules over one tick (pods, nodes, host filesystems)
// and a short per-pod history, plus the statistical detector's alerts. Pure: no I/O.

#include <array>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <limits>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "analysis/pod_sample.h"
#include "host/filesystem_collector.h"
#include "kube/node.h"

namespace keelson::analysis {

/// What a finding is about.
struct Subject {
  std::string kind;            ///< "pod", "node" or "namespace".
  std::string namespace_name;  ///< Pods only.
  std::string name;
};

/// The numbers behind a finding.
struct Evidence {
  std::string series;                 ///< e.g. "memory_usage_bytes", "restarts_total".
  std::vector<double> recent_values;  ///< Oldest first, in the series' unit.
  /// The range the values were expected in (lower, upper), when the rule or detector has one.
  std::optional<std::pair<double, double>> expected_range;
  std::optional<double> score;  ///< The detector's anomaly score in [0, 1] (anomalies only).
  std::map<std::string, std::string> details;  ///< Rule-specific figures, e.g. "limit_bytes".
};

/// Every Finding::kind the rules and the detector produce.
inline constexpr std::array<std::string_view, 8> kFindingKinds = {
    "anomaly",    "oom_risk",         "crash_loop",         "restart_burst",
    "throttling", "pending_too_long", "image_pull_failure", "node_pressure"};

/// Every Finding::severity, most urgent first.
inline constexpr std::array<std::string_view, 3> kSeverities = {"critical", "warning", "info"};

/// A remediation the operator (or `keelson remediate`) could take.
struct SuggestedAction {
  std::string action;  ///< "restart", "set_resources", "inspect", "fix_image", "free_disk", ...
  std::string description;
};

/// One finding. `id` is stable across ticks for the same condition on the same subject, which is
/// how findings are deduplicated and closed (see InsightTracker).
struct Finding {
  std::string id;    ///< "<kind>/<subject kind>/<namespace>/<name>[/<detail>]".
  std::string kind;  ///< "anomaly", "oom_risk", "crash_loop", "restart_burst", "throttling",
                     ///< "pending_too_long", "image_pull_failure" or "node_pressure".
  Subject subject;
  std::string severity;  ///< "critical", "warning" or "info".
  Evidence evidence;
  std::string explanation;  ///< Plain language: what is happening and why it matters.
  SuggestedAction suggested_action;
};

/// One sample of a pod, kept by the monitor across ticks: what the restart and OOM rules read,
/// and nothing else (16 bytes).
struct PodHistoryPoint {
  kube::Time timestamp;
  /// Working set (metrics.k8s.io), bytes; NaN without metrics (hasMemory() is false). A float:
  /// exact for every whole number of KiB below 16 GiB (kubelets report KiB), and within 2^-24
  /// of the value above that, far finer than the OOM forecast needs.
  float memory_bytes = std::numeric_limits<float>::quiet_NaN();
  int restarts = 0;  ///< Total restarts at that tick.

  /// Whether memory_bytes was measured.
  bool hasMemory() const noexcept { return !std::isnan(memory_bytes); }
};
/// One pod's recent samples, oldest first. recordHistory keeps it in one allocation of
/// `max_points` points (60 a pod are 9.6 MB at 10,000 pods).
using PodHistory = std::vector<PodHistoryPoint>;

/// Appends this tick's samples to `history` (keyed by pod uid), keeps at most `max_points` per pod
/// (the oldest go first) and drops pods that are gone.
void recordHistory(std::map<std::string, PodHistory>& history,
                   const std::vector<PodSample>& samples, kube::Time now,
                   std::size_t max_points = 60);

/// When memory will reach the limit if the current trend holds.
struct OomForecast {
  double slope_bytes_per_second = 0;  ///< Least-squares slope of the working set.
  std::chrono::seconds time_to_limit{0};
};

/// Least-squares trend of the working set over `history` (at least `min_points` samples spanning
/// at least one minute); nullopt when memory is not rising or there are too few samples.
std::optional<OomForecast> forecastOom(const PodHistory& history, double limit_bytes,
                                       std::size_t min_points = 5);

/// An anomaly the streaming detector reported for one series this tick.
struct AnomalyAlert {
  Subject subject;
  std::string series;  ///< e.g. "cpu_usage_millicores".
  double score = 0;    ///< In [0, 1], at or above the alert threshold.
  std::vector<double> recent_values;
};

/// Thresholds of the rules.
struct RuleOptions {
  std::chrono::seconds pending_after{300};  ///< A pod unschedulable or Pending for longer.
  std::chrono::seconds oom_horizon{3600};   ///< Forecast OOM kills sooner than this.
  int restart_burst = 3;                    ///< Restarts within restart_window...
  std::chrono::seconds restart_window{600};
  double throttling_percent = 90;  ///< CPU usage at or above this % of the CPU limit.
  double filesystem_percent = 90;  ///< Host filesystems above this % used.
  std::string host_node_name;      ///< The node the host filesystems belong to ("" = host name).
};

/// This tick's inputs. Null pointers mean "not available this tick".
struct InsightInputs {
  kube::Time now;
  const std::vector<PodSample>* pods = nullptr;
  const std::map<std::string, PodHistory>* history = nullptr;  ///< By pod uid.
  const std::vector<kube::Node>* nodes = nullptr;
  const std::vector<host::Filesystem>* filesystems = nullptr;
  std::vector<AnomalyAlert> anomalies;
};

/// Evaluates every rule and turns the anomaly alerts into findings. Sorted by id; ids unique.
std::vector<Finding> evaluateInsights(const InsightInputs& inputs, const RuleOptions& options = {});

}  // namespace keelson::analysis
