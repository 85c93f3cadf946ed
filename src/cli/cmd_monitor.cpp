// keelson monitor: continuous collection into the CSV dataset and the history store, streaming
// anomaly detection and the insights file.
#include <cstdlib>
#include <memory>
#include <string>

#include "app/monitor.h"
#include "cli/commands.h"
#include "cli/options.h"
#include "core/error.h"
#include "core/signals.h"
#include "store/history_store.h"

namespace keelson::cli {
namespace {

// Whole seconds, rounded up so that "500ms" is not 0.
std::chrono::seconds seconds(std::chrono::milliseconds d) {
  return std::chrono::ceil<std::chrono::seconds>(d);
}

struct MonitorCommand {
  explicit MonitorCommand(const KubeFlags& kube_flags) : kube(kube_flags) {}

  const KubeFlags& kube;
  NamespaceFlags ns;
  std::string interval = "30s";
  bool once = false;
  std::string output_file = "pod_metrics.csv";
  std::string insights_file = "pod_insights.json";
  std::string history;
  bool no_history = false;
  std::string retention = "7d";
  double alert_threshold = 0.7;
  std::string host_root = "/";
  std::string pending_after = "5m";
  std::string prometheus_url;
  CollectorFlags collectors;

  int run() const {
    app::MonitorOptions options;
    options.kube = kube.configOptions();
    options.namespace_name = ns.resolve(kube);
    options.interval = seconds(parseDurationFlag("--interval", interval));
    options.output_file = output_file;
    options.insights_file = insights_file;
    if (!no_history) {
      options.history_path =
          history.empty() ? store::defaultHistoryPath(std::getenv) : std::filesystem::path(history);
    }
    options.retention = seconds(parseDurationFlag("--retention", retention));
    options.alert_threshold = alert_threshold;
    options.prometheus_url = prometheus_url;
    options.rules.pending_after = seconds(parseDurationFlag("--pending-after", pending_after));
    options.host.host_root = host_root;
    options.host.collectors = collectors.resolve(std::getenv);
    options.sample_host = collectors.hostEnabled(std::getenv);
    options.api_timeout = kube.requestTimeout(std::chrono::seconds(10));
    // Signals are routed to a stop token before the monitor starts any thread.
    const core::StopOnSignals signals;
    const int failed_ticks = app::runMonitor(options, once, signals.token());
    return failed_ticks == 0 ? kExitOk : kExitDegraded;
  }
};

}  // namespace

void addMonitorCommand(CLI::App& app, Action& action, const KubeFlags& kube) {
  auto* cmd = app.add_subcommand(
      "monitor",
      "sample every pod each interval into a CSV dataset and a history store, detect anomalies "
      "and write insights");
  auto c = std::make_shared<MonitorCommand>(kube);
  c->ns.add(*cmd, true)
      ->envname("K8S_NAMESPACE")
      ->description("the namespace to monitor (default: the kubeconfig context's, else default)");
  cmd->add_option("--interval", c->interval, "time between samples (e.g. 30s, 5m)")
      ->check(durationValidator("--interval"))
      ->capture_default_str();
  cmd->add_flag("--once", c->once, "take one sample and exit");
  cmd->add_option("--output-file", c->output_file, "the CSV dataset (appended to)")
      ->capture_default_str();
  cmd->add_option("--insights-file", c->insights_file, "the insights JSON document (replaced)")
      ->capture_default_str();
  auto* history =
      cmd->add_option("--history", c->history,
                      "the SQLite history store (default: $XDG_STATE_HOME/keelson/history.db or "
                      "~/.local/state/keelson/history.db)");
  cmd->add_flag("--no-history", c->no_history, "do not keep a history store")->excludes(history);
  cmd->add_option("--retention", c->retention, "how long the history store keeps points")
      ->check(durationValidator("--retention"))
      ->capture_default_str();
  cmd->add_option("--alert-threshold", c->alert_threshold,
                  "anomaly score (0-1) at which a series raises an anomaly finding")
      ->envname("ANOMALY_THRESHOLD")
      ->check(CLI::Range(0.0, 1.0))
      ->capture_default_str();
  cmd->add_option("--prometheus-url", c->prometheus_url,
                  "read pod network counters (cAdvisor's container_network_*) from this "
                  "Prometheus server instead of the kubelet Summary API")
      ->envname("PROMETHEUS_URL");
  cmd->add_option("--pending-after", c->pending_after,
                  "report pods Pending (or unschedulable) for longer than this")
      ->check(durationValidator("--pending-after"))
      ->capture_default_str();
  cmd->add_option("--host-root", c->host_root,
                  "where the host's / is mounted (a pod mounts it at /host)")
      ->envname("HOST_ROOT")
      ->capture_default_str();
  c->collectors.add(*cmd, /*host_switch=*/true);
  cmd->callback([&action, c] { action = [c] { return c->run(); }; });
}

}  // namespace keelson::cli
