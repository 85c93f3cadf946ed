#pragma once

// What the reference backend (`keelson backend`) keeps, in an embedded SQLite database
// (`<state-dir>/backend.db`): the agents that registered and their last heartbeat, the metric
// batches they sent (each batchId once per agent), the signed actions operators created and
// their state, and the results agents reported.
//
// Durability: WAL mode, synchronous=FULL, one transaction per change (store/sqlite.h's
// openStoreFile); the file is readable by its owner only.
//
// Schema (version 1, in PRAGMA user_version):
//   agents(agent_id TEXT PRIMARY KEY, cluster_id, version, hostname, kubernetes_version,
//          capabilities TEXT (JSON array), registered_ms, last_heartbeat_ms NULL,
//          last_heartbeat TEXT NULL (the body as received, JSON), config_sent TEXT (JSON),
//          deregistered INTEGER (0/1))
//   batches(agent_id, batch_id, sequence, item_count, items TEXT (JSON array), received_ms,
//           PRIMARY KEY(agent_id, batch_id)), index batches_by_sequence(agent_id, sequence)
//   actions(id TEXT PRIMARY KEY, cluster_id, agent_id NULL, verb, target TEXT (JSON),
//           params TEXT (JSON), message TEXT (the signed message, JSON), created_ms, expires_ms,
//           delivered_ms NULL, state TEXT: queued | delivered | done | expired)
//   results(action_id TEXT PRIMARY KEY, status, reason, started_at, finished_at, details TEXT
//           (JSON), received_ms)
// Times are Unix epoch milliseconds (UTC) from the clock's wallNow().

#include <cstdint>
#include <filesystem>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/clock.h"

namespace keelson::backend {

/// One registered agent.
struct AgentRecord {
  std::string agent_id;            ///< The agent's UUID (its own, or given at registration).
  std::string cluster_id;          ///< The cluster it runs in (its CLUSTER_ID).
  std::string version;             ///< keelson's version in the agent, e.g. "v0.1.0".
  std::string hostname;            ///< The agent's host (pod) name.
  std::string kubernetes_version;  ///< The cluster's version as the agent saw it.
  nlohmann::json capabilities = nlohmann::json::array();  ///< Verbs its local policy allows.
  std::int64_t registered_ms = 0;                         ///< Its last registration.
  std::optional<std::int64_t> last_heartbeat_ms;          ///< Its last heartbeat, if any.
  /// The last heartbeat's body as received (component health, resource use, outbox stats);
  /// an empty object before the first.
  nlohmann::json last_heartbeat = nlohmann::json::object();
  std::string config_sent = "{}";     ///< The config (JSON text) the agent was last given.
  bool deregistered = false;          ///< True after DELETE /v1/agents/{id} until it registers.
  std::int64_t batches_received = 0;  ///< Distinct metric batches stored for it (read only).
};

/// One metric batch as stored (without its items).
struct BatchRecord {
  std::string batch_id;         ///< The agent's UUID for the batch.
  std::int64_t sequence = 0;    ///< The agent's sequence number of the batch.
  std::int64_t item_count = 0;  ///< Number of items in the batch.
  std::int64_t received_ms = 0;
};

/// What addBatch did.
enum class BatchOutcome {
  kStored,           ///< A new batch: stored.
  kAlreadyReceived,  ///< The agent sent this batchId before: nothing changed.
};

/// Where an action is in its life.
enum class ActionState {
  kQueued,     ///< Created, not yet handed to an agent.
  kDelivered,  ///< Handed to an agent at least once; handed again on each poll until done.
  kDone,       ///< A result arrived.
  kExpired,    ///< expires_ms passed without a result.
};

/// "queued", "delivered", "done", "expired".
std::string_view actionStateName(ActionState state) noexcept;

/// An agent's report on one action (docs/protocol.md, "Action results").
struct ActionResultRecord {
  std::string status;       ///< succeeded, failed, rejected or dry-run.
  std::string reason;       ///< Why (may be empty).
  std::string started_at;   ///< RFC 3339 as the agent sent it (may be empty).
  std::string finished_at;  ///< RFC 3339 as the agent sent it (may be empty).
  nlohmann::json details = nlohmann::json::object();  ///< The actuator's result document.
  std::int64_t received_ms = 0;                       ///< Set by addResult.
};

/// One action an operator created.
struct ActionRecord {
  std::string id;                       ///< The payload's id (UUID).
  std::string cluster_id;               ///< The cluster it is for.
  std::optional<std::string> agent_id;  ///< The one agent it is for; nullopt: any of the cluster.
  std::string verb;
  nlohmann::json target = nlohmann::json::object();  ///< {kind, namespace?, name}
  nlohmann::json params = nlohmann::json::object();
  std::string message;  ///< The signed message {"payload", "signature"} as JSON text.
  std::int64_t created_ms = 0;
  std::int64_t expires_ms = 0;
  std::optional<std::int64_t> delivered_ms;  ///< The first delivery, if any.
  ActionState state = ActionState::kQueued;
  std::optional<ActionResultRecord> result;  ///< Filled by the readers when a result arrived.
};

/// Options of Storage::open.
struct StorageOptions {
  /// Where timestamps come from (wallNow()); null: core::systemClock().
  std::shared_ptr<const core::Clock> clock;
};

/// The backend's database. Every method is one transaction and throws keelson::Error as
/// store/sqlite.h says (kUnavailable for a busy or failing disk), besides the errors named.
/// Thread-safe: one mutex serialises every call.
class Storage {
 public:
  /// Opens (creating when absent, with its directories) the database at `path`. Throws
  /// Error(kBadInput) when the file is not a backend database.
  static Storage open(const std::filesystem::path& path, StorageOptions options = {});

