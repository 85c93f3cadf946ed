#include "schedule/placement.h"

#include <algorithm>
#include <numeric>
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

/// Runs the filters over every node: the feasible nodes, and the rejections of the others.
std::vector<const fw::NodeInfo*> filterNodes(const Profile& profile, const fw::PodInfo& pod,
                                             const fw::Snapshot& snapshot,
                                             const fw::CycleState& cycle, Detail detail,
                                             Placement& out) {
  std::vector<const fw::NodeInfo*> feasible;
  for (const fw::NodeInfo& node : snapshot.nodes()) {
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
  return feasible;
}

/// Runs the Score plugins over the feasible nodes: each node's weighted total, and with
/// kExplain each plugin's score.
std::vector<NodeRanking> scoreNodes(const Profile& profile, const fw::PodInfo& pod,
                                    const fw::Snapshot& snapshot,
                                    const std::vector<const fw::NodeInfo*>& feasible,
                                    Detail detail) {
  std::vector<NodeRanking> ranked(feasible.size());
  for (size_t i = 0; i < feasible.size(); ++i) {
    ranked[i].node = feasible[i]->node->metadata.name;
    ranked[i].feasible = true;
  }
  std::vector<std::int64_t> scores(feasible.size());
  for (const fw::WeightedScorePlugin& weighted : profile.scores) {
    const fw::ScorePlugin& plugin = *weighted.plugin;
    const auto state = plugin.preScore(pod, snapshot, feasible);
    for (size_t i = 0; i < feasible.size(); ++i) {
      scores[i] = plugin.score(pod, *feasible[i], state.get());
    }
    plugin.normalizeScores(pod, state.get(), scores);
    for (size_t i = 0; i < feasible.size(); ++i) {
      ranked[i].total += scores[i] * weighted.weight;
      if (detail == Detail::kExplain) {
        ranked[i].scores.push_back({std::string(plugin.name()), scores[i], weighted.weight});
      }
    }
  }
  return ranked;
}

}  // namespace

Placement place(const Profile& profile, const fw::PodInfo& pod, const fw::Snapshot& snapshot,
                Detail detail) {
  Placement out;
  out.total_nodes = static_cast<int>(snapshot.nodes().size());
  const fw::CycleState cycle = profile.filters->preFilter(pod, snapshot);
  const std::vector<const fw::NodeInfo*> feasible =
      filterNodes(profile, pod, snapshot, cycle, detail, out);
  out.feasible_nodes = static_cast<int>(feasible.size());
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
  std::vector<NodeRanking> ranked = scoreNodes(profile, pod, snapshot, feasible, detail);
  std::stable_sort(ranked.begin(), ranked.end(),
                   [](const NodeRanking& a, const NodeRanking& b) { return a.total > b.total; });
  out.node = ranked.front().node;
  if (detail == Detail::kExplain) {
    ranked.insert(ranked.end(), std::make_move_iterator(out.nodes.begin()),
                  std::make_move_iterator(out.nodes.end()));
    out.nodes = std::move(ranked);
  }
  return out;
}

}  // namespace keelson::schedule
