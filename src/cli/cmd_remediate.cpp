// keelson remediate: proposals for the open findings of keelson monitor, approved at a terminal
// or by --auto-approve within the policy, run through the audited actuator (app/remediate.h).
#include <fmt/format.h>
#include <unistd.h>

#include <cstdlib>
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include "app/remediate.h"
#include "cli/commands.h"
#include "cli/options.h"
#include "cli/output.h"
#include "core/error.h"
#include "core/signals.h"

namespace keelson::cli {
namespace {

std::string envOr(const char* name, const std::string& fallback) {
  const char* value = std::getenv(name);
  return value != nullptr && *value != '\0' ? value : fallback;
}

struct RemediateCommand {
  explicit RemediateCommand(const KubeFlags& kube_flags) : kube(kube_flags) {}

  const KubeFlags& kube;
  StateFlags state;
  OutputFlags output;
  std::string insights_file = "pod_insights.json";
  std::string history_file = "remediation_history.json";
  std::string watch_interval = "10s";
  std::string settle_period = "2m";
  bool once = false;
  double confidence_threshold = 0.7;
  bool dry_run = false;
  bool auto_approve = false;
  int max_actions_per_hour = 5;
  std::vector<std::string> exclude_namespaces;
  bool force = false;
  bool allow_drain = false;
  std::vector<std::string> anomaly_rules;
  bool enable_llm = false;
  std::string llm_model = "gpt-4o-mini";

  int run() const {
    app::RemediateOptions options;
    options.mode = dry_run        ? app::ApprovalMode::kDryRun
                   : auto_approve ? app::ApprovalMode::kAutoApprove
                                  : app::ApprovalMode::kInteractive;
    // Nobody can answer "Apply?" without a terminal: refuse before touching anything.
    if (options.mode == app::ApprovalMode::kInteractive && ::isatty(STDIN_FILENO) == 0) {
      std::cerr << "keelson remediate: refusing to act: standard input is not a terminal, so "
                   "nobody can approve the proposals; pass --dry-run to only show them, or "
                   "--auto-approve to act within the policy (--max-actions-per-hour, "
                   "--exclude-namespace)\n";
      return kExitFailure;
    }
    options.kube = kube.configOptions();
    options.api_timeout = kube.requestTimeout(std::chrono::seconds(30));
    options.audit_path = state.auditLogPath();
    options.insights_file = insights_file;
    options.history_file = history_file;
    options.watch_interval = parseDurationFlag("--watch-interval", watch_interval);
    options.settle_period =
        parseDurationFlag("--settle-period", settle_period, {std::chrono::milliseconds(0)});
    options.once = once;
    options.confidence_threshold = confidence_threshold;
    options.planner.force = force;
    options.planner.allow_drain = allow_drain;
    options.planner.drain.filters.ignore_daemonsets = true;
    options.planner.drain.timeout = std::chrono::minutes(5);
    for (const std::string& rule : anomaly_rules) {
      act::addAnomalyRule(options.planner.anomaly_rules, rule);
    }
    options.policy.max_actions_per_hour = max_actions_per_hour;
    options.policy.excluded_namespaces.insert(exclude_namespaces.begin(), exclude_namespaces.end());
    if (enable_llm) {
      act::LlmOptions llm;
      llm.base_url = envOr("OPENAI_BASE_URL", llm.base_url);
      llm.api_key = envOr("OPENAI_API_KEY", "");
      llm.model = llm_model;
      options.llm = llm;
    }

    // Signals are routed to a stop token before anything starts.
    const core::StopOnSignals signals;
    app::FdApprover approver(STDIN_FILENO, signals.token());
    // With -o json|yaml, standard output carries only the document.
    std::ostream& progress = output.structured() ? std::cerr : std::cout;
    const app::RemediateResult result =
        app::runRemediate(options, &approver, progress, signals.token());
    if (output.structured()) {
      output.write(
          {{"kind", "RemediationRun"}, {"apiVersion", "keelson/v1"}, {"items", result.items}},
          [](const std::string&) { return std::string(); });
    }
    return result.failed > 0 ? kExitDegraded : kExitOk;
  }
};

}  // namespace

void addRemediateCommand(CLI::App& app, Action& action, const KubeFlags& kube) {
  auto* cmd = app.add_subcommand(
      "remediate",
      "propose an action for each open finding of keelson monitor and, once approved, run it "
      "(audited)");
  auto c = std::make_shared<RemediateCommand>(kube);
  cmd->add_option("--insights-file", c->insights_file, "the insights file keelson monitor writes")
      ->capture_default_str();
  cmd->add_option("--history-file", c->history_file,
                  "where proposals, decisions, results and outcomes are recorded (replaced)")
      ->capture_default_str();
  cmd->add_option("--watch-interval", c->watch_interval, "how often the insights file is re-read")
      ->check(durationValidator("--watch-interval"))
      ->capture_default_str();
  cmd->add_flag("--once", c->once,
                "process the current findings once, wait for the outcomes, and exit");
  cmd->add_option("--confidence-threshold", c->confidence_threshold,
                  "findings below this confidence (an anomaly's score; 1 for the rule-based "
                  "kinds) are not acted on")
      ->check(CLI::Range(0.0, 1.0))
      ->capture_default_str();
  auto* dry = cmd->add_flag("--dry-run", c->dry_run,
                            "only show the proposals and the API server's dry run of each; "
                            "nothing is changed");
  cmd->add_flag("--auto-approve", c->auto_approve,
                "act without asking, within the policy (use with care)")
      ->excludes(dry);
  cmd->add_option("--max-actions-per-hour", c->max_actions_per_hour,
                  "--auto-approve: at most this many actions in any hour")
      ->check(CLI::NonNegativeNumber)
      ->capture_default_str();
  cmd->add_option("--exclude-namespace", c->exclude_namespaces,
                  "--auto-approve: never act in this namespace (repeatable; kube-system and "
                  "keelson always)");
  cmd->add_option("--settle-period", c->settle_period,
                  "how long after an action its finding is checked again")
      ->check(durationValidator("--settle-period", {std::chrono::milliseconds(0)}))
      ->capture_default_str();
  cmd->add_flag("--force", c->force,
                "crash loops of a pod without a controller: delete it (nothing recreates it)");
  cmd->add_flag("--allow-drain", c->allow_drain,
                "node pressure: drain the node (DaemonSet pods stay) instead of only cordoning");
  cmd->add_option("--anomaly-rule", c->anomaly_rules,
                  "SERIES=restart: restart the owner of a pod with an anomaly in SERIES "
                  "(repeatable; anomalies are only shown by default)");
  cmd->add_flag("--enable-llm", c->enable_llm,
                "add an explanation from an OpenAI-compatible model (OPENAI_API_KEY, "
                "OPENAI_BASE_URL); only the finding's evidence is sent");
  cmd->add_option("--llm-model", c->llm_model, "the model --enable-llm asks")
      ->capture_default_str();
  c->state.add(*cmd);
  c->output.add(*cmd, {"text", "json", "yaml"});
  cmd->callback([&action, c] { action = [c] { return c->run(); }; });
}

}  // namespace keelson::cli
