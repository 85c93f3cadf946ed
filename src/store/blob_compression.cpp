#include "store/blob_compression.h"

#include <fmt/format.h>
#include <zlib.h>

#include <cstdint>
#include <limits>

#include "core/error.h"

namespace keelson::store {
namespace {

constexpr std::size_t kSizeBytes = 4;
constexpr int kLevel = 1;  // the fastest: these blobs are small and written every tick

}  // namespace

std::string compressBlob(std::string_view raw) {
  if (raw.size() > std::numeric_limits<std::uint32_t>::max()) {
    throw Error(ErrorCode::kBadInput,
                fmt::format("compress: {} bytes is more than a blob may hold", raw.size()));
  }
  uLongf bound = compressBound(static_cast<uLong>(raw.size()));
  std::string out(kSizeBytes + bound, '\0');
  const auto size = static_cast<std::uint32_t>(raw.size());
  for (std::size_t i = 0; i < kSizeBytes; ++i) out[i] = static_cast<char>((size >> (8 * i)) & 0xff);
  const int rc =
      compress2(reinterpret_cast<Bytef*>(out.data() + kSizeBytes), &bound,
                reinterpret_cast<const Bytef*>(raw.data()), static_cast<uLong>(raw.size()), kLevel);
  if (rc != Z_OK) {
    throw Error(ErrorCode::kInternal, fmt::format("compress: zlib failed ({})", zError(rc)));
  }
  out.resize(kSizeBytes + bound);
  return out;
}

std::string decompressBlob(std::string_view stored, std::size_t max_bytes, std::string_view what) {
  if (stored.size() < kSizeBytes) {
    throw Error(ErrorCode::kBadInput,
                fmt::format("{}: {} bytes, too short for a compressed blob", what, stored.size()));
  }
  std::uint32_t size = 0;
  for (std::size_t i = 0; i < kSizeBytes; ++i) {
    size |= static_cast<std::uint32_t>(static_cast<unsigned char>(stored[i])) << (8 * i);
  }
  if (size > max_bytes) {
    throw Error(ErrorCode::kBadInput, fmt::format("{}: says it holds {} bytes, more than the {} "
                                                  "expected",
                                                  what, size, max_bytes));
  }
  std::string out(size, '\0');
  uLongf out_size = size;
  const int rc = uncompress(reinterpret_cast<Bytef*>(out.data()), &out_size,
                            reinterpret_cast<const Bytef*>(stored.data() + kSizeBytes),
                            static_cast<uLong>(stored.size() - kSizeBytes));
  if (rc != Z_OK || out_size != size) {
    throw Error(ErrorCode::kBadInput,
                fmt::format("{}: corrupt compressed blob ({})", what,
                            rc != Z_OK ? zError(rc) : "shorter than its stated size"));
  }
  return out;
}

}  // namespace keelson::store
