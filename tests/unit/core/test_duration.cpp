// formatDuration against Go's time.Duration.String() (the expected texts are Go's), and read
// back by parseDuration.
#include <gtest/gtest.h>

#include <limits>

#include "core/duration.h"

namespace keelson::core {
namespace {

using std::chrono::milliseconds;

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
  EXPECT_EQ(formatDuration(milliseconds(std::numeric_limits<std::int64_t>::min())).front(), '-');
  EXPECT_EQ(formatDuration(milliseconds(std::numeric_limits<std::int64_t>::max())).back(), 's');
}

}  // namespace
}  // namespace keelson::core
