#pragma once
// Pod network counters for `keelson monitor` from the kubelet Summary API, read through the API
// server's node proxy (GET /api/v1/nodes/{node}/proxy/stats/summary; RBAC: get nodes/proxy).

#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "kube/client.h"
#include "kube/stats_summary.h"

namespace keelson::app {

/// Reads each node's Summary once per tick. A node whose Summary cannot be read (RBAC forbids
/// nodes/proxy, the kubelet is unreachable, or it is not a real kubelet) is skipped for the next
/// `skip_ticks` ticks, so one slow node does not delay every tick. Not thread-safe.
class KubeletNetworkSource {
 public:
  /// `client` must outlive this object; requests use its transport (retries and timeouts).
  explicit KubeletNetworkSource(const kube::Client& client, int skip_ticks = 10);

  /// Counters by "namespace/name" for the pods on `nodes`. Failures are appended to `errors`
  /// ("network: node n1: ...") and leave those pods without counters.
  std::map<std::string, kube::NetworkCounters> collect(const std::set<std::string>& nodes,
                                                       std::vector<std::string>& errors);

 private:
  const kube::Client& client_;
  int skip_ticks_;
  std::map<std::string, int> skipping_;  ///< Node → ticks left to skip.
};

}  // namespace keelson::app
