// keelson capture: one snapshot of this host and of the cluster, as a report or as JSON.
#include <memory>
#include <string>

#include "app/capture.h"
#include "app/report.h"
#include "cli/commands.h"
#include "cli/options.h"

namespace keelson::cli {
namespace {

struct CaptureCommand {
  HostFlags host;
  OutputFlags output;
  KubeFlags kube;
  std::string namespace_name;
  bool all_namespaces = false;
  bool no_cluster = false;
  bool no_gluster = false;

  int run() const {
    app::CaptureOptions options;
    options.host.host_root = host.host_root;
    options.host.interval = host.interval();
    options.host.include_gluster = !no_gluster;
    options.include_cluster = !no_cluster;
    options.kube = kube.configOptions();
    options.scope.list_pods = all_namespaces || !namespace_name.empty();
    options.scope.namespace_name = all_namespaces ? "" : namespace_name;
    options.api_timeout = kube.requestTimeout();
    const app::Capture capture = app::capture(options);
    const nlohmann::json doc = app::toJson(capture);
    output.write(doc, app::renderReport(doc));
    return capture.complete() ? kExitOk : kExitDegraded;
  }
};

}  // namespace

void addCaptureCommand(CLI::App& app, Action& action) {
  auto* cmd = app.add_subcommand(
      "capture", "one snapshot of this host and the cluster: health, nodes, requests, usage");
  auto c = std::make_shared<CaptureCommand>();
  c->host.add(*cmd);
  c->output.add(*cmd);
  c->kube.add(*cmd);
  auto* ns = cmd->add_option("-n,--namespace", c->namespace_name, "list this namespace's pods");
  cmd->add_flag("-A,--all-namespaces", c->all_namespaces, "list the pods of every namespace")
      ->excludes(ns);
  cmd->add_flag("--no-cluster", c->no_cluster, "host only");
  cmd->add_flag("--no-gluster", c->no_gluster, "do not ask the gluster CLI for GlusterFS state");
  cmd->callback([&action, c] { action = [c] { return c->run(); }; });
}

}  // namespace keelson::cli
