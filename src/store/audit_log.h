#pragma once

// The audit log: every write keelson makes to a cluster, from any caller (the CLI's verbs,
// remediation, the backend link), recorded in an embedded SQLite database in the state directory
// (`<state-dir>/audit.db`, see defaultStateDir) before it is attempted (the intent) and after
// (the outcome).
//
// Durability: WAL mode, synchronous=FULL, one transaction per record. recordIntent returns only
// once the intent is on disk, so a process killed at any point (SIGKILL, power loss) leaves each
// record either absent or complete; an intent whose process died before its outcome was written
// is reported with the outcome "unknown" (AuditLog::open marks it, and readers list it so).
//
// Schema (version 1, in PRAGMA user_version):
//   actions(id INTEGER PRIMARY KEY, started_ms, requester_kind, requester_id, verb, target,
//           namespace, dry_run, request TEXT (JSON), pid, pid_start_ticks,
//           finished_ms NULL, outcome NULL, status_codes TEXT NULL (JSON array), result TEXT NULL
//           (JSON), error TEXT NULL)
//   index actions_by_start(started_ms)
// Timestamps are Unix epoch milliseconds (UTC).

#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace keelson::store {

/// Who asked for an action.
struct AuditRequester {
  /// "user" (a person at the CLI), "remediation" (keelson remediate) or "backend" (a signed
  /// action from the backend link).
  std::string kind;
  /// The local user name for "user", the finding id for "remediation", the backend's action id
  /// for "backend".
  std::string id;
};

/// What is about to be attempted; written before the first API call.
struct AuditIntent {
  std::int64_t started_ms = 0;  ///< When the action started, Unix epoch milliseconds.
  AuditRequester requester;
  std::string verb;            ///< kubectl's verb: "cordon", "drain", "scale", "label", ...
  std::string target;          ///< kubectl's resource/name: "node/kwok-1", "deployment.apps/web".
  std::string namespace_name;  ///< The target's namespace; "" for nodes.
  std::string dry_run;         ///< "none", "client" or "server".
  std::string request_json;    ///< The action's parameters as a JSON object (flags, values).
};

/// What happened; written once the action ended (succeeded, failed, or was refused).
struct AuditOutcome {
  std::int64_t finished_ms = 0;  ///< Unix epoch milliseconds.
  /// "succeeded", "failed" or "refused" (kubectl refused before any write, e.g. drain's filters);
  /// the store itself writes "unknown" for intents whose process died.
  std::string outcome;
  std::string status_codes_json;  ///< JSON array of the API calls' HTTP statuses, in order.
  std::string result_json;  ///< The action's result document (changes, skipped, dry-run diff).
  std::string error;        ///< The error message when it failed; "" otherwise.
};

/// One record as read back.
struct AuditRecord {
  std::int64_t id = 0;
  AuditIntent intent;
  /// The outcome; nullopt while the action runs (its process is alive). An intent whose process
  /// is gone reads as an outcome "unknown" with finished_ms 0.
  std::optional<AuditOutcome> outcome;
  std::int64_t pid = 0;  ///< The process that recorded the intent.
};

/// The audit database. Thread-safe: every method takes an internal mutex (one connection per
/// AuditLog). Several processes may write the same file at once (each record is its own short
/// transaction; a writer waits up to 5 s for another's lock). Move-only. Errors are
/// keelson::Error whose message names the file: kNotFound (openReadOnly: no database),
/// kBadInput (not a keelson audit database, or written by a newer keelson), kUnavailable (locked,
/// disk full, I/O error).
class AuditLog {
 public:
  /// The schema version this build writes and reads (PRAGMA user_version).
  static constexpr int kSchemaVersion = 1;

  /// Opens `path` for writing, creating its parent directories (mode 0700) and the database
  /// (mode 0600) when absent. Intents left without an outcome by processes that are no longer
  /// running (by pid and the process's start time in /proc/PID/stat) get the outcome "unknown";
  /// unknownOutcomes() returns them.
  static AuditLog open(const std::filesystem::path& path);

  /// Opens an existing database read-only (for `keelson audit`); writes then throw.
  static AuditLog openReadOnly(const std::filesystem::path& path);

  AuditLog(AuditLog&&) noexcept;
  AuditLog& operator=(AuditLog&&) noexcept;
  ~AuditLog();

  /// Records `intent` durably and returns its id. Throws Error; the caller must then not act.
  std::int64_t recordIntent(const AuditIntent& intent);

  /// Records the outcome of intent `id`. Throws Error (kNotFound for an unknown id).
  void recordOutcome(std::int64_t id, const AuditOutcome& outcome);

  /// Records started at or after `since_ms`, oldest first.
  std::vector<AuditRecord> list(std::int64_t since_ms = 0) const;

  /// The records open() found without an outcome from dead processes and marked "unknown".
  const std::vector<AuditRecord>& unknownOutcomes() const noexcept;

  /// The file's path.
  const std::filesystem::path& path() const noexcept;

 private:
  struct Impl;
  explicit AuditLog(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

/// keelson's state directory when --state-dir is not given: $KEELSON_STATE_DIR, else
/// $XDG_STATE_HOME/keelson, else $HOME/.local/state/keelson, else /var/lib/keelson.
std::filesystem::path defaultStateDir();

}  // namespace keelson::store
