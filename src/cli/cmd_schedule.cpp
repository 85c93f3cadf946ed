// keelson schedule --name NAME --image IMAGE: rank every node for a new pod with kube-scheduler's
// filters and scores, then create the pod for keelson's scheduler and bind it to the best node
// (app/schedule_pod.h), audited; --wait follows it until it runs or fails.
#include <fmt/format.h>

#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include "app/schedule_pod.h"
#include "cli/commands.h"
#include "cli/options.h"
#include "cli/score_flags.h"
#include "cli/write_flags.h"
#include "core/error.h"
#include "core/quantity.h"
#include "core/signals.h"
#include "docs/placement_document.h"
#include "kube/names.h"

namespace keelson::cli {
namespace {

void addQuantity(kube::ResourceList& list, const std::string& resource, const std::string& flag,
                 const std::string& text) {
  if (text.empty()) return;
  try {
    list[resource] = core::Quantity::parse(text);
  } catch (const Error& e) {
    throw Error(ErrorCode::kBadInput, fmt::format("{} {}: {}", flag, text, e.what()));
  }
}

kube::StringMap parseNodeSelector(const std::vector<std::string>& pairs) {
  kube::StringMap out;
  for (const std::string& pair : pairs) {
    const auto eq = pair.find('=');
    if (eq == std::string::npos || eq == 0) {
      throw Error(ErrorCode::kBadInput,
                  fmt::format("--node-selector {}: expected key=value", pair));
    }
    out[pair.substr(0, eq)] = pair.substr(eq + 1);
  }
  return out;
}

std::string waitText(const app::WaitOutcome& wait, const std::string& pod) {
  const double seconds = static_cast<double>(wait.elapsed.count()) / 1000.0;
  if (wait.running) {
    return fmt::format("pod/{} Running on {} after {:.1f}s\n", pod, wait.node, seconds);
  }
  return fmt::format("pod/{} {} after {:.1f}s{}: {}\n", pod, wait.phase, seconds,
                     wait.failed ? " (failed)" : " (timed out waiting)", wait.reason);
}

struct ScheduleCommand {
  explicit ScheduleCommand(const KubeFlags& kube_flags) : kube(kube_flags) {}

  const KubeFlags& kube;
  NamespaceFlags ns;
  WriteFlags write;
  ScoreFlags scores;
  std::string name;
  std::string image;
  std::string cpu;
  std::string memory;
  std::string limits_cpu;
  std::string limits_memory;
  std::vector<std::string> node_selector;
  std::vector<std::string> tolerations;
  std::string scheduler_name = "keelson";
  std::string wait;

  app::SchedulePodOptions options(const std::string& namespace_name) const {
    app::SchedulePodOptions o;
    o.pod.namespace_name = namespace_name;
    o.pod.name = name;
    o.pod.image = image;
    o.pod.scheduler_name = scheduler_name;
    addQuantity(o.pod.requests, "cpu", "--cpu", cpu);
    addQuantity(o.pod.requests, "memory", "--memory", memory);
    addQuantity(o.pod.limits, "cpu", "--limits-cpu", limits_cpu);
    addQuantity(o.pod.limits, "memory", "--limits-memory", limits_memory);
    o.pod.node_selector = parseNodeSelector(node_selector);
    for (const std::string& t : tolerations) o.pod.tolerations.push_back(act::parseToleration(t));
    o.scores = scores.config();
    o.write = write.writeOptions();
    o.rank_only = o.write.dry_run == act::DryRun::kClient;
    if (!wait.empty()) o.wait = parseDurationFlag("--wait", wait);
    return o;
  }

  int run() const {
    if (!kube::isDnsSubdomain(name)) {
      throw Error(ErrorCode::kBadInput,
                  fmt::format("--name {}: not a valid pod name (a DNS subdomain)", name));
    }
    const auto session = openWriteSession(kube, write);
    const app::SchedulePodOptions o = options(ns.resolve(kube));
    const bool text = !write.output.structured();
    const core::StopOnSignals signals;
    const app::SchedulePodReport report = app::schedulePod(
        *session, o,
        [text](const schedule::Placement& placement) {
          if (text) std::cout << docs::renderPlacement(placement) << std::flush;
        },
        signals.token());
    std::string out;
    if (report.action) {
      const ResultText result = renderResult(*report.action);
      std::cerr << result.err;
      out += result.out;
    }
    if (report.wait) out += waitText(*report.wait, name);
    write.output.write(app::scheduleReportDocument(report),
                       [&out](const std::string&) { return out; });
    const bool ok = !report.placement.node.empty() &&
                    (!report.action || report.action->outcome == act::Outcome::kSucceeded) &&
                    (!report.wait || report.wait->running);
    return ok ? kExitOk : kExitFailure;
  }
};

}  // namespace

void addScheduleCommand(CLI::App& app, Action& action, const KubeFlags& kube) {
  auto* cmd = app.add_subcommand(
      "schedule",
      "rank every node for a new pod with kube-scheduler's filters and scores, then create it "
      "bound to the best node (--dry-run: only rank)");
  auto c = std::make_shared<ScheduleCommand>(kube);
  cmd->add_option("--name", c->name, "the pod's name")->required();
  cmd->add_option("--image", c->image, "the container image")->required();
  cmd->add_option("--cpu", c->cpu, "cpu request, e.g. 500m");
  cmd->add_option("--memory", c->memory, "memory request, e.g. 512Mi");
  cmd->add_option("--limits-cpu", c->limits_cpu, "cpu limit");
  cmd->add_option("--limits-memory", c->limits_memory, "memory limit");
  cmd->add_option("--node-selector", c->node_selector, "a node label the pod requires, key=value")
      ->delimiter(',');
  cmd->add_option("--toleration", c->tolerations,
                  "a taint the pod tolerates: key=value:Effect, key:Effect, key (repeatable)");
  cmd->add_option("--scheduler-name", c->scheduler_name,
                  "spec.schedulerName of the pod (kube-scheduler leaves it alone)")
      ->capture_default_str();
  cmd->add_option("--wait", c->wait, "follow the pod until Running or a failure, at most this long")
      ->check(durationValidator("--wait"));
  c->ns.add(*cmd, false);
  c->scores.add(*cmd);
  c->write.add(*cmd);
  cmd->callback([&action, c] { action = [c] { return c->run(); }; });
}

}  // namespace keelson::cli
