#pragma once

// Builders for the scheduling tests (plugins, Framework, analysis): nodes and pods with requests,
// pod affinity terms, and one plugin run (preFilter, then filter on one node) the way the Framework
// runs it.

#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "core/quantity.h"
#include "schedule/framework/plugin.h"

namespace keelson::schedule::framework::testing {

inline kube::Node node(const std::string& name, const std::string& cpu = "4",
                       const std::string& memory = "8Gi", const std::string& pods = "110") {
  kube::Node n;
  n.metadata.name = name;
  n.metadata.labels = {{"kubernetes.io/hostname", name}};
  n.status.allocatable = {{"cpu", core::Quantity::parse(cpu)},
                          {"memory", core::Quantity::parse(memory)},
                          {"ephemeral-storage", core::Quantity::parse("100Gi")},
                          {"pods", core::Quantity::parse(pods)}};
  n.status.capacity = n.status.allocatable;
  return n;
}

inline kube::Pod pod(const std::string& name, const std::string& cpu = "100m",
                     const std::string& memory = "64Mi", const std::string& node_name = "") {
  kube::Pod p;
  p.metadata.namespace_name = "default";
  p.metadata.name = name;
  p.metadata.uid = "uid-" + name;
  p.spec.node_name = node_name;
  p.status.phase = node_name.empty() ? "Pending" : "Running";
  kube::Container c;
  c.name = "app";
  if (!cpu.empty()) c.resources.requests["cpu"] = core::Quantity::parse(cpu);
  if (!memory.empty()) c.resources.requests["memory"] = core::Quantity::parse(memory);
  p.spec.containers.push_back(c);
  return p;
}

/// API objects owned by the test.
using Cluster = ClusterObjects;

/// A required pod (anti-)affinity term selecting pods labelled key=value per `topology`.
inline kube::PodAffinityTerm podAffinityTerm(
    const std::string& key, const std::string& value,
    const std::string& topology = "kubernetes.io/hostname") {
  kube::PodAffinityTerm t;
  t.label_selector = kube::LabelSelector{{{key, value}}, {}};
  t.topology_key = topology;
  return t;
}

/// `plugin`'s PreFilter for `pod` over `cluster`.
inline PreFilterResult preFilter(const FilterPlugin& plugin, const kube::Pod& pod,
                                 const Cluster& cluster) {
  const ClusterView view = viewOf(cluster);
  return plugin.preFilter(PodInfo(pod), Snapshot(view, pod));
}

/// `plugin`'s Filter for `pod` on node `node_name`, after its PreFilter (whose verdict is not
/// applied, as for a pod already bound).
inline Status filter(const FilterPlugin& plugin, const kube::Pod& pod, const Cluster& cluster,
                     std::string_view node_name) {
  const ClusterView view = viewOf(cluster);
  const PodInfo info(pod);
  const Snapshot snapshot(view, pod);
  const PreFilterResult pre = plugin.preFilter(info, snapshot);
  for (const NodeInfo& n : snapshot.nodes()) {
    if (n.node->metadata.name == node_name) return plugin.filter(info, n, pre.state.get());
  }
  throw std::invalid_argument("no node " + std::string(node_name));
}

}  // namespace keelson::schedule::framework::testing
