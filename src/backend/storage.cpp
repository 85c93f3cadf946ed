#include "backend/storage.h"

#include <fmt/format.h>
#include <sqlite3.h>

#include <algorithm>
#include <chrono>
#include <functional>
#include <limits>
#include <mutex>
#include <utility>

#include "core/error.h"
#include "store/sqlite.h"

namespace keelson::backend {
namespace {

namespace sqlite = store::sqlite;
using nlohmann::json;

constexpr int kSchemaVersion = 1;

constexpr std::string_view kSchemaV1 = R"sql(
CREATE TABLE agents (
  agent_id TEXT PRIMARY KEY,
  cluster_id TEXT NOT NULL,
  version TEXT NOT NULL,
  hostname TEXT NOT NULL,
  kubernetes_version TEXT NOT NULL,
  capabilities TEXT NOT NULL,
  registered_ms INTEGER NOT NULL,
  last_heartbeat_ms INTEGER,
  last_heartbeat TEXT,
  config_sent TEXT NOT NULL,
  deregistered INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE batches (
  agent_id TEXT NOT NULL,
  batch_id TEXT NOT NULL,
  sequence INTEGER NOT NULL,
  item_count INTEGER NOT NULL,
  items TEXT NOT NULL,
  received_ms INTEGER NOT NULL,
  PRIMARY KEY (agent_id, batch_id)
);
CREATE INDEX batches_by_sequence ON batches(agent_id, sequence);
CREATE TABLE actions (
  id TEXT PRIMARY KEY,
  cluster_id TEXT NOT NULL,
  agent_id TEXT,
  verb TEXT NOT NULL,
  target TEXT NOT NULL,
  params TEXT NOT NULL,
  message TEXT NOT NULL,
  created_ms INTEGER NOT NULL,
  expires_ms INTEGER NOT NULL,
  delivered_ms INTEGER,
  state TEXT NOT NULL
);
CREATE INDEX actions_by_cluster ON actions(cluster_id, state);
CREATE TABLE results (
  action_id TEXT PRIMARY KEY,
  status TEXT NOT NULL,
  reason TEXT NOT NULL,
  started_at TEXT NOT NULL,
  finished_at TEXT NOT NULL,
  details TEXT NOT NULL,
  received_ms INTEGER NOT NULL
);
)sql";

constexpr std::string_view kAgentColumns =
    "a.agent_id, a.cluster_id, a.version, a.hostname, a.kubernetes_version, a.capabilities, "
    "a.registered_ms, a.last_heartbeat_ms, a.last_heartbeat, a.config_sent, a.deregistered, "
    "(SELECT count(*) FROM batches b WHERE b.agent_id = a.agent_id)";

constexpr std::string_view kActionColumns =
    "a.id, a.cluster_id, a.agent_id, a.verb, a.target, a.params, a.message, a.created_ms, "
    "a.expires_ms, a.delivered_ms, a.state, r.status, r.reason, r.started_at, r.finished_at, "
    "r.details, r.received_ms";

ActionState parseState(std::string_view text) {
  if (text == "queued") return ActionState::kQueued;
  if (text == "delivered") return ActionState::kDelivered;
  if (text == "done") return ActionState::kDone;
  if (text == "expired") return ActionState::kExpired;
  throw Error(ErrorCode::kInternal,
              fmt::format("backend database: unknown action state \"{}\"", text));
}

// Rows the last INSERT, UPDATE or DELETE on `db` changed.
int changedRows(sqlite::Database& db) { return sqlite3_changes(db.handle()); }

std::optional<std::int64_t> optionalInt(const sqlite::Statement& stmt, int column) {
  if (stmt.columnIsNull(column)) return std::nullopt;
  return stmt.columnInt(column);
}

AgentRecord readAgent(const sqlite::Statement& stmt) {
  AgentRecord agent;
  agent.agent_id = stmt.columnText(0);
  agent.cluster_id = stmt.columnText(1);
  agent.version = stmt.columnText(2);
  agent.hostname = stmt.columnText(3);
  agent.kubernetes_version = stmt.columnText(4);
  agent.capabilities = json::parse(stmt.columnText(5));
  agent.registered_ms = stmt.columnInt(6);
  agent.last_heartbeat_ms = optionalInt(stmt, 7);
  if (!stmt.columnIsNull(8)) agent.last_heartbeat = json::parse(stmt.columnText(8));
  agent.config_sent = stmt.columnText(9);
  agent.deregistered = stmt.columnInt(10) != 0;
  agent.batches_received = stmt.columnInt(11);
  return agent;
}

ActionRecord readAction(const sqlite::Statement& stmt) {
  ActionRecord action;
  action.id = stmt.columnText(0);
  action.cluster_id = stmt.columnText(1);
  if (!stmt.columnIsNull(2)) action.agent_id = stmt.columnText(2);
  action.verb = stmt.columnText(3);
  action.target = json::parse(stmt.columnText(4));
  action.params = json::parse(stmt.columnText(5));
  action.message = stmt.columnText(6);
  action.created_ms = stmt.columnInt(7);
  action.expires_ms = stmt.columnInt(8);
  action.delivered_ms = optionalInt(stmt, 9);
  action.state = parseState(stmt.columnText(10));
  if (!stmt.columnIsNull(11)) {
    action.result = ActionResultRecord{.status = stmt.columnText(11),
                                       .reason = stmt.columnText(12),
                                       .started_at = stmt.columnText(13),
                                       .finished_at = stmt.columnText(14),
                                       .details = json::parse(stmt.columnText(15)),
                                       .received_ms = stmt.columnInt(16)};
  }
  return action;
}

}  // namespace

std::string_view actionStateName(ActionState state) noexcept {
  switch (state) {
    case ActionState::kQueued:
      return "queued";
    case ActionState::kDelivered:
      return "delivered";
    case ActionState::kDone:
      return "done";
    case ActionState::kExpired:
      return "expired";
  }
  return "unknown";
}

struct Storage::Impl {
  Impl(std::filesystem::path p, std::shared_ptr<const core::Clock> c, sqlite::Database d)
      : path(std::move(p)), clock(c ? std::move(c) : core::systemClock()), db(std::move(d)) {}

