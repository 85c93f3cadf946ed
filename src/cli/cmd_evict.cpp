// keelson evict [NS/]POD: one eviction through the Eviction API (act/evict.h), audited.
#include <memory>
#include <string>

#include "act/actuator.h"
#include "cli/commands.h"
#include "cli/write_flags.h"
#include "core/signals.h"

namespace keelson::cli {
namespace {

struct EvictCommand {
  explicit EvictCommand(const KubeFlags& kube_flags) : kube(kube_flags) {}
  const KubeFlags& kube;
  NamespaceFlags ns;
  std::string target;
  WriteFlags write;
  std::int64_t grace_period = -1;
  std::string timeout = "0s";

  int run() const {
    const PodTarget pod = resolvePodTarget(target, ns, kube);
    act::EvictOptions options;
    if (grace_period >= 0) options.grace_period_seconds = grace_period;
    options.timeout = parseDurationFlag("--timeout", timeout, {std::chrono::milliseconds(0)});
    const core::StopOnSignals signals;  // Ctrl-C ends the retries; the outcome is audited
    return runWrite(kube, write, [&](act::Actuator& actuator) {
      return actuator.evict(pod.namespace_name, pod.name, options, write.writeOptions(),
                            signals.token());
    });
  }
};

}  // namespace

void addEvictCommand(CLI::App& app, Action& action, const KubeFlags& kube) {
  auto* command = app.add_subcommand(
      "evict", "evict one pod through the Eviction API, honouring PodDisruptionBudgets");
  auto c = std::make_shared<EvictCommand>(kube);
  command->add_option("pod", c->target, "NAME (in -n's namespace) or NAMESPACE/NAME")
      ->required()
      ->check(podTargetValidator());
  c->ns.add(*command, false);
  command
      ->add_option("--grace-period", c->grace_period,
                   "seconds the pod gets to terminate; -1: the pod's own")
      ->capture_default_str();
  command
      ->add_option("--timeout", c->timeout,
                   "retry while a PodDisruptionBudget refuses, every 5s, this long; 0: once")
      ->check(durationValidator("--timeout", {std::chrono::milliseconds(0)}))
      ->capture_default_str();
  c->write.add(*command);
  command->callback([&action, c] { action = [c] { return c->run(); }; });
}

}  // namespace keelson::cli
