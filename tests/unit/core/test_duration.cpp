// Go's time.Duration text both ways (core/duration.h).
#include <gtest/gtest.h>

#include <chrono>

#include "core/duration.h"

namespace keelson::core {
namespace {

using std::chrono::nanoseconds;

// Expected texts are what Go's time.Duration.String() prints for the same values.
TEST(FormatDuration, PrintsWhatGoPrints) {
  using namespace std::chrono_literals;
  EXPECT_EQ(formatDuration(0s), "0s");
  EXPECT_EQ(formatDuration(1ns), "1ns");
  EXPECT_EQ(formatDuration(1500ns), "1.5µs");
  EXPECT_EQ(formatDuration(500ms), "500ms");
  EXPECT_EQ(formatDuration(1500us), "1.5ms");
  EXPECT_EQ(formatDuration(30s), "30s");
  EXPECT_EQ(formatDuration(1500ms), "1.5s");
  EXPECT_EQ(formatDuration(150s), "2m30s");
  EXPECT_EQ(formatDuration(1h), "1h0m0s");
  EXPECT_EQ(formatDuration(26h + 3min + 4s + 5ms), "26h3m4.005s");
  EXPECT_EQ(formatDuration(-5s), "-5s");
  EXPECT_EQ(formatDuration(nanoseconds::min()), "-2562047h47m16.854775808s");
}

TEST(FormatDuration, ParsesBackToTheSameDuration) {
  for (const std::int64_t ns : {1LL, 999LL, 1'000'001LL, 61'000'000'000LL, 3'600'000'000'001LL}) {
    EXPECT_EQ(parseDuration(formatDuration(nanoseconds(ns))), nanoseconds(ns)) << ns;
  }
}

}  // namespace
}  // namespace keelson::core
