#include "store/agent_state.h"

#include <fmt/format.h>
#include <sqlite3.h>

#include <cstdint>
#include <limits>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string_view>
#include <utility>

#include "core/error.h"
#include "core/uuid.h"
#include "store/sqlite.h"

namespace keelson::store {
namespace {

// The outbox's items come last in its rows: a large batch spills to overflow pages, and the sums
// of `bytes` each append() makes then read only the first page of each row.
constexpr std::string_view kAgentSchemaV1 = R"sql(
CREATE TABLE meta (
  key TEXT PRIMARY KEY,
  value
);
CREATE TABLE outbox (
  sequence INTEGER PRIMARY KEY AUTOINCREMENT,
  batch_id TEXT NOT NULL UNIQUE,
  bytes INTEGER NOT NULL,
  created_ms INTEGER NOT NULL,
  items TEXT NOT NULL
);
CREATE TABLE seen (
  kind TEXT NOT NULL,
  value TEXT NOT NULL,
  keep_until_ms INTEGER NOT NULL,
  PRIMARY KEY (kind, value)
) WITHOUT ROWID;
CREATE INDEX seen_by_expiry ON seen(keep_until_ms);
CREATE TABLE results (
  action_id TEXT PRIMARY KEY,
  result TEXT NOT NULL,
  saved_ms INTEGER NOT NULL,
  acknowledged_ms INTEGER
);
)sql";

constexpr std::string_view kAgentIdKey = "agent_id";
constexpr std::string_view kDroppedBatchesKey = "dropped_batches";
constexpr std::string_view kDroppedBytesKey = "dropped_bytes";

sqlite::StoreFile agentStoreFile(std::chrono::milliseconds busy_timeout) {
  return {.kind = "agent",
          .schema_version = AgentState::kSchemaVersion,
          .schema_sql = kAgentSchemaV1,
          .table = "outbox",
          .busy_timeout = busy_timeout,
          .missing_hint = "",
          .owner_only = true,
          .migrate = {}};
}

// Resets a statement (ending its read) however the scope is left.
class ResetOnExit {
 public:
  explicit ResetOnExit(sqlite::Statement& stmt) : stmt_(stmt) {}
  ResetOnExit(const ResetOnExit&) = delete;
  ResetOnExit& operator=(const ResetOnExit&) = delete;
  ~ResetOnExit() { stmt_.reset(); }

 private:
  sqlite::Statement& stmt_;
};

bool isJsonSpace(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

// Whether `text` is one JSON array (SAX parse: no document is built).
bool isJsonArray(std::string_view text) {
  std::size_t i = 0;
  while (i < text.size() && isJsonSpace(text[i])) ++i;
  return i < text.size() && text[i] == '[' && nlohmann::json::accept(text);
}

}  // namespace

struct AgentState::Impl {
  Impl(std::filesystem::path p, AgentStateOptions o, sqlite::Database d)
      : path(std::move(p)), options(std::move(o)), db(std::move(d)) {
    if (!options.clock) options.clock = core::systemClock();
  }

  std::filesystem::path path;
  AgentStateOptions options;
  mutable std::mutex mutex;
  sqlite::Database db;  // declared before the statements: destroyed after them
  std::optional<sqlite::Statement> get_meta;
  std::optional<sqlite::Statement> set_meta;
  std::optional<sqlite::Statement> insert_batch;
  std::optional<sqlite::Statement> delete_batch;
  std::optional<sqlite::Statement> oldest_batches;
  std::optional<sqlite::Statement> delete_batches_through;
  std::optional<sqlite::Statement> outbox_totals;
  std::optional<sqlite::Statement> peek_batches;
  std::optional<sqlite::Statement> find_seen;
  std::optional<sqlite::Statement> insert_seen;

  [[noreturn]] void fail(ErrorCode code, std::string_view what) const {
    throw Error(code, fmt::format("agent {}: {}", path.string(), what));
  }

  std::int64_t nowMs() const {
    return std::chrono::duration_cast<std::chrono::milliseconds>(
               options.clock->wallNow().time_since_epoch())
        .count();
  }

