#pragma once
// `keelson monitor`: every interval, sample the host and every pod in scope, append the pods to
// the CSV dataset (monitor_dataset.h), record series in the history store, score them with the
// streaming anomaly detector and keep the insights file (insights_file.h) current.

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <stop_token>
#include <string>
#include <vector>

#include "analysis/insights.h"
#include "app/capture.h"
#include "docs/insights_file.h"
#include "kube/cluster_config.h"

namespace keelson::app {

/// Configuration of `keelson monitor` (flags and environment; see cmd_monitor.cpp).
struct MonitorOptions {
  std::chrono::seconds interval{30};       ///< --interval: time between tick starts.
  kube::ConfigOptions kube;                ///< --kubeconfig, --context, in-cluster.
  std::string namespace_name = "default";  ///< --namespace; "" with -A (all namespaces).
  std::filesystem::path output_file = "pod_metrics.csv";      ///< --output-file
  std::filesystem::path insights_file = "pod_insights.json";  ///< --insights-file
  /// --history: the SQLite history store; nullopt disables it (--no-history).
  std::optional<std::filesystem::path> history_path;
  std::chrono::seconds retention{7 * 24 * 3600};  ///< --retention
  double alert_threshold = 0.7;  ///< --alert-threshold / ANOMALY_THRESHOLD, in [0, 1].
  HostCaptureOptions host;       ///< --host-root; the host's CPU % is sampled over host.interval.
  /// False (--no-host, HOST_MONITORING_ENABLED=false): the host is not sampled, no host metrics.
  bool sample_host = true;
  std::chrono::milliseconds api_timeout{10000};  ///< Per API request.
  /// --prometheus-url: network counters from this Prometheus server instead of the kubelet
  /// Summary API; "" uses the kubelet.
  std::string prometheus_url;
  analysis::RuleOptions rules;  ///< Thresholds of the rule-based insights.
  /// How long a closed finding stays in the insights file.
  std::chrono::seconds keep_closed{24 * 3600};
  /// --checkpoint-ticks: each series' detector state is written to the history store every
  /// this many ticks (a share of the series each tick) and at shutdown, so a crash loses at most
  /// this many ticks of learning (never points). Recorded in the store's settings. The default,
  /// two hours at the default 30 s interval, keeps a tick's writes under 2 MB at 10,000 pods,
  /// averaged over an hour, even when every series is noisy (bench/store/bench_history_writes).
  int checkpoint_ticks = 240;
  /// --port: serve /healthz, /readyz and /metrics (MonitorMetrics) on it (0: any free one);
  /// nullopt: no server.
  std::optional<std::uint16_t> port;
  std::string address = "0.0.0.0";  ///< --address: the listen address of that server.
};

/// What one tick did (logged, and used by tests).
struct TickResult {
  kube::Time timestamp;
  int pods = 0;                     ///< Rows appended to the dataset.
  int points = 0;                   ///< Points recorded in the history store.
  int alerts = 0;                   ///< Series whose anomaly score reached the threshold.
  int open_findings = 0;            ///< Open findings after this tick.
  std::vector<std::string> errors;  ///< Sections that failed this tick ("cluster: ...").
  /// Optional sources that were unavailable, leaving their columns empty ("metrics.k8s.io: ...",
  /// "network: node n1: ..."). They do not make the tick degraded.
  std::vector<std::string> unavailable;
};

/// The monitor's state across ticks. Not thread-safe: one thread calls tick().
class Monitor {
 public:
  /// Opens the dataset, the history store and the previous insights file. Throws Error(kBadInput)
  /// when one of them cannot be opened or has an incompatible format (the message names it).
  explicit Monitor(MonitorOptions options);
  ~Monitor();
  Monitor(const Monitor&) = delete;
  Monitor& operator=(const Monitor&) = delete;

  /// Takes one sample and persists it. A cluster or host failure degrades that part of the tick
  /// (reported in TickResult::errors); a failure to write the dataset, history or insights file
  /// throws Error.
  TickResult tick();

  /// Writes every detector's state to the history store (no-op without one), stamped with the
  /// latest tick's time. runMonitor calls it once the ticks stop. Throws what
  /// HistoryStore::saveDetectorStates throws.
  void checkpoint();

  /// The findings after the latest tick, as the insights file holds them (generated_at is that
  /// tick's time; before the first tick, the findings restored from the file at its time zero).
  docs::InsightsSnapshot insights() const;

 private:
  struct State;
  std::unique_ptr<State> state_;
};

/// Called on the monitor's thread after each tick is written.
using TickObserver = std::function<void(const Monitor&)>;

/// Runs ticks every options.interval until `stop` is requested (or once when `once`), calling
/// `after_tick` (when set) after each. With options.port, serves /healthz, /readyz and /metrics
/// (monitor_metrics.h) meanwhile. Returns after the tick in flight is written. Returns the
/// number of ticks with errors. Throws what Monitor's constructor and tick() throw, and
/// Error(kUnavailable) when the port cannot be bound.
int runMonitor(const MonitorOptions& options, bool once, std::stop_token stop,
               const TickObserver& after_tick = {});

}  // namespace keelson::app
