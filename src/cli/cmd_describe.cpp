// keelson describe pod [NS/]NAME [-n NS]: what `kubectl describe pod` shows, as text or as the JSON
// document of `keelson serve`'s /api/v1/pods/{ns}/{pod}/describe. Reads the pod and its events
// with two direct GETs (no cache, no cluster-wide list).
#include <chrono>
#include <memory>
#include <string>

#include "app/cluster_access.h"
#include "app/pod_fetch.h"
#include "cli/commands.h"
#include "cli/options.h"
#include "cli/output.h"
#include "core/error.h"
#include "docs/pod_describe.h"
#include "kube/client.h"

namespace keelson::cli {
namespace {

struct DescribePodCommand {
  explicit DescribePodCommand(const KubeFlags& kube_flags) : kube(kube_flags) {}

  const KubeFlags& kube;
  NamespaceFlags ns;
  std::string target;  ///< [NS/]NAME
  OutputFlags output;

  int run() const {
    const PodTarget pod = resolvePodTarget(target, ns, kube);
    const app::ClusterAccess access(kube.configOptions(), app::ClientProfile::kInteractive,
                                    kube.requestTimeout(std::chrono::seconds(30)));
    const app::PodContext context =
        app::fetchPodContext(access.client(), pod.namespace_name, pod.name);
    const nlohmann::json doc = docs::podDescribeDocument(context.pod, context.events);
    output.write(doc, [&doc](const std::string&) { return docs::renderPodDescription(doc); });
    return kExitOk;
  }
};

}  // namespace

void addDescribeCommand(CLI::App& app, Action& action, const KubeFlags& kube) {
  auto* describe = app.add_subcommand("describe", "describe one object, like kubectl describe");
  describe->require_subcommand(1);
  auto* pod = describe->add_subcommand(
      "pod", "a pod's containers, states, probes, volumes, conditions, tolerations and events");
  auto c = std::make_shared<DescribePodCommand>(kube);
  pod->add_option("pod", c->target, "NAME (in -n's namespace) or NAMESPACE/NAME")
      ->required()
      ->check(podTargetValidator());
  c->ns.add(*pod, false);
  c->output.add(*pod, {"text", "json", "yaml"});
  pod->callback([&action, c] { action = [c] { return c->run(); }; });
}

}  // namespace keelson::cli
