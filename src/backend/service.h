#pragma once

// The reference backend's behaviour, independent of HTTP: what each request of the agent
// protocol (docs/protocol.md) and of the operator API does to the storage and what it answers.
// routes.h maps HTTP onto it.

#include <chrono>
#include <cstddef>
#include <memory>
#include <nlohmann/json.hpp>
#include <stop_token>
#include <string>
#include <vector>

#include "backend/action_signal.h"
#include "backend/storage.h"
#include "core/clock.h"

namespace keelson::backend {

/// Settings of a Backend.
struct BackendSettings {
  /// heartbeatIntervalSeconds given to agents at registration (--heartbeat-interval).
  std::chrono::seconds heartbeat_interval{30};
  /// An action's lifetime when the operator gives no ttlSeconds (--action-ttl).
  std::chrono::seconds action_ttl{300};
  /// The config object given to agents (--agent-config); {} by default.
  nlohmann::json agent_config = nlohmann::json::object();
  /// The cap on a long poll's wait, whatever the agent asks.
  std::chrono::seconds max_poll_wait{30};
  /// SECRET_KEY: the HMAC key actions are signed with. Never logged.
  std::string secret_key;
  /// How many recent actions status() lists.
  std::size_t status_actions = 50;
  /// Time of registrations, signatures and long-poll waits; null: core::systemClock().
  std::shared_ptr<const core::Clock> clock;
};

/// What one delivery (a long poll) handed out.
struct Delivery {
  nlohmann::json body;    ///< {"actions": [signed message, ...]}
  std::size_t count = 0;  ///< Number of actions in it.
};

/// Each method takes and returns the JSON bodies of docs/protocol.md. Errors: Error(kBadInput)
/// for a malformed body (400), Error(kNotFound) for an unknown or deregistered agent, or an
/// unknown action (404), and the storage's errors. Thread-safe: every method may run on any
/// server worker at once (the storage serialises its writes).
class Backend {
 public:
  /// A backend over `storage`, which must outlive it.
  Backend(Storage& storage, BackendSettings settings);

  /// POST /v1/agents/register: {clusterId, agentId?, version, hostname, kubernetesVersion,
  /// capabilities} → {agentId, heartbeatIntervalSeconds, config}. Without an agentId (or with
  /// one that is not a UUID: kBadInput) the backend chooses one.
  nlohmann::json registerAgent(const nlohmann::json& body);
  /// POST /v1/agents/{id}/heartbeat → {} or {config} when the config changed since the agent
  /// last got it.
  nlohmann::json heartbeat(const std::string& agent_id, const nlohmann::json& body);
  /// POST /v1/agents/{id}/metrics: {batchId (UUID), sequence (>= 0), items: [...]}. Returns
  /// kAlreadyReceived for a batchId the agent sent before (nothing stored twice).
  BatchOutcome receiveBatch(const std::string& agent_id, const nlohmann::json& body);
  /// GET /v1/agents/{id}/actions?wait=N: the actions for the agent now; when there are none,
  /// waits up to min(`wait`, max_poll_wait) for one to be created (or `stop`, or shutdown())
  /// and looks again. An action is handed out on every poll until it has a result or expires.
  Delivery pollActions(const std::string& agent_id, std::chrono::seconds wait,
                       std::stop_token stop);
  /// The signed messages ({payload, signature}) of the actions for the agent now, without
  /// waiting (what a push over the WebSocket sends). kNotFound for an unknown agent.
  std::vector<nlohmann::json> pendingMessages(const std::string& agent_id);
  /// The generation of created actions (see ActionSignal): read it before pendingMessages, then
  /// waitForActions(generation, ...) misses nothing created in between.
  std::uint64_t actionGeneration() const { return signal_.generation(); }
  /// Waits until an action is created after `seen`, `deadline`, `stop` or shutdown(); true when
  /// one was created.
  bool waitForActions(std::uint64_t seen, core::SteadyTime deadline, std::stop_token stop) const {
    return signal_.waitPast(seen, deadline, std::move(stop));
  }

  /// POST /v1/agents/{id}/actions/{actionId}/result: {status (succeeded | failed | rejected |
  /// dry-run), reason, startedAt, finishedAt, details}. Returns false when a result was stored
  /// before (kept; the call still succeeds). kNotFound when the action is not for the agent's
  /// cluster.
  bool receiveResult(const std::string& agent_id, const std::string& action_id,
                     const nlohmann::json& body);
  /// DELETE /v1/agents/{id}. kNotFound for an agent that never registered.
  void deregister(const std::string& agent_id);

  /// POST /v1/clusters/{clusterId}/actions (action_request.h) → actionDocument of the new,
  /// signed action; wakes the long polls.
  nlohmann::json createAction(const std::string& cluster_id, const nlohmann::json& body);
  /// GET /v1/actions/{id} → actionDocument with state and result.
  nlohmann::json action(const std::string& id);
  /// GET /v1/status → statusDocument.
  nlohmann::json status();
  /// GET /v1/agents/{id}/batches → batchesDocument in sequence order.
  nlohmann::json batches(const std::string& agent_id);
  /// GET /v1/agents/{id}/batches/{batchId} → {agentId, batchId, items: [...]}; kNotFound when
  /// the agent has no such batch.
  nlohmann::json batch(const std::string& agent_id, const std::string& batch_id);

  /// Ends every long poll now and every later one at once (before the server drains).
  void shutdown();

 private:
  AgentRecord registeredAgent(const std::string& agent_id);
  std::vector<nlohmann::json> messagesFor(const AgentRecord& agent);

  Storage& storage_;
  BackendSettings settings_;
  std::string config_text_;  // settings_.agent_config.dump()
  ActionSignal signal_;
};

}  // namespace keelson::backend
