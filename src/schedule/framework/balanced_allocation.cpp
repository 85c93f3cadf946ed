#include "schedule/framework/balanced_allocation.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <optional>
#include <set>
#include <utility>

#include "core/error.h"
#include "schedule/framework/node_resources_fit.h"

namespace keelson::schedule::framework {
namespace {

struct BalancedAllocationState final : PluginState {
  std::vector<std::int64_t> pod_requests;  ///< Per configured resource, plain requests.
  bool best_effort = false;                ///< The pod requests none of them: skip.
};

std::int64_t amount(std::string_view resource, const core::Quantity& q) {
  return resource == "cpu" ? q.milliValue() : q.value();
}

/// The fraction of `resource` used with the pod on the node, or nullopt when the resource is
/// left out (calculateResourceAllocatableRequest with useRequested).
std::optional<double> fractionOf(const NodeInfo& node, std::string_view resource,
                                 std::int64_t pod_request) {
  if (pod_request == 0 && isScalarResource(resource)) return std::nullopt;
  const bool fixed = resource == "cpu" || resource == "memory" || resource == "ephemeral-storage";
  if (!fixed && !isScalarResource(resource)) return std::nullopt;
  const auto& allocatable = node.node->status.allocatable;
  const auto it = allocatable.find(resource);
  if (!fixed && it == allocatable.end()) return std::nullopt;
  const std::int64_t have = it == allocatable.end() ? 0 : amount(resource, it->second);
  if (have == 0) return std::nullopt;
  const std::int64_t requested =
      amount(resource, quantityOf(node.requested, resource)) + pod_request;
  return std::min(1.0, static_cast<double>(requested) / static_cast<double>(have));
}

double standardDeviation(const std::vector<double>& fractions) {
  if (fractions.size() == 2) return std::abs((fractions[0] - fractions[1]) / 2);
  if (fractions.size() < 2) return 0;
  double mean = 0;
  for (const double f : fractions) mean += f;
  mean /= static_cast<double>(fractions.size());
  double sum = 0;
  for (const double f : fractions) sum += (f - mean) * (f - mean);
  return std::sqrt(sum / static_cast<double>(fractions.size()));
}

}  // namespace

BalancedAllocation::BalancedAllocation(std::vector<std::string> resources)
    : resources_(std::move(resources)) {
  if (resources_.empty()) {
    throw Error(ErrorCode::kBadInput, "NodeResourcesBalancedAllocation: no resources to weigh");
  }
  std::set<std::string_view> seen;
  for (const std::string& r : resources_) {
    if (!seen.insert(r).second) {
      throw Error(ErrorCode::kBadInput,
                  fmt::format("NodeResourcesBalancedAllocation: resource {} is listed twice", r));
    }
  }
}

std::unique_ptr<const PluginState> BalancedAllocation::preScore(
    const PodInfo& pod, const Snapshot& /*snapshot*/,
    std::span<const NodeInfo* const> /*feasible*/) const {
  auto st = std::make_unique<BalancedAllocationState>();
  for (const std::string& r : resources_) {
    st->pod_requests.push_back(amount(r, quantityOf(pod.requests(), r)));
  }
  st->best_effort = std::all_of(st->pod_requests.begin(), st->pod_requests.end(),
                                [](std::int64_t request) { return request == 0; });
  return st;
}

std::int64_t BalancedAllocation::score(const PodInfo& /*pod*/, const NodeInfo& node,
                                       const PluginState* state) const {
  const auto& st = stateAs<BalancedAllocationState>(state);
  if (st.best_effort) return 0;
  std::vector<double> fractions;
  for (size_t i = 0; i < resources_.size(); ++i) {
    if (const auto f = fractionOf(node, resources_[i], st.pod_requests[i])) fractions.push_back(*f);
  }
  return static_cast<std::int64_t>((1 - standardDeviation(fractions)) *
                                   static_cast<double>(kMaxNodeScore));
}

}  // namespace keelson::schedule::framework
