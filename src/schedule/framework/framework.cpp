#include "schedule/framework/framework.h"

#include <algorithm>
#include <iterator>
#include <utility>

#include "schedule/framework/inter_pod_affinity.h"
#include "schedule/framework/node_affinity.h"
#include "schedule/framework/node_name.h"
#include "schedule/framework/node_ports.h"
#include "schedule/framework/node_resources_fit.h"
#include "schedule/framework/node_unschedulable.h"
#include "schedule/framework/pod_topology_spread.h"
#include "schedule/framework/taint_toleration.h"
#include "schedule/framework/volume_binding.h"
#include "schedule/framework/volume_zone.h"

namespace keelson::schedule::framework {

Framework::Framework(std::vector<std::unique_ptr<const FilterPlugin>> plugins)
    : plugins_(std::move(plugins)) {}

namespace {

Framework filters(bool condition_taints) {
  std::vector<std::unique_ptr<const FilterPlugin>> plugins;
  plugins.push_back(std::make_unique<NodeUnschedulable>());
  plugins.push_back(std::make_unique<NodeName>());
  plugins.push_back(std::make_unique<TaintToleration>(condition_taints));
  plugins.push_back(std::make_unique<NodeAffinity>());
  plugins.push_back(std::make_unique<NodePorts>());
  plugins.push_back(std::make_unique<NodeResourcesFit>());
  plugins.push_back(std::make_unique<VolumeBinding>());
  plugins.push_back(std::make_unique<VolumeZone>());
  plugins.push_back(std::make_unique<PodTopologySpread>());
  plugins.push_back(std::make_unique<InterPodAffinity>());
  return Framework(std::move(plugins));
}

/// PreFilter's verdict on `node`: the rejection of every node, the one of a node PreFilter
/// left out, or nullptr when the node's filters decide.
const Status* preFilterVerdict(const CycleState& cycle, const NodeInfo& node) {
  if (!cycle.status.isSuccess()) return &cycle.status;
  if (cycle.node_names && !cycle.node_names->contains(node.node->metadata.name)) {
    return &cycle.excluded;
  }
  return nullptr;
}

}  // namespace

const Framework& Framework::defaultFilters() {
  static const Framework instance = filters(false);
  return instance;
}

const Framework& Framework::schedulerFilters() {
  static const Framework instance = filters(true);
  return instance;
}

CycleState Framework::preFilter(const PodInfo& pod, const Snapshot& snapshot) const {
  CycleState cycle;
  std::string restricting;  // "NodeAffinity" or "A B", as Go prints a []string.
  std::string messages;
  for (const auto& plugin : plugins_) {
    PreFilterResult result = plugin->preFilter(pod, snapshot);
    if (cycle.status.isSuccess() && !result.status.isSuccess()) {
      cycle.status = std::move(result.status);
    }
    if (result.node_names) {
      if (cycle.node_names) {
        std::set<std::string, std::less<>> both;
        std::set_intersection(cycle.node_names->begin(), cycle.node_names->end(),
                              result.node_names->begin(), result.node_names->end(),
                              std::inserter(both, both.begin()));
        cycle.node_names = std::move(both);
      } else {
        cycle.node_names = std::move(result.node_names);
      }
      if (cycle.excluded.plugin.empty()) cycle.excluded.plugin = std::string(plugin->name());
      restricting += (restricting.empty() ? "" : " ") + std::string(plugin->name());
      messages += (messages.empty() ? "" : "; ") + result.node_names_message;
    }
    cycle.states.push_back(std::move(result.state));
  }
  if (cycle.node_names) {
    cycle.excluded.code = Code::kUnschedulableAndUnresolvable;
    cycle.excluded.reasons.push_back(
        {"node(s) didn't satisfy plugin(s) [" + restricting + "]", std::move(messages)});
  }
  return cycle;
}

std::vector<Status> Framework::filter(const CycleState& cycle, const PodInfo& pod,
                                      const NodeInfo& node) const {
  std::vector<Status> rejections;
  for (size_t i = 0; i < plugins_.size(); ++i) {
    Status status = plugins_[i]->filter(pod, node, cycle.states[i].get());
    if (!status.isSuccess()) rejections.push_back(std::move(status));
  }
  return rejections;
}

std::vector<Status> Framework::evaluate(const CycleState& cycle, const PodInfo& pod,
                                        const NodeInfo& node) const {
  if (const Status* verdict = preFilterVerdict(cycle, node)) return {*verdict};
  return filter(cycle, pod, node);
}

Status Framework::firstRejection(const CycleState& cycle, const PodInfo& pod,
                                 const NodeInfo& node) const {
  if (const Status* verdict = preFilterVerdict(cycle, node)) return *verdict;
  for (size_t i = 0; i < plugins_.size(); ++i) {
    Status status = plugins_[i]->filter(pod, node, cycle.states[i].get());
    if (!status.isSuccess()) return status;
  }
  return Status::success();
}

}  // namespace keelson::schedule::framework
