// keelson scale KIND/NAME --replicas N: kubectl scale through the /scale subresource
// (act/scale.h), audited.
#include <memory>
#include <optional>
#include <string>

#include "act/actuator.h"
#include "act/target.h"
#include "cli/commands.h"
#include "cli/write_flags.h"

namespace keelson::cli {
namespace {

struct ScaleCommand {
  explicit ScaleCommand(const KubeFlags& kube_flags) : kube(kube_flags) {}
  const KubeFlags& kube;
  NamespaceFlags ns;
  std::string target;
  WriteFlags write;
  act::ScaleOptions options;
  std::int32_t current_replicas = -1;

  int run() {
    const act::ObjectRef ref =
        act::parseObjectRef(target, act::KindSet::kScalable, ns.resolve(kube));
    if (current_replicas >= 0) options.current_replicas = current_replicas;
    return runWrite(kube, write, [&](act::Actuator& actuator) {
      return actuator.scale(ref, options, write.writeOptions());
    });
  }
};

}  // namespace

void addScaleCommand(CLI::App& app, Action& action, const KubeFlags& kube) {
  auto* command = app.add_subcommand(
      "scale", "set the replicas of a deployment, statefulset or replicaset, like kubectl scale");
  auto c = std::make_shared<ScaleCommand>(kube);
  command->add_option("target", c->target, "KIND/NAME: deployment/web, sts/db, rs/x")->required();
  c->ns.add(*command, false);
  command->add_option("--replicas", c->options.replicas, "the new number of replicas")
      ->required()
      ->check(CLI::NonNegativeNumber);
  command
      ->add_option("--current-replicas", c->current_replicas,
                   "only scale when the current replicas are this many; -1: any")
      ->capture_default_str();
  command->add_option("--resource-version", c->options.resource_version,
                      "only scale when the Scale's resourceVersion is this");
  c->write.add(*command);
  command->callback([&action, c] { action = [c] { return c->run(); }; });
}

}  // namespace keelson::cli
