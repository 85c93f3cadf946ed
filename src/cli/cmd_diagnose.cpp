// keelson diagnose: the diagnosis routes of `keelson serve` from the command line (app/diagnose.h):
//   keelson diagnose pod NS/NAME [--scheduling] [--events] [--resources] [-o json]
//   keelson diagnose namespace NS [--restart-threshold N] [-o json]
#include <iostream>
#include <memory>
#include <string>

#include "app/diagnose.h"
#include "app/diagnose_documents.h"
#include "cli/commands.h"
#include "cli/options.h"
#include "core/error.h"

namespace keelson::cli {
namespace {

struct DiagnoseCommand {
  KubeFlags kube;
  std::string output = "text";
  std::string pod;  // NS/NAME
  app::PodSections sections;
  std::string namespace_name;
  int restart_threshold = 5;

  app::DiagnoseTarget target() const { return {kube.configOptions(), kube.requestTimeout()}; }

  void print(const nlohmann::json& doc, const std::string& text) const {
    std::cout << (output == "json" ? doc.dump(2) + "\n" : text) << std::flush;
  }

  int runPod() const {
    const PodTarget target_pod = parsePodTarget(pod);
    const nlohmann::json doc =
        app::diagnosePod(target(), target_pod.namespace_name, target_pod.name, sections);
    print(doc, output == "json" ? "" : app::diagnosePodText(doc, sections));
    return kExitOk;
  }

  int runNamespace() const {
    analysis::NamespaceErrorOptions options;
    options.restart_threshold =
        checkRestartThreshold("--restart-threshold/POD_RESTART_THRESHOLD", restart_threshold);
    const nlohmann::json doc = app::diagnoseNamespace(target(), namespace_name, options);
    print(doc, output == "json" ? "" : app::namespaceErrorText(doc));
    return kExitOk;
  }
};

void addOutput(CLI::App& cmd, DiagnoseCommand& c) {
  cmd.add_option("-o,--output", c.output, "text or json (the document `keelson serve` answers)")
      ->check(CLI::IsMember({"text", "json"}))
      ->capture_default_str();
}

}  // namespace

void addDiagnoseCommand(CLI::App& app, Action& action) {
  auto* cmd =
      app.add_subcommand("diagnose",
                         "diagnose a pod (scheduling, failure events, resources) or a namespace's "
                         "workload pods, as `keelson serve` would answer");
  cmd->require_subcommand(1);
  auto c = std::make_shared<DiagnoseCommand>();

  auto* pod = cmd->add_subcommand(
      "pod",
      "a pod's scheduling, failure events and resources (all three unless one is chosen; with "
      "one chosen, -o json prints that document alone, else an object keyed scheduling, events, "
      "resources)");
  c->kube.add(*pod);
  addOutput(*pod, *c);
  pod->add_option("pod", c->pod, "NAMESPACE/NAME")->required()->check(podTargetValidator());
  pod->add_flag("--scheduling", c->sections.scheduling, "why the pod is (not) scheduled");
  pod->add_flag("--events", c->sections.events, "the pod's failure events, analyzed");
  pod->add_flag("--resources", c->sections.resources, "the pod's requests and limits");
  pod->callback([&action, c] { action = [c] { return c->runPod(); }; });

  auto* ns = cmd->add_subcommand(
      "namespace",
      "issues of the namespace's Deployment, StatefulSet and DaemonSet pods (Jobs and bare pods "
      "excluded)");
  c->kube.add(*ns);
  addOutput(*ns, *c);
  ns->add_option("namespace", c->namespace_name, "the namespace")->required();
  ns->add_option("--restart-threshold", c->restart_threshold,
                 "restarts above which a pod is reported")
      ->envname("POD_RESTART_THRESHOLD")
      ->capture_default_str();
  ns->callback([&action, c] { action = [c] { return c->runNamespace(); }; });
}

}  // namespace keelson::cli
