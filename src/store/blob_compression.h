#pragma once

// Compression of the opaque blobs a store keeps (the anomaly detectors' states in the history
// store): zlib (deflate, RFC 1950) at level 1, behind a 4-byte little-endian count of the
// uncompressed bytes so that reading allocates exactly once and refuses a blob that would
// inflate past a limit. A learnt detector's 1,702-byte state is about 700 bytes for a steady
// series and 1,250 bytes for a noisy one (state_bytes in bench/store/bench_history_writes).

#include <cstddef>
#include <string>
#include <string_view>

namespace keelson::store {

/// Compresses `raw` (any bytes, at most 4 GiB - 1) into the layout above. Throws
/// keelson::Error(kInternal) if zlib fails (out of memory) and kBadInput if `raw` is too large.
/// Thread-safe (no shared state).
std::string compressBlob(std::string_view raw);

/// The bytes compressBlob() was given. Throws keelson::Error(kBadInput) naming `what` when
/// `stored` is not in that layout, is truncated or corrupt, or would inflate to more than
/// `max_bytes` bytes. Thread-safe.
std::string decompressBlob(std::string_view stored, std::size_t max_bytes, std::string_view what);

}  // namespace keelson::store
