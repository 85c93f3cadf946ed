#include "store/audit_log.h"

#include <fmt/format.h>
#include <sqlite3.h>

#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string_view>
#include <utility>

#include "core/error.h"
#include "host/process_identity.h"
#include "store/sqlite.h"

namespace keelson::store {
namespace {

constexpr std::string_view kAuditSchemaV1 = R"sql(
CREATE TABLE actions (
  id INTEGER PRIMARY KEY,
  started_ms INTEGER NOT NULL,
  requester_kind TEXT NOT NULL,
  requester_id TEXT NOT NULL,
  verb TEXT NOT NULL,
  target TEXT NOT NULL,
  namespace TEXT NOT NULL,
  dry_run TEXT NOT NULL,
  request TEXT NOT NULL,
  pid INTEGER NOT NULL,
  pid_start_ticks INTEGER NOT NULL,
  finished_ms INTEGER,
  outcome TEXT,
  status_codes TEXT,
  result TEXT,
  error TEXT
);
CREATE INDEX actions_by_start ON actions(started_ms);
)sql";

constexpr std::string_view kColumns =
    "id, started_ms, requester_kind, requester_id, verb, target, namespace, dry_run, request, "
    "pid, pid_start_ticks, finished_ms, outcome, status_codes, result, error";

constexpr std::string_view kUnknown = "unknown";

sqlite::StoreFile auditStoreFile() {
  return {.kind = "audit",
          .schema_version = AuditLog::kSchemaVersion,
          .schema_sql = kAuditSchemaV1,
          .table = "actions",
          .busy_timeout = std::chrono::milliseconds(5000),
          .missing_hint = "",
          .owner_only = true,
          .migrate = {}};
}

// A row's process, as recorded with its intent.
host::ProcessIdentity ownerOf(const sqlite::Statement& stmt) {
  return {.pid = stmt.columnInt(9), .start_ticks = static_cast<std::uint64_t>(stmt.columnInt(10))};
}

// A row of kColumns. A NULL outcome is left nullopt (the caller decides running or unknown).
AuditRecord readRecord(const sqlite::Statement& stmt) {
  AuditRecord record;
  record.id = stmt.columnInt(0);
  record.intent = {.started_ms = stmt.columnInt(1),
                   .requester = {.kind = stmt.columnText(2), .id = stmt.columnText(3)},
                   .verb = stmt.columnText(4),
                   .target = stmt.columnText(5),
                   .namespace_name = stmt.columnText(6),
                   .dry_run = stmt.columnText(7),
                   .request_json = stmt.columnText(8)};
  record.pid = stmt.columnInt(9);
  if (!stmt.columnIsNull(12)) {
    record.outcome = AuditOutcome{.finished_ms = stmt.columnInt(11),  // NULL reads as 0
                                  .outcome = stmt.columnText(12),
                                  .status_codes_json = stmt.columnText(13),
                                  .result_json = stmt.columnText(14),
                                  .error = stmt.columnText(15)};
  }
  return record;
}

AuditOutcome unknownOutcome() {
  return {.finished_ms = 0,
          .outcome = std::string(kUnknown),
          .status_codes_json = "",
          .result_json = "",
          .error = ""};
}

}  // namespace

struct AuditLog::Impl {
  Impl(std::filesystem::path p, bool ro, sqlite::Database d)
      : path(std::move(p)), read_only(ro), db(std::move(d)) {}

  std::filesystem::path path;
  bool read_only;
  std::mutex mutex;
  sqlite::Database db;  // declared before the statements: destroyed after them
  std::optional<sqlite::Statement> insert_intent;
  std::optional<sqlite::Statement> update_outcome;
  std::optional<sqlite::Statement> find_outcome;
  std::vector<AuditRecord> unknown;

  [[noreturn]] void fail(ErrorCode code, std::string_view what) const {
    throw Error(code, fmt::format("audit {}: {}", path.string(), what));
  }

  void requireWritable(std::string_view what) const {
    if (read_only) fail(ErrorCode::kInternal, fmt::format("opened read-only; cannot {}", what));
  }

  void requireJson(std::string_view field, std::string_view text,
                   nlohmann::json::value_t type) const {
    const nlohmann::json value = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
    if (value.is_discarded() ||
        (type != nlohmann::json::value_t::discarded && value.type() != type)) {
      fail(ErrorCode::kBadInput, fmt::format("{} is not a JSON {}: {}", field,
                                             type == nlohmann::json::value_t::object  ? "object"
                                             : type == nlohmann::json::value_t::array ? "array"
                                                                                      : "value",
                                             text.substr(0, 80)));
    }
  }

  void prepareWrites() {
    insert_intent = db.prepare(
        "INSERT INTO actions (started_ms, requester_kind, requester_id, verb, target, namespace, "
        "dry_run, request, pid, pid_start_ticks) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)");
    update_outcome = db.prepare(
        "UPDATE actions SET finished_ms = ?2, outcome = ?3, status_codes = ?4, result = ?5, "
        "error = ?6 WHERE id = ?1 AND outcome IS NULL");
    find_outcome = db.prepare("SELECT outcome FROM actions WHERE id = ?1");
  }

  // Gives the intents of dead processes the outcome "unknown"; returns them.
  std::vector<AuditRecord> markDeadIntents() {
    std::vector<AuditRecord> marked;
    sqlite::Transaction tx(db);
    sqlite::Statement pending = db.prepare(
        fmt::format("SELECT {} FROM actions WHERE outcome IS NULL ORDER BY id", kColumns));
    while (pending.step()) {
      if (host::isRunning(ownerOf(pending))) continue;
      AuditRecord record = readRecord(pending);
      record.outcome = unknownOutcome();
      marked.push_back(std::move(record));
    }
    sqlite::Statement mark =
        db.prepare("UPDATE actions SET outcome = ?2 WHERE id = ?1 AND outcome IS NULL");
    for (const AuditRecord& record : marked) mark.bind(1, record.id).bind(2, kUnknown).run();
    tx.commit();
    return marked;
  }
};

