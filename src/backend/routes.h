#pragma once

// The reference backend's HTTP routes: the agent protocol of docs/protocol.md (API key) and the
// operator API (operator token). Bodies are plain JSON (no envelope); a failure of the backend
// is {"error": "<message>"} with the status of server::httpStatusFor (400 bad body, 404 unknown
// agent or action, 409, 503 with Retry-After). 401 and 403 come from the server's access check.
//
// Agent routes (Audience::kAgent):
//   POST   /v1/agents/register                          → 200 {agentId, heartbeatIntervalSeconds,
//                                                          config}
//   POST   /v1/agents/{agentId}/heartbeat               → 200 {} or {config}
//   POST   /v1/agents/{agentId}/metrics                 → 200 {alreadyReceived}
//   GET    /v1/agents/{agentId}/actions?wait=SECONDS    → 200 {actions: [signed message...]}
//   POST   /v1/agents/{agentId}/actions/{actionId}/result → 200 {alreadyReceived}
//   DELETE /v1/agents/{agentId}                         → 200 {}
// Operator routes (Audience::kOperator):
//   POST   /v1/clusters/{clusterId}/actions             → 201 the action (documents.h)
//   GET    /v1/actions/{id}                             → 200 the action with state and result
//   GET    /v1/status                                   → 200 clusters, agents, recent actions
//   GET    /v1/agents/{agentId}/batches                 → 200 {agentId, batches}
//
// Series (in `registry`): keelson_backend_batches_received_total,
// keelson_backend_batches_duplicate_total, keelson_backend_actions_created_total,
// keelson_backend_actions_delivered_total (actions handed out, counting each redelivery),
// keelson_backend_results_received_total.

#include "backend/service.h"
#include "server/metrics.h"
#include "server/server.h"

namespace keelson::backend {

/// Adds the routes above to `router`, calling `backend` (which must outlive the server).
/// Throws Error(kBadInput) when a route is already taken.
void addBackendRoutes(server::Router& router, Backend& backend, server::Registry& registry);

}  // namespace keelson::backend
