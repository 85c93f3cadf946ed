// keelson label KIND/NAME k=v k- [--overwrite] [--resource-version V]: kubectl label
// (act/label.h), audited.
#include <memory>
#include <string>
#include <vector>

#include "act/actuator.h"
#include "act/label.h"
#include "act/target.h"
#include "cli/commands.h"
#include "cli/write_flags.h"

namespace keelson::cli {
namespace {

struct LabelCommand {
  explicit LabelCommand(const KubeFlags& kube_flags) : kube(kube_flags) {}
  const KubeFlags& kube;
  NamespaceFlags ns;
  std::string target;
  std::vector<std::string> labels;
  act::LabelOptions options;
  WriteFlags write;

  int run() const {
    const act::LabelChanges changes = act::parseLabelArgs(labels);
    const act::ObjectRef ref = act::parseObjectRef(target, act::KindSet::kAny, ns.resolve(kube));
    return runWrite(kube, write, [&](act::Actuator& actuator) {
      return actuator.label(ref, changes, options, write.writeOptions());
    });
  }
};

}  // namespace

void addLabelCommand(CLI::App& app, Action& action, const KubeFlags& kube) {
  auto* command = app.add_subcommand(
      "label", "set or remove labels of a node, pod or workload, like kubectl label");
  auto c = std::make_shared<LabelCommand>(kube);
  command->add_option("target", c->target, "KIND/NAME: node/n1, pod/web-0, deployment/web")
      ->required();
  command->add_option("labels", c->labels, "KEY=VALUE to set, KEY- to remove")->required();
  c->ns.add(*command, false);
  command->add_flag("--overwrite", c->options.overwrite, "replace labels that have another value");
  command->add_option("--resource-version", c->options.resource_version,
                      "only if the object is still at this resourceVersion (else 409 Conflict)");
  c->write.add(*command);
  command->callback([&action, c] { action = [c] { return c->run(); }; });
}

}  // namespace keelson::cli
