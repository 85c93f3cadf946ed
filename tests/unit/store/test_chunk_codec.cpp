// The history chunk encoding: round trips of timestamps and values of every shape, the size of
// a regular series, and corrupt chunks refused.
#include <gtest/gtest.h>

#include <bit>
#include <cstdint>
#include <limits>
#include <random>
#include <vector>

#include "core/error.h"
#include "store/chunk_codec.h"

namespace keelson::store {
namespace {

// Compares bits, so that -0.0 and 0.0 differ.
void expectRoundTrip(const std::vector<ChunkPoint>& points) {
  const std::vector<ChunkPoint> decoded = decodeChunk(encodeChunk(points));
  ASSERT_EQ(decoded.size(), points.size());
  for (std::size_t i = 0; i < points.size(); ++i) {
    EXPECT_EQ(decoded[i].first, points[i].first) << i;
    EXPECT_EQ(std::bit_cast<std::uint64_t>(decoded[i].second),
              std::bit_cast<std::uint64_t>(points[i].second))
        << i << ": " << points[i].second;
  }
}

TEST(ChunkCodec, EmptyAndSinglePoint) {
  expectRoundTrip({});
  expectRoundTrip({{1'700'000'000'000, 42.5}});
  expectRoundTrip({{0, 0.0}});
  expectRoundTrip({{-5, -0.0}});
}

// The encoder the compaction feeds row by row: what it has so far, at any point.
TEST(ChunkCodec, EncoderTracksItsPointsAndFinishesAtAnyPoint) {
  ChunkEncoder encoder;
  EXPECT_EQ(encoder.count(), 0U);
  EXPECT_TRUE(decodeChunk(encoder.finish()).empty());
  encoder.append(1'700'000'030'000, 2.5);
  encoder.append(1'700'000'060'000, -7.0);
  EXPECT_EQ(encoder.count(), 2U);
  EXPECT_EQ(encoder.firstMs(), 1'700'000'030'000);
  EXPECT_EQ(encoder.lastMs(), 1'700'000'060'000);
  EXPECT_EQ(decodeChunk(encoder.finish()),
            (std::vector<ChunkPoint>{{1'700'000'030'000, 2.5}, {1'700'000'060'000, -7.0}}));
  encoder.append(1'700'000'090'000, 1e300);
  const std::vector<ChunkPoint> all{
      {1'700'000'030'000, 2.5}, {1'700'000'060'000, -7.0}, {1'700'000'090'000, 1e300}};
  EXPECT_EQ(decodeChunk(encoder.finish()), all);
  EXPECT_EQ(encoder.finish(), encodeChunk(all));
  EXPECT_EQ(encoder.lastMs(), 1'700'000'090'000);
}

TEST(ChunkCodec, RegularSeriesIsSmall) {
  std::vector<ChunkPoint> points;
  points.reserve(120);
  for (std::int64_t i = 0; i < 120; ++i)
    points.emplace_back(1'700'000'000'000 + i * 30'000, 1000.0);
  expectRoundTrip(points);
  // 120 one-byte delta-of-deltas and 119 one-byte "same value" markers, plus the start.
  EXPECT_LT(encodeChunk(points).size(), 260U);
}

TEST(ChunkCodec, NegativeHugeAndSpecialValues) {
  const double inf = std::numeric_limits<double>::infinity();
  expectRoundTrip({{1, -1.5},
                   {2, 1e300},
                   {3, -1e300},
                   {4, std::numeric_limits<double>::denorm_min()},
                   {5, std::numeric_limits<double>::max()},
                   {6, std::numeric_limits<double>::lowest()},
                   {7, inf},
                   {8, -inf},
                   {9, 0.0},
                   {10, -0.0},
                   {11, 123456789.125}});
}

TEST(ChunkCodec, IrregularAndExtremeTimestamps) {
  constexpr auto kMin = std::numeric_limits<std::int64_t>::min();
  constexpr auto kMax = std::numeric_limits<std::int64_t>::max();
  expectRoundTrip({{kMin, 1}, {kMax, 2}, {kMin, 3}, {0, 4}, {-1, 5}, {kMax, 6}});
  expectRoundTrip({{1000, 1}, {1001, 2}, {31'000, 3}, {31'007, 4}, {3'600'000, 5}, {5, 6}});
}

TEST(ChunkCodec, RandomRoundTrips) {
  std::mt19937_64 rng(7);
  for (int run = 0; run < 200; ++run) {
    std::vector<ChunkPoint> points(rng() % 300);
    auto ts = static_cast<std::int64_t>(rng());
    for (auto& [t, v] : points) {
      ts += static_cast<std::int64_t>(rng() % 100'000) - 1000;
      t = ts;
      v = run % 2 == 0 ? std::bit_cast<double>(rng()) : static_cast<double>(rng() % 1000) / 8;
    }
    expectRoundTrip(points);
  }
}

TEST(ChunkCodec, CorruptChunksAreRefused) {
  const std::string good = encodeChunk(std::vector<ChunkPoint>{{1000, 1.5}, {2000, 2.5}});
  for (std::size_t n = 0; n < good.size(); ++n) {
    EXPECT_THROW(decodeChunk(good.substr(0, n)), Error) << "truncated to " << n;
  }
  EXPECT_THROW(decodeChunk(good + "x"), Error);
  EXPECT_THROW(decodeChunk(std::string("\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\x01", 11)), Error);
  EXPECT_THROW(decodeChunk(std::string("\x01\x02\x41", 3)), Error);  // value tag 65
  try {
    decodeChunk("\x05");
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kBadInput);
  }
}

}  // namespace
}  // namespace keelson::store
