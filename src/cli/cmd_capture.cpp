// keelson capture: one snapshot of this host and of the cluster, as a report or as JSON.
#include <cstdlib>
#include <memory>
#include <string>

#include "app/capture.h"
#include "cli/commands.h"
#include "cli/options.h"
#include "cli/output.h"
#include "docs/capture_document.h"
#include "docs/report.h"

namespace keelson::cli {
namespace {

struct CaptureCommand {
  explicit CaptureCommand(const KubeFlags& kube_flags) : kube(kube_flags) {}

  HostFlags host;
  OutputFlags output;
  const KubeFlags& kube;
  NamespaceFlags ns;
  CollectorFlags collectors;
  ProbeFlags probes;
  bool no_cluster = false;

  int run() const {
    app::CaptureOptions options;
    options.host.host_root = host.host_root;
    options.host.interval = host.interval();
    options.host.collectors = collectors.resolve(std::getenv);
    options.host.connectivity = probes.options();
    options.include_cluster = !no_cluster;
    options.kube = kube.configOptions();
    // The pods section is opt-in (it is the bulk of the document): only -n or -A list pods.
    options.scope.list_pods = ns.all_namespaces || !ns.namespace_name.empty();
    options.scope.namespace_name = ns.all_namespaces ? "" : ns.namespace_name;
    options.api_timeout = kube.requestTimeout(std::chrono::seconds(30));
    const docs::Capture capture = app::capture(options);
    const nlohmann::json doc = docs::toJson(capture);
    output.write(doc, [&doc](const std::string&) { return docs::renderReport(doc); });
    return capture.complete() ? kExitOk : kExitDegraded;
  }
};

}  // namespace

void addCaptureCommand(CLI::App& app, Action& action, const KubeFlags& kube) {
  auto* cmd = app.add_subcommand(
      "capture", "one snapshot of this host and the cluster: health, nodes, requests, usage");
  auto c = std::make_shared<CaptureCommand>(kube);
  c->host.add(*cmd);
  c->output.add(*cmd, {"text", "json", "yaml"});
  c->output.addLegacyJsonFlags(*cmd);
  c->ns.add(*cmd, true)
      ->description("list this namespace's pods (pods are listed only with -n or -A)");
  cmd->add_flag("--no-cluster", c->no_cluster, "host only");
  c->collectors.add(*cmd);
  c->probes.add(*cmd);
  cmd->callback([&action, c] { action = [c] { return c->run(); }; });
}

}  // namespace keelson::cli
