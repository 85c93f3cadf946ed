#pragma once

// The history store: an embedded SQLite database (--history) holding the series `keelson
// monitor` collects, for `keelson history` to query, and the anomaly detectors' state (opaque
// blobs per series) so that detection survives restarts.
//
// The database runs in WAL mode with synchronous=FULL: each tick is one transaction, so a crash
// (SIGKILL, power loss) loses at most the tick in flight, and readers (other connections, other
// processes such as `keelson history`) read a consistent snapshot while `monitor` writes.
//
// Schema (version 2, in PRAGMA user_version), laid out as a TSDB does (a time-ordered head,
// then per-series chunks) so that a tick appends at the right edge of its B-trees instead of
// touching a leaf page per series:
//   series(id INTEGER PRIMARY KEY, subject_kind TEXT, namespace TEXT, name TEXT, metric TEXT,
//          UNIQUE(subject_kind, namespace, name, metric))
//   head0, head1(ts_ms, series_id, value REAL, PRIMARY KEY(ts_ms, series_id)) WITHOUT ROWID
//          -- points of windows not yet compacted; windows of even number in head0, odd in head1
//   chunks(window_ms, series_id, first_ms, last_ms, count, data BLOB,
//          PRIMARY KEY(window_ms, series_id)) WITHOUT ROWID -- the points of one series in one
//          window, encoded (store/chunk_codec.h); read by one primary-key lookup per window
//   detector_state(series_id PRIMARY KEY, state BLOB, updated_ms) -- the blob as given,
//          zlib-compressed (store/blob_compression.h; a version 1 file's are compressed on upgrade)
//   ticks(ts_ms PRIMARY KEY, points)  -- one row per appendTick
//   settings(name TEXT PRIMARY KEY, value TEXT) -- see setSetting; "retained_from_ms" is the
//          last retention cutoff (points older than it may remain in a chunk, never returned)
// Windows are aligned hours (window_ms = ts_ms - ts_ms mod 3,600,000). The appendTick whose
// now_ms is past a window's end moves the head's points of that window into one chunk per
// series, in the same transaction (encoding each series' points as they are read: a few bytes
// a point, about 15 MB at 30,000 series and 30 s ticks). A point written later into a compacted
// window is merged into its chunk (re-encoded) by the same appendTick. Version 1 (one `points`
// table keyed by (series_id, ts_ms), and an index on ts_ms) is upgraded by open(), in one
// transaction; openReadOnly() refuses it.
// Timestamps are Unix epoch milliseconds (UTC).

#include <chrono>
#include <compare>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace keelson::store {

/// What a series measures: one metric of one subject.
struct SeriesKey {
  std::string subject_kind;    ///< "pod", "node" or "host".
  std::string namespace_name;  ///< The pod's namespace; "" for nodes and the host.
  std::string name;            ///< The pod's, node's or host's name.
  std::string metric;          ///< e.g. "cpu_millicores", "memory_bytes".

  /// Field-by-field comparison (ordered kind, namespace, name, metric).
  friend auto operator<=>(const SeriesKey&, const SeriesKey&) = default;
  friend bool operator==(const SeriesKey&, const SeriesKey&) = default;
};

/// One sample of a series.
struct Point {
  SeriesKey key;
  std::int64_t timestamp_ms = 0;  ///< When it was measured, Unix epoch milliseconds.
  double value = 0;               ///< In the unit the metric's name says. NaN is not stored.
};

/// Options of a writable HistoryStore.
struct HistoryOptions {
  /// Points (and detector states not updated) older than this, relative to the `now_ms` of
  /// each appendTick, are deleted: points in the head at once, compacted points a window (an
  /// hour) at a time, those older than the cutoff in the oldest window left being no longer
  /// returned by query() or counted by summarizeSeries(). Zero or less keeps everything.
  std::chrono::seconds retention{7 * 24 * 3600};
  /// How long a statement waits for another connection's lock before failing with kUnavailable.
  std::chrono::milliseconds busy_timeout{5000};
};

/// The history database. Thread-safe: every method takes an internal mutex (one connection per
/// HistoryStore). Other HistoryStores and processes may read the same file while one writes (WAL
/// mode); one process should write at a time (a second writer waits up to busy_timeout per
/// tick). Move-only. Errors are keelson::Error whose message names the file: kNotFound (no
/// database at the path, openReadOnly), kBadInput (not a keelson history database, corrupt, or
/// written by a newer keelson), kUnavailable (locked past busy_timeout, disk full, I/O error).
class HistoryStore {
 public:
  /// The schema version this build writes and reads (PRAGMA user_version).
  static constexpr int kSchemaVersion = 2;

  /// Opens `path` for writing, creating its parent directories and the database when absent;
  /// sets WAL mode, synchronous=FULL and the busy timeout, creates the schema in a new file and
  /// upgrades a version 1 file to version 2 (in one transaction, which takes as long as it takes
  /// to encode every point once).
  static HistoryStore open(const std::filesystem::path& path, HistoryOptions options = {});

