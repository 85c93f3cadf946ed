#pragma once

// The durable state of `keelson agent` (the backend link), in an embedded SQLite database in the
// state directory (`<state-dir>/agent.db`, see defaultStateDir): the agent's id, the outbox of
// metric batches waiting for the backend, the ids and nonces of the signed messages already
// seen (replay protection), and the results of actions until the backend acknowledges them.
//
// Durability: WAL mode, synchronous=FULL, one transaction per change. Every method that changes
// the state returns only once the change is on disk, so a process killed at any point (SIGKILL,
// power loss) leaves each change either absent or complete.
//
// Schema (version 1, in PRAGMA user_version):
//   meta(key TEXT PRIMARY KEY, value)  -- "agent_id" (TEXT), "dropped_batches",
//                                         "dropped_bytes" (INTEGER)
//   outbox(sequence INTEGER PRIMARY KEY AUTOINCREMENT, batch_id TEXT UNIQUE, bytes INTEGER (the
//          size of items), created_ms, items TEXT (a JSON array))
//   seen(kind TEXT ("id" or "nonce"), value TEXT, keep_until_ms, PRIMARY KEY(kind, value))
//          WITHOUT ROWID, index seen_by_expiry(keep_until_ms)
//   results(action_id TEXT PRIMARY KEY, result TEXT (JSON), saved_ms, acknowledged_ms NULL)
// AUTOINCREMENT keeps the highest sequence ever given in sqlite_sequence, so a sequence is never
// given twice, also after its entry was removed or dropped. Timestamps are Unix epoch
// milliseconds (UTC).

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/clock.h"

namespace keelson::store {

/// Options of AgentState::open.
struct AgentStateOptions {
  /// The outbox's bound: the sum of the stored batches' items_json sizes, in bytes, never exceeds
  /// it once append() returns (the oldest batches are dropped to make room). Must be > 0.
  std::uint64_t outbox_max_bytes = std::uint64_t{64} * 1024 * 1024;
  /// How long a statement waits for another connection's lock before failing with kUnavailable.
  std::chrono::milliseconds busy_timeout{5000};
  /// Where created_ms and saved_ms come from (wallNow()); null: core::systemClock().
  std::shared_ptr<const core::Clock> clock;
};

/// One metric batch in the outbox.
struct OutboxEntry {
  /// Its place in the outbox: strictly increasing per database, never given twice (also not
  /// after the entry was removed or dropped, nor across reopens). Starts at 1.
  std::int64_t sequence = 0;
  /// A random UUID v4 in its canonical text form (36 characters, lowercase): the batch's id for
  /// the backend, which deduplicates a batch sent twice.
  std::string batch_id;
  /// The batch's items: the JSON array text given to append(), byte for byte.
  std::string items_json;
  /// When it was appended, Unix epoch milliseconds (the clock's wallNow()).
  std::int64_t created_ms = 0;
};

/// What the outbox holds and what it has dropped.
struct OutboxStats {
  std::uint64_t batches = 0;  ///< Batches stored now.
  std::uint64_t bytes = 0;    ///< The sum of their items_json sizes, in bytes.
  /// Batches dropped by the bound since the database was created (cumulative, persistent).
  std::uint64_t dropped_batches = 0;
  /// The sum of the dropped batches' items_json sizes, in bytes (cumulative, persistent).
  std::uint64_t dropped_bytes = 0;
};

/// The result of an action, as stored until the backend acknowledges it.
struct StoredResult {
  std::string action_id;      ///< The backend's id of the action.
  std::string result_json;    ///< The result document given to saveResult(), byte for byte.
  std::int64_t saved_ms = 0;  ///< When it was last saved, Unix epoch milliseconds.
};

/// The agent's database. Thread-safe: every method takes an internal mutex (one connection per
/// AgentState), so the agent's collector, sender, command channel and actuator threads may share
/// one object. One process should use a file at a time (another waits up to busy_timeout for
/// each change; the outbox's bound and counters stay exact either way, since each change is one
/// transaction). Move-only; a moved-from object may only be destroyed or assigned to. Errors are
/// keelson::Error whose message names the file: kBadInput (not a keelson agent database, corrupt,
/// written by a newer keelson, or an invalid argument: nothing is written then), kUnavailable
/// (cannot create or open the file, locked past busy_timeout, disk full, I/O error).
class AgentState {
 public:
  /// The schema version this build writes and reads (PRAGMA user_version).
  static constexpr int kSchemaVersion = 1;

