#include "act/drain_filters.h"

#include <fmt/format.h>

#include <algorithm>
#include <map>

#include "kube/objects.h"

namespace keelson::act {

namespace {

using Reason = PodDeleteStatus::Reason;

PodDeleteStatus okay() { return {true, Reason::kOkay, ""}; }
PodDeleteStatus skip() { return {false, Reason::kSkip, ""}; }
PodDeleteStatus warning(bool remove, std::string message) {
  return {remove, Reason::kWarning, std::move(message)};
}
PodDeleteStatus error(std::string message) { return {false, Reason::kError, std::move(message)}; }

bool finished(const kube::Pod& pod) {
  return pod.status.phase == "Succeeded" || pod.status.phase == "Failed";
}

PodDeleteStatus daemonSetFilter(const kube::Pod& pod, const DrainFilterOptions& options,
                                const DaemonSetLookup& daemonsets) {
  const kube::OwnerReference* owner = kube::controllerOf(pod.metadata);
  if (owner == nullptr || owner->kind != "DaemonSet") return okay();
  if (finished(pod)) return okay();
  if (const auto failure = daemonsets(pod.metadata.namespace_name, owner->name)) {
    // An orphan (its DaemonSet is gone) is deleted with a warning under --force.
    if (failure->not_found && options.force) return warning(true, failure->message);
    return error(failure->message);
  }
  if (!options.ignore_daemonsets) return error(kDaemonSetFatal);
  return warning(false, kDaemonSetWarning);
}

PodDeleteStatus mirrorPodFilter(const kube::Pod& pod) {
  if (pod.metadata.annotations.contains("kubernetes.io/config.mirror")) return skip();
  return okay();
}

PodDeleteStatus localStorageFilter(const kube::Pod& pod, const DrainFilterOptions& options) {
  const bool has_empty_dir =
      std::any_of(pod.spec.volumes.begin(), pod.spec.volumes.end(),
                  [](const kube::Volume& v) { return v.type == "emptyDir"; });
  if (!has_empty_dir || finished(pod)) return okay();
  if (!options.delete_emptydir_data) return error(kLocalStorageFatal);
  return warning(true, kLocalStorageWarning);
}

PodDeleteStatus unreplicatedFilter(const kube::Pod& pod, const DrainFilterOptions& options) {
  if (finished(pod) || kube::controllerOf(pod.metadata) != nullptr) return okay();
  if (options.force) return warning(true, kUnmanagedWarning);
  return error(kUnmanagedFatal);
}

// Groups pods by the message of the statuses with `reason`, keeping first-seen order.
std::vector<std::pair<std::string, std::string>> grouped(const std::vector<PodDelete>& pods,
                                                         Reason reason,
                                                         const std::string& empty_message) {
  std::vector<std::pair<std::string, std::string>> groups;
  for (const PodDelete& item : pods) {
    if (item.status.reason != reason) continue;
    const std::string message = item.status.message.empty() ? empty_message : item.status.message;
    const std::string name =
        fmt::format("{}/{}", item.pod.metadata.namespace_name, item.pod.metadata.name);
    auto group = std::find_if(groups.begin(), groups.end(),
                              [&](const auto& g) { return g.first == message; });
    if (group == groups.end()) {
      groups.emplace_back(message, name);
    } else {
      group->second += ", " + name;
    }
  }
  return groups;
}

}  // namespace

bool deletedTooLongAgo(const kube::Pod& pod, int skip_seconds,
                       std::chrono::system_clock::time_point now) {
  if (skip_seconds <= 0 || !kube::isSet(pod.metadata.deletion_timestamp)) return false;
  const auto since =
      std::chrono::duration_cast<std::chrono::seconds>(now - pod.metadata.deletion_timestamp);
  return since.count() > skip_seconds;
}

PodDeleteStatus filterPod(const kube::Pod& pod, const DrainFilterOptions& options,
                          const DaemonSetLookup& daemonsets,
                          std::chrono::system_clock::time_point now) {
  PodDeleteStatus status =
      deletedTooLongAgo(pod, options.skip_wait_for_delete_timeout_seconds, now) ? skip() : okay();
  if (!status.remove) return status;
  status = daemonSetFilter(pod, options, daemonsets);
  if (!status.remove) return status;
  status = mirrorPodFilter(pod);
  if (!status.remove) return status;
  status = localStorageFilter(pod, options);
  if (!status.remove) return status;
  // As in kubectl, a later filter's status replaces an earlier warning.
  return unreplicatedFilter(pod, options);
}

std::vector<std::string> refusals(const std::vector<PodDelete>& pods) {
  std::vector<std::string> out;
  for (const auto& [message, names] : grouped(pods, Reason::kError, "unexpected error")) {
    out.push_back(fmt::format("cannot delete {}: {}", message, names));
  }
  return out;
}

std::string warnings(const std::vector<PodDelete>& pods) {
  std::string out;
  for (const auto& [message, names] : grouped(pods, Reason::kWarning, "")) {
    if (!out.empty()) out += "; ";
    out += fmt::format("{}: {}", message, names);
  }
  return out;
}

}  // namespace keelson::act
