// keelson scheduler: a secondary scheduler for pods with spec.schedulerName = --scheduler-name
// (app/scheduler.h).
#include <fmt/format.h>

#include <memory>
#include <string>

#include "app/scheduler.h"
#include "cli/commands.h"
#include "cli/options.h"
#include "cli/score_flags.h"
#include "core/error.h"
#include "core/signals.h"

namespace keelson::cli {
namespace {

std::chrono::seconds wholeSeconds(const std::string& flag, const std::string& text) {
  return std::chrono::ceil<std::chrono::seconds>(parseDurationFlag(flag, text));
}

struct SchedulerCommand {
  explicit SchedulerCommand(const KubeFlags& kube_flags) : kube(kube_flags) {}

  const KubeFlags& kube;
  ScoreFlags scores;
  std::string scheduler_name = "keelson";
  bool leader_elect = true;
  std::string lease_namespace = "kube-system";
  std::string lease_name = "keelson-scheduler";
  std::string lease_duration = "15s";
  std::string renew_deadline = "10s";
  std::string retry_period = "2s";
  std::string initial_backoff = "1s";
  std::string max_backoff = "10s";
  int percentage_of_nodes_to_score = 0;
  std::string address = "0.0.0.0";
  int port = 8083;

  int run() const {
    app::SchedulerOptions o;
    o.scheduler_name = scheduler_name;
    o.scores = scores.config();
    o.percentage_of_nodes_to_score = percentage_of_nodes_to_score;
    o.queue.initial_backoff = parseDurationFlag("--pod-initial-backoff", initial_backoff);
    o.queue.max_backoff = parseDurationFlag("--pod-max-backoff", max_backoff);
    if (o.queue.max_backoff < o.queue.initial_backoff) {
      throw Error(ErrorCode::kBadInput, "--pod-max-backoff: must be >= --pod-initial-backoff");
    }
    o.leader_elect = leader_elect;
    o.lease_namespace = lease_namespace;
    o.lease_name = lease_name;
    o.lease_duration = wholeSeconds("--leader-elect-lease-duration", lease_duration);
    o.renew_deadline = wholeSeconds("--leader-elect-renew-deadline", renew_deadline);
    o.retry_period = wholeSeconds("--leader-elect-retry-period", retry_period);
    o.kube = kube.configOptions();
    o.api_timeout = kube.requestTimeout(std::chrono::seconds(10));
    o.address = address;
    o.port = portFlag("--port", port);
    const core::StopOnSignals signals;
    return app::runScheduler(o, signals.token());
  }
};

}  // namespace

void addSchedulerCommand(CLI::App& app, Action& action, const KubeFlags& kube) {
  auto* cmd = app.add_subcommand(
      "scheduler",
      "run a secondary scheduler: bind every pod whose spec.schedulerName is --scheduler-name "
      "with kube-scheduler's filters and scores, with leader election");
  auto c = std::make_shared<SchedulerCommand>(kube);
  cmd->add_option("--scheduler-name", c->scheduler_name,
                  "schedule the pods whose spec.schedulerName is this")
      ->capture_default_str();
  c->scores.add(*cmd);
  cmd->add_option("--percentage-of-nodes-to-score", c->percentage_of_nodes_to_score,
                  "stop filtering once this percentage of the nodes fit (0: kube-scheduler's "
                  "adaptive default, 50% minus 1% per 125 nodes, at least 5% and 100 nodes)")
      ->check(CLI::Range(0, 100))
      ->capture_default_str();
  cmd->add_flag("--leader-elect", c->leader_elect,
                "take a Lease so that only one replica schedules (--leader-elect=false: off)")
      ->capture_default_str();
  cmd->add_option("--leader-elect-resource-namespace", c->lease_namespace, "namespace of the Lease")
      ->capture_default_str();
  cmd->add_option("--leader-elect-resource-name", c->lease_name, "name of the Lease")
      ->capture_default_str();
  cmd->add_option("--leader-elect-lease-duration", c->lease_duration,
                  "how long standbys wait after the last renewal before taking over")
      ->check(durationValidator("--leader-elect-lease-duration"))
      ->capture_default_str();
  cmd->add_option("--leader-elect-renew-deadline", c->renew_deadline,
                  "how long the leader retries renewing before it stops scheduling")
      ->check(durationValidator("--leader-elect-renew-deadline"))
      ->capture_default_str();
  cmd->add_option("--leader-elect-retry-period", c->retry_period,
                  "time between attempts to acquire or renew")
      ->check(durationValidator("--leader-elect-retry-period"))
      ->capture_default_str();
  cmd->add_option("--pod-initial-backoff", c->initial_backoff,
                  "backoff of a pod after its first failed attempt (doubles each attempt)")
      ->check(durationValidator("--pod-initial-backoff"))
      ->capture_default_str();
  cmd->add_option("--pod-max-backoff", c->max_backoff, "the longest backoff of a pod")
      ->check(durationValidator("--pod-max-backoff"))
      ->capture_default_str();
  cmd->add_option("--address", c->address, "listen address of /healthz, /readyz, /metrics")
      ->capture_default_str();
  cmd->add_option("--port", c->port, "port of /healthz, /readyz, /metrics (0: any free one)")
      ->capture_default_str();
  cmd->callback([&action, c] { action = [c] { return c->run(); }; });
}

}  // namespace keelson::cli
