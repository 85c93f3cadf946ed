#pragma once
// What `keelson monitor --port` exports on /metrics and answers on /readyz: its open findings
// as Prometheus series (what the chart's PrometheusRule alerts on) and the health of its ticks.

#include <chrono>
#include <cstdint>
#include <mutex>
#include <optional>
#include <vector>

#include "analysis/insight_tracker.h"
#include "app/health_endpoints.h"
#include "kube/objects.h"
#include "server/metrics.h"

namespace keelson::app {

struct TickResult;

/// Registers, on `registry`:
/// - keelson_insights{kind,severity}: open findings per kind and severity, one series for every
///   kind of analysis::kFindingKinds and severity of analysis::kSeverities (0 when none), so that
///   "none" and "not exported" differ;
/// - keelson_insight_open{id,kind,severity,subject_kind,subject_namespace,subject_name}: 1 per
///   open finding (the insights file's open findings; subject_namespace is "" unless a pod), gone
///   once the finding closes;
/// - keelson_monitor_ticks_total{result="ok"|"degraded"} (degraded: a section failed),
///   keelson_monitor_tick_duration_seconds (histogram), keelson_monitor_last_tick_timestamp_seconds
///   (Unix time of the latest tick written; absent before it) and keelson_monitor_interval_seconds
///   (--interval), so that a stall shows as time() - last tick > a few intervals.
/// The registry must outlive this object's use. Thread-safe: observe() on the monitor's thread,
/// scrapes and readiness() on the server's.
class MonitorMetrics {
 public:
  MonitorMetrics(server::Registry& registry, std::chrono::seconds interval);
  MonitorMetrics(const MonitorMetrics&) = delete;
  MonitorMetrics& operator=(const MonitorMetrics&) = delete;

  /// Records one written tick: its result, how long it took and the findings after it (open and
  /// closed, as Monitor::insights() returns them; only the open ones are exported).
  void observe(const TickResult& tick, std::chrono::duration<double> took,
               const std::vector<analysis::TrackedFinding>& findings);

  /// Ready once the first tick is written; the body has "ticks", "degraded_ticks",
  /// "last_tick" (RFC 3339, null before the first) and "open_findings".
  Readiness readiness() const;

 private:
  std::vector<server::GaugeSample> insightCounts() const;
  std::vector<server::GaugeSample> openInsights() const;
  std::vector<server::GaugeSample> lastTick() const;

  server::CounterFamily& ticks_;
  server::HistogramFamily& tick_duration_;
  mutable std::mutex mutex_;
  std::vector<analysis::Finding> open_;  // guarded by mutex_
  std::optional<kube::Time> last_tick_;  // guarded by mutex_
  std::uint64_t tick_count_ = 0;         // guarded by mutex_
  std::uint64_t degraded_ticks_ = 0;     // guarded by mutex_
};

}  // namespace keelson::app
