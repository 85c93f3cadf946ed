// Parser of /proc/meminfo.
#include <gtest/gtest.h>

#include <string>

#include "host/proc/meminfo.h"
#include "host/proc/parse_util.h"
#include "test_util.h"

namespace keelson::host {
namespace {

using testing::readData;

TEST(MeminfoTest, ParsesEveryFieldOfRealCapture) {
  const auto text = readData("node-vm/t0/proc/meminfo");
  const auto info = parseMeminfo(text);
  std::size_t lines = 0;
  detail::forEachLine(text, [&](std::string_view) { ++lines; });
  ASSERT_EQ(lines, 54u);
  ASSERT_EQ(info.fields.size(), lines);  // Every field, none skipped.
  EXPECT_EQ(info.fields.front().name, "MemTotal");
  EXPECT_EQ(info.fields.back().name, "DirectMap1G");
  EXPECT_EQ(info.get("MemTotal"), 24684084ull * 1024);
  EXPECT_EQ(info.get("MemAvailable"), 23349820ull * 1024);
  EXPECT_EQ(info.get("Buffers"), 414572ull * 1024);
  EXPECT_EQ(info.get("FileHugePages"), 12288ull * 1024);
  EXPECT_EQ(info.get("Hugepagesize"), 2048ull * 1024);
  EXPECT_EQ(info.get("VmallocTotal"), 34359738367ull * 1024);
  EXPECT_FALSE(info.get("NoSuchField").has_value());
  for (const auto& field : info.fields) {
    // Exactly the HugePages_* counts have no unit.
    EXPECT_EQ(field.is_bytes, !field.name.starts_with("HugePages_")) << field.name;
  }
}

TEST(MeminfoTest, ParenthesisedNamesAndCounts) {
  const auto info = parseMeminfo(readData("misc/meminfo-linux-3.2"));
  EXPECT_EQ(info.fields.size(), 42u);
  EXPECT_EQ(info.get("Active(anon)"), 205964ull * 1024);
  EXPECT_EQ(info.get("HugePages_Total"), 4u);
  EXPECT_EQ(info.get("HugePages_Free"), 3u);
  EXPECT_FALSE(info.get("MemAvailable").has_value());  // Added in Linux 3.14.
}

TEST(MeminfoTest, SkipsMalformedLines) {
  const auto info = parseMeminfo(
      "MemTotal: 100 kB\n"
      "NoValue:\n"
      "Bad: x kB\n"
      "Unit: 5 MB\n"
      "Extra: 5 kB junk\n"
      "Huge: 18446744073709551615 kB\n"  // Overflows 64 bits in bytes.
      "With Space: 1 kB\n"
      ": 7 kB\n"
      "no colon 5 kB\n"
      "Count: 42\n");
  ASSERT_EQ(info.fields.size(), 2u);
  EXPECT_EQ(info.get("MemTotal"), 102400u);
  EXPECT_EQ(info.get("Count"), 42u);
  EXPECT_FALSE(info.fields[1].is_bytes);
}

TEST(MeminfoTest, DuplicateNameGetReturnsFirst) {
  const auto info = parseMeminfo("A: 1 kB\nA: 2 kB\n");
  EXPECT_EQ(info.fields.size(), 2u);
  EXPECT_EQ(info.get("A"), 1024u);
}

}  // namespace
}  // namespace keelson::host
