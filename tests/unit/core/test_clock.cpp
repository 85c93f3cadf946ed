// core::Clock: the real clock's waits end on their condition and on stop (not on a measured
// time), and the FakeClock every other test uses wakes exactly the waits its advance() reaches.

#include <gtest/gtest.h>

#include <chrono>
#include <condition_variable>
#include <future>
#include <mutex>
#include <stop_token>
#include <thread>

#include "common/fake_clock.h"
#include "core/clock.h"

namespace keelson::core {
namespace {

using namespace std::chrono_literals;
using keelson::testing::FakeClock;

TEST(Clock, SaturatingAddNeverOverflows) {
  const SteadyTime t(1000s);
  EXPECT_EQ(Clock::saturatingAdd(t, 5s), SteadyTime(1005s));
  EXPECT_EQ(Clock::saturatingAdd(t, -5s), t);
  EXPECT_EQ(Clock::saturatingAdd(t, std::chrono::nanoseconds::max()), SteadyTime::max());
  EXPECT_EQ(Clock::saturatingAdd(SteadyTime::max(), 1ns), SteadyTime::max());
}

TEST(SystemClock, IsOneObjectAndMovesForward) {
  const auto clock = systemClock();
  EXPECT_EQ(clock, systemClock());
  const SteadyTime before = clock->steadyNow();
  EXPECT_TRUE(clock->sleepFor(1ms));
  EXPECT_GT(clock->steadyNow(), before);
  EXPECT_GT(clock->wallNow(), WallTime(std::chrono::hours(24 * 365 * 50)));  // after 2020
}

TEST(SystemClock, StopEndsAnEndlessSleep) {
  std::stop_source stop;
  auto sleeper = std::async(std::launch::async, [&] {
    return systemClock()->sleepUntil(SteadyTime::max(), stop.get_token());
  });
  stop.request_stop();
  EXPECT_FALSE(sleeper.get());
}

TEST(SystemClock, AWaitEndsWhenItsConditionHolds) {
  std::mutex mutex;
  std::condition_variable_any cv;
  bool ready = false;
  auto waiter = std::async(std::launch::async, [&] {
    std::unique_lock lock(mutex);
    return systemClock()->waitUntil(lock, cv, {}, SteadyTime::max(), [&] { return ready; });
  });
  {
    std::lock_guard lock(mutex);
    ready = true;
  }
  cv.notify_all();
  EXPECT_TRUE(waiter.get());
}

TEST(FakeClock, MovesOnlyWhenAdvanced) {
  FakeClock clock(WallTime(1'700'000'000s));
  const SteadyTime steady = clock.steadyNow();
  EXPECT_EQ(clock.wallNow(), WallTime(1'700'000'000s));
  EXPECT_EQ(clock.steadyNow(), steady);
  clock.advance(1500ms);
  EXPECT_EQ(clock.steadyNow(), steady + 1500ms);
  EXPECT_EQ(clock.wallNow(), WallTime(1'700'000'000s + 1500ms));
  EXPECT_EQ(clock.nextDeadline(), std::nullopt);
  EXPECT_TRUE(clock.sleepFor(0s));  // nothing to wait for
}

TEST(FakeClock, AdvanceWakesASleeperAtItsDeadlineAndNotBefore) {
  FakeClock clock;
  const SteadyTime start = clock.steadyNow();
  auto sleeper = std::async(std::launch::async, [&] { return clock.sleepFor(10s); });
  ASSERT_TRUE(clock.awaitWaits(1));
  EXPECT_EQ(clock.nextDeadline(), start + 10s);
  clock.advance(9s);
  EXPECT_TRUE(clock.awaitWaits(1));  // still asleep
  EXPECT_EQ(clock.nextDeadline(), start + 10s);
  clock.advance(1s);
  EXPECT_TRUE(sleeper.get());
  EXPECT_EQ(clock.nextDeadline(), std::nullopt);
}

TEST(FakeClock, StopEndsAWaitWithoutMovingTime) {
  FakeClock clock;
  const SteadyTime start = clock.steadyNow();
  std::stop_source stop;
  auto sleeper =
      std::async(std::launch::async, [&] { return clock.sleepFor(1h, stop.get_token()); });
  ASSERT_TRUE(clock.awaitWaits(1));
  stop.request_stop();
  EXPECT_FALSE(sleeper.get());
  EXPECT_EQ(clock.steadyNow(), start);
  std::stop_source stopped;
  stopped.request_stop();
  EXPECT_FALSE(clock.sleepFor(1h, stopped.get_token()));  // already stopped: at once
}

TEST(FakeClock, AWaitEndsOnItsConditionOrItsDeadline) {
  FakeClock clock;
  std::mutex mutex;
  std::condition_variable_any cv;
  bool ready = false;
  auto wait = [&] {
    std::unique_lock lock(mutex);
    return clock.waitFor(lock, cv, {}, 5s, [&] { return ready; });
  };
  auto notified = std::async(std::launch::async, wait);
  ASSERT_TRUE(clock.awaitWaits(1));
  {
    std::lock_guard lock(mutex);
    ready = true;
  }
  cv.notify_all();
  EXPECT_TRUE(notified.get());

  ready = false;
  auto timed_out = std::async(std::launch::async, wait);
  ASSERT_TRUE(clock.awaitWaits(1));
  clock.advance(5s);
  EXPECT_FALSE(timed_out.get());
}

TEST(FakeClock, OneAdvanceWakesEveryWaitItReachesInAnyThread) {
  FakeClock clock;
  std::vector<std::future<bool>> sleepers;
  for (int i = 1; i <= 4; ++i) {
    sleepers.push_back(
        std::async(std::launch::async, [&clock, i] { return clock.sleepFor(i * 1s); }));
  }
  ASSERT_TRUE(clock.awaitWaits(4));
  clock.advance(3s);
  for (int i = 0; i < 3; ++i) EXPECT_TRUE(sleepers[i].get());
  EXPECT_EQ(clock.nextDeadline(), clock.steadyNow() + 1s);  // the fourth sleeps on
  clock.advance(1s);
  EXPECT_TRUE(sleepers[3].get());
}

}  // namespace
}  // namespace keelson::core
