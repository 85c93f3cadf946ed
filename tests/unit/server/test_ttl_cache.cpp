// TtlCache (server/ttl_cache.h) with a fake clock: expiry, replacement, the size bound (expired
// entries first, then the oldest), and single-flight loading.
#include <gtest/gtest.h>

#include <atomic>
#include <future>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "common/fake_clock.h"
#include "server/ttl_cache.h"

namespace keelson::server {
namespace {

using namespace std::chrono_literals;
using Cache = TtlCache<std::string, int>;

class TtlCacheTest : public ::testing::Test {
 protected:
  std::shared_ptr<keelson::testing::FakeClock> clock_ =
      std::make_shared<keelson::testing::FakeClock>();
};

TEST_F(TtlCacheTest, AnEntryLivesForItsTtlAndNoLonger) {
  Cache cache(10, clock_);
  cache.put("a", 1, 10s);
  clock_->advance(9s);
  EXPECT_EQ(cache.get("a"), 1);
  clock_->advance(1s);  // put time + ttl: expired
  EXPECT_EQ(cache.get("a"), std::nullopt);
  EXPECT_EQ(cache.size(), 0u);
  EXPECT_EQ(cache.get("missing"), std::nullopt);
}

TEST_F(TtlCacheTest, EntriesHaveTheirOwnTtls) {
  Cache cache(10, clock_);
  cache.put("long", 1, 60s);
  cache.put("short", 2, 5s);
  clock_->advance(5s);
  EXPECT_EQ(cache.get("long"), 1);
  EXPECT_EQ(cache.get("short"), std::nullopt);
}

TEST_F(TtlCacheTest, PutReplacesTheValueAndRestartsItsTtl) {
  Cache cache(10, clock_);
  cache.put("a", 1, 10s);
  clock_->advance(8s);
  cache.put("a", 2, 10s);
  clock_->advance(8s);
  EXPECT_EQ(cache.get("a"), 2);
  EXPECT_EQ(cache.size(), 1u);
}

TEST_F(TtlCacheTest, ANonPositiveTtlStoresNothingAndDropsTheOldEntry) {
  Cache cache(10, clock_);
  cache.put("a", 1, 10s);
  cache.put("a", 2, 0s);
  EXPECT_EQ(cache.get("a"), std::nullopt);
  cache.put("b", 3, -1s);
  EXPECT_EQ(cache.size(), 0u);
}

TEST_F(TtlCacheTest, AtTheBoundTheOldestInsertIsEvicted) {
  Cache cache(3, clock_);
  cache.put("a", 1, 60s);
  cache.put("b", 2, 60s);
  cache.put("c", 3, 60s);
  cache.put("d", 4, 60s);
  EXPECT_EQ(cache.size(), 3u);
  EXPECT_EQ(cache.get("a"), std::nullopt);
  EXPECT_EQ(cache.get("b"), 2);
  EXPECT_EQ(cache.get("c"), 3);
  EXPECT_EQ(cache.get("d"), 4);
}

TEST_F(TtlCacheTest, AtTheBoundExpiredEntriesAreEvictedBeforeTheOldest) {
  Cache cache(3, clock_);
  cache.put("oldest", 1, 60s);
  cache.put("short1", 2, 5s);
  cache.put("short2", 3, 5s);
  clock_->advance(5s);
  cache.put("new", 4, 60s);
  // Both expired entries went; the oldest live one stays.
  EXPECT_EQ(cache.size(), 2u);
  EXPECT_EQ(cache.get("oldest"), 1);
  EXPECT_EQ(cache.get("new"), 4);
}

TEST_F(TtlCacheTest, AReplacedEntryCountsAsNewest) {
  Cache cache(2, clock_);
  cache.put("a", 1, 60s);
  cache.put("b", 2, 60s);
  cache.put("a", 3, 60s);
  cache.put("c", 4, 60s);
  EXPECT_EQ(cache.get("b"), std::nullopt);
  EXPECT_EQ(cache.get("a"), 3);
  EXPECT_EQ(cache.get("c"), 4);
}

TEST_F(TtlCacheTest, GetOrLoadLoadsOnceAndKeepsTheValueForTheLoadersTtl) {
  Cache cache(10, clock_);
  int loads = 0;
  const auto load = [&] { return Cache::Loaded{++loads, 10s}; };
  EXPECT_EQ(cache.getOrLoad("a", load), 1);
  EXPECT_EQ(cache.getOrLoad("a", load), 1);
  clock_->advance(10s);
  EXPECT_EQ(cache.getOrLoad("a", load), 2);
  EXPECT_EQ(loads, 2);
}

TEST_F(TtlCacheTest, GetOrLoadNeverCachesAnException) {
  Cache cache(10, clock_);
  int calls = 0;
  EXPECT_THROW(cache.getOrLoad("a",
                               [&]() -> Cache::Loaded {
                                 ++calls;
                                 throw std::runtime_error("down");
                               }),
               std::runtime_error);
  EXPECT_EQ(cache.getOrLoad("a", [&] { return Cache::Loaded{++calls, 10s}; }), 2);
}

TEST_F(TtlCacheTest, ConcurrentCallersForOneKeyShareOneLoad) {
  Cache cache(10, clock_);
  constexpr int kWaiters = 8;
  std::promise<void> release;
  std::shared_future<void> released = release.get_future().share();
  std::atomic<int> loads{0};
  const auto load = [&] {
    ++loads;
    released.wait();
    return Cache::Loaded{42, 10s};
  };
  std::vector<std::future<int>> results;
  results.push_back(std::async(std::launch::async, [&] { return cache.getOrLoad("k", load); }));
  while (loads.load() == 0) std::this_thread::yield();
  for (int i = 0; i < kWaiters; ++i) {
    results.push_back(std::async(std::launch::async, [&] { return cache.getOrLoad("k", load); }));
  }
  // Every waiter is parked on the leader's load before it is released.
  while (cache.sharedLoads() < static_cast<std::size_t>(kWaiters)) std::this_thread::yield();
  release.set_value();
  for (auto& result : results) EXPECT_EQ(result.get(), 42);
  EXPECT_EQ(loads.load(), 1);
}

TEST_F(TtlCacheTest, WaitersGetTheLeadersException) {
  Cache cache(10, clock_);
  std::promise<void> release;
  std::shared_future<void> released = release.get_future().share();
  std::atomic<int> loads{0};
  const auto load = [&]() -> Cache::Loaded {
    ++loads;
    released.wait();
    throw std::runtime_error("review failed");
  };
  auto leader = std::async(std::launch::async, [&] { return cache.getOrLoad("k", load); });
  while (loads.load() == 0) std::this_thread::yield();
  auto waiter = std::async(std::launch::async, [&] { return cache.getOrLoad("k", load); });
  while (cache.sharedLoads() < 1) std::this_thread::yield();
  release.set_value();
  EXPECT_THROW(leader.get(), std::runtime_error);
  EXPECT_THROW(waiter.get(), std::runtime_error);
  EXPECT_EQ(loads.load(), 1);
}

}  // namespace
}  // namespace keelson::server