AuditLog::AuditLog(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
AuditLog::AuditLog(AuditLog&&) noexcept = default;
AuditLog& AuditLog::operator=(AuditLog&&) noexcept = default;
AuditLog::~AuditLog() = default;

AuditLog AuditLog::open(const std::filesystem::path& path) {
  auto impl = std::make_unique<Impl>(path, false, sqlite::openStoreFile(path, auditStoreFile()));
  impl->prepareWrites();
  impl->unknown = impl->markDeadIntents();
  return AuditLog(std::move(impl));
}

AuditLog AuditLog::openReadOnly(const std::filesystem::path& path) {
  return AuditLog(
      std::make_unique<Impl>(path, true, sqlite::openStoreFileReadOnly(path, auditStoreFile())));
}

std::int64_t AuditLog::recordIntent(const AuditIntent& intent) {
  const std::lock_guard lock(impl_->mutex);
  impl_->requireWritable("record an intent");
  if (intent.verb.empty() || intent.target.empty() || intent.requester.kind.empty()) {
    impl_->fail(ErrorCode::kBadInput, "an intent needs a verb, a target and a requester kind");
  }
  if (intent.dry_run != "none" && intent.dry_run != "client" && intent.dry_run != "server") {
    impl_->fail(ErrorCode::kBadInput,
                fmt::format("dry_run \"{}\": expected none, client or server", intent.dry_run));
  }
  // (Not a ?: of "{}" and the string: that would be a temporary std::string.)
  std::string_view request = intent.request_json;
  if (request.empty()) request = "{}";
  impl_->requireJson("request", request, nlohmann::json::value_t::object);
  const host::ProcessIdentity self = host::currentProcess();
  sqlite::Transaction tx(impl_->db);
  impl_->insert_intent->bind(1, intent.started_ms)
      .bind(2, intent.requester.kind)
      .bind(3, intent.requester.id)
      .bind(4, intent.verb)
      .bind(5, intent.target)
      .bind(6, intent.namespace_name)
      .bind(7, intent.dry_run)
      .bind(8, request)
      .bind(9, self.pid)
      .bind(10, static_cast<std::int64_t>(self.start_ticks))
      .run();
  const std::int64_t id = sqlite3_last_insert_rowid(impl_->db.handle());
  tx.commit();  // synchronous=FULL: on disk once this returns
  return id;
}

void AuditLog::recordOutcome(std::int64_t id, const AuditOutcome& outcome) {
  const std::lock_guard lock(impl_->mutex);
  impl_->requireWritable("record an outcome");
  if (outcome.outcome != "succeeded" && outcome.outcome != "failed" &&
      outcome.outcome != "refused") {
    impl_->fail(ErrorCode::kBadInput, fmt::format("outcome \"{}\" of action {}: expected "
                                                  "succeeded, failed or refused",
                                                  outcome.outcome, id));
  }
  std::string_view codes = outcome.status_codes_json;
  if (codes.empty()) codes = "[]";
  impl_->requireJson("status_codes", codes, nlohmann::json::value_t::array);
  if (!outcome.result_json.empty()) {
    impl_->requireJson("result", outcome.result_json, nlohmann::json::value_t::discarded);
  }
  sqlite::Transaction tx(impl_->db);
  sqlite::Statement& update = *impl_->update_outcome;
  update.bind(1, id).bind(2, outcome.finished_ms).bind(3, outcome.outcome).bind(4, codes);
  if (!outcome.result_json.empty()) update.bind(5, outcome.result_json);  // unbound: NULL
  if (!outcome.error.empty()) update.bind(6, outcome.error);
  update.run();
  if (sqlite3_changes64(impl_->db.handle()) == 0) {
    sqlite::Statement& find = *impl_->find_outcome;
    find.bind(1, id);
    const bool exists = find.step();
    const std::string previous = exists ? find.columnText(0) : "";
    find.reset();
    if (!exists) impl_->fail(ErrorCode::kNotFound, fmt::format("no action with id {}", id));
    impl_->fail(ErrorCode::kConflict,
                fmt::format("action {} already has the outcome \"{}\"", id, previous));
  }
  tx.commit();
}

std::vector<AuditRecord> AuditLog::list(std::int64_t since_ms) const {
  const std::lock_guard lock(impl_->mutex);
  sqlite::Statement stmt = impl_->db.prepare(fmt::format(
      "SELECT {} FROM actions WHERE started_ms >= ?1 ORDER BY started_ms, id", kColumns));
  stmt.bind(1, since_ms);
  std::vector<AuditRecord> records;
  std::map<std::pair<std::int64_t, std::uint64_t>, bool> running;  // asked once per process
  while (stmt.step()) {
    AuditRecord record = readRecord(stmt);
    if (!record.outcome) {
      const host::ProcessIdentity owner = ownerOf(stmt);
      const auto [it, added] = running.try_emplace({owner.pid, owner.start_ticks}, false);
      if (added) it->second = host::isRunning(owner);
      if (!it->second) record.outcome = unknownOutcome();
    }
    records.push_back(std::move(record));
  }
  return records;
}

const std::vector<AuditRecord>& AuditLog::unknownOutcomes() const noexcept {
  return impl_->unknown;
}

const std::filesystem::path& AuditLog::path() const noexcept { return impl_->path; }

}  // namespace keelson::store
