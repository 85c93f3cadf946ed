// keelson host: this machine's (or, with --host-root, the node's) CPU, memory, filesystems, disks,
// network, connections, processes and GlusterFS state; and `keelson host exec -- CMD ARGS...`.
#include <unistd.h>

#include <cstdlib>
#include <memory>
#include <string>
#include <vector>

#include "app/capture.h"
#include "cli/commands.h"
#include "cli/options.h"
#include "cli/output.h"
#include "core/error.h"
#include "docs/capture_document.h"
#include "docs/report.h"
#include "host/exec.h"

namespace keelson::cli {
namespace {

struct HostCommand {
  HostFlags host;
  OutputFlags output;
  CollectorFlags collectors;
  ProbeFlags probes;
  const KubeFlags* kube = nullptr;

  int run() const {
    app::HostCaptureOptions options;
    options.host_root = host.host_root;
    options.interval = host.interval();
    options.collectors = collectors.resolve(std::getenv);
    options.connectivity = probes.options();
    if (options.collectors.enabled(host::Collector::kConnectivity)) {
      try {
        options.connectivity.api_server = app::hostApiServerTarget(kube->configOptions());
      } catch (const Error& e) {
        // --kubeconfig was asked for: bad input. KUBECONFIG only: report the host anyway, with
        // the reason the API server was not probed.
        if (!kube->kubeconfig.empty()) throw;
        options.connectivity.api_server_error = e.what();
      }
    }
    const docs::HostCapture capture = app::captureHost(options);
    const nlohmann::json doc = docs::toJson(capture);
    output.write(doc, [&doc](const std::string&) { return docs::renderHostReport(doc); });
    return capture.complete() ? kExitOk : kExitDegraded;
  }
};

// host exec --timeout: 0 means no timeout.
const DurationRange kExecTimeouts{.min = std::chrono::milliseconds(0)};

struct ExecCommand {
  std::string host_root = "/";
  std::string method;
  std::string timeout = "0";  ///< --timeout: 0 = none.
  std::vector<std::string> argv;

  int run() const {
    host::HostExecOptions options;
    options.host_root = host_root;
    options.inherit_output = true;
    options.timeout = parseDurationFlag("--timeout", timeout, kExecTimeouts);
    options.requested_by = "keelson host exec (uid " + std::to_string(getuid()) + ")";
    if (method == "nsenter") options.method = host::HostExecMethod::kNsenter;
    if (method == "chroot") options.method = host::HostExecMethod::kChroot;
    if (method == "direct") options.method = host::HostExecMethod::kDirect;
    return host::hostExec(argv, options).shellExitCode();
  }
};

}  // namespace

void addHostCommand(CLI::App& app, Action& action, const KubeFlags& kube) {
  auto* cmd =
      app.add_subcommand("host", "report this host: CPU, memory, disks, network, processes");
  auto host = std::make_shared<HostCommand>();
  host->kube = &kube;
  host->host.add(*cmd);
  host->output.add(*cmd, {"text", "json", "yaml"});
  host->output.addLegacyJsonFlags(*cmd);
  host->collectors.add(*cmd);
  host->probes.add(*cmd);
  auto* exec = cmd->add_subcommand(
      "exec", "run a command in the host's namespaces (nsenter, else chroot); no shell involved");
  auto e = std::make_shared<ExecCommand>();
  exec->add_option("--host-root", e->host_root, "where the host's / is mounted")
      ->envname("HOST_ROOT")
      ->capture_default_str();
  exec->add_option("--method", e->method, "force nsenter, chroot or direct (default: detect)")
      ->check(CLI::IsMember({"nsenter", "chroot", "direct"}));
  exec->add_option(
          "--timeout", e->timeout,
          "kill the command after this long, e.g. 30s (0: never; a bare number is seconds)")
      ->check(durationValidator("--timeout", kExecTimeouts))
      ->capture_default_str();
  exec->add_option("command", e->argv, "the command and its arguments, after --")->required();
  // CLI11 runs the parent's callback after the subcommand's: the report is the action only when
  // `exec` was not given.
  exec->callback([&action, e] { action = [e] { return e->run(); }; });
  cmd->callback([&action, host, cmd, exec] {
    if (!cmd->got_subcommand(exec)) action = [host] { return host->run(); };
  });
}

}  // namespace keelson::cli