  /// Opens an existing database read-only (for `keelson history`); appendTick then throws.
  /// Throws Error(kNotFound) naming the path when there is no file, Error(kBadInput) for a file
  /// of schema version 1 (open() upgrades it: `keelson monitor` does, once).
  static HistoryStore openReadOnly(const std::filesystem::path& path);

  HistoryStore(HistoryStore&&) noexcept;
  HistoryStore& operator=(HistoryStore&&) noexcept;
  ~HistoryStore();

  /// Stores one tick in one transaction: the points (a point with the same series and
  /// timestamp as a stored one replaces it; NaN values are skipped), the detector states given
  /// (an opaque blob per series, replacing the previous one; the monitor passes a share of its
  /// series per tick, see saveDetectorStates) and a row in `ticks` for `now_ms`;
  /// compacts the head's windows that ended before `now_ms` into chunks; then deletes points
  /// and detector states older than the retention relative to `now_ms`.
  void appendTick(const std::vector<Point>& points,
                  const std::vector<std::pair<SeriesKey, std::string>>& detector_states,
                  std::int64_t now_ms);

  /// Stores detector states (an opaque blob per series, replacing the previous one, stamped
  /// `now_ms`) in one transaction, without a tick: what the monitor checkpoints between ticks
  /// and at shutdown.
  void saveDetectorStates(const std::vector<std::pair<SeriesKey, std::string>>& detector_states,
                          std::int64_t now_ms);

  /// Records a setting of the writer in the `settings` table (name -> text), replacing an
  /// earlier value: e.g. "detector_checkpoint_ticks", how many ticks of detector learning a
  /// crash of `keelson monitor` can lose.
  void setSetting(std::string_view name, std::string_view value);

  /// A setting recorded by setSetting, or nullopt (also for a database written before settings
  /// existed).
  std::optional<std::string> setting(std::string_view name) const;

  /// The detector state last stored for `key`, or nullopt. Throws Error(kBadInput) naming the
  /// series when the stored blob is corrupt (not a compressed blob, or over 1 MiB inflated).
  std::optional<std::string> loadDetectorState(const SeriesKey& key) const;

  /// Every stored detector state (for restoring all detectors at start-up), ordered by key.
  /// Throws as loadDetectorState does for the first corrupt one.
  std::vector<std::pair<SeriesKey, std::string>> loadDetectorStates() const;

  /// Which points query() returns.
  struct SeriesQuery {
    std::string subject_kind;           ///< "pod", "node" or "host"; required.
    std::string namespace_name;         ///< "" matches any namespace.
    std::string name;                   ///< "" matches any name (e.g. `history --host`).
    std::optional<std::string> metric;  ///< nullopt: every metric of the subject.
    std::int64_t from_ms = 0;           ///< Inclusive, Unix epoch milliseconds.
    std::int64_t to_ms = INT64_MAX;     ///< Inclusive.
  };

  /// The points of one series, in timestamp order: (timestamp_ms, value).
  struct SeriesPoints {
    SeriesKey key;
    std::vector<std::pair<std::int64_t, double>> points;
  };

  /// The matching series that have points in [from_ms, to_ms], ordered by key; series without
  /// points in the range are left out.
  std::vector<SeriesPoints> query(const SeriesQuery& q) const;

  /// Every series the store knows (with points or a detector state), ordered by key.
  std::vector<SeriesKey> listSeries() const;

  /// A series with the time span of its stored points (for `keelson history --list`).
  struct SeriesSummary {
    SeriesKey key;
    std::optional<std::int64_t> first_ms;  ///< Oldest point; nullopt when it has none.
    std::optional<std::int64_t> last_ms;   ///< Newest point.
  };

  /// listSeries() with each series' first and last point.
  std::vector<SeriesSummary> summarizeSeries() const;

  /// The now_ms of the last appendTick stored, or nullopt for an empty store.
  std::optional<std::int64_t> lastTickMs() const;

  /// The database file's path.
  const std::filesystem::path& path() const noexcept;

 private:
  struct Impl;
  explicit HistoryStore(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

/// Consecutive series written as one share when detector states are checkpointed a share at a
/// time (at most; fewer when a batch is small, so that it still spreads over every share).
inline constexpr std::uint64_t kCheckpointRun = 64;

/// The checkpoint share, in [0, every), of the `index`-th of `count` series whose detectors
/// were created together (in the order their series were first stored, which is the order of
/// their rows in detector_state): runs of up to kCheckpointRun consecutive series share one, so
/// that a tick's share of states rewrites runs of adjacent rows (about half the pages, and
/// bytes, of states spread one by one: bench/store/bench_history_writes). Pure.
std::uint64_t detectorCheckpointShare(std::uint64_t index, std::uint64_t count,
                                      std::uint64_t every);

/// The default --history path: $XDG_STATE_HOME/keelson/history.db when XDG_STATE_HOME is set to
/// an absolute path, else $HOME/.local/state/keelson/history.db. `getenv` is injected (pass
/// std::getenv). Throws Error(kBadInput) when neither variable is usable.
std::filesystem::path defaultHistoryPath(const std::function<const char*(const char*)>& getenv);

}  // namespace keelson::store
