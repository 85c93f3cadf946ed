#pragma once

// A thin RAII layer over the SQLite C API (Debian's libsqlite3): a connection, prepared
// statements, and a transaction guard. Errors become keelson::Error with a code that says what
// the caller can do about them (kUnavailable for busy/full/I/O, kBadInput for a file that is not
// a database or is corrupt, kNotFound when the file cannot be opened read-only, else kInternal).

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

struct sqlite3;
struct sqlite3_stmt;

namespace keelson::store::sqlite {

/// How Database::open opens the file.
enum class OpenMode {
  kReadWriteCreate,  ///< Read-write, creating the file when absent.
  kReadOnly,         ///< Read-only; the file must exist.
};

class Statement;

/// One connection (sqlite3*). Not thread-safe by itself (the library is built serialized, but
/// statement objects are not shared across threads here): guard it with a mutex. Move-only.
class Database {
 public:
  /// Opens `path` (no URI parsing; extended result codes on). `label` prefixes error messages
  /// (e.g. "history /x/history.db"). Throws Error as the file header comment says.
  static Database open(const std::filesystem::path& path, OpenMode mode, std::string label);

  Database(Database&&) noexcept = default;
  Database& operator=(Database&&) noexcept = default;
  ~Database() = default;

  /// Runs one or more SQL statements that return no rows we need. Throws Error.
  void exec(std::string_view sql);

  /// Prepares one statement (kept with SQLITE_PREPARE_PERSISTENT: for statements run often).
  /// Throws Error.
  Statement prepare(std::string_view sql);

  /// Runs a single-value query (e.g. "PRAGMA journal_mode") and returns its first column as
  /// text (nullopt when there is no row or it is NULL). Throws Error.
  std::optional<std::string> queryText(std::string_view sql);

  /// Like queryText, for an integer result (0 when there is no row).
  std::int64_t queryInt(std::string_view sql);

  /// Sets the busy handler to wait up to `milliseconds` for a lock before SQLITE_BUSY.
  void setBusyTimeout(int milliseconds);

  /// Throws Error for the result code `rc` of an operation described by `what`.
  [[noreturn]] void fail(int rc, std::string_view what) const;

  /// The raw handle (for the few calls not wrapped here).
  sqlite3* handle() const noexcept { return db_.get(); }

  /// The prefix of error messages given to open().
  const std::string& label() const noexcept { return label_; }

 private:
  struct Closer {
    void operator()(sqlite3* db) const noexcept;
  };
  Database(sqlite3* db, std::string label) : db_(db), label_(std::move(label)) {}

  std::unique_ptr<sqlite3, Closer> db_;
  std::string label_;
};

/// A prepared statement. Bind parameters are 1-based, columns 0-based. Text and blobs are bound
/// without copying (SQLITE_STATIC): the bound data must outlive the next step() or reset().
/// Move-only.
class Statement {
 public:
  Statement(Statement&&) noexcept = default;
  Statement& operator=(Statement&&) noexcept = default;
  ~Statement() = default;

  /// Binds a parameter. Throws Error.
  Statement& bind(int index, std::int64_t value);
  Statement& bind(int index, double value);
  Statement& bind(int index, std::string_view text);
  Statement& bindBlob(int index, std::string_view bytes);

  /// Advances: true when a row is ready, false when the statement is done. Throws Error (and
  /// resets the statement).
  bool step();

  /// Runs a statement that returns no rows, then resets it. Throws Error.
  void run();

  /// Resets the statement and clears its bindings, ready to be run again.
  void reset() noexcept;

  /// Columns of the current row.
  std::int64_t columnInt(int column) const;
  double columnDouble(int column) const;
  std::string columnText(int column) const;
  std::string columnBlob(int column) const;
  bool columnIsNull(int column) const;

 private:
  friend class Database;
  struct Finalizer {
    void operator()(sqlite3_stmt* stmt) const noexcept;
  };
  Statement(sqlite3_stmt* stmt, std::string label) : stmt_(stmt), label_(std::move(label)) {}
  [[noreturn]] void fail(int rc, std::string_view what) const;

  std::unique_ptr<sqlite3_stmt, Finalizer> stmt_;  // must not outlive its Database
  std::string label_;
};

/// A transaction: BEGIN IMMEDIATE on construction (takes the write lock at once, so a busy
/// database fails here rather than at COMMIT), ROLLBACK on destruction unless commit() ran.
class Transaction {
 public:
  /// Begins. Throws Error.
  explicit Transaction(Database& db);
  Transaction(const Transaction&) = delete;
  Transaction& operator=(const Transaction&) = delete;
  ~Transaction();

  /// Commits. Throws Error (the destructor then rolls back).
  void commit();

 private:
  Database& db_;
  bool done_ = false;
};

/// What openStoreFile needs to know of one of keelson's database files.
struct StoreFile {
  /// What the file holds, as messages name it: "history" gives "history /x/h.db: ..." and
  /// "not a keelson history database".
  std::string kind;
  /// The schema version this build writes and reads, kept in PRAGMA user_version (> 0).
  int schema_version = 0;
  /// The statements that create the schema in an empty file (run once, in the transaction that
  /// sets user_version).
  std::string_view schema_sql;
  /// A table every version of the schema has: a file with keelson's schema version but without
  /// it is another kind of keelson database (history.db given as the audit log).
  std::string_view table;
  /// How long a statement waits for another connection's lock before failing with kUnavailable.
  std::chrono::milliseconds busy_timeout{5000};
  /// Said after "<kind> database <path> does not exist" when openStoreFileReadOnly finds no
  /// file, e.g. " (`keelson monitor` creates it; choose another with --history)".
  std::string missing_hint;
  /// Only the owner may read it: the directories openStoreFile creates get mode 0700 and a file
  /// it creates 0600, whatever the umask (SQLite gives the -wal and -shm files the database
  /// file's mode). Existing directories and files keep theirs. Otherwise the umask decides.
  bool owner_only = false;
  /// Upgrades a file of an older schema version (1 <= from_version < schema_version) to
  /// schema_version; run by openStoreFile inside the transaction that then sets user_version,
  /// so a failed upgrade leaves the file as it was. Empty: older versions are opened as they are.
  std::function<void(Database& db, std::int64_t from_version)> migrate;
};

/// Opens one of keelson's databases for writing: creates the parent directories and the file
/// when absent (see StoreFile::owner_only), sets the busy timeout, WAL mode (a warning is logged
/// when the file system cannot have it: readers then block the writer), synchronous=FULL (a
/// committed transaction survives a crash or power loss), and creates the schema in a new file (in
/// one transaction, so two processes creating it at once do not collide). Throws Error: kBadInput
/// naming the file when it is not SQLite, holds tables but no schema version (another application's
/// database: "not a keelson <kind> database"), or has a newer schema version ("written by a newer
/// keelson"); kUnavailable when a directory cannot be created or the file is locked, unwritable or
/// on a failing disk. An older schema version is upgraded by file.migrate (in one transaction).
Database openStoreFile(const std::filesystem::path& path, const StoreFile& file);

/// Opens an existing database of `file`'s kind read-only (WAL readers see a consistent snapshot
/// while a writer commits) and checks its schema version as openStoreFile does. Creates nothing.
/// Throws Error(kNotFound) naming the path (and file.missing_hint) when there is no file or the
/// file has no table yet (a writer is creating it, or it is empty), else as openStoreFile.
Database openStoreFileReadOnly(const std::filesystem::path& path, const StoreFile& file);

}  // namespace keelson::store::sqlite
