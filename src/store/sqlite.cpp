#include "store/sqlite.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <spdlog/spdlog.h>
#include <sqlite3.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <climits>
#include <system_error>
#include <vector>

#include "core/error.h"
#include "core/log.h"

namespace keelson::store::sqlite {
namespace {

ErrorCode codeFor(int rc) {
  switch (rc & 0xff) {
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
    case SQLITE_FULL:
    case SQLITE_IOERR:
    case SQLITE_NOMEM:
    case SQLITE_PROTOCOL:
    case SQLITE_CANTOPEN:
    case SQLITE_READONLY:
    case SQLITE_PERM:
      return ErrorCode::kUnavailable;
    case SQLITE_CORRUPT:
    case SQLITE_NOTADB:
      return ErrorCode::kBadInput;
    default:
      return ErrorCode::kInternal;
  }
}

[[noreturn]] void throwFor(sqlite3* db, int rc, std::string_view label, std::string_view what) {
  const char* detail = db != nullptr ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
  throw Error(codeFor(rc), fmt::format("{}: {}: {} (SQLite code {})", label, what,
                                       detail != nullptr ? detail : "?", rc));
}

int checkedSize(std::string_view data) {
  return data.size() > static_cast<std::size_t>(INT_MAX) ? -1 : static_cast<int>(data.size());
}

std::string labelOf(const std::filesystem::path& path, const StoreFile& file) {
  return file.kind + " " + path.string();
}

[[noreturn]] void notKeelson(const std::filesystem::path& path, const StoreFile& file,
                             std::string_view why) {
  throw Error(ErrorCode::kBadInput, fmt::format("{}: not a keelson {} database ({})",
                                                labelOf(path, file), file.kind, why));
}

void checkTable(Database& db, const std::filesystem::path& path, const StoreFile& file) {
  Statement stmt =
      db.prepare("SELECT count(*) FROM sqlite_schema WHERE type = 'table' AND name = ?1");
  stmt.bind(1, file.table);
  if (!stmt.step() || stmt.columnInt(0) == 0) {
    notKeelson(path, file, fmt::format("it has no table \"{}\"", file.table));
  }
}

// A file of a newer version of another kind is "not a keelson <kind> database", not "newer".
void checkVersion(Database& db, const std::filesystem::path& path, const StoreFile& file,
                  std::int64_t version) {
  if (version > file.schema_version) {
    checkTable(db, path, file);
    throw Error(ErrorCode::kBadInput,
                fmt::format("{}: written by a newer keelson (schema version {}, this one knows up "
                            "to {})",
                            labelOf(path, file), version, file.schema_version));
  }
}

// Like create_directories, but each directory it creates gets mode 0700 (chmod after mkdir: the
// umask may have taken bits, never added them).
void createOwnerOnlyDirectories(const std::filesystem::path& dir, std::error_code& ec) {
  std::vector<std::filesystem::path> missing;
  for (std::filesystem::path p = dir; !p.empty() && !std::filesystem::exists(p, ec);
       p = p.parent_path()) {
    if (ec) return;
    missing.push_back(p);
    if (p == p.parent_path()) break;
  }
  if (ec) return;
  for (auto it = missing.rbegin(); it != missing.rend(); ++it) {
    if (::mkdir(it->c_str(), 0700) != 0) {
      if (errno == EEXIST) continue;  // another process made it meanwhile
      ec.assign(errno, std::generic_category());
      return;
    }
    if (::chmod(it->c_str(), 0700) != 0) {
      ec.assign(errno, std::generic_category());
      return;
    }
  }
}

// Creates an empty file of mode 0600 when there is none (SQLite takes an empty file as an empty
// database), so that the database is never readable by others, not even before its first write.
void createOwnerOnlyFile(const std::filesystem::path& path, const StoreFile& file) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
  if (fd < 0) {
    if (errno == EEXIST) return;  // it exists: its mode stays as it is
    throw Error(ErrorCode::kUnavailable,
                fmt::format("{}: cannot create the file: {}", labelOf(path, file),
                            std::error_code(errno, std::generic_category()).message()));
  }
  const int rc = ::fchmod(fd, 0600);
  const int err = errno;
  ::close(fd);
  if (rc != 0) {
    throw Error(ErrorCode::kUnavailable,
                fmt::format("{}: cannot set mode 0600: {}", labelOf(path, file),
                            std::error_code(err, std::generic_category()).message()));
  }
}

}  // namespace

void Database::Closer::operator()(sqlite3* db) const noexcept { sqlite3_close_v2(db); }

void Statement::Finalizer::operator()(sqlite3_stmt* stmt) const noexcept { sqlite3_finalize(stmt); }