  void prepare() {
    get_meta = db.prepare("SELECT value FROM meta WHERE key = ?1");
    set_meta = db.prepare("INSERT OR REPLACE INTO meta (key, value) VALUES (?1, ?2)");
    insert_batch = db.prepare(
        "INSERT INTO outbox (batch_id, items, bytes, created_ms) VALUES (?1, ?2, ?3, ?4)");
    delete_batch = db.prepare("DELETE FROM outbox WHERE sequence = ?1");
    oldest_batches = db.prepare("SELECT sequence, bytes FROM outbox ORDER BY sequence");
    delete_batches_through = db.prepare("DELETE FROM outbox WHERE sequence <= ?1");
    outbox_totals = db.prepare("SELECT count(*), coalesce(sum(bytes), 0) FROM outbox");
    peek_batches = db.prepare(
        "SELECT sequence, batch_id, items, created_ms FROM outbox ORDER BY sequence LIMIT ?1");
    find_seen = db.prepare("SELECT 1 FROM seen WHERE kind = ?1 AND value = ?2");
    insert_seen = db.prepare("INSERT INTO seen (kind, value, keep_until_ms) VALUES (?1, ?2, ?3)");
  }

  // The integer meta value `key` (0 when absent).
  std::int64_t metaInt(std::string_view key) {
    ResetOnExit reset(*get_meta);
    get_meta->bind(1, key);
    return get_meta->step() ? get_meta->columnInt(0) : 0;
  }

  std::optional<std::string> metaText(std::string_view key) {
    ResetOnExit reset(*get_meta);
    get_meta->bind(1, key);
    if (!get_meta->step() || get_meta->columnIsNull(0)) return std::nullopt;
    return get_meta->columnText(0);
  }

  void setMeta(std::string_view key, std::int64_t value) {
    set_meta->bind(1, key).bind(2, value).run();
  }
  void setMeta(std::string_view key, std::string_view value) {
    set_meta->bind(1, key).bind(2, value).run();
  }

  // Adds one drop of `batches` batches of `bytes` bytes to the persistent counters (in the
  // caller's transaction).
  void countDropped(std::int64_t batches, std::int64_t bytes) {
    setMeta(kDroppedBatchesKey, metaInt(kDroppedBatchesKey) + batches);
    setMeta(kDroppedBytesKey, metaInt(kDroppedBytesKey) + bytes);
  }

  // {batches, bytes} stored now.
  std::pair<std::int64_t, std::int64_t> totals() {
    ResetOnExit reset(*outbox_totals);
    if (!outbox_totals->step()) return {0, 0};
    return {outbox_totals->columnInt(0), outbox_totals->columnInt(1)};
  }

