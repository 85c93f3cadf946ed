#include "schedule/framework/node_affinity.h"

#include <fmt/format.h>

#include <algorithm>
#include <iterator>
#include <set>
#include <string>
#include <vector>

#include "schedule/framework/matching.h"

namespace keelson::schedule::framework {
namespace {

using NodeNames = std::set<std::string, std::less<>>;

/// The node names every term pins with matchFields metadata.name In [...], ORed over terms;
/// nullopt when some term leaves every node eligible. An empty set is a conflict.
std::optional<NodeNames> nodeNamesFromAffinity(const kube::Pod& pod) {
  const kube::NodeSelector* required = requiredNodeAffinity(pod);
  if (required == nullptr) return std::nullopt;
  NodeNames names;
  for (const auto& term : required->node_selector_terms) {
    std::optional<NodeNames> term_names;
    for (const auto& r : term.match_fields) {
      if (r.key != "metadata.name" || r.op != "In") continue;
      NodeNames s(r.values.begin(), r.values.end());
      if (!term_names) {
        term_names = std::move(s);
      } else {
        NodeNames both;
        std::set_intersection(term_names->begin(), term_names->end(), s.begin(), s.end(),
                              std::inserter(both, both.begin()));
        term_names = std::move(both);
      }
    }
    if (!term_names) return std::nullopt;
    names.insert(term_names->begin(), term_names->end());
  }
  return names;
}

}  // namespace

PreFilterResult NodeAffinity::preFilter(const PodInfo& pod, const Snapshot& /*snapshot*/) const {
  PreFilterResult result{Status::success(), nodeNamesFromAffinity(pod.pod()), "", nullptr};
  if (!result.node_names) return result;
  if (result.node_names->empty()) {
    result.status =
        Status::reject(Code::kUnschedulableAndUnresolvable, kName,
                       {{std::string(kReasonConflict),
                         "the required node affinity terms pin conflicting node names"}});
  }
  result.node_names_message =
      "required node affinity pins other node names (matchFields metadata.name)";
  return result;
}

Status NodeAffinity::filter(const PodInfo& pod, const NodeInfo& node,
                            const PluginState* /*state*/) const {
  std::vector<std::string> failed;
  for (const auto& [key, value] : pod.pod().spec.node_selector) {
    const kube::InternedString* have = label(node.node->metadata.labels, key);
    if (have == nullptr) {
      failed.push_back(fmt::format("nodeSelector {}={}: node has no label {}", key, value, key));
    } else if (*have != value) {
      failed.push_back(fmt::format("nodeSelector {}={}: node has {}={}", key, value, key, *have));
    }
  }
  if (const kube::NodeSelector* req = requiredNodeAffinity(pod.pod())) {
    if (!nodeSelectorMatches(*req, *node.node)) {
      failed.push_back(
          fmt::format("required node affinity: none of {} term(s) matches the node's labels/fields",
                      req->node_selector_terms.size()));
    }
  }
  if (failed.empty()) return Status::success();
  std::string msg;
  for (const auto& f : failed) msg += (msg.empty() ? "" : "; ") + f;
  return Status::reject(Code::kUnschedulableAndUnresolvable, kName,
                        {{std::string(kReason), std::move(msg)}});
}

}  // namespace keelson::schedule::framework
