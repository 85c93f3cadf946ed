#pragma once

// kube-scheduler's FailedScheduling message (framework.FitError.Error()): how many nodes are
// available and why the others are not. Pure; thread-safe.

#include <map>
#include <optional>
#include <string>

namespace keelson::schedule::framework {

/// "0/6 nodes are available: 1 node(s) were unschedulable, 5 Insufficient cpu." from the total
/// number of nodes and, per kube-scheduler reason, the number of nodes rejected for it (a node
/// counts once per reason, for its first failing plugin only). The "<count> <reason>" parts are
/// sorted as the scheduler sorts them (as strings). A PreFilter rejection applies to every node
/// and is written without a count: "0/3 nodes are available: pod has unbound immediate
/// PersistentVolumeClaims." (`prefilter_category` set; `categories` is then ignored).
std::string fitErrorMessage(int total_nodes, const std::map<std::string, int>& categories,
                            const std::optional<std::string>& prefilter_category = std::nullopt);

}  // namespace keelson::schedule::framework
