#include "app/monitor_network.h"

#include "core/error.h"
#include "kube/decode.h"

namespace keelson::app {

KubeletNetworkSource::KubeletNetworkSource(const kube::Client& client, int skip_ticks)
    : client_(client), skip_ticks_(skip_ticks) {}

std::map<std::string, kube::NetworkCounters> KubeletNetworkSource::collect(
    const std::set<std::string>& nodes, std::vector<std::string>& errors) {
  std::map<std::string, kube::NetworkCounters> out;
  for (const auto& node : nodes) {
    if (auto it = skipping_.find(node); it != skipping_.end()) {
      if (--it->second > 0) continue;
      skipping_.erase(it);
    }
    try {
      const auto summary = kube::decodeObject<kube::StatsSummary>(
          client_.get("/api/v1/nodes/" + node + "/proxy/stats/summary"));
      for (const auto& pod : summary.pods) {
        if (pod.network) out[pod.namespace_name + "/" + pod.name] = *pod.network;
      }
    } catch (const Error& e) {
      skipping_[node] = skip_ticks_;
      errors.push_back("network: node " + node + ": kubelet Summary API: " + e.what());
    }
  }
  return out;
}

}  // namespace keelson::app