  std::filesystem::path path;
  std::shared_ptr<const core::Clock> clock;
  std::mutex mutex;
  sqlite::Database db;

  std::int64_t nowMs() const {
    return std::chrono::duration_cast<std::chrono::milliseconds>(
               clock->wallNow().time_since_epoch())
        .count();
  }

  // Actions past their expiry without a result become expired (in the caller's transaction).
  void expireActions() {
    db.prepare(
          "UPDATE actions SET state = 'expired' WHERE state IN ('queued', 'delivered') AND "
          "expires_ms <= ?1")
        .bind(1, nowMs())
        .run();
  }

  std::vector<ActionRecord> selectActions(std::string_view where_and_order,
                                          const std::function<void(sqlite::Statement&)>& bind) {
    sqlite::Statement stmt = db.prepare(
        fmt::format("SELECT {} FROM actions a LEFT JOIN results r ON r.action_id = a.id {}",
                    kActionColumns, where_and_order));
    bind(stmt);
    std::vector<ActionRecord> actions;
    while (stmt.step()) actions.push_back(readAction(stmt));
    return actions;
  }

  std::vector<AgentRecord> selectAgents(std::string_view where_and_order,
                                        const std::function<void(sqlite::Statement&)>& bind) {
    sqlite::Statement stmt =
        db.prepare(fmt::format("SELECT {} FROM agents a {}", kAgentColumns, where_and_order));
    bind(stmt);
    std::vector<AgentRecord> agents;
    while (stmt.step()) agents.push_back(readAgent(stmt));
    return agents;
  }
};

Storage::Storage(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Storage::Storage(Storage&&) noexcept = default;
Storage& Storage::operator=(Storage&&) noexcept = default;
Storage::~Storage() = default;

Storage Storage::open(const std::filesystem::path& path, StorageOptions options) {
  const sqlite::StoreFile file{.kind = "backend",
                               .schema_version = kSchemaVersion,
                               .schema_sql = kSchemaV1,
                               .table = "actions",
                               .missing_hint = "",
                               .owner_only = true,
                               .migrate = {}};
  return Storage(
      std::make_unique<Impl>(path, std::move(options.clock), sqlite::openStoreFile(path, file)));
}

void Storage::registerAgent(const AgentRecord& agent) {
  const std::lock_guard lock(impl_->mutex);
  sqlite::Transaction tx(impl_->db);
  const std::string capabilities = agent.capabilities.dump();
  impl_->db
      .prepare(
          "INSERT INTO agents (agent_id, cluster_id, version, hostname, kubernetes_version, "
          "capabilities, registered_ms, config_sent, deregistered) "
          "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, 0) "
          "ON CONFLICT (agent_id) DO UPDATE SET cluster_id = ?2, version = ?3, hostname = ?4, "
          "kubernetes_version = ?5, capabilities = ?6, registered_ms = ?7, config_sent = ?8, "
          "deregistered = 0")
      .bind(1, agent.agent_id)
      .bind(2, agent.cluster_id)
      .bind(3, agent.version)
      .bind(4, agent.hostname)
      .bind(5, agent.kubernetes_version)
      .bind(6, capabilities)
      .bind(7, impl_->nowMs())
      .bind(8, agent.config_sent)
      .run();
  tx.commit();
}

std::optional<AgentRecord> Storage::agent(const std::string& agent_id) {
  const std::lock_guard lock(impl_->mutex);
  auto agents = impl_->selectAgents("WHERE a.agent_id = ?1",
                                    [&](sqlite::Statement& s) { s.bind(1, agent_id); });
  if (agents.empty()) return std::nullopt;
  return std::move(agents.front());
}

std::vector<AgentRecord> Storage::agents() {
  const std::lock_guard lock(impl_->mutex);
  return impl_->selectAgents("ORDER BY a.cluster_id, a.registered_ms, a.agent_id",
                             [](sqlite::Statement&) {});
}

void Storage::recordHeartbeat(const std::string& agent_id, const json& body) {
  const std::lock_guard lock(impl_->mutex);
  sqlite::Transaction tx(impl_->db);
  const std::string text = body.dump();
  impl_->db
      .prepare(
          "UPDATE agents SET last_heartbeat_ms = ?2, last_heartbeat = ?3 "
          "WHERE agent_id = ?1 AND deregistered = 0")
      .bind(1, agent_id)
      .bind(2, impl_->nowMs())
      .bind(3, text)
      .run();
  if (changedRows(impl_->db) == 0) {
    throw Error(ErrorCode::kNotFound, fmt::format("agent \"{}\" is not registered", agent_id));
  }
  tx.commit();
}

void Storage::setConfigSent(const std::string& agent_id, const std::string& config_text) {
  const std::lock_guard lock(impl_->mutex);
  sqlite::Transaction tx(impl_->db);
  impl_->db.prepare("UPDATE agents SET config_sent = ?2 WHERE agent_id = ?1")
      .bind(1, agent_id)
      .bind(2, config_text)
      .run();
  tx.commit();
}

bool Storage::deregisterAgent(const std::string& agent_id) {
  const std::lock_guard lock(impl_->mutex);
  sqlite::Transaction tx(impl_->db);
  impl_->db.prepare("UPDATE agents SET deregistered = 1 WHERE agent_id = ?1")
      .bind(1, agent_id)
      .run();
  const bool found = changedRows(impl_->db) > 0;
  tx.commit();
  return found;
}

BatchOutcome Storage::addBatch(const std::string& agent_id, const std::string& batch_id,
                               std::int64_t sequence, const json& items) {
  if (!items.is_array()) {
    throw Error(ErrorCode::kBadInput,
                fmt::format("batch \"{}\": items must be a JSON array", batch_id));
  }
  const std::string text = items.dump();
  const std::lock_guard lock(impl_->mutex);
  sqlite::Transaction tx(impl_->db);
  impl_->db
      .prepare(
          "INSERT INTO batches (agent_id, batch_id, sequence, item_count, items, received_ms) "
          "VALUES (?1, ?2, ?3, ?4, ?5, ?6) ON CONFLICT (agent_id, batch_id) DO NOTHING")
      .bind(1, agent_id)
      .bind(2, batch_id)
      .bind(3, sequence)
      .bind(4, static_cast<std::int64_t>(items.size()))
      .bind(5, text)
      .bind(6, impl_->nowMs())
      .run();
  const bool stored = changedRows(impl_->db) > 0;
  tx.commit();
  return stored ? BatchOutcome::kStored : BatchOutcome::kAlreadyReceived;
}

std::vector<BatchRecord> Storage::batches(const std::string& agent_id) {
  const std::lock_guard lock(impl_->mutex);
  sqlite::Statement stmt = impl_->db.prepare(
      "SELECT batch_id, sequence, item_count, received_ms FROM batches WHERE agent_id = ?1 "
      "ORDER BY sequence, rowid");
  stmt.bind(1, agent_id);
  std::vector<BatchRecord> batches;
  while (stmt.step()) {
    batches.push_back({.batch_id = stmt.columnText(0),
                       .sequence = stmt.columnInt(1),
                       .item_count = stmt.columnInt(2),
                       .received_ms = stmt.columnInt(3)});
  }
  return batches;
}

std::optional<std::string> Storage::batchItems(const std::string& agent_id,
                                               const std::string& batch_id) {
  const std::lock_guard lock(impl_->mutex);
  sqlite::Statement stmt =
      impl_->db.prepare("SELECT items FROM batches WHERE agent_id = ?1 AND batch_id = ?2");
  stmt.bind(1, agent_id).bind(2, batch_id);
  if (!stmt.step()) return std::nullopt;
  return stmt.columnText(0);
}

void Storage::addAction(const ActionRecord& action) {
  const std::string target = action.target.dump();
  const std::string params = action.params.dump();
  const std::lock_guard lock(impl_->mutex);
  sqlite::Transaction tx(impl_->db);
  sqlite::Statement insert = impl_->db.prepare(
      "INSERT INTO actions (id, cluster_id, agent_id, verb, target, params, message, created_ms, "
      "expires_ms, state) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, 'queued') "
      "ON CONFLICT (id) DO NOTHING");
  insert.bind(1, action.id).bind(2, action.cluster_id);
  if (action.agent_id) insert.bind(3, *action.agent_id);  // else NULL
  insert.bind(4, action.verb)
      .bind(5, target)
      .bind(6, params)
      .bind(7, action.message)
      .bind(8, action.created_ms)
      .bind(9, action.expires_ms)
      .run();
  if (changedRows(impl_->db) == 0) {
    throw Error(ErrorCode::kConflict, fmt::format("action \"{}\" exists", action.id));
  }
  tx.commit();
}

std::vector<ActionRecord> Storage::deliverActions(const std::string& cluster_id,
                                                  const std::string& agent_id) {
  const std::lock_guard lock(impl_->mutex);
  sqlite::Transaction tx(impl_->db);
  impl_->expireActions();
  const std::int64_t now = impl_->nowMs();
  impl_->db
      .prepare(
          "UPDATE actions SET state = 'delivered', delivered_ms = coalesce(delivered_ms, ?3) "
          "WHERE cluster_id = ?1 AND (agent_id IS NULL OR agent_id = ?2) AND "
          "state IN ('queued', 'delivered')")
      .bind(1, cluster_id)
      .bind(2, agent_id)
      .bind(3, now)
      .run();
  auto actions = impl_->selectActions(
      "WHERE a.cluster_id = ?1 AND (a.agent_id IS NULL OR a.agent_id = ?2) AND "
      "a.state = 'delivered' ORDER BY a.created_ms, a.rowid",
      [&](sqlite::Statement& s) { s.bind(1, cluster_id).bind(2, agent_id); });
  tx.commit();
  return actions;
}

std::optional<ActionRecord> Storage::action(const std::string& id) {
  const std::lock_guard lock(impl_->mutex);
  sqlite::Transaction tx(impl_->db);
  impl_->expireActions();
  auto actions =
      impl_->selectActions("WHERE a.id = ?1", [&](sqlite::Statement& s) { s.bind(1, id); });
  tx.commit();
  if (actions.empty()) return std::nullopt;
  return std::move(actions.front());
}

std::vector<ActionRecord> Storage::recentActions(std::size_t limit) {
  constexpr auto kMax = static_cast<std::size_t>(std::numeric_limits<std::int64_t>::max());
  const auto bound = static_cast<std::int64_t>(std::min(limit, kMax));
  const std::lock_guard lock(impl_->mutex);
  sqlite::Transaction tx(impl_->db);
  impl_->expireActions();
  auto actions = impl_->selectActions("ORDER BY a.created_ms DESC, a.rowid DESC LIMIT ?1",
                                      [&](sqlite::Statement& s) { s.bind(1, bound); });
  tx.commit();
  return actions;
}

bool Storage::addResult(const std::string& action_id, const ActionResultRecord& result) {
  const std::string details = result.details.dump();
  const std::lock_guard lock(impl_->mutex);
  sqlite::Transaction tx(impl_->db);
  sqlite::Statement find = impl_->db.prepare("SELECT 1 FROM actions WHERE id = ?1");
  find.bind(1, action_id);
  if (!find.step()) {
    throw Error(ErrorCode::kNotFound, fmt::format("action \"{}\" not found", action_id));
  }
  find.reset();
  impl_->db
      .prepare(
          "INSERT INTO results (action_id, status, reason, started_at, finished_at, details, "
          "received_ms) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) ON CONFLICT (action_id) DO NOTHING")
      .bind(1, action_id)
      .bind(2, result.status)
      .bind(3, result.reason)
      .bind(4, result.started_at)
      .bind(5, result.finished_at)
      .bind(6, details)
      .bind(7, impl_->nowMs())
      .run();
  const bool stored = changedRows(impl_->db) > 0;
  if (stored) {
    impl_->db.prepare("UPDATE actions SET state = 'done' WHERE id = ?1").bind(1, action_id).run();
  }
  tx.commit();
  return stored;
}

}  // namespace keelson::backend