  // Drops the oldest batches while the outbox holds more than the bound (in the caller's
  // transaction).
  void enforceBound() {
    const auto max = static_cast<std::int64_t>(options.outbox_max_bytes);
    std::int64_t total = totals().second;
    if (total <= max) return;
    std::int64_t last = 0;
    std::int64_t batches = 0;
    std::int64_t bytes = 0;
    {
      ResetOnExit reset(*oldest_batches);
      while (total - bytes > max && oldest_batches->step()) {
        last = oldest_batches->columnInt(0);
        bytes += oldest_batches->columnInt(1);
        ++batches;
      }
    }
    if (batches == 0) return;
    delete_batches_through->bind(1, last).run();
    countDropped(batches, bytes);
  }
};

AgentState::AgentState(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
AgentState::AgentState(AgentState&&) noexcept = default;
AgentState& AgentState::operator=(AgentState&&) noexcept = default;
AgentState::~AgentState() = default;

AgentState AgentState::open(const std::filesystem::path& path, AgentStateOptions options) {
  if (options.outbox_max_bytes == 0 ||
      options.outbox_max_bytes >
          static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max())) {
    throw Error(ErrorCode::kBadInput,
                fmt::format("agent {}: the outbox bound must be between 1 and 2^63-1 bytes, not {}",
                            path.string(), options.outbox_max_bytes));
  }
  const std::chrono::milliseconds busy_timeout = options.busy_timeout;
  auto impl = std::make_unique<Impl>(path, std::move(options),
                                     sqlite::openStoreFile(path, agentStoreFile(busy_timeout)));
  impl->prepare();
  {
    sqlite::Transaction tx(impl->db);
    impl->enforceBound();  // the bound may have been lowered since the last run
    tx.commit();
  }
  return AgentState(std::move(impl));
}

std::string AgentState::agentId(const std::string& configured) {
  const std::lock_guard lock(impl_->mutex);
  sqlite::Transaction tx(impl_->db);
  std::string id;
  if (!configured.empty()) {
    id = configured;
    if (impl_->metaText(kAgentIdKey) == id) return id;  // nothing to write
  } else {
    if (std::optional<std::string> stored = impl_->metaText(kAgentIdKey)) return *stored;
    id = core::randomUuid();
  }
  impl_->setMeta(kAgentIdKey, id);
  tx.commit();
  return id;
}

OutboxEntry AgentState::append(std::string items_json) {
  if (!isJsonArray(items_json)) {
    impl_->fail(ErrorCode::kBadInput, fmt::format("a batch's items must be a JSON array, not: {}",
                                                  std::string_view(items_json).substr(0, 80)));
  }
  const std::lock_guard lock(impl_->mutex);
  OutboxEntry entry{.sequence = 0,
                    .batch_id = core::randomUuid(),
                    .items_json = std::move(items_json),
                    .created_ms = impl_->nowMs()};
  const auto bytes = static_cast<std::int64_t>(entry.items_json.size());
  const bool oversize = entry.items_json.size() > impl_->options.outbox_max_bytes;
  sqlite::Transaction tx(impl_->db);
  // An oversize batch only uses up its sequence: its items are not written.
  impl_->insert_batch->bind(1, entry.batch_id)
      .bind(2, oversize ? std::string_view() : std::string_view(entry.items_json))
      .bind(3, oversize ? std::int64_t{0} : bytes)
      .bind(4, entry.created_ms)
      .run();
  entry.sequence = sqlite3_last_insert_rowid(impl_->db.handle());
  if (oversize) {
    impl_->delete_batch->bind(1, entry.sequence).run();
    impl_->countDropped(1, bytes);
  } else {
    impl_->enforceBound();
  }
  tx.commit();  // synchronous=FULL: on disk once this returns
  return entry;
}

std::vector<OutboxEntry> AgentState::peek(std::size_t limit) const {
  const std::lock_guard lock(impl_->mutex);
  std::vector<OutboxEntry> entries;
  if (limit == 0) return entries;
  sqlite::Statement& stmt = *impl_->peek_batches;
  ResetOnExit reset(stmt);
  constexpr auto kMax = std::numeric_limits<std::int64_t>::max();
  stmt.bind(1, limit > static_cast<std::size_t>(kMax) ? kMax : static_cast<std::int64_t>(limit));
  while (stmt.step()) {
    entries.push_back({.sequence = stmt.columnInt(0),
                       .batch_id = stmt.columnText(1),
                       .items_json = stmt.columnText(2),
                       .created_ms = stmt.columnInt(3)});
  }
  return entries;
}

void AgentState::remove(std::int64_t sequence) {
  const std::lock_guard lock(impl_->mutex);
  sqlite::Transaction tx(impl_->db);
  impl_->delete_batch->bind(1, sequence).run();
  tx.commit();
}

OutboxStats AgentState::stats() const {
  const std::lock_guard lock(impl_->mutex);
  // One read transaction: the totals and the counters are of the same moment.
  impl_->db.exec("BEGIN");
  OutboxStats stats;
  try {
    const auto [batches, bytes] = impl_->totals();
    stats = {.batches = static_cast<std::uint64_t>(batches),
             .bytes = static_cast<std::uint64_t>(bytes),
             .dropped_batches = static_cast<std::uint64_t>(impl_->metaInt(kDroppedBatchesKey)),
             .dropped_bytes = static_cast<std::uint64_t>(impl_->metaInt(kDroppedBytesKey))};
  } catch (...) {
    sqlite3_exec(impl_->db.handle(), "ROLLBACK", nullptr, nullptr, nullptr);
    throw;
  }
  impl_->db.exec("COMMIT");
  return stats;
}

AgentState::Seen AgentState::remember(const std::string& id, const std::string& nonce,
                                      std::int64_t keep_until_ms) {
  if (id.empty() || nonce.empty()) {
    impl_->fail(ErrorCode::kBadInput, "a message needs an id and a nonce to be remembered");
  }
  const std::lock_guard lock(impl_->mutex);
  sqlite::Transaction tx(impl_->db);
  sqlite::Statement& find = *impl_->find_seen;
  for (const auto& [kind, value] :
       {std::pair<std::string_view, const std::string&>{"id", id},
        std::pair<std::string_view, const std::string&>{"nonce", nonce}}) {
    ResetOnExit reset(find);
    find.bind(1, kind).bind(2, value);
    if (find.step()) {  // the transaction rolls back: nothing written
      return kind == "id" ? Seen::kRedelivered : Seen::kReplayed;
    }
  }
  impl_->insert_seen->bind(1, std::string_view("id")).bind(2, id).bind(3, keep_until_ms).run();
  impl_->insert_seen->bind(1, std::string_view("nonce"))
      .bind(2, nonce)
      .bind(3, keep_until_ms)
      .run();
  tx.commit();
  return Seen::kNew;
}

void AgentState::forgetSeenBefore(std::int64_t now_ms) {
  const std::lock_guard lock(impl_->mutex);
  sqlite::Transaction tx(impl_->db);
  impl_->db.prepare("DELETE FROM seen WHERE keep_until_ms < ?1").bind(1, now_ms).run();
  tx.commit();
}

void AgentState::saveResult(const std::string& action_id, const std::string& result_json) {
  if (action_id.empty()) impl_->fail(ErrorCode::kBadInput, "a result needs an action id");
  if (!nlohmann::json::accept(result_json)) {
    impl_->fail(ErrorCode::kBadInput,
                fmt::format("the result of action \"{}\" is not JSON: {}", action_id,
                            std::string_view(result_json).substr(0, 80)));
  }
  const std::lock_guard lock(impl_->mutex);
  sqlite::Transaction tx(impl_->db);
  // REPLACE deletes the old row and inserts a new one with a higher rowid: rowid order is the
  // order of the last saves.
  impl_->db
      .prepare(
          "INSERT OR REPLACE INTO results (action_id, result, saved_ms, acknowledged_ms) "
          "VALUES (?1, ?2, ?3, NULL)")
      .bind(1, action_id)
      .bind(2, result_json)
      .bind(3, impl_->nowMs())
      .run();
  tx.commit();
}

std::optional<std::string> AgentState::result(const std::string& action_id) const {
  const std::lock_guard lock(impl_->mutex);
  sqlite::Statement stmt = impl_->db.prepare("SELECT result FROM results WHERE action_id = ?1");
  stmt.bind(1, action_id);
  if (!stmt.step()) return std::nullopt;
  return stmt.columnText(0);
}

void AgentState::acknowledgeResult(const std::string& action_id) {
  const std::lock_guard lock(impl_->mutex);
  sqlite::Transaction tx(impl_->db);
  impl_->db
      .prepare(
          "UPDATE results SET acknowledged_ms = ?2 WHERE action_id = ?1 AND acknowledged_ms IS "
          "NULL")
      .bind(1, action_id)
      .bind(2, impl_->nowMs())
      .run();
  tx.commit();
}

void AgentState::forgetAcknowledgedResultsBefore(std::int64_t before_ms) {
  const std::lock_guard lock(impl_->mutex);
  sqlite::Transaction tx(impl_->db);
  impl_->db.prepare("DELETE FROM results WHERE acknowledged_ms < ?1").bind(1, before_ms).run();
  tx.commit();
}

std::vector<StoredResult> AgentState::unacknowledgedResults() const {
  const std::lock_guard lock(impl_->mutex);
  sqlite::Statement stmt = impl_->db.prepare(
      "SELECT action_id, result, saved_ms FROM results WHERE acknowledged_ms IS NULL "
      "ORDER BY rowid");
  std::vector<StoredResult> results;
  while (stmt.step()) {
    results.push_back({.action_id = stmt.columnText(0),
                       .result_json = stmt.columnText(1),
                       .saved_ms = stmt.columnInt(2)});
  }
  return results;
}

const std::filesystem::path& AgentState::path() const noexcept { return impl_->path; }

}  // namespace keelson::store
