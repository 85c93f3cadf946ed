#include "analysis/cluster_pod_issues.h"

#include <algorithm>
#include <array>
#include <functional>
#include <map>
#include <string_view>
#include <tuple>
#include <utility>

#include "core/error.h"

namespace keelson::analysis {
namespace {

constexpr std::array kIssueTypes = {
    PodIssueType::kCrashLoopBackOff, PodIssueType::kImagePullError,
    PodIssueType::kFailed,           PodIssueType::kHighRestarts,
    PodIssueType::kUnschedulable,    PodIssueType::kResourceConstraints,
    PodIssueType::kPending};

bool passes(const PodIssue& issue, const PodIssueFilter& filter) {
  if (filter.critical && issue.critical != *filter.critical) return false;
  return !filter.type || issue.type == *filter.type;
}

// A pod with the issues that pass the filter.
struct Found {
  const kube::Pod* pod = nullptr;
  std::vector<PodIssue> issues;
};

bool before(const kube::Pod& a, const kube::Pod& b) {
  return std::tie(a.metadata.namespace_name, a.metadata.name) <
         std::tie(b.metadata.namespace_name, b.metadata.name);
}

// Whether `pod` comes after the continue key "namespace/name" in (namespace, name) order.
bool after(const kube::Pod& pod, std::string_view key) {
  if (key.empty()) return true;
  const auto slash = key.find('/');
  const std::string_view ns = key.substr(0, slash);
  const std::string_view name = slash == std::string_view::npos ? "" : key.substr(slash + 1);
  const std::string_view pod_ns = pod.metadata.namespace_name;
  return pod_ns != ns ? pod_ns > ns : std::string_view(pod.metadata.name) > name;
}

// The workload running `pod`, else its controller (a Job, a custom controller), else none.
WorkloadOwner ownerOf(const kube::Pod& pod, const ClusterPodObjects& objects) {
  const kube::OwnerReference* controller = kube::controllerOf(pod.metadata);
  if (controller == nullptr) return {};
  std::vector<const kube::ReplicaSet*> replica_sets;
  if (controller->kind == "ReplicaSet" && objects.replica_sets) {
    replica_sets = objects.replica_sets(pod.metadata.namespace_name);
  }
  if (auto owner = resolveWorkloadOwner(pod, replica_sets)) return *std::move(owner);
  return {controller->kind, controller->name};
}

}  // namespace

std::optional<PodIssueType> parseIssueType(std::string_view name) noexcept {
  for (const PodIssueType type : kIssueTypes) {
    if (issueTypeName(type) == name) return type;
  }
  return std::nullopt;
}

ClusterPodIssues analyzeClusterPodIssues(const ClusterPodObjects& objects, kube::Time now,
                                         const NamespaceErrorOptions& options,
                                         const PodIssueFilter& filter, const PodIssuesPage& page,
                                         const std::stop_token& cancel) {
  ClusterPodIssues out;
  out.analysis_time = now;
  out.restart_threshold_used = options.restart_threshold;
  out.total_pods_analyzed = static_cast<int>(objects.pods.size());
  std::map<PodIssueType, PodIssueGroup> groups;
  std::vector<Found> found;
  for (std::size_t i = 0; i < objects.pods.size(); ++i) {
    if (i % kCancelCheckStride == 0) throwIfCancelled(cancel, "pod issues");
    const kube::Pod& pod = *objects.pods[i];
    std::vector<PodIssue> issues = podIssues(pod, now, options);
    std::erase_if(issues, [&filter](const PodIssue& issue) { return !passes(issue, filter); });
    if (issues.empty()) continue;
    PodIssueType last_type{};
    for (std::size_t k = 0; k < issues.size(); ++k) {
      const PodIssue& issue = issues[k];
      (issue.critical ? out.critical_issues_count : out.warning_issues_count)++;
      PodIssueGroup& group = groups[issue.type];
      group.type = issue.type;
      ++group.count;
      if (k == 0 || issue.type != last_type) ++group.pod_count;  // issues come in type order
      last_type = issue.type;
    }
    found.push_back({&pod, std::move(issues)});
  }
  throwIfCancelled(cancel, "pod issues");
  for (auto& [type, group] : groups) out.summary.push_back(group);
  out.problematic_pods_count = static_cast<int>(found.size());

  std::sort(found.begin(), found.end(),
            [](const Found& a, const Found& b) { return before(*a.pod, *b.pod); });
  const auto first = std::find_if(found.begin(), found.end(),
                                  [&page](const Found& f) { return after(*f.pod, page.after); });
  const auto available = static_cast<std::size_t>(found.end() - first);
  const std::size_t count = page.limit == 0 ? available : std::min(page.limit, available);
  std::map<std::string, std::vector<const kube::Event*>, std::less<>> events;  // by namespace
  for (auto it = first; it != first + static_cast<std::ptrdiff_t>(count); ++it) {
    const kube::Pod& pod = *it->pod;
    const std::string& ns = pod.metadata.namespace_name;
    auto cached = events.find(ns);
    if (cached == events.end()) {
      cached =
          events
              .emplace(ns, objects.events ? objects.events(ns) : std::vector<const kube::Event*>{})
              .first;
    }
    out.problematic_pods.push_back(
        problematicPod(pod, ownerOf(pod, objects), std::move(it->issues), cached->second, now));
  }
  out.remaining_pods = static_cast<int>(available - count);
  if (out.remaining_pods > 0) {
    const ProblematicPod& last = out.problematic_pods.back();
    out.continue_after = last.namespace_name + "/" + last.name;
  }
  return out;
}

}  // namespace keelson::analysis
