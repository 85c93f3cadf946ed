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

/// Encodes `points` (any order and values, NaN included: the bits round-trip) into a chunk.
/// Pure; thread-safe.
std::string encodeChunk(std::span<const ChunkPoint> points);

/// Decodes a chunk written by encodeChunk, points in the order they were encoded. Pure;
/// thread-safe. Throws Error(kBadInput) when `data` is truncated, has bytes left over, or is
/// otherwise not a chunk.
std::vector<ChunkPoint> decodeChunk(std::string_view data);

}  // namespace keelson::store
