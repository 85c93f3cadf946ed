// keelson monitor: continuous collection into the CSV dataset and the history store, streaming
// anomaly detection and the insights file; with --remediate, remediation of its findings in the
// same process.
#include <unistd.h>

#include <cstdlib>
#include <iostream>
#include <memory>
#include <optional>
#include <stop_token>
#include <string>

#include "app/monitor.h"
#include "app/monitor_remediate.h"
#include "cli/commands.h"
#include "cli/options.h"
#include "cli/remediation_flags.h"
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
  int checkpoint_ticks = app::MonitorOptions{}.checkpoint_ticks;
  double alert_threshold = 0.7;
  std::string host_root = "/";
  std::string pending_after = "5m";
  std::string prometheus_url;
  CollectorFlags collectors;
  bool remediate = false;
  RemediationFlags remediation;
  std::string address = "0.0.0.0";
  std::optional<int> port;

  int run() const {
    // Nobody can answer "Apply?" without a terminal: refuse before touching anything.
    if (remediate && remediation.refuseWithoutTerminal("monitor --remediate")) {
      return kExitFailure;
    }
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
    options.checkpoint_ticks = checkpoint_ticks;
    options.alert_threshold = alert_threshold;
    options.prometheus_url = prometheus_url;
    options.rules.pending_after = seconds(parseDurationFlag("--pending-after", pending_after));
    options.host.host_root = host_root;
    options.host.collectors = collectors.resolve(std::getenv);
    options.sample_host = collectors.hostEnabled(std::getenv);
    options.api_timeout = kube.requestTimeout(std::chrono::seconds(10));
    options.address = address;
    if (port) options.port = portFlag("--port", *port);
    if (remediate) return runWithRemediation(options);
    // Signals are routed to a stop token before the monitor starts any thread.
    const core::StopOnSignals signals;
    const int failed_ticks = app::runMonitor(options, once, signals.token());
    return failed_ticks == 0 ? kExitOk : kExitDegraded;
  }

  int runWithRemediation(const app::MonitorOptions& options) const {
    const app::RemediateOptions remediate_options =
        remediation.options(kube, kube.requestTimeout(std::chrono::seconds(30)));
    const core::StopOnSignals signals;
    // A person quitting (or a failure) ends the monitor too: both wait on `stop`.
    std::stop_source stop;
    const std::stop_callback forward(signals.token(), [&stop] { stop.request_stop(); });
    app::FdApprover approver(STDIN_FILENO, stop.get_token());
    const app::MonitorRemediateResult result =
        app::runMonitorWithRemediation(options, remediate_options, &approver, std::cout, stop);
    return result.failed_ticks == 0 && result.remediation.failed == 0 ? kExitOk : kExitDegraded;
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
  auto* once = cmd->add_flag("--once", c->once, "take one sample and exit");
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
  cmd->add_option("--checkpoint-ticks", c->checkpoint_ticks,
                  "write each series' detector state to the history store every N ticks (and "
                  "at exit): a crash loses at most N ticks of the detectors' learning")
      ->check(CLI::Range(1, 100000))
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
  cmd->add_option("--port", c->port,
                  "serve /healthz, /readyz and /metrics (open findings as keelson_insight_open) "
                  "on this port (0: any free one; default: no server)");
  cmd->add_option("--address", c->address, "listen address of /healthz, /readyz, /metrics")
      ->capture_default_str();
  auto* remediate = cmd->add_flag("--remediate", c->remediate,
                                  "also remediate the findings in this process, as keelson "
                                  "remediate does (approval at the terminal, --auto-approve or "
                                  "--dry-run)");
  remediate->excludes(once);
  c->remediation.add(*cmd, remediate);
  cmd->callback([&action, c] { action = [c] { return c->run(); }; });
}

}  // namespace keelson::cli
