#pragma once

// The encoding of a history chunk: the points of one series in one time window, as the history
// store keeps them once the window has closed (see history_store.h). Timestamps are stored as
// delta-of-delta zigzag varints (a regular interval costs one byte per point), values as the XOR
// with the previous value's bits, without its trailing zero bits, as a varint (a repeated value
// costs one byte, a small change a few).
//
// Layout: varint count, then `count` timestamps (the first zigzag, the second as a zigzag delta,
// the rest as zigzag deltas of deltas; arithmetic modulo 2^64, so any int64 round-trips), then
// `count` values (a byte 0 for "same bits as the previous value", the first compared with 0.0;
// else a byte 1 + trailing_zeros followed by the varint of xor >> trailing_zeros).

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace keelson::store {

/// One point of a chunk: (timestamp in Unix epoch milliseconds, value).
using ChunkPoint = std::pair<std::int64_t, double>;

/// Builds a chunk one point at a time, so that a window's points can be encoded as they are read
/// (a few bytes a point) rather than held as pairs (16 bytes a point) until the window is done.
/// Not thread-safe (one per chunk being built).
class ChunkEncoder {
 public:
  /// Appends a point (any order and values, NaN included: the bits round-trip).
  void append(std::int64_t timestamp_ms, double value);

  /// Points appended so far.
  std::uint64_t count() const noexcept { return count_; }
  /// The first point's timestamp (0 before any point).
  std::int64_t firstMs() const noexcept { return first_ms_; }
  /// The last point's timestamp (0 before any point).
  std::int64_t lastMs() const noexcept { return static_cast<std::int64_t>(prev_ts_); }

  /// The chunk of the points appended, in the order appended (decodeChunk reads it back).
  std::string finish() const;

 private:
  std::string timestamps_;  // zigzag varints, as the layout above
  std::string values_;      // tags and varints, as the layout above
  std::uint64_t count_ = 0;
  std::int64_t first_ms_ = 0;
  std::uint64_t prev_ts_ = 0;
  std::uint64_t prev_delta_ = 0;
  std::uint64_t prev_bits_ = 0;  // the bits of 0.0
};

/// Encodes `points` (any order and values, NaN included: the bits round-trip) into a chunk:
/// ChunkEncoder fed every point. Pure; thread-safe.
std::string encodeChunk(std::span<const ChunkPoint> points);

/// Decodes a chunk written by encodeChunk, points in the order they were encoded. Pure;
/// thread-safe. Throws Error(kBadInput) when `data` is truncated, has bytes left over, or is
/// otherwise not a chunk.
std::vector<ChunkPoint> decodeChunk(std::string_view data);

}  // namespace keelson::store
