#include "schedule/framework/node_resources_fit.h"

#include <fmt/format.h>

#include <cstdint>

namespace keelson::schedule::framework {
namespace {

/// The amount NodeResourcesFit compares: millicores for cpu, whole units (rounded up) otherwise.
int64_t amount(std::string_view resource, const core::Quantity& q) {
  return resource == "cpu" ? q.milliValue() : q.value();
}

}  // namespace

bool isScalarResource(std::string_view name) {
  return name.find('/') != std::string_view::npos || name.starts_with("hugepages-") ||
         name.starts_with("attachable-volumes-");
}

std::vector<InsufficientResource> insufficientResources(const PodInfo& pod, const NodeInfo& node) {
  std::vector<InsufficientResource> out;
  const auto& alloc = node.node->status.allocatable;
  const core::Quantity allowed_pods = quantityOf(alloc, "pods");
  const auto pod_count = static_cast<int64_t>(node.pods.size());
  if (pod_count + 1 > allowed_pods.value()) {
    out.push_back(
        {"pods", core::Quantity::fromValue(1), core::Quantity::fromValue(pod_count), allowed_pods});
  }
  for (const auto& [name, request] : pod.requests()) {
    const bool fixed = name == "cpu" || name == "memory" || name == "ephemeral-storage";
    if (!fixed && !isScalarResource(name)) continue;
    const int64_t want = amount(name, request);
    if (want <= 0) continue;
    const core::Quantity allocatable = quantityOf(alloc, name);
    const core::Quantity used = quantityOf(node.requested, name);
    if (want <= amount(name, allocatable) - amount(name, used)) continue;
    out.push_back({name, request, used, allocatable});
  }
  return out;
}

Status NodeResourcesFit::filter(const PodInfo& pod, const NodeInfo& node,
                                const PluginState* /*state*/) const {
  const auto insufficient = insufficientResources(pod, node);
  if (insufficient.empty()) return Status::success();
  std::vector<Reason> reasons;
  for (const auto& r : insufficient) {
    if (r.name == "pods") {
      reasons.push_back({std::string(kReasonTooManyPods),
                         fmt::format("Too many pods: {} pod(s) on the node, {} allowed",
                                     r.used.value(), r.allocatable.value())});
      continue;
    }
    const core::Quantity free = r.allocatable - r.used;
    reasons.push_back(
        {"Insufficient " + r.name,
         fmt::format("Insufficient {}: requested {}, free {} of {} allocatable", r.name,
                     r.requested.format(), free.format(), r.allocatable.format())});
  }
  return Status::reject(Code::kUnschedulable, kName, std::move(reasons));
}

}  // namespace keelson::schedule::framework
