#include "act/planner.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <cstdint>

#include "core/error.h"
#include "core/quantity.h"

namespace keelson::act {
namespace {

constexpr std::int64_t kMi = 1024 * 1024;

std::string podName(const analysis::Finding& f) {
  return f.subject.namespace_name + "/" + f.subject.name;
}

Proposal start(const analysis::Finding& f) {
  Proposal p;
  p.finding_id = f.id;
  p.finding_kind = f.kind;
  p.confidence = findingConfidence(f);
  return p;
}

Proposal none(Proposal p, std::string reason) {
  p.action = {};
  p.reason = std::move(reason);
  return p;
}

std::optional<double> detail(const analysis::Finding& f, const std::string& name) {
  const auto it = f.evidence.details.find(name);
  if (it == f.evidence.details.end() || it->second.empty()) return std::nullopt;
  try {
    std::size_t used = 0;
    const double value = std::stod(it->second, &used);
    if (used != it->second.size() || !std::isfinite(value)) return std::nullopt;
    return value;
  } catch (const std::exception&) {
    return std::nullopt;
  }
}

bool restartable(const ObjectRef& ref) {
  return ref.kind.kind == "Deployment" || ref.kind.kind == "StatefulSet" ||
         ref.kind.kind == "DaemonSet";
}

Proposal restartProposal(Proposal p, const analysis::Finding& f,
                         const std::optional<PodOwner>& owner, const PlannerOptions& options) {
  if (f.subject.kind != "pod") return none(std::move(p), "No action: the subject is not a pod.");
  if (!owner) {
    return none(std::move(p),
                fmt::format("No action: the owner of pod {} could not be read.", podName(f)));
  }
  if (owner->workload && restartable(*owner->workload)) {
    p.action.kind = ActionKind::kRolloutRestart;
    p.action.target = *owner->workload;
    const bool through = owner->controller.rfind(owner->workload->kind.kind + "/", 0) != 0;
    p.reason = fmt::format(
        "Pod {} is controlled by {} {}{}: a rollout restart replaces its pods one by one, which "
        "clears a crash that depends on the pod's state (a corrupt cache, a stuck dependency); "
        "a crash in the code or configuration comes back.",
        podName(f), owner->workload->kind.kind, owner->workload->name,
        through ? " (through " + owner->controller + ")" : "");
    return p;
  }
  p.action.kind = ActionKind::kRestartPod;
  p.action.target = ObjectRef{podKind(), f.subject.namespace_name, f.subject.name};
  if (!owner->controller.empty()) {
    p.reason = fmt::format(
        "Pod {} is controlled by {}, which cannot be rolled out: delete the pod so that its "
        "controller recreates it.",
        podName(f), owner->controller);
    return p;
  }
  if (!options.force) {
    return none(std::move(p),
                fmt::format("No action: pod {} has no controller, so a deleted pod would not "
                            "come back (pass --force to delete it anyway).",
                            podName(f)));
  }
  p.action.force = true;
  p.reason = fmt::format(
      "Pod {} has no controller: with --force it is deleted and nothing recreates it.", podName(f));
  return p;
}

// The container whose `resource` limit to raise: the one template container with such a limit,
// or the only container. Sets `why` when there is none to choose.
const TemplateContainer* chooseContainer(const PodOwner& owner, const std::string& resource,
                                         std::string& why) {
  std::vector<const TemplateContainer*> limited;
  for (const TemplateContainer& c : owner.containers) {
    if (c.limits.contains(resource)) limited.push_back(&c);
  }
  if (limited.size() == 1) return limited.front();
  if (limited.empty() && owner.containers.size() == 1) return &owner.containers.front();
  why = limited.empty()
            ? fmt::format("none of the {} containers of {} declares a {} limit",
                          owner.containers.size(), owner.workload->display(), resource)
            : fmt::format(
                  "{} containers of {} have {} limits and the finding's figures are the pod's "
                  "total, so which one needs more cannot be told (raise it with keelson set "
                  "resources -c NAME)",
                  limited.size(), owner.workload->display(), resource);
  return nullptr;
}

// The base of a raise: the template's limit when it has one, else the figure the finding saw
// on the pod (a LimitRange default).
std::optional<std::int64_t> templateLimitMilli(const TemplateContainer& c,
                                               const std::string& resource) {
  const auto it = c.limits.find(resource);
  if (it == c.limits.end()) return std::nullopt;
  return core::Quantity::parse(it->second).milliValue();
}

Proposal resourcesProposal(Proposal p, const analysis::Finding& f,
                           const std::optional<PodOwner>& owner, const PlannerOptions& options) {
  const bool memory = f.kind == "oom_risk";
  const std::string resource = memory ? "memory" : "cpu";
  if (f.subject.kind != "pod") return none(std::move(p), "No action: the subject is not a pod.");
  if (!owner) {
    return none(std::move(p),
                fmt::format("No action: the owner of pod {} could not be read.", podName(f)));
  }
  if (!owner->workload) {
    return none(std::move(p),
                fmt::format("No action: a pod's resources cannot be changed in place and pod {} "
                            "has no workload template to change ({}).",
                            podName(f),
                            owner->controller.empty() ? "no controller"
                                                      : "controller " + owner->controller));
  }
  std::string why;
  const TemplateContainer* container = chooseContainer(*owner, resource, why);
  if (container == nullptr) return none(std::move(p), "No action: " + why + ".");

  const auto limit_detail = detail(f, memory ? "limit_bytes" : "limit_millicores");
  const auto usage = detail(f, memory ? "usage_bytes" : "usage_millicores");
  std::optional<std::int64_t> base_milli;
  try {
    base_milli = templateLimitMilli(*container, resource);
  } catch (const Error&) {
    base_milli.reset();
  }
  if (!base_milli && limit_detail) {
    base_milli = static_cast<std::int64_t>(std::llround(*limit_detail * (memory ? 1000.0 : 1.0)));
  }
  if (!base_milli || *base_milli <= 0 || !usage) {
    return none(std::move(p),
                fmt::format("No action: the finding does not say the current {} limit and usage.",
                            resource));
  }

  std::string new_value;
  std::string old_value;
  double need = 0;
  std::int64_t new_milli = 0;
  if (memory) {
    const double limit_bytes = static_cast<double>(*base_milli) / 1000.0;
    const double slope = std::max(0.0, detail(f, "slope_bytes_per_second").value_or(0.0));
    need = *usage + slope * static_cast<double>(options.forecast_horizon.count());
    const double wanted = std::max(limit_bytes * (1.0 + options.step_fraction), need);
    // The slope is a least-squares estimate: a need a hair over a whole Mi is that Mi.
    std::int64_t mib =
        static_cast<std::int64_t>(std::ceil(wanted / static_cast<double>(kMi) - 1e-6));
    if (mib * kMi <= static_cast<std::int64_t>(limit_bytes)) mib += 1;
    new_value = fmt::format("{}Mi", mib);
    new_milli = mib * kMi * 1000;
    p.reason = fmt::format(
        "Pod {} is close to its memory limit: raise the limit of container {} of {} by at least "
        "{:.0f}%, or to what the trend needs for the next {} ({}), whichever is more.",
        podName(f), container->name, owner->workload->display(), options.step_fraction * 100,
        fmt::format("{}h", static_cast<double>(options.forecast_horizon.count()) / 3600.0),
        core::formatBytes(static_cast<std::int64_t>(std::llround(need))));
  } else {
    const double limit_milli = static_cast<double>(*base_milli);
    need = *usage / options.cpu_target_utilisation;
    const double wanted = std::max(limit_milli * (1.0 + options.step_fraction), need);
    new_milli = static_cast<std::int64_t>(std::ceil(wanted - 1e-6));
    if (new_milli <= *base_milli) new_milli = *base_milli + 1;
    new_value = fmt::format("{}m", new_milli);
    p.reason = fmt::format(
        "Pod {} is throttled at its CPU limit: raise the limit of container {} of {} by at least "
        "{:.0f}%, or so that the current usage is {:.0f}% of it ({}m), whichever is more.",
        podName(f), container->name, owner->workload->display(), options.step_fraction * 100,
        options.cpu_target_utilisation * 100, static_cast<std::int64_t>(std::ceil(need)));
  }
  const auto old_limit = container->limits.find(resource);
  old_value = old_limit == container->limits.end() ? "(none)" : old_limit->second;

  p.action.kind = ActionKind::kSetResources;
  p.action.target = *owner->workload;
  p.action.resources.container = container->name;
  p.action.resources.limits[resource] = new_value;
  p.changes.push_back(fmt::format("container {}: limits.{} {} -> {}", container->name, resource,
                                  old_value, new_value));
  // Requests never exceed limits: a request above the new limit comes down to it.
  if (const auto request = container->requests.find(resource);
      request != container->requests.end()) {
    try {
      if (core::Quantity::parse(request->second).milliValue() > new_milli) {
        p.action.resources.requests[resource] = new_value;
        p.changes.push_back(fmt::format("container {}: requests.{} {} -> {}", container->name,
                                        resource, request->second, new_value));
      }
    } catch (const Error&) {
      // An unparsable request is the API server's to reject; leave it alone.
    }
  }
  return p;
}

Proposal nodeProposal(Proposal p, const analysis::Finding& f, const PlannerOptions& options) {
  if (f.subject.kind != "node") return none(std::move(p), "No action: the subject is not a node.");
  if (f.evidence.details.contains("mount_point") && f.subject.name == "host") {
    return none(std::move(p),
                "No action: the filesystem belongs to the host keelson monitor ran on, whose "
                "node name it did not know. " +
                    f.suggested_action.description);
  }
  p.action.target = ObjectRef{nodeKind(), "", f.subject.name};
  if (options.allow_drain) {
    p.action.kind = ActionKind::kDrain;
    p.action.drain = options.drain;
    p.reason = fmt::format(
        "Node {} is under pressure: drain it (cordon, then evict its pods so that they are "
        "scheduled elsewhere; DaemonSet pods stay).",
        f.subject.name);
  } else {
    p.action.kind = ActionKind::kCordon;
    p.reason = fmt::format(
        "Node {} is under pressure: cordon it so that no new pods land there (its pods stay; "
        "--allow-drain would move them).",
        f.subject.name);
  }
  return p;
}

}  // namespace

std::string_view actionKindName(ActionKind kind) noexcept {
  switch (kind) {
    case ActionKind::kNone:
      return "none";
    case ActionKind::kRolloutRestart:
      return "rollout restart";
    case ActionKind::kRestartPod:
      return "restart pod";
    case ActionKind::kSetResources:
      return "set resources";
    case ActionKind::kCordon:
      return "cordon";
    case ActionKind::kDrain:
      return "drain";
    case ActionKind::kScale:
      return "scale";
  }
  return "none";
}

std::string describeAction(const ProposedAction& action) {
  if (action.kind == ActionKind::kNone) return "none";
  std::string text = fmt::format("{} {}", actionKindName(action.kind), action.target.display());
  if (!action.target.namespace_name.empty()) text += " -n " + action.target.namespace_name;
  const auto list = [](const ResourceValues& values) {
    std::string out;
    for (const auto& [name, value] : values) out += (out.empty() ? "" : ",") + name + "=" + value;
    return out;
  };
  switch (action.kind) {
    case ActionKind::kSetResources:
      text += " -c " + action.resources.container;
      if (!action.resources.limits.empty()) text += " --limits " + list(action.resources.limits);
      if (!action.resources.requests.empty()) {
        text += " --requests " + list(action.resources.requests);
      }
      break;
    case ActionKind::kRestartPod:
      if (action.force) text += " --force";
      break;
    case ActionKind::kDrain:
      if (action.drain.filters.ignore_daemonsets) text += " --ignore-daemonsets";
      break;
    case ActionKind::kScale:
      if (action.replicas) text += fmt::format(" --replicas {}", *action.replicas);
      break;
    default:
      break;
  }
  return text;
}

double findingConfidence(const analysis::Finding& finding) noexcept {
  return finding.evidence.score.value_or(1.0);
}

bool needsPodOwner(const analysis::Finding& finding, const PlannerOptions& options) {
  if (finding.subject.kind != "pod") return false;
  if (finding.kind == "crash_loop" || finding.kind == "restart_burst" ||
      finding.kind == "oom_risk" || finding.kind == "throttling") {
    return true;
  }
  return finding.kind == "anomaly" && options.anomaly_rules.contains(finding.evidence.series);
}

Proposal plan(const analysis::Finding& finding, const std::optional<PodOwner>& owner,
              const PlannerOptions& options) {
  Proposal p = start(finding);
  const std::string& kind = finding.kind;
  if (kind == "crash_loop" || kind == "restart_burst") {
    return restartProposal(std::move(p), finding, owner, options);
  }
  if (kind == "oom_risk" || kind == "throttling") {
    return resourcesProposal(std::move(p), finding, owner, options);
  }
  if (kind == "node_pressure") return nodeProposal(std::move(p), finding, options);
  if (kind == "pending_too_long") {
    return none(std::move(p),
                "No action: a pod that cannot be scheduled or started needs capacity or a "
                "changed spec (requests, node selector, tolerations, volumes), which a restart "
                "does not give it. " +
                    finding.suggested_action.description);
  }
  if (kind == "image_pull_failure") {
    return none(std::move(p),
                "No action: the image cannot be pulled, and a restart pulls the same image. " +
                    finding.suggested_action.description);
  }
  if (kind == "anomaly") {
    const auto rule = options.anomaly_rules.find(finding.evidence.series);
    if (rule != options.anomaly_rules.end() && rule->second == "restart") {
      return restartProposal(std::move(p), finding, owner, options);
    }
    return none(std::move(p),
                fmt::format("No action: an anomaly is a statistical signal, not a diagnosis "
                            "(add --anomaly-rule {}=restart to restart on it).",
                            finding.evidence.series));
  }
  return none(std::move(p), fmt::format("No action: keelson has no rule for {} findings.", kind));
}

void addAnomalyRule(std::map<std::string, std::string>& rules, const std::string& text) {
  const auto equals = text.find('=');
  if (equals == std::string::npos || equals == 0) {
    throw Error(ErrorCode::kBadInput,
                fmt::format("--anomaly-rule \"{}\": expected SERIES=ACTION, e.g. "
                            "memory_usage_bytes=restart",
                            text));
  }
  const std::string action = text.substr(equals + 1);
  if (action != "restart") {
    throw Error(ErrorCode::kBadInput,
                fmt::format("--anomaly-rule \"{}\": unknown action \"{}\" (the one action is "
                            "restart)",
                            text, action));
  }
  rules[text.substr(0, equals)] = action;
}

}  // namespace keelson::act
