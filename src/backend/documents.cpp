#include "backend/documents.h"

#include <map>

#include "kube/objects.h"

namespace keelson::backend {
namespace {

using nlohmann::json;

std::string formatMs(std::int64_t epoch_ms) {
  return kube::formatTimeMillis(kube::Time(std::chrono::milliseconds(epoch_ms)));
}

}  // namespace

json actionDocument(const ActionRecord& action) {
  json doc = {{"id", action.id},
              {"clusterId", action.cluster_id},
              {"verb", action.verb},
              {"target", action.target},
              {"params", action.params},
              {"state", actionStateName(action.state)},
              {"createdAt", formatMs(action.created_ms)},
              {"expiresAt", formatMs(action.expires_ms)}};
  if (action.agent_id) doc["agentId"] = *action.agent_id;
  if (action.delivered_ms) doc["deliveredAt"] = formatMs(*action.delivered_ms);
  if (action.result) {
    const ActionResultRecord& r = *action.result;
    doc["result"] = {{"status", r.status},        {"reason", r.reason},
                     {"startedAt", r.started_at}, {"finishedAt", r.finished_at},
                     {"details", r.details},      {"receivedAt", formatMs(r.received_ms)}};
  }
  return doc;
}

std::string agentHealth(const AgentRecord& agent, core::WallTime now,
                        std::chrono::seconds heartbeat_interval) {
  if (agent.deregistered) return "deregistered";
  if (!agent.last_heartbeat_ms) return "registered";
  const auto last = core::WallTime(std::chrono::milliseconds(*agent.last_heartbeat_ms));
  return now - last > 3 * heartbeat_interval ? "stale" : "healthy";
}

json agentDocument(const AgentRecord& agent, core::WallTime now,
                   std::chrono::seconds heartbeat_interval) {
  json doc = {{"agentId", agent.agent_id},
              {"clusterId", agent.cluster_id},
              {"version", agent.version},
              {"hostname", agent.hostname},
              {"kubernetesVersion", agent.kubernetes_version},
              {"capabilities", agent.capabilities},
              {"registeredAt", formatMs(agent.registered_ms)},
              {"health", agentHealth(agent, now, heartbeat_interval)},
              {"outbox", agent.last_heartbeat.value("outbox", json())},
              {"lastHeartbeat", agent.last_heartbeat},
              {"batchesReceived", agent.batches_received}};
  if (agent.last_heartbeat_ms) doc["lastHeartbeatAt"] = formatMs(*agent.last_heartbeat_ms);
  return doc;
}

json statusDocument(const std::vector<AgentRecord>& agents,
                    const std::vector<ActionRecord>& actions, core::WallTime now,
                    std::chrono::seconds heartbeat_interval) {
  std::map<std::string, json> clusters;
  for (const AgentRecord& agent : agents) {
    json& cluster = clusters[agent.cluster_id];
    if (cluster.is_null()) cluster = {{"clusterId", agent.cluster_id}, {"agents", json::array()}};
    cluster["agents"].push_back(agentDocument(agent, now, heartbeat_interval));
  }
  json doc = {{"clusters", json::array()}, {"actions", json::array()}};
  for (auto& [id, cluster] : clusters) doc["clusters"].push_back(std::move(cluster));
  for (const ActionRecord& action : actions) doc["actions"].push_back(actionDocument(action));
  return doc;
}

json batchesDocument(const std::string& agent_id, const std::vector<BatchRecord>& batches) {
  json list = json::array();
  for (const BatchRecord& batch : batches) {
    list.push_back({{"batchId", batch.batch_id},
                    {"sequence", batch.sequence},
                    {"items", batch.item_count},
                    {"receivedAt", formatMs(batch.received_ms)}});
  }
  return {{"agentId", agent_id}, {"batches", std::move(list)}};
}

}  // namespace keelson::backend
