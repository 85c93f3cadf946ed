// keelson restart pod [NS/]POD: delete one pod so that its controller recreates it
// (act/restart.h), audited.
#include <memory>
#include <string>

#include "act/actuator.h"
#include "cli/commands.h"
#include "cli/write_flags.h"

namespace keelson::cli {
namespace {

struct RestartPodCommand {
  explicit RestartPodCommand(const KubeFlags& kube_flags) : kube(kube_flags) {}
  const KubeFlags& kube;
  NamespaceFlags ns;
  std::string target;
  bool force = false;
  WriteFlags write;

  int run() const {
    const PodTarget pod = resolvePodTarget(target, ns, kube);
    return runWrite(kube, write, [&](act::Actuator& actuator) {
      return actuator.restartPod(pod.namespace_name, pod.name, force, write.writeOptions());
    });
  }
};

}  // namespace

void addRestartCommand(CLI::App& app, Action& action, const KubeFlags& kube) {
  auto* restart = app.add_subcommand("restart", "restart one pod");
  restart->require_subcommand(1);
  auto* pod = restart->add_subcommand(
      "pod", "delete a controller's pod so that the controller recreates it");
  auto c = std::make_shared<RestartPodCommand>(kube);
  pod->add_option("pod", c->target, "NAME (in -n's namespace) or NAMESPACE/NAME")
      ->required()
      ->check(podTargetValidator());
  c->ns.add(*pod, false);
  pod->add_flag("--force", c->force, "delete a pod without a controller too (it does not return)");
  c->write.add(*pod);
  pod->callback([&action, c] { action = [c] { return c->run(); }; });
}

}  // namespace keelson::cli