Database Database::open(const std::filesystem::path& path, OpenMode mode, std::string label) {
  const int flags = (mode == OpenMode::kReadOnly ? SQLITE_OPEN_READONLY
                                                 : SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE) |
                    SQLITE_OPEN_NOMUTEX | SQLITE_OPEN_PRIVATECACHE;
  sqlite3* raw = nullptr;
  const int rc = sqlite3_open_v2(path.c_str(), &raw, flags, nullptr);
  Database db(raw, std::move(label));  // closes `raw` even when the open failed
  if (rc != SQLITE_OK) throwFor(raw, rc, db.label_, "cannot open");
  sqlite3_extended_result_codes(raw, 1);
  return db;
}

void Database::exec(std::string_view sql) {
  const std::string text(sql);
  char* message = nullptr;
  const int rc = sqlite3_exec(db_.get(), text.c_str(), nullptr, nullptr, &message);
  if (rc != SQLITE_OK) {
    const std::string detail = message != nullptr ? message : sqlite3_errstr(rc);
    sqlite3_free(message);
    throw Error(codeFor(rc),
                fmt::format("{}: {}: {} (SQLite code {})", label_, text.substr(0, 60), detail, rc));
  }
}

Statement Database::prepare(std::string_view sql) {
  sqlite3_stmt* stmt = nullptr;
  const int rc = sqlite3_prepare_v3(db_.get(), sql.data(), checkedSize(sql),
                                    SQLITE_PREPARE_PERSISTENT, &stmt, nullptr);
  if (rc != SQLITE_OK) {
    sqlite3_finalize(stmt);
    fail(rc, fmt::format("cannot prepare \"{}\"", sql.substr(0, 60)));
  }
  return {stmt, label_};
}

std::optional<std::string> Database::queryText(std::string_view sql) {
  Statement stmt = prepare(sql);
  if (!stmt.step() || stmt.columnIsNull(0)) return std::nullopt;
  return stmt.columnText(0);
}

std::int64_t Database::queryInt(std::string_view sql) {
  Statement stmt = prepare(sql);
  return stmt.step() ? stmt.columnInt(0) : 0;
}

void Database::setBusyTimeout(int milliseconds) {
  const int rc = sqlite3_busy_timeout(db_.get(), milliseconds);
  if (rc != SQLITE_OK) fail(rc, "cannot set the busy timeout");
}

void Database::fail(int rc, std::string_view what) const { throwFor(db_.get(), rc, label_, what); }

void Statement::fail(int rc, std::string_view what) const {
  throwFor(sqlite3_db_handle(stmt_.get()), rc, label_, what);
}

Statement& Statement::bind(int index, std::int64_t value) {
  const int rc = sqlite3_bind_int64(stmt_.get(), index, value);
  if (rc != SQLITE_OK) fail(rc, "cannot bind an integer");
  return *this;
}

Statement& Statement::bind(int index, double value) {
  const int rc = sqlite3_bind_double(stmt_.get(), index, value);
  if (rc != SQLITE_OK) fail(rc, "cannot bind a number");
  return *this;
}

Statement& Statement::bind(int index, std::string_view text) {
  // A null data pointer would bind NULL; an empty string must stay an empty string.
  const int rc = sqlite3_bind_text(stmt_.get(), index, text.empty() ? "" : text.data(),
                                   checkedSize(text), nullptr);
  if (rc != SQLITE_OK) fail(rc, "cannot bind text");
  return *this;
}

Statement& Statement::bindBlob(int index, std::string_view bytes) {
  const int rc = sqlite3_bind_blob(stmt_.get(), index, bytes.empty() ? "" : bytes.data(),
                                   checkedSize(bytes), nullptr);
  if (rc != SQLITE_OK) fail(rc, "cannot bind a blob");
  return *this;
}

bool Statement::step() {
  const int rc = sqlite3_step(stmt_.get());
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  // Read the message before reset() replaces it.
  const std::string sql = sqlite3_sql(stmt_.get()) != nullptr ? sqlite3_sql(stmt_.get()) : "";
  try {
    fail(rc, fmt::format("\"{}\"", sql.substr(0, 60)));
  } catch (...) {
    reset();
    throw;
  }
}

void Statement::run() {
  while (step()) {
  }
  reset();
}

void Statement::reset() noexcept {
  sqlite3_reset(stmt_.get());
  sqlite3_clear_bindings(stmt_.get());
}

std::int64_t Statement::columnInt(int column) const {
  return sqlite3_column_int64(stmt_.get(), column);
}

double Statement::columnDouble(int column) const {
  return sqlite3_column_double(stmt_.get(), column);
}

