#pragma once

// Builders for the Score plugin tests: pods with several containers (kube-scheduler's
// st.MakePod().Req(...).Req(...)) and one Score run (preScore over every node, score each node,
// normalizeScores) the way kube-scheduler's prioritizeNodes runs a plugin.

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "plugin_test.h"
#include "schedule/framework/score_plugin.h"

namespace keelson::schedule::framework::testing {

/// A pod with one container per {cpu, memory} pair ("" leaves that request out; no pairs: no
/// containers at all, as st.MakePod().Obj()).
inline kube::Pod podWith(const std::string& name,
                         const std::vector<std::pair<std::string, std::string>>& containers,
                         const std::string& node_name = "") {
  kube::Pod p = pod(name, "", "", node_name);
  p.spec.containers.clear();
  for (const auto& [cpu, memory] : containers) {
    kube::Container c;
    c.name = "c" + std::to_string(p.spec.containers.size());
    if (!cpu.empty()) c.resources.requests["cpu"] = core::Quantity::parse(cpu);
    if (!memory.empty()) c.resources.requests["memory"] = core::Quantity::parse(memory);
    p.spec.containers.push_back(c);
  }
  return p;
}

/// The scores `plugin` gives every node of `cluster` for `pod` (all nodes feasible, snapshot
/// order): raw, or after normalizeScores when `normalize`.
inline std::vector<std::int64_t> scores(const ScorePlugin& plugin, const kube::Pod& pod,
                                        const Cluster& cluster, bool normalize = true) {
  const ClusterView view = viewOf(cluster);
  const PodInfo info(pod);
  const Snapshot snapshot(view, pod);
  std::vector<const NodeInfo*> feasible;
  for (const NodeInfo& n : snapshot.nodes()) feasible.push_back(&n);
  const auto state = plugin.preScore(info, snapshot, feasible);
  std::vector<std::int64_t> out;
  for (const NodeInfo* n : feasible) out.push_back(plugin.score(info, *n, state.get()));
  if (normalize) plugin.normalizeScores(info, state.get(), out);
  return out;
}

using Scores = std::vector<std::int64_t>;

}  // namespace keelson::schedule::framework::testing
