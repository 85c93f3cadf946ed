// The link's backoff: full jitter under a doubling ceiling, Retry-After wins, reset.
#include <gtest/gtest.h>

#include <chrono>
#include <set>

#include "link/backoff.h"

namespace keelson::link {
namespace {

using namespace std::chrono_literals;

TEST(Backoff, WaitsStayUnderADoublingCeilingCappedAt60s) {
  Backoff backoff(1s, 60s);
  const std::chrono::milliseconds ceilings[] = {1s, 2s, 4s, 8s, 16s, 32s, 60s, 60s, 60s};
  for (const auto ceiling : ceilings) {
    const auto wait = backoff.next();
    EXPECT_GE(wait.count(), 0);
    EXPECT_LE(wait, ceiling);
  }
  EXPECT_EQ(backoff.failures(), 9);
}

TEST(Backoff, FullJitterSpreadsAgentsOut) {
  // 1,000 agents failing for the 7th time together: their waits cover [0, 60 s], not one value.
  std::set<std::int64_t> seconds;
  std::int64_t below_half = 0;
  for (int agent = 0; agent < 1000; ++agent) {
    Backoff backoff(1s, 60s);
    std::chrono::milliseconds wait{};
    for (int i = 0; i < 7; ++i) wait = backoff.next();
    seconds.insert(wait.count() / 1000);
    below_half += wait < 30s ? 1 : 0;
  }
  EXPECT_GE(seconds.size(), 50U) << "waits spread over the whole range";
  EXPECT_GT(below_half, 350);
  EXPECT_LT(below_half, 650);
}

TEST(Backoff, RetryAfterWinsAndIsCapped) {
  Backoff backoff(1s, 60s);
  EXPECT_EQ(backoff.next(7s), 7s);
  EXPECT_EQ(backoff.next(600s), 60s);
  EXPECT_EQ(backoff.failures(), 2);
}

TEST(Backoff, ResetStartsOver) {
  Backoff backoff(1s, 60s);
  for (int i = 0; i < 10; ++i) (void)backoff.next();
  backoff.reset();
  EXPECT_EQ(backoff.failures(), 0);
  EXPECT_LE(backoff.next(), 1s);
}

}  // namespace
}  // namespace keelson::link
