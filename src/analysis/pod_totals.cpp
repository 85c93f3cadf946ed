#include "analysis/pod_totals.h"

#include <algorithm>

#include "core/error.h"
#include "kube/resources.h"

namespace keelson::analysis {
namespace {

bool terminated(const kube::Pod& pod) {
  return pod.status.phase == "Succeeded" || pod.status.phase == "Failed";
}

std::string phaseOf(const kube::Pod& pod) {
  return pod.status.phase.empty() ? "Unknown" : pod.status.phase;
}

bool podHealthy(const kube::Pod& pod) {
  if (pod.status.phase == "Succeeded") return true;
  if (pod.status.phase != "Running") return false;
  const auto& statuses = pod.status.container_statuses;
  return !statuses.empty() && std::all_of(statuses.begin(), statuses.end(),
                                          [](const kube::ContainerStatus& s) { return s.ready; });
}

void addInto(kube::ResourceList& total, const kube::ResourceList& more) {
  for (const auto& [name, quantity] : more) total[name] += quantity;
}

void subtractFrom(kube::ResourceList& total, const kube::ResourceList& less) {
  for (const auto& [name, quantity] : less) {
    const auto it = total.find(name);
    if (it == total.end()) continue;
    it->second -= quantity;
    if (it->second.isZero()) total.erase(it);
  }
}

// Adds (sign 1) or removes (sign -1) one pod.
void count(PodTotals& totals, const kube::Pod& pod, int sign) {
  totals.total_pods += sign;
  const auto phase = totals.pods_by_phase.find(phaseOf(pod));
  if (sign > 0) {
    ++totals.pods_by_phase[phaseOf(pod)];
  } else if (phase != totals.pods_by_phase.end() && --phase->second <= 0) {
    totals.pods_by_phase.erase(phase);
  }
  totals.healthy_pods += podHealthy(pod) ? sign : 0;
  if (pod.spec.node_name.empty() || terminated(pod)) return;
  NodePodTotals& node = totals.by_node[pod.spec.node_name];
  if (sign > 0) {
    addInto(node.requested, kube::podRequests(pod));
    addInto(node.limits, kube::podLimits(pod));
    ++node.pods;
    return;
  }
  subtractFrom(node.requested, kube::podRequests(pod));
  subtractFrom(node.limits, kube::podLimits(pod));
  if (--node.pods <= 0) totals.by_node.erase(pod.spec.node_name);
}

}  // namespace

void PodTotals::add(const kube::Pod& pod) { count(*this, pod, 1); }

void PodTotals::remove(const kube::Pod& pod) { count(*this, pod, -1); }

PodTotals podTotals(std::span<const kube::Pod* const> pods, const std::stop_token& cancel) {
  PodTotals totals;
  std::size_t seen = 0;
  for (const kube::Pod* pod : pods) {
    if (seen++ % kCancelCheckStride == 0) throwIfCancelled(cancel, "cluster summary");
    totals.add(*pod);
  }
  return totals;
}

kube::EventHandlers<kube::Pod> ClusterTotals::handlers() {
  return {.on_add =
              [this](const kube::Pod& pod) {
                std::lock_guard lock(mutex_);
                totals_.add(pod);
              },
          .on_update =
              [this](const kube::Pod& old_pod, const kube::Pod& new_pod) {
                std::lock_guard lock(mutex_);
                totals_.remove(old_pod);
                totals_.add(new_pod);
              },
          .on_delete =
              [this](const kube::Pod& pod) {
                std::lock_guard lock(mutex_);
                totals_.remove(pod);
              }};
}

PodTotals ClusterTotals::current() const {
  std::lock_guard lock(mutex_);
  return totals_;
}

}  // namespace keelson::analysis
