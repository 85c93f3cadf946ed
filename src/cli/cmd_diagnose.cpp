// keelson diagnose: the diagnosis routes of `keelson serve` from the command line (app/diagnose.h):
//   keelson diagnose pod [NS/]NAME [-n NS] [--scheduling] [--events] [--resources] [--health]
//                        [--explain] [-o FORMAT]
//   keelson diagnose namespace [NS] [-n NS] [--restart-threshold N] [-o FORMAT]
//   keelson diagnose pod-issues [-n NS | -A] [--severity S] [--type T] [--restart-threshold N]
//                               [-o FORMAT]
#include <iostream>
#include <memory>
#include <string>

#include "app/diagnose.h"
#include "cli/commands.h"
#include "cli/options.h"
#include "cli/output.h"
#include "core/error.h"
#include "docs/diagnose_documents.h"

namespace keelson::cli {
namespace {

// -o name: the problematic pods, as kubectl prints names (pod/NAME, also across namespaces).
std::string problematicPodNames(const nlohmann::json& doc) {
  std::string names;
  for (const auto& p : doc.at("problematicPods")) {
    names += "pod/" + p.at("name").get<std::string>() + "\n";
  }
  return names;
}

struct DiagnoseCommand {
  explicit DiagnoseCommand(const KubeFlags& kube_flags) : kube(kube_flags) {}

  const KubeFlags& kube;
  OutputFlags output;
  NamespaceFlags ns;
  std::string pod;  // [NS/]NAME
  app::PodSections sections;
  std::string namespace_name;  // the positional NS of `diagnose namespace`
  int restart_threshold = 5;
  std::string severity;    // --severity of `diagnose pod-issues`; "" = both
  std::string issue_type;  // --type; "" = every type

  app::DiagnoseTarget target() const {
    return {kube.configOptions(), kube.requestTimeout(std::chrono::seconds(30))};
  }

  int runPod() const {
    const PodTarget target_pod = resolvePodTarget(pod, ns, kube);
    const nlohmann::json doc =
        app::diagnosePod(target(), target_pod.namespace_name, target_pod.name, sections);
    output.write(doc, [&](const std::string&) { return app::diagnosePodText(doc, sections); });
    return kExitOk;
  }

  int runNamespace() const {
    if (!namespace_name.empty() && !ns.namespace_name.empty() &&
        namespace_name != ns.namespace_name) {
      throw Error(ErrorCode::kBadInput, "namespace " + namespace_name + " and -n/--namespace " +
                                            ns.namespace_name + " disagree");
    }
    const std::string chosen = namespace_name.empty() ? ns.resolve(kube) : namespace_name;
    const nlohmann::json doc = app::diagnoseNamespace(target(), chosen, thresholds());
    output.write(doc, [&doc](const std::string& format) {
      return format == "text" ? docs::namespaceErrorText(doc) : problematicPodNames(doc);
    });
    return kExitOk;
  }

  int runPodIssues() const {
    analysis::PodIssueFilter filter;
    if (!severity.empty()) filter.critical = severity == "critical";
    if (!issue_type.empty()) filter.type = analysis::parseIssueType(issue_type);
    const nlohmann::json doc =
        app::diagnosePodIssues(target(), ns.resolve(kube), thresholds(), filter);
    output.write(doc, [&doc](const std::string& format) {
      return format == "text" ? docs::clusterPodIssuesText(doc) : problematicPodNames(doc);
    });
    return kExitOk;
  }

  analysis::NamespaceErrorOptions thresholds() const {
    analysis::NamespaceErrorOptions options;
    options.restart_threshold =
        checkRestartThreshold("--restart-threshold/POD_RESTART_THRESHOLD", restart_threshold);
    return options;
  }
};

// --restart-threshold N (POD_RESTART_THRESHOLD) on `command`.
void addRestartThreshold(CLI::App& command, int& threshold) {
  command.add_option("--restart-threshold", threshold, "restarts above which a pod is reported")
      ->envname("POD_RESTART_THRESHOLD")
      ->capture_default_str();
}

}  // namespace

void addDiagnoseCommand(CLI::App& app, Action& action, const KubeFlags& kube) {
  auto* cmd = app.add_subcommand(
      "diagnose",
      "diagnose a pod (scheduling, failure events, resources, health score) or a "
      "namespace's "
      "workload pods, as `keelson serve` would answer");
  cmd->require_subcommand(1);
  auto c = std::make_shared<DiagnoseCommand>(kube);

  auto* pod = cmd->add_subcommand(
      "pod",
      "a pod's scheduling, failure events, resources and health score (all four unless some are "
      "chosen; with one chosen, -o json|yaml prints that document alone, else an object keyed "
      "scheduling, events, resources, health)");
  c->output.add(*pod, {"text", "json", "yaml"});
  c->ns.add(*pod, false);
  pod->add_option("pod", c->pod, "NAME (in -n's namespace) or NAMESPACE/NAME")
      ->required()
      ->check(podTargetValidator());
  pod->add_flag("--scheduling", c->sections.scheduling, "why the pod is (not) scheduled");
  pod->add_flag("--events", c->sections.events, "the pod's failure events, analyzed");
  pod->add_flag("--resources", c->sections.resources, "the pod's requests and limits");
  pod->add_flag("--health", c->sections.health,
                "the pod's 0-100 health score, its weighted components and status band");
  pod->add_flag("--explain", c->sections.explain,
                "the scheduling verdict in plain language: why, and what would let it schedule");
  pod->callback([&action, c] { action = [c] { return c->runPod(); }; });

  auto* ns = cmd->add_subcommand(
      "namespace",
      "issues of the namespace's Deployment, StatefulSet and DaemonSet pods (Jobs and bare pods "
      "excluded)");
  c->output.add(*ns, {"text", "json", "yaml", "name"});
  c->ns.add(*ns, false);
  ns->add_option("namespace", c->namespace_name,
                 "the namespace (default: -n, else the kubeconfig context's, else default)");
  addRestartThreshold(*ns, c->restart_threshold);
  ns->callback([&action, c] { action = [c] { return c->runNamespace(); }; });

  auto* issues = cmd->add_subcommand(
      "pod-issues",
      "every problematic pod (crash loops, image pulls, failed, restarts, unschedulable, long "
      "pending) of a namespace, or of all with -A, whatever runs it; as GET "
      "/api/v1/cluster/pod-issues answers, all pages at once");
  c->output.add(*issues, {"text", "json", "yaml", "name"});
  c->ns.add(*issues, true);
  issues->add_option("--severity", c->severity, "only critical issues, or only warnings")
      ->check(CLI::IsMember({"critical", "warning"}));
  issues->add_option("--type", c->issue_type, "only issues of this type")
      ->check(CLI::IsMember({"CrashLoopBackOff", "ImagePullError", "Failed", "HighRestarts",
                             "Unschedulable", "ResourceConstraints", "Pending"}));
  addRestartThreshold(*issues, c->restart_threshold);
  issues->callback([&action, c] { action = [c] { return c->runPodIssues(); }; });
}

}  // namespace keelson::cli
