#include "schedule/placement.h"

#include <algorithm>
#include <set>
#include <utility>

#include "schedule/framework/fit_error.h"

namespace keelson::schedule {
namespace {

namespace fw = framework;

/// Counts the reasons of a node's first rejection, as kube-scheduler's FitError does.
void countRejection(const fw::Status& status, std::map<std::string, int>& categories) {
  std::set<std::string_view> seen;
  for (const fw::Reason& reason : status.reasons) {
    if (seen.insert(reason.category).second) ++categories[reason.category];
  }
}

/// Runs the filters from node `start` on until `wanted` nodes fit or every node was tried: the
/// feasible nodes in evaluation order; the rejections are counted (and kept with kExplain).
std::vector<const fw::NodeInfo*> filterNodes(const Profile& profile, const fw::PodInfo& pod,
                                             const fw::Snapshot& snapshot,
                                             const fw::CycleState& cycle, Detail detail,
                                             std::size_t start, std::size_t wanted,
                                             Placement& out) {
  const std::span<const fw::NodeInfo> nodes = snapshot.nodes();
  std::vector<const fw::NodeInfo*> feasible;
  std::size_t evaluated = 0;
  for (; evaluated < nodes.size() && feasible.size() < wanted; ++evaluated) {
    const fw::NodeInfo& node = nodes[(start + evaluated) % nodes.size()];
    std::vector<fw::Status> rejections;
    if (detail == Detail::kExplain) {
      rejections = profile.filters->evaluate(cycle, pod, node);
    } else if (fw::Status first = profile.filters->firstRejection(cycle, pod, node);
               !first.isSuccess()) {
      rejections.push_back(std::move(first));
    }
    if (rejections.empty()) {
      feasible.push_back(&node);
      continue;
    }
    countRejection(rejections.front(), out.failure_categories);
    if (detail == Detail::kExplain) {
      out.nodes.push_back(
          NodeRanking{node.node->metadata.name, false, 0, {}, std::move(rejections)});
    }
  }
  out.next_start = nodes.empty() ? 0 : (start + evaluated) % nodes.size();
  return feasible;
}

/// Runs the Score plugins over the feasible nodes: each node's weighted total, and with
/// kExplain each plugin's score in `explained`.
std::vector<std::int64_t> scoreNodes(const Profile& profile, const fw::PodInfo& pod,
                                     const fw::Snapshot& snapshot,
                                     const std::vector<const fw::NodeInfo*>& feasible,
                                     std::vector<NodeRanking>* explained) {
  std::vector<std::int64_t> totals(feasible.size(), 0);
  std::vector<std::int64_t> scores(feasible.size());
  for (const fw::WeightedScorePlugin& weighted : profile.scores) {
    const fw::ScorePlugin& plugin = *weighted.plugin;
    const auto state = plugin.preScore(pod, snapshot, feasible);
    for (size_t i = 0; i < feasible.size(); ++i) {
      scores[i] = plugin.score(pod, *feasible[i], state.get());
    }
    plugin.normalizeScores(pod, state.get(), scores);
    for (size_t i = 0; i < feasible.size(); ++i) {
      totals[i] += scores[i] * weighted.weight;
      if (explained != nullptr) {
        (*explained)[i].scores.push_back({std::string(plugin.name()), scores[i], weighted.weight});
      }
    }
  }
  return totals;
}

}  // namespace

std::size_t feasibleNodesToFind(std::size_t all_nodes, int percentage) {
  constexpr std::size_t kMinFeasibleNodesToFind = 100;
  if (all_nodes < kMinFeasibleNodesToFind || percentage >= 100) return all_nodes;
  if (percentage <= 0) {
    percentage = std::max(5, 50 - static_cast<int>(all_nodes / 125));
  }
  const std::size_t wanted = all_nodes * static_cast<std::size_t>(percentage) / 100;
  return std::max(wanted, kMinFeasibleNodesToFind);
}

Placement place(const Profile& profile, const fw::PodInfo& pod, const fw::Snapshot& snapshot,
                Detail detail, std::size_t start) {
  Placement out;
  const std::size_t all = snapshot.nodes().size();
  out.total_nodes = static_cast<int>(all);
  const std::size_t wanted = detail == Detail::kExplain
                                 ? all
                                 : feasibleNodesToFind(all, profile.percentage_of_nodes_to_score);
  const fw::CycleState cycle = profile.filters->preFilter(pod, snapshot);
  const std::vector<const fw::NodeInfo*> feasible =
      filterNodes(profile, pod, snapshot, cycle, detail, all == 0 ? 0 : start % all, wanted, out);
  out.feasible_nodes = static_cast<int>(feasible.size());
  if (all == 0) {
    out.failure_message =
        "no nodes available to schedule pods";  // kube-scheduler's ErrNoNodesAvailable.
    return out;
  }
  if (feasible.empty()) {
    std::optional<std::string> prefilter;
    if (!cycle.status.isSuccess()) {
      prefilter = cycle.status.reasons.front().category;
      out.failure_categories = {{*prefilter, out.total_nodes}};
    }
    out.failure_message = fw::fitErrorMessage(out.total_nodes, out.failure_categories, prefilter);
    return out;
  }
  out.failure_categories.clear();
  std::vector<NodeRanking> ranked;
  if (detail == Detail::kExplain) {
    for (const fw::NodeInfo* node : feasible) {
      ranked.push_back(NodeRanking{node->node->metadata.name, true, 0, {}, {}});
    }
  }
  const std::vector<std::int64_t> totals =
      scoreNodes(profile, pod, snapshot, feasible, detail == Detail::kExplain ? &ranked : nullptr);
  const auto best = std::max_element(totals.begin(), totals.end());  // First of the highest.
  out.node = feasible[static_cast<std::size_t>(best - totals.begin())]->node->metadata.name;
  if (detail == Detail::kExplain) {
    for (std::size_t i = 0; i < ranked.size(); ++i) ranked[i].total = totals[i];
    std::stable_sort(ranked.begin(), ranked.end(),
                     [](const NodeRanking& a, const NodeRanking& b) { return a.total > b.total; });
    ranked.insert(ranked.end(), std::make_move_iterator(out.nodes.begin()),
                  std::make_move_iterator(out.nodes.end()));
    out.nodes = std::move(ranked);
  }
  return out;
}

}  // namespace keelson::schedule
