#pragma once

// The JSON documents the backend's operator API answers with. Pure: values in, JSON out.
// Timestamps are RFC 3339 UTC with milliseconds ("2026-12-04T10:00:00.000Z").

#include <chrono>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "backend/storage.h"
#include "core/clock.h"

namespace keelson::backend {

/// {id, clusterId, agentId?, verb, target, params, state, createdAt, expiresAt, deliveredAt?,
///  result?: {status, reason, startedAt, finishedAt, details, receivedAt}}.
nlohmann::json actionDocument(const ActionRecord& action);

/// An agent's health as the backend sees it: "deregistered"; "registered" (no heartbeat yet);
/// "stale" (no heartbeat for more than 3 heartbeat intervals); else "healthy".
std::string agentHealth(const AgentRecord& agent, core::WallTime now,
                        std::chrono::seconds heartbeat_interval);

/// {agentId, clusterId, version, hostname, kubernetesVersion, capabilities, registeredAt,
///  lastHeartbeatAt?, health (agentHealth), outbox (the last heartbeat's "outbox", or null),
///  lastHeartbeat (its whole body), batchesReceived}.
nlohmann::json agentDocument(const AgentRecord& agent, core::WallTime now,
                             std::chrono::seconds heartbeat_interval);

/// {clusters: [{clusterId, agents: [agentDocument...]}] (clusters by id, in `agents`' order),
///  actions: [actionDocument...] (as given: newest first)}.
nlohmann::json statusDocument(const std::vector<AgentRecord>& agents,
                              const std::vector<ActionRecord>& actions, core::WallTime now,
                              std::chrono::seconds heartbeat_interval);

/// {agentId, batches: [{batchId, sequence, items (the count), receivedAt}]} in the given order.
nlohmann::json batchesDocument(const std::string& agent_id,
                               const std::vector<BatchRecord>& batches);

}  // namespace keelson::backend
