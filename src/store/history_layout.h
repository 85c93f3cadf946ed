#pragma once

// The history store's on-disk layout, schema version 2 (history_store.h describes the tables):
// the hour-long windows, the two head tables, the compaction of an ended window into one chunk
// per series, and the upgrade of a version 1 file. Internal to store/ (history_store.cpp);
// every function runs inside the caller's transaction on the caller's connection, so it is as
// thread-safe as that connection, and throws what sqlite::Database throws (Error(kUnavailable)
// for I/O and lock failures) and Error(kBadInput) for a chunk that does not decode.

#include <array>
#include <cstdint>
#include <limits>
#include <string>
#include <string_view>
#include <vector>

#include "store/chunk_codec.h"
#include "store/sqlite.h"

namespace keelson::store::layout {

/// The span of a chunk, milliseconds: the head's points are compacted a window at a time, once
/// it has ended. An hour is 120 points a series at the monitor's default 30 s interval.
inline constexpr std::int64_t kWindowMs = std::int64_t{3600} * 1000;

/// The smallest and largest timestamps (Unix epoch milliseconds).
inline constexpr std::int64_t kMinMs = std::numeric_limits<std::int64_t>::min();
inline constexpr std::int64_t kMaxMs = std::numeric_limits<std::int64_t>::max();

/// The head tables: windows of even number in head0, odd in head1 (see headOf).
inline constexpr std::array<std::string_view, 2> kHeads = {"head0", "head1"};

/// The start of the window holding `ts_ms` (floor to a multiple of kWindowMs; kMinMs below it).
std::int64_t windowOf(std::int64_t ts_ms);

/// The last millisecond of the window starting at `window_ms` (kMaxMs for the last window).
std::int64_t windowLast(std::int64_t window_ms);

/// Which head table (index into kHeads) holds the points of the window starting at `window_ms`.
std::size_t headOf(std::int64_t window_ms);

/// The points of `older` and `newer` (each in timestamp order, without repeats) in timestamp
/// order; `newer`'s point wins where both have a timestamp.
std::vector<ChunkPoint> mergePoints(const std::vector<ChunkPoint>& older,
                                    const std::vector<ChunkPoint>& newer);

/// Compacts every window of the head that ended before `now_ms` into chunks (merged with a chunk
/// already stored for it) and removes it from the head.
void compactEndedWindows(sqlite::Database& db, std::int64_t now_ms);

/// Upgrades a version 1 file (sqlite::StoreFile::migrate): every window but the newest becomes
/// chunks, the newest goes to the head, `points` is dropped. Throws Error(kBadInput) for a
/// `from_version` other than 1.
void migrateFromV1(sqlite::Database& db, std::int64_t from_version);

/// The SQL creating a version 2 database.
std::string schemaV2();

}  // namespace keelson::store::layout
