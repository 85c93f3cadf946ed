#include "store/chunk_codec.h"

#include <fmt/format.h>

#include <bit>

#include "core/error.h"

namespace keelson::store {
namespace {

void putVarint(std::string& out, std::uint64_t v) {
  while (v >= 0x80) {
    out.push_back(static_cast<char>((v & 0x7f) | 0x80));
    v >>= 7;
  }
  out.push_back(static_cast<char>(v));
}

std::uint64_t zigzag(std::uint64_t v) {
  const auto s = static_cast<std::int64_t>(v);
  return (v << 1) ^ static_cast<std::uint64_t>(s >> 63);
}

std::uint64_t unzigzag(std::uint64_t v) { return (v >> 1) ^ (~(v & 1) + 1); }

[[noreturn]] void corrupt(std::string_view why) {
  throw Error(ErrorCode::kBadInput, fmt::format("history chunk: {}", why));
}

// Reads from a chunk, checking every byte is there.
class Reader {
 public:
  explicit Reader(std::string_view data) : data_(data) {}

  std::uint8_t byte() {
    if (pos_ >= data_.size()) corrupt("truncated");
    return static_cast<std::uint8_t>(data_[pos_++]);
  }

  std::uint64_t varint() {
    std::uint64_t v = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      const std::uint8_t b = byte();
      if (shift == 63 && b > 1) corrupt("varint overflows 64 bits");
      v |= static_cast<std::uint64_t>(b & 0x7f) << shift;
      if ((b & 0x80) == 0) return v;
    }
    corrupt("varint longer than 10 bytes");
  }

  bool done() const { return pos_ == data_.size(); }
  std::size_t left() const { return data_.size() - pos_; }

 private:
  std::string_view data_;
  std::size_t pos_ = 0;
};

}  // namespace

void ChunkEncoder::append(std::int64_t timestamp_ms, double value) {
  const auto ts = static_cast<std::uint64_t>(timestamp_ms);
  const std::uint64_t delta = ts - prev_ts_;
  putVarint(timestamps_, zigzag(count_ < 2 ? delta : delta - prev_delta_));
  prev_delta_ = count_ == 0 ? 0 : delta;
  prev_ts_ = ts;
  if (count_ == 0) first_ms_ = timestamp_ms;
  ++count_;
  const auto bits = std::bit_cast<std::uint64_t>(value);
  const std::uint64_t x = bits ^ prev_bits_;
  prev_bits_ = bits;
  if (x == 0) {
    values_.push_back(0);
    return;
  }
  const int trailing = std::countr_zero(x);
  values_.push_back(static_cast<char>(1 + trailing));
  putVarint(values_, x >> trailing);
}

std::string ChunkEncoder::finish() const {
  std::string out;
  out.reserve(10 + timestamps_.size() + values_.size());
  putVarint(out, count_);
  out += timestamps_;
  out += values_;
  return out;
}

std::string encodeChunk(std::span<const ChunkPoint> points) {
  ChunkEncoder encoder;
  for (const auto& [ts, value] : points) encoder.append(ts, value);
  return encoder.finish();
}

std::vector<ChunkPoint> decodeChunk(std::string_view data) {
  Reader in(data);
  const std::uint64_t count = in.varint();
  if (count > in.left() / 2) corrupt("count larger than the data");  // >= 2 bytes a point
  std::vector<ChunkPoint> points(count);
  std::uint64_t prev = 0;
  std::uint64_t prev_delta = 0;
  for (std::size_t i = 0; i < count; ++i) {
    const std::uint64_t coded = unzigzag(in.varint());
    const std::uint64_t delta = i < 2 ? coded : prev_delta + coded;
    prev += delta;
    prev_delta = i == 0 ? 0 : delta;
    points[i].first = static_cast<std::int64_t>(prev);
  }
  std::uint64_t prev_bits = 0;
  for (auto& point : points) {
    const std::uint8_t tag = in.byte();
    if (tag > 64) corrupt("bad value tag");
    if (tag != 0) {
      const int trailing = tag - 1;
      const std::uint64_t shifted = in.varint();
      if (trailing > 0 && (shifted >> (64 - trailing)) != 0) corrupt("value bits overflow");
      prev_bits ^= shifted << trailing;
    }
    point.second = std::bit_cast<double>(prev_bits);
  }
  if (!in.done()) corrupt("bytes left over after the last point");
  return points;
}

}  // namespace keelson::store
