// keelson set resources KIND/NAME [-c CONTAINER] --limits ... --requests ...: kubectl set
// resources (act/set_resources.h), audited.
#include <memory>
#include <string>

#include "act/actuator.h"
#include "act/set_resources.h"
#include "act/target.h"
#include "cli/commands.h"
#include "cli/write_flags.h"
#include "core/error.h"

namespace keelson::cli {
namespace {

struct SetResourcesCommand {
  explicit SetResourcesCommand(const KubeFlags& kube_flags) : kube(kube_flags) {}
  const KubeFlags& kube;
  NamespaceFlags ns;
  std::string target;
  std::string container = "*";
  std::string limits;
  std::string requests;
  WriteFlags write;

  int run() const {
    if (limits.empty() && requests.empty()) {
      throw Error(ErrorCode::kBadInput, "set resources: give --limits, --requests or both");
    }
    act::ResourcesOptions options;
    options.container = container;
    if (!limits.empty()) options.limits = act::parseResourceValues("--limits", limits);
    if (!requests.empty()) options.requests = act::parseResourceValues("--requests", requests);
    const act::ObjectRef ref =
        act::parseObjectRef(target, act::KindSet::kWorkloads, ns.resolve(kube));
    return runWrite(kube, write, [&](act::Actuator& actuator) {
      return actuator.setResources(ref, options, write.writeOptions());
    });
  }
};

}  // namespace

void addSetCommand(CLI::App& app, Action& action, const KubeFlags& kube) {
  auto* set = app.add_subcommand("set", "change a field of a workload, like kubectl set");
  set->require_subcommand(1);
  auto* resources = set->add_subcommand(
      "resources", "set the resource requests and limits of a workload's containers");
  auto c = std::make_shared<SetResourcesCommand>(kube);
  resources->add_option("target", c->target, "KIND/NAME: deployment/web, sts/db, ds/x, rs/x")
      ->required();
  c->ns.add(*resources, false);
  resources
      ->add_option("-c,--containers", c->container, "the container to change; * for all of them")
      ->capture_default_str();
  resources->add_option("--limits", c->limits, "e.g. cpu=500m,memory=512Mi");
  resources->add_option("--requests", c->requests, "e.g. cpu=250m,memory=256Mi");
  c->write.add(*resources);
  resources->callback([&action, c] { action = [c] { return c->run(); }; });
}

}  // namespace keelson::cli
