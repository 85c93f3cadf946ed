// keelson describe pod NS/NAME: what `kubectl describe pod` shows, as text or as the JSON
// document of `keelson serve`'s /api/v1/pods/{ns}/{pod}/describe. Reads the pod and its events
// with two direct GETs (no cache, no cluster-wide list).
#include <chrono>
#include <iostream>
#include <memory>
#include <string>

#include "app/pod_describe.h"
#include "app/pod_fetch.h"
#include "cli/commands.h"
#include "cli/options.h"
#include "core/error.h"
#include "kube/client.h"

namespace keelson::cli {
namespace {

struct DescribePodCommand {
  KubeFlags kube;
  std::string target;  ///< NS/NAME
  std::string format = "text";

  int run() const {
    const PodTarget pod = parsePodTarget(target);
    const kube::ClusterConfig config = kube::loadConfig(kube.configOptions());
    kube::TransportOptions transport;
    transport.request_timeout = kube.requestTimeout();
    // An interactive command should fail fast when the server is down, not back off for long.
    transport.retry.max_attempts = 3;
    transport.retry.max_total = std::chrono::seconds(5);
    const kube::Client client(config, transport);
    const app::PodContext context = app::fetchPodContext(client, pod.namespace_name, pod.name);
    const nlohmann::json doc = app::podDescribeDocument(context.pod, context.events);
    std::cout << (format == "json" ? doc.dump(2) + "\n" : app::renderPodDescription(doc));
    return kExitOk;
  }
};

}  // namespace

void addDescribeCommand(CLI::App& app, Action& action) {
  auto* describe = app.add_subcommand("describe", "describe one object, like kubectl describe");
  describe->require_subcommand(1);
  auto* pod = describe->add_subcommand(
      "pod", "a pod's containers, states, probes, volumes, conditions, tolerations and events");
  auto c = std::make_shared<DescribePodCommand>();
  c->kube.add(*pod);
  pod->add_option("pod", c->target, "NAMESPACE/NAME")->required()->check(podTargetValidator());
  pod->add_option("-o,--output", c->format, "text (kubectl-describe-like) or json")
      ->check(CLI::IsMember({"text", "json"}))
      ->capture_default_str();
  pod->callback([&action, c] { action = [c] { return c->run(); }; });
}

}  // namespace keelson::cli
