// keelson drain NODE: kubectl drain (act/drain.h), audited. Prints kubectl's lines as the drain
// goes; on a terminal, the evictions are one live status line instead (evicted / waiting /
// blocked by which PodDisruptionBudget, elapsed).
#include <fmt/format.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <iostream>
#include <memory>
#include <string>

#include "act/actuator.h"
#include "act/drain.h"
#include "cli/commands.h"
#include "cli/write_flags.h"
#include "core/duration.h"
#include "core/signals.h"

namespace keelson::cli {
namespace {

using act::DrainEvent;

struct DrainCommand {
  explicit DrainCommand(const KubeFlags& kube_flags) : kube(kube_flags) {}
  const KubeFlags& kube;
  std::string node;
  WriteFlags write;
  act::DrainOptions options;
  std::int64_t grace_period = -1;
  std::string timeout = "0s";

  int run();
};

// Where the drain's lines go: kubectl's stdout/stderr split in text mode; all on stderr when
// stdout carries the JSON document. On a terminal, progress is one status line on stdout.
class DrainPrinter {
 public:
  DrainPrinter(bool json, bool tty) : json_(json), tty_(tty && !json) {}

  void onEvent(const DrainEvent& event) {
    switch (event.type) {
      case DrainEvent::Type::kWarning:
        line(std::cerr, "Warning: " + event.message);
        return;
      case DrainEvent::Type::kRetrying:
      case DrainEvent::Type::kError:
        if (tty_ && event.type == DrainEvent::Type::kRetrying) return;  // in the status line
        line(std::cerr, event.message);
        return;
      case DrainEvent::Type::kEvicting:
      case DrainEvent::Type::kGone:
        if (tty_) return;
        [[fallthrough]];
      case DrainEvent::Type::kCordoned:
      case DrainEvent::Type::kSkippedWaiting:
        line(json_ ? std::cerr : std::cout, event.message);
        return;
    }
  }

  void onProgress(const act::DrainProgress& progress) {
    if (!tty_) return;
    std::string status = fmt::format("evicted {}/{}", progress.gone, progress.total);
    if (progress.pending > 0) status += fmt::format(", evicting {}", progress.pending);
    if (progress.waiting > 0) status += fmt::format(", waiting for {} to go", progress.waiting);
    if (progress.failed > 0) status += fmt::format(", {} failed", progress.failed);
    if (!progress.blocked.empty()) {
      status += fmt::format(", {} blocked by PodDisruptionBudget {}", progress.blocked.size(),
                            progress.blocked.begin()->second);
    }
    status += fmt::format(" ({})",
                          core::formatDuration(std::chrono::seconds(
                              std::chrono::duration_cast<std::chrono::seconds>(progress.elapsed))));
    status_ = status;
    std::cout << "\r\033[K" << status_ << std::flush;
  }

  // Ends the status line so that what follows starts on a fresh line.
  void finish() {
    if (tty_ && !status_.empty()) std::cout << '\n' << std::flush;
    status_.clear();
  }

 private:
  void line(std::ostream& stream, const std::string& text) {
    if (tty_ && !status_.empty()) std::cout << "\r\033[K" << std::flush;
    stream << text << '\n' << std::flush;
    if (tty_ && !status_.empty()) std::cout << status_ << std::flush;
  }

  bool json_;
  bool tty_;
  std::string status_;
};

// kubectl drain's closing lines: "node/N drained", or the error and the pending pods.
ResultText renderDrain(const act::ActionResult& result, const std::string& node) {
  ResultText text;
  if (result.outcome == act::Outcome::kSucceeded) {
    text.out = fmt::format("{} drained{}\n", result.target, act::dryRunSuffix(result.dry_run));
    return text;
  }
  std::string pending;
  for (const act::Skipped& item : result.skipped) {
    // kubectl lists them as pod/NAME.
    if (item.reason == "still on the node") {
      pending += "pod/" + item.target.substr(item.target.rfind('/') + 1) + "\n";
    }
  }
  if (!pending.empty()) {
    text.err += fmt::format("There are pending pods in node \"{}\" when an error occurred: {}\n{}",
                            node, result.error, pending);
  }
  text.err += fmt::format(
      "error: unable to drain node \"{}\" due to error: {}, continuing command...\n"
      "There are pending nodes to be drained:\n {}\n",
      node, result.error, node);
  for (const std::string& error : result.errors) text.err += error + "\n";
  if (result.errors.empty()) text.err += result.error + "\n";
  return text;
}

int DrainCommand::run() {
  options.grace_period_seconds =
      grace_period >= 0 ? std::optional<std::int64_t>(grace_period) : std::nullopt;
  options.timeout = parseDurationFlag("--timeout", timeout, {std::chrono::milliseconds(0)});
  auto printer =
      std::make_shared<DrainPrinter>(write.output.structured(), isatty(STDOUT_FILENO) == 1);
  act::DrainObserver observer;
  observer.on_event = [printer](const DrainEvent& event) { printer->onEvent(event); };
  observer.on_progress = [printer](const act::DrainProgress& p) { printer->onProgress(p); };
  return runWrite(
      kube, write,
      [&](act::Actuator& actuator) {
        act::ActionResult result = actuator.drain(node, options, write.writeOptions(), observer);
        printer->finish();
        return result;
      },
      [this](const act::ActionResult& result) { return renderDrain(result, node); });
}

}  // namespace

void addDrainCommand(CLI::App& app, Action& action, const KubeFlags& kube) {
  auto* command = app.add_subcommand(
      "drain", "cordon a node and evict its pods, exactly as kubectl drain does");
  auto c = std::make_shared<DrainCommand>(kube);
  command->add_option("node", c->node, "the node's name")->required()->check(nodeNameValidator());
  act::DrainFilterOptions& filters = c->options.filters;
  command->add_flag("--ignore-daemonsets", filters.ignore_daemonsets,
                    "leave DaemonSet-managed pods alone instead of refusing");
  command->add_flag("--delete-emptydir-data", filters.delete_emptydir_data,
                    "evict pods with emptyDir volumes too (their data is lost)");
  command->add_flag("--force", filters.force,
                    "evict pods without a controller too (nothing recreates them)");
  command
      ->add_option("--grace-period", c->grace_period,
                   "seconds each pod gets to terminate; -1: the pod's own")
      ->capture_default_str();
  command->add_option("--timeout", c->timeout, "give up after this long; 0: wait for ever")
      ->check(durationValidator("--timeout", {std::chrono::milliseconds(0)}))
      ->capture_default_str();
  command->add_option("--pod-selector", c->options.pod_selector,
                      "only the pods matching this label selector");
  command->add_flag("--disable-eviction", c->options.disable_eviction,
                    "delete pods instead of evicting them (bypasses PodDisruptionBudgets)");
  command
      ->add_option("--skip-wait-for-delete-timeout", filters.skip_wait_for_delete_timeout_seconds,
                   "skip pods deleted more than this many seconds ago; 0: never")
      ->check(CLI::NonNegativeNumber)
      ->capture_default_str();
  command->add_option("--chunk-size", c->options.chunk_size, "pods per list request; 0: all")
      ->check(CLI::NonNegativeNumber)
      ->capture_default_str();
  c->write.add(*command);
  command->callback([&action, c] { action = [c] { return c->run(); }; });
}

}  // namespace keelson::cli
