#include "store/history_store.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>
#include <sqlite3.h>

#include <cmath>
#include <limits>
#include <mutex>

#include "core/error.h"
#include "core/log.h"
#include "store/sqlite.h"
#include "store/state_dir.h"

namespace keelson::store {
namespace {

// Orphaned series (no points, no detector state) are swept at most this often.
constexpr std::int64_t kSweepIntervalMs = std::int64_t{3600} * 1000;

constexpr std::string_view kSchemaV1 = R"sql(
CREATE TABLE series (
  id INTEGER PRIMARY KEY,
  subject_kind TEXT NOT NULL,
  namespace TEXT NOT NULL,
  name TEXT NOT NULL,
  metric TEXT NOT NULL,
  UNIQUE (subject_kind, namespace, name, metric)
);
CREATE TABLE points (
  series_id INTEGER NOT NULL REFERENCES series(id),
  ts_ms INTEGER NOT NULL,
  value REAL NOT NULL,
  PRIMARY KEY (series_id, ts_ms)
) WITHOUT ROWID;
CREATE INDEX points_by_ts ON points(ts_ms);
CREATE TABLE detector_state (
  series_id INTEGER PRIMARY KEY REFERENCES series(id),
  state BLOB NOT NULL,
  updated_ms INTEGER NOT NULL
);
CREATE INDEX detector_state_by_updated ON detector_state(updated_ms);
CREATE TABLE ticks (
  ts_ms INTEGER PRIMARY KEY,
  points INTEGER NOT NULL
);
)sql";

sqlite::StoreFile storeFile(std::chrono::milliseconds busy_timeout) {
  return {.kind = "history",
          .schema_version = HistoryStore::kSchemaVersion,
          .schema_sql = kSchemaV1,
          .table = "series",
          .busy_timeout = busy_timeout,
          .missing_hint = " (`keelson monitor` creates it; choose another with --history)"};
}

SeriesKey readKey(const sqlite::Statement& stmt, int first_column) {
  return SeriesKey{stmt.columnText(first_column), stmt.columnText(first_column + 1),
                   stmt.columnText(first_column + 2), stmt.columnText(first_column + 3)};
}

std::int64_t toMs(std::chrono::seconds retention) {
  constexpr std::int64_t kMax = std::numeric_limits<std::int64_t>::max() / 1000;
  return retention.count() >= kMax ? std::numeric_limits<std::int64_t>::max()
                                   : retention.count() * 1000;
}

}  // namespace

struct HistoryStore::Impl {
  Impl(std::filesystem::path p, HistoryOptions o, bool ro, sqlite::Database d)
      : path(std::move(p)), options(o), read_only(ro), db(std::move(d)) {}

  std::filesystem::path path;
  HistoryOptions options;
  bool read_only;
  std::mutex mutex;
  sqlite::Database db;  // declared before the statements: destroyed after them
  std::optional<sqlite::Statement> find_series;
  std::optional<sqlite::Statement> insert_series;
  std::optional<sqlite::Statement> insert_point;
  std::optional<sqlite::Statement> upsert_state;
  std::optional<sqlite::Statement> insert_tick;
  std::optional<sqlite::Statement> prune_points;
  std::optional<sqlite::Statement> prune_states;
  std::optional<sqlite::Statement> prune_ticks;
  std::optional<std::int64_t> last_sweep_ms;

  void requireWritable(std::string_view what) const {
    if (read_only) {
      throw Error(ErrorCode::kInternal,
                  fmt::format("history {}: opened read-only; cannot {}", path.string(), what));
    }
  }

  void prepareWrites() {
    // Added after schema 1: created here, so databases of earlier builds gain it too.
    db.exec("CREATE TABLE IF NOT EXISTS settings (name TEXT PRIMARY KEY, value TEXT NOT NULL)");
    find_series = db.prepare(
        "SELECT id FROM series WHERE subject_kind = ?1 AND namespace = ?2 AND name = ?3 AND "
        "metric = ?4");
    insert_series = db.prepare(
        "INSERT INTO series (subject_kind, namespace, name, metric) VALUES (?1, ?2, ?3, ?4)");
    insert_point =
        db.prepare("INSERT OR REPLACE INTO points (series_id, ts_ms, value) VALUES (?1, ?2, ?3)");
    upsert_state = db.prepare(
        "INSERT INTO detector_state (series_id, state, updated_ms) VALUES (?1, ?2, ?3) "
        "ON CONFLICT (series_id) DO UPDATE SET state = excluded.state, "
        "updated_ms = excluded.updated_ms");
    insert_tick = db.prepare("INSERT OR REPLACE INTO ticks (ts_ms, points) VALUES (?1, ?2)");
    prune_points = db.prepare("DELETE FROM points WHERE ts_ms < ?1");
    prune_states = db.prepare("DELETE FROM detector_state WHERE updated_ms < ?1");
    prune_ticks = db.prepare("DELETE FROM ticks WHERE ts_ms < ?1");
  }

