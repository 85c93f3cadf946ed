#include "schedule/framework/node_resources_fit_score.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <set>
#include <utility>

#include "core/error.h"
#include "kube/resources.h"
#include "schedule/framework/node_resources_fit.h"

namespace keelson::schedule::framework {
namespace {

/// The pod's non-zero request of each configured resource (resourceAllocationScorer's
/// calculatePodResourceRequestList): millicores for cpu, whole units otherwise.
struct NodeResourcesFitScoreState final : PluginState {
  std::vector<std::int64_t> pod_requests;
};

/// The node's allocatable and what would be requested with the pod on it, for one resource
/// (calculateResourceAllocatableRequest with non-zero requests); {0, 0} leaves it out.
struct Usage {
  std::int64_t allocatable = 0;
  std::int64_t requested = 0;
};

Usage usageOf(const NodeInfo& node, std::string_view resource, std::int64_t pod_request) {
  if (pod_request == 0 && isScalarResource(resource)) return {};  // Not asked for: not weighed.
  const auto& allocatable = node.node->status.allocatable;
  if (resource == "cpu") {
    return {quantityOf(allocatable, "cpu").milliValue(),
            node.non_zero_requested.cpu_millicores + pod_request};
  }
  if (resource == "memory") {
    return {quantityOf(allocatable, "memory").value(),
            node.non_zero_requested.memory_bytes + pod_request};
  }
  const bool scalar = isScalarResource(resource);
  if (resource != "ephemeral-storage" && !scalar) return {};
  const auto it = allocatable.find(resource);
  if (scalar && it == allocatable.end()) return {};
  const std::int64_t have = it == allocatable.end() ? 0 : it->second.value();
  return {have, quantityOf(node.requested, resource).value() + pod_request};
}

std::int64_t leastRequestedScore(std::int64_t requested, std::int64_t capacity) {
  if (capacity == 0 || requested > capacity) return 0;
  return (capacity - requested) * kMaxNodeScore / capacity;
}

std::int64_t mostRequestedScore(std::int64_t requested, std::int64_t capacity) {
  if (capacity == 0) return 0;
  // Non-zero defaults can make requested exceed capacity.
  return std::min(requested, capacity) * kMaxNodeScore / capacity;
}

__extension__ typedef __int128 Int128;  // NOLINT(modernize-use-using): __extension__ needs it.

/// requested * 100 / capacity, exact even where the int64 product would overflow (upstream's
/// scaledUtilization); requested <= capacity.
std::int64_t utilizationPercent(std::int64_t requested, std::int64_t capacity) {
  if (requested <= 0) return 0;
  return static_cast<std::int64_t>(static_cast<Int128>(requested) * 100 / capacity);
}

void validateResources(const std::vector<ResourceSpec>& resources) {
  if (resources.empty()) {
    throw Error(ErrorCode::kBadInput, "NodeResourcesFit scoring: no resources to weigh");
  }
  std::set<std::string_view> seen;
  for (const ResourceSpec& r : resources) {
    if (r.weight < 1 || r.weight > 100) {
      throw Error(ErrorCode::kBadInput,
                  fmt::format("NodeResourcesFit scoring: resource {} has weight {}, expected 1-100",
                              r.name, r.weight));
    }
    if (!seen.insert(r.name).second) {
      throw Error(ErrorCode::kBadInput,
                  fmt::format("NodeResourcesFit scoring: resource {} is listed twice", r.name));
    }
  }
}

void validateShape(const std::vector<UtilizationShapePoint>& shape) {
  if (shape.empty()) {
    throw Error(ErrorCode::kBadInput,
                "RequestedToCapacityRatio: the shape needs at least one point");
  }
  for (size_t i = 0; i < shape.size(); ++i) {
    const UtilizationShapePoint& p = shape[i];
    if (p.utilization < 0 || p.utilization > 100) {
      throw Error(ErrorCode::kBadInput,
                  fmt::format("RequestedToCapacityRatio: shape point {} has utilization {}, "
                              "expected 0-100",
                              i, p.utilization));
    }
    if (p.score < 0 || p.score > 10) {
      throw Error(
          ErrorCode::kBadInput,
          fmt::format("RequestedToCapacityRatio: shape point {} has score {}, expected 0-10", i,
                      p.score));
    }
    if (i > 0 && p.utilization <= shape[i - 1].utilization) {
      throw Error(ErrorCode::kBadInput,
                  fmt::format("RequestedToCapacityRatio: shape point {} has utilization {}, "
                              "expected more than the previous point's {}",
                              i, p.utilization, shape[i - 1].utilization));
    }
  }
}

}  // namespace

std::vector<ResourceSpec> defaultScoringResources() { return {{"cpu", 1}, {"memory", 1}}; }

std::int64_t brokenLinear(std::span<const UtilizationShapePoint> shape, std::int64_t utilization) {
  for (size_t i = 0; i < shape.size(); ++i) {
    if (utilization > shape[i].utilization) continue;
    if (i == 0) return shape[0].score;
    const UtilizationShapePoint& a = shape[i - 1];
    const UtilizationShapePoint& b = shape[i];
    return a.score +
           (b.score - a.score) * (utilization - a.utilization) / (b.utilization - a.utilization);
  }
  return shape.back().score;
}

NodeResourcesFitScore::NodeResourcesFitScore(ScoringStrategy strategy,
                                             std::vector<ResourceSpec> resources,
                                             std::vector<UtilizationShapePoint> shape)
    : strategy_(strategy), resources_(std::move(resources)) {
  validateResources(resources_);
  if (strategy_ != ScoringStrategy::kRequestedToCapacityRatio) return;
  validateShape(shape);
  // MaxCustomPriorityScore (10) → MaxNodeScore (100).
  for (UtilizationShapePoint& p : shape) p.score *= kMaxNodeScore / 10;
  shape_ = std::move(shape);
}

std::unique_ptr<const PluginState> NodeResourcesFitScore::preScore(
    const PodInfo& pod, const Snapshot& /*snapshot*/,
    std::span<const NodeInfo* const> /*feasible*/) const {
  kube::PodResourcesOptions options;
  options.non_missing_container_requests = {
      {"cpu", core::Quantity::fromMilli(kDefaultMilliCpuRequest)},
      {"memory", core::Quantity::fromValue(kDefaultMemoryRequestBytes)}};
  const kube::ResourceList requests = kube::podRequests(pod.pod(), options);
  auto st = std::make_unique<NodeResourcesFitScoreState>();
  for (const ResourceSpec& r : resources_) {
    const core::Quantity q = quantityOf(requests, r.name);
    st->pod_requests.push_back(r.name == "cpu" ? q.milliValue() : q.value());
  }
  return st;
}

std::int64_t NodeResourcesFitScore::score(const PodInfo& /*pod*/, const NodeInfo& node,
                                          const PluginState* state) const {
  const auto& st = stateAs<NodeResourcesFitScoreState>(state);
  std::int64_t node_score = 0;
  std::int64_t weight_sum = 0;
  for (size_t i = 0; i < resources_.size(); ++i) {
    const Usage u = usageOf(node, resources_[i].name, st.pod_requests[i]);
    if (u.allocatable == 0) continue;
    const std::int64_t weight = resources_[i].weight;
    std::int64_t resource_score = 0;
    switch (strategy_) {
      case ScoringStrategy::kLeastAllocated:
        resource_score = leastRequestedScore(u.requested, u.allocatable);
        break;
      case ScoringStrategy::kMostAllocated:
        resource_score = mostRequestedScore(u.requested, u.allocatable);
        break;
      case ScoringStrategy::kRequestedToCapacityRatio:
        resource_score = brokenLinear(shape_, u.requested > u.allocatable
                                                  ? 100
                                                  : utilizationPercent(u.requested, u.allocatable));
        // Only resources that score count towards the mean.
        if (resource_score <= 0) continue;
        break;
    }
    node_score += resource_score * weight;
    weight_sum += weight;
  }
  if (weight_sum == 0) return 0;
  if (strategy_ == ScoringStrategy::kRequestedToCapacityRatio) {
    return static_cast<std::int64_t>(
        std::llround(static_cast<double>(node_score) / static_cast<double>(weight_sum)));
  }
  return node_score / weight_sum;
}

}  // namespace keelson::schedule::framework
