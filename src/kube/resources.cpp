#include "kube/resources.h"

#include <string_view>

namespace keelson::kube {
namespace {

// addResourceList: list += other, per resource.
void add(ResourceList& list, const ResourceList& other) {
  for (const auto& [name, quantity] : other) {
    auto [it, inserted] = list.try_emplace(name, quantity);
    if (!inserted) it->second += quantity;
  }
}

// maxResourceList: list = max(list, other), per resource.
void max(ResourceList& list, const ResourceList& other) {
  for (const auto& [name, quantity] : other) {
    auto [it, inserted] = list.try_emplace(name, quantity);
    if (!inserted && quantity > it->second) it->second = quantity;
  }
}

// applyNonMissing: a copy with the defaults filled in for resources the container omits.
ResourceList withDefaults(const ResourceList& requests, const ResourceList& defaults) {
  ResourceList result = requests;
  for (const auto& [name, quantity] : defaults) result.try_emplace(name, quantity);
  return result;
}

bool isPodLevelResource(std::string_view name) {
  return name == "cpu" || name == "memory" || name.starts_with("hugepages-");
}

bool hasPodLevel(const ResourceList& list) {
  for (const auto& [name, quantity] : list) {
    if (isPodLevelResource(name)) return true;
  }
  return false;
}

void applyPodLevel(ResourceList& result, const ResourceList& pod_level) {
  for (const auto& [name, quantity] : pod_level) {
    if (isPodLevelResource(name)) result.insert_or_assign(name, quantity);
  }
}

// aggregateContainerResourcesByFn with the spec as the source.
template <class Select>
ResourceList aggregate(const PodSpec& spec, Select select) {
  ResourceList result;
  for (const Container& container : spec.containers) add(result, select(container));
  ResourceList sidecars;  // restartable init containers started so far
  ResourceList init;      // the largest init-phase footprint
  for (const Container& container : spec.init_containers) {
    const ResourceList own = select(container);
    if (container.isRestartable()) {
      add(result, own);
      add(sidecars, own);
      max(init, sidecars);
    } else {
      ResourceList combined = own;
      add(combined, sidecars);
      max(init, combined);
    }
  }
  max(result, init);
  return result;
}

}  // namespace

ResourceList podRequests(const Pod& pod, const PodResourcesOptions& options) {
  const PodSpec& spec = pod.spec;
  ResourceList requests = aggregate(spec, [&](const Container& c) {
    if (options.non_missing_container_requests.empty()) return c.resources.requests.get();
    return withDefaults(c.resources.requests, options.non_missing_container_requests);
  });
  if (!options.skip_pod_level_resources && hasPodLevel(spec.resources.requests)) {
    applyPodLevel(requests, spec.resources.requests);
  }
  if (!options.exclude_overhead) add(requests, spec.overhead);
  return requests;
}

ResourceList podLimits(const Pod& pod, const PodResourcesOptions& options) {
  const PodSpec& spec = pod.spec;
  ResourceList limits = aggregate(spec, [](const Container& c) { return c.resources.limits; });
  if (!options.skip_pod_level_resources &&
      (hasPodLevel(spec.resources.requests) || hasPodLevel(spec.resources.limits))) {
    applyPodLevel(limits, spec.resources.limits);
  }
  if (!options.exclude_overhead) {
    for (const auto& [name, quantity] : spec.overhead) {
      auto it = limits.find(name);
      if (it != limits.end() && !it->second.isZero()) it->second += quantity;
    }
  }
  return limits;
}

}  // namespace keelson::kube