  Storage(Storage&&) noexcept;
  Storage& operator=(Storage&&) noexcept;
  ~Storage();

  /// Registers `agent` (or registers it again: its fields are replaced, deregistered cleared,
  /// registered_ms set to now, its heartbeat and batches kept).
  void registerAgent(const AgentRecord& agent);
  /// The agent `agent_id`, deregistered or not; nullopt when it never registered.
  std::optional<AgentRecord> agent(const std::string& agent_id);
  /// Every agent, by cluster and then registration time.
  std::vector<AgentRecord> agents();
  /// Records a heartbeat now with its body. Throws Error(kNotFound) when the agent is not
  /// registered (never, or deregistered).
  void recordHeartbeat(const std::string& agent_id, const nlohmann::json& body);
  /// Remembers the config (JSON text) the agent was given.
  void setConfigSent(const std::string& agent_id, const std::string& config_text);
  /// Marks the agent deregistered. Returns false when it never registered.
  bool deregisterAgent(const std::string& agent_id);

  /// Stores a metric batch of `agent_id` unless its batch_id was stored for the agent before.
  /// `items` must be a JSON array (Error(kBadInput) otherwise).
  BatchOutcome addBatch(const std::string& agent_id, const std::string& batch_id,
                        std::int64_t sequence, const nlohmann::json& items);
  /// The agent's batches in sequence order (then arrival order).
  std::vector<BatchRecord> batches(const std::string& agent_id);
  /// The items (a JSON array, as text) of the agent's batch `batch_id`; nullopt when there is
  /// no such batch.
  std::optional<std::string> batchItems(const std::string& agent_id, const std::string& batch_id);

  /// Stores a new action (state queued). Throws Error(kConflict) when the id exists.
  void addAction(const ActionRecord& action);
  /// The actions an agent of `cluster_id` with id `agent_id` is to run now: queued or
  /// delivered, not expired, for the cluster and for any agent or this one, oldest first. They
  /// are marked delivered (delivered_ms: the first time). Actions past expires_ms become expired
  /// first.
  std::vector<ActionRecord> deliverActions(const std::string& cluster_id,
                                           const std::string& agent_id);
  /// The action `id` with its result; nullopt when there is none.
  std::optional<ActionRecord> action(const std::string& id);
  /// The `limit` most recent actions, newest first, with their results.
  std::vector<ActionRecord> recentActions(std::size_t limit);
  /// Stores the result of action `action_id` and marks it done. Returns false when it already
  /// had one (the first is kept: results are resent until acknowledged). Throws
  /// Error(kNotFound) when there is no such action.
  bool addResult(const std::string& action_id, const ActionResultRecord& result);

 private:
  struct Impl;
  explicit Storage(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace keelson::backend