  std::int64_t seriesId(const SeriesKey& key) {
    find_series->bind(1, key.subject_kind)
        .bind(2, key.namespace_name)
        .bind(3, key.name)
        .bind(4, key.metric);
    if (find_series->step()) {
      const std::int64_t id = find_series->columnInt(0);
      find_series->reset();
      return id;
    }
    find_series->reset();
    insert_series->bind(1, key.subject_kind)
        .bind(2, key.namespace_name)
        .bind(3, key.name)
        .bind(4, key.metric)
        .run();
    return sqlite3_last_insert_rowid(db.handle());
  }

  // Deletes what fell out of the retention window; returns how many points and states went.
  std::int64_t prune(std::int64_t cutoff_ms) {
    prune_points->bind(1, cutoff_ms).run();
    std::int64_t removed = sqlite3_changes64(db.handle());
    prune_states->bind(1, cutoff_ms).run();
    removed += sqlite3_changes64(db.handle());
    prune_ticks->bind(1, cutoff_ms).run();
    return removed;
  }

  void sweepOrphans() {
    db.exec(
        "DELETE FROM series WHERE NOT EXISTS (SELECT 1 FROM points WHERE series_id = series.id) "
        "AND NOT EXISTS (SELECT 1 FROM detector_state WHERE series_id = series.id)");
  }
};

