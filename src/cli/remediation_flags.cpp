#include "cli/remediation_flags.h"

#include <unistd.h>

#include <cstdlib>
#include <iostream>

namespace keelson::cli {
namespace {

std::string envOr(const char* name, const std::string& fallback) {
  const char* value = std::getenv(name);
  return value != nullptr && *value != '\0' ? value : fallback;
}

}  // namespace

void RemediationFlags::add(CLI::App& command, CLI::Option* gate) {
  std::vector<CLI::Option*> added;
  added.push_back(command.add_option("--confidence-threshold", confidence_threshold,
                                     "findings below this confidence (an anomaly's score; 1 for "
                                     "the rule-based kinds) are not acted on"));
  added.back()->check(CLI::Range(0.0, 1.0))->capture_default_str();
  auto* dry = command.add_flag("--dry-run", dry_run,
                               "only show the proposals and the API server's dry run of each; "
                               "nothing is changed");
  added.push_back(dry);
  added.push_back(command.add_flag("--auto-approve", auto_approve,
                                   "act without asking, within the policy (use with care)"));
  added.back()->excludes(dry);
  added.push_back(command.add_option("--max-actions-per-hour", max_actions_per_hour,
                                     "--auto-approve: at most this many actions in any hour"));
  added.back()->check(CLI::NonNegativeNumber)->capture_default_str();
  added.push_back(command.add_option("--exclude-namespace", exclude_namespaces,
                                     "--auto-approve: never act in this namespace (repeatable; "
                                     "kube-system and keelson always)"));
  added.push_back(command.add_option("--settle-period", settle_period,
                                     "how long after an action its finding is checked again"));
  added.back()
      ->check(durationValidator("--settle-period", {std::chrono::milliseconds(0)}))
      ->capture_default_str();
  added.push_back(command.add_option(
      "--history-file", history_file,
      "where proposals, decisions, results and outcomes are recorded (replaced)"));
  added.back()->capture_default_str();
  added.push_back(command.add_flag(
      "--force", force,
      "crash loops of a pod without a controller: delete it (nothing recreates it)"));
  added.push_back(command.add_flag(
      "--allow-drain", allow_drain,
      "node pressure: drain the node (DaemonSet pods stay) instead of only cordoning"));
  added.push_back(
      command.add_option("--anomaly-rule", anomaly_rules,
                         "SERIES=restart: restart the owner of a pod with an anomaly "
                         "in SERIES (repeatable; anomalies are only shown by default)"));
  added.push_back(command.add_flag("--enable-llm", enable_llm,
                                   "add an explanation from an OpenAI-compatible model "
                                   "(OPENAI_API_KEY, OPENAI_BASE_URL); only the finding's "
                                   "evidence is sent"));
  added.push_back(command.add_option("--llm-model", llm_model, "the model --enable-llm asks"));
  added.back()->capture_default_str();
  added.push_back(state.add(command));
  if (gate == nullptr) return;
  for (CLI::Option* option : added) option->needs(gate);
}

app::ApprovalMode RemediationFlags::mode() const {
  if (dry_run) return app::ApprovalMode::kDryRun;
  if (auto_approve) return app::ApprovalMode::kAutoApprove;
  return app::ApprovalMode::kInteractive;
}

app::RemediateOptions RemediationFlags::options(const KubeFlags& kube,
                                                std::chrono::milliseconds api_timeout) const {
  app::RemediateOptions options;
  options.mode = mode();
  options.kube = kube.configOptions();
  options.api_timeout = api_timeout;
  options.audit_path = state.auditLogPath();
  options.history_file = history_file;
  options.settle_period =
      parseDurationFlag("--settle-period", settle_period, {std::chrono::milliseconds(0)});
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
  return options;
}

bool RemediationFlags::refuseWithoutTerminal(const std::string& command) const {
  if (mode() != app::ApprovalMode::kInteractive || ::isatty(STDIN_FILENO) != 0) return false;
  std::cerr << "keelson " << command
            << ": refusing to act: standard input is not a terminal, so nobody can approve the "
               "proposals; pass --dry-run to only show them, or --auto-approve to act within the "
               "policy (--max-actions-per-hour, --exclude-namespace)\n";
  return true;
}

}  // namespace keelson::cli
