// decodeChunk on arbitrary bytes: it throws keelson::Error or returns points that encodeChunk
// encodes to a chunk decoding to the same points (timestamps and value bits).
#include <bit>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>
#include <vector>

#include "core/error.h"
#include "store/chunk_codec.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);
  std::vector<keelson::store::ChunkPoint> points;
  try {
    points = keelson::store::decodeChunk(bytes);
  } catch (const keelson::Error&) {
    return 0;
  }
  const auto again = keelson::store::decodeChunk(keelson::store::encodeChunk(points));
  if (again.size() != points.size()) std::abort();
  for (std::size_t i = 0; i < points.size(); ++i) {
    if (again[i].first != points[i].first || std::bit_cast<std::uint64_t>(again[i].second) !=
                                                 std::bit_cast<std::uint64_t>(points[i].second)) {
      std::abort();
    }
  }
  return 0;
}