HistoryStore::HistoryStore(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
HistoryStore::HistoryStore(HistoryStore&&) noexcept = default;
HistoryStore& HistoryStore::operator=(HistoryStore&&) noexcept = default;
HistoryStore::~HistoryStore() = default;

HistoryStore HistoryStore::open(const std::filesystem::path& path, HistoryOptions options) {
  sqlite::Database db = sqlite::openStoreFile(path, storeFile(options.busy_timeout));
  auto impl = std::make_unique<Impl>(path, options, false, std::move(db));
  impl->prepareWrites();
  return HistoryStore(std::move(impl));
}

HistoryStore HistoryStore::openReadOnly(const std::filesystem::path& path) {
  sqlite::Database db =
      sqlite::openStoreFileReadOnly(path, storeFile(HistoryOptions{}.busy_timeout));
  return HistoryStore(std::make_unique<Impl>(path, HistoryOptions{}, true, std::move(db)));
}

void HistoryStore::appendTick(const std::vector<Point>& points,
                              const std::vector<std::pair<SeriesKey, std::string>>& detector_states,
                              std::int64_t now_ms) {
  const std::lock_guard lock(impl_->mutex);
  impl_->requireWritable("append");
  std::int64_t stored = 0;
  std::int64_t removed = 0;
  {
    sqlite::Transaction tx(impl_->db);
    for (const Point& point : points) {
      if (std::isnan(point.value)) continue;  // SQLite would store NULL
      impl_->insert_point->bind(1, impl_->seriesId(point.key))
          .bind(2, point.timestamp_ms)
          .bind(3, point.value)
          .run();
      ++stored;
    }
    for (const auto& [key, state] : detector_states) {
      impl_->upsert_state->bind(1, impl_->seriesId(key)).bindBlob(2, state).bind(3, now_ms).run();
    }
    impl_->insert_tick->bind(1, now_ms).bind(2, stored).run();
    const std::int64_t retention_ms = toMs(impl_->options.retention);
    if (retention_ms > 0) {
      const std::int64_t cutoff_ms =
          now_ms < std::numeric_limits<std::int64_t>::min() + retention_ms
              ? std::numeric_limits<std::int64_t>::min()
              : now_ms - retention_ms;
      removed = impl_->prune(cutoff_ms);
      if (removed > 0 &&
          (!impl_->last_sweep_ms || now_ms - *impl_->last_sweep_ms >= kSweepIntervalMs)) {
        impl_->sweepOrphans();
        impl_->last_sweep_ms = now_ms;
      }
    }
    tx.commit();
  }
  if (removed > 0) {
    core::logEvent(spdlog::level::debug, "history: retention removed points and detector states",
                   {{"path", impl_->path.string()}, {"removed", removed}});
  }
}

void HistoryStore::saveDetectorStates(
    const std::vector<std::pair<SeriesKey, std::string>>& detector_states, std::int64_t now_ms) {
  const std::lock_guard lock(impl_->mutex);
  impl_->requireWritable("save detector states");
  sqlite::Transaction tx(impl_->db);
  for (const auto& [key, state] : detector_states) {
    impl_->upsert_state->bind(1, impl_->seriesId(key)).bindBlob(2, state).bind(3, now_ms).run();
  }
  tx.commit();
}

void HistoryStore::setSetting(std::string_view name, std::string_view value) {
  const std::lock_guard lock(impl_->mutex);
  impl_->requireWritable("record a setting");
  impl_->db.prepare("INSERT OR REPLACE INTO settings (name, value) VALUES (?1, ?2)")
      .bind(1, name)
      .bind(2, value)
      .run();
}

std::optional<std::string> HistoryStore::setting(std::string_view name) const {
  const std::lock_guard lock(impl_->mutex);
  sqlite::Statement exists =
      impl_->db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'settings'");
  if (!exists.step()) return std::nullopt;
  sqlite::Statement stmt = impl_->db.prepare("SELECT value FROM settings WHERE name = ?1");
  stmt.bind(1, name);
  if (!stmt.step()) return std::nullopt;
  return stmt.columnText(0);
}

std::optional<std::string> HistoryStore::loadDetectorState(const SeriesKey& key) const {
  const std::lock_guard lock(impl_->mutex);
  sqlite::Statement stmt = impl_->db.prepare(
      "SELECT d.state FROM detector_state d JOIN series s ON s.id = d.series_id "
      "WHERE s.subject_kind = ?1 AND s.namespace = ?2 AND s.name = ?3 AND s.metric = ?4");
  stmt.bind(1, key.subject_kind).bind(2, key.namespace_name).bind(3, key.name).bind(4, key.metric);
  if (!stmt.step()) return std::nullopt;
  return stmt.columnBlob(0);
}

std::vector<std::pair<SeriesKey, std::string>> HistoryStore::loadDetectorStates() const {
  const std::lock_guard lock(impl_->mutex);
  sqlite::Statement stmt = impl_->db.prepare(
      "SELECT s.subject_kind, s.namespace, s.name, s.metric, d.state FROM detector_state d "
      "JOIN series s ON s.id = d.series_id ORDER BY 1, 2, 3, 4");
  std::vector<std::pair<SeriesKey, std::string>> states;
  while (stmt.step()) states.emplace_back(readKey(stmt, 0), stmt.columnBlob(4));
  return states;
}

std::vector<HistoryStore::SeriesPoints> HistoryStore::query(const SeriesQuery& q) const {
  const std::lock_guard lock(impl_->mutex);
  sqlite::Statement stmt = impl_->db.prepare(
      "SELECT s.subject_kind, s.namespace, s.name, s.metric, p.ts_ms, p.value "
      "FROM series s JOIN points p ON p.series_id = s.id "
      "WHERE s.subject_kind = ?1 AND (?2 = '' OR s.namespace = ?2) AND (?3 = '' OR s.name = ?3) "
      "AND (?4 IS NULL OR s.metric = ?4) AND p.ts_ms BETWEEN ?5 AND ?6 "
      "ORDER BY s.subject_kind, s.namespace, s.name, s.metric, p.ts_ms");
  stmt.bind(1, q.subject_kind).bind(2, q.namespace_name).bind(3, q.name);
  if (q.metric) stmt.bind(4, *q.metric);  // unbound stays NULL
  stmt.bind(5, q.from_ms).bind(6, q.to_ms);
  std::vector<SeriesPoints> result;
  while (stmt.step()) {
    SeriesKey key = readKey(stmt, 0);
    if (result.empty() || result.back().key != key) result.push_back({std::move(key), {}});
    result.back().points.emplace_back(stmt.columnInt(4), stmt.columnDouble(5));
  }
  return result;
}

std::vector<SeriesKey> HistoryStore::listSeries() const {
  const std::lock_guard lock(impl_->mutex);
  sqlite::Statement stmt = impl_->db.prepare(
      "SELECT subject_kind, namespace, name, metric FROM series ORDER BY 1, 2, 3, 4");
  std::vector<SeriesKey> keys;
  while (stmt.step()) keys.push_back(readKey(stmt, 0));
  return keys;
}

std::vector<HistoryStore::SeriesSummary> HistoryStore::summarizeSeries() const {
  const std::lock_guard lock(impl_->mutex);
  // Correlated min/max use the (series_id, ts_ms) primary key: two seeks per series.
  sqlite::Statement stmt = impl_->db.prepare(
      "SELECT subject_kind, namespace, name, metric, "
      "(SELECT min(ts_ms) FROM points WHERE series_id = s.id), "
      "(SELECT max(ts_ms) FROM points WHERE series_id = s.id) "
      "FROM series s ORDER BY 1, 2, 3, 4");
  std::vector<SeriesSummary> summaries;
  while (stmt.step()) {
    SeriesSummary summary{readKey(stmt, 0), std::nullopt, std::nullopt};
    if (!stmt.columnIsNull(4)) summary.first_ms = stmt.columnInt(4);
    if (!stmt.columnIsNull(5)) summary.last_ms = stmt.columnInt(5);
    summaries.push_back(std::move(summary));
  }
  return summaries;
}

std::optional<std::int64_t> HistoryStore::lastTickMs() const {
  const std::lock_guard lock(impl_->mutex);
  sqlite::Statement stmt = impl_->db.prepare("SELECT max(ts_ms) FROM ticks");
  if (!stmt.step() || stmt.columnIsNull(0)) return std::nullopt;
  return stmt.columnInt(0);
}

const std::filesystem::path& HistoryStore::path() const noexcept { return impl_->path; }

std::filesystem::path defaultHistoryPath(const std::function<const char*(const char*)>& getenv) {
  if (auto dir = userStateDir(getenv)) return *dir / "history.db";
  throw Error(ErrorCode::kBadInput,
              "cannot choose a default history database: neither XDG_STATE_HOME nor HOME is set "
              "(pass --history PATH)");
}

}  // namespace keelson::store
