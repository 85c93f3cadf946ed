// formatDuration against Go's time.Duration.String() (the expected texts are Go's), and read
// back by parseDuration.
#include <gtest/gtest.h>

#include <chrono>
#include <string>
#include <utility>
#include <vector>

#include "core/duration.h"

namespace keelson::core {
namespace {

using std::chrono::milliseconds;
using std::chrono::nanoseconds;

TEST(FormatDuration, AsGoWritesIt) {
  const std::vector<std::pair<std::int64_t, std::string>> cases = {{0, "0s"},
                                                                   {1, "1ms"},
                                                                   {350, "350ms"},
                                                                   {999, "999ms"},
                                                                   {1000, "1s"},
                                                                   {1500, "1.5s"},
                                                                   {1050, "1.05s"},
                                                                   {1001, "1.001s"},
                                                                   {90'000, "1m30s"},
                                                                   {120'000, "2m0s"},
                                                                   {123'250, "2m3.25s"},
                                                                   {3'600'000, "1h0m0s"},
                                                                   {3'723'500, "1h2m3.5s"},
                                                                   {90'000'000, "25h0m0s"},
                                                                   {-4000, "-4s"},
                                                                   {-350, "-350ms"}};
  for (const auto& [ms, text] : cases) {
    EXPECT_EQ(formatDuration(milliseconds(ms)), text) << ms;
    EXPECT_EQ(parseDuration(text), milliseconds(ms)) << text;
  }
  // The extremes do not overflow.
  EXPECT_EQ(formatDuration(nanoseconds::max()), "2562047h47m16.854775807s");
}

// Expected texts are what Go's time.Duration.String() prints for the same values.
TEST(FormatDuration, BelowAMillisecondAndLong) {
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