  /// Opens `path` for writing, creating its parent directories (mode 0700) and the database
  /// (mode 0600, whatever the umask; existing ones keep their modes) when absent; sets WAL mode,
  /// synchronous=FULL and the busy timeout. When the outbox holds more than
  /// options.outbox_max_bytes (the bound was lowered), the oldest batches are dropped (counted)
  /// until it fits. Throws Error: kBadInput when options.outbox_max_bytes is 0, when the file is
  /// not SQLite or another application's or keelson's database ("not a keelson agent
  /// database"), or has a newer schema version; kUnavailable as the class comment says.
  static AgentState open(const std::filesystem::path& path, AgentStateOptions options = {});

  AgentState(AgentState&&) noexcept;
  AgentState& operator=(AgentState&&) noexcept;
  ~AgentState();

  /// The agent's id. When `configured` is not empty, it is stored (replacing any stored id) and
  /// returned; otherwise the stored id is returned, or, when there is none, a new random UUID v4
  /// (canonical lowercase text) is generated, stored and returned, so the same id comes back
  /// after a reopen. Throws Error as the class comment says.
  std::string agentId(const std::string& configured = "");

  /// Appends a batch to the outbox: gives it the next sequence and a new random batch_id, stores
  /// `items_json` (the batch's items, a JSON array) with created_ms = now, and returns the entry
  /// once it is on disk. Then, while the outbox holds more than outbox_max_bytes, the oldest
  /// batches are dropped (deleted, and counted in dropped_batches and dropped_bytes), all in
  /// the same transaction. A batch whose items_json alone is larger than outbox_max_bytes is
  /// dropped at once instead (its sequence is used up and it is counted; nothing older is dropped
  /// for it): the returned entry is then not in the outbox. Throws Error: kBadInput (nothing
  /// written) when items_json is not a JSON array; else as the class comment says.
  OutboxEntry append(std::string items_json);

  /// Up to `limit` batches of the outbox, oldest (lowest sequence) first. Throws Error.
  std::vector<OutboxEntry> peek(std::size_t limit) const;

  /// Removes the batch `sequence` from the outbox (once the backend acknowledged it); not counted
  /// as dropped. Removing one that is not there (removed before, dropped, never given) does
  /// nothing. Throws Error.
  void remove(std::int64_t sequence);

  /// The outbox's size and the drop counters. Throws Error.
  OutboxStats stats() const;

  /// What remember() found.
  enum class Seen {
    kNew,          ///< Neither the id nor the nonce was seen: both are recorded now.
    kRedelivered,  ///< The id was seen: the same message (or its id) delivered again.
    kReplayed,     ///< Only the nonce was seen, under another id: a replay.
  };

  /// Replay protection for signed messages: when neither the message id `id` nor `nonce` has
  /// been seen (ids and nonces are separate namespaces), records both, to be kept until
  /// `keep_until_ms` (Unix epoch milliseconds), and returns kNew; otherwise records nothing and
  /// says which was seen. A message is only protected until forgetSeenBefore() drops its
  /// entries: the caller must reject messages older than keep_until_ms by their own timestamp.
  /// Throws Error: kBadInput (nothing written) when `id` or `nonce` is empty; else as the class
  /// comment says.
  Seen remember(const std::string& id, const std::string& nonce, std::int64_t keep_until_ms);

  /// Forgets the seen ids and nonces whose keep_until_ms is before `now_ms` (strictly less).
  /// Throws Error.
  void forgetSeenBefore(std::int64_t now_ms);

  /// Stores the result of action `action_id` (a JSON document), replacing any stored one, with
  /// saved_ms = now; it is unacknowledged again until acknowledgeResult(). Throws Error:
  /// kBadInput (nothing written) when action_id is empty or result_json is not JSON.
  void saveResult(const std::string& action_id, const std::string& result_json);

  /// The stored result of `action_id` (acknowledged or not), or nullopt. Throws Error.
  std::optional<std::string> result(const std::string& action_id) const;

  /// Marks the result of `action_id` acknowledged by the backend: unacknowledgedResults() no
  /// longer lists it, result() still returns it. An unknown or already acknowledged id does
  /// nothing. Throws Error.
  void acknowledgeResult(const std::string& action_id);

  /// Deletes the acknowledged results acknowledged before `before_ms` (Unix epoch milliseconds,
  /// strictly less); unacknowledged ones stay. Throws Error.
  void forgetAcknowledgedResultsBefore(std::int64_t before_ms);

  /// The results not acknowledged yet, in the order they were last saved (oldest first).
  /// Throws Error.
  std::vector<StoredResult> unacknowledgedResults() const;

  /// The file's path.
  const std::filesystem::path& path() const noexcept;

 private:
  struct Impl;
  explicit AgentState(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace keelson::store
