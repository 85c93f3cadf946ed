#include "store/history_layout.h"

#include <fmt/format.h>

#include <map>
#include <optional>
#include <utility>

#include "core/error.h"
#include "store/blob_compression.h"

namespace keelson::store::layout {
namespace {

// Schema version 1, as earlier builds created it: what migrateFromV1 starts from.
constexpr std::string_view kHistorySchemaV1 = R"sql(
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

// What version 2 adds to version 1 once `points` is gone: the head (two tables, for windows of
// even and odd number, so that a compacted window's table can be emptied whole) and the chunks.
constexpr std::string_view kSchemaV2Points = R"sql(
CREATE TABLE head0 (
  ts_ms INTEGER NOT NULL,
  series_id INTEGER NOT NULL REFERENCES series(id),
  value REAL NOT NULL,
  PRIMARY KEY (ts_ms, series_id)
) WITHOUT ROWID;
CREATE TABLE head1 (
  ts_ms INTEGER NOT NULL,
  series_id INTEGER NOT NULL REFERENCES series(id),
  value REAL NOT NULL,
  PRIMARY KEY (ts_ms, series_id)
) WITHOUT ROWID;
CREATE TABLE chunks (
  window_ms INTEGER NOT NULL,
  series_id INTEGER NOT NULL REFERENCES series(id),
  first_ms INTEGER NOT NULL,
  last_ms INTEGER NOT NULL,
  count INTEGER NOT NULL,
  data BLOB NOT NULL,
  PRIMARY KEY (window_ms, series_id)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS settings (name TEXT PRIMARY KEY, value TEXT NOT NULL);
)sql";

// Writes the points of `source`'s rows in [window_ms, its last ms] into one chunk per series,
// merged with the chunk already stored for that window, if any (late points, replacements).
// `source` is a head table or, when migrating, version 1's `points`. Deletes nothing.
void compactWindow(sqlite::Database& db, std::string_view source, std::int64_t window_ms) {
  // Encoded as read (a few bytes a point: 30,000 series' hour is ~15 MB, not 58 MB of pairs).
  std::map<std::int64_t, ChunkEncoder> by_series;
  sqlite::Statement rows = db.prepare(fmt::format(
      "SELECT series_id, ts_ms, value FROM {} WHERE ts_ms BETWEEN ?1 AND ?2 ORDER BY ts_ms",
      source));
  rows.bind(1, window_ms).bind(2, windowLast(window_ms));
  while (rows.step()) by_series[rows.columnInt(0)].append(rows.columnInt(1), rows.columnDouble(2));
  rows.reset();
  sqlite::Statement stored =
      db.prepare("SELECT data FROM chunks WHERE window_ms = ?1 AND series_id = ?2");
  sqlite::Statement upsert = db.prepare(
      "INSERT OR REPLACE INTO chunks (window_ms, series_id, first_ms, last_ms, count, data) "
      "VALUES (?1, ?2, ?3, ?4, ?5, ?6)");
  for (auto& [series_id, encoder] : by_series) {
    stored.bind(1, window_ms).bind(2, series_id);
    if (stored.step()) {  // late points or replacements: merge with the stored chunk (rare)
      const auto points =
          mergePoints(decodeChunk(stored.columnBlob(0)), decodeChunk(encoder.finish()));
      encoder = ChunkEncoder();
      for (const auto& [ts, value] : points) encoder.append(ts, value);
    }
    stored.reset();
    upsert.bind(1, window_ms)
        .bind(2, series_id)
        .bind(3, encoder.firstMs())
        .bind(4, encoder.lastMs())
        .bind(5, static_cast<std::int64_t>(encoder.count()))
        .bindBlob(6, encoder.finish())
        .run();
  }
}

// The oldest timestamp in `table`'s ts_ms column, or nullopt when it is empty.
std::optional<std::int64_t> oldestMs(sqlite::Database& db, std::string_view table) {
  // A lone min() is one seek to the end of the primary key; min() and max() together scan.
  sqlite::Statement stmt = db.prepare(fmt::format("SELECT min(ts_ms) FROM {}", table));
  if (!stmt.step() || stmt.columnIsNull(0)) return std::nullopt;
  return stmt.columnInt(0);
}

}  // namespace

// The start of the window holding `ts_ms` (floor to a multiple of kWindowMs).
std::int64_t windowOf(std::int64_t ts_ms) {
  const std::int64_t r = ts_ms % kWindowMs;
  if (r >= 0) return ts_ms - r;
  return ts_ms < kMinMs + (kWindowMs + r) ? kMinMs : ts_ms - (kWindowMs + r);
}

// The last millisecond of the window starting at `window_ms`.
std::int64_t windowLast(std::int64_t window_ms) {
  return window_ms > kMaxMs - kWindowMs ? kMaxMs : window_ms + kWindowMs - 1;
}

// Which head table holds the points of the window starting at `window_ms`.
std::size_t headOf(std::int64_t window_ms) {
  return static_cast<std::size_t>(static_cast<std::uint64_t>(window_ms / kWindowMs) & 1U);
}

// The points of `older` and `newer` (each in timestamp order, without repeats) in timestamp
// order; `newer`'s point wins where both have a timestamp.
std::vector<ChunkPoint> mergePoints(const std::vector<ChunkPoint>& older,
                                    const std::vector<ChunkPoint>& newer) {
  std::vector<ChunkPoint> merged;
  merged.reserve(older.size() + newer.size());
  auto o = older.begin();
  auto n = newer.begin();
  while (o != older.end() || n != newer.end()) {
    if (n == newer.end() || (o != older.end() && o->first < n->first)) {
      merged.push_back(*o++);
    } else {
      if (o != older.end() && o->first == n->first) ++o;
      merged.push_back(*n++);
    }
  }
  return merged;
}

// Compacts every window of the head that ended at or before `now_ms` into chunks and removes it
// from the head. A head table holding nothing but that window is emptied whole (SQLite frees
// its pages without rewriting them); else (points far ahead of now_ms) its rows are deleted.
void compactEndedWindows(sqlite::Database& db, std::int64_t now_ms) {
  for (const std::string_view head : kHeads) {
    while (const std::optional<std::int64_t> oldest = oldestMs(db, head)) {
      const std::int64_t window_ms = windowOf(*oldest);
      const std::int64_t last_ms = windowLast(window_ms);
      if (last_ms >= now_ms) break;
      compactWindow(db, head, window_ms);
      sqlite::Statement newest = db.prepare(fmt::format("SELECT max(ts_ms) FROM {}", head));
      newest.step();
      const bool only_this_window = newest.columnInt(0) <= last_ms;
      newest.reset();
      if (only_this_window) {
        db.exec(fmt::format("DELETE FROM {}", head));
      } else {
        db.prepare(fmt::format("DELETE FROM {} WHERE ts_ms <= ?1", head)).bind(1, last_ms).run();
      }
    }
  }
}

namespace {

// Compresses every detector state of a version 1 file (version 2 stores them compressed), a
// batch of rows at a time so that the states are never all in memory.
void compressDetectorStates(sqlite::Database& db) {
  constexpr std::size_t kBatch = 1000;
  sqlite::Statement next = db.prepare(
      "SELECT series_id, state FROM detector_state WHERE series_id > ?1 ORDER BY series_id "
      "LIMIT ?2");
  sqlite::Statement update =
      db.prepare("UPDATE detector_state SET state = ?2 WHERE series_id = ?1");
  std::vector<std::pair<std::int64_t, std::string>> batch;
  std::int64_t after = std::numeric_limits<std::int64_t>::min();
  do {
    batch.clear();
    next.bind(1, after).bind(2, static_cast<std::int64_t>(kBatch));
    while (next.step()) batch.emplace_back(next.columnInt(0), compressBlob(next.columnBlob(1)));
    next.reset();
    for (const auto& [id, state] : batch) update.bind(1, id).bindBlob(2, state).run();
    if (!batch.empty()) after = batch.back().first;
  } while (batch.size() == kBatch);
}

}  // namespace

// Upgrades a version 1 file: the points of every window but the newest become chunks, the
// rest go to the head; then `points` and its index are dropped.
void migrateFromV1(sqlite::Database& db, std::int64_t from_version) {
  if (from_version != 1) {
    throw Error(ErrorCode::kBadInput,
                fmt::format("{}: unknown schema version {}", db.label(), from_version));
  }
  db.exec("PRAGMA secure_delete = FAST");  // dropping `points` rewrites none of its pages
  db.exec(kSchemaV2Points);
  sqlite::Statement newest = db.prepare("SELECT max(ts_ms) FROM points");
  newest.step();
  const std::optional<std::int64_t> newest_ms =
      newest.columnIsNull(0) ? std::nullopt : std::optional(newest.columnInt(0));
  newest.reset();
  if (newest_ms) {
    const std::int64_t head_from = windowOf(*newest_ms);
    sqlite::Statement next = db.prepare("SELECT min(ts_ms) FROM points WHERE ts_ms >= ?1");
    for (std::int64_t from = kMinMs;;) {
      next.bind(1, from);
      next.step();
      const std::int64_t oldest = next.columnInt(0);
      const bool none = next.columnIsNull(0);
      next.reset();
      if (none || oldest >= head_from) break;
      compactWindow(db, "points", windowOf(oldest));
      from = windowLast(windowOf(oldest)) + 1;
    }
    db.prepare(fmt::format("INSERT INTO {} (ts_ms, series_id, value) SELECT ts_ms, series_id, "
                           "value FROM points WHERE ts_ms >= ?1",
                           kHeads[headOf(head_from)]))
        .bind(1, head_from)
        .run();
  }
  db.exec("DROP INDEX points_by_ts; DROP TABLE points");
  compressDetectorStates(db);
}

std::string schemaV2() {
  std::string sql(kHistorySchemaV1);
  sql.erase(sql.find("CREATE TABLE points"),
            sql.find("CREATE TABLE detector_state") - sql.find("CREATE TABLE points"));
  return sql + std::string(kSchemaV2Points);
}

}  // namespace keelson::store::layout
