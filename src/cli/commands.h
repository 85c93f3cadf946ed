#pragma once

#include <CLI/CLI.hpp>
#include <functional>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "cli/options.h"

namespace keelson::cli {

/// Exit codes shared by every subcommand.
/// 0: everything asked for was produced. 1: bad input or a fatal failure, nothing useful was
/// produced (the message says which input and what was expected). 2: the output was produced but a
/// section of it failed (e.g. `capture` printed the host but the cluster was unreachable).
inline constexpr int kExitOk = 0;
inline constexpr int kExitFailure = 1;
inline constexpr int kExitDegraded = 2;

/// A subcommand's body, run after CLI11 has parsed the arguments; returns the exit code.
using Action = std::function<int()>;

/// Registers `keelson host` (and `keelson host exec`) on `app`; the chosen action is stored in
/// `action`. `kube` (kept by reference) names the API server the connectivity section probes
/// when --kubeconfig or KUBECONFIG is given.
void addHostCommand(CLI::App& app, Action& action, const KubeFlags& kube);

/// Registers `keelson capture` on `app`; the chosen action is stored in `action`.
void addCaptureCommand(CLI::App& app, Action& action, const KubeFlags& kube);

/// Registers `keelson monitor` (cmd_monitor.cpp) on `app`.
void addMonitorCommand(CLI::App& app, Action& action, const KubeFlags& kube);

/// Registers `keelson history` (cmd_history.cpp) on `app`.
void addHistoryCommand(CLI::App& app, Action& action);

/// Registers `keelson audit` (cmd_audit.cpp) on `app`.
void addAuditCommand(CLI::App& app, Action& action);

/// Registers `keelson detect` (cmd_detect.cpp) on `app`.
void addDetectCommand(CLI::App& app, Action& action);

/// Registers `keelson serve` (cmd_serve.cpp) on `app`.
void addServeCommand(CLI::App& app, Action& action, const KubeFlags& kube);

/// Registers `keelson backend` (cmd_backend.cpp: the reference backend's server) on `app`, with
/// its operator subcommands.
void addBackendCommand(CLI::App& app, Action& action);
/// Registers `keelson backend action create|get` and `keelson backend status`
/// (cmd_backend_client.cpp) on `backend`.
void addBackendClientCommands(CLI::App& backend, Action& action);

/// Registers `keelson diagnose pod` and `keelson diagnose namespace` (cmd_diagnose.cpp) on `app`.
void addDiagnoseCommand(CLI::App& app, Action& action, const KubeFlags& kube);
/// Registers `keelson describe pod` (cmd_describe.cpp) on `app`.
void addDescribeCommand(CLI::App& app, Action& action, const KubeFlags& kube);

/// Registers `keelson cordon` and `keelson uncordon` (cmd_cordon.cpp) on `app`.
void addCordonCommands(CLI::App& app, Action& action, const KubeFlags& kube);
/// Registers `keelson drain` (cmd_drain.cpp) on `app`.
void addDrainCommand(CLI::App& app, Action& action, const KubeFlags& kube);
/// Registers `keelson evict` (cmd_evict.cpp) on `app`.
void addEvictCommand(CLI::App& app, Action& action, const KubeFlags& kube);
/// Registers `keelson scale` (cmd_scale.cpp) on `app`.
void addScaleCommand(CLI::App& app, Action& action, const KubeFlags& kube);
/// Registers `keelson rollout restart` (cmd_rollout.cpp) on `app`.
void addRolloutCommand(CLI::App& app, Action& action, const KubeFlags& kube);
/// Registers `keelson restart pod` (cmd_restart.cpp) on `app`.
void addRestartCommand(CLI::App& app, Action& action, const KubeFlags& kube);
/// Registers `keelson label` (cmd_label.cpp) on `app`.
void addLabelCommand(CLI::App& app, Action& action, const KubeFlags& kube);
/// Registers `keelson set resources` (cmd_set.cpp) on `app`.
void addSetCommand(CLI::App& app, Action& action, const KubeFlags& kube);
/// Registers `keelson schedule` (cmd_schedule.cpp) on `app`.
void addScheduleCommand(CLI::App& app, Action& action, const KubeFlags& kube);
/// Registers `keelson scheduler` (cmd_scheduler.cpp) on `app`.
void addSchedulerCommand(CLI::App& app, Action& action, const KubeFlags& kube);
/// Registers `keelson agent` (cmd_agent.cpp) on `app`.
void addAgentCommand(CLI::App& app, Action& action, const KubeFlags& kube);
/// Registers `keelson remediate` (cmd_remediate.cpp) on `app`.
void addRemediateCommand(CLI::App& app, Action& action, const KubeFlags& kube);
/// A CLI11 validator for a node name (a DNS subdomain), as cordon and drain take it.
CLI::Validator nodeNameValidator();

/// Registers `keelson completion bash|zsh|fish` (cmd_completion.cpp) on `app`: the script is
/// generated from `app` as it stands when the command runs (so register it last).
void addCompletionCommand(CLI::App& app, Action& action);

/// A completion script for `shell` (bash, zsh or fish) covering every subcommand and flag of
/// `app` (walked recursively), with the values of flags that accept a fixed set. Throws
/// Error(kBadInput) for another shell.
std::string completionScript(const CLI::App& app, const std::string& shell);

/// kubectl's completion of a plugin (kubectl 1.26 and later): kubectl runs the program
/// kubectl_complete-keelson with the words typed after `kubectl keelson`, the last one being the
/// word to complete, and reads cobra's __complete answer: one candidate per line
/// ("name<TAB>description"), then ":<directive>" (4: no file names; 0: file names are fine).
/// Candidates are the subcommands and flags of the command the words name, or the fixed values
/// of the flag before the last word.
std::string kubectlPluginCompletions(const CLI::App& app, const std::vector<std::string>& words);

/// Registers `keelson version` (cmd_version.cpp) on `app`.
void addVersionCommand(CLI::App& app, Action& action);

/// What this binary is, as `kubectl version` names it: {"gitVersion": "v0.1.0", "gitCommit",
/// "buildDate" (RFC 3339, UTC), "compiler", "platform": "linux/amd64", "libraries": {name:
/// version}}. The commit is the built tree's, the date its first build (cmake/BuildInfo.cmake).
nlohmann::json versionDocument();

/// versionDocument() as text, one field a line.
std::string renderVersion(const nlohmann::json& doc);

}  // namespace keelson::cli
