#pragma once

// One scheduling decision: every node through the Filter plugins, the feasible ones through the
// weighted Score plugins, the highest total wins (kube-scheduler's schedulePod: findNodesThatFit,
// prioritizeNodes, selectHost). Pure: no I/O.
//
// As kube-scheduler does (findNodesThatFit), the Filter plugins stop once enough feasible nodes
// are found (Profile::percentage_of_nodes_to_score; 0 is its adaptive default: 50% minus 1% per
// 125 nodes, at least 5% and 100 nodes), starting where the previous placement stopped.
// Detail::kExplain evaluates every node. A difference on purpose: a tie goes to the node
// evaluated first rather than a random one, so a decision can be replayed and explained.

#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "schedule/framework/framework.h"
#include "schedule/framework/score_plugin.h"
#include "schedule/framework/snapshot.h"
#include "schedule/framework/status.h"

namespace keelson::schedule {

/// A scheduling profile: the Filter plugins and the weighted Score plugins. Immutable once
/// built; shared by every placement (thread-safe: the plugins are).
struct Profile {
  /// Defaults to the scheduler's filters (node conditions count as taints).
  const framework::Framework* filters = &framework::Framework::schedulerFilters();
  std::vector<framework::WeightedScorePlugin> scores;
  /// kube-scheduler's percentageOfNodesToScore: 1-100, or 0 for its adaptive default.
  int percentage_of_nodes_to_score = 0;
};

/// How many feasible nodes a placement looks for among `all_nodes` (kube-scheduler's
/// numFeasibleNodesToFind): every node under 100 nodes or at 100%; else `percentage` of them
/// (0: max(5, 50 - all_nodes / 125)), but at least 100. Pure.
std::size_t feasibleNodesToFind(std::size_t all_nodes, int percentage);

/// One Score plugin's verdict on one node.
struct PluginScore {
  std::string plugin;       ///< "NodeResourcesFit", "TaintToleration", ...
  std::int64_t score = 0;   ///< Normalised, in [0, framework::kMaxNodeScore].
  std::int64_t weight = 0;  ///< The profile's weight for the plugin.
};

/// One node in a placement.
struct NodeRanking {
  std::string node;  ///< metadata.name.
  bool feasible = false;
  /// Feasible nodes: sum of weight × score over the Score plugins.
  std::int64_t total = 0;
  /// Feasible nodes: each Score plugin's score, in profile order.
  std::vector<PluginScore> scores;
  /// Infeasible nodes: the rejections with their numbers (requested vs allocatable...); the
  /// first is the one kube-scheduler counts.
  std::vector<framework::Status> rejections;
};

/// How much a placement records.
enum class Detail {
  kDecision,  ///< The scheduler's hot path: the chosen node and the failure counts only.
  kExplain,   ///< Also every node's scores or every rejecting plugin (keelson schedule).
};

/// The outcome of place().
struct Placement {
  std::string node;        ///< The chosen node; "" when no node fits.
  int total_nodes = 0;     ///< Nodes in the snapshot.
  int feasible_nodes = 0;  ///< Nodes that passed every Filter plugin (of those evaluated).
  /// Where the next placement should start evaluating (kube-scheduler's nextStartNodeIndex):
  /// the node after the last one this placement evaluated.
  std::size_t next_start = 0;
  /// Detail::kExplain only: feasible nodes by total (highest first, ties in snapshot order),
  /// then the infeasible ones in snapshot order.
  std::vector<NodeRanking> nodes;
  /// kube-scheduler reason → nodes rejected for it (first rejecting plugin only; a node counts
  /// once per reason). Filled when no node fits.
  std::map<std::string, int> failure_categories;
  /// kube-scheduler's FailedScheduling message ("0/3 nodes are available: 3 Insufficient cpu.",
  /// or "no nodes available to schedule pods" without nodes) when no node fits; "" otherwise.
  std::string failure_message;
};

/// Places `pod` on one node of `snapshot` under `profile` (see the file comment), evaluating
/// nodes from index `start` on (wrapping around). Throws only what the plugins throw
/// (Error(kBadInput) when a resource sum overflows). Thread-safe for concurrent calls on
/// distinct or shared immutable inputs.
Placement place(const Profile& profile, const framework::PodInfo& pod,
                const framework::Snapshot& snapshot, Detail detail = Detail::kDecision,
                std::size_t start = 0);

}  // namespace keelson::schedule
