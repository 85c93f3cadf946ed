#include "store/history_store.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>
#include <sqlite3.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <limits>
#include <map>
#include <mutex>
#include <set>

#include "core/error.h"
#include "core/log.h"
#include "store/blob_compression.h"
#include "store/chunk_codec.h"
#include "store/history_layout.h"
#include "store/sqlite.h"
#include "store/state_dir.h"

namespace keelson::store {
namespace {

using layout::compactEndedWindows;
using layout::headOf;
using layout::kHeads;
using layout::kMaxMs;
using layout::kMinMs;
using layout::kWindowMs;
using layout::mergePoints;
using layout::windowOf;

// Orphaned series (no points, no detector state) are swept at most this often.
constexpr std::int64_t kSweepIntervalMs = std::int64_t{3600} * 1000;

// The setting under which appendTick records its retention cutoff: points older than it may
// still sit in the oldest chunk, but are not returned.
constexpr std::string_view kRetainedFromSetting = "retained_from_ms";

// The largest detector state a stored blob may inflate to (a state is 1,702 bytes today).
constexpr std::size_t kMaxStateBytes = std::size_t{1} << 20;

// A stored detector state (compressed, blob_compression.h) as the monitor gave it.
std::string readState(const sqlite::Statement& stmt, int column, const SeriesKey& key) {
  return decompressBlob(stmt.columnBlob(column), kMaxStateBytes,
                        fmt::format("history: detector state of {} {}/{} {}", key.subject_kind,
                                    key.namespace_name, key.name, key.metric));
}

sqlite::StoreFile historyStoreFile(std::chrono::milliseconds busy_timeout) {
  static const std::string schema = layout::schemaV2();
  return {.kind = "history",
          .schema_version = HistoryStore::kSchemaVersion,
          .schema_sql = schema,
          .table = "series",
          .busy_timeout = busy_timeout,
          .missing_hint = " (`keelson monitor` creates it; choose another with --history)",
          .owner_only = false,
          .migrate = layout::migrateFromV1};
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

// A row of the settings table, or nullopt (also when a database has no such table).
std::optional<std::string> readSetting(sqlite::Database& db, std::string_view name) {
  sqlite::Statement exists =
      db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'settings'");
  if (!exists.step()) return std::nullopt;
  sqlite::Statement stmt = db.prepare("SELECT value FROM settings WHERE name = ?1");
  stmt.bind(1, name);
  if (!stmt.step()) return std::nullopt;
  return stmt.columnText(0);
}

// The oldest timestamp readers return: the writer's last retention cutoff.
std::int64_t retainedFromMs(sqlite::Database& db) {
  const std::optional<std::string> text = readSetting(db, kRetainedFromSetting);
  if (!text) return kMinMs;
  try {
    return std::stoll(*text);
  } catch (const std::exception&) {
    return kMinMs;
  }
}

// The first and last window_ms of the stored chunks (the ends of the primary key), or nullopt.
std::optional<std::pair<std::int64_t, std::int64_t>> chunkWindows(sqlite::Database& db) {
  // Two statements: a lone min() or max() is one seek to an end of the primary key, both
  // together a scan.
  sqlite::Statement first = db.prepare("SELECT min(window_ms) FROM chunks");
  sqlite::Statement last = db.prepare("SELECT max(window_ms) FROM chunks");
  if (!first.step() || first.columnIsNull(0) || !last.step()) return std::nullopt;
  return std::pair{first.columnInt(0), last.columnInt(0)};
}

// Calls `visit(window_ms)` for each window from `first` to `last` (both window starts), upward
// or downward, until it returns true; returns whether one did.
template <typename Visit>
bool forEachWindow(std::int64_t first, std::int64_t last, bool upward, Visit visit) {
  if (first > last) return false;
  for (std::int64_t w = upward ? first : last;; w += upward ? kWindowMs : -kWindowMs) {
    if (visit(w)) return true;
    if (w == (upward ? last : first)) return false;
  }
}

// Up to this many series, query() reads the head by primary-key seeks, one per (timestamp,
// series), instead of scanning every row of the range (a window holds each tick's points of
// every series: at 10,000 pods an hour is 3.6 M rows); the timestamps are found by seeking too,
// up to kHeadSeekTimestamps of them.
constexpr std::size_t kHeadSeekSeries = 64;
constexpr std::size_t kHeadSeekTimestamps = 4096;

// The distinct timestamps of `table` in [from_ms, to_ms], or nullopt when there are more than
// kHeadSeekTimestamps.
std::optional<std::vector<std::int64_t>> headTimestamps(sqlite::Database& db,
                                                        std::string_view table,
                                                        std::int64_t from_ms, std::int64_t to_ms) {
  sqlite::Statement next = db.prepare(fmt::format(
      "SELECT ts_ms FROM {} WHERE ts_ms BETWEEN ?1 AND ?2 ORDER BY ts_ms LIMIT 1", table));
  std::vector<std::int64_t> stamps;
  for (std::int64_t from = from_ms;;) {
    next.bind(1, from).bind(2, to_ms);
    if (!next.step()) break;
    const std::int64_t ts = next.columnInt(0);
    next.reset();
    if (stamps.size() == kHeadSeekTimestamps) return std::nullopt;
    stamps.push_back(ts);
    if (ts == to_ms) break;
    from = ts + 1;
  }
  return stamps;
}

// The head's points in [from_ms, to_ms] of each series in `head` (its keys), in timestamp
// order.
void readHead(sqlite::Database& db, std::int64_t from_ms, std::int64_t to_ms,
              std::map<std::int64_t, std::vector<ChunkPoint>>& head) {
  for (const std::string_view table : kHeads) {
    std::optional<std::vector<std::int64_t>> stamps;
    if (head.size() <= kHeadSeekSeries) stamps = headTimestamps(db, table, from_ms, to_ms);
    if (stamps) {
      sqlite::Statement one = db.prepare(
          fmt::format("SELECT value FROM {} WHERE ts_ms = ?1 AND series_id = ?2", table));
      for (auto& [id, points] : head) {
        for (const std::int64_t ts : *stamps) {
          one.bind(1, ts).bind(2, id);
          if (one.step()) points.emplace_back(ts, one.columnDouble(0));
          one.reset();
        }
      }
      continue;
    }
    sqlite::Statement rows = db.prepare(fmt::format(
        "SELECT series_id, ts_ms, value FROM {} WHERE ts_ms BETWEEN ?1 AND ?2 ORDER BY ts_ms",
        table));
    rows.bind(1, from_ms).bind(2, to_ms);
    while (rows.step()) {
      if (auto it = head.find(rows.columnInt(0)); it != head.end()) {
        it->second.emplace_back(rows.columnInt(1), rows.columnDouble(2));
      }
    }
  }
  // Each table's points come in timestamp order; both tables together (windows of both
  // parities) only when the head holds more than one window.
  for (auto& [id, points] : head) {
    if (!std::is_sorted(points.begin(), points.end())) std::sort(points.begin(), points.end());
  }
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
  std::array<std::optional<sqlite::Statement>, 2> insert_point;  // One per head table.
  std::optional<sqlite::Statement> upsert_state;
  std::optional<sqlite::Statement> insert_tick;
  std::array<std::optional<sqlite::Statement>, 2> prune_head;
  std::optional<sqlite::Statement> prune_chunks;
  std::optional<sqlite::Statement> prune_states;
  std::optional<sqlite::Statement> prune_ticks;
  std::optional<sqlite::Statement> set_retained_from;
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
    for (std::size_t i = 0; i < kHeads.size(); ++i) {
      insert_point[i] = db.prepare(fmt::format(
          "INSERT OR REPLACE INTO {} (ts_ms, series_id, value) VALUES (?1, ?2, ?3)", kHeads[i]));
      prune_head[i] = db.prepare(fmt::format("DELETE FROM {} WHERE ts_ms < ?1", kHeads[i]));
    }
    upsert_state = db.prepare(
        "INSERT INTO detector_state (series_id, state, updated_ms) VALUES (?1, ?2, ?3) "
        "ON CONFLICT (series_id) DO UPDATE SET state = excluded.state, "
        "updated_ms = excluded.updated_ms");
    insert_tick = db.prepare("INSERT OR REPLACE INTO ticks (ts_ms, points) VALUES (?1, ?2)");
    prune_chunks = db.prepare("DELETE FROM chunks WHERE window_ms < ?1");
    prune_states = db.prepare("DELETE FROM detector_state WHERE updated_ms < ?1");
    prune_ticks = db.prepare("DELETE FROM ticks WHERE ts_ms < ?1");
    set_retained_from = db.prepare("INSERT OR REPLACE INTO settings (name, value) VALUES (?1, ?2)");
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

  // Replaces the detector states given (compressed), stamped now_ms.
  void upsertStates(const std::vector<std::pair<SeriesKey, std::string>>& states,
                    std::int64_t now_ms) {
    for (const auto& [key, state] : states) {
      upsert_state->bind(1, seriesId(key)).bindBlob(2, compressBlob(state)).bind(3, now_ms).run();
    }
  }

  // Deletes what fell out of the retention window: head points, chunks of whole windows before
  // the cutoff (points before it in the chunk of the window holding it stay until that window
  // goes, and are not returned: the cutoff is recorded for readers), detector states and ticks.
  // Returns how many head points, chunks and states went.
  std::int64_t prune(std::int64_t cutoff_ms) {
    std::int64_t removed = 0;
    for (auto& prune_head_table : prune_head) {
      prune_head_table->bind(1, cutoff_ms).run();
      removed += sqlite3_changes64(db.handle());
    }
    prune_chunks->bind(1, windowOf(cutoff_ms)).run();
    removed += sqlite3_changes64(db.handle());
    prune_states->bind(1, cutoff_ms).run();
    removed += sqlite3_changes64(db.handle());
    prune_ticks->bind(1, cutoff_ms).run();
    const std::string cutoff_text = std::to_string(cutoff_ms);
    set_retained_from->bind(1, kRetainedFromSetting).bind(2, cutoff_text).run();
    return removed;
  }

  void sweepOrphans(std::int64_t cutoff_ms) {
    // Chunks whose every point is older than the cutoff (only the window holding it can have
    // them: older windows are gone).
    db.prepare("DELETE FROM chunks WHERE window_ms <= ?1 AND last_ms < ?2")
        .bind(1, windowOf(cutoff_ms))
        .bind(2, cutoff_ms)
        .run();
    // Series with no point in the head nor a detector state are candidates; those without a
    // chunk either (one lookup per window) go.
    sqlite::Statement candidates = db.prepare(
        "SELECT id FROM series WHERE id NOT IN (SELECT series_id FROM head0) "
        "AND id NOT IN (SELECT series_id FROM head1) "
        "AND NOT EXISTS (SELECT 1 FROM detector_state WHERE series_id = series.id)");
    std::vector<std::int64_t> ids;
    while (candidates.step()) ids.push_back(candidates.columnInt(0));
    candidates.reset();
    const auto windows = chunkWindows(db);
    sqlite::Statement chunk =
        db.prepare("SELECT 1 FROM chunks WHERE window_ms = ?1 AND series_id = ?2");
    sqlite::Statement remove = db.prepare("DELETE FROM series WHERE id = ?1");
    for (const std::int64_t id : ids) {
      const bool has_chunk =
          windows && forEachWindow(windows->first, windows->second, false, [&](std::int64_t w) {
            chunk.bind(1, w).bind(2, id);
            const bool found = chunk.step();
            chunk.reset();
            return found;
          });
      if (!has_chunk) remove.bind(1, id).run();
    }
  }
};

HistoryStore::HistoryStore(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
HistoryStore::HistoryStore(HistoryStore&&) noexcept = default;
HistoryStore& HistoryStore::operator=(HistoryStore&&) noexcept = default;
HistoryStore::~HistoryStore() = default;

HistoryStore HistoryStore::open(const std::filesystem::path& path, HistoryOptions options) {
  sqlite::Database db = sqlite::openStoreFile(path, historyStoreFile(options.busy_timeout));
  // Debian's SQLite zeroes every freed page (SQLITE_SECURE_DELETE): emptying a compacted head
  // table would then write it all again. FAST zeroes deleted rows only on pages written anyway.
  db.exec("PRAGMA secure_delete = FAST");
  auto impl = std::make_unique<Impl>(path, options, false, std::move(db));
  impl->prepareWrites();
  return HistoryStore(std::move(impl));
}

HistoryStore HistoryStore::openReadOnly(const std::filesystem::path& path) {
  sqlite::Database db =
      sqlite::openStoreFileReadOnly(path, historyStoreFile(HistoryOptions{}.busy_timeout));
  if (const std::int64_t version = db.queryInt("PRAGMA user_version"); version < kSchemaVersion) {
    // Upgrading needs the write lock, which a reader must not take while `monitor` writes.
    throw Error(ErrorCode::kBadInput,
                fmt::format("history {}: schema version {} of an earlier keelson; run `keelson "
                            "monitor --history {}` once to upgrade it to version {}",
                            path.string(), version, path.string(), kSchemaVersion));
  }
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
      impl_->insert_point[headOf(windowOf(point.timestamp_ms))]
          ->bind(1, point.timestamp_ms)
          .bind(2, impl_->seriesId(point.key))
          .bind(3, point.value)
          .run();
      ++stored;
    }
    impl_->upsertStates(detector_states, now_ms);
    impl_->insert_tick->bind(1, now_ms).bind(2, stored).run();
    compactEndedWindows(impl_->db, now_ms);
    const std::int64_t retention_ms = toMs(impl_->options.retention);
    if (retention_ms > 0) {
      const std::int64_t cutoff_ms =
          now_ms < std::numeric_limits<std::int64_t>::min() + retention_ms
              ? std::numeric_limits<std::int64_t>::min()
              : now_ms - retention_ms;
      removed = impl_->prune(cutoff_ms);
      if (removed > 0 &&
          (!impl_->last_sweep_ms || now_ms - *impl_->last_sweep_ms >= kSweepIntervalMs)) {
        impl_->sweepOrphans(cutoff_ms);
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
  impl_->upsertStates(detector_states, now_ms);
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
  return readSetting(impl_->db, name);
}

std::optional<std::string> HistoryStore::loadDetectorState(const SeriesKey& key) const {
  const std::lock_guard lock(impl_->mutex);
  sqlite::Statement stmt = impl_->db.prepare(
      "SELECT d.state FROM detector_state d JOIN series s ON s.id = d.series_id "
      "WHERE s.subject_kind = ?1 AND s.namespace = ?2 AND s.name = ?3 AND s.metric = ?4");
  stmt.bind(1, key.subject_kind).bind(2, key.namespace_name).bind(3, key.name).bind(4, key.metric);
  if (!stmt.step()) return std::nullopt;
  return readState(stmt, 0, key);
}

std::vector<std::pair<SeriesKey, std::string>> HistoryStore::loadDetectorStates() const {
  const std::lock_guard lock(impl_->mutex);
  sqlite::Statement stmt = impl_->db.prepare(
      "SELECT s.subject_kind, s.namespace, s.name, s.metric, d.state FROM detector_state d "
      "JOIN series s ON s.id = d.series_id ORDER BY 1, 2, 3, 4");
  std::vector<std::pair<SeriesKey, std::string>> states;
  while (stmt.step()) {
    SeriesKey key = readKey(stmt, 0);
    std::string state = readState(stmt, 4, key);
    states.emplace_back(std::move(key), std::move(state));
  }
  return states;
}

std::vector<HistoryStore::SeriesPoints> HistoryStore::query(const SeriesQuery& q) const {
  const std::lock_guard lock(impl_->mutex);
  sqlite::Database& db = impl_->db;
  const std::int64_t from_ms = std::max(q.from_ms, retainedFromMs(db));
  if (from_ms > q.to_ms) return {};
  sqlite::Statement series = db.prepare(
      "SELECT id, subject_kind, namespace, name, metric FROM series "
      "WHERE subject_kind = ?1 AND (?2 = '' OR namespace = ?2) AND (?3 = '' OR name = ?3) "
      "AND (?4 IS NULL OR metric = ?4) ORDER BY subject_kind, namespace, name, metric");
  series.bind(1, q.subject_kind).bind(2, q.namespace_name).bind(3, q.name);
  if (q.metric) series.bind(4, *q.metric);  // unbound stays NULL
  std::vector<std::pair<std::int64_t, SeriesKey>> matched;
  while (series.step()) matched.emplace_back(series.columnInt(0), readKey(series, 1));
  if (matched.empty()) return {};

  std::map<std::int64_t, std::vector<ChunkPoint>> head;
  for (const auto& [id, key] : matched) head[id];
  readHead(db, from_ms, q.to_ms, head);
  // Chunks by primary key, one lookup per window in range (no index on series_id: it would
  // take a random insert per series at each compaction).
  const auto windows = chunkWindows(db);
  const std::int64_t first_window = windows ? std::max(windows->first, windowOf(from_ms)) : 1;
  const std::int64_t last_window = windows ? std::min(windows->second, windowOf(q.to_ms)) : 0;
  sqlite::Statement chunk =
      db.prepare("SELECT data FROM chunks WHERE window_ms = ?1 AND series_id = ?2");
  std::vector<SeriesPoints> result;
  for (auto& [id, key] : matched) {
    std::vector<ChunkPoint> points;
    const std::int64_t series_id = id;  // clang before 16 cannot capture a structured binding
    forEachWindow(first_window, last_window, true, [&](std::int64_t w) {
      chunk.bind(1, w).bind(2, series_id);
      if (chunk.step()) {
        for (const ChunkPoint& point : decodeChunk(chunk.columnBlob(0))) {
          if (point.first >= from_ms && point.first <= q.to_ms) points.push_back(point);
        }
      }
      chunk.reset();
      return false;
    });
    std::vector<ChunkPoint>& newer = head[id];
    // Both are in timestamp order when the head holds no window a chunk has (it can, after a
    // write at a timestamp far ahead of now, or with the clock set back): merge then.
    if (!newer.empty()) {
      points = !points.empty() && points.back().first >= newer.front().first
                   ? mergePoints(points, newer)
                   : (points.insert(points.end(), newer.begin(), newer.end()), points);
    }
    if (!points.empty()) result.push_back({std::move(key), std::move(points)});
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
  sqlite::Database& db = impl_->db;
  const std::int64_t retained_from = retainedFromMs(db);
  // The head's span per series: one scan of its (at most two) windows.
  std::map<std::int64_t, std::pair<std::int64_t, std::int64_t>> head;
  for (const std::string_view table : kHeads) {
    sqlite::Statement rows = db.prepare(fmt::format(
        "SELECT series_id, min(ts_ms), max(ts_ms) FROM {} WHERE ts_ms >= ?1 GROUP BY series_id",
        table));
    rows.bind(1, retained_from);
    while (rows.step()) {
      const auto [it, added] =
          head.try_emplace(rows.columnInt(0), rows.columnInt(1), rows.columnInt(2));
      if (!added) {
        it->second.first = std::min(it->second.first, rows.columnInt(1));
        it->second.second = std::max(it->second.second, rows.columnInt(2));
      }
    }
  }
  // Chunks by primary key: the oldest window with a point kept, and the newest.
  const auto windows = chunkWindows(db);
  const std::int64_t first_window = windows ? std::max(windows->first, windowOf(retained_from)) : 1;
  const std::int64_t last_window = windows ? windows->second : 0;
  sqlite::Statement chunk = db.prepare(
      "SELECT first_ms, last_ms, data FROM chunks WHERE window_ms = ?1 AND series_id = ?2");
  sqlite::Statement stmt = db.prepare(
      "SELECT id, subject_kind, namespace, name, metric FROM series ORDER BY 2, 3, 4, 5");
  std::vector<SeriesSummary> summaries;
  while (stmt.step()) {
    const std::int64_t id = stmt.columnInt(0);
    SeriesSummary summary{readKey(stmt, 1), std::nullopt, std::nullopt};
    forEachWindow(first_window, last_window, true, [&](std::int64_t w) {
      chunk.bind(1, w).bind(2, id);
      const bool kept = chunk.step() && chunk.columnInt(1) >= retained_from;
      if (kept) {
        summary.first_ms = chunk.columnInt(0);
        if (*summary.first_ms < retained_from) {  // the chunk the retention cutoff falls in
          for (const ChunkPoint& point : decodeChunk(chunk.columnBlob(2))) {
            if (point.first >= retained_from) {
              summary.first_ms = point.first;
              break;
            }
          }
        }
      }
      chunk.reset();
      return kept;
    });
    forEachWindow(first_window, last_window, false, [&](std::int64_t w) {
      chunk.bind(1, w).bind(2, id);
      const bool kept = chunk.step() && chunk.columnInt(1) >= retained_from;
      if (kept) summary.last_ms = chunk.columnInt(1);
      chunk.reset();
      return kept;
    });
    if (auto it = head.find(id); it != head.end()) {
      summary.first_ms = std::min(summary.first_ms.value_or(kMaxMs), it->second.first);
      summary.last_ms = std::max(summary.last_ms.value_or(kMinMs), it->second.second);
    }
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

std::uint64_t detectorCheckpointShare(std::uint64_t index, std::uint64_t count,
                                      std::uint64_t every) {
  every = std::max<std::uint64_t>(every, 1);
  const std::uint64_t run =
      std::clamp<std::uint64_t>((count + every - 1) / every, 1, kCheckpointRun);
  return index / run % every;
}

std::filesystem::path defaultHistoryPath(const std::function<const char*(const char*)>& getenv) {
  if (auto dir = userStateDir(getenv)) return *dir / "history.db";
  throw Error(ErrorCode::kBadInput,
              "cannot choose a default history database: neither XDG_STATE_HOME nor HOME is set "
              "(pass --history PATH)");
}

}  // namespace keelson::store