std::string Statement::columnText(int column) const {
  const auto* text = sqlite3_column_text(stmt_.get(), column);
  const int size = sqlite3_column_bytes(stmt_.get(), column);
  if (text == nullptr) return {};
  return {reinterpret_cast<const char*>(text), static_cast<std::size_t>(size)};
}

std::string Statement::columnBlob(int column) const {
  const void* data = sqlite3_column_blob(stmt_.get(), column);
  const int size = sqlite3_column_bytes(stmt_.get(), column);
  if (data == nullptr) return {};
  return {static_cast<const char*>(data), static_cast<std::size_t>(size)};
}

bool Statement::columnIsNull(int column) const {
  return sqlite3_column_type(stmt_.get(), column) == SQLITE_NULL;
}

Transaction::Transaction(Database& db) : db_(db) { db_.exec("BEGIN IMMEDIATE"); }

Transaction::~Transaction() {
  if (!done_) {
    // After a failed COMMIT SQLite may already have rolled back; an error here changes nothing.
    sqlite3_exec(db_.handle(), "ROLLBACK", nullptr, nullptr, nullptr);
  }
}

void Transaction::commit() {
  db_.exec("COMMIT");
  done_ = true;
}

Database openStoreFile(const std::filesystem::path& path, const StoreFile& file) {
  if (const std::filesystem::path dir = path.parent_path(); !dir.empty()) {
    std::error_code ec;
    if (file.owner_only) {
      createOwnerOnlyDirectories(dir, ec);
    } else {
      std::filesystem::create_directories(dir, ec);
    }
    if (ec) {
      throw Error(ErrorCode::kUnavailable,
                  fmt::format("{}: cannot create directory {}: {}", labelOf(path, file),
                              dir.string(), ec.message()));
    }
  }
  if (file.owner_only) createOwnerOnlyFile(path, file);
  Database db = Database::open(path, OpenMode::kReadWriteCreate, labelOf(path, file));
  db.setBusyTimeout(static_cast<int>(file.busy_timeout.count()));
  // The first read of the file: a file that is not SQLite fails here with kBadInput.
  checkVersion(db, path, file, db.queryInt("PRAGMA user_version"));
  const std::optional<std::string> mode = db.queryText("PRAGMA journal_mode = WAL");
  if (mode != "wal") {
    // WAL needs shared memory (mmap of the -shm file); without it readers block the writer.
    core::logEvent(spdlog::level::warn,
                   file.kind + ": cannot use WAL mode; readers may block writes",
                   {{"path", path.string()}, {"journal_mode", mode.value_or("?")}});
  }
  db.exec("PRAGMA synchronous = FULL");
  {
    Transaction tx(db);  // two keelsons creating the schema at once: one waits
    const std::int64_t version = db.queryInt("PRAGMA user_version");
    checkVersion(db, path, file, version);
    if (version == 0) {
      if (db.queryInt("SELECT count(*) FROM sqlite_schema") > 0) {
        notKeelson(path, file, "it has tables but no keelson schema version");
      }
      db.exec(file.schema_sql);
      db.exec(fmt::format("PRAGMA user_version = {}", file.schema_version));
    } else if (version < file.schema_version && file.migrate) {
      checkTable(db, path, file);
      file.migrate(db, version);
      db.exec(fmt::format("PRAGMA user_version = {}", file.schema_version));
    }
    checkTable(db, path, file);
    tx.commit();
  }
  return db;
}

Database openStoreFileReadOnly(const std::filesystem::path& path, const StoreFile& file) {
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) {
    throw Error(ErrorCode::kNotFound, fmt::format("{} database {} does not exist{}", file.kind,
                                                  path.string(), file.missing_hint));
  }
  Database db = Database::open(path, OpenMode::kReadOnly, labelOf(path, file));
  db.setBusyTimeout(static_cast<int>(file.busy_timeout.count()));
  // One read transaction, so that the version and the tables come from the same snapshot: a
  // writer creating the schema between two separate reads would show version 0 with tables.
  // A check that throws leaves it open; closing the connection ends it.
  db.exec("BEGIN");
  const std::int64_t version = db.queryInt("PRAGMA user_version");
  checkVersion(db, path, file, version);
  if (version == 0) {
    // A writer creates the file, then its schema in one transaction: a database without a
    // single table is one being created right now (or an empty file), not a foreign one.
    if (db.queryInt("SELECT count(*) FROM sqlite_schema") == 0) {
      throw Error(ErrorCode::kNotFound,
                  fmt::format("{} database {} has no schema yet (it is being created){}", file.kind,
                              path.string(), file.missing_hint));
    }
    notKeelson(path, file, "no keelson schema version");
  }
  checkTable(db, path, file);
  db.exec("COMMIT");
  return db;
}

}  // namespace keelson::store::sqlite
