// keelson remediate: proposals for the open findings of keelson monitor, approved at a terminal
// or by --auto-approve within the policy, run through the audited actuator (app/remediate.h).
#include <unistd.h>

#include <iostream>
#include <memory>
#include <string>

#include "app/findings_source.h"
#include "app/remediate.h"
#include "cli/commands.h"
#include "cli/options.h"
#include "cli/output.h"
#include "cli/remediation_flags.h"
#include "core/signals.h"

namespace keelson::cli {
namespace {

struct RemediateCommand {
  explicit RemediateCommand(const KubeFlags& kube_flags) : kube(kube_flags) {}

  const KubeFlags& kube;
  RemediationFlags remediation;
  OutputFlags output;
  std::string insights_file = "pod_insights.json";
  std::string watch_interval = "10s";
  bool once = false;

  int run() const {
    // Nobody can answer "Apply?" without a terminal: refuse before touching anything.
    if (remediation.refuseWithoutTerminal("remediate")) return kExitFailure;
    app::RemediateOptions options =
        remediation.options(kube, kube.requestTimeout(std::chrono::seconds(30)));
    options.once = once;
    app::InsightsFileSource source(insights_file,
                                   parseDurationFlag("--watch-interval", watch_interval));

    // Signals are routed to a stop token before anything starts.
    const core::StopOnSignals signals;
    app::FdApprover approver(STDIN_FILENO, signals.token());
    // With -o json|yaml, standard output carries only the document.
    std::ostream& progress = output.structured() ? std::cerr : std::cout;
    const app::RemediateResult result =
        app::runRemediate(options, source, &approver, progress, signals.token());
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
  cmd->add_option("--watch-interval", c->watch_interval, "how often the insights file is re-read")
      ->check(durationValidator("--watch-interval"))
      ->capture_default_str();
  cmd->add_flag("--once", c->once,
                "process the current findings once, wait for the outcomes, and exit");
  c->remediation.add(*cmd);
  c->output.add(*cmd, {"text", "json", "yaml"});
  cmd->callback([&action, c] { action = [c] { return c->run(); }; });
}

}  // namespace keelson::cli
