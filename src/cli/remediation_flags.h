#pragma once
// The flags of remediation, shared by `keelson remediate` and `keelson monitor --remediate`:
// approval mode, policy, planner choices, settle period, history file, LLM explanations and the
// state directory (the audit log).

#include <CLI/CLI.hpp>
#include <string>
#include <vector>

#include "app/remediate.h"
#include "cli/options.h"

namespace keelson::cli {

/// Remediation's flags as given.
struct RemediationFlags {
  StateFlags state;
  std::string history_file = "remediation_history.json";
  std::string settle_period = "2m";
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

  /// Registers the flags on `command`; each one `needs(gate)` when `gate` is not null (in
  /// monitor, they only make sense with --remediate).
  void add(CLI::App& command, CLI::Option* gate = nullptr);

  /// The approval mode the flags ask for.
  app::ApprovalMode mode() const;

  /// The options for runRemediate, with the kubeconfig flags and `api_timeout` (per request).
  /// Reads OPENAI_BASE_URL and OPENAI_API_KEY with --enable-llm. Throws Error(kBadInput) for an
  /// unusable duration or --anomaly-rule.
  app::RemediateOptions options(const KubeFlags& kube, std::chrono::milliseconds api_timeout) const;

  /// In the interactive mode without a terminal on standard input nobody can answer "Apply?":
  /// writes why `command` refuses to act (and what to pass instead) to standard error and
  /// returns true. False otherwise.
  bool refuseWithoutTerminal(const std::string& command) const;
};

}  // namespace keelson::cli
