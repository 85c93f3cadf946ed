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
  std::string kubeconfig;
  std::string context;
  std::string namespace_name;
  bool all_namespaces = false;
  bool no_cluster = false;
  bool no_gluster = false;
  double request_timeout_seconds = 30;

  int run() const {
    app::CaptureOptions options;
    options.host.host_root = host.host_root;
    options.host.interval = host.interval();
    options.host.include_gluster = !no_gluster;
    options.include_cluster = !no_cluster;
    options.kube.kubeconfig_path = kubeconfig;
    options.kube.context = context;
    options.scope.list_pods = all_namespaces || !namespace_name.empty();
    options.scope.namespace_name = all_namespaces ? "" : namespace_name;
    options.api_timeout =
        std::chrono::milliseconds(static_cast<int64_t>(request_timeout_seconds * 1000));
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
  cmd->add_option("--kubeconfig", c->kubeconfig,
                  "kubeconfig file (default: $KUBECONFIG, in-cluster, ~/.kube/config)");
  cmd->add_option("--context", c->context, "kubeconfig context (default: current-context)");
  auto* ns = cmd->add_option("-n,--namespace", c->namespace_name, "list this namespace's pods");
  cmd->add_flag("-A,--all-namespaces", c->all_namespaces, "list the pods of every namespace")
      ->excludes(ns);
  cmd->add_flag("--no-cluster", c->no_cluster, "host only");
  cmd->add_flag("--no-gluster", c->no_gluster, "do not ask the gluster CLI for GlusterFS state");
  cmd->add_option("--request-timeout", c->request_timeout_seconds,
                  "seconds each API request may take")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  cmd->callback([&action, c] { action = [c] { return c->run(); }; });
}

}  // namespace keelson::cli
