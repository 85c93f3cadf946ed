#pragma once

// What every write verb shares (cordon, uncordon, drain, evict, scale, rollout restart, restart
// pod, label, set resources): kubectl's --dry-run, --field-manager and -o text|json|yaml, the state
// directory holding the audit log, and one way to run the action and print its result.

#include <CLI/CLI.hpp>
#include <functional>
#include <memory>
#include <string>

#include "act/action.h"
#include "act/actuator.h"
#include "app/write_session.h"
#include "cli/options.h"
#include "cli/output.h"

namespace keelson::cli {

/// The flags of a write verb.
struct WriteFlags {
  std::string dry_run = "none";           ///< --dry-run: none, client or server.
  std::string field_manager = "keelson";  ///< --field-manager
  StateFlags state;                       ///< --state-dir: where the audit log is.
  OutputFlags output;                     ///< -o text|json, --output-file

  /// Registers the flags on `command`.
  void add(CLI::App& command);
  /// The write options for the actuator.
  act::WriteOptions writeOptions() const;
};

/// The text of a result as kubectl prints it: stdout lines, and stderr lines.
struct ResultText {
  std::string out;
  std::string err;
};

/// The default text of a result: warnings, then the summary line and any server dry-run diff,
/// or the error. Pure.
ResultText renderResult(const act::ActionResult& result);

/// A verb's own text rendering (drain's differs).
using ResultRenderer = std::function<ResultText(const act::ActionResult&)>;

/// Opens a write session (cluster client, audit log; see app/write_session.h) as the local
/// user and reports earlier actions whose outcome is unknown on stderr. Throws Error when the
/// session cannot be opened (bad kubeconfig, unusable audit log).
std::unique_ptr<app::WriteSession> openWriteSession(const KubeFlags& kube, const WriteFlags& flags);

/// Opens a write session (cluster client, audit log; see app/write_session.h) as the local
/// user, reports earlier actions whose outcome is unknown on stderr, runs `action`, prints its
/// result (with `render`; text: kubectl's line, e.g. "node/n1 cordoned (server dry run)", warnings
/// and errors on stderr; json, yaml: the ActionResult document), and returns the exit code: 0 when
/// it succeeded, 1 otherwise. Throws Error when the session cannot be opened (bad kubeconfig,
/// unusable audit log): nothing was attempted then.
int runWrite(const KubeFlags& kube, const WriteFlags& flags,
             const std::function<act::ActionResult(act::Actuator&)>& action,
             const ResultRenderer& render = renderResult);

}  // namespace keelson::cli
