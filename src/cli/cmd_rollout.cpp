// keelson rollout restart KIND/NAME: kubectl rollout restart (act/restart.h), audited.
#include <memory>
#include <string>

#include "act/actuator.h"
#include "act/target.h"
#include "cli/commands.h"
#include "cli/write_flags.h"

namespace keelson::cli {
namespace {

struct RolloutRestartCommand {
  explicit RolloutRestartCommand(const KubeFlags& kube_flags) : kube(kube_flags) {}
  const KubeFlags& kube;
  NamespaceFlags ns;
  std::string target;
  WriteFlags write;

  int run() const {
    const act::ObjectRef ref =
        act::parseObjectRef(target, act::KindSet::kRestartable, ns.resolve(kube));
    return runWrite(kube, write, [&](act::Actuator& actuator) {
      return actuator.rolloutRestart(ref, write.writeOptions());
    });
  }
};

}  // namespace

void addRolloutCommand(CLI::App& app, Action& action, const KubeFlags& kube) {
  auto* rollout =
      app.add_subcommand("rollout", "manage a workload's rollout, like kubectl rollout");
  rollout->require_subcommand(1);
  auto* restart = rollout->add_subcommand(
      "restart", "replace every pod of a deployment, statefulset or daemonset");
  auto c = std::make_shared<RolloutRestartCommand>(kube);
  restart->add_option("target", c->target, "KIND/NAME: deployment/web, sts/db, ds/agent")
      ->required();
  c->ns.add(*restart, false);
  c->write.add(*restart);
  restart->callback([&action, c] { action = [c] { return c->run(); }; });
}

}  // namespace keelson::cli
