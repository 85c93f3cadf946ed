#pragma once
// `keelson remediate`: reads the open findings of `keelson monitor` (from a FindingsSource: its
// insights file, or in `keelson monitor --remediate` the monitor loop itself), proposes one action
// for each (act/planner.h), has it approved (a person at a terminal, or --auto-approve within
// act/policy.h; --dry-run only shows), runs it through the Actuator as Requester{"remediation",
// finding id} (so it is in the audit log), checks the finding again after the settle period, and
// records all of it in the history file (act/remediation_history.h).
//
// Each occurrence of a finding (its id and first_seen) is handled once per run; a skipped one is
// proposed again at the next pass, and one an earlier run acted on (per the history file) is not
// acted on again. In a terminal and with --dry-run the API server's dry run of the action
// (dryRun=All: admitted and validated, nothing persisted; recorded in the audit log as a server
// dry run) shows what would change.

#include <chrono>
#include <filesystem>
#include <iosfwd>
#include <nlohmann/json.hpp>
#include <optional>
#include <stop_token>
#include <string>

#include "act/llm_explainer.h"
#include "act/planner.h"
#include "act/policy.h"
#include "app/findings_source.h"
#include "kube/cluster_config.h"

namespace keelson::app {

/// Who approves proposals.
enum class ApprovalMode {
  kInteractive,  ///< A person at a terminal answers each one.
  kDryRun,       ///< Nothing is approved: proposals (and the server's dry run) are shown.
  kAutoApprove,  ///< Approved without asking when the policy allows.
};

/// Configuration of remediation (see cli/remediation_flags.h for the flags).
struct RemediateOptions {
  kube::ConfigOptions kube;                      ///< --kubeconfig, --context, in-cluster.
  std::chrono::milliseconds api_timeout{30000};  ///< Per API request.
  std::filesystem::path audit_path;              ///< <state dir>/audit.db
  std::filesystem::path history_file = "remediation_history.json";  ///< --history-file
  std::chrono::milliseconds settle_period{120000};                  ///< --settle-period
  bool once = false;                  ///< --once: one pass, then wait for the outcomes and return.
  double confidence_threshold = 0.7;  ///< --confidence-threshold, in [0, 1].
  ApprovalMode mode = ApprovalMode::kInteractive;
  act::PlannerOptions planner;
  act::PolicyOptions policy;
  std::optional<act::LlmOptions> llm;  ///< --enable-llm
};

/// A person's answer to "Apply? [y/N/skip/quit]".
enum class Answer { kYes, kNo, kSkip, kQuit };

/// Asks a person about the proposal just shown.
class Approver {
 public:
  virtual ~Approver() = default;
  /// Writes the question to `out` and returns the answer.
  virtual Answer ask(std::ostream& out) = 0;
};

/// Reads answers a line at a time from file descriptor `fd` (a terminal): y or yes; n, no or an
/// empty line (the default); s or skip; q or quit (case-insensitive). Anything else asks again.
/// The end of input, a read error and `stop` (SIGINT, SIGTERM; checked while it waits) are quit.
/// Not thread-safe.
class FdApprover : public Approver {
 public:
  FdApprover(int fd, std::stop_token stop) : fd_(fd), stop_(std::move(stop)) {}
  Answer ask(std::ostream& out) override;

 private:
  // One line without its newline; nullopt at the end of input or on stop.
  std::optional<std::string> readLine();

  int fd_;
  std::stop_token stop_;
  std::string buffer_;  // bytes read past the last line
};

/// What a run did.
struct RemediateResult {
  int proposals = 0;  ///< Proposals with an action.
  int acted = 0;      ///< Actions run (not dry runs).
  int failed = 0;     ///< Actions that failed or were refused by kubectl's rules.
  nlohmann::json items = nlohmann::json::array();  ///< This run's history items.
};

/// Runs remediation on the findings of `source` until `stop` is requested, a person quits, or
/// after one pass with `once`: a pass each time the source may have newer findings, and the
/// outcome checks when their settle periods end. Writes what it does, for people, to `out`; asks
/// `approver` (required in kInteractive mode). Throws Error: kNotFound when `once` and the source
/// has no findings; kBadInput for unreadable findings or history document, an unusable
/// kubeconfig or LLM configuration; kUnavailable when the audit log cannot be opened. Failures
/// of single actions are recorded, not thrown.
RemediateResult runRemediate(const RemediateOptions& options, FindingsSource& source,
                             Approver* approver, std::ostream& out, std::stop_token stop);

}  // namespace keelson::app
