// keelson cordon NODE / keelson uncordon NODE: kubectl's cordon and uncordon (act/cordon.h),
// audited.
#include <memory>
#include <string>

#include "act/actuator.h"
#include "cli/commands.h"
#include "cli/write_flags.h"
#include "core/error.h"
#include "kube/names.h"

namespace keelson::cli {

CLI::Validator nodeNameValidator() {
  return validatorFrom(
      [](const std::string& text) {
        if (!kube::isDnsSubdomain(text)) {
          throw Error(ErrorCode::kBadInput,
                      "\"" + text + "\" is not a valid node name (a DNS subdomain)");
        }
      },
      "NODE");
}

namespace {

struct CordonCommand {
  explicit CordonCommand(const KubeFlags& kube_flags) : kube(kube_flags) {}
  const KubeFlags& kube;
  std::string node;
  WriteFlags write;
};

void addOne(CLI::App& app, Action& action, const KubeFlags& kube, bool cordon) {
  auto* command =
      app.add_subcommand(cordon ? "cordon" : "uncordon",
                         cordon ? "mark a node unschedulable, like kubectl cordon"
                                : "mark a node schedulable again, like kubectl uncordon");
  auto c = std::make_shared<CordonCommand>(kube);
  command->add_option("node", c->node, "the node's name")->required()->check(nodeNameValidator());
  c->write.add(*command);
  command->callback([&action, c, cordon] {
    action = [c, cordon] {
      return runWrite(c->kube, c->write, [&](act::Actuator& actuator) {
        return cordon ? actuator.cordon(c->node, c->write.writeOptions())
                      : actuator.uncordon(c->node, c->write.writeOptions());
      });
    };
  });
}

}  // namespace

void addCordonCommands(CLI::App& app, Action& action, const KubeFlags& kube) {
  addOne(app, action, kube, true);
  addOne(app, action, kube, false);
}

}  // namespace keelson::cli
